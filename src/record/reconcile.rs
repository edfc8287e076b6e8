//! Start-up reconciliation of the index with the files, before recording starts:
//! - finish deletions a crash interrupted (rows marked "deleting");
//! - drop rows whose files vanished (logged), mark rows whose files are shorter than indexed as
//!   damaged (logged; the rest of the index stays usable);
//! - index files without a row, or whose row is still "open" — the segment being written at a
//!   crash — up to their last complete fragment (the torn tail is cut off), or quarantine files
//!   that cannot be read;
//! - close runs left open.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::camera::parse_segment_name;
use super::fmp4::{repair, scan, sync_dir_of};
use crate::store::keyframe_index::encode_keyframe_index;
use crate::store::recordings::SegmentState;
use crate::store::{Store, StoreError};

/// Folder (inside the recordings root) for files that could not be indexed.
pub const QUARANTINE_DIR: &str = "quarantine";

#[derive(Debug, Default)]
pub struct ReconcileReport {
    pub finished_deletions: usize,
    /// Rows dropped because their file is gone.
    pub vanished: Vec<String>,
    /// Rows whose file is shorter than indexed.
    pub damaged: Vec<String>,
    /// Files indexed after a crash (relative paths) and whether a torn tail was cut.
    pub recovered: Vec<(String, bool)>,
    /// Files moved to quarantine, with the reason.
    pub quarantined: Vec<(String, String)>,
    /// Empty files from a crash, removed.
    pub removed_empty: Vec<String>,
    pub closed_runs: usize,
}

impl ReconcileReport {
    pub fn log(&self) {
        for p in &self.vanished {
            tracing::warn!("segment file vanished; its index row was removed: {p}");
        }
        for p in &self.damaged {
            tracing::error!("segment file is shorter than indexed (truncated or damaged): {p}");
        }
        for (p, cut) in &self.recovered {
            tracing::info!(torn_tail_cut = cut, "segment left open by a crash was indexed: {p}");
        }
        for (p, why) in &self.quarantined {
            tracing::error!("unreadable segment file moved to {QUARANTINE_DIR}/: {p}: {why}");
        }
        if self.finished_deletions + self.closed_runs > 0 {
            tracing::info!(deletions = self.finished_deletions, runs = self.closed_runs, "finished work a crash interrupted");
        }
    }
}

pub fn reconcile(store: &Store, root: &Path) -> Result<ReconcileReport, StoreError> {
    let mut report = ReconcileReport::default();
    for (id, rel) in store.segments_being_deleted()? {
        let path = root.join(&rel);
        if std::fs::remove_file(&path).is_ok() {
            let _ = sync_dir_of(&path);
        }
        store.delete_segment_row(id)?;
        report.finished_deletions += 1;
    }

    let mut indexed: HashSet<String> = HashSet::new();
    for (id, rel, bytes, state) in store.segment_files()? {
        if state == SegmentState::Open {
            // Open at a crash: its row may say more than reached the disk. Re-indexed from the
            // file below, like a segment that had no row yet.
            store.delete_segment_row(id)?;
            continue;
        }
        match std::fs::metadata(root.join(&rel)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                store.delete_segment_row(id)?;
                report.vanished.push(rel);
                continue;
            }
            Ok(m) if (m.len() as i64) < bytes && state != SegmentState::Damaged => {
                store.set_segment_state(id, SegmentState::Damaged)?;
                report.damaged.push(format!("{rel} ({} of {bytes} bytes)", m.len()));
            }
            _ => {}
        }
        indexed.insert(rel);
    }

    for (rel, path) in segment_files_on_disk(root) {
        if indexed.contains(&rel) {
            continue;
        }
        recover_file(store, root, &rel, &path, &mut report)?;
    }
    report.closed_runs = store.close_open_runs("recorder stopped unexpectedly")?;
    Ok(report)
}

fn recover_file(store: &Store, root: &Path, rel: &str, path: &Path, report: &mut ReconcileReport) -> Result<(), StoreError> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let camera_id = rel.split('/').next().unwrap_or_default();
    let Some((start_90k, run_id, seq)) = parse_segment_name(name) else {
        quarantine(root, rel, path, "not a segment file name", report);
        return Ok(());
    };
    let scanned = match scan(path) {
        Ok(s) => s,
        Err(e) => {
            quarantine(root, rel, path, &e.to_string(), report);
            return Ok(());
        }
    };
    if scanned.summary.frames == 0 {
        if std::fs::remove_file(path).is_ok() {
            let _ = sync_dir_of(path);
        }
        report.removed_empty.push(rel.to_string());
        return Ok(());
    }
    if let Err(e) = repair(path, &scanned) {
        quarantine(root, rel, path, &e.to_string(), report);
        return Ok(());
    }
    let _ = sync_dir_of(path);
    // The run row is written before its first file; re-create it if it is missing anyway.
    let run_id = match store.run(run_id)? {
        Some((cam, _, _)) if cam == camera_id => run_id,
        _ => store.begin_run(camera_id, "main", start_90k)?,
    };
    let s = &scanned.summary;
    let blob = encode_keyframe_index(&s.keyframes);
    store.insert_segment(&super::segment_row(run_id, camera_id, seq, start_90k, rel, s, &blob))?;
    report.recovered.push((rel.to_string(), scanned.had_tail));
    Ok(())
}

fn quarantine(root: &Path, rel: &str, path: &Path, why: &str, report: &mut ReconcileReport) {
    let target = root.join(QUARANTINE_DIR).join(rel.replace('/', "__"));
    let moved = std::fs::create_dir_all(root.join(QUARANTINE_DIR)).and_then(|()| std::fs::rename(path, &target));
    if let Err(e) = moved {
        tracing::error!("cannot move {} to quarantine: {e}", path.display());
    }
    report.quarantined.push((rel.to_string(), why.to_string()));
}

/// `(relative path, full path)` of every `*.mp4` under `<root>/<camera>/<day>/`.
fn segment_files_on_disk(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let dirs = |p: &Path| -> Vec<PathBuf> { std::fs::read_dir(p).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default() };
    for cam in dirs(root) {
        let Some(cam_name) = cam.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
        if cam_name == QUARANTINE_DIR || !cam.is_dir() {
            continue;
        }
        for day in dirs(&cam) {
            let Some(day_name) = day.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
            for file in dirs(&day) {
                let Some(file_name) = file.file_name().and_then(|n| n.to_str()) else { continue };
                if file_name.ends_with(".mp4") {
                    out.push((format!("{cam_name}/{day_name}/{file_name}"), file.clone()));
                }
            }
        }
    }
    out.sort();
    out
}

/// A full check of every indexed file against the index (`vigil record --check`): each file is
/// read to its end; a missing, short or unreadable one is marked damaged and reported.
pub fn verify_all(store: &Store, root: &Path) -> Result<Vec<(String, String)>, StoreError> {
    let mut problems = Vec::new();
    for (id, rel, bytes, state) in store.segment_files()? {
        if state == SegmentState::Deleting {
            continue;
        }
        let problem = match scan(&root.join(&rel)) {
            Err(e) => Some(e.to_string()),
            Ok(s) if (s.valid_bytes as i64) < bytes => Some(format!("only {} of {bytes} bytes are readable", s.valid_bytes)),
            Ok(_) => None,
        };
        if let Some(p) = problem {
            tracing::error!("damaged segment {rel}: {p}");
            store.set_segment_state(id, SegmentState::Damaged)?;
            problems.push((rel, p));
        }
    }
    Ok(problems)
}
