//! The recorder as the GUI sees it: started in-process on a background thread when no other
//! process records the data dir (the lock decides), otherwise read from that process's status
//! file; a one-line summary and a per-camera table in the side panel.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use super::i18n::{Lang, Msg, record_reason_text, tr};
use crate::core::site::Site;
use crate::media::Ingest;
use crate::record::lock::LockError;
use crate::record::status::{human_bytes, read_status_file};
use crate::record::{RecordError, RecordEvent, Recorder, RecorderConfig, RecorderStatus, RetentionPolicy};

/// How often the status table is refreshed (it asks the index for today's bytes).
const REFRESH: Duration = Duration::from_secs(2);

type Started = Result<(Recorder, Receiver<RecordEvent>), RecordError>;

enum State {
    /// No data dir, or recording switched off.
    Off,
    /// Will start once the wall is live.
    Waiting,
    Starting(Receiver<Started>),
    Running {
        recorder: Recorder,
        events: Receiver<RecordEvent>,
    },
    /// Another process holds the data dir's recorder lock.
    Elsewhere {
        pid: Option<u32>,
    },
    Failed(String),
}

pub struct RecordingView {
    state: State,
    data_dir: Option<PathBuf>,
    status: Option<RecorderStatus>,
    refreshed: Option<Instant>,
    disk_full: Option<String>,
}

/// What the GUI records with: the defaults, and a quota that keeps the recordings to a tenth of
/// the disk's free space at start (at least 2 GB) so a demo never fills a laptop.
/// Preview tracks as the settings window last set them.
fn gui_config(data_dir: &Path, record_previews: bool) -> RecorderConfig {
    let free = crate::record::retention::free_bytes(data_dir).unwrap_or(0);
    // The alarm rules as saved (`vigil alarm rules --set`); the defaults when unreadable.
    let rules = crate::store::Store::open_dir(data_dir).and_then(|s| s.settings()).map(|s| s.alarm_rules).unwrap_or_default();
    RecorderConfig {
        retention: RetentionPolicy { quota_bytes: Some((free / 10).max(2_000_000_000)), min_free_bytes: 1_000_000_000 },
        record_previews,
        alarms: Some(rules),
        ..RecorderConfig::default()
    }
}

impl RecordingView {
    pub fn off() -> Self {
        Self { state: State::Off, data_dir: None, status: None, refreshed: None, disk_full: None }
    }

    /// Recording is wanted and starts soon.
    pub fn waiting() -> Self {
        Self { state: State::Waiting, ..Self::off() }
    }

