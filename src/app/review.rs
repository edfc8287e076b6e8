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
    pub mark_in: Option<Time90k>,
    pub mark_out: Option<Time90k>,
    /// The bookmark form, when open: (title, note, lock).
    pub bookmark_form: Option<(String, String, bool)>,
    /// The export form, when open.
    pub export_form: Option<ExportForm>,
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

/// What the export form holds while it is open.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportForm {
    /// The folder to create.
    pub folder: String,
    /// (camera id, name, chosen): the wall's cameras, all chosen at first.
    pub cameras: Vec<(String, String, bool)>,
    /// The range as typed (local, dd/mm/yyyy hh:mm:ss), and the selection it started from:
    /// untouched text exports the selection exactly (to the frame).
    pub from_text: String,
    pub to_text: String,
    pub selection_90k: (Time90k, Time90k),
    pub officer: String,
    pub case_number: String,
    /// Why the export cannot start yet.
    pub error: Option<Msg>,
}

impl ExportForm {
    pub fn new(
        folder: String,
        cameras: Vec<(String, String)>,
        selection_90k: (Time90k, Time90k),
        officer: &str,
        case_number: &str,
        tz: chrono_tz::Tz,
    ) -> Self {
        Self {
            folder,
            cameras: cameras.into_iter().map(|(id, name)| (id, name, true)).collect(),
            from_text: local_date_time(selection_90k.0.unix_ns(), tz),
            to_text: local_date_time(selection_90k.1.unix_ns(), tz),
            selection_90k,
            officer: officer.to_string(),
            case_number: case_number.to_string(),
            error: None,
        }
    }

    /// The cameras and range to export, or why not.
    pub fn checked(&self, tz: chrono_tz::Tz, now_90k: Time90k) -> Result<(Vec<String>, Time90k, Time90k), Msg> {
        let cameras: Vec<String> = self.cameras.iter().filter(|c| c.2).map(|c| c.0.clone()).collect();
        if cameras.is_empty() {
            return Err(Msg::ExportNoCamera);
        }
        let read = |text: &str, exact: Time90k| {
            if text == local_date_time(exact.unix_ns(), tz) {
                return Ok(exact);
            }
            crate::core::time::parse_local_instant(text, tz, now_90k).map_err(super::i18n::local_time_error_msg)
        };
        let (from, to) = (read(&self.from_text, self.selection_90k.0)?, read(&self.to_text, self.selection_90k.1)?);
        if to <= from {
            return Err(Msg::ExportBadRange);
        }
        if self.officer.trim().is_empty() {
            return Err(Msg::ExportNeedOfficer);
        }
        Ok((cameras, from, to))
    }
}

/// The UTC range [start, end) of a local day written dd/mm/yyyy, 90 kHz.
pub fn local_day_90k(text: &str, tz: chrono_tz::Tz) -> Option<(Time90k, Time90k)> {
    use chrono::TimeZone;
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%d/%m/%Y").ok()?;
    let start = tz.from_local_datetime(&date.and_hms_opt(0, 0, 0)?).earliest()?;
    let end = tz.from_local_datetime(&date.succ_opt()?.and_hms_opt(0, 0, 0)?).earliest()?;
    Some((Time90k::from_unix_secs(start.timestamp()), Time90k::from_unix_secs(end.timestamp())))
}

impl ReviewState {
    /// The selection [start, end), once both points are set.
    pub fn selection(&self) -> Option<(Time90k, Time90k)> {
        let (a, b) = (self.mark_in?, self.mark_out?);
        (a != b).then(|| (a.min(b), a.max(b)))
    }
}

