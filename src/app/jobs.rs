//! Background jobs the GUI starts: evidence exports and snapshots, each on its own named thread,
//! reporting back over bounded channels that the app polls once a frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::i18n::{Lang, Msg, tr};
use crate::core::time::{Duration90k, Time90k};
use crate::export::manifest::Manifest;
use crate::media::{DecodedFrame, WakeFn};

/// An export running on its own thread.
pub struct ExportJob {
    pub out: PathBuf,
    pub done_bytes: Arc<AtomicU64>,
    pub total_bytes: Arc<AtomicU64>,
    pub cancel: Arc<AtomicBool>,
    /// The manifest and the SHA-256 of manifest.json (hashed on the export's thread).
    result: Receiver<Result<(Manifest, String), String>>,
}

impl ExportJob {
    /// Done so far, 0..1.
    pub fn fraction(&self) -> f32 {
        let total = self.total_bytes.load(Ordering::Relaxed).max(1);
        self.done_bytes.load(Ordering::Relaxed) as f32 / total as f32
    }
}

/// The jobs under way and the channel their results come back on.
pub struct Jobs {
    snapshot_tx: SyncSender<Result<String, String>>,
    snapshot_rx: Receiver<Result<String, String>>,
    /// One export at a time.
    pub export: Option<ExportJob>,
    /// What the last export made (the result window shows it until closed).
    pub last_export: Option<super::review::ExportOutcome>,
}

impl Default for Jobs {
    fn default() -> Self {
        let (snapshot_tx, snapshot_rx) = sync_channel(8);
        Self { snapshot_tx, snapshot_rx, export: None, last_export: None }
    }
}

impl Jobs {
    /// Saves `frame` as a PNG at `path` (CPU conversion, off the UI thread).
    pub fn snapshot(&self, frame: Arc<DecodedFrame>, path: PathBuf) {
        let tx = self.snapshot_tx.clone();
        let spawned = std::thread::Builder::new().name("snapshot".into()).spawn(move || {
            let result = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
                .map_err(|e| e.to_string())
                .and_then(|()| crate::media::snapshot::save_png(&frame, &path).map_err(|e| e.to_string()))
                .map(|()| path.display().to_string());
            let _ = tx.try_send(result);
        });
        if let Err(e) = spawned {
            let _ = self.snapshot_tx.try_send(Err(e.to_string()));
        }
    }

    /// A full-resolution snapshot of a camera whose tile shows its substream: the newest frame
    /// of the camera's main-stream recording when it is at most [`RECORDED_SNAPSHOT_MAX_AGE`]
    /// old (named by that frame's own time), else `shown` (the tile's frame) as it is. Decoding
    /// happens on the snapshot thread.
    pub fn snapshot_full(&self, data_dir: PathBuf, camera_id: String, shown: Option<Arc<DecodedFrame>>, name: SnapshotName) {
        let tx = self.snapshot_tx.clone();
        let spawned = std::thread::Builder::new().name("snapshot".into()).spawn(move || {
            let recorded = newest_recorded_frame(&data_dir, &camera_id, name.now_90k);
            let (frame, path) = match (recorded, shown) {
                (Some((frame, t_90k)), shown) if shown.as_ref().is_none_or(|s| frame.width > s.width) => {
                    (Arc::new(frame), name.path_at(t_90k))
                }
                (_, Some(shown)) => (shown, name.path_at(name.now_90k)),
                (_, None) => {
                    let _ = tx.try_send(Err(format!("{camera_id}: no picture")));
                    return;
                }
            };
            let result = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
                .map_err(|e| e.to_string())
                .and_then(|()| crate::media::snapshot::save_png(&frame, &path).map_err(|e| e.to_string()))
                .map(|()| format!("{} ({}x{})", path.display(), frame.width, frame.height));
            let _ = tx.try_send(result);
        });
        if let Err(e) = spawned {
            let _ = self.snapshot_tx.try_send(Err(e.to_string()));
        }
    }

