//! Per-camera recording status: in memory for the GUI that records, and in
//! `<data>/recorder-status.json` (replaced atomically every housekeeping pass) for
//! `vigil record --status` and for a GUI whose data dir another process records.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Shared;
use crate::core::site::StreamProfile;
use crate::core::time::Time90k;

pub const STATUS_FILE_NAME: &str = "recorder-status.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraRecordStatus {
    pub camera_id: String,
    /// "main" or "sub".
    pub profile: String,
    pub recording: bool,
    /// Why not recording (in English; the GUI translates the common ones).
    pub reason: Option<String>,
    /// Bytes of finished segments that started today (site time zone), plus the open segment
    /// (in a snapshot; in memory the open segment is kept apart, and its index row, which grows
    /// while it is written, is not counted: the open segment counts once).
    pub bytes_today: u64,
    /// Received bitrate over the last seconds, kbit/s.
    pub bitrate_kbps: f64,
    /// Start of the oldest recording kept, 90 kHz units since the epoch (UTC).
    pub oldest_start_90k: Option<Time90k>,
    /// Pictures missing from what was recorded since the recorder started: holes in the
    /// camera's timestamps (lost on the way, or dropped by a full queue), each one logged.
    #[serde(default)]
    pub missing_frames: u64,
    #[serde(skip)]
    pub(crate) open_segment_bytes: u64,
    /// Since when its stream is live but nothing gets recorded (a recording fault past a while).
    #[serde(skip)]
    pub(crate) stuck_since: Option<std::time::Instant>,
}

impl CameraRecordStatus {
    pub(crate) fn new(camera_id: &str, profile: StreamProfile) -> Self {
        Self {
            camera_id: camera_id.to_string(),
            profile: profile.as_str().to_string(),
            recording: false,
            reason: Some("connecting".into()),
            bytes_today: 0,
            bitrate_kbps: 0.0,
            oldest_start_90k: None,
            missing_frames: 0,
            open_segment_bytes: 0,
            stuck_since: None,
        }
    }

    pub(crate) fn set_recording(&mut self) {
        self.recording = true;
        self.reason = None;
    }

    pub(crate) fn set_not_recording(&mut self, reason: &str) {
        self.recording = false;
        self.reason = Some(reason.to_string());
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecorderStatus {
    /// Process that records (the status file's writer).
    pub pid: u32,
    /// When this was written, ms since the epoch (UTC).
    pub updated_unix_ms: u64,
    /// False once the recorder has stopped.
    pub running: bool,
    pub disk_full: bool,
    pub cameras: Vec<CameraRecordStatus>,
}

/// Re-reads each camera's figures that the index knows best (bytes of segments started today,
/// oldest recording kept): retention and midnight change them. Called by the housekeeping thread,
/// so a status read (e.g. by the GUI's thread) never waits on the database.
pub(crate) fn refresh_figures(shared: &Shared) {
    let today_90k = local_midnight_90k(shared.timezone);
    let ids: Vec<String> = shared.status.lock().unwrap_or_else(|e| e.into_inner()).keys().cloned().collect();
    let figures: Vec<(String, i64, Option<Time90k>)> = {
        let store = shared.store();
        ids.into_iter().filter_map(|id| store.camera_figures(&id, today_90k).ok().map(|(bytes, oldest)| (id, bytes, oldest))).collect()
    };
    for (id, bytes, oldest) in figures {
        shared.set_status(&id, |c| {
            c.bytes_today = bytes.max(0) as u64;
            c.oldest_start_90k = oldest;
        });
    }
}

/// The in-memory status (today's bytes include the segment being written).
pub(crate) fn snapshot(shared: &Shared) -> RecorderStatus {
    let mut cameras: Vec<CameraRecordStatus> = shared.status.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
    cameras.sort_by(|a, b| a.camera_id.cmp(&b.camera_id));
    for c in &mut cameras {
        c.bytes_today += c.open_segment_bytes;
    }
    RecorderStatus {
        pid: std::process::id(),
        updated_unix_ms: crate::core::time::unix_now_ns() / 1_000_000,
        running: true,
        disk_full: shared.disk_full.load(std::sync::atomic::Ordering::Acquire),
        cameras,
    }
}

pub(crate) fn write_file(shared: &Shared, data_dir: &Path, running: bool) {
    let mut status = snapshot(shared);
    status.running = running;
    if let Err(e) = write_status(data_dir, &status) {
        tracing::warn!("cannot write the recorder status file: {e}");
    }
}

fn write_status(data_dir: &Path, status: &RecorderStatus) -> std::io::Result<()> {
    let path = status_path(data_dir);
    let tmp = path.with_extension("json.partial");
    std::fs::write(&tmp, serde_json::to_vec_pretty(status).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, &path)
}

pub fn status_path(data_dir: &Path) -> PathBuf {
    data_dir.join(STATUS_FILE_NAME)
}

/// The status file another process wrote, if any.
pub fn read_status_file(data_dir: &Path) -> Option<RecorderStatus> {
    serde_json::from_slice(&std::fs::read(status_path(data_dir)).ok()?).ok()
}

/// Today's local midnight in `tz`, 90 kHz units since the epoch.
pub fn local_midnight_90k(tz: chrono_tz::Tz) -> Time90k {
    use chrono::{TimeZone, Utc};
    let now = Utc::now().with_timezone(&tz);
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).and_then(|m| tz.from_local_datetime(&m).earliest());
    midnight.map_or_else(crate::core::time::now_90k, |m| Time90k::from_unix_secs(m.timestamp()))
}

/// "1.5 GB", "320 MB", "12 kB".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1000.0 && i < UNITS.len() - 1 {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[i]) }
}
