//! The user's settings, one typed struct: what the settings window changes and the data dir
//! keeps (the store reads and writes it, key by key, in the `setting` table). Runtime state (open
//! windows, the cursor, jobs) lives in the app, never here.

use std::path::PathBuf;

use crate::core::alarm::Rules;
use crate::core::timeline::GapMode;

/// The language of the GUI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// Everything a data dir remembers of the user's choices. A missing or unreadable value is its
/// default (logged by the store), so an old data dir opens with what it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The GUI's language (`ui.lang`).
    pub lang: Lang,
    /// Where snapshots go (`ui.snapshot_dir`); `None`: the user's pictures folder.
    pub snapshot_dir: Option<PathBuf>,
    /// What playing does at a gap in the recordings (`playback.gaps`).
    pub gap_mode: GapMode,
    /// Record each main-recorded camera's substream as a preview track (`recording.previews`),
    /// read when a recorder starts.
    pub record_previews: bool,
    /// The officer's name last written in the export form (`export.officer`).
    pub export_officer: String,
    /// The case number last written in the export form (`export.case_number`).
    pub export_case: String,
    /// What raises an alarm (`alarm.rules`, JSON), read when a recorder starts.
    pub alarm_rules: Rules,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lang: Lang::default(),
            snapshot_dir: None,
            gap_mode: GapMode::default(),
            record_previews: true,
            export_officer: String::new(),
            export_case: String::new(),
            alarm_rules: Rules::default(),
        }
    }
}

/// One changed setting: what the settings window sends, the store saves and [`Settings::set`]
/// applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Lang(Lang),
    SnapshotDir(PathBuf),
    GapMode(GapMode),
    RecordPreviews(bool),
    ExportOfficer(String),
    ExportCase(String),
    AlarmRules(Box<Rules>),
}

impl Setting {
    /// The key it is stored under.
    pub fn key(&self) -> &'static str {
        match self {
            Setting::Lang(_) => KEY_LANG,
            Setting::SnapshotDir(_) => KEY_SNAPSHOT_DIR,
            Setting::GapMode(_) => KEY_GAPS,
            Setting::RecordPreviews(_) => KEY_RECORD_PREVIEWS,
            Setting::ExportOfficer(_) => KEY_EXPORT_OFFICER,
            Setting::ExportCase(_) => KEY_EXPORT_CASE,
            Setting::AlarmRules(_) => KEY_ALARM_RULES,
        }
    }

    /// The value as stored.
    pub fn value(&self) -> String {
        match self {
            Setting::Lang(l) => l.code().into(),
            Setting::SnapshotDir(p) => p.display().to_string(),
            Setting::GapMode(m) => m.code().into(),
            Setting::RecordPreviews(on) => if *on { "on" } else { "off" }.into(),
            Setting::ExportOfficer(t) | Setting::ExportCase(t) => t.clone(),
            Setting::AlarmRules(r) => serde_json::to_string(r).unwrap_or_default(),
        }
    }

    /// Reads a stored `(key, value)`; `Err` names what is wrong with a value, `Ok(None)` is a key
    /// this build does not know (left alone).
    pub fn parse(key: &str, value: &str) -> Result<Option<Self>, String> {
        let bad = || format!("setting {key}: unknown value {value:?}");
        Ok(Some(match key {
            KEY_LANG => Setting::Lang(Lang::parse(value).ok_or_else(bad)?),
            KEY_SNAPSHOT_DIR if !value.trim().is_empty() => Setting::SnapshotDir(value.into()),
            KEY_SNAPSHOT_DIR => return Err(bad()),
            KEY_GAPS => Setting::GapMode(GapMode::parse(value).ok_or_else(bad)?),
            KEY_RECORD_PREVIEWS => Setting::RecordPreviews(match value {
                "on" => true,
                "off" => false,
                _ => return Err(bad()),
            }),
            KEY_EXPORT_OFFICER => Setting::ExportOfficer(value.into()),
            KEY_EXPORT_CASE => Setting::ExportCase(value.into()),
            KEY_ALARM_RULES => Setting::AlarmRules(Box::new(serde_json::from_str(value).map_err(|e| format!("setting {key}: {e}"))?)),
            _ => return Ok(None),
        }))
    }
}

const KEY_LANG: &str = "ui.lang";
const KEY_SNAPSHOT_DIR: &str = "ui.snapshot_dir";
const KEY_GAPS: &str = "playback.gaps";
const KEY_RECORD_PREVIEWS: &str = "recording.previews";
const KEY_EXPORT_OFFICER: &str = "export.officer";
const KEY_EXPORT_CASE: &str = "export.case_number";
const KEY_ALARM_RULES: &str = "alarm.rules";

impl Settings {
    /// Applies one change.
    pub fn set(&mut self, setting: Setting) {
        match setting {
            Setting::Lang(l) => self.lang = l,
            Setting::SnapshotDir(p) => self.snapshot_dir = Some(p),
            Setting::GapMode(m) => self.gap_mode = m,
            Setting::RecordPreviews(on) => self.record_previews = on,
            Setting::ExportOfficer(t) => self.export_officer = t,
            Setting::ExportCase(t) => self.export_case = t,
            Setting::AlarmRules(r) => self.alarm_rules = *r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_round_trips_through_its_stored_form() {
        for s in [
            Setting::Lang(Lang::En),
            Setting::SnapshotDir("/home/ca/Ảnh".into()),
            Setting::GapMode(GapMode::Hold),
            Setting::RecordPreviews(false),
            Setting::ExportOfficer("Thượng úy Nguyễn Văn A".into()),
            Setting::ExportCase("12/2026".into()),
            Setting::ExportCase(String::new()),
            Setting::AlarmRules(Box::new(Rules { no_picture_s: 4, ..Rules::default() })),
        ] {
            assert_eq!(Setting::parse(s.key(), &s.value()), Ok(Some(s.clone())));
        }
    }

    #[test]
    fn a_bad_value_is_an_error_and_an_unknown_key_is_ignored() {
        assert!(Setting::parse("ui.lang", "fr").unwrap_err().contains("ui.lang"));
        assert!(Setting::parse("recording.previews", "maybe").is_err());
        assert!(Setting::parse("ui.snapshot_dir", " ").is_err());
        assert_eq!(Setting::parse("some.future.key", "x"), Ok(None));
        assert!(Setting::parse("alarm.rules", "{not json").unwrap_err().contains("alarm.rules"));
    }

    #[test]
    fn defaults_record_previews_in_vietnamese() {
        let mut s = Settings::default();
        assert!(s.record_previews);
        assert_eq!(s.lang, Lang::Vi);
        s.set(Setting::GapMode(GapMode::Hold));
        assert_eq!(s.gap_mode, GapMode::Hold);
    }
}
