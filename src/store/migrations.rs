//! Versioned migrations. Each step runs in its own transaction and bumps `PRAGMA user_version`.
//! A fresh database is made from `schema.sql` directly; `tests` below prove that upgrading step by
//! step from an empty file gives the same schema.

use rusqlite::Connection;

use super::StoreError;

/// The schema version `schema.sql` describes.
pub const SCHEMA_VERSION: i64 = 10;

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
    // 7 -> 8: CHECK constraints on the columns that hold a closed set of values (SQLite adds a
    // CHECK only by rebuilding the table: create, copy, drop, rename, re-index; foreign keys are
    // off during migrations and checked after each step). A row outside the set fails the copy,
    // and with it the whole step: nothing is half-migrated.
    r"
    CREATE TABLE camera_v8 (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      neighborhood_id TEXT NOT NULL REFERENCES neighborhood (id),
      main_url TEXT NOT NULL,
      sub_url TEXT,
      enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
      sort_order INTEGER NOT NULL,
      credential_id TEXT REFERENCES credential (id),
      record_profile TEXT NOT NULL DEFAULT 'main' CHECK (record_profile IN ('main', 'sub', 'off')),
      retain_days INTEGER CHECK (retain_days IS NULL OR retain_days > 0)
    ) STRICT;
    INSERT INTO camera_v8 SELECT id, name, neighborhood_id, main_url, sub_url, enabled, sort_order, credential_id, record_profile, retain_days FROM camera;
    DROP TABLE camera;
    ALTER TABLE camera_v8 RENAME TO camera;
    CREATE INDEX camera_by_neighborhood ON camera (neighborhood_id, sort_order);

    CREATE TABLE recording_run_v8 (
      id INTEGER PRIMARY KEY,
      camera_id TEXT NOT NULL,
      profile TEXT NOT NULL CHECK (profile IN ('main', 'sub')),
      start_90k INTEGER NOT NULL,
      end_90k INTEGER,
      end_reason TEXT
    ) STRICT;
    INSERT INTO recording_run_v8 SELECT id, camera_id, profile, start_90k, end_90k, end_reason FROM recording_run;
    DROP TABLE recording_run;
    ALTER TABLE recording_run_v8 RENAME TO recording_run;

    CREATE TABLE segment_v8 (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES recording_run (id),
      camera_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      start_90k INTEGER NOT NULL,
      duration_90k INTEGER NOT NULL CHECK (duration_90k >= 0),
      path TEXT NOT NULL UNIQUE,
      bytes INTEGER NOT NULL,
      frames INTEGER NOT NULL,
      codec TEXT NOT NULL CHECK (codec IN ('H264', 'H265')),
      width INTEGER NOT NULL,
      height INTEGER NOT NULL,
      keyframe_index BLOB NOT NULL,
      state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2, 3))
    ) STRICT;
    INSERT INTO segment_v8 SELECT id, run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state FROM segment;
    DROP TABLE segment;
    ALTER TABLE segment_v8 RENAME TO segment;
    CREATE INDEX segment_by_camera_start ON segment (camera_id, start_90k);
    CREATE INDEX segment_by_run ON segment (run_id, seq);

    CREATE TABLE bookmark_v8 (
      id INTEGER PRIMARY KEY,
      title TEXT NOT NULL,
      note TEXT NOT NULL,
      start_90k INTEGER NOT NULL,
      end_90k INTEGER NOT NULL CHECK (end_90k > start_90k),
      cameras_json TEXT NOT NULL,
      locked INTEGER NOT NULL CHECK (locked IN (0, 1)),
      created_unix_ms INTEGER NOT NULL
    ) STRICT;
    INSERT INTO bookmark_v8 SELECT id, title, note, start_90k, end_90k, cameras_json, locked, created_unix_ms FROM bookmark;
    DROP TABLE bookmark;
    ALTER TABLE bookmark_v8 RENAME TO bookmark;
    CREATE INDEX bookmark_by_start ON bookmark (start_90k);
    ",
    // 8 -> 9: alarms, their history, and every camera outage.
    r#"