    /// Starts an export of `request` from the recordings of `data_dir`; `false` when one is
    /// already running or the thread could not start.
    pub fn start_export(&mut self, data_dir: PathBuf, request: crate::export::ExportRequest, wake: WakeFn) -> bool {
        if self.export.is_some() {
            return false;
        }
        let done = Arc::new(AtomicU64::new(0));
        let total = Arc::new(AtomicU64::new(1));
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = sync_channel(1);
        let out = request.out_dir.clone();
        let (d, t, c) = (done.clone(), total.clone(), cancel.clone());
        let spawned = std::thread::Builder::new().name("export".into()).spawn(move || {
            let mut progress = |p: crate::export::ExportProgress| {
                d.store(p.done_bytes, Ordering::Relaxed);
                t.store(p.total_bytes.max(1), Ordering::Relaxed);
                wake();
            };
            let result = crate::export::export(&data_dir, &request, &mut progress, &c).map_err(|e| e.to_string());
            // The manifest's own hash, to write down with the case file (verify-export
            // --manifest-sha256 then proves the manifest was not rewritten).
            let result = result.map(|m| {
                let hash = crate::export::manifest::manifest_sha256(&request.out_dir).unwrap_or_else(|e| e.to_string());
                (m, hash)
            });
            let _ = tx.send(result);
            wake();
        });
        if spawned.is_err() {
            return false;
        }
        self.export = Some(ExportJob { out, done_bytes: done, total_bytes: total, cancel, result: rx });
        true
    }

    /// Results that came back since the last call, as status lines.
    pub fn poll(&mut self, lang: Lang) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(job) = &self.export
            && let Ok(result) = job.result.try_recv()
        {
            if let Ok((m, hash)) = &result {
                self.last_export = Some(super::review::ExportOutcome {
                    folder: job.out.clone(),
                    files: m.files.len() + m.snapshots.len(),
                    manifest_sha256: hash.clone(),
                    copied: false,
                });
            }
            lines.push(match result {
                Ok((m, hash)) => format!(
                    "{}: {} ({} {}) · {}: {hash}",
                    tr(lang, Msg::ExportDone),
                    job.out.display(),
                    m.files.len(),
                    tr(lang, Msg::Files),
                    tr(lang, Msg::ManifestHash)
                ),
                Err(e) => format!("{}: {e}", tr(lang, Msg::ExportFailed)),
            });
            self.export = None;
        }
        while let Ok(result) = self.snapshot_rx.try_recv() {
            let text = match result {
                Ok(path) => format!("{}: {path}", tr(lang, Msg::SnapshotSaved)),
                Err(e) => format!("{}: {e}", tr(lang, Msg::SnapshotFailed)),
            };
            tracing::info!("{text}");
            lines.push(text);
        }
        lines
    }
}

/// A recorded frame older than this is not taken for a snapshot of what the tile shows now.
pub const RECORDED_SNAPSHOT_MAX_AGE: Duration90k = Duration90k::from_secs(5);

/// Where a snapshot goes: the folder, the camera's name and the site's zone (the file is named
/// by the local time of the frame saved).
pub struct SnapshotName {
    pub dir: PathBuf,
    pub camera_name: String,
    pub timezone: chrono_tz::Tz,
    pub now_90k: Time90k,
}

impl SnapshotName {
    fn path_at(&self, t_90k: Time90k) -> PathBuf {
        let when = super::i18n::local_date_time(t_90k.unix_ns(), self.timezone);
        self.dir.join(crate::media::snapshot::snapshot_file_name(&self.camera_name, &when))
    }
}

/// The newest indexed frame of a camera's own (main-stream) recording, decoded, with its time;
/// `None` when nothing was recorded in the last few seconds.
fn newest_recorded_frame(data_dir: &Path, camera_id: &str, now_90k: Time90k) -> Option<(DecodedFrame, Time90k)> {
    let max_age = RECORDED_SNAPSHOT_MAX_AGE;
    let mut reader = crate::record::reader::RecordingReader::open(data_dir).ok()?;
    let seg = reader.store().segments_overlapping(camera_id, now_90k - max_age, now_90k + Duration90k(1)).ok()?.pop()?;
    let t = seg.end_90k() - Duration90k(1);
    let gop = reader.gop_at(camera_id, t).ok()??;
    let shown_90k = gop.frames[gop.target].0;
    if now_90k - shown_90k > max_age {
        return None;
    }
    let mut decoder = crate::media::playback::GopDecoder::new(&gop.config).ok()?;
    let (frame, _) = decoder.decode_to(&gop.up_to(gop.target), gop.target, &mut |_| {}).ok()?;
    Some((frame, shown_90k))
}
