//! The public face of one live stream: its key, state, decode mode, statistics and latest frame.
//! Shared between the supervisor thread, GStreamer's streaming threads and the consumers.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;

use super::encoded::RecordTap;
use super::frame::LatestFrameSlot;
use crate::core::site::StreamProfile;

/// Which stream: a camera and one of its profiles.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamKey {
    pub camera_id: String,
    pub profile: StreamProfile,
}

impl StreamKey {
    pub fn new(camera_id: impl Into<String>, profile: StreamProfile) -> Self {
        Self { camera_id: camera_id.into(), profile }
    }
}

impl fmt::Display for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.camera_id, self.profile)
    }
}

/// How much of a stream is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeMode {
    /// Every frame.
    Full,
    /// Keyframes only: delta frames are dropped before the decoder (tiny or hidden tiles).
    KeyframesOnly,
    /// Nothing is decoded; the connection stays up so resuming is instant.
    Paused,
}

impl DecodeMode {
    fn to_u8(self) -> u8 {
        match self {
            DecodeMode::Full => 0,
            DecodeMode::KeyframesOnly => 1,
            DecodeMode::Paused => 2,
        }
    }

    fn from_u8(v: u8) -> Self {
        match v {
            1 => DecodeMode::KeyframesOnly,
            2 => DecodeMode::Paused,
            _ => DecodeMode::Full,
        }
    }
}

/// Why a stream is not live, in words an officer can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfflineReason {
    /// The URL cannot be opened at all; no retries.
    InvalidUrl(crate::core::site::BadUrl),
    /// 401: wrong or missing user name/password.
    Unauthorized,
    /// 404: the camera answered but has no such stream.
    NotFound,
    /// Nothing listens at the camera's address and port.
    ConnectionRefused,
    /// The camera did not answer in time.
    Timeout,
    /// Connected, but no video arrived for a while.
    NoVideo,
    /// The camera ended the stream.
    StreamEnded,
    /// The stream's codec is not H.264/H.265, or no decoder is installed for it.
    UnsupportedCodec(String),
    Other(String),
}

impl OfflineReason {
    /// Worth retrying? A malformed URL will not heal by itself.
    pub fn is_permanent(&self) -> bool {
        matches!(self, OfflineReason::InvalidUrl(_))
    }
}

impl fmt::Display for OfflineReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OfflineReason::InvalidUrl(m) => write!(f, "invalid URL: {m}"),
            OfflineReason::Unauthorized => f.write_str("401 unauthorized: wrong user name or password"),
            OfflineReason::NotFound => f.write_str("404 not found: the camera has no such stream"),
            OfflineReason::ConnectionRefused => f.write_str("connection refused"),
            OfflineReason::Timeout => f.write_str("no answer (timeout)"),
            OfflineReason::NoVideo => f.write_str("no video"),
            OfflineReason::StreamEnded => f.write_str("stream ended by the camera"),
            OfflineReason::UnsupportedCodec(m) => write!(f, "unsupported stream: {m}"),
            OfflineReason::Other(m) => f.write_str(m),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    Connecting,
    /// Pictures are arriving.
    Live,
    /// Connected, but no new picture for a while (`SupervisorPolicy::stale_after`): a hung
    /// encoder, a stalled network. Never shown as live; the last picture is from `since_unix_ns`
    /// (ns since the Unix epoch, UTC). A longer silence reconnects.
    NoPicture {
        since_unix_ns: u64,
    },
    Offline {
        reason: OfflineReason,
        retry_in_ms: Option<u64>,
    },
    Stopped,
}

impl StreamState {
    pub fn is_live(&self) -> bool {
        matches!(self, StreamState::Live)
    }
}

/// A state change, sent on the engine's bounded event channel.
#[derive(Debug, Clone)]
pub struct StreamEvent {
    pub key: StreamKey,
    pub state: StreamState,
    /// Wall-clock time of the change, nanoseconds since the Unix epoch (UTC).
    pub at_unix_ns: u64,
}

/// Per-stream figures, refreshed about once a second by the supervisor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamStats {
    /// Decoded frames per second over the last interval.
    pub fps: f64,
    /// Compressed video bitrate over the last interval, kbit/s.
    pub bitrate_kbps: f64,
    /// Mean time from entering the decoder to leaving it, over the last interval, ms.
    pub decode_ms: f64,
    pub frames_decoded: u64,
    /// Frames lost before or in the decoder (gaps in presentation times while decoding fully).
    pub frames_dropped: u64,
    pub reconnects: u64,
    pub width: u32,
    pub height: u32,
    /// e.g. "H264".
    pub codec: String,
    /// GStreamer element chosen to decode, e.g. "avdec_h264".
    pub decoder: String,
    /// Wall-clock time of the newest decoded frame, ns since the Unix epoch; 0 before the first.
    pub last_frame_unix_ns: u64,
}

