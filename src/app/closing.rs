//! Closing the main window while it records: never a silent stop. The close is held back and a
//! dialog asks: keep recording in the background (the recorder here stops, releasing the data
//! dir's lock, and a detached `vigil record` process takes over), stop recording and close, or
//! cancel. In the demo the simulated cameras end with the window, so only stopping is offered.

use std::path::Path;

use super::VigilApp;
use super::commands::ViewCommand;
use super::i18n::{Msg, tr};

/// Where the background recorder's output goes, inside the data dir.
pub const BACKGROUND_LOG: &str = "vigil-record.log";

impl VigilApp {
    /// A close request while recording is held back until the user chose (the dialog).
    pub(super) fn hold_close_while_recording(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && !self.ui.close_confirmed && self.recording.is_recording() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.ui.close_asked = true;
        }
    }

    pub(super) fn close_dialog_ui(&mut self, ctx: &egui::Context) {
        if !self.ui.close_asked {
            return;
        }
        let lang = self.settings.lang;
        let background = self.background_recorder.is_some() && self.data_dir.is_some();
        let modal = egui::Modal::new(egui::Id::unique("close-while-recording")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading(tr(lang, Msg::CloseWhileRecordingTitle));
            ui.label(tr(lang, Msg::CloseWhileRecording));
            ui.add_space(8.0);
            if background {
                if ui.button(egui::RichText::new(tr(lang, Msg::KeepRecordingInBackground)).strong()).clicked() {
                    self.commands.push(ViewCommand::ConfirmClose { keep_recording: true }.into());
                }
                ui.label(egui::RichText::new(tr(lang, Msg::KeepRecordingHelp)).small());
            } else {
                ui.label(egui::RichText::new(tr(lang, Msg::DemoStopsRecording)).small());
            }
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                if ui.button(tr(lang, Msg::StopRecordingAndClose)).clicked() {
                    self.commands.push(ViewCommand::ConfirmClose { keep_recording: false }.into());
                }
                if ui.button(tr(lang, Msg::Cancel)).clicked() {
                    self.commands.push(ViewCommand::CancelClose.into());
                }
            });
        });
        if modal.should_close() {
            self.commands.push(ViewCommand::CancelClose.into());
        }
    }

    /// The user chose: hand the recording over (or not) and close.
    pub(super) fn confirm_close(&mut self, ctx: &egui::Context, keep_recording: bool) {
        self.ui.close_asked = false;
        if keep_recording && let (Some(exe), Some(dir)) = (self.background_recorder.clone(), self.data_dir.clone()) {
            // The lock is released first (open segments finished and indexed), then the new
            // process takes it.
            self.recording.shutdown();
            if let Err(e) = spawn_background_recorder(&exe, &dir) {
                tracing::error!("background recorder did not start: {e}");
                self.status = Some(format!("{}: {e}", tr(self.settings.lang, Msg::HandoverFailed)));
                self.recording = super::recording::RecordingView::waiting();
                return;
            }
            tracing::info!(data_dir = %dir.display(), "recording handed over to a background vigil record");
        }
        self.ui.close_confirmed = true;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

/// Starts `exe --data-dir DIR record` in its own process group (it outlives the window and a
/// Ctrl-C in the terminal that started the GUI), output appended to the data dir's log.
pub fn spawn_background_recorder(exe: &Path, data_dir: &Path) -> std::io::Result<u32> {
    use std::os::unix::process::CommandExt;
    let log = std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join(BACKGROUND_LOG))?;
    let child = std::process::Command::new(exe)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("record")
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0)
        .spawn()?;
    Ok(child.id())
}
