//! Review tools around the timeline: the in/out selection, the bookmark form, the incidents
//! window (search by text and date, lock/unlock, jump), and exports run on their own thread with
//! progress and cancel. Thin views over [`ReviewState`]; the app applies the commands.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use super::commands::{AppCommand, ReviewCommand};
use super::i18n::{Lang, Msg, local_date_time, tr};
use super::jobs::ExportJob;
use crate::store::bookmarks::Bookmark;

#[derive(Default)]
pub struct ReviewState {
    /// In and out points, UTC 90 kHz (either may be set first).
    pub mark_in: Option<i64>,
    pub mark_out: Option<i64>,
    /// The bookmark form, when open: (title, note, lock).
    pub bookmark_form: Option<(String, String, bool)>,
    /// The export form, when open: the folder to create.
    pub export_form: Option<String>,
    /// Burn camera name and time into the exported pictures (re-encode).
    pub burn_in: bool,
    pub incidents_open: bool,
    pub search: String,
    /// A local day to search in, dd/mm/yyyy (empty: any day).
    pub search_day: String,
    /// Search results and the search they answer.
    pub found: Vec<Bookmark>,
    pub found_for: Option<String>,
    /// The timeline's "go to" field, and why its last text could not be read.
    pub goto_text: String,
    pub goto_error: Option<crate::core::time::LocalTimeError>,
}

/// The UTC range [start, end) of a local day written dd/mm/yyyy, 90 kHz.
pub fn local_day_90k(text: &str, tz: chrono_tz::Tz) -> Option<(i64, i64)> {
    use chrono::TimeZone;
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%d/%m/%Y").ok()?;
    let start = tz.from_local_datetime(&date.and_hms_opt(0, 0, 0)?).earliest()?;
    let end = tz.from_local_datetime(&date.succ_opt()?.and_hms_opt(0, 0, 0)?).earliest()?;
    Some((start.timestamp() * 90_000, end.timestamp() * 90_000))
}

impl ReviewState {
    /// The selection [start, end), once both points are set.
    pub fn selection(&self) -> Option<(i64, i64)> {
        let (a, b) = (self.mark_in?, self.mark_out?);
        (a != b).then(|| (a.min(b), a.max(b)))
    }
}

use crate::core::time::ns_from_90k as ns;

/// The in/out/bookmark/export/incidents buttons of the timeline bar.
pub fn review_bar_ui(
    ui: &mut egui::Ui,
    review: &ReviewState,
    export: Option<&ExportJob>,
    timezone: chrono_tz::Tz,
    lang: Lang,
    commands: &mut Vec<AppCommand>,
) {
    if ui.button(tr(lang, Msg::SetIn)).clicked() {
        commands.push(ReviewCommand::MarkIn.into());
    }
    if ui.button(tr(lang, Msg::SetOut)).clicked() {
        commands.push(ReviewCommand::MarkOut.into());
    }
    let has = review.selection().is_some();
    if ui.add_enabled(has, egui::Button::new(tr(lang, Msg::BookmarkDots))).clicked() {
        commands.push(ReviewCommand::OpenBookmarkForm.into());
    }
    if ui.add_enabled(has && export.is_none(), egui::Button::new(tr(lang, Msg::ExportDots))).clicked() {
        commands.push(ReviewCommand::OpenExportForm.into());
    }
    if ui.selectable_label(review.incidents_open, tr(lang, Msg::Incidents)).clicked() {
        commands.push(ReviewCommand::ToggleIncidents.into());
    }
    if let Some((a, b)) = review.selection() {
        let text = format!("{}: {} – {}", tr(lang, Msg::Selection), local_date_time(ns(a), timezone), local_date_time(ns(b), timezone));
        ui.label(egui::RichText::new(text).small());
    }
    if let Some(job) = export {
        ui.add(egui::ProgressBar::new(job.fraction()).desired_width(160.0).show_percentage().text(tr(lang, Msg::Exporting)));
        if ui.button(tr(lang, Msg::Cancel)).clicked() {
            job.cancel.store(true, Ordering::Relaxed);
        }
    }
}

