//! Motion as stored (`motion`, `motion_second`): the intervals the timeline draws as each
//! camera's motion strip, and for each second with motion the 16x9 cells that moved, which Smart
//! Motion Search reads ("when did anything move in this region?"). Written by the alarm runner
//! as motion begins, goes on and ends; pruned with the camera's recordings.

use rusqlite::named_params;

use super::{Store, StoreError};
use crate::core::motion_mask::MotionMask;
use crate::core::time::{Duration90k, Time90k};

/// An interval of motion on one camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotionInterval {
    pub camera: String,
    pub start_90k: Time90k,
    /// `None` while it lasts.
    pub end_90k: Option<Time90k>,
}

const INSERT_INTERVAL: &str = "INSERT INTO motion (camera_id, start_90k, end_90k) VALUES (:camera_id, :start_90k, :end_90k) \
     ON CONFLICT (camera_id, start_90k) DO UPDATE SET end_90k = coalesce(excluded.end_90k, end_90k)";
/// Seconds reported twice (a second split across two reports) keep the cells of both.
const INSERT_SECOND: &str = "INSERT INTO motion_second (camera_id, second_90k, cells) VALUES (:camera_id, :second_90k, :cells) \
     ON CONFLICT (camera_id, second_90k) DO UPDATE SET cells = :merged";
const SELECT_SECOND: &str = "SELECT cells FROM motion_second WHERE camera_id = :camera_id AND second_90k = :second_90k";
const SELECT_INTERVALS: &str = "SELECT camera_id, start_90k, end_90k FROM motion WHERE camera_id = :camera_id \
     AND start_90k < :to_90k AND (end_90k IS NULL OR end_90k > :from_90k) ORDER BY start_90k";
const SELECT_SECONDS: &str = "SELECT second_90k, cells FROM motion_second WHERE camera_id = :camera_id \
     AND second_90k >= :from_90k AND second_90k < :to_90k ORDER BY second_90k";
/// An interval a stopped recorder left open ends with its last second of motion (or where it began).
const CLOSE_UNFINISHED: &str = "UPDATE motion SET end_90k = max(start_90k, coalesce((SELECT max(s.second_90k) + 90000 \
     FROM motion_second s WHERE s.camera_id = motion.camera_id AND s.second_90k >= motion.start_90k - 90000), start_90k)) \
     WHERE end_90k IS NULL";

fn mask_of(bytes: &[u8]) -> MotionMask {
    let mut b = [0u8; MotionMask::BYTES];
    let n = bytes.len().min(MotionMask::BYTES);
    b[..n].copy_from_slice(&bytes[..n]);
    MotionMask::from_bytes(b)
}

impl Store {
    /// Records news of a motion interval on `camera`: that it began at `start` (kept once),
    /// that it ended (when `end` is given), and the cells of `seconds` (start of each second,
    /// cells that moved in it). One transaction.
    pub fn save_motion(
        &self,
        camera: &str,
        start: Time90k,
        end: Option<Time90k>,
        seconds: &[(Time90k, MotionMask)],
    ) -> Result<(), StoreError> {
        super::recordings::atomically(&self.conn, |tx| {
            tx.prepare_cached(INSERT_INTERVAL)?.execute(named_params! {":camera_id": camera, ":start_90k": start, ":end_90k": end})?;
            for (second, cells) in seconds {
                let old: Option<Vec<u8>> = tx
                    .prepare_cached(SELECT_SECOND)?
                    .query_row(named_params! {":camera_id": camera, ":second_90k": second}, |r| r.get(0))
                    .ok();
                let merged = old.map_or(*cells, |o| mask_of(&o) | *cells);
                tx.prepare_cached(INSERT_SECOND)?.execute(named_params! {
                    ":camera_id": camera, ":second_90k": second, ":cells": cells.to_bytes().as_slice(),
                    ":merged": merged.to_bytes().as_slice(),
                })?;
            }
            Ok(())
        })
    }

