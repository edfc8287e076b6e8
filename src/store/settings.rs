//! The user's settings ([`Settings`]) in the `setting` table, one row per key.

use rusqlite::named_params;

use super::{Store, StoreError};
use crate::core::settings::{Setting, Settings};

const SELECT_SETTINGS: &str = "SELECT key, value FROM setting ORDER BY key";
const UPSERT_SETTING: &str =
    "INSERT INTO setting (key, value) VALUES (:key, :value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

impl Store {
    /// The saved settings; a key never saved keeps its default, and so does an unreadable value
    /// (logged: a hand-edited database must not stop the wall from opening).
    pub fn settings(&self) -> Result<Settings, StoreError> {
        let mut settings = Settings::default();
        let mut stmt = self.conn.prepare(SELECT_SETTINGS)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (key, value) = row?;
            match Setting::parse(&key, &value) {
                Ok(Some(setting)) => settings.set(setting),
                Ok(None) => {}
                Err(e) => tracing::warn!("{e}; the default is used"),
            }
        }
        Ok(settings)
    }

    /// Saves one changed setting.
    pub fn save_setting(&self, setting: &Setting) -> Result<(), StoreError> {
        self.conn.execute(UPSERT_SETTING, named_params! {":key": setting.key(), ":value": setting.value()})?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::settings::Lang;
    use crate::core::timeline::GapMode;

    #[test]
    fn settings_come_back_as_saved_and_default_when_unset_or_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        assert_eq!(store.settings().unwrap(), Settings::default());
        store.save_setting(&Setting::Lang(Lang::En)).unwrap();
        store.save_setting(&Setting::GapMode(GapMode::Hold)).unwrap();
        store.save_setting(&Setting::RecordPreviews(false)).unwrap();
        store.save_setting(&Setting::SnapshotDir("/srv/ảnh".into())).unwrap();
        let again = Store::open_dir(dir.path()).unwrap().settings().unwrap();
        assert_eq!(
            again,
            Settings {
                lang: Lang::En,
                snapshot_dir: Some("/srv/ảnh".into()),
                gap_mode: GapMode::Hold,
                record_previews: false,
                ..Settings::default()
            }
        );
        store.conn.execute("UPDATE setting SET value = 'klingon' WHERE key = 'ui.lang'", []).unwrap();
        assert_eq!(store.settings().unwrap().lang, Lang::Vi);
    }
}
