//! The settings window: language, pictures folder, playback gaps, recording previews and where
//! the data lives. Changes go out as [`Setting`] commands; the app applies and saves them.

use std::path::{Path, PathBuf};

use super::VigilApp;
use super::i18n::{Lang, Msg, tr};
use crate::core::settings::Setting;
use crate::core::timeline::GapMode;

impl VigilApp {
    /// Applies a changed setting and saves it in the data dir (when there is one).
    pub(super) fn apply_setting(&mut self, setting: Setting) {
        if let Setting::SnapshotDir(dir) = &setting {
            self.ui.snapshot_dir_text = dir.display().to_string();
        }
        if let Some(store) = &self.store
            && let Err(e) = store.save_setting(&setting)
        {
            tracing::warn!("setting {} not saved: {e}", setting.key());
        }
        self.settings.set(setting);
    }

    pub(super) fn settings_ui(&mut self, ctx: &egui::Context) {
        if !self.ui.settings_open {
            return;
        }
        let mut open = true;
        let lang = self.settings.lang;
        // Fits the screen: at most its height less the bars, scrolling inside beyond that.
        let screen = ctx.content_rect();
        egui::Window::new(tr(lang, Msg::Settings))
            .id(egui::Id::unique("settings-window"))
            .open(&mut open)
            .default_pos([420.0, 90.0])
            .min_width(620.0)
            .max_width((screen.width() - 40.0).max(320.0))
            .max_height((screen.height() - 140.0).max(200.0))
            .resizable(false)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical().id_salt("settings-scroll").show(ui, |ui| {
                    egui::Grid::new("settings").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| self.settings_grid_ui(ui, lang));
                });
            });
        if !open {
            self.ui.settings_open = false;
        }
    }

    fn settings_grid_ui(&mut self, ui: &mut egui::Ui, lang: Lang) {
        ui.label(tr(lang, Msg::Language));
        ui.horizontal(|ui| {
            for (l, name) in [(Lang::Vi, "Tiếng Việt"), (Lang::En, "English")] {
                if ui.radio(lang == l, name).clicked() {
                    self.commands.push(Setting::Lang(l).into());
                }
            }
        });
        ui.end_row();
        let label = ui.label(tr(lang, Msg::PicturesFolder));
        ui.horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(&mut self.ui.snapshot_dir_text).desired_width(320.0)).labelled_by(label.id);
            let typed = PathBuf::from(self.ui.snapshot_dir_text.trim());
            let changed = !self.ui.snapshot_dir_text.trim().is_empty() && typed != self.snapshot_dir();
            if ui.add_enabled(changed, egui::Button::new(tr(lang, Msg::Apply))).clicked() {
                self.commands.push(Setting::SnapshotDir(typed).into());
            }
        });
        ui.end_row();
        if let Some(dir) = &self.data_dir {
            ui.label(tr(lang, Msg::DataDir));
            ui.label(egui::RichText::new(dir.display().to_string()).monospace());
            ui.end_row();
        }
        ui.label(tr(lang, Msg::PlaybackGaps));
        ui.horizontal(|ui| {
            for (mode, msg) in [(GapMode::Skip, Msg::GapsSkip), (GapMode::Hold, Msg::GapsHold)] {
                if ui.radio(self.settings.gap_mode == mode, tr(lang, msg)).clicked() {
                    self.commands.push(Setting::GapMode(mode).into());
                }
            }
        });
        ui.end_row();
        ui.label(tr(lang, Msg::Recording));
        self.recording.summary_ui(ui, &self.site, lang);
        ui.end_row();
        ui.label("");
        ui.vertical(|ui| {
            let mut on = self.settings.record_previews;
            if ui.checkbox(&mut on, tr(lang, Msg::RecordPreviews)).changed() {
                self.commands.push(Setting::RecordPreviews(on).into());
            }
            ui.label(egui::RichText::new(tr(lang, Msg::RecordPreviewsHint)).small().weak());
        });
        ui.end_row();
    }
}

/// `Vigil` in the user's pictures folder (see [`snapshot_dir_from`]).
pub fn default_snapshot_dir() -> PathBuf {
    let dirs = directories::UserDirs::new();
    snapshot_dir_from(dirs.as_ref().and_then(|d| d.picture_dir()), dirs.as_ref().map(|d| d.home_dir()))
}

/// `<pictures>/Vigil`; where no pictures folder is configured (no `xdg-user-dirs`, common on a
/// fresh Debian), `~/Pictures/Vigil`, the XDG default; `./snapshots` only without a home.
fn snapshot_dir_from(pictures: Option<&Path>, home: Option<&Path>) -> PathBuf {
    match (pictures, home) {
        (Some(p), _) => p.join("Vigil"),
        (None, Some(h)) => h.join("Pictures").join("Vigil"),
        (None, None) => PathBuf::from("snapshots"),
    }
}

#[cfg(test)]
mod tests {
    use super::snapshot_dir_from;
    use std::path::Path;

    #[test]
    fn snapshots_go_to_the_pictures_folder_or_its_xdg_default() {
        assert_eq!(snapshot_dir_from(Some(Path::new("/home/ca/Ảnh")), Some(Path::new("/home/ca"))), Path::new("/home/ca/Ảnh/Vigil"));
        assert_eq!(snapshot_dir_from(None, Some(Path::new("/home/ca"))), Path::new("/home/ca/Pictures/Vigil"));
        assert!(snapshot_dir_from(None, None).is_relative());
    }
}
