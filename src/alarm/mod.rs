//! The alarm runner: one named thread in whichever process records (`vigil record`, or the GUI
//! when it records), so alarms are raised with no window open. It turns what it observes into
//! facts for [`crate::core::alarm::Engine`] — the recorded streams' states polled once a second,
//! the cameras' pictures analysed five times a second ([`picture`]), and facts pushed by the
//! recorder (recording faults) on a bounded channel — and stores every transition
//! (`store::alarms`) and every interval of motion (`store::motion`). Officers' actions from any
//! process reach the engine through the store: each second the runner re-reads its open alarms'
//! states.
//!
//! Imports core, store and media (stream states); never the recorder, the CLI or the GUI.

pub mod picture;
pub mod report;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use crate::core::alarm::{Engine, Fact, Rules, Transition};
use crate::core::site::Site;
use crate::core::time::{Clock, Time90k};
use crate::media::{StreamHandle, StreamState};
use crate::store::{Store, StoreError};

/// How often stream states are polled and the engine's clock ticks.
pub const TICK: Duration = Duration::from_secs(1);

/// Facts waiting for the runner at most (a recorder's faults come a few a minute).
const FACT_CAPACITY: usize = 256;

/// How often the runner looks for changed rules (the GUI's motion settings, `vigil alarm rules
/// --set`), in ticks.
const RULES_CHECK_TICKS: u32 = 5;

/// Transitions kept for another try when the store refused them (a full disk), at most.
const UNSAVED_CAPACITY: usize = 10_000;

/// Where the runner sends facts from other threads: never blocks (a full queue drops the fact
/// and logs it; facts repeat, so the next one carries the news).
#[derive(Clone)]
pub struct FactSender(SyncSender<Fact>);

impl FactSender {
    pub fn send(&self, fact: Fact) {
        match self.0.try_send(fact) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(f)) => tracing::warn!(?f, "alarm fact queue full; fact dropped"),
        }
    }
}

/// A running alarm runner; dropping it (or [`AlarmRunner::shutdown`]) stops its thread.
pub struct AlarmRunner {
    facts: FactSender,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What a camera's stream last told the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Nothing,
    Online,
    Offline(String),
}

/// A recorded stream the runner watches.
struct Watched {
    camera_id: String,
    handle: Arc<StreamHandle>,
    seen: Seen,
    /// Access units received at the last poll: a recorded stream is often not decoded (the
    /// recorder only copies), so arriving units, not decoded pictures, say that video comes.
    units_received: u64,
}

impl AlarmRunner {
    /// Starts the runner on its own connection to the data dir's store, for `site`'s cameras,
    /// watching `streams` (camera id, the stream the recorder reads) and analysing the pictures
    /// of `pictures` (camera id, the stream to analyse: its substream where it has one).
    pub fn start(
        store: Store,
        site: &Site,
        rules: Rules,
        streams: Vec<(String, Arc<StreamHandle>)>,
        pictures: Vec<(String, Arc<StreamHandle>)>,
        clock: Clock,
    ) -> Result<Self, StoreError> {
        let closed = store.close_unfinished_motion()?;
        if closed > 0 {
            tracing::info!(closed, "motion intervals left open by a previous recorder were closed");
        }
        let pictures = pictures
            .into_iter()
            .map(|(camera, handle)| {
                let settings = picture::motion_settings(rules.motion.get(&camera));
                picture::PictureWatch::new(camera, handle, settings)
            })
            .collect();
        let mut engine = Engine::new(rules, site.cameras.iter().map(|c| (c.id.clone(), c.neighborhood.clone())), site.timezone);
        let (open, next_id) = store.open_alarms()?;
        engine.restore(open, next_id);
        let (tx, rx) = std::sync::mpsc::sync_channel(FACT_CAPACITY);
        let stop = Arc::new(AtomicBool::new(false));
        let watched =
            streams.into_iter().map(|(camera_id, handle)| Watched { camera_id, handle, seen: Seen::Nothing, units_received: 0 }).collect();
        // Rules saved from now on replace the ones given (which may differ from the stored ones:
        // a recorder started with rules of its own keeps them until someone saves new ones).
        let stored_rules = store.settings().map(|s| s.alarm_rules).ok();
        let mut run = Run { engine, store, watched, pictures, clock, unsaved: std::collections::VecDeque::new(), ticks: 0, stored_rules };
        let thread_stop = stop.clone();
        let thread = std::thread::Builder::new()
            .name("alarm".into())
            .spawn(move || run.run(&rx, &thread_stop))
            .map_err(|e| StoreError::Migration { to: 0, message: format!("cannot start the alarm thread: {e}") })?;
        Ok(Self { facts: FactSender(tx), stop, thread: Some(thread) })
    }

    pub fn facts(&self) -> FactSender {
        self.facts.clone()
    }

