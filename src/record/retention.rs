//! Retention: per-camera maximum age, a global quota, and a free-space floor. Deletes oldest
//! first, a bounded batch per pass (recording never waits for it), and never a segment that
//! overlaps an evidence lock. Deletion order: mark the row, unlink the file, fsync the directory,
//! drop the row — a crash in between leaves a marked row that [`super::reconcile`] finishes.
//!
//! `now_90k` and the free-space probe are parameters, so tests drive ages with a simulated clock.

use std::path::Path;
use std::sync::Mutex;

use super::fmp4::sync_dir_of;
use crate::core::time::{Duration90k, Time90k};
use crate::store::recordings::{SegmentRow, SegmentState};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Default)]
pub struct RetentionPolicy {
    /// Keep at most this many bytes of recordings; `None` = no quota.
    pub quota_bytes: Option<u64>,
    /// Keep at least this much free on the recordings' file system.
    pub min_free_bytes: u64,
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RetentionOutcome {
    /// Relative paths deleted, oldest first.
    pub deleted: Vec<String>,
    pub freed_bytes: u64,
    /// Some segment was due for deletion but locked as evidence.
    pub blocked_by_locks: bool,
    /// Free space is below the floor and nothing more may be deleted.
    pub space_short: bool,
    /// Cameras whose footage (their recordings or previews) the quota or the free-space floor
    /// deleted before their retention days were up (the disk is too small for what the site
    /// promised), with the age of the youngest such footage.
    pub aged_out_early: Vec<(String, Duration90k)>,
}

const BATCH: i64 = 64;

/// Free bytes for an unprivileged writer on the file system holding `dir` (statvfs).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes into the zeroed struct we pass; `c` is a valid NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

/// One retention pass over the index; deletes at most `max_deletions` segments.
pub fn run_pass(
    store: &Mutex<Store>,
    root: &Path,
    cameras: &[(String, Option<u32>)],
    policy: &RetentionPolicy,
    now_90k: Time90k,
    free: &dyn Fn() -> Option<u64>,
    max_deletions: usize,
) -> Result<RetentionOutcome, StoreError> {
    let lock = || store.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = RetentionOutcome::default();

    // 1. Age, per camera.
    for (camera_id, days) in cameras {
        let Some(days) = days else { continue };
        let cutoff = now_90k - Duration90k::from_secs(i64::from(*days) * 86_400);
        let expired = lock().expired_segments(camera_id, cutoff, BATCH)?;
        for seg in expired {
            if out.deleted.len() >= max_deletions {
                return Ok(out);
            }
            delete_unless_locked(store, root, &seg, &mut out)?;
        }
    }

    // 2. Quota and 3. free-space floor: oldest first across cameras.
    let over_quota = |total: i64| policy.quota_bytes.is_some_and(|q| total as u64 > q);
    let short_of_space = || free().is_some_and(|f| f < policy.min_free_bytes);
    let mut total = lock().recorded_bytes()?;
    let mut skipped_ids: Vec<i64> = Vec::new();
    while over_quota(total) || short_of_space() {
        if out.deleted.len() >= max_deletions {
            return Ok(out);
        }
        let candidates: Vec<SegmentRow> =
            lock().oldest_segments(BATCH + skipped_ids.len() as i64)?.into_iter().filter(|s| !skipped_ids.contains(&s.id)).collect();
        if candidates.is_empty() {
            out.space_short = short_of_space();
            break;
        }
        let mut progressed = false;
        for seg in candidates {
            if !(over_quota(total) || short_of_space()) || out.deleted.len() >= max_deletions {
                break;
            }
            if delete_unless_locked(store, root, &seg, &mut out)? {
                total -= seg.bytes;
                progressed = true;
                note_early(cameras, &seg, now_90k, &mut out);
            } else {
                skipped_ids.push(seg.id);
            }
        }
        if !progressed && skipped_ids.len() > 10_000 {
            out.space_short = short_of_space();
            break;
        }
    }
    Ok(out)
}

/// A segment deleted for space that its camera promised to keep longer.
fn note_early(cameras: &[(String, Option<u32>)], seg: &SegmentRow, now_90k: Time90k, out: &mut RetentionOutcome) {
    let Some(days) = cameras.iter().find(|(id, _)| *id == seg.camera_id).and_then(|(_, d)| *d) else { return };
    let age = now_90k - seg.end_90k();
    if age >= Duration90k::from_secs(i64::from(days) * 86_400) {
        return;
    }
    let camera = seg.camera_id.strip_suffix(super::PREVIEW_SUFFIX).unwrap_or(&seg.camera_id);
    match out.aged_out_early.iter_mut().find(|(id, _)| id == camera) {
        Some((_, youngest)) => *youngest = (*youngest).min(age),
        None => out.aged_out_early.push((camera.to_string(), age)),
    }
}

/// Deletes one segment unless a lock covers it; true when deleted.
fn delete_unless_locked(store: &Mutex<Store>, root: &Path, seg: &SegmentRow, out: &mut RetentionOutcome) -> Result<bool, StoreError> {
    let lock = || store.lock().unwrap_or_else(|e| e.into_inner());
    if lock().is_locked(&seg.camera_id, seg.start_90k, seg.end_90k())? {
        out.blocked_by_locks = true;
        return Ok(false);
    }
    delete_segment(store, root, seg.id, &seg.path)?;
    // The camera's motion before its oldest footage goes with it (unless older locked footage
    // is still kept, whose motion stays).
    if !seg.camera_id.ends_with(super::PREVIEW_SUFFIX) && !out.blocked_by_locks {
        lock().prune_motion(&seg.camera_id, seg.start_90k)?;
    }
    tracing::info!(camera = %seg.camera_id, path = %seg.path, "retention deleted a segment");
    out.deleted.push(seg.path.clone());
    out.freed_bytes += seg.bytes.max(0) as u64;
    Ok(true)
}

/// Mark, unlink, fsync the directory, drop the row.
pub(crate) fn delete_segment(store: &Mutex<Store>, root: &Path, id: i64, rel_path: &str) -> Result<(), StoreError> {
    let lock = || store.lock().unwrap_or_else(|e| e.into_inner());
    lock().set_segment_state(id, SegmentState::Deleting)?;
    let path = root.join(rel_path);
    match std::fs::remove_file(&path) {
        Ok(()) => {
            if let Err(e) = sync_dir_of(&path) {
                tracing::warn!("{e}");
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            // Leave the mark: the next pass or start-up tries again.
            tracing::error!("cannot delete {}: {e}", path.display());
            return Ok(());
        }
    }
    lock().delete_segment_row(id)
}
