//! The recorder: every enabled camera's chosen stream, stored without transcoding as ~60 s
//! fragmented-MP4 segments under `<data>/recordings/`, indexed in SQLite.
//!
//! Flow: the live pipeline's parser probe hands access units to a bounded channel per camera
//! ([`crate::media::RecordTap`]; one RTSP session per camera profile, shared with live view); a
//! named thread per camera (`rec-<id>`) turns them into runs and segments ([`camera`]); one
//! housekeeping thread (`rec-house`) applies retention, watches the free space and writes the
//! status file. Nothing here imports GStreamer or egui.
//!
//! Crash order: a segment's file is written, fsynced and its directory fsynced before its row is
//! inserted; a deletion marks the row, unlinks the file, fsyncs the directory, then drops the row.
//! [`reconcile`] repairs whatever a crash left half-done, before recording starts.

mod camera;
pub mod fabricate;
pub mod fmp4;
pub mod lock;
pub mod reader;
pub mod reconcile;
pub mod retention;
pub mod status;
mod timing;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::core::site::{Site, StreamProfile};
use crate::core::time::Clock;
use crate::media::{DecodeMode, Ingest, StreamKey, StreamSpec, StreamState};
use crate::store::{Store, StoreError};

pub use lock::DataDirLock;
pub use retention::RetentionPolicy;
pub use status::{CameraRecordStatus, RecorderStatus};

/// Folder of the segment files inside a data dir.
pub const RECORDINGS_DIR: &str = "recordings";

pub use crate::core::time::TICKS_PER_S;
use crate::core::time::{Duration90k, Time90k};

pub fn recordings_root(data_dir: &Path) -> PathBuf {
    data_dir.join(RECORDINGS_DIR)
}

/// Suffix of a camera's preview track: its substream, recorded beside a main-stream recording
/// so that big walls scrub from small keyframes (camera ids are `[a-z0-9_-]`: no clash).
pub const PREVIEW_SUFFIX: &str = "~preview";

/// The index's camera id of a camera's preview track.
pub fn preview_track(camera_id: &str) -> String {
    format!("{camera_id}{PREVIEW_SUFFIX}")
}

/// The index row of a finished segment file.
pub(crate) fn segment_row<'a>(
    run_id: i64,
    camera_id: &'a str,
    seq: i64,
    start_90k: Time90k,
    path: &'a str,
    summary: &'a fmp4::SegmentSummary,
    keyframe_index: &'a [u8],
) -> crate::store::recordings::NewSegment<'a> {
    crate::store::recordings::NewSegment {
        run_id,
        camera_id,
        seq,
        start_90k,
        duration_90k: summary.duration(),
        path,
        bytes: summary.bytes as i64,
        frames: summary.frames as i64,
        codec: summary.codec.as_str(),
        width: summary.width,
        height: summary.height,
        keyframe_index,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Lock(#[from] lock::LockError),
    #[error("{0}")]
    Media(String),
    #[error("no site configured in {0}: import one with `vigil site import FILE`")]
    NoSite(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// Target segment length; segments end at the first keyframe after a per-camera staggered
    /// boundary, between half and 1.5 times this.
    pub segment_target_ms: u64,
    /// Longest a fragment gathers frames before it is written (bounds what a crash loses).
    pub fragment_ms: u64,
    /// No access unit for this long ends the run (the camera dropped).
    pub idle_end_ms: u64,
    /// The segment being written is indexed (and its row grown) whenever this much more media
    /// is in complete fragments, so review and export reach within a few seconds of now; 0
    /// indexes finished segments only.
    pub index_open_ms: u64,
    pub retention: RetentionPolicy,
    /// How often retention and the free-space check run.
    pub housekeeping_interval: Duration,
    /// Capacity of each camera's access-unit channel (about 40 s of 25 fps video by default).
    pub channel_capacity: usize,
    /// Also record the substream of every camera recorded from its main stream, as its preview
    /// track (~12 % more disk; the GUI has that RTSP session open anyway).
    pub record_previews: bool,
    /// What raises an alarm; `None`: this recorder runs no alarm engine (benchmarks).
    pub alarms: Option<crate::core::alarm::Rules>,
    /// With an alarm engine: analyse every camera's pictures (frozen, blank, motion) on its
    /// substream (its main stream if it has none), decoding it fully once in this process
    /// (about 0.27 of a core for 35 substreams; docs/benchmarks.md).
    pub analyse_pictures: bool,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            segment_target_ms: 60_000,
            fragment_ms: 500,
            idle_end_ms: 3_000,
            index_open_ms: 2_000,
            retention: RetentionPolicy::default(),
            housekeeping_interval: Duration::from_secs(5),
            channel_capacity: 1024,
            record_previews: true,
            alarms: Some(crate::core::alarm::Rules::default()),
            analyse_pictures: true,
        }
    }
}

