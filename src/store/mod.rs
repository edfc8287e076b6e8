//! The SQLite store of a data dir (`vigil.sqlite`): the site today, recordings later.
//! WAL mode so the GUI reads while a recorder writes. SQL lives in named constants.

pub mod alarms;
pub mod bookmarks;
pub mod coverage;
pub mod keyframe_index;
pub mod locks;
mod migrations;
pub mod motion;
pub mod recordings;
mod settings;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, named_params};

use crate::core::site::{Camera, Credential, Neighborhood, Rgb, Site, StreamProfile};
use crate::core::time::{Duration90k, Time90k};

pub use migrations::SCHEMA_VERSION;

/// 90 kHz instants and spans are stored as plain integers (`*_90k` columns, see schema.sql).
impl rusqlite::ToSql for Time90k {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.0.into())
    }
}

impl rusqlite::types::FromSql for Time90k {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(value).map(Time90k)
    }
}

impl rusqlite::ToSql for Duration90k {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.0.into())
    }
}

impl rusqlite::types::FromSql for Duration90k {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(value).map(Duration90k)
    }
}

/// File name of the database inside a data dir.
pub const DB_FILE_NAME: &str = "vigil.sqlite";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create data dir {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("the database has schema version {found}, newer than this Vigil understands ({supported}); upgrade Vigil")]
    TooNew { found: i64, supported: i64 },
    #[error("cannot upgrade the database to version {to}: {message}")]
    Migration { to: i64, message: String },
    #[error("invalid site: {0}")]
    InvalidSite(String),
    /// An officer's action on an alarm was refused (nothing changed).
    #[error("{0}")]
    Alarm(#[from] crate::core::alarm::ActionError),
}

pub struct Store {
    conn: Connection,
}

const SELECT_SITE: &str = "SELECT name, timezone FROM site WHERE id = 1";
const SELECT_NEIGHBORHOODS: &str = "SELECT id, name, colour_rgb FROM neighborhood ORDER BY sort_order, id";
const SELECT_CAMERAS: &str = "SELECT id, name, neighborhood_id, main_url, sub_url, credential_id, enabled, record_profile, retain_days FROM camera ORDER BY sort_order, id";
const SELECT_CREDENTIALS: &str = "SELECT id, username, password FROM credential ORDER BY id";
const DELETE_SITE: &str = "DELETE FROM camera; DELETE FROM credential; DELETE FROM neighborhood; DELETE FROM site;";
const INSERT_SITE: &str = "INSERT INTO site (id, name, timezone) VALUES (1, :name, :timezone)";
const INSERT_NEIGHBORHOOD: &str =
    "INSERT INTO neighborhood (id, name, colour_rgb, sort_order) VALUES (:id, :name, :colour_rgb, :sort_order)";
const INSERT_CREDENTIAL: &str = "INSERT INTO credential (id, username, password) VALUES (:id, :username, :password)";
const INSERT_CAMERA: &str = "INSERT INTO camera (id, name, neighborhood_id, main_url, sub_url, enabled, sort_order, credential_id, record_profile, retain_days) \
     VALUES (:id, :name, :neighborhood_id, :main_url, :sub_url, :enabled, :sort_order, :credential_id, :record_profile, :retain_days)";

const SELECT_LAYOUTS: &str = "SELECT name, layout, cameras_json FROM wall_layout ORDER BY created_unix_ms, name";
const UPSERT_LAYOUT: &str = "INSERT INTO wall_layout (name, layout, cameras_json, created_unix_ms) \
     VALUES (:name, :layout, :cameras_json, :created_unix_ms) \
     ON CONFLICT (name) DO UPDATE SET layout = excluded.layout, cameras_json = excluded.cameras_json";
const DELETE_LAYOUT: &str = "DELETE FROM wall_layout WHERE name = :name";

/// A wall layout saved by name: a standard layout and the camera of each tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedLayout {
    pub name: String,
    pub layout: String,
    pub cameras: Vec<Option<String>>,
}