    /// Starts the recorder on a background thread (reconciliation may take a moment).
    pub fn start(data_dir: &Path, site: &Site, ingest: Arc<Ingest>, record_previews: bool) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let dir = data_dir.to_path_buf();
        let site = site.clone();
        let spawned = std::thread::Builder::new().name("rec-start".into()).spawn(move || {
            let _ = tx.send(Recorder::start(&dir, &site, ingest, gui_config(&dir, record_previews)));
        });
        let state = match spawned {
            Ok(_) => State::Starting(rx),
            Err(e) => State::Failed(e.to_string()),
        };
        Self { state, data_dir: Some(data_dir.to_path_buf()), status: None, refreshed: None, disk_full: None }
    }

    /// Takes the recorder's news; returns a line for the status bar when something happened.
    pub fn poll(&mut self) -> Option<String> {
        let mut message = None;
        if let State::Starting(rx) = &self.state {
            match rx.try_recv() {
                Ok(Ok((recorder, events))) => {
                    self.state = State::Running { recorder, events };
                    self.refreshed = None;
                }
                Ok(Err(RecordError::Lock(LockError::Held { pid, .. }))) => {
                    self.state = State::Elsewhere { pid };
                    self.refreshed = None;
                }
                Ok(Err(e)) => {
                    tracing::error!("the recorder did not start: {e}");
                    message = Some(e.to_string());
                    self.state = State::Failed(e.to_string());
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => self.state = State::Failed("the recorder thread ended".into()),
            }
        }
        if let State::Running { events, .. } = &self.state {
            while let Ok(event) = events.try_recv() {
                match event {
                    RecordEvent::DiskFull { message: m } => {
                        message = Some(m.clone());
                        self.disk_full = Some(m);
                    }
                    RecordEvent::SpaceRecovered => self.disk_full = None,
                    RecordEvent::Error { camera_id, message: m } => message = Some(format!("{camera_id}: {m}")),
                    _ => {}
                }
            }
        }
        if self.refreshed.is_none_or(|t| t.elapsed() >= REFRESH) {
            self.refreshed = Some(Instant::now());
            self.status = match &self.state {
                State::Running { recorder, .. } => Some(recorder.status()),
                State::Elsewhere { .. } => self.data_dir.as_deref().and_then(read_status_file),
                _ => None,
            };
            if let (State::Elsewhere { .. }, Some(s)) = (&self.state, &self.status) {
                self.disk_full = s.disk_full.then(|| "disk full".to_string());
            }
        }
        message
    }

    /// Cameras recording now, of those the recorder handles.
    pub fn counts(&self) -> Option<(usize, usize)> {
        let s = self.status.as_ref()?;
        Some((s.cameras.iter().filter(|c| c.recording).count(), s.cameras.len()))
    }

    /// Finishes and indexes the open segments. Blocking: call on exit.
    /// This process records (or is starting to).
    pub fn is_recording(&self) -> bool {
        matches!(self.state, State::Running { .. } | State::Starting(_))
    }

    pub fn shutdown(&mut self) {
        if let State::Running { recorder, .. } = std::mem::replace(&mut self.state, State::Off) {
            recorder.shutdown();
        }
    }

    /// One line under the camera count, and a collapsible per-camera table.
    pub fn summary_ui(&self, ui: &mut egui::Ui, site: &Site, lang: Lang) {
        let red = egui::Color32::from_rgb(220, 40, 40);
        if self.disk_full.is_some() {
            ui.label(egui::RichText::new(tr(lang, Msg::DiskFull)).strong().color(red));
        }
        let line = match &self.state {
            State::Off => tr(lang, Msg::RecordingOff).to_string(),
            State::Starting(_) | State::Waiting => tr(lang, Msg::RecordingStarting).to_string(),
            State::Failed(e) => format!("{}: {e}", tr(lang, Msg::RecordingOff)),
            State::Elsewhere { pid } => {
                format!("{}{}", tr(lang, Msg::RecordedElsewhere), pid.map(|p| format!(" (pid {p})")).unwrap_or_default())
            }
            State::Running { .. } => {
                let (n, total) = self.counts().unwrap_or((0, 0));
                format!("{}: {n}/{total} {}", tr(lang, Msg::Recording), tr(lang, Msg::RecordingNow))
            }
        };
        let recording_any = self.counts().is_some_and(|(n, _)| n > 0);
        ui.horizontal(|ui| {
            let dot = if recording_any { red } else { egui::Color32::GRAY };
            ui.label(egui::RichText::new("•").color(dot));
            ui.label(line);
        });
        let Some(status) = &self.status else { return };
        egui::CollapsingHeader::new(tr(lang, Msg::Recording)).id_salt("recording-table").show(ui, |ui| {
            // The table scrolls inside the panel rather than widening it for good.
            egui::ScrollArea::both().id_salt("recording-scroll").max_height(320.0).auto_shrink([false, true]).show(ui, |ui| {
                egui::Grid::new("recording-grid").striped(true).num_columns(4).show(ui, |ui| {
                    for c in &status.cameras {
                        let name = site.camera(&c.camera_id).map_or(c.camera_id.as_str(), |cam| cam.name.as_str());
                        let (dot, colour) = if c.recording { ("•", red) } else { ("•", egui::Color32::GRAY) };
                        ui.label(egui::RichText::new(dot).color(colour));
                        ui.label(name);
                        let state = match (&c.reason, c.recording) {
                            (_, true) => format!("{:.0} kbit/s", c.bitrate_kbps),
                            (Some(r), false) => record_reason_text(lang, r),
                            (None, false) => tr(lang, Msg::RecordingOff).to_string(),
                        };
                        ui.label(state);
                        let oldest = c.oldest_start_90k.map_or(String::new(), |t| {
                            let ns = t.unix_ns();
                            format!(" · {} {}", tr(lang, Msg::OldestKept), super::i18n::local_date_time(ns, site.timezone))
                        });
                        ui.label(format!("{} {}{oldest}", human_bytes(c.bytes_today), tr(lang, Msg::Today)));
                        ui.end_row();
                    }
                });
            });
        });
    }
}
