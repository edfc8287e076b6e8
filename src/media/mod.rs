//! Everything GStreamer: live ingest, the simulated town, decoders. Never imports egui.
//!
//! The live engine ([`Ingest`]) runs one pipeline per wanted (camera, profile), each kept alive by
//! its own supervisor thread. Frames land in the stream's [`LatestFrameSlot`] and a wake hook is
//! called (the GUI wires it to a repaint); state changes go out on a bounded channel.

pub mod analysis;
pub mod burn;
pub mod decoder;
pub mod encoded;
mod error;
pub mod frame;
mod live;
pub mod playback;
pub mod simulate;
pub mod snapshot;
pub mod sound;
pub mod stream;
mod supervisor;

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;

pub use encoded::{CodecConfig, EncodedUnit, RecordTap, TapMessage, UnitData, VideoCodec};
pub use error::MediaError;
pub use frame::{DecodedFrame, LatestFrameSlot, PixelFormat};
pub use stream::{DecodeMode, OfflineReason, StreamEvent, StreamHandle, StreamKey, StreamState, StreamStats};

/// Called from streaming threads after each new frame and state change. Must not block.
pub type WakeFn = Arc<dyn Fn() + Send + Sync>;

/// Initialises GStreamer once; cheap afterwards.
pub fn init() -> Result<(), MediaError> {
    gst::init().map_err(|e| MediaError::Init(e.to_string()))
}

/// What to open.
#[derive(Clone)]
pub struct StreamSpec {
    pub key: StreamKey,
    pub url: String,
    /// User name and password for RTSP auth.
    pub credentials: Option<(String, String)>,
    pub mode: DecodeMode,
    /// rtspsrc jitter-buffer latency, ms (≤ 200 for live view).
    pub latency_ms: u32,
}

impl std::fmt::Debug for StreamSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamSpec").field("key", &self.key).field("url", &self.url).field("mode", &self.mode).finish_non_exhaustive()
    }
}

impl StreamSpec {
    pub fn new(key: StreamKey, url: impl Into<String>) -> Self {
        Self { key, url: url.into(), credentials: None, mode: DecodeMode::Full, latency_ms: 200 }
    }

    /// What to open for a camera's profile (URL and login from the site).
    pub fn for_camera(site: &crate::core::site::Site, camera_id: &str, profile: crate::core::site::StreamProfile) -> Option<Self> {
        let cam = site.camera(camera_id)?;
        let mut spec = Self::new(StreamKey::new(camera_id, profile), cam.url(profile));
        spec.credentials = cam.credential.as_ref().and_then(|id| site.credential(id)).map(|c| (c.username.clone(), c.password.clone()));
        Some(spec)
    }
}

/// Timeouts and backoff of the supervisors.
#[derive(Debug, Clone, Copy)]
pub struct SupervisorPolicy {
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// No video at all this long after connecting: offline.
    pub connect_timeout: Duration,
    /// Live, then no data for this long: no new picture (still connected).
    pub stale_after: Duration,
    /// Live, then no data for this long: offline ("no video"), and reconnect.
    pub no_video_timeout: Duration,
    /// How often the supervisor looks at its bus and watchdog, ms.
    pub poll_ms: u64,
}

impl Default for SupervisorPolicy {
    fn default() -> Self {
        Self {
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            stale_after: Duration::from_secs(3),
            no_video_timeout: Duration::from_secs(5),
            poll_ms: 200,
        }
    }
}

struct Running {
    handle: Arc<StreamHandle>,
    stop_tx: SyncSender<()>,
    thread: std::thread::JoinHandle<()>,
}

/// The live ingest engine.
pub struct Ingest {
    streams: Mutex<HashMap<StreamKey, Running>>,
    events: SyncSender<StreamEvent>,
    wake: WakeFn,
    policy: SupervisorPolicy,
}

impl Ingest {
    /// An engine whose state events go to the returned receiver (bounded: `event_capacity`).
    pub fn new(wake: WakeFn, policy: SupervisorPolicy, event_capacity: usize) -> Result<(Self, Receiver<StreamEvent>), MediaError> {
        init()?;
        let (tx, rx) = std::sync::mpsc::sync_channel(event_capacity.max(1));
        Ok((Self { streams: Mutex::new(HashMap::new()), events: tx, wake, policy }, rx))
    }