impl Store {
    /// Opens (creating if needed) the database of a data dir and brings its schema up to date.
    /// Opens the store of a data dir, creating the dir if needed. A new data dir is private to
    /// its user (0700): it holds camera passwords and the recordings. An existing one keeps its
    /// mode (an installation may share it through a group).
    pub fn open_dir(data_dir: &Path) -> Result<Self, StoreError> {
        crate::paths::create_data_dir(data_dir).map_err(|source| StoreError::DataDir { path: data_dir.to_path_buf(), source })?;
        Self::open(&data_dir.join(DB_FILE_NAME))
    }

    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "wal")?;
        conn.pragma_update(None, "foreign_keys", "on")?;
        conn.pragma_update(None, "synchronous", "normal")?;
        migrations::upgrade(&mut conn)?;
        Ok(Self { conn })
    }

    /// The configured site, or `None` when none has been imported yet.
    pub fn load_site(&self) -> Result<Option<Site>, StoreError> {
        let Some((name, timezone)) =
            self.conn.query_row(SELECT_SITE, [], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).optional()?
        else {
            return Ok(None);
        };
        let neighborhoods = self
            .conn
            .prepare(SELECT_NEIGHBORHOODS)?
            .query_map([], |r| Ok(Neighborhood { id: r.get(0)?, name: r.get(1)?, colour: Rgb(r.get::<_, u32>(2)?) }))?
            .collect::<Result<Vec<_>, _>>()?;
        let cameras = self
            .conn
            .prepare(SELECT_CAMERAS)?
            .query_map([], |r| {
                Ok(Camera {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    neighborhood: r.get(2)?,
                    main_url: r.get(3)?,
                    sub_url: r.get(4)?,
                    credential: r.get(5)?,
                    enabled: r.get::<_, i64>(6)? != 0,
                    record: StreamProfile::parse(&r.get::<_, String>(7)?),
                    retain_days: r.get(8)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let credentials = self
            .conn
            .prepare(SELECT_CREDENTIALS)?
            .query_map([], |r| Ok(Credential { id: r.get(0)?, username: r.get(1)?, password: r.get(2)? }))?
            .collect::<Result<Vec<_>, _>>()?;
        let timezone = crate::core::sitefile::parse_timezone(&timezone)
            .map_err(|e| StoreError::InvalidSite(format!("site: field `timezone`: {e}")))?;
        Ok(Some(Site { name, timezone, neighborhoods, cameras, credentials }))
    }

    /// Replaces the whole site in one transaction: on any error nothing changes.
    pub fn replace_site(&mut self, site: &Site) -> Result<(), StoreError> {
        site.validate().map_err(|errors| StoreError::InvalidSite(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
        let tx = self.conn.transaction()?;
        tx.execute_batch(DELETE_SITE)?;
        tx.execute(INSERT_SITE, named_params! {":name": site.name, ":timezone": site.timezone.name()})?;
        {
            let mut stmt = tx.prepare(INSERT_NEIGHBORHOOD)?;
            for (i, n) in site.neighborhoods.iter().enumerate() {
                stmt.execute(named_params! {":id": n.id, ":name": n.name, ":colour_rgb": n.colour.0, ":sort_order": i as i64})?;
            }
            let mut stmt = tx.prepare(INSERT_CREDENTIAL)?;
            for c in &site.credentials {
                stmt.execute(named_params! {":id": c.id, ":username": c.username, ":password": c.password})?;
            }
            let mut stmt = tx.prepare(INSERT_CAMERA)?;
            for (i, c) in site.cameras.iter().enumerate() {
                stmt.execute(named_params! {
                    ":id": c.id, ":name": c.name, ":neighborhood_id": c.neighborhood, ":main_url": c.main_url,
                    ":sub_url": c.sub_url, ":enabled": c.enabled as i64, ":sort_order": i as i64,
                    ":credential_id": c.credential,
                    ":record_profile": c.record.map_or("off", StreamProfile::as_str), ":retain_days": c.retain_days,
                })?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Saves (or replaces) a named layout.
    pub fn save_layout(&mut self, saved: &SavedLayout) -> Result<(), StoreError> {
        if saved.name.trim().is_empty() {
            return Err(StoreError::InvalidSite("a layout needs a name".into()));
        }
        let cameras_json = serde_json::to_string(&saved.cameras).unwrap_or_else(|_| "[]".into());
        self.conn.execute(
            UPSERT_LAYOUT,
            named_params! {
                ":name": saved.name.trim(), ":layout": saved.layout, ":cameras_json": cameras_json,
                ":created_unix_ms": (crate::core::time::unix_now_ns() / 1_000_000) as i64,
            },
        )?;
        Ok(())
    }

    /// Saved layouts, oldest first. A row that cannot be read is skipped with a warning.
    pub fn load_layouts(&self) -> Result<Vec<SavedLayout>, StoreError> {
        let rows = self
            .conn
            .prepare(SELECT_LAYOUTS)?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, layout, json)| match serde_json::from_str::<Vec<Option<String>>>(&json) {
                Ok(cameras) => Some(SavedLayout { name, layout, cameras }),
                Err(e) => {
                    tracing::warn!(layout = name, "saved layout unreadable, skipped: {e}");
                    None
                }
            })
            .collect())
    }

    pub fn delete_layout(&mut self, name: &str) -> Result<(), StoreError> {
        self.conn.execute(DELETE_LAYOUT, named_params! {":name": name})?;
        Ok(())
    }

    pub fn journal_mode(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sitefile::{DEMO_TOWN_TOML, parse_site_toml};

    #[test]
    fn a_new_data_dir_is_private_and_an_existing_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let new = parent.path().join("vigil");
        Store::open_dir(&new).unwrap();
        assert_eq!(std::fs::metadata(&new).unwrap().permissions().mode() & 0o777, 0o700);
        let shared = parent.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o750)).unwrap();
        Store::open_dir(&shared).unwrap();
        assert_eq!(std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777, 0o750);
    }

    #[test]
    fn site_round_trips_through_a_real_file_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let site = parse_site_toml(DEMO_TOWN_TOML).unwrap();
        {
            let mut store = Store::open_dir(dir.path()).unwrap();
            assert_eq!(store.load_site().unwrap(), None);
            store.replace_site(&site).unwrap();
        }
        let store = Store::open_dir(dir.path()).unwrap();
        assert_eq!(store.journal_mode().unwrap(), "wal");
        assert_eq!(store.load_site().unwrap(), Some(site));
    }

    #[test]
    fn layouts_round_trip_and_replace_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = SavedLayout {
            name: "Chợ đêm".into(),
            layout: "2x2".into(),
            cameras: vec![Some("cam01".into()), None, Some("cam07".into()), None],
        };
        let b = SavedLayout { name: "Cầu".into(), layout: "1+5".into(), cameras: vec![Some("cam10".into()); 6] };
        {
            let mut store = Store::open_dir(dir.path()).unwrap();
            store.save_layout(&a).unwrap();
            store.save_layout(&b).unwrap();
            let mut a2 = a.clone();
            a2.cameras[1] = Some("cam02".into());
            store.save_layout(&a2).unwrap();
            assert!(store.save_layout(&SavedLayout { name: " ".into(), ..a.clone() }).is_err());
        }
        let mut store = Store::open_dir(dir.path()).unwrap();
        let loaded = store.load_layouts().unwrap();
        assert_eq!(loaded.len(), 2);
        assert_eq!(loaded[0].cameras[1].as_deref(), Some("cam02"), "saving under the same name replaces");
        assert_eq!(loaded[1], b);
        store.delete_layout("Cầu").unwrap();
        assert_eq!(store.load_layouts().unwrap().len(), 1);
    }

    #[test]
    fn a_failed_replace_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_dir(dir.path()).unwrap();
        let site = parse_site_toml(DEMO_TOWN_TOML).unwrap();
        store.replace_site(&site).unwrap();
        let mut bad = site.clone();
        bad.cameras[1].neighborhood = "nowhere".into();
        assert!(matches!(store.replace_site(&bad), Err(StoreError::InvalidSite(_))));
        // A constraint failure half-way (bypassing validation) rolls back too.
        let mut dup = site.clone();
        dup.name = "Other".into();
        dup.cameras.push(dup.cameras[0].clone());
        let tx_err = {
            let tx = store.conn.transaction().unwrap();
            tx.execute_batch(DELETE_SITE).unwrap();
            drop(tx); // rolled back
            store.load_site().unwrap()
        };
        assert_eq!(tx_err, Some(site.clone()));
        assert!(store.replace_site(&dup).is_err());
        assert_eq!(store.load_site().unwrap(), Some(site));
    }
}
