//! The recording index: runs, segments, evidence locks. Times are UTC in 90 kHz units since the
//! Unix epoch (`*_90k`). The queries the timeline needs use `segment_by_camera_start`, bounded
//! below by [`MAX_SEGMENT_DURATION_90K`] so SQLite scans only the segments that can overlap.

use rusqlite::{OptionalExtension, Row, named_params};

use super::coverage::{coverage_add, coverage_remove};
use super::keyframe_index::{Keyframe, decode_keyframe_index};
use super::{Store, StoreError};
use crate::core::time::{Duration90k, Time90k};

/// No segment is longer than this (the recorder cuts one at the latest here), 10 minutes.
pub const MAX_SEGMENT_DURATION_90K: Duration90k = Duration90k::from_secs(10 * 60);

const INSERT_RUN: &str = "INSERT INTO recording_run (camera_id, profile, start_90k) VALUES (:camera_id, :profile, :start_90k)";
const END_RUN: &str = "UPDATE recording_run SET end_90k = :end_90k, end_reason = :reason WHERE id = :id";
const SELECT_OPEN_RUNS: &str = "SELECT id, start_90k FROM recording_run WHERE end_90k IS NULL";
const SELECT_RUN_END: &str = "SELECT max(start_90k + duration_90k) FROM segment WHERE run_id = :run_id AND state != :deleting";
const SELECT_RUN: &str = "SELECT camera_id, profile, start_90k, end_90k, end_reason FROM recording_run WHERE id = :id";
const SELECT_RUNS_OF_CAMERA: &str = "SELECT id, start_90k, end_90k, end_reason FROM recording_run \
     WHERE camera_id = :camera_id ORDER BY start_90k";
/// The track's segments never overlap, so the one that starts last ends last.
const SELECT_TRACK_END: &str = "SELECT start_90k + duration_90k FROM segment \
     WHERE camera_id = :camera_id AND state != :deleting ORDER BY start_90k DESC LIMIT 1";
const SELECT_RUN_NEXT_SEQ: &str = "SELECT coalesce(max(seq) + 1, 0) FROM segment WHERE run_id = :run_id";

const INSERT_SEGMENT: &str = "INSERT INTO segment \
     (run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state) \
     VALUES (:run_id, :camera_id, :seq, :start_90k, :duration_90k, :path, :bytes, :frames, :codec, :width, :height, :keyframe_index, :state)";
/// An open segment grew, or was finished.
const UPDATE_SEGMENT: &str = "UPDATE segment SET duration_90k = :duration_90k, bytes = :bytes, frames = :frames, \
     keyframe_index = :keyframe_index, state = :state WHERE id = :id";
/// Merged stretches of one camera overlapping [start, end), oldest first.
const SELECT_SEGMENT_SPAN: &str = "SELECT camera_id, start_90k, start_90k + duration_90k, state FROM segment WHERE id = :id";
const SELECT_SEGMENT_AT: &str = "SELECT id, run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state \
     FROM segment WHERE camera_id = :camera_id AND start_90k <= :t_90k AND start_90k > :t_90k - :max_90k \
     AND state != :deleting ORDER BY start_90k DESC LIMIT 1";
const SELECT_SEGMENTS_OVERLAPPING: &str = "SELECT id, run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state \
     FROM segment WHERE camera_id = :camera_id AND start_90k < :end_90k AND start_90k > :start_90k - :max_90k \
     AND start_90k + duration_90k > :start_90k AND state != :deleting ORDER BY start_90k";
const SELECT_SEGMENTS_OF_CAMERA: &str = "SELECT id, run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state \
     FROM segment WHERE camera_id = :camera_id AND state != :deleting ORDER BY start_90k";
const SELECT_SEGMENT_FILES: &str = "SELECT id, path, bytes, state FROM segment";
const SELECT_OLDEST_SEGMENTS: &str = "SELECT id, run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state \
     FROM segment WHERE state NOT IN (:deleting, :open) ORDER BY start_90k LIMIT :limit";
const SELECT_EXPIRED_SEGMENTS: &str = "SELECT id, run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state \
     FROM segment WHERE camera_id = :camera_id AND start_90k + duration_90k <= :cutoff_90k AND state NOT IN (:deleting, :open) \
     ORDER BY start_90k LIMIT :limit";
