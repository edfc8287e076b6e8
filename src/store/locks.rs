//! Ranges locked as evidence (`evidence_lock`): retention never deletes a segment that overlaps
//! one of its camera (or of every camera).

use rusqlite::named_params;

use super::{Store, StoreError};
use crate::core::time::Time90k;

const INSERT_LOCK: &str = "INSERT INTO evidence_lock (camera_id, start_90k, end_90k, reason, created_unix_ms) \
     VALUES (:camera_id, :start_90k, :end_90k, :reason, :created_unix_ms)";
const DELETE_LOCK: &str = "DELETE FROM evidence_lock WHERE id = :id";
const SELECT_LOCKS: &str = "SELECT id, camera_id, start_90k, end_90k, reason, created_unix_ms FROM evidence_lock ORDER BY start_90k";
const SELECT_IS_LOCKED: &str = "SELECT EXISTS (SELECT 1 FROM evidence_lock \
     WHERE (camera_id IS NULL OR camera_id = :camera_id) AND start_90k < :end_90k AND end_90k > :start_90k)";

/// A range retention must not delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceLock {
    pub id: i64,
    /// `None` locks every camera.
    pub camera_id: Option<String>,
    pub start_90k: Time90k,
    pub end_90k: Time90k,
    pub reason: String,
    pub created_unix_ms: i64,
}

impl Store {
    pub fn add_lock(&self, camera_id: Option<&str>, start_90k: Time90k, end_90k: Time90k, reason: &str) -> Result<i64, StoreError> {
        self.conn.execute(
            INSERT_LOCK,
            named_params! {":camera_id": camera_id, ":start_90k": start_90k, ":end_90k": end_90k, ":reason": reason,
            ":created_unix_ms": (crate::core::time::unix_now_ns() / 1_000_000) as i64},
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn remove_lock(&self, id: i64) -> Result<(), StoreError> {
        self.conn.execute(DELETE_LOCK, named_params! {":id": id})?;
        Ok(())
    }

    pub fn locks(&self) -> Result<Vec<EvidenceLock>, StoreError> {
        Ok(self
            .conn
            .prepare(SELECT_LOCKS)?
            .query_map([], |r| {
                Ok(EvidenceLock {
                    id: r.get(0)?,
                    camera_id: r.get(1)?,
                    start_90k: r.get(2)?,
                    end_90k: r.get(3)?,
                    reason: r.get(4)?,
                    created_unix_ms: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Does a lock cover any part of [start, end) of this camera?
    pub fn is_locked(&self, camera_id: &str, start_90k: Time90k, end_90k: Time90k) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(SELECT_IS_LOCKED)?
            .query_row(named_params! {":camera_id": camera_id, ":start_90k": start_90k, ":end_90k": end_90k}, |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_cover_overlapping_ranges_of_their_camera_or_all() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        store.add_lock(Some("cam01"), Time90k(100), Time90k(200), "Trộm xe máy").unwrap();
        assert!(store.is_locked("cam01", Time90k(150), Time90k(300)).unwrap());
        assert!(!store.is_locked("cam01", Time90k(200), Time90k(300)).unwrap(), "end is exclusive");
        assert!(!store.is_locked("cam02", Time90k(150), Time90k(160)).unwrap());
        let all = store.add_lock(None, Time90k(1000), Time90k(2000), "Tai nạn").unwrap();
        assert!(store.is_locked("cam02", Time90k(1500), Time90k(1600)).unwrap());
        store.remove_lock(all).unwrap();
        assert!(!store.is_locked("cam02", Time90k(1500), Time90k(1600)).unwrap());
    }
}