    /// Ends the intervals left open by a recorder that stopped mid-motion; returns how many.
    pub fn close_unfinished_motion(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute(CLOSE_UNFINISHED, [])?)
    }

    /// `camera`'s motion intervals that overlap [`from`, `to`), oldest first.
    pub fn motion_intervals(&self, camera: &str, from: Time90k, to: Time90k) -> Result<Vec<MotionInterval>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(SELECT_INTERVALS)?
            .query_map(named_params! {":camera_id": camera, ":from_90k": from, ":to_90k": to}, |r| {
                Ok(MotionInterval { camera: r.get(0)?, start_90k: r.get(1)?, end_90k: r.get(2)? })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Smart Motion Search: the seconds in [`from`, `to`) when something moved in `region` on
    /// `camera`, oldest first (an empty region matches any motion).
    pub fn motion_in_region(&self, camera: &str, from: Time90k, to: Time90k, region: MotionMask) -> Result<Vec<Time90k>, StoreError> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(SELECT_SECONDS)?;
        let mut rows = stmt.query(named_params! {":camera_id": camera, ":from_90k": from, ":to_90k": to})?;
        while let Some(r) = rows.next()? {
            let cells = mask_of(r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?);
            if region.is_empty() && !cells.is_empty() || cells.intersects(&region) {
                out.push(r.get(0)?);
            }
        }
        Ok(out)
    }

    /// Forgets `camera`'s motion before `before` (its recordings there are gone).
    pub fn prune_motion(&self, camera: &str, before: Time90k) -> Result<usize, StoreError> {
        super::recordings::atomically(&self.conn, |tx| {
            let seconds = tx.execute(
                "DELETE FROM motion_second WHERE camera_id = :camera_id AND second_90k < :before",
                named_params! {":camera_id": camera, ":before": before},
            )?;
            tx.execute(
                "DELETE FROM motion WHERE camera_id = :camera_id AND end_90k IS NOT NULL AND end_90k < :before",
                named_params! {":camera_id": camera, ":before": before - Duration90k::SECOND},
            )?;
            Ok(seconds)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration90k = Duration90k::SECOND;

    fn cells(list: &[(usize, usize)]) -> MotionMask {
        let mut m = MotionMask::EMPTY;
        list.iter().for_each(|&(c, r)| m.set(c, r, true));
        m
    }

    #[test]
    fn intervals_and_seconds_are_stored_merged_searched_and_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let t0 = Time90k::from_unix_secs(1_800_000_000);
        // Began; then two reports of seconds, the second sharing one second with the first; ended.
        store.save_motion("cam01", t0, None, &[]).unwrap();
        store.save_motion("cam01", t0, None, &[(t0, cells(&[(1, 1)])), (t0 + S, cells(&[(2, 1)]))]).unwrap();
        store.save_motion("cam01", t0, Some(t0 + 3 * S), &[(t0 + S, cells(&[(9, 7)])), (t0 + 2 * S, cells(&[(10, 7)]))]).unwrap();
        store.save_motion("cam02", t0 + 10 * S, None, &[(t0 + 10 * S, cells(&[(0, 0)]))]).unwrap();

        let got = store.motion_intervals("cam01", t0 - 60 * S, t0 + 60 * S).unwrap();
        assert_eq!(got, [MotionInterval { camera: "cam01".into(), start_90k: t0, end_90k: Some(t0 + 3 * S) }]);
        assert!(store.motion_intervals("cam01", t0 + 4 * S, t0 + 60 * S).unwrap().is_empty(), "ended before the window");
        assert_eq!(store.motion_intervals("cam02", t0, t0 + 60 * S).unwrap()[0].end_90k, None, "still going");

        // The bottom-right region moved in seconds 1 (merged) and 2; the top-left only in 0.
        let bottom_right = cells(&[(9, 7), (10, 7), (11, 7)]);
        assert_eq!(store.motion_in_region("cam01", t0, t0 + 60 * S, bottom_right).unwrap(), [t0 + S, t0 + 2 * S]);
        assert_eq!(store.motion_in_region("cam01", t0, t0 + 60 * S, cells(&[(1, 1)])).unwrap(), [t0]);
        assert_eq!(store.motion_in_region("cam01", t0, t0 + 60 * S, cells(&[(2, 1)])).unwrap(), [t0 + S], "merged, not replaced");
        assert_eq!(store.motion_in_region("cam01", t0, t0 + 60 * S, MotionMask::EMPTY).unwrap().len(), 3, "any motion");
        assert!(store.motion_in_region("cam01", t0, t0 + 60 * S, cells(&[(15, 0)])).unwrap().is_empty());

        // A recorder that stopped mid-motion: the interval ends after its last second.
        assert_eq!(store.close_unfinished_motion().unwrap(), 1);
        assert_eq!(store.motion_intervals("cam02", t0, t0 + 60 * S).unwrap()[0].end_90k, Some(t0 + 11 * S));

        assert_eq!(store.prune_motion("cam01", t0 + 2 * S).unwrap(), 2);
        assert_eq!(store.motion_in_region("cam01", t0, t0 + 60 * S, MotionMask::EMPTY).unwrap(), [t0 + 2 * S]);
        assert_eq!(store.motion_intervals("cam01", t0, t0 + 60 * S).unwrap().len(), 1, "the interval reaches past the cut: kept");
        assert_eq!(store.prune_motion("cam01", t0 + 10 * S).unwrap(), 1);
        assert!(store.motion_intervals("cam01", t0, t0 + 60 * S).unwrap().is_empty());
    }
}
