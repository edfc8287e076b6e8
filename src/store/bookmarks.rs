//! Bookmarks (incidents marked on the timeline): title, note, range, cameras; a bookmark may lock
//! its range from retention (one `evidence_lock` row per camera, tied to the bookmark).

use rusqlite::named_params;

use super::{Store, StoreError};
use crate::core::time::Time90k;

const INSERT_BOOKMARK: &str = "INSERT INTO bookmark (title, note, start_90k, end_90k, cameras_json, locked, created_unix_ms) \
     VALUES (:title, :note, :start_90k, :end_90k, :cameras_json, :locked, :created_unix_ms)";
const INSERT_BOOKMARK_LOCK: &str = "INSERT INTO evidence_lock (camera_id, start_90k, end_90k, reason, created_unix_ms, bookmark_id) \
     VALUES (:camera_id, :start_90k, :end_90k, :reason, :created_unix_ms, :bookmark_id)";
const DELETE_BOOKMARK_LOCKS: &str = "DELETE FROM evidence_lock WHERE bookmark_id = :id";
const DELETE_BOOKMARK: &str = "DELETE FROM bookmark WHERE id = :id";
const SET_BOOKMARK_LOCKED: &str = "UPDATE bookmark SET locked = :locked WHERE id = :id";
const SELECT_BOOKMARK: &str =
    "SELECT id, title, note, start_90k, end_90k, cameras_json, locked, created_unix_ms FROM bookmark WHERE id = :id";