use crate::core::time::Time90k;

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
        let text = format!(
            "{}: {} – {}",
            tr(lang, Msg::Selection),
            local_date_time(a.unix_ns(), timezone),
            local_date_time(b.unix_ns(), timezone)
        );
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
pub fn forms_ui(ctx: &egui::Context, review: &mut ReviewState, timezone: chrono_tz::Tz, lang: Lang, commands: &mut Vec<AppCommand>) {
    let selection = review.selection();
    if let Some((title, note, lock)) = review.bookmark_form.as_mut() {
        // By the timeline (where the range was chosen), not over the wall's top.
        let screen = ctx.content_rect();
        let window = egui::Window::new(tr(lang, Msg::BookmarkDots)).id(egui::Id::unique("bookmark-form")).collapsible(false);
        window.resizable(false).default_pos([screen.min.x + 260.0, (screen.max.y - 520.0).max(screen.min.y)]).show(ctx, |ui| {
            if let Some((a, b)) = selection {
                let range = format!(
                    "{}: {} – {}",
                    tr(lang, Msg::Selection),
                    local_date_time(a.unix_ns(), timezone),
                    local_date_time(b.unix_ns(), timezone)
                );
                ui.label(egui::RichText::new(range).monospace());
            }
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
        });
    }
    let burn_in = &mut review.burn_in;
    if let Some(form) = review.export_form.as_mut() {
        let window = egui::Window::new(tr(lang, Msg::ExportDots)).id(egui::Id::unique("export-form")).collapsible(false);
        window.resizable(false).min_width(560.0).default_pos([260.0, 120.0]).show(ctx, |ui| {
            // Any change clears the last complaint (it is checked again on "export").
            let mut changed = false;
            ui.label(egui::RichText::new(tr(lang, Msg::ExportCameras)).strong());
            ui.horizontal_wrapped(|ui| {
                for (_, name, chosen) in &mut form.cameras {
                    changed |= ui.checkbox(chosen, name.as_str()).changed();
                }
            });
            egui::Grid::new("export-form-grid").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
                let mut row = |ui: &mut egui::Ui, msg: Msg, text: &mut String, width: f32, mono: bool| {
                    let l = ui.label(tr(lang, msg));
                    let mut edit = egui::TextEdit::singleline(text).desired_width(width);
                    if mono {
                        edit = edit.font(egui::TextStyle::Monospace).hint_text("dd/mm/yyyy hh:mm:ss");
                    }
                    changed |= ui.add(edit).labelled_by(l.id).changed();
                    ui.end_row();
                };
                row(ui, Msg::ExportFrom, &mut form.from_text, 190.0, true);
                row(ui, Msg::ExportTo, &mut form.to_text, 190.0, true);
                row(ui, Msg::ExportOfficer, &mut form.officer, 300.0, false);
                row(ui, Msg::ExportCase, &mut form.case_number, 300.0, false);
                row(ui, Msg::ExportFolder, &mut form.folder, 420.0, false);
            });
            ui.checkbox(burn_in, tr(lang, Msg::BurnIn));
            if changed {
                form.error = None;
            }
            if let Some(error) = form.error {
                ui.colored_label(egui::Color32::from_rgb(255, 110, 90), tr(lang, error));
            }
            ui.horizontal(|ui| {
                if ui.add_enabled(!form.folder.trim().is_empty(), egui::Button::new(tr(lang, Msg::ExportDots))).clicked() {
                    commands.push(ReviewCommand::StartExport.into());
                }
                if ui.button(tr(lang, Msg::Cancel)).clicked() {
                    commands.push(ReviewCommand::CloseForms.into());
                }
            });
        });
    }
}

/// What the last export made, for the officer to copy and file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOutcome {
    pub folder: PathBuf,
    pub files: usize,
    pub manifest_sha256: String,
    /// The hash was put on the clipboard.
    pub copied: bool,
}

/// The result of the last export: the folder, the manifest's hash in a field that can be
/// selected, a copy button, and the printable summary's path.
pub fn export_result_ui(ctx: &egui::Context, outcome: &mut Option<ExportOutcome>, lang: Lang) {
    let Some(done) = outcome.as_mut() else { return };
    let mut open = true;
    egui::Window::new(tr(lang, Msg::ExportResultTitle)).id(egui::Id::unique("export-result")).open(&mut open).collapsible(false).show(
        ctx,
        |ui| {
            ui.label(format!("{}: {} ({} {})", tr(lang, Msg::ExportDone), done.folder.display(), done.files, tr(lang, Msg::Files)));
            let l = ui.label(egui::RichText::new(tr(lang, Msg::ManifestHash)).strong());
            ui.horizontal(|ui| {
                let mut hash = done.manifest_sha256.clone();
                ui.add(egui::TextEdit::singleline(&mut hash).font(egui::TextStyle::Monospace).desired_width(520.0)).labelled_by(l.id);
                if ui.button(tr(lang, Msg::Copy)).clicked() {
                    ui.ctx().copy_text(done.manifest_sha256.clone());
                    done.copied = true;
                }
                if done.copied {
                    ui.label(tr(lang, Msg::Copied));
                }
            });
            ui.label(egui::RichText::new(tr(lang, Msg::ManifestHashHelp)).small());
            let page = done.folder.join(crate::export::manifest::SUMMARY_FILE);
            ui.label(format!("{}: {}", tr(lang, Msg::SummaryPage), page.display()));
        },
    );
    if !open {
        *outcome = None;
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
                        local_date_time(b.start_90k.unix_ns(), timezone),
                        local_date_time(b.end_90k.unix_ns(), timezone),
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
        assert_eq!(a, Time90k::from_unix_secs(1_795_798_800));
        assert_eq!(b - a, crate::core::time::Duration90k::from_secs(86_400));
        assert_eq!(local_day_90k("28/11", chrono_tz::Asia::Ho_Chi_Minh), None);
        assert_eq!(local_day_90k("31/02/2026", chrono_tz::Asia::Ho_Chi_Minh), None);
    }
}
