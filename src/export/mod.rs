//! Evidence export ("trích xuất hình ảnh"): the recorded frames of chosen cameras over a time
//! range, remuxed without re-encoding into plain MP4 files, with a `manifest.json` that states
//! the requested and the covered ranges and the SHA-256 of every file; and its verifier.
//!
//! A clip starts at the keyframe at or before the requested start (a player needs it) and ends
//! with the last frame that starts before the requested end; the manifest says exactly what is
//! covered. A gap in the recordings (or a codec change) starts a new file (`_part2`, …): an MP4
//! cannot hold a hole, and a frozen frame over a gap would mislead.
//!
//! Everything is written into `<out>.partial/` and renamed to `<out>` only when complete, so a
//! cancelled or failed export leaves nothing that looks like a finished export.

pub mod manifest;
pub mod mp4;
pub mod summary;

use crate::core::time::{Duration90k, Time90k};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::record::fmp4::read_samples;
use crate::record::recordings_root;
use crate::store::{Store, StoreError};
use manifest::{CoveredRange, ExportedFile, Manifest};
use mp4::{ClipPart, write_clip};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Format(String),
    #[error("{0}")]
    Media(#[from] crate::media::MediaError),
    #[error("the export was cancelled; nothing was kept")]
    Cancelled,
    #[error("{0} already exists; choose a new folder (an export never overwrites another)")]
    OutExists(PathBuf),
    #[error("the range is empty or reversed: from {from} to {to}")]
    BadRange { from: String, to: String },
    #[error("no site is configured in this data dir (its time zone and cameras are needed for evidence)")]
    NoSite,
    #[error("no camera {0:?} in this site")]
    UnknownCamera(String),
    #[error("no recording of {cameras} between {from} and {to}")]
    NothingRecorded { cameras: String, from: String, to: String },
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub cameras: Vec<String>,
    /// UTC, 90 kHz units since the epoch; [from, to).
    pub from_90k: Time90k,
    pub to_90k: Time90k,
    /// The export folder to create (must not exist).
    pub out_dir: PathBuf,
    /// Who exports (the manifest records it).
    pub exported_by: String,
    /// Instants to save as PNG pictures too (each camera's frame at that instant), UTC 90 kHz.
    pub snapshots: Vec<Time90k>,
    /// Burn the camera's name and the local time into the pictures (re-encode; slower).
    pub burn_in: bool,
    /// The case (vụ việc) the footage is for, as the officer writes it; may be empty.
    pub case_number: String,
}

/// Progress of a running export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExportProgress {
    pub done_bytes: u64,
    pub total_bytes: u64,
}

impl ExportProgress {
    pub fn fraction(&self) -> f64 {
        if self.total_bytes == 0 { 1.0 } else { self.done_bytes as f64 / self.total_bytes as f64 }
    }
}

/// The continuous stretches of one camera's recordings that cover [from, to).
pub fn plan_parts(store: &Store, root: &Path, camera_id: &str, from_90k: Time90k, to_90k: Time90k) -> Result<Vec<ClipPart>, ExportError> {
    let segments = store.segments_overlapping(camera_id, from_90k, to_90k)?;
    let mut parts: Vec<ClipPart> = Vec::new();
    // (run, end time) of the previous segment, to see whether the next one continues it.
    let mut prev: Option<(i64, Time90k)> = None;
    for seg in segments {
        let path = root.join(&seg.path);
        let table = match read_samples(&path) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!("export skips an unreadable segment: {e}");
                prev = None;
                continue;
            }
        };
        let continues = prev.is_some_and(|(run, end)| run == seg.run_id && end == seg.start_90k)
            && parts.last().is_some_and(|p| p.codec == table.codec);
        if !continues {
            parts.push(ClipPart { codec: table.codec.clone(), samples: Vec::new(), start_90k: Time90k::default() });
        }
        let Some(part) = parts.last_mut() else { continue };
        for s in &table.samples {
            let t = s.at(seg.start_90k);
            // An open segment's file may hold a little more than its row says yet.
            if t >= to_90k || t >= seg.end_90k() {
                break;
            }
            if part.samples.is_empty() {
                // Start at the last keyframe at or before `from` (or the first keyframe after it).
                if !s.keyframe {
                    continue;
                }
                let next_key_before_from =
                    table.samples.iter().any(|n| n.keyframe && n.time_90k > s.time_90k && n.at(seg.start_90k) <= from_90k);
                if next_key_before_from {
                    continue;
                }
                part.start_90k = t;
            }
            part.samples.push((path.clone(), *s));
        }
        prev = Some((seg.run_id, seg.end_90k()));
    }
    parts.retain(|p| !p.samples.is_empty());
    Ok(parts)
}