    pub fn shutdown(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for AlarmRunner {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

struct Run {
    engine: Engine,
    store: Store,
    watched: Vec<Watched>,
    pictures: Vec<picture::PictureWatch>,
    clock: Clock,
    /// Transitions the store could not take yet (the disk full: the very alarm that says so),
    /// written first at the next tick, in order.
    unsaved: std::collections::VecDeque<(Transition, Time90k)>,
    ticks: u32,
    /// The rules in the store when last read (`None`: unreadable then).
    stored_rules: Option<Rules>,
}

impl Run {
    fn run(&mut self, facts: &Receiver<Fact>, stop: &AtomicBool) {
        let mut next_tick = Instant::now();
        let mut next_analysis = Instant::now();
        while !stop.load(Ordering::Acquire) {
            let wake = if self.pictures.is_empty() { next_tick } else { next_tick.min(next_analysis) };
            match facts.recv_timeout(wake.saturating_duration_since(Instant::now())) {
                Ok(fact) => self.on(&fact),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => std::thread::park_timeout(wake.saturating_duration_since(Instant::now())),
            }
            let now = Instant::now();
            if now >= next_analysis {
                // Late (a slow store write): skip the missed rounds rather than run them back to back.
                next_analysis = (next_analysis + picture::ANALYSIS_INTERVAL).max(now);
                self.analyse();
            }
            if now >= next_tick {
                next_tick += TICK;
                self.tick();
            }
        }
    }

    /// One round of picture analysis: each analysed stream's newest frame, if it has a new one.
    fn analyse(&mut self) {
        let now = self.clock.now_90k();
        let mut facts = Vec::new();
        let mut spans = Vec::new();
        for watch in &mut self.pictures {
            let news = watch.poll(now);
            facts.extend(news.facts);
            spans.extend(news.motion);
        }
        for fact in &facts {
            self.on(fact);
        }
        for span in spans {
            let seconds: Vec<_> = span.seconds.iter().map(|(at, mask)| (*at, *mask)).collect();
            if let Err(e) = self.store.save_motion(&span.camera, span.began_at, span.ended_at, &seconds) {
                tracing::warn!(camera = span.camera, "storing motion: {e}");
            }
        }
    }

    fn on(&mut self, fact: &Fact) {
        let now = self.clock.now_90k();
        let transitions = self.engine.on(fact, now);
        self.save(&transitions, now);
    }

    fn tick(&mut self) {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(RULES_CHECK_TICKS) {
            self.reload_rules();
        }
        self.retry_unsaved();
        // Until the store has everything, it cannot say what officers closed.
        if self.unsaved.is_empty() {
            self.sync_from_store();
        }
        let facts: Vec<Fact> = self.watched.iter_mut().flat_map(poll).collect();
        for fact in &facts {
            self.on(fact);
        }
        let now = self.clock.now_90k();
        let transitions = self.engine.tick(now);
        self.save(&transitions, now);
    }

    /// Rules saved since (by the GUI or `vigil alarm rules --set`) apply from now on, without a
    /// restart: thresholds, arming, and each camera's motion detection settings.
    fn reload_rules(&mut self) {
        let rules = match self.store.settings() {
            Ok(s) => s.alarm_rules,
            Err(e) => {
                tracing::warn!("reading the alarm rules: {e}");
                return;
            }
        };
        if self.stored_rules.as_ref() == Some(&rules) {
            return;
        }
        self.stored_rules = Some(rules.clone());
        if &rules == self.engine.rules() {
            return;
        }
        tracing::info!("alarm rules changed; applied");
        for watch in &mut self.pictures {
            watch.set_settings(picture::motion_settings(rules.motion.get(watch.camera_id())));
        }
        self.engine.set_rules(rules);
    }

    /// Officers' actions taken in any process (the GUI, `vigil alarm ack`) since the last tick.
    fn sync_from_store(&mut self) {
        match self.store.open_alarms() {
            Ok((open, _)) => self.engine.sync_states(&open),
            Err(e) => tracing::warn!("reading the open alarms: {e}"),
        }
    }

    fn save(&mut self, transitions: &[Transition], now: Time90k) {
        for t in transitions {
            if let Some(a) = t.alarm() {
                tracing::info!(id = a.id, kind = a.kind.as_str(), camera = a.camera.as_deref().unwrap_or("-"), "alarm {}", t.as_str());
            }
            // Behind earlier unsaved ones: the history stays in order.
            if !self.unsaved.is_empty() || self.store.save_alarm_transition(t, now).is_err() {
                self.keep_unsaved(t.clone(), now);
            }
        }
    }

    fn keep_unsaved(&mut self, t: Transition, now: Time90k) {
        if self.unsaved.len() >= UNSAVED_CAPACITY {
            tracing::error!("alarm transitions cannot be stored; the oldest unsaved one is dropped");
            self.unsaved.pop_front();
        }
        self.unsaved.push_back((t, now));
    }

    fn retry_unsaved(&mut self) {
        while let Some((t, at)) = self.unsaved.front() {
            if let Err(e) = self.store.save_alarm_transition(t, *at) {
                tracing::warn!(waiting = self.unsaved.len(), "storing alarm transitions: {e}; trying again in a second");
                return;
            }
            self.unsaved.pop_front();
        }
    }
}

/// A stream's news since the last poll: its link when it changed, and that frames arrived.
fn poll(w: &mut Watched) -> Vec<Fact> {
    let camera = || w.camera_id.clone();
    let mut out = Vec::new();
    let seen = match w.handle.state() {
        StreamState::Live | StreamState::NoPicture { .. } => Seen::Online,
        StreamState::Offline { reason, .. } => Seen::Offline(reason.to_string()),
        StreamState::Connecting | StreamState::Stopped => w.seen.clone(),
    };
    if seen != w.seen {
        match &seen {
            Seen::Online => out.push(Fact::Online { camera: camera() }),
            Seen::Offline(reason) => out.push(Fact::Offline { camera: camera(), reason: reason.clone() }),
            Seen::Nothing => {}
        }
        w.seen = seen;
    }
    let units = w.handle.access_units_received();
    if units > w.units_received && w.seen == Seen::Online {
        out.push(Fact::Frames { camera: camera() });
    }
    w.units_received = units;
    out
}
