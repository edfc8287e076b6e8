//! Recorded stretches per camera (`coverage`): adjacent segments merged, kept in step with the
//! `segment` rows in the same savepoints, so the timeline reads a few rows per camera for a
//! 30-day window.

use rusqlite::{OptionalExtension, named_params};

use super::{Store, StoreError};
use crate::core::time::{Duration90k, Time90k};

pub(super) const SELECT_COVERAGE: &str = "SELECT start_90k, end_90k FROM coverage \
     WHERE camera_id = :camera_id AND end_90k > :start_90k AND start_90k < :end_90k ORDER BY start_90k";
/// Stretches that touch or overlap [start, end] (to merge a new segment in).
const SELECT_COVERAGE_TOUCHING: &str = "SELECT id, start_90k, end_90k FROM coverage \
     WHERE camera_id = :camera_id AND end_90k >= :start_90k AND start_90k <= :end_90k";
/// Stretches that overlap [start, end) (to cut a deleted segment out).
const SELECT_COVERAGE_OVERLAPPING: &str = "SELECT id, start_90k, end_90k FROM coverage \
     WHERE camera_id = :camera_id AND end_90k > :start_90k AND start_90k < :end_90k";
/// The first stretch of a camera that ends after an instant (holds it, or comes next).
const SELECT_COVERAGE_FROM: &str = "SELECT start_90k, end_90k FROM coverage \
     WHERE camera_id = :camera_id AND end_90k > :t_90k ORDER BY end_90k LIMIT 1";
/// The last stretch of a camera that ends at or before an instant.
const SELECT_COVERAGE_BEFORE: &str = "SELECT start_90k, end_90k FROM coverage \
     WHERE camera_id = :camera_id AND end_90k <= :t_90k ORDER BY end_90k DESC LIMIT 1";
const DELETE_COVERAGE: &str = "DELETE FROM coverage WHERE id = :id";
const INSERT_COVERAGE: &str = "INSERT INTO coverage (camera_id, start_90k, end_90k) VALUES (:camera_id, :start_90k, :end_90k)";

/// A stretch of time with recordings, [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covered {
    pub start_90k: Time90k,
    pub end_90k: Time90k,
}

pub(super) fn coverage_add(conn: &rusqlite::Connection, camera_id: &str, start_90k: Time90k, end_90k: Time90k) -> Result<(), StoreError> {
    let touching: Vec<(i64, Time90k, Time90k)> = conn
        .prepare_cached(SELECT_COVERAGE_TOUCHING)?
        .query_map(named_params! {":camera_id": camera_id, ":start_90k": start_90k, ":end_90k": end_90k}, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let (mut s, mut e) = (start_90k, end_90k);
    for (id, a, b) in touching {
        s = s.min(a);
        e = e.max(b);
        conn.prepare_cached(DELETE_COVERAGE)?.execute(named_params! {":id": id})?;
    }
    conn.prepare_cached(INSERT_COVERAGE)?.execute(named_params! {":camera_id": camera_id, ":start_90k": s, ":end_90k": e})?;
    Ok(())
}

/// Cuts [start, end) out of a camera's coverage (splitting a stretch when needed).
pub(super) fn coverage_remove(
    conn: &rusqlite::Connection,
    camera_id: &str,
    start_90k: Time90k,
    end_90k: Time90k,
) -> Result<(), StoreError> {
    let overlapping: Vec<(i64, Time90k, Time90k)> = conn
        .prepare_cached(SELECT_COVERAGE_OVERLAPPING)?
        .query_map(named_params! {":camera_id": camera_id, ":start_90k": start_90k, ":end_90k": end_90k}, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (id, a, b) in overlapping {
        conn.prepare_cached(DELETE_COVERAGE)?.execute(named_params! {":id": id})?;
        for (s, e) in [(a, start_90k.min(b)), (end_90k.max(a), b)] {
            if s < e {
                conn.prepare_cached(INSERT_COVERAGE)?.execute(named_params! {":camera_id": camera_id, ":start_90k": s, ":end_90k": e})?;
            }
        }
    }
    Ok(())
}

impl Store {
    /// Recorded stretches of one camera within [start, end), adjacent segments merged: what the
    /// timeline draws (the holes are gaps).
    pub fn coverage(&self, camera_id: &str, start_90k: Time90k, end_90k: Time90k) -> Result<Vec<Covered>, StoreError> {
        let mut stmt = self.conn.prepare_cached(SELECT_COVERAGE)?;
        let rows = stmt.query_map(named_params! {":camera_id": camera_id, ":start_90k": start_90k, ":end_90k": end_90k}, |r| {
            Ok((r.get::<_, Time90k>(0)?, r.get::<_, Time90k>(1)?))
        })?;
        let mut out: Vec<Covered> = Vec::new();
        for row in rows {
            let (s, e) = row?;
            let (s, e) = (s.max(start_90k), e.min(end_90k));
            match out.last_mut() {
                Some(last) if s <= last.end_90k => last.end_90k = last.end_90k.max(e),
                _ => out.push(Covered { start_90k: s, end_90k: e }),
            }
        }
        Ok(out)
    }

    /// (earliest recorded instant at or after `t_90k`, latest at or before it) over `cameras`:
    /// both are `t_90k` when one of them recorded it; playback skips gaps with them.
    pub fn recorded_around(&self, cameras: &[String], t_90k: Time90k) -> Result<(Option<Time90k>, Option<Time90k>), StoreError> {
        let (mut next, mut prev): (Option<Time90k>, Option<Time90k>) = (None, None);
        for camera in cameras {
            let from: Option<(Time90k, Time90k)> = self
                .conn
                .prepare_cached(SELECT_COVERAGE_FROM)?
                .query_row(named_params! {":camera_id": camera, ":t_90k": t_90k}, |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((start, _)) = from {
                let n = start.max(t_90k);
                next = Some(next.map_or(n, |x| x.min(n)));
                if start <= t_90k {
                    prev = Some(t_90k);
                    continue;
                }
            }
            let before: Option<Time90k> = self
                .conn
                .prepare_cached(SELECT_COVERAGE_BEFORE)?
                .query_row(named_params! {":camera_id": camera, ":t_90k": t_90k}, |r| r.get(1))
                .optional()?;
            if let Some(end) = before {
                // The stretch is [start, end): its last recorded instant is just before `end`.
                let p = end - Duration90k(1);
                prev = Some(prev.map_or(p, |x| x.max(p)));
            }
        }
        Ok((next, prev))
    }
}