/// Exports `request` from the data dir; returns the manifest written.
pub fn export(
    data_dir: &Path,
    request: &ExportRequest,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<Manifest, ExportError> {
    if request.to_90k <= request.from_90k {
        return Err(ExportError::BadRange { from: manifest::utc_text(request.from_90k), to: manifest::utc_text(request.to_90k) });
    }
    if request.out_dir.exists() {
        return Err(ExportError::OutExists(request.out_dir.clone()));
    }
    let store = Store::open_dir(data_dir)?;
    let Some(site) = store.load_site()? else { return Err(ExportError::NoSite) };
    let (site_name, tz) = (site.name.clone(), site.timezone);
    let root = recordings_root(data_dir);
    let mut planned = Vec::new();
    for camera_id in &request.cameras {
        let name = site.camera(camera_id).map(|c| c.name.clone()).ok_or_else(|| ExportError::UnknownCamera(camera_id.clone()))?;
        let parts = plan_parts(&store, &root, camera_id, request.from_90k, request.to_90k)?;
        planned.push((camera_id.clone(), name, parts));
    }
    drop(store);
    if planned.iter().all(|(_, _, parts)| parts.is_empty()) {
        return Err(ExportError::NothingRecorded {
            cameras: request.cameras.join(", "),
            from: manifest::local_text(request.from_90k, tz),
            to: manifest::local_text(request.to_90k, tz),
        });
    }

    let partial = partial_dir(&request.out_dir);
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).map_err(|source| ExportError::Io { path: partial.clone(), source })?;
    let result = write_all(&partial, &planned, tz, request.burn_in, progress, cancel);
    let files = match result {
        Ok(files) => files,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    let pictures = match write_snapshots(data_dir, &partial, &planned, &request.snapshots, tz) {
        Ok(p) => p,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    let mut manifest =
        Manifest::new(&site_name, tz, request, files, planned.iter().filter(|p| p.2.is_empty()).map(|p| p.0.clone()).collect());
    manifest.snapshots = pictures;
    let finish = || -> Result<(), ExportError> {
        let path = partial.join(manifest::MANIFEST_FILE);
        let text = serde_json::to_vec_pretty(&manifest).map_err(|e| ExportError::Format(e.to_string()))?;
        std::fs::write(&path, text).map_err(|source| ExportError::Io { path: path.clone(), source })?;
        std::fs::File::open(&path).and_then(|f| f.sync_all()).map_err(|source| ExportError::Io { path: path.clone(), source })?;
        // The printable page for the case file, naming the manifest's own hash.
        let hash = manifest::manifest_sha256(&partial).map_err(|source| ExportError::Io { path: path.clone(), source })?;
        let page = partial.join(manifest::SUMMARY_FILE);
        std::fs::write(&page, summary::summary_html(&manifest, &hash)).map_err(|source| ExportError::Io { path: page.clone(), source })?;
        std::fs::rename(&partial, &request.out_dir).map_err(|source| ExportError::Io { path: request.out_dir.clone(), source })?;
        if let Some(parent) = request.out_dir.parent() {
            let _ = std::fs::File::open(parent).and_then(|d| d.sync_all());
        }
        Ok(())
    };
    if let Err(e) = finish() {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    Ok(manifest)
}

/// PNG pictures of the frames at the chosen instants (full decoded resolution), one per camera
/// with a recording then. Conversion to RGB happens here on the CPU: this is not the live path.
fn write_snapshots(
    data_dir: &Path,
    dir: &Path,
    planned: &[(String, String, Vec<ClipPart>)],
    instants: &[Time90k],
    tz: chrono_tz::Tz,
) -> Result<Vec<manifest::SnapshotFile>, ExportError> {
    if instants.is_empty() {
        return Ok(Vec::new());
    }
    let mut reader = crate::record::reader::RecordingReader::open(data_dir).map_err(|e| ExportError::Format(e.to_string()))?;
    let mut out = Vec::new();
    for (camera_id, name, _) in planned {
        // One decoder per camera (a new one only if the codec configuration changes).
        let mut decoder: Option<crate::media::playback::GopDecoder> = None;
        for &t in instants {
            let Some(gop) = reader.gop_at(camera_id, t).map_err(|e| ExportError::Format(e.to_string()))? else { continue };
            if decoder.as_ref().is_none_or(|d| *d.config() != gop.config) {
                decoder = Some(crate::media::playback::GopDecoder::new(&gop.config)?);
            }
            let Some(decoder) = decoder.as_mut() else { continue };
            let frames = gop.up_to(gop.target);
            let (frame, _) = decoder.decode_to(&frames, gop.target, &mut |_| {})?;
            let shown_90k = gop.frames[gop.target].0;
            let file = format!("{camera_id}_{}.png", manifest::file_stamp_ms(shown_90k, tz));
            let path = dir.join(&file);
            crate::media::snapshot::save_png(&frame, &path)?;
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let sha256 = manifest::sha256_file(&path).map_err(|source| ExportError::Io { path: path.clone(), source })?;
            out.push(manifest::SnapshotFile {
                file,
                camera_id: camera_id.clone(),
                camera_name: name.clone(),
                requested_utc: manifest::utc_text(t),
                shown: CoveredRange::new(shown_90k, shown_90k + Duration90k(1), tz),
                width: frame.width,
                height: frame.height,
                bytes,
                sha256,
            });
        }
    }
    Ok(out)
}

/// `<out>.partial`, beside the final folder (same file system, so the rename is atomic).
pub fn partial_dir(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    out.with_file_name(name)
}

fn write_all(
    dir: &Path,
    planned: &[(String, String, Vec<ClipPart>)],
    tz: chrono_tz::Tz,
    burn_in: bool,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<Vec<ExportedFile>, ExportError> {
    let total_bytes: u64 = planned.iter().flat_map(|p| p.2.iter()).map(ClipPart::payload_bytes).sum();
    let mut done_before = 0u64;
    let mut files = Vec::new();
    for (camera_id, name, parts) in planned {
        for (i, part) in parts.iter().enumerate() {
            let stamp = manifest::file_stamp(part.start_90k, tz);
            let file_name = if i == 0 { format!("{camera_id}_{stamp}.mp4") } else { format!("{camera_id}_{stamp}_part{}.mp4", i + 1) };
            let path = dir.join(&file_name);
            let payload = part.payload_bytes();
            let written = if burn_in {
                // Remux first (a tenth of the work), then re-encode with the text.
                let remuxed = dir.join(format!(".{file_name}.remux"));
                write_clip(
                    &remuxed,
                    part,
                    &mut |done| progress(ExportProgress { done_bytes: done_before + done / 10, total_bytes }),
                    cancel,
                )?;
                let start_ns = part.start_90k.unix_ns();
                let duration_ns = part.duration().to_std().as_nanos() as u64;
                let burned = crate::media::burn::burn_in(
                    &remuxed,
                    &path,
                    &crate::media::burn::BurnIn { camera_name: name, start_unix_ns: start_ns, duration_ns, tz },
                    &mut |f| {
                        progress(ExportProgress {
                            done_bytes: done_before + payload / 10 + (f * (payload - payload / 10) as f64) as u64,
                            total_bytes,
                        })
                    },
                    cancel,
                );
                let _ = std::fs::remove_file(&remuxed);
                match burned {
                    Ok(()) => {}
                    Err(_) if cancel.load(std::sync::atomic::Ordering::Relaxed) => return Err(ExportError::Cancelled),
                    Err(e) => return Err(ExportError::Media(e)),
                }
                let bytes = std::fs::metadata(&path).map_err(|source| ExportError::Io { path: path.clone(), source })?.len();
                let sha256 = manifest::sha256_file(&path).map_err(|source| ExportError::Io { path: path.clone(), source })?;
                mp4::WrittenFile { bytes, sha256 }
            } else {
                write_clip(&path, part, &mut |done| progress(ExportProgress { done_bytes: done_before + done, total_bytes }), cancel)?
            };
            done_before += payload;
            let (width, height, codec) = match &part.codec {
                mp4_atom::Codec::Avc1(a) => (a.visual.width, a.visual.height, "H264"),
                mp4_atom::Codec::Hev1(h) => (h.visual.width, h.visual.height, if burn_in { "H264" } else { "H265" }),
                _ => (0, 0, "?"),
            };
            let end_90k = part.end_90k();
            files.push(ExportedFile {
                file: file_name,
                camera_id: camera_id.clone(),
                camera_name: name.clone(),
                covered: CoveredRange::new(part.start_90k, end_90k, tz),
                frames: part.samples.len() as u64,
                duration_s: part.duration().as_secs_f64(),
                bytes: written.bytes,
                sha256: written.sha256,
                codec: codec.into(),
                width: u32::from(width),
                height: u32::from(height),
                burned_in: burn_in,
            });
        }
    }
    Ok(files)
}
