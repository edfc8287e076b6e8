//! Versioned migrations. Each step runs in its own transaction and bumps `PRAGMA user_version`.
//! A fresh database is made from `schema.sql` directly; `tests` below prove that upgrading step by
//! step from an empty file gives the same schema.

use rusqlite::Connection;

use super::StoreError;

/// The schema version `schema.sql` describes.
pub const SCHEMA_VERSION: i64 = 7;

/// Migration `i` upgrades version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first release: site, neighborhoods, cameras without credentials.
    r"
    CREATE TABLE site (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      name TEXT NOT NULL,
      timezone TEXT NOT NULL
    ) STRICT;
    CREATE TABLE neighborhood (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      colour_rgb INTEGER NOT NULL,
      sort_order INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE camera (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      neighborhood_id TEXT NOT NULL REFERENCES neighborhood (id),
      main_url TEXT NOT NULL,
      sub_url TEXT,
      enabled INTEGER NOT NULL,
      sort_order INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX camera_by_neighborhood ON camera (neighborhood_id, sort_order);
    ",
    // 1 -> 2: cameras that need a login.
    r"
    CREATE TABLE credential (
      id TEXT PRIMARY KEY,
      username TEXT NOT NULL,
      password TEXT NOT NULL
    ) STRICT;
    ALTER TABLE camera ADD COLUMN credential_id TEXT REFERENCES credential (id);
    ",
    // 2 -> 3: wall layouts saved by name.
    r"
    CREATE TABLE wall_layout (
      name TEXT PRIMARY KEY,
      layout TEXT NOT NULL,
      cameras_json TEXT NOT NULL,
      created_unix_ms INTEGER NOT NULL
    ) STRICT;
    ",
    // 3 -> 4: recording: per-camera settings, runs, segments, evidence locks.
    r"
    ALTER TABLE camera ADD COLUMN record_profile TEXT NOT NULL DEFAULT 'main';
    ALTER TABLE camera ADD COLUMN retain_days INTEGER;
    CREATE TABLE recording_run (
      id INTEGER PRIMARY KEY,
      camera_id TEXT NOT NULL,
      profile TEXT NOT NULL,
      start_90k INTEGER NOT NULL,
      end_90k INTEGER,
      end_reason TEXT
    ) STRICT;
    CREATE TABLE segment (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES recording_run (id),
      camera_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      start_90k INTEGER NOT NULL,
      duration_90k INTEGER NOT NULL,
      path TEXT NOT NULL UNIQUE,
      bytes INTEGER NOT NULL,
      frames INTEGER NOT NULL,
      codec TEXT NOT NULL,
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      keyframe_index BLOB NOT NULL,
      state INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX segment_by_camera_start ON segment (camera_id, start_90k);
    CREATE INDEX segment_by_run ON segment (run_id, seq);
    CREATE TABLE evidence_lock (
      id INTEGER PRIMARY KEY,
      camera_id TEXT,
      start_90k INTEGER NOT NULL,
      end_90k INTEGER NOT NULL,
      reason TEXT NOT NULL,
      created_unix_ms INTEGER NOT NULL
    ) STRICT;
    ",
    // 4 -> 5: merged coverage per camera, filled from the segments (gaps and islands).
    r"
    CREATE TABLE coverage (
      id INTEGER PRIMARY KEY,
      camera_id TEXT NOT NULL,
      start_90k INTEGER NOT NULL,
      end_90k INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX coverage_by_camera_end ON coverage (camera_id, end_90k);
    INSERT INTO coverage (camera_id, start_90k, end_90k)
    SELECT camera_id, min(start_90k), max(end_90k) FROM (
      SELECT camera_id, start_90k, end_90k, sum(is_new) OVER (PARTITION BY camera_id ORDER BY start_90k) AS island FROM (
        SELECT camera_id, start_90k, start_90k + duration_90k AS end_90k,
          CASE WHEN start_90k <= max(start_90k + duration_90k) OVER (
            PARTITION BY camera_id ORDER BY start_90k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
          THEN 0 ELSE 1 END AS is_new
        FROM segment WHERE state != 1))
    GROUP BY camera_id, island;
    ",
    // 5 -> 6: GUI settings.
    r"
    CREATE TABLE setting (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;
    ",
    // 6 -> 7: bookmarks, and locks that belong to them.
    r"
    CREATE TABLE bookmark (
      id INTEGER PRIMARY KEY,
      title TEXT NOT NULL,
      note TEXT NOT NULL,
      start_90k INTEGER NOT NULL,
      end_90k INTEGER NOT NULL,
      cameras_json TEXT NOT NULL,
      locked INTEGER NOT NULL,
      created_unix_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX bookmark_by_start ON bookmark (start_90k);
    ALTER TABLE evidence_lock ADD COLUMN bookmark_id INTEGER REFERENCES bookmark (id);
    ",
];

const SCHEMA_SQL: &str = include_str!("schema.sql");

/// Brings a database to `SCHEMA_VERSION`: creates it from `schema.sql` when empty, otherwise runs
/// the missing migrations one transaction at a time.
pub fn upgrade(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew { found: version, supported: SCHEMA_VERSION });
    }
    if version == 0 && is_empty(conn)? {
        let tx = conn.transaction()?;
        tx.execute_batch(SCHEMA_SQL)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        return Ok(());
    }
    migrate_from(conn, version)
}

fn migrate_from(conn: &mut Connection, mut version: i64) -> Result<(), StoreError> {
    while version < SCHEMA_VERSION {
        let tx = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[version as usize])?;
        version += 1;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "database migrated");
    }
    Ok(())
}

fn is_empty(conn: &Connection) -> Result<bool, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok(n == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tables with their columns (name, type, not-null, default, pk, foreign key) and indexes, sorted.
    fn describe(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut tables = conn
            .prepare("SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        let rows: Vec<(String, String, String)> =
            tables.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
        for (kind, name, table) in rows {
            if kind == "table" {
                let mut cols = conn.prepare(&format!("PRAGMA table_xinfo({name})")).unwrap();
                let c: Vec<String> = cols
                    .query_map([], |r| {
                        Ok(format!(
                            "{}.{} {} nn={} dflt={:?} pk={}",
                            name,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, i64>(5)?
                        ))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                out.extend(c);
                let mut fks = conn.prepare(&format!("PRAGMA foreign_key_list({name})")).unwrap();
                let f: Vec<String> = fks
                    .query_map([], |r| {
                        Ok(format!("{name} fk {}->{}.{}", r.get::<_, String>(3)?, r.get::<_, String>(2)?, r.get::<_, String>(4)?))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                out.extend(f);
                let strict: i64 = conn
                    .query_row("SELECT strict FROM pragma_table_list WHERE name = ?1", [&name], |r| r.get(0))
                    .unwrap();
                out.push(format!("{name} strict={strict}"));
            } else {
                let mut cols = conn.prepare(&format!("PRAGMA index_info({name})")).unwrap();
                let c: Vec<String> = cols.query_map([], |r| r.get::<_, String>(2)).unwrap().map(Result::unwrap).collect();
                out.push(format!("{kind} {name} on {table}({})", c.join(",")));
            }
        }
        out
    }

    #[test]
    fn migrated_database_equals_fresh_one() {
        let mut fresh = Connection::open_in_memory().unwrap();
        upgrade(&mut fresh).unwrap();
        let mut migrated = Connection::open_in_memory().unwrap();
        migrate_from(&mut migrated, 0).unwrap();
        assert_eq!(describe(&fresh), describe(&migrated));
        let v: i64 = migrated.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        assert!(describe(&fresh).len() > 10);
    }

    #[test]
    fn a_v1_database_with_data_upgrades_and_keeps_it() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(MIGRATIONS[0]).unwrap();
        tx.pragma_update(None, "user_version", 1).unwrap();
        tx.execute_batch(
            "INSERT INTO site VALUES (1, 'S', 'Asia/Ho_Chi_Minh');
             INSERT INTO neighborhood VALUES ('kp1', 'Khu phố 1', 255, 0);
             INSERT INTO camera VALUES ('c1', 'C', 'kp1', 'rtsp://h/m', NULL, 1, 0);",
        )
        .unwrap();
        tx.commit().unwrap();
        upgrade(&mut conn).unwrap();
        let (name, cred): (String, Option<String>) =
            conn.query_row("SELECT name, credential_id FROM camera", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!((name.as_str(), cred), ("C", None));
    }

    #[test]
    fn a_v4_database_with_segments_gets_its_coverage_merged() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 4);
        // cam1: two adjacent segments, a gap, one more, and one being deleted; cam2: one.
        conn.execute_batch(
            "INSERT INTO recording_run (id, camera_id, profile, start_90k) VALUES (1, 'cam1', 'main', 0), (2, 'cam2', 'main', 0);
             INSERT INTO segment (run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state) VALUES
               (1, 'cam1', 0, 0, 100, 'a', 1, 1, 'H264', 1, 1, x'', 0),
               (1, 'cam1', 1, 100, 100, 'b', 1, 1, 'H264', 1, 1, x'', 0),
               (1, 'cam1', 2, 300, 50, 'c', 1, 1, 'H264', 1, 1, x'', 2),
               (1, 'cam1', 3, 350, 50, 'd', 1, 1, 'H264', 1, 1, x'', 1),
               (2, 'cam2', 0, 10, 20, 'e', 1, 1, 'H264', 1, 1, x'', 0);",
        )
        .unwrap();
        upgrade(&mut conn).unwrap();
        let rows: Vec<(String, i64, i64)> = conn
            .prepare("SELECT camera_id, start_90k, end_90k FROM coverage ORDER BY camera_id, start_90k")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows, [("cam1".into(), 0, 200), ("cam1".into(), 300, 350), ("cam2".into(), 10, 30)]);
    }

    fn migrate_to(conn: &mut Connection, version: usize) {
        for (i, m) in MIGRATIONS.iter().take(version).enumerate() {
            let tx = conn.transaction().unwrap();
            tx.execute_batch(m).unwrap();
            tx.pragma_update(None, "user_version", i as i64 + 1).unwrap();
            tx.commit().unwrap();
        }
    }

    #[test]
    fn every_schema_column_has_a_comment() {
        for line in SCHEMA_SQL.lines() {
            let t = line.trim();
            let is_column = !t.is_empty()
                && !t.starts_with("--")
                && !t.starts_with("CREATE")
                && !t.starts_with(')');
            if is_column {
                assert!(t.contains("--"), "schema.sql column without a comment: {t}");
            }
        }
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(matches!(upgrade(&mut conn), Err(StoreError::TooNew { .. })));
    }
}