-- Alarms ("cảnh báo", added in v9): one row per alarm, from raising to closing. The alarm runner
-- (in the process that records) writes the condition's columns; an officer's action writes the
-- state's columns, checked against the state the row has then.
CREATE TABLE alarm (
  id INTEGER PRIMARY KEY,                 -- alarm number, given by the engine, shown to the officer
  kind TEXT NOT NULL CHECK (kind IN ('offline', 'no_picture', 'frozen', 'video_loss', 'motion', 'recording', 'onvif')),  -- what happened
  camera_id TEXT,                         -- camera.id it concerns; NULL for the whole recorder (disk)
  subject TEXT NOT NULL,                  -- which one within kind and camera: the recording fault ("disk_full") or ONVIF topic; '' otherwise
  detail TEXT NOT NULL,                   -- what the producer said last, e.g. the offline reason; may be ''
  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 3),  -- 1 most urgent … 3 least
  began_90k INTEGER NOT NULL,             -- UTC when the condition began (before any debounce), 90 kHz units since 1970-01-01
  opened_90k INTEGER NOT NULL,            -- UTC when the alarm was raised, 90 kHz units since 1970-01-01
  last_triggered_90k INTEGER NOT NULL,    -- UTC when the condition last started again, 90 kHz units since 1970-01-01
  cleared_90k INTEGER,                    -- UTC when the condition ended, 90 kHz units since 1970-01-01; NULL while it lasts
  count INTEGER NOT NULL CHECK (count >= 1),  -- times the condition triggered while this alarm was open
  escalated INTEGER NOT NULL CHECK (escalated IN (0, 1)),  -- 1 = still new after the escalation delay: one priority up
  state TEXT NOT NULL CHECK (state IN ('new', 'acknowledged', 'on_hold', 'closed')),  -- where the officers' work stands
  state_by TEXT NOT NULL,                 -- who put it in this state; '' for new and for an automatic close
  state_90k INTEGER,                      -- UTC when it entered this state, 90 kHz units since 1970-01-01; NULL while new
  state_note TEXT NOT NULL,               -- the note written with this state; may be ''
  resolution TEXT CHECK (resolution IS NULL OR resolution IN ('incident', 'false_alarm', 'technical', 'test', 'auto')),  -- why it was closed; NULL while open
  acknowledged_by TEXT,                   -- who acknowledged it first (kept once closed); NULL if nobody did
  acknowledged_90k INTEGER                -- UTC of that first acknowledgement, 90 kHz units since 1970-01-01
) STRICT;

CREATE INDEX alarm_open ON alarm (state) WHERE state != 'closed';
CREATE INDEX alarm_by_opened ON alarm (opened_90k);
CREATE INDEX alarm_by_camera ON alarm (camera_id, began_90k);

-- Every change of every alarm, in order (added in v9): the shift report and the alarm's history.
CREATE TABLE alarm_event (
  id INTEGER PRIMARY KEY,                 -- order of the changes
  alarm_id INTEGER NOT NULL REFERENCES alarm (id),  -- the alarm changed
  at_90k INTEGER NOT NULL,                -- UTC when, 90 kHz units since 1970-01-01
  transition TEXT NOT NULL CHECK (transition IN ('raised', 'retriggered', 'cleared', 'escalated', 'acknowledged', 'on_hold', 'closed', 'auto_closed')),  -- what changed
  by TEXT NOT NULL,                       -- the officer; '' for the system
  note TEXT NOT NULL,                     -- the officer's note, or the detail the system had; may be ''
  count INTEGER NOT NULL,                 -- the alarm's count after the change
  priority INTEGER NOT NULL               -- the alarm's priority after the change (1–3)
) STRICT;

CREATE INDEX alarm_event_by_alarm ON alarm_event (alarm_id, id);

-- Periods a camera was offline, each one reported when it ended, alarmed or not (added in v9):
-- the timeline draws them, so a blip shorter than the debounce still shows.
CREATE TABLE outage (
  id INTEGER PRIMARY KEY,                 -- outage id
  camera_id TEXT NOT NULL,                -- camera.id
  start_90k INTEGER NOT NULL,             -- UTC start, 90 kHz units since 1970-01-01
  end_90k INTEGER NOT NULL CHECK (end_90k >= start_90k),  -- UTC end, 90 kHz units since 1970-01-01
  reason TEXT NOT NULL,                   -- the last offline reason, in English (views translate); may be ''
  alarm_id INTEGER REFERENCES alarm (id)  -- the offline alarm raised during it; NULL for a blip under the debounce
) STRICT;

CREATE INDEX outage_by_camera_end ON outage (camera_id, end_90k);
    "#,
    // 9 -> 10: motion intervals and the cells that moved each second.
    r#"
-- Intervals of motion on a camera's picture (added in v10): the timeline's motion strip.
CREATE TABLE motion (
  id INTEGER PRIMARY KEY,                 -- interval id
  camera_id TEXT NOT NULL,                -- camera.id
  start_90k INTEGER NOT NULL,             -- UTC when motion began, 90 kHz units since 1970-01-01
  end_90k INTEGER CHECK (end_90k IS NULL OR end_90k >= start_90k)  -- UTC when it ended, 90 kHz units since 1970-01-01; NULL while it lasts
) STRICT;

CREATE UNIQUE INDEX motion_by_camera_start ON motion (camera_id, start_90k);

-- Which cells moved, one row per camera and second with motion (added in v10): Smart Motion
-- Search ("when did anything move here?").
CREATE TABLE motion_second (
  camera_id TEXT NOT NULL,                -- camera.id
  second_90k INTEGER NOT NULL,            -- UTC start of the second, 90 kHz units since 1970-01-01
  cells BLOB NOT NULL CHECK (length(cells) = 18),  -- the 16x9 grid, bit row*16+col of byte bit/8 (least significant bit first), 1 = motion
  PRIMARY KEY (camera_id, second_90k)     -- one row per camera and second
) STRICT, WITHOUT ROWID;
    "#,
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