/// Counters bumped on the streaming threads; the supervisor turns them into [`StreamStats`].
#[derive(Default)]
pub(crate) struct Counters {
    /// Access units that reached the decoder's input (or were dropped there by the mode).
    pub access_units: AtomicU64,
    pub bytes: AtomicU64,
    pub frames: AtomicU64,
    pub dropped: AtomicU64,
    /// Units not given to the decoder because it fell behind (skipped to the next keyframe).
    pub decode_skipped: AtomicU64,
    pub decode_ns: AtomicU64,
    pub decode_samples: AtomicU64,
    pub last_frame_unix_ns: AtomicU64,
}

/// Everything about one stream that others may look at. Cheap to share (`Arc`).
pub struct StreamHandle {
    pub key: StreamKey,
    pub slot: LatestFrameSlot,
    mode: AtomicU8,
    /// Picture analysis reads this stream's frames: decode everything, whatever the wall wants.
    analysed: AtomicBool,
    state: Mutex<StreamState>,
    stats: Mutex<StreamStats>,
    pub(crate) counters: Counters,
    pub(crate) stop_requested: AtomicBool,
    /// End-to-end latencies (ms) measured from RTCP sender-report times, most recent last, capped.
    latency_ms: Mutex<Vec<f64>>,
    /// Where access units go while this stream is recorded.
    pub(crate) tap: ArcSwapOption<RecordTap>,
    /// Access units the record tap could not take (its channel was full).
    pub(crate) tap_dropped: AtomicU64,
}

const MAX_LATENCY_SAMPLES: usize = 100_000;

impl StreamHandle {
    pub(crate) fn new(key: StreamKey, mode: DecodeMode) -> Arc<Self> {
        Arc::new(Self {
            key,
            slot: LatestFrameSlot::new(),
            mode: AtomicU8::new(mode.to_u8()),
            analysed: AtomicBool::new(false),
            state: Mutex::new(StreamState::Connecting),
            stats: Mutex::new(StreamStats::default()),
            counters: Counters::default(),
            stop_requested: AtomicBool::new(false),
            latency_ms: Mutex::new(Vec::new()),
            tap: ArcSwapOption::empty(),
            tap_dropped: AtomicU64::new(0),
        })
    }

    pub fn mode(&self) -> DecodeMode {
        DecodeMode::from_u8(self.mode.load(Ordering::Acquire))
    }

    /// Takes effect at the next access unit; leaving `Paused`/`KeyframesOnly` resumes at a keyframe.
    pub fn set_mode(&self, mode: DecodeMode) {
        self.mode.store(mode.to_u8(), Ordering::Release);
    }

    /// What the decoder is given: the mode the wall asked for, or every unit while the stream's
    /// pictures are analysed for alarms (one decode serves both).
    pub fn decode_mode(&self) -> DecodeMode {
        if self.analysed.load(Ordering::Acquire) { DecodeMode::Full } else { self.mode() }
    }

    /// Picture analysis starts or stops reading this stream (see [`StreamHandle::decode_mode`]).
    pub fn set_analysed(&self, analysed: bool) {
        self.analysed.store(analysed, Ordering::Release);
    }

    pub fn is_analysed(&self) -> bool {
        self.analysed.load(Ordering::Acquire)
    }

    pub fn state(&self) -> StreamState {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_state(&self, state: StreamState) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = state;
    }

    /// When the newest picture was decoded, ns since the Unix epoch (0: none yet). Cheap: an
    /// atomic, for every tile on every frame.
    pub fn last_frame_unix_ns(&self) -> u64 {
        self.counters.last_frame_unix_ns.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> StreamStats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn update_stats(&self, f: impl FnOnce(&mut StreamStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub(crate) fn push_latency(&self, ms: f64) {
        let mut v = self.latency_ms.lock().unwrap_or_else(|e| e.into_inner());
        if v.len() >= MAX_LATENCY_SAMPLES {
            v.remove(0);
        }
        v.push(ms);
    }

    /// Sends this stream's access units to `tap` from the next keyframe on (a new connection or
    /// codec change first sends [`super::encoded::TapMessage::Start`]). Replaces any previous tap.
    pub fn set_record_tap(&self, tap: RecordTap) {
        self.tap.store(Some(Arc::new(tap)));
    }

    pub fn clear_record_tap(&self) {
        self.tap.store(None);
    }

    /// Someone records this stream: keep it connected even when no tile shows it.
    pub fn is_recorded(&self) -> bool {
        self.tap.load().is_some()
    }

    /// Access units lost because the recorder's channel was full.
    pub fn tap_dropped(&self) -> u64 {
        self.tap_dropped.load(Ordering::Relaxed)
    }

    /// Units skipped before the decoder because it could not keep up (see `live.rs`); the
    /// recorder still got them.
    pub fn decode_skipped(&self) -> u64 {
        self.counters.decode_skipped.load(Ordering::Relaxed)
    }

    /// Compressed access units received so far (decoded or not).
    pub fn access_units_received(&self) -> u64 {
        self.counters.access_units.load(Ordering::Relaxed)
    }

    /// Latency samples so far (ms), for benchmarks.
    pub fn latency_samples_ms(&self) -> Vec<f64> {
        self.latency_ms.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