const MARK_SEGMENT: &str = "UPDATE segment SET state = :state WHERE id = :id";
const DELETE_SEGMENT: &str = "DELETE FROM segment WHERE id = :id";
const SELECT_DELETING: &str = "SELECT id, path FROM segment WHERE state = :deleting";
const SELECT_TOTAL_BYTES: &str = "SELECT coalesce(sum(bytes), 0) FROM segment WHERE state != :deleting";
/// Finished segments only: the recorder adds the open one's bytes itself.
const SELECT_CAMERA_BYTES_SINCE: &str = "SELECT coalesce(sum(bytes), 0) FROM segment \
     WHERE camera_id = :camera_id AND start_90k >= :since_90k AND state != :deleting AND state != :open";
const SELECT_CAMERA_OLDEST: &str = "SELECT min(start_90k) FROM segment WHERE camera_id = :camera_id";
const SELECT_INDEX_FIGURES: &str =
    "SELECT count(*), coalesce(sum(length(keyframe_index) + length(path)), 0), coalesce(sum(duration_90k), 0) FROM segment";

/// Life of a segment row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentState {
    Ok,
    /// Marked for deletion: the file may already be gone; the row goes next.
    Deleting,
    /// The file is shorter than indexed or unreadable; kept so the gap is explained.
    Damaged,
    /// Still being written: the row grows every few seconds as fragments reach the file, so the
    /// last minute can be reviewed and exported; retention never takes it.
    Open,
}

impl SegmentState {
    /// The value stored in `segment.state` (schema.sql; a CHECK keeps the column to these).
    fn code(self) -> i64 {
        match self {
            SegmentState::Ok => 0,
            SegmentState::Deleting => 1,
            SegmentState::Damaged => 2,
            SegmentState::Open => 3,
        }
    }
}

impl rusqlite::types::ToSql for SegmentState {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.code().into())
    }
}

impl rusqlite::types::FromSql for SegmentState {
    /// An unknown state is an error, never taken for "ok": a row this build does not understand
    /// must not be served, exported or aged out as if it were a finished segment.
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        match value.as_i64()? {
            0 => Ok(SegmentState::Ok),
            1 => Ok(SegmentState::Deleting),
            2 => Ok(SegmentState::Damaged),
            3 => Ok(SegmentState::Open),
            other => Err(rusqlite::types::FromSqlError::OutOfRange(other)),
        }
    }
}

/// A segment to index (its file is complete and durable).
#[derive(Debug, Clone)]
pub struct NewSegment<'a> {
    pub run_id: i64,
    pub camera_id: &'a str,
    pub seq: i64,
    pub start_90k: Time90k,
    pub duration_90k: Duration90k,
    /// Relative to the recordings root, '/'-separated.
    pub path: &'a str,
    pub bytes: i64,
    pub frames: i64,
    pub codec: &'a str,
    pub width: u32,
    pub height: u32,
    pub keyframe_index: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentRow {
    pub id: i64,
    pub run_id: i64,
    pub camera_id: String,
    pub seq: i64,
    pub start_90k: Time90k,
    pub duration_90k: Duration90k,
    pub path: String,
    pub bytes: i64,
    pub frames: i64,
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub keyframe_index: Vec<u8>,
    pub state: SegmentState,
}

impl SegmentRow {
    pub fn end_90k(&self) -> Time90k {
        self.start_90k + self.duration_90k
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            run_id: r.get(1)?,
            camera_id: r.get(2)?,
            seq: r.get(3)?,
            start_90k: r.get(4)?,
            duration_90k: r.get(5)?,
            path: r.get(6)?,
            bytes: r.get(7)?,
            frames: r.get(8)?,
            codec: r.get(9)?,
            width: r.get(10)?,
            height: r.get(11)?,
            keyframe_index: r.get(12)?,
            state: r.get(13)?,
        })
    }
}

/// A recording run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub start_90k: Time90k,
    pub end_90k: Option<Time90k>,
    pub end_reason: Option<String>,
}