/// What the recorder tells the world (alarm-ready), on a bounded channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RecordEvent {
    RunStarted {
        camera_id: String,
        run_id: i64,
        start_90k: Time90k,
    },
    SegmentIndexed {
        camera_id: String,
        run_id: i64,
        path: String,
        start_90k: Time90k,
        duration_90k: Duration90k,
    },
    RunEnded {
        camera_id: String,
        run_id: i64,
        end_90k: Time90k,
        reason: String,
    },
    /// The disk is full and retention may not delete anything: recording stopped.
    DiskFull {
        message: String,
    },
    /// Space is back: recording resumes at the next keyframe.
    SpaceRecovered,
    Error {
        camera_id: String,
        message: String,
    },
}

/// State shared by the camera threads and the housekeeping thread.
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    pub root: PathBuf,
    pub disk_full: AtomicBool,
    pub events: SyncSender<RecordEvent>,
    pub status: Mutex<HashMap<String, CameraRecordStatus>>,
    pub timezone: chrono_tz::Tz,
    /// Where recording faults go as alarm facts (set once the alarm runner is up).
    pub alarm_facts: std::sync::OnceLock<crate::alarm::FactSender>,
}

impl Shared {
    pub(crate) fn emit(&self, event: RecordEvent) {
        if self.events.try_send(event).is_err() {
            tracing::debug!("record event channel full; event dropped");
        }
    }

    /// Tells the alarm engine about a recording fault (nothing when no engine runs).
    pub(crate) fn alarm_fact(&self, fact: crate::core::alarm::Fact) {
        if let Some(facts) = self.alarm_facts.get() {
            facts.send(fact);
        }
    }

    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_status(&self, camera_id: &str, f: impl FnOnce(&mut CameraRecordStatus)) {
        let mut map = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = map.get_mut(camera_id) {
            f(s);
        }
    }
}

struct CameraThread {
    key: StreamKey,
    thread: std::thread::JoinHandle<()>,
    /// The stream was opened for recording only (stop it when the recorder stops).
    opened_here: bool,
}

/// A running recorder. Dropping it (or [`Recorder::shutdown`]) finishes every open segment.
pub struct Recorder {
    shared: Arc<Shared>,
    ingest: Arc<Ingest>,
    cameras: Vec<CameraThread>,
    house_stop: Option<SyncSender<()>>,
    house: Option<std::thread::JoinHandle<()>>,
    /// The alarm engine's thread (alarms are raised where recording runs).
    alarms: Option<crate::alarm::AlarmRunner>,
    /// Streams opened only for picture analysis, stopped with the recorder.
    analysis_opened: Vec<StreamKey>,
    data_dir: PathBuf,
    _lock: DataDirLock,
}

