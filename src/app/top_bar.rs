//! The main window's top bar: layouts, neighborhoods, saved layouts, the second window,
//! snapshot, language, settings, timeline and the site's local clock.

use std::time::Duration;

use super::VigilApp;
use super::commands::{AppCommand, ViewCommand, WallCommand};
use super::i18n::{self, Lang, Msg, tr};
use crate::core::layout::{STANDARD_LAYOUTS, Wall};
use crate::core::settings::Setting;
use crate::core::site::Site;

/// Standard layouts, "all cameras" and one button per neighborhood, for either window's bar.
pub fn layout_buttons_ui(ui: &mut egui::Ui, wall: &Wall, site: &Site, lang: Lang, commands: &mut Vec<WallCommand>) {
    ui.label(format!("{}:", tr(lang, Msg::Layout)));
    for name in STANDARD_LAYOUTS {
        if ui.selectable_label(wall.layout.name == name, name).clicked() {
            commands.push(WallCommand::SetLayout(name.to_string()));
        }
    }
    ui.separator();
    // The button that made what the wall shows is highlighted (until the wall is rearranged);
    // compared without copying the ids (this runs every frame).
    let all = site.cameras.iter().filter(|c| c.enabled).map(|c| c.id.as_str());
    if ui.selectable_label(wall.shows_exactly(all), tr(lang, Msg::AllCameras)).clicked() {
        commands.push(WallCommand::ShowAll);
    }
    for nb in &site.neighborhoods {
        let ids = site.cameras_in(&nb.id).filter(|c| c.enabled).map(|c| c.id.as_str());
        if ui.selectable_label(wall.shows_exactly(ids), &nb.name).clicked() {
            commands.push(WallCommand::ShowNeighborhood(nb.id.clone()));
        }
    }
}

impl VigilApp {
    pub(super) fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        // Two rows by design, not wherever the width runs out: what the wall shows (layouts,
        // neighborhoods), then saved layouts and the tools.
        ui.horizontal_wrapped(|ui| {
            let mut wall_commands = Vec::new();
            layout_buttons_ui(ui, &self.wall, &self.site, lang, &mut wall_commands);
            self.commands.extend(wall_commands.into_iter().map(AppCommand::from));
        });
        ui.horizontal_wrapped(|ui| {
            // Alarms first: the one button that must be seen from across the room.
            let (count, fresh) = (self.alarms.open.len(), self.alarms.new_count());
            let text = format!("{} ({count})", super::alarm_texts::tr_alarm(lang, super::alarm_texts::AlarmMsg::Alarms));
            let mut text = egui::RichText::new(text).strong();
            if fresh > 0 {
                text = text.color(egui::Color32::WHITE).background_color(egui::Color32::from_rgb(200, 30, 30));
            }
            if ui.selectable_label(self.alarms.panel_open, text).clicked() {
                self.commands.push(super::alarms::AlarmCommand::TogglePanel.into());
            }
            ui.separator();
            for saved in &self.saved_layouts {
                let active = self.wall.layout.name == saved.layout && self.wall.cameras == saved.cameras;
                let button = ui.selectable_label(active, &saved.name);
                if button.clicked() {
                    self.commands.push(ViewCommand::LoadSavedLayout(saved.name.clone()).into());
                }
                button.context_menu(|ui| {
                    if ui.button(tr(lang, Msg::Delete)).clicked() {
                        self.commands.push(ViewCommand::DeleteSavedLayout(saved.name.clone()).into());
                        ui.close();
                    }
                });
            }
            let name_label = ui.label(tr(lang, Msg::LayoutName));
            ui.add(egui::TextEdit::singleline(&mut self.ui.layout_name).desired_width(110.0)).labelled_by(name_label.id);
            if ui.add_enabled(!self.ui.layout_name.trim().is_empty(), egui::Button::new(tr(lang, Msg::SaveLayout))).clicked() {
                self.commands.push(ViewCommand::SaveLayout(self.ui.layout_name.clone()).into());
            }
            ui.separator();
            if ui.add_enabled(self.second.is_none(), egui::Button::new(tr(lang, Msg::OpenSecondWindow))).clicked() {
                self.commands.push(ViewCommand::OpenSecondWindow.into());
            }
            if ui.button(tr(lang, Msg::Snapshot)).clicked() {
                self.commands.push(ViewCommand::SnapshotSelected.into());
            }
            ui.separator();
            ui.label(format!("{}:", tr(lang, Msg::Language)));
            for (l, name) in [(Lang::Vi, "Tiếng Việt"), (Lang::En, "English")] {
                if ui.selectable_label(lang == l, name).clicked() {
                    self.commands.push(Setting::Lang(l).into());
                }
            }
            if ui.selectable_label(self.ui.settings_open, tr(lang, Msg::Settings)).clicked() {
                self.commands.push(ViewCommand::ToggleSettings.into());
            }
            if ui.selectable_label(self.ui.timeline_open, tr(lang, Msg::Timeline)).clicked() {
                self.commands.push(ViewCommand::ToggleTimeline.into());
            }
            ui.separator();
            // The site's local date and time (to the minute: no repaint every second).
            let now_ns = self.clock.now_unix_ns();
            let clock = i18n::local_date_time(now_ns, self.site.timezone);
            ui.label(egui::RichText::new(clock.get(..16).unwrap_or(&clock)).monospace().strong());
            let to_next_minute_ms = 60_000 - (now_ns / 1_000_000) % 60_000;
            ui.ctx().request_repaint_after(Duration::from_millis(to_next_minute_ms + 5));
        });
    }
}