/// The bookmark form and the export form, as small windows.
pub fn forms_ui(ctx: &egui::Context, review: &mut ReviewState, lang: Lang, commands: &mut Vec<AppCommand>) {
    if let Some((title, note, lock)) = review.bookmark_form.as_mut() {
        egui::Window::new(tr(lang, Msg::BookmarkDots)).id(egui::Id::unique("bookmark-form")).collapsible(false).resizable(false).show(
            ctx,
            |ui| {
                let l = ui.label(tr(lang, Msg::Title));
                ui.text_edit_singleline(title).labelled_by(l.id);
                let l = ui.label(tr(lang, Msg::Note));
                ui.text_edit_multiline(note).labelled_by(l.id);
                ui.checkbox(lock, tr(lang, Msg::LockRange));
                ui.horizontal(|ui| {
                    if ui.add_enabled(!title.trim().is_empty(), egui::Button::new(tr(lang, Msg::Save))).clicked() {
                        commands.push(ReviewCommand::SaveBookmark { title: title.clone(), note: note.clone(), lock: *lock }.into());
                    }
                    if ui.button(tr(lang, Msg::Cancel)).clicked() {
                        commands.push(ReviewCommand::CloseForms.into());
                    }
                });
            },
        );
    }
    let burn_in = &mut review.burn_in;
    if let Some(folder) = review.export_form.as_mut() {
        egui::Window::new(tr(lang, Msg::ExportDots)).id(egui::Id::unique("export-form")).collapsible(false).resizable(false).show(
            ctx,
            |ui| {
                let l = ui.label(tr(lang, Msg::ExportFolder));
                ui.add(egui::TextEdit::singleline(folder).desired_width(420.0)).labelled_by(l.id);
                ui.checkbox(burn_in, tr(lang, Msg::BurnIn));
                ui.horizontal(|ui| {
                    if ui.add_enabled(!folder.trim().is_empty(), egui::Button::new(tr(lang, Msg::ExportDots))).clicked() {
                        commands.push(ReviewCommand::StartExport(PathBuf::from(folder.trim())).into());
                    }
                    if ui.button(tr(lang, Msg::Cancel)).clicked() {
                        commands.push(ReviewCommand::CloseForms.into());
                    }
                });
            },
        );
    }
}

/// The incidents window: search, list, jump, lock/unlock. Cameras are named as the site names
/// them (`camera_name` of an id).
pub fn incidents_ui(
    ctx: &egui::Context,
    review: &mut ReviewState,
    camera_name: &dyn Fn(&str) -> String,
    timezone: chrono_tz::Tz,
    lang: Lang,
    commands: &mut Vec<AppCommand>,
) {
    if !review.incidents_open {
        return;
    }
    let mut open = true;
    egui::Window::new(tr(lang, Msg::Incidents)).id(egui::Id::unique("incidents")).open(&mut open).default_width(520.0).show(ctx, |ui| {
        ui.horizontal(|ui| {
            let l = ui.label(tr(lang, Msg::Search));
            ui.add(egui::TextEdit::singleline(&mut review.search).desired_width(220.0)).labelled_by(l.id);
            let l = ui.label(tr(lang, Msg::Day));
            ui.add(egui::TextEdit::singleline(&mut review.search_day).desired_width(100.0).hint_text("dd/mm/yyyy")).labelled_by(l.id);
        });
        ui.separator();
        egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
            for b in &review.found {
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(&b.title).strong());
                    if b.locked {
                        ui.label(egui::RichText::new(tr(lang, Msg::Locked)).color(egui::Color32::from_rgb(255, 200, 0)));
                    }
                });
                ui.label(
                    egui::RichText::new(format!(
                        "{} – {} · {}",
                        local_date_time(ns(b.start_90k), timezone),
                        local_date_time(ns(b.end_90k), timezone),
                        b.cameras.iter().map(|c| camera_name(c)).collect::<Vec<_>>().join(", ")
                    ))
                    .small(),
                );
                if !b.note.is_empty() {
                    ui.label(&b.note);
                }
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, Msg::Show)).clicked() {
                        commands.push(ReviewCommand::ShowBookmark(b.id).into());
                    }
                    let (text, locked) = if b.locked { (Msg::Unlock, false) } else { (Msg::Lock, true) };
                    if ui.button(tr(lang, text)).clicked() {
                        commands.push(ReviewCommand::LockBookmark(b.id, locked).into());
                    }
                });
                ui.separator();
            }
        });
    });
    if !open {
        commands.push(ReviewCommand::ToggleIncidents.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_day_is_its_utc_range() {
        // 28/11/2026 in Hà Nội (UTC+7) is 27/11 17:00 UTC to 28/11 17:00 UTC.
        let (a, b) = local_day_90k("28/11/2026", chrono_tz::Asia::Ho_Chi_Minh).unwrap();
        assert_eq!(a, 1_795_798_800 * 90_000);
        assert_eq!(b - a, 86_400 * 90_000);
        assert_eq!(local_day_90k("28/11", chrono_tz::Asia::Ho_Chi_Minh), None);
        assert_eq!(local_day_90k("31/02/2026", chrono_tz::Asia::Ho_Chi_Minh), None);
    }
}