impl Recorder {
    /// Takes the data dir's recorder lock, reconciles the index with the files, and starts
    /// recording every enabled camera with a record profile, through `ingest`'s streams.
    pub fn start(
        data_dir: &Path,
        site: &Site,
        ingest: Arc<Ingest>,
        config: RecorderConfig,
    ) -> Result<(Self, Receiver<RecordEvent>), RecordError> {
        let lock = DataDirLock::acquire(data_dir)?;
        let store = Store::open_dir(data_dir)?;
        let root = recordings_root(data_dir);
        std::fs::create_dir_all(&root).map_err(|source| RecordError::Io { path: root.clone(), source })?;
        let report = reconcile::reconcile(&store, &root)?;
        report.log();
        let (tx, rx) = std::sync::mpsc::sync_channel(4096);
        let timezone = site.timezone;
        let recorded: Vec<(String, StreamProfile)> =
            site.cameras.iter().filter(|c| c.enabled).filter_map(|c| Some((c.id.clone(), c.record?))).collect();
        let status = recorded.iter().map(|(id, profile)| (id.clone(), CameraRecordStatus::new(id, *profile))).collect::<HashMap<_, _>>();
        // (camera, stream profile, track id in the index): the recordings, then the previews.
        let mut tracks: Vec<(String, StreamProfile, String)> = recorded.iter().map(|(id, p)| (id.clone(), *p, id.clone())).collect();
        if config.record_previews {
            tracks.extend(
                site.cameras
                    .iter()
                    .filter(|c| c.enabled && c.record == Some(StreamProfile::Main) && c.sub_url.is_some())
                    .map(|c| (c.id.clone(), StreamProfile::Sub, preview_track(&c.id))),
            );
        }
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            root,
            disk_full: AtomicBool::new(false),
            events: tx,
            status: Mutex::new(status),
            timezone,
            alarm_facts: std::sync::OnceLock::new(),
        });

        let mut cameras = Vec::new();
        // The recorded streams (not the previews): their states are the cameras' link for alarms.
        let mut watched = Vec::new();
        for (camera_id, profile, track) in &tracks {
            let Some(spec) = StreamSpec::for_camera(site, camera_id, *profile) else { continue };
            let key = spec.key.clone();
            let (unit_tx, unit_rx) = std::sync::mpsc::sync_channel(config.channel_capacity.max(16));
            // Opened (paused: recording decodes nothing) or joined, with the tap set at once.
            let (handle, opened_here) = ingest.start_recorded(StreamSpec { mode: DecodeMode::Paused, ..spec }, unit_tx);
            if track == camera_id {
                watched.push((camera_id.clone(), handle));
            }
            let worker = camera::CameraRecorder::new(track.clone(), *profile, shared.clone(), &config, unit_rx);
            let thread = std::thread::Builder::new()
                .name(format!("rec-{track}"))
                .spawn(move || worker.run())
                .map_err(|source| RecordError::Io { path: PathBuf::from("thread"), source })?;
            cameras.push(CameraThread { key, thread, opened_here });
        }

        let mut analysis_opened = Vec::new();
        let alarms = match config.alarms.clone() {
            Some(rules) => {
                let mut pictures = Vec::new();
                if config.analyse_pictures {
                    for cam in site.cameras.iter().filter(|c| c.enabled) {
                        let profile = if cam.sub_url.is_some() { StreamProfile::Sub } else { cam.record.unwrap_or(StreamProfile::Main) };
                        let Some(spec) = StreamSpec::for_camera(site, &cam.id, profile) else { continue };
                        let (handle, opened) = ingest.start_or_join(StreamSpec { mode: DecodeMode::Paused, ..spec });
                        if opened {
                            analysis_opened.push(handle.key.clone());
                        }
                        pictures.push((cam.id.clone(), handle));
                    }
                }
                // The recorded streams (not the previews): their states are the cameras' link.
                let runner = crate::alarm::AlarmRunner::start(Store::open_dir(data_dir)?, site, rules, watched, pictures, Clock::System)?;
                let _ = shared.alarm_facts.set(runner.facts());
                Some(runner)
            }
            None => None,
        };

        let (house_tx, house_rx) = std::sync::mpsc::sync_channel::<()>(1);
        // Previews age with their camera's recordings.
        let retained: Vec<(String, Option<u32>)> =
            site.cameras.iter().flat_map(|c| [(c.id.clone(), c.retain_days), (preview_track(&c.id), c.retain_days)]).collect();
        status::refresh_figures(&shared);
        let house_shared = shared.clone();
        let dir = data_dir.to_path_buf();
        let (house_ingest, keys) = (ingest.clone(), cameras.iter().map(|c| c.key.clone()).collect::<Vec<_>>());
        let house = std::thread::Builder::new()
            .name("rec-house".into())
            .spawn(move || {
                let note = || note_stream_states(&house_shared, &house_ingest, &keys);
                housekeeping(&house_shared, &dir, &retained, &config, &house_rx, &note);
            })
            .map_err(|source| RecordError::Io { path: PathBuf::from("thread"), source })?;
        tracing::info!(cameras = cameras.len(), dir = %data_dir.display(), "recording");
        Ok((
            Self {
                shared,
                ingest,
                cameras,
                house_stop: Some(house_tx),
                house: Some(house),
                alarms,
                analysis_opened,
                data_dir: data_dir.to_path_buf(),
                _lock: lock,
            },
            rx,
        ))
    }

    /// Per-camera status, sorted by camera id.
    pub fn status(&self) -> RecorderStatus {
        let keys: Vec<StreamKey> = self.cameras.iter().map(|c| c.key.clone()).collect();
        note_stream_states(&self.shared, &self.ingest, &keys);
        status::snapshot(&self.shared)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Finishes and indexes every open segment, then stops. Blocking (fsyncs): not on a UI thread.
    pub fn shutdown(mut self) {
        self.stop_all();
    }

    fn stop_all(&mut self) {
        // Stopping streams is not an outage: the alarm engine stops first.
        if let Some(alarms) = self.alarms.take() {
            alarms.shutdown();
        }
        for key in self.analysis_opened.drain(..) {
            self.ingest.stop_unless_recorded(&key);
        }
        for cam in &self.cameras {
            if let Some(h) = self.ingest.handle(&cam.key) {
                // Dropping the tap's sender lets the camera thread see the end of its input.
                h.clear_record_tap();
            }
        }
        for cam in self.cameras.drain(..) {
            let _ = cam.thread.join();
            if cam.opened_here {
                self.ingest.stop(&cam.key);
            }
        }
        if let Some(tx) = self.house_stop.take() {
            let _ = tx.try_send(());
        }
        if let Some(h) = self.house.take() {
            let _ = h.join();
        }
        status::write_file(&self.shared, &self.data_dir, false);
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// A camera that is not recording because its stream is down says why, with the stream's own
/// reason (refused, 401, …): its recording thread only knows that no video came.
fn note_stream_states(shared: &Shared, ingest: &Ingest, keys: &[StreamKey]) {
    use crate::core::alarm::{Fact, RecordingFault};
    let disk_full = shared.disk_full.load(Ordering::Acquire);
    for key in keys {
        let Some(handle) = ingest.handle(key) else { continue };
        let state = handle.state();
        // A live stream that records nothing (writes failing, no keyframe…) for a while is a
        // recording fault; a full disk is its own alarm.
        let mut stuck = None;
        shared.set_status(&key.camera_id, |s| {
            if s.profile != key.profile.as_str() {
                return;
            }
            let now = std::time::Instant::now();
            s.stuck_since = (state.is_live() && !s.recording && !disk_full).then(|| s.stuck_since.unwrap_or(now));
            stuck = Some(s.stuck_since.is_some_and(|t| now.duration_since(t) >= NOT_RECORDING_AFTER));
        });
        if let Some(active) = stuck {
            shared.alarm_fact(Fact::Recording { camera: Some(key.camera_id.clone()), fault: RecordingFault::NotRecording, active });
        }
        if let StreamState::Offline { reason, .. } = state {
            let text = format!("{CAMERA_OFFLINE_PREFIX}{reason}");
            shared.set_status(&key.camera_id, |s| {
                if !s.recording {
                    s.reason = Some(text);
                }
            });
        }
    }
}

/// A live camera that records nothing this long raises a recording alarm.
const NOT_RECORDING_AFTER: Duration = Duration::from_secs(15);

/// Start of a not-recording reason that comes from the camera's stream.
pub const CAMERA_OFFLINE_PREFIX: &str = "camera offline: ";

/// Retention, the free-space watch and the status file, every `housekeeping_interval`.
fn housekeeping(
    shared: &Shared,
    data_dir: &Path,
    cameras: &[(String, Option<u32>)],
    config: &RecorderConfig,
    stop: &Receiver<()>,
    note_stream_states: &dyn Fn(),
) {
    loop {
        let now_90k = crate::core::time::now_90k();
        let free = || retention::free_bytes(&shared.root);
        match retention::run_pass(&shared.store, &shared.root, cameras, &config.retention, now_90k, &free, 500) {
            Ok(outcome) => {
                // Footage lost sooner than promised: an alarm (raised and cleared at once: it is
                // an event, the officer's to see; it comes again at the next such deletion).
                for (camera, age) in outcome.aged_out_early.iter().cloned() {
                    use crate::core::alarm::{Fact, RecordingFault};
                    tracing::warn!(camera, age_days = age.as_secs_f64() / 86_400.0, "footage deleted for space before its retention days");
                    for active in [true, false] {
                        shared.alarm_fact(Fact::Recording { camera: Some(camera.clone()), fault: RecordingFault::AgedOutEarly, active });
                    }
                }
                let was_full = shared.disk_full.load(Ordering::Acquire);
                if outcome.space_short && !was_full {
                    let message = format!(
                        "disk full: {} free, below the {} floor, and nothing may be deleted{}",
                        status::human_bytes(free().unwrap_or(0)),
                        status::human_bytes(config.retention.min_free_bytes),
                        if outcome.blocked_by_locks { " (the oldest recordings are locked as evidence)" } else { "" }
                    );
                    tracing::error!("{message}; recording stopped");
                    shared.disk_full.store(true, Ordering::Release);
                    shared.emit(RecordEvent::DiskFull { message });
                } else if was_full && !outcome.space_short && space_is_back(shared, config) {
                    tracing::info!("disk space is back; recording resumes");
                    shared.disk_full.store(false, Ordering::Release);
                    shared.emit(RecordEvent::SpaceRecovered);
                }
            }
            Err(e) => tracing::error!("retention pass failed: {e}"),
        }
        disk_facts(shared, config);
        status::refresh_figures(shared);
        note_stream_states();
        status::write_file(shared, data_dir, true);
        match stop.recv_timeout(config.housekeeping_interval) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
    }
}

/// The disk's state for the alarm engine: full (recording stopped), or low (below twice the
/// floor retention keeps free).
fn disk_facts(shared: &Shared, config: &RecorderConfig) {
    use crate::core::alarm::{Fact, RecordingFault};
    let full = shared.disk_full.load(Ordering::Acquire);
    let low = !full && retention::free_bytes(&shared.root).is_some_and(|f| f < config.retention.min_free_bytes.saturating_mul(2));
    for (fault, active) in [(RecordingFault::DiskFull, full), (RecordingFault::DiskLow, low)] {
        shared.alarm_fact(Fact::Recording { camera: None, fault, active });
    }
}

/// After a write failed for lack of space, resume only with room for a few fragments more.
fn space_is_back(shared: &Shared, config: &RecorderConfig) -> bool {
    const HEADROOM_BYTES: u64 = 4 << 20;
    retention::free_bytes(&shared.root).is_none_or(|f| f >= config.retention.min_free_bytes + HEADROOM_BYTES)
}