/// Size of the index, for the benchmark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexFigures {
    pub segments: i64,
    /// Bytes of variable-length index data: keyframe blobs and paths.
    pub variable_bytes: i64,
    pub recorded_90k: Duration90k,
}

/// The recording tables and their indexes, as `dbstat` names them.
const SELECT_INDEX_DBSTAT: &str = "SELECT coalesce(sum(payload), 0), coalesce(sum(pgsize), 0) FROM dbstat \
     WHERE name IN ('recording_run', 'segment', 'segment_by_camera_start', 'segment_by_run', 'sqlite_autoindex_segment_1')";

/// Runs `f` all-or-nothing in a savepoint (which nests inside [`Store::in_transaction`]).
/// Whatever fails — `f`, or the release itself (on a full disk the commit is what fails) — the
/// connection leaves the savepoint: a transaction left open would take every later write of the
/// recorder with it, uncommitted, and lose them when the process ends.
pub(super) fn atomically<T>(
    conn: &rusqlite::Connection,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let outermost = conn.is_autocommit();
    conn.execute_batch("SAVEPOINT vigil_atomic")?;
    let result = f(conn).and_then(|v| conn.execute_batch("RELEASE vigil_atomic").map(|()| v).map_err(StoreError::from));
    if result.is_err() {
        let _ = conn.execute_batch("ROLLBACK TO vigil_atomic; RELEASE vigil_atomic");
        if outermost && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    result
}

fn segment_span(conn: &rusqlite::Connection, id: i64) -> Result<Option<(String, Time90k, Time90k, SegmentState)>, StoreError> {
    Ok(conn.query_row(SELECT_SEGMENT_SPAN, named_params! {":id": id}, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).optional()?)
}

/// Adds [start, end) to a camera's coverage, merging with stretches it touches.
impl Store {
    /// Runs `f` in one transaction (bulk loads: a synthetic index, imports).
    pub fn in_transaction<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.conn.execute_batch("BEGIN")?;
        // A failed commit (a full disk) must not leave the transaction open either.
        let result = f(self).and_then(|v| self.conn.execute_batch("COMMIT").map(|()| v).map_err(StoreError::from));
        if result.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        result
    }

    pub fn begin_run(&self, camera_id: &str, profile: &str, start_90k: Time90k) -> Result<i64, StoreError> {
        self.conn.execute(INSERT_RUN, named_params! {":camera_id": camera_id, ":profile": profile, ":start_90k": start_90k})?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn end_run(&self, run_id: i64, end_90k: Time90k, reason: &str) -> Result<(), StoreError> {
        self.conn.execute(END_RUN, named_params! {":id": run_id, ":end_90k": end_90k, ":reason": reason})?;
        Ok(())
    }

    /// Runs left open by a crash are closed at the end of their last indexed segment.
    pub fn close_open_runs(&self, reason: &str) -> Result<usize, StoreError> {
        let open: Vec<(i64, Time90k)> =
            self.conn.prepare(SELECT_OPEN_RUNS)?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        for (id, start) in &open {
            let end: Option<Time90k> =
                self.conn.query_row(SELECT_RUN_END, named_params! {":run_id": id, ":deleting": SegmentState::Deleting}, |r| r.get(0))?;
            self.end_run(*id, end.unwrap_or(*start), reason)?;
        }
        Ok(open.len())
    }

    /// End of a run's last indexed segment.
    pub fn run_segments_end(&self, run_id: i64) -> Result<Option<Time90k>, StoreError> {
        Ok(self.conn.query_row(SELECT_RUN_END, named_params! {":run_id": run_id, ":deleting": SegmentState::Deleting}, |r| r.get(0))?)
    }

    /// Where a track's recordings end (its latest segment's end), if it has any.
    pub fn track_end(&self, camera_id: &str) -> Result<Option<Time90k>, StoreError> {
        Ok(self
            .conn
            .query_row(SELECT_TRACK_END, named_params! {":camera_id": camera_id, ":deleting": SegmentState::Deleting}, |r| r.get(0))
            .optional()?)
    }

    /// (camera id, profile, start) of a run.
    pub fn run(&self, run_id: i64) -> Result<Option<(String, String, Time90k)>, StoreError> {
        Ok(self.conn.query_row(SELECT_RUN, named_params! {":id": run_id}, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?)
    }

    pub fn runs_of_camera(&self, camera_id: &str) -> Result<Vec<RunRow>, StoreError> {
        Ok(self
            .conn
            .prepare(SELECT_RUNS_OF_CAMERA)?
            .query_map(named_params! {":camera_id": camera_id}, |r| {
                Ok(RunRow { id: r.get(0)?, start_90k: r.get(1)?, end_90k: r.get(2)?, end_reason: r.get(3)? })
            })?
            .collect::<Result<_, _>>()?)
    }

    pub fn next_seq_of_run(&self, run_id: i64) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row(SELECT_RUN_NEXT_SEQ, named_params! {":run_id": run_id, ":deleting": SegmentState::Deleting}, |r| r.get(0))?)
    }

    /// Indexes a segment whose file is complete and durable.
    pub fn insert_segment(&self, s: &NewSegment<'_>) -> Result<i64, StoreError> {
        self.insert_segment_in_state(s, SegmentState::Ok)
    }

    /// Indexes the complete fragments of a segment still being written (state [`SegmentState::Open`]);
    /// [`Store::update_segment`] grows it and finally closes it.
    pub fn insert_open_segment(&self, s: &NewSegment<'_>) -> Result<i64, StoreError> {
        self.insert_segment_in_state(s, SegmentState::Open)
    }

    fn insert_segment_in_state(&self, s: &NewSegment<'_>, state: SegmentState) -> Result<i64, StoreError> {
        atomically(&self.conn, |tx| {
            tx.execute(
                INSERT_SEGMENT,
                named_params! {
                    ":run_id": s.run_id, ":camera_id": s.camera_id, ":seq": s.seq, ":start_90k": s.start_90k,
                    ":duration_90k": s.duration_90k, ":path": s.path, ":bytes": s.bytes, ":frames": s.frames,
                    ":codec": s.codec, ":width": s.width, ":height": s.height, ":keyframe_index": s.keyframe_index,
                    ":state": state,
                },
            )?;
            let id = tx.last_insert_rowid();
            coverage_add(tx, s.camera_id, s.start_90k, s.start_90k + s.duration_90k)?;
            Ok(id)
        })
    }

    /// Sets an indexed segment's extent (an open segment grew, or was finished: `state` Ok) and
    /// moves the camera's coverage with it, all-or-nothing.
    pub fn update_segment(&self, id: i64, s: &NewSegment<'_>, state: SegmentState) -> Result<(), StoreError> {
        atomically(&self.conn, |tx| {
            let Some((camera, start, old_end, _)) = segment_span(tx, id)? else {
                return Err(rusqlite::Error::QueryReturnedNoRows.into());
            };
            tx.execute(
                UPDATE_SEGMENT,
                named_params! {
                    ":id": id, ":duration_90k": s.duration_90k, ":bytes": s.bytes, ":frames": s.frames,
                    ":keyframe_index": s.keyframe_index, ":state": state,
                },
            )?;
            let new_end = start + s.duration_90k;
            if new_end > old_end {
                coverage_add(tx, &camera, old_end, new_end)?;
            } else if new_end < old_end {
                coverage_remove(tx, &camera, new_end, old_end)?;
            }
            Ok(())
        })
    }

    /// The segment of a camera that contains instant `t_90k`, if any.
    pub fn segment_at(&self, camera_id: &str, t_90k: Time90k) -> Result<Option<SegmentRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(SELECT_SEGMENT_AT)?;
        let row = stmt
            .query_row(
                named_params! {":camera_id": camera_id, ":t_90k": t_90k, ":max_90k": MAX_SEGMENT_DURATION_90K, ":deleting": SegmentState::Deleting},
                SegmentRow::from_row,
            )
            .optional()?;
        Ok(row.filter(|s| t_90k < s.end_90k()))
    }

    /// The segment containing `t_90k` and its keyframe at or before `t_90k` (absolute time and
    /// byte offset of its fragment): where a seek starts decoding.
    pub fn keyframe_at_or_before(&self, camera_id: &str, t_90k: Time90k) -> Result<Option<(SegmentRow, Keyframe)>, StoreError> {
        let Some(seg) = self.segment_at(camera_id, t_90k)? else { return Ok(None) };
        let entries = decode_keyframe_index(&seg.keyframe_index).unwrap_or_default();
        let found = entries.iter().rev().map(|k| k.in_segment(seg.start_90k)).find(|k| k.at_90k <= t_90k);
        Ok(found.map(|k| (seg, k)))
    }

    /// The keyframe of a camera nearest `t_90k` (absolute time), before or after it: what fast
    /// and backward playback show (at most half a GOP from the cursor). `None` when nothing was
    /// recorded at `t_90k`.
    pub fn keyframe_nearest(&self, camera_id: &str, t_90k: Time90k) -> Result<Option<Time90k>, StoreError> {
        let Some((seg, before)) = self.keyframe_at_or_before(camera_id, t_90k)? else { return Ok(None) };
        let before = before.at_90k;
        // The next keyframe: later in this segment, or the first of a following one.
        let mut after = None;
        for s in std::iter::once(seg).chain(self.segments_overlapping(camera_id, t_90k, t_90k + (t_90k - before) + Duration90k(1))?) {
            let entries = decode_keyframe_index(&s.keyframe_index).unwrap_or_default();
            if let Some(k) = entries.iter().map(|k| k.in_segment(s.start_90k).at_90k).find(|k| *k > t_90k) {
                after = Some(k);
                break;
            }
        }
        Ok(Some(match after {
            Some(a) if a - t_90k < t_90k - before => a,
            _ => before,
        }))
    }

    /// Segments of a camera overlapping [start, end), oldest first.
    pub fn segments_overlapping(&self, camera_id: &str, start_90k: Time90k, end_90k: Time90k) -> Result<Vec<SegmentRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(SELECT_SEGMENTS_OVERLAPPING)?
            .query_map(
                named_params! {":camera_id": camera_id, ":start_90k": start_90k, ":end_90k": end_90k, ":max_90k": MAX_SEGMENT_DURATION_90K, ":deleting": SegmentState::Deleting},
                SegmentRow::from_row,
            )?
            .collect::<Result<_, _>>()?)
    }

    pub fn segments_of_camera(&self, camera_id: &str) -> Result<Vec<SegmentRow>, StoreError> {
        Ok(self
            .conn
            .prepare(SELECT_SEGMENTS_OF_CAMERA)?
            .query_map(named_params! {":camera_id": camera_id, ":deleting": SegmentState::Deleting}, SegmentRow::from_row)?
            .collect::<Result<_, _>>()?)
    }

    /// (id, path, bytes, state) of every segment row, for the start-up reconciliation.
    pub fn segment_files(&self) -> Result<Vec<(i64, String, i64, SegmentState)>, StoreError> {
        Ok(self
            .conn
            .prepare(SELECT_SEGMENT_FILES)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?)
    }

    pub fn oldest_segments(&self, limit: i64) -> Result<Vec<SegmentRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(SELECT_OLDEST_SEGMENTS)?
            .query_map(
                named_params! {":limit": limit, ":deleting": SegmentState::Deleting, ":open": SegmentState::Open},
                SegmentRow::from_row,
            )?
            .collect::<Result<_, _>>()?)
    }

    /// Segments of a camera that ended at or before `cutoff_90k`, oldest first.
    pub fn expired_segments(&self, camera_id: &str, cutoff_90k: Time90k, limit: i64) -> Result<Vec<SegmentRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(SELECT_EXPIRED_SEGMENTS)?
            .query_map(named_params! {":camera_id": camera_id, ":cutoff_90k": cutoff_90k, ":limit": limit, ":deleting": SegmentState::Deleting, ":open": SegmentState::Open}, SegmentRow::from_row)?
            .collect::<Result<_, _>>()?)
    }

    /// Changes a segment's state; marking it for deletion takes it out of the coverage.
    pub fn set_segment_state(&self, id: i64, state: SegmentState) -> Result<(), StoreError> {
        atomically(&self.conn, |tx| {
            let span = segment_span(tx, id)?;
            tx.execute(MARK_SEGMENT, named_params! {":id": id, ":state": state})?;
            if let Some((camera, start, end, old)) = span
                && state == SegmentState::Deleting
                && old != SegmentState::Deleting
            {
                coverage_remove(tx, &camera, start, end)?;
            }
            Ok(())
        })
    }

    pub fn delete_segment_row(&self, id: i64) -> Result<(), StoreError> {
        atomically(&self.conn, |tx| {
            if let Some((camera, start, end, state)) = segment_span(tx, id)?
                && state != SegmentState::Deleting
            {
                coverage_remove(tx, &camera, start, end)?;
            }
            tx.execute(DELETE_SEGMENT, named_params! {":id": id})?;
            Ok(())
        })
    }

    /// (id, path) of rows marked for deletion whose deletion did not finish.
    pub fn segments_being_deleted(&self) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(self
            .conn
            .prepare(SELECT_DELETING)?
            .query_map(named_params! {":deleting": SegmentState::Deleting}, |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Bytes of all kept segments.
    pub fn recorded_bytes(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(SELECT_TOTAL_BYTES, named_params! {":deleting": SegmentState::Deleting}, |r| r.get(0))?)
    }

    /// (bytes recorded since `since_90k`, start of the oldest kept recording) of a camera.
    pub fn camera_figures(&self, camera_id: &str, since_90k: Time90k) -> Result<(i64, Option<Time90k>), StoreError> {
        let bytes = self.conn.prepare_cached(SELECT_CAMERA_BYTES_SINCE)?.query_row(
            named_params! {
                ":camera_id": camera_id,
                ":since_90k": since_90k,
                ":deleting": SegmentState::Deleting,
                ":open": SegmentState::Open,
            },
            |r| r.get(0),
        )?;
        let oldest = self.conn.prepare_cached(SELECT_CAMERA_OLDEST)?.query_row(named_params! {":camera_id": camera_id}, |r| r.get(0))?;
        Ok((bytes, oldest))
    }

    pub fn index_figures(&self) -> Result<IndexFigures, StoreError> {
        let (segments, var_bytes, recorded_90k): (i64, i64, Duration90k) =
            self.conn.query_row(SELECT_INDEX_FIGURES, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(IndexFigures { segments, variable_bytes: var_bytes, recorded_90k })
    }

    /// (payload bytes, page bytes) of the recording tables and their indexes, from SQLite's
    /// `dbstat`: what the index really costs on disk, rows and index entries included.
    pub fn recording_index_bytes(&self) -> Result<(i64, i64), StoreError> {
        Ok(self.conn.query_row(SELECT_INDEX_DBSTAT, [], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::coverage::{Covered, SELECT_COVERAGE};

    const S: Duration90k = Duration90k::SECOND;

    fn seg<'a>(run: i64, cam: &'a str, seq: i64, start: Time90k, dur: Duration90k, path: &'a str) -> NewSegment<'a> {
        NewSegment {
            run_id: run,
            camera_id: cam,
            seq,
            start_90k: start,
            duration_90k: dur,
            path,
            bytes: 1000,
            frames: 25,
            codec: "H264",
            width: 1920,
            height: 1080,
            keyframe_index: &[],
        }
    }

    #[test]
    fn coverage_merges_adjacent_segments_and_shows_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let t0 = Time90k(1_000_000 * 90_000);
        let r1 = store.begin_run("cam01", "main", t0).unwrap();
        store.insert_segment(&seg(r1, "cam01", 0, t0, 60 * S, "a")).unwrap();
        store.insert_segment(&seg(r1, "cam01", 1, t0 + 60 * S, 60 * S, "b")).unwrap();
        store.end_run(r1, t0 + 120 * S, "stream ended").unwrap();
        let r2 = store.begin_run("cam01", "main", t0 + 130 * S).unwrap();
        store.insert_segment(&seg(r2, "cam01", 0, t0 + 130 * S, 30 * S, "c")).unwrap();
        store.insert_segment(&seg(r2, "cam02", 0, t0, 500 * S, "d")).unwrap();

        let cov = store.coverage("cam01", t0 - 10 * S, t0 + 1000 * S).unwrap();
        assert_eq!(cov, vec![Covered { start_90k: t0, end_90k: t0 + 120 * S }, Covered { start_90k: t0 + 130 * S, end_90k: t0 + 160 * S }]);
        // Clipped to the window.
        let cov = store.coverage("cam01", t0 + 30 * S, t0 + 140 * S).unwrap();
        assert_eq!(cov[0], Covered { start_90k: t0 + 30 * S, end_90k: t0 + 120 * S });
        assert_eq!(cov[1], Covered { start_90k: t0 + 130 * S, end_90k: t0 + 140 * S });

        assert_eq!(store.segment_at("cam01", t0 + 60 * S).unwrap().unwrap().path, "b");
        // Deleting the middle of a stretch splits it; the coverage follows the segments.
        let b = store.segment_at("cam01", t0 + 60 * S).unwrap().unwrap();
        store.set_segment_state(b.id, SegmentState::Deleting).unwrap();
        let cov = store.coverage("cam01", t0, t0 + 1000 * S).unwrap();
        assert_eq!(cov.len(), 2);
        assert_eq!(cov[0], Covered { start_90k: t0, end_90k: t0 + 60 * S });
        store.delete_segment_row(b.id).unwrap();
        assert_eq!(store.coverage("cam01", t0, t0 + 1000 * S).unwrap().len(), 2, "deleting the marked row changes nothing more");
        let c = store.segment_at("cam01", t0 + 130 * S).unwrap().unwrap();
        store.delete_segment_row(c.id).unwrap();
        assert_eq!(store.coverage("cam01", t0, t0 + 1000 * S).unwrap(), vec![Covered { start_90k: t0, end_90k: t0 + 60 * S }]);
        assert_eq!(store.segment_at("cam01", t0 + 125 * S).unwrap(), None, "a gap has no segment");
        assert_eq!(store.segment_at("cam01", t0 - Duration90k(1)).unwrap(), None);
    }

    #[test]
    fn an_open_segment_grows_its_coverage_and_retention_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let t0 = Time90k(3_000_000 * 90_000);
        let run = store.begin_run("cam01", "main", t0).unwrap();
        store.insert_segment(&seg(run, "cam01", 0, t0, 60 * S, "a")).unwrap();
        let open = store.insert_open_segment(&seg(run, "cam01", 1, t0 + 60 * S, 2 * S, "b")).unwrap();
        let whole = |store: &Store| store.coverage("cam01", t0 - S, t0 + 1000 * S).unwrap();
        assert_eq!(whole(&store), vec![Covered { start_90k: t0, end_90k: t0 + 62 * S }]);
        assert_eq!(store.segment_at("cam01", t0 + 61 * S).unwrap().unwrap().state, SegmentState::Open);
        for d in [4, 6, 9] {
            store.update_segment(open, &seg(run, "cam01", 1, t0 + 60 * S, d * S, "b"), SegmentState::Open).unwrap();
            assert_eq!(whole(&store), vec![Covered { start_90k: t0, end_90k: t0 + (60 + d) * S }]);
        }
        assert_eq!(store.track_end("cam01").unwrap(), Some(t0 + 69 * S), "the open segment's end as indexed");
        assert_eq!(store.track_end("cam02").unwrap(), None);
        // Today's bytes count finished segments only: the recorder adds the open one's file size
        // itself (counting its row too gave `bytes_today` the open segment twice).
        assert_eq!(store.camera_figures("cam01", t0).unwrap(), (1000, Some(t0)));
        // Retention never picks the segment being written, even when it is the oldest left.
        assert_eq!(store.oldest_segments(10).unwrap().len(), 1);
        assert!(store.expired_segments("cam01", t0 + 1000 * S, 10).unwrap().iter().all(|s| s.id != open));
        // Finishing it (here shorter than last said, as after a failed write) fixes the coverage.
        store.update_segment(open, &seg(run, "cam01", 1, t0 + 60 * S, 8 * S, "b"), SegmentState::Ok).unwrap();
        assert_eq!(whole(&store), vec![Covered { start_90k: t0, end_90k: t0 + 68 * S }]);
        assert_eq!(store.oldest_segments(10).unwrap().len(), 2);
        assert_eq!(store.camera_figures("cam01", t0).unwrap().0, 2000);
        assert!(store.update_segment(999, &seg(run, "cam01", 9, t0, S, "x"), SegmentState::Ok).is_err());
    }

    #[test]
    fn recorded_around_finds_the_next_and_previous_recorded_instants_of_a_wall() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let t0 = Time90k(4_000_000 * 90_000);
        let r1 = store.begin_run("cam01", "main", t0).unwrap();
        store.insert_segment(&seg(r1, "cam01", 0, t0, 60 * S, "a")).unwrap();
        store.insert_segment(&seg(r1, "cam01", 1, t0 + 300 * S, 60 * S, "b")).unwrap();
        let r2 = store.begin_run("cam02", "main", t0).unwrap();
        store.insert_segment(&seg(r2, "cam02", 0, t0 + 200 * S, 10 * S, "c")).unwrap();
        let wall = vec!["cam01".to_string(), "cam02".to_string(), "cam03".to_string()];
        assert_eq!(store.recorded_around(&wall, t0 + 30 * S).unwrap(), (Some(t0 + 30 * S), Some(t0 + 30 * S)));
        // In the gap after cam01's first minute: cam02 comes first, cam01 was last.
        assert_eq!(store.recorded_around(&wall, t0 + 100 * S).unwrap(), (Some(t0 + 200 * S), Some(t0 + 60 * S - Duration90k(1))));
        assert_eq!(store.recorded_around(&wall, t0 + 250 * S).unwrap(), (Some(t0 + 300 * S), Some(t0 + 210 * S - Duration90k(1))));
        assert_eq!(store.recorded_around(&wall, t0 + 400 * S).unwrap(), (None, Some(t0 + 360 * S - Duration90k(1))));
        assert_eq!(store.recorded_around(&wall, t0 - S).unwrap(), (Some(t0), None));
        assert_eq!(store.recorded_around(&wall[2..], t0).unwrap(), (None, None));
    }

    #[test]
    fn the_keyframe_at_or_before_comes_from_the_index_blob() {
        use crate::store::keyframe_index::{Keyframe, KeyframeEntry, encode_keyframe_index};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let t0 = Time90k(2_000_000 * 90_000);
        let run = store.begin_run("cam01", "main", t0).unwrap();
        let blob = encode_keyframe_index(&[0, 1, 2].map(|i| KeyframeEntry { time_90k: i * 2 * 90_000, offset: 800 + i * 100_000 }));
        let mut s = seg(run, "cam01", 0, t0, 6 * S, "k");
        s.keyframe_index = &blob;
        store.insert_segment(&s).unwrap();
        let (_, k) = store.keyframe_at_or_before("cam01", t0 + 3 * S).unwrap().unwrap();
        assert_eq!(k, Keyframe { at_90k: t0 + 2 * S, offset: 100_800 });
        let (_, k) = store.keyframe_at_or_before("cam01", t0 + 4 * S).unwrap().unwrap();
        assert_eq!(k.offset, 200_800);
    }

    #[test]
    fn the_timeline_queries_are_served_by_the_camera_start_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let coverage = named_params! {":camera_id": "c", ":start_90k": 0, ":end_90k": 1};
        let overlapping = named_params! {":camera_id": "c", ":start_90k": 0, ":end_90k": 1, ":max_90k": 1, ":deleting": 1};
        let at = named_params! {":camera_id": "c", ":t_90k": 0, ":max_90k": 1, ":deleting": 1};
        let plan_of = |sql: &str, params: &[(&str, &dyn rusqlite::ToSql)]| -> Vec<String> {
            store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params, |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let plan = plan_of(SELECT_COVERAGE, coverage);
        assert!(plan.iter().any(|p| p.contains("USING INDEX coverage_by_camera_end (camera_id=? AND end_90k>?)")), "{plan:?}");
        for (name, sql, params) in
            [("segments overlapping", SELECT_SEGMENTS_OVERLAPPING, overlapping), ("segment at", SELECT_SEGMENT_AT, at)]
        {
            let plan = plan_of(sql, params);
            assert!(
                plan.iter().any(|p| p.contains("USING INDEX segment_by_camera_start (camera_id=? AND start_90k>? AND start_90k<?)")),
                "{name}: {plan:?}"
            );
        }
    }
}