fn migrate_from(conn: &mut Connection, version: i64) -> Result<(), StoreError> {
    // Steps that rebuild a table drop it while others refer to it: foreign keys are off during
    // the migration (the pragma cannot change inside a transaction) and checked in each step.
    let foreign_keys: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = run_steps(conn, version);
    conn.pragma_update(None, "foreign_keys", foreign_keys)?;
    result
}

fn run_steps(conn: &mut Connection, mut version: i64) -> Result<(), StoreError> {
    while version < SCHEMA_VERSION {
        let tx = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[version as usize])?;
        let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if broken > 0 {
            return Err(StoreError::Migration { to: version + 1, message: format!("{broken} rows refer to rows that do not exist") });
        }
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
        let mut tables =
            conn.prepare("SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name").unwrap();
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
                let strict: i64 = conn.query_row("SELECT strict FROM pragma_table_list WHERE name = ?1", [&name], |r| r.get(0)).unwrap();
                out.push(format!("{name} strict={strict}"));
                let sql: String = conn.query_row("SELECT sql FROM sqlite_schema WHERE name = ?1", [&name], |r| r.get(0)).unwrap();
                out.extend(checks_of(&sql).into_iter().map(|c| format!("{name} {c}")));
            } else {
                let mut cols = conn.prepare(&format!("PRAGMA index_info({name})")).unwrap();
                let c: Vec<String> = cols.query_map([], |r| r.get::<_, String>(2)).unwrap().map(Result::unwrap).collect();
                out.push(format!("{kind} {name} on {table}({})", c.join(",")));
            }
        }
        out
    }

    /// The CHECK clauses of a CREATE TABLE statement, whitespace and comments removed.
    fn checks_of(sql: &str) -> Vec<String> {
        let sql: String = sql.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<Vec<_>>().join(" ");
        let mut out = Vec::new();
        let mut rest = sql.as_str();
        while let Some(at) = rest.find("CHECK (") {
            let body = &rest[at + "CHECK ".len()..];
            let mut depth = 0;
            let end = body
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(body.len(), |(i, _)| i + 1);
            out.push(format!("CHECK {}", body[..end].split_whitespace().collect::<Vec<_>>().join(" ")));
            rest = &body[end..];
        }
        out.sort();
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
            let is_column = !t.is_empty() && !t.starts_with("--") && !t.starts_with("CREATE") && !t.starts_with(')');
            if is_column {
                assert!(t.contains("--"), "schema.sql column without a comment: {t}");
            }
        }
    }

    #[test]
    fn closed_sets_are_checked_and_a_v7_database_upgrades_with_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        migrate_to(&mut conn, 7);
        conn.execute_batch(
            "INSERT INTO neighborhood VALUES ('kp1', 'Khu phố 1', 255, 0);
             INSERT INTO camera VALUES ('c1', 'C', 'kp1', 'rtsp://h/m', NULL, 1, 0, NULL, 'sub', 3);
             INSERT INTO recording_run (id, camera_id, profile, start_90k) VALUES (1, 'c1', 'sub', 0);
             INSERT INTO segment (run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state)
               VALUES (1, 'c1', 0, 0, 100, 'a', 1, 1, 'H264', 1, 1, x'', 3);
             INSERT INTO bookmark VALUES (1, 'T', '', 0, 100, '[]', 1, 0);
             INSERT INTO evidence_lock (camera_id, start_90k, end_90k, reason, created_unix_ms, bookmark_id) VALUES ('c1', 0, 100, 'T', 0, 1);",
        )
        .unwrap();
        upgrade(&mut conn).unwrap();
        let fk: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert!(fk, "foreign keys are back on after the migration");
        let kept: (String, i64, i64) = conn
            .query_row("SELECT c.record_profile, s.state, l.bookmark_id FROM camera c, segment s, evidence_lock l", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(kept, ("sub".into(), 3, 1));
        for bad in [
            "UPDATE segment SET state = 7",
            "UPDATE camera SET record_profile = 'both'",
            "UPDATE camera SET enabled = 2",
            "UPDATE recording_run SET profile = 'preview'",
            "UPDATE bookmark SET locked = 5",
        ] {
            let err = conn.execute(bad, []).unwrap_err().to_string();
            assert!(err.contains("CHECK constraint failed"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_row_outside_a_closed_set_stops_the_step_and_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 7);
        conn.execute_batch(
            "INSERT INTO recording_run (id, camera_id, profile, start_90k) VALUES (1, 'c1', 'main', 0);
             INSERT INTO segment (run_id, camera_id, seq, start_90k, duration_90k, path, bytes, frames, codec, width, height, keyframe_index, state)
               VALUES (1, 'c1', 0, 0, 100, 'a', 1, 1, 'H264', 1, 1, x'', 9);",
        )
        .unwrap();
        assert!(upgrade(&mut conn).is_err());
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 7, "the failed step left the database as it was");
        let state: i64 = conn.query_row("SELECT state FROM segment", [], |r| r.get(0)).unwrap();
        assert_eq!(state, 9);
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(matches!(upgrade(&mut conn), Err(StoreError::TooNew { .. })));
    }
}