    /// Starts a stream (or returns the running one with the same key: one decoder per stream).
    pub fn start(&self, spec: StreamSpec) -> Arc<StreamHandle> {
        self.start_tapped(spec, None).0
    }

    /// Starts a stream or joins the running one; returns the handle and whether it was opened by
    /// this call (the caller then stops it when done).
    pub fn start_or_join(&self, spec: StreamSpec) -> (Arc<StreamHandle>, bool) {
        self.start_tapped(spec, None)
    }

    /// Starts (or joins) a stream and sets its record tap in one step, under the engine's lock, so
    /// no one can stop the stream as unused in between. Returns the handle and whether it was
    /// opened by this call.
    pub fn start_recorded(&self, spec: StreamSpec, tap: RecordTap) -> (Arc<StreamHandle>, bool) {
        self.start_tapped(spec, Some(tap))
    }

    fn start_tapped(&self, spec: StreamSpec, tap: Option<RecordTap>) -> (Arc<StreamHandle>, bool) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = streams.get(&spec.key) {
            if let Some(tap) = tap {
                r.handle.set_record_tap(tap);
            }
            return (r.handle.clone(), false);
        }
        let handle = StreamHandle::new(spec.key.clone(), spec.mode);
        if let Some(tap) = tap {
            handle.set_record_tap(tap);
        }
        let (stop_tx, stop_rx) = std::sync::mpsc::sync_channel(1);
        let key = spec.key.clone();
        let supervisor = supervisor::Supervisor {
            spec,
            handle: handle.clone(),
            events: self.events.clone(),
            wake: self.wake.clone(),
            policy: self.policy,
            stop_rx,
        };
        let thread = std::thread::Builder::new()
            .name(format!("sup-{}-{}", key.camera_id, key.profile))
            .spawn(move || supervisor.run())
            .expect("spawning a supervisor thread");
        streams.insert(key, Running { handle: handle.clone(), stop_tx, thread });
        (handle, true)
    }

    /// Stops a stream unless it is recorded (checked under the engine's lock, so a recorder
    /// joining it at the same moment keeps it). Returns whether it was stopped.
    pub fn stop_unless_recorded(&self, key: &StreamKey) -> bool {
        let running = {
            let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
            match streams.get(key) {
                Some(r) if !r.handle.is_recorded() => streams.remove(key),
                _ => None,
            }
        };
        match running {
            Some(r) => {
                Self::retire(r, key);
                true
            }
            None => false,
        }
    }

    pub fn handle(&self, key: &StreamKey) -> Option<Arc<StreamHandle>> {
        self.streams.lock().unwrap_or_else(|e| e.into_inner()).get(key).map(|r| r.handle.clone())
    }

    pub fn handles(&self) -> Vec<Arc<StreamHandle>> {
        let mut v: Vec<_> = self.streams.lock().unwrap_or_else(|e| e.into_inner()).values().map(|r| r.handle.clone()).collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }

    /// Asks a stream to stop; returns at once (teardown happens on its supervisor thread, which
    /// is joined in the background).
    pub fn stop(&self, key: &StreamKey) {
        let running = self.streams.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
        if let Some(r) = running {
            Self::retire(r, key);
        }
    }

    /// Signals a removed stream to stop and joins its supervisor on a reaper thread.
    fn retire(r: Running, key: &StreamKey) {
        Self::signal_stop(&r);
        let _ = std::thread::Builder::new().name(format!("reap-{}", key.camera_id)).spawn(move || {
            let _ = r.thread.join();
        });
    }

    /// Stops every stream and waits for their teardown. Blocking: call off the UI thread.
    pub fn shutdown(&self) {
        let all: Vec<Running> = self.streams.lock().unwrap_or_else(|e| e.into_inner()).drain().map(|(_, r)| r).collect();
        for r in &all {
            Self::signal_stop(r);
        }
        for r in all {
            let _ = r.thread.join();
        }
    }

    fn signal_stop(r: &Running) {
        r.handle.stop_requested.store(true, std::sync::atomic::Ordering::Release);
        let _ = r.stop_tx.try_send(());
    }
}

impl Drop for Ingest {
    fn drop(&mut self) {
        self.shutdown();
    }
}