/// Newest first; text matches title or note (SQLite's LIKE: case-insensitive for ASCII only).
const SEARCH_BOOKMARKS: &str = "SELECT id, title, note, start_90k, end_90k, cameras_json, locked, created_unix_ms FROM bookmark \
     WHERE (title LIKE :pattern OR note LIKE :pattern) AND end_90k > :from_90k AND start_90k < :to_90k \
     ORDER BY start_90k DESC LIMIT 500";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmark {
    pub id: i64,
    pub title: String,
    pub note: String,
    pub start_90k: Time90k,
    pub end_90k: Time90k,
    pub cameras: Vec<String>,
    pub locked: bool,
    pub created_unix_ms: i64,
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Bookmark> {
    let cameras: String = r.get(5)?;
    Ok(Bookmark {
        id: r.get(0)?,
        title: r.get(1)?,
        note: r.get(2)?,
        start_90k: r.get(3)?,
        end_90k: r.get(4)?,
        cameras: serde_json::from_str(&cameras).unwrap_or_default(),
        locked: r.get::<_, i64>(6)? != 0,
        created_unix_ms: r.get(7)?,
    })
}

impl Store {
    /// Saves a bookmark (and, when `locked`, a lock of its range per camera) in one transaction.
    pub fn add_bookmark(
        &self,
        title: &str,
        note: &str,
        cameras: &[String],
        start_90k: Time90k,
        end_90k: Time90k,
        locked: bool,
    ) -> Result<i64, StoreError> {
        if title.trim().is_empty() || end_90k <= start_90k || cameras.is_empty() {
            return Err(StoreError::InvalidSite("a bookmark needs a title, a range and at least one camera".into()));
        }
        let now_ms = (crate::core::time::unix_now_ns() / 1_000_000) as i64;
        self.in_transaction(|s| {
            s.conn.execute(
                INSERT_BOOKMARK,
                named_params! {":title": title.trim(), ":note": note, ":start_90k": start_90k, ":end_90k": end_90k,
                ":cameras_json": serde_json::to_string(cameras).unwrap_or_else(|_| "[]".into()), ":locked": locked as i64,
                ":created_unix_ms": now_ms},
            )?;
            let id = s.conn.last_insert_rowid();
            if locked {
                s.lock_bookmark_range(id, title.trim(), cameras, start_90k, end_90k, now_ms)?;
            }
            Ok(id)
        })
    }

    fn lock_bookmark_range(
        &self,
        id: i64,
        title: &str,
        cameras: &[String],
        start_90k: Time90k,
        end_90k: Time90k,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        for camera in cameras {
            self.conn.execute(
                INSERT_BOOKMARK_LOCK,
                named_params! {":camera_id": camera, ":start_90k": start_90k, ":end_90k": end_90k, ":reason": title,
                ":created_unix_ms": now_ms, ":bookmark_id": id},
            )?;
        }
        Ok(())
    }

    pub fn bookmark(&self, id: i64) -> Result<Option<Bookmark>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self.conn.query_row(SELECT_BOOKMARK, named_params! {":id": id}, from_row).optional()?)
    }

    /// Locks or unlocks a bookmark's range.
    pub fn set_bookmark_locked(&self, id: i64, locked: bool) -> Result<(), StoreError> {
        let Some(b) = self.bookmark(id)? else { return Ok(()) };
        let now_ms = (crate::core::time::unix_now_ns() / 1_000_000) as i64;
        self.in_transaction(|s| {
            s.conn.execute(DELETE_BOOKMARK_LOCKS, named_params! {":id": id})?;
            if locked {
                s.lock_bookmark_range(id, &b.title, &b.cameras, b.start_90k, b.end_90k, now_ms)?;
            }
            s.conn.execute(SET_BOOKMARK_LOCKED, named_params! {":id": id, ":locked": locked as i64})?;
            Ok(())
        })
    }

    pub fn delete_bookmark(&self, id: i64) -> Result<(), StoreError> {
        self.in_transaction(|s| {
            s.conn.execute(DELETE_BOOKMARK_LOCKS, named_params! {":id": id})?;
            s.conn.execute(DELETE_BOOKMARK, named_params! {":id": id})?;
            Ok(())
        })
    }

    /// Bookmarks whose title or note contains `text` and that overlap [from, to), newest first.
    pub fn search_bookmarks(&self, text: &str, from_90k: Time90k, to_90k: Time90k) -> Result<Vec<Bookmark>, StoreError> {
        let escaped = text.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let sql = SEARCH_BOOKMARKS.replace("LIKE :pattern", "LIKE :pattern ESCAPE '\\'");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(named_params! {":pattern": pattern, ":from_90k": from_90k, ":to_90k": to_90k}, from_row)?
            .collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_bookmark_protects_its_range_until_unlocked_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let cams = vec!["cam01".to_string(), "cam02".to_string()];
        let id =
            store.add_bookmark("Trộm xe máy chợ trung tâm", "2 đối tượng, xe Wave đỏ", &cams, Time90k(1000), Time90k(2000), true).unwrap();
        assert!(
            store.is_locked("cam01", Time90k(1500), Time90k(1600)).unwrap() && store.is_locked("cam02", Time90k(0), Time90k(1001)).unwrap()
        );
        assert!(!store.is_locked("cam03", Time90k(1500), Time90k(1600)).unwrap());
        store.set_bookmark_locked(id, false).unwrap();
        assert!(!store.is_locked("cam01", Time90k(1500), Time90k(1600)).unwrap());
        assert!(!store.bookmark(id).unwrap().unwrap().locked);
        store.set_bookmark_locked(id, true).unwrap();
        assert!(store.is_locked("cam01", Time90k(1500), Time90k(1600)).unwrap());
        store.delete_bookmark(id).unwrap();
        assert!(!store.is_locked("cam01", Time90k(1500), Time90k(1600)).unwrap());
        assert!(store.bookmark(id).unwrap().is_none());
        assert!(store.add_bookmark(" ", "", &cams, Time90k(0), Time90k(1), false).is_err(), "a title is required");
    }

    #[test]
    fn bookmarks_are_found_by_text_and_date() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let cams = vec!["cam01".to_string()];
        store.add_bookmark("Trộm xe máy chợ trung tâm", "", &cams, Time90k(100), Time90k(200), false).unwrap();
        store.add_bookmark("Tai nạn ngã tư", "xe tải va chạm xe máy", &cams, Time90k(1000), Time90k(1100), false).unwrap();
        store.add_bookmark("Đánh nhau 50%", "", &cams, Time90k(5000), Time90k(5100), false).unwrap();
        let titles = |v: Vec<Bookmark>| v.into_iter().map(|b| b.title).collect::<Vec<_>>();
        assert_eq!(
            titles(store.search_bookmarks("xe máy", Time90k(0), Time90k(10_000)).unwrap()),
            ["Tai nạn ngã tư", "Trộm xe máy chợ trung tâm"]
        );
        assert_eq!(titles(store.search_bookmarks("", Time90k(900), Time90k(2000)).unwrap()), ["Tai nạn ngã tư"], "by date");
        assert_eq!(titles(store.search_bookmarks("50%", Time90k(0), Time90k(10_000)).unwrap()), ["Đánh nhau 50%"], "% is literal");
        assert_eq!(store.search_bookmarks("%", Time90k(0), Time90k(10_000)).unwrap().len(), 1);
    }
}
