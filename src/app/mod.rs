//! The eframe application: the live wall (GPU tiles in a layout), a camera list grouped by
//! neighborhood, a top bar, the timeline, and their windows. Views never import GStreamer: they
//! read [`crate::media`]'s plain state types. Views push commands; [`VigilApp`] applies them after
//! the frame is laid out.
//!
//! Where things live: this file holds the app struct and the eframe glue; `commands.rs` the
//! commands by area and their apply; one file per panel or window (`top_bar`, `camera_list`,
//! `settings_window`, `second_window`, `wall`, `timeline_view`, `review`, `alarms`); `review_logic.rs` the
//! timeline and playback side; `jobs.rs` exports and snapshots on their own threads.

mod alarm_texts;
pub mod alarms;
mod camera_list;
mod closing;
pub mod commands;
mod fonts;
pub mod i18n;
mod jobs;
mod motion_edit;
mod motion_search;
mod motion_windows;
pub mod recording;
mod review;
mod review_logic;
mod second_window;
mod settings_window;
pub mod streams;
mod timeline_view;
mod top_bar;
pub mod wall;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use commands::{AppCommand, ReviewCommand, ViewCommand, WallCommand};
use i18n::{Lang, Msg, tr};

use crate::core::layout::{Direction, Layout, STANDARD_LAYOUTS, Wall};
use crate::core::settings::Settings;
use crate::core::site::{Site, StreamProfile};
use crate::core::timeline::{GapMode, TimelineCommand};
use crate::media::{Ingest, StreamKey, SupervisorPolicy};

/// How the window starts.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// A standard layout name ("6x6", "1+5", …); default: the smallest grid that holds every camera.
    pub layout: Option<String>,
    /// The UI language; `None`: the one saved in settings, else Vietnamese.
    pub lang: Option<Lang>,
    /// Where snapshots go; default: the saved setting, else the user's pictures folder.
    pub snapshot_dir: Option<PathBuf>,
    /// The data dir whose database keeps saved layouts; `None`: layouts are not kept.
    pub data_dir: Option<PathBuf>,
    /// Record the site's cameras into the data dir (when no other process does).
    pub record: bool,
    /// Where "now" comes from (fixed in snapshot tests).
    pub clock: crate::core::time::Clock,
    /// The `vigil` binary that keeps recording when the window closes (`None`: not offered,
    /// as in the demo, whose simulated cameras end with the window).
    pub background_recorder: Option<PathBuf>,
}

/// Window state of this run, never saved: what is open, what is being typed.
#[derive(Default)]
struct UiState {
    fullscreen: bool,
    settings_open: bool,
    timeline_open: bool,
    /// The name typed for "save layout".
    layout_name: String,
    /// The pictures folder as typed in the settings window.
    snapshot_dir_text: String,
    /// The window was asked to close while recording: the dialog is up.
    close_asked: bool,
    /// The user chose how to close: let the next close through.
    close_confirmed: bool,
}

/// Start-up figures written to the log once each.
struct Milestones {
    started: Instant,
    /// Every camera live (the cold-start figure).
    all_live: bool,
    /// Every camera on the wall has a measured frame rate and size.
    all_streaming: bool,
}

pub struct VigilApp {
    site: Site,
    /// The user's choices as the data dir keeps them (the command line may override some for
    /// this run; only changes made in the GUI are saved).
    settings: Settings,
    /// The data dir's database: saved layouts, settings, bookmarks, recordings' index.
    store: Option<crate::store::Store>,
    data_dir: Option<PathBuf>,
    ingest: Arc<Ingest>,
    planner: streams::StreamPlanner,
    wake: crate::media::WakeFn,
    wall: Wall,
    wall_state: wall::WallState,
    /// A second window with its own wall, fed by the same decoders.
    second: Option<second_window::SecondWindow>,
    saved_layouts: Vec<crate::store::SavedLayout>,
    /// Commands pushed by the views this frame.
    commands: Vec<AppCommand>,
    observations: Vec<streams::TileObservation>,
    ui: UiState,
    /// The last message for the status line.
    status: Option<String>,
    jobs: jobs::Jobs,
    review: review_logic::ReviewRuntime,
    /// The alarm panel and the open alarms as last read.
    alarms: alarms::AlarmsRuntime,
    /// A camera's motion settings or Smart Motion Search, when open.
    motion: motion_windows::MotionWindows,
    recording: recording::RecordingView,
    /// The recorder starts once the wall is live (or after [`RECORDER_START_DELAY`]), so its
    /// 35 connections don't slow the wall's cold start.
    record_dir_pending: Option<PathBuf>,
    milestones: Milestones,
    /// "Now" for the views and the timeline (the system clock, or fixed in tests).
    clock: crate::core::time::Clock,
    /// The `vigil` binary for recording in the background after the window closes.
    background_recorder: Option<PathBuf>,
}

const RECORDER_START_DELAY: Duration = Duration::from_secs(3);

impl VigilApp {
    pub fn new(cc: &eframe::CreationContext<'_>, site: Site, options: StartOptions) -> Result<Self, String> {
        fonts::install(&cc.egui_ctx);
        if let Some(render_state) = cc.wgpu_render_state.as_ref() {
            crate::render::install(render_state);
        }
        let ctx = cc.egui_ctx.clone();
        // New frames repaint the wall, at most about 30 times a second.
        let wake: crate::media::WakeFn = Arc::new(move || ctx.request_repaint_after(Duration::from_millis(33)));
        let (ingest, _events) = Ingest::new(wake.clone(), SupervisorPolicy::default(), 256).map_err(|e| e.to_string())?;
        let ids = commands::enabled_ids(&site);
        let layout = match options.layout.as_deref() {
            Some(name) => {
                Layout::standard(name).ok_or_else(|| format!("unknown layout {name:?}; try one of {}", STANDARD_LAYOUTS.join(", ")))?
            }
            None => Layout::fitting(ids.len()),
        };
        let store = options.data_dir.as_deref().and_then(|dir| match crate::store::Store::open_dir(dir) {
            Ok(store) => Some(store),
            Err(e) => {
                tracing::warn!("layouts and settings will not be saved: {e}");
                None
            }
        });
        let mut settings = store.as_ref().map_or_else(Settings::default, |s| {
            s.settings().unwrap_or_else(|e| {
                tracing::warn!("settings unreadable, defaults used: {e}");
                Settings::default()
            })
        });
        // The command line wins over the saved settings (for this run).
        if let Some(lang) = options.lang {
            settings.lang = lang;
        }
        if let Some(dir) = &options.snapshot_dir {
            settings.snapshot_dir = Some(dir.clone());
        }
        // Resolved once: the settings window compares against it every frame it is open.
        settings.snapshot_dir.get_or_insert_with(settings_window::default_snapshot_dir);
        let saved_layouts = store.as_ref().map_or_else(Vec::new, |s| {
            s.load_layouts().unwrap_or_else(|e| {
                tracing::warn!("saved layouts unreadable: {e}");
                Vec::new()
            })
        });
        let mut app = Self {
            wall: Wall::new(layout, &ids),
            site,
            settings,
            store,
            data_dir: options.data_dir.clone(),
            ingest: Arc::new(ingest),
            planner: streams::StreamPlanner::default(),
            wake,
            wall_state: wall::WallState::default(),
            second: None,
            saved_layouts,
            commands: Vec::new(),
            observations: Vec::new(),
            ui: UiState::default(),
            status: None,
            jobs: jobs::Jobs::default(),
            review: review_logic::ReviewRuntime::new(options.clock.now_90k()),
            alarms: alarms::AlarmsRuntime::default(),
            motion: motion_windows::MotionWindows::default(),
            clock: options.clock,
            background_recorder: options.background_recorder.clone(),
            recording: recording::RecordingView::off(),
            record_dir_pending: None,
            milestones: Milestones { started: Instant::now(), all_live: false, all_streaming: false },
        };
        app.ui.snapshot_dir_text = app.snapshot_dir().display().to_string();
        // Connect every camera at once (substreams), before the first frame is laid out.
        app.planner.update(&[], &app.ingest, &app.site, true);
        if options.record && options.data_dir.is_some() {
            app.record_dir_pending = options.data_dir.clone();
            app.recording = recording::RecordingView::waiting();
        }
        Ok(app)
    }

    /// Queues a command as a view would push it (applied at the end of the next frame).
    pub fn command(&mut self, command: impl Into<AppCommand>) {
        self.commands.push(command.into());
    }

    /// The decode mode of every open stream (for tests and diagnostics).
    pub fn stream_modes(&self) -> Vec<(StreamKey, crate::media::DecodeMode)> {
        self.ingest.handles().into_iter().map(|h| (h.key.clone(), h.mode())).collect()
    }

    /// The state of every open stream (for tests and diagnostics).
    pub fn stream_states(&self) -> Vec<(StreamKey, crate::media::StreamState)> {
        self.ingest.handles().into_iter().map(|h| (h.key.clone(), h.state())).collect()
    }

    /// The timeline (cursor, window, play state).
    pub fn timeline(&self) -> &crate::core::timeline::Timeline {
        &self.review.timeline
    }

    /// A hover thumbnail has been drawn on the timeline.
    pub fn thumbnail_drawn(&self) -> bool {
        self.review.thumbnail_shown.is_some()
    }

    /// In playback: the recorded instant a camera's tile shows (`None`: none, or not decoded yet).
    pub fn playback_shown_90k(&self, camera_id: &str) -> Option<crate::core::time::Time90k> {
        self.review.playback.as_ref()?.tile(camera_id)?.shown().0
    }

    /// In playback: the engine has answered for this camera (a picture, or nothing recorded).
    pub fn playback_answered(&self, camera_id: &str) -> bool {
        self.review.playback.as_ref().and_then(|p| p.tile(camera_id)).is_some()
    }

    /// Playing: a camera's tile shows fewer pictures than recorded (its badge says so).
    pub fn playback_reduced(&self, camera_id: &str) -> bool {
        self.review.playback.as_ref().and_then(|p| p.tile(camera_id)).is_some_and(|t| t.reduced())
    }

    /// In playback: the size of the picture a camera's tile holds (a preview's is smaller).
    pub fn playback_picture_size(&self, camera_id: &str) -> Option<(u32, u32)> {
        let tile = self.review.playback.as_ref()?.tile(camera_id)?;
        tile.slot.latest().map(|f| (f.width, f.height))
    }

    /// The open alarms as the panel last read them, newest first.
    pub fn open_alarms(&self) -> &[crate::store::alarms::AlarmRow] {
        &self.alarms.open
    }

    /// Alarm chimes asked for so far (a new or escalated alarm, not muted).
    pub fn alarm_rings(&self) -> u64 {
        self.alarms.rings
    }

    /// The alarm panel is open.
    pub fn alarms_panel_open(&self) -> bool {
        self.alarms.panel_open
    }

    /// The settings window is open.
    pub fn settings_open(&self) -> bool {
        self.ui.settings_open
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Where snapshots go now.
    pub fn snapshot_dir(&self) -> PathBuf {
        self.settings.snapshot_dir.clone().unwrap_or_else(settings_window::default_snapshot_dir)
    }

    /// The gaps setting (for tests).
    pub fn gap_mode(&self) -> GapMode {
        self.settings.gap_mode
    }

    /// Whether the recorder, when it next starts, records preview tracks (for tests).
    pub fn record_previews(&self) -> bool {
        self.settings.record_previews
    }

    /// What the wall shows (layout, tiles, maximized tile).
    pub fn wall(&self) -> &Wall {
        &self.wall
    }

    /// The second window's wall, if open.
    pub fn second_wall(&self) -> Option<&Wall> {
        self.second.as_ref().map(|s| &s.wall)
    }

    pub fn lang(&self) -> Lang {
        self.settings.lang
    }

    /// The last message of the status line (snapshots, errors).
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        // Shortcuts, unless a text field has the keyboard.
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        ctx.input(|i| {
            let digits = [
                egui::Key::Num1,
                egui::Key::Num2,
                egui::Key::Num3,
                egui::Key::Num4,
                egui::Key::Num5,
                egui::Key::Num6,
                egui::Key::Num7,
                egui::Key::Num8,
                egui::Key::Num9,
            ];
            for (n, key) in digits.iter().enumerate() {
                if i.key_pressed(*key)
                    && let Some(nb) = self.site.neighborhoods.get(n)
                {
                    self.commands.push(WallCommand::ShowNeighborhood(nb.id.clone()).into());
                }
            }
            // The timeline: Space play/pause, J/K/L shuttle, `,` `.` (or Shift+arrows) a frame,
            // Home back to live (the buttons' tooltips say so).
            let timeline = |cmd: TimelineCommand| -> AppCommand { ReviewCommand::Timeline(cmd).into() };
            let review_keys: [(egui::Key, AppCommand); 7] = [
                (egui::Key::Space, timeline(TimelineCommand::TogglePlay)),
                (egui::Key::J, timeline(TimelineCommand::Shuttle { forward: false })),
                (egui::Key::K, timeline(TimelineCommand::Pause)),
                (egui::Key::L, timeline(TimelineCommand::Shuttle { forward: true })),
                (egui::Key::Home, timeline(TimelineCommand::GoLive)),
                (egui::Key::Comma, ReviewCommand::Step(-1).into()),
                (egui::Key::Period, ReviewCommand::Step(1).into()),
            ];
            for (key, command) in review_keys {
                if i.key_pressed(key) {
                    self.commands.push(command);
                }
            }
            let shift = i.modifiers.shift;
            if shift {
                for (key, direction) in [(egui::Key::ArrowLeft, -1), (egui::Key::ArrowRight, 1)] {
                    if i.key_pressed(key) {
                        self.commands.push(ReviewCommand::Step(direction).into());
                    }
                }
            }
            let shortcuts: [(egui::Key, AppCommand); 10] = [
                (egui::Key::Num0, WallCommand::ShowAll.into()),
                (egui::Key::Escape, ViewCommand::Restore.into()),
                (egui::Key::F, ViewCommand::ToggleFullscreen.into()),
                (egui::Key::ArrowLeft, WallCommand::MoveSelection(Direction::Left).into()),
                (egui::Key::ArrowRight, WallCommand::MoveSelection(Direction::Right).into()),
                (egui::Key::ArrowUp, WallCommand::MoveSelection(Direction::Up).into()),
                (egui::Key::ArrowDown, WallCommand::MoveSelection(Direction::Down).into()),
                (egui::Key::Enter, WallCommand::MaximizeSelected.into()),
                (egui::Key::S, ViewCommand::SnapshotSelected.into()),
                (egui::Key::Delete, WallCommand::RemoveSelected.into()),
            ];
            for (key, command) in shortcuts {
                // Shift+←/→ steps a frame (above) instead of moving the tile selection.
                let stepped = shift && matches!(key, egui::Key::ArrowLeft | egui::Key::ArrowRight);
                if i.key_pressed(key) && !stepped {
                    self.commands.push(command);
                }
            }
        });
    }

    /// Saves the selected (or maximized) tile's current frame as PNG, at the decoded resolution,
    /// on a named thread; the result comes back for the status line.
    fn snapshot_selected(&mut self) {
        let lang = self.settings.lang;
        let tile = self.wall.maximized.or(self.wall.selected);
        let Some(camera_id) = tile.and_then(|t| self.wall.cameras.get(t).cloned().flatten()) else {
            self.status = Some(tr(lang, Msg::SelectTileFirst).to_string());
            return;
        };
        let profile = self.planner.shown(tile.unwrap_or(0), &camera_id);
        let frame = self
            .ingest
            .handle(&StreamKey::new(camera_id.as_str(), profile))
            .or_else(|| self.sub_handle(&camera_id))
            .and_then(|h| h.slot.latest());
        let Some(cam) = self.site.camera(&camera_id) else {
            self.status = Some(format!("{}: {camera_id}", tr(lang, Msg::SnapshotFailed)));
            return;
        };
        // A tile showing the substream: the full picture from the main stream's recording
        // (the tile's own frame when nothing was recorded in the last seconds).
        if profile == StreamProfile::Sub
            && let Some(data_dir) = self.data_dir.clone()
        {
            let name = jobs::SnapshotName {
                dir: self.snapshot_dir(),
                camera_name: cam.name.clone(),
                timezone: self.site.timezone,
                now_90k: self.clock.now_90k(),
            };
            self.jobs.snapshot_full(data_dir, camera_id, frame, name);
            return;
        }
        let Some(frame) = frame else {
            self.status = Some(format!("{}: {camera_id}", tr(lang, Msg::SnapshotFailed)));
            return;
        };
        let now = i18n::local_date_time(self.clock.now_unix_ns(), self.site.timezone);
        let path = self.snapshot_dir().join(crate::media::snapshot::snapshot_file_name(&cam.name, &now));
        self.jobs.snapshot(frame, path);
    }

    /// Start-up figures in the log: all live (cold start), then all measured.
    fn log_milestones(&mut self) {
        if self.milestones.all_streaming {
            return;
        }
        let handles: Vec<_> = commands::enabled_ids(&self.site).iter().filter_map(|id| self.sub_handle(id)).collect();
        if handles.is_empty() {
            return;
        }
        let m = &mut self.milestones;
        if !m.all_live && handles.iter().all(|h| h.state().is_live()) {
            m.all_live = true;
            tracing::info!(cameras = handles.len(), elapsed_ms = m.started.elapsed().as_millis() as u64, "all cameras live");
        }
        if m.all_live {
            let on_wall: Vec<_> = self.wall.cameras.iter().flatten().filter_map(|id| self.sub_handle(id)).collect();
            if on_wall.iter().all(|h| h.stats().fps > 0.0) {
                self.milestones.all_streaming = true;
                tracing::info!(cameras = on_wall.len(), "all cameras streaming");
            }
        }
    }

    /// Starts the GUI's recorder once the wall is live, or after [`RECORDER_START_DELAY`].
    fn start_recorder_when_due(&mut self, ctx: &egui::Context) {
        if self.record_dir_pending.is_none() {
            return;
        }
        if self.milestones.all_live || self.milestones.started.elapsed() >= RECORDER_START_DELAY {
            if let Some(dir) = self.record_dir_pending.take() {
                self.recording = recording::RecordingView::start(&dir, &self.site, self.ingest.clone(), self.settings.record_previews);
            }
        } else {
            ctx.request_repaint_after(RECORDER_START_DELAY);
        }
    }

    /// What a wall view needs to find each tile's stream.
    fn wall_streams(&self) -> wall::WallStreams<'_> {
        wall::WallStreams {
            site: &self.site,
            ingest: &self.ingest,
            planner: &self.planner,
            lang: self.settings.lang,
            playback: self.review.playback.as_ref().filter(|_| !self.review.timeline.is_live()),
            alarmed: &self.alarms.unacknowledged,
            hold_gaps: self.settings.gap_mode == GapMode::Hold,
            paused: self.review.timeline.mode() == (crate::core::timeline::Mode::Playback { playing: false }),
        }
    }
}

impl eframe::App for VigilApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // No periodic repaint: new frames and state changes wake the app (the ingest wake hook), so
        // with every camera offline it sleeps. A slow refresh keeps hover figures and retry
        // counters honest without costing a software rasterizer a frame a second.
        ctx.request_repaint_after(Duration::from_secs(10));
        self.hold_close_while_recording(ctx);
        self.keyboard(ctx);
        self.log_milestones();
        self.start_recorder_when_due(ctx);
        if let Some(message) = self.recording.poll() {
            self.status = Some(message);
        }
        if let Some(line) = self.jobs.poll(self.settings.lang).pop() {
            self.status = Some(line);
        }
        self.poll_incidents();
        self.poll_alarms(ctx);
        self.playback_logic(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("layouts").show(ui, |ui| self.top_bar_ui(ui));
        // The side panel keeps its width when a section opens (the user may drag it, within limits).
        egui::Panel::left("cameras").resizable(true).default_size(250.0).size_range(200.0..=420.0).show(ui, |ui| self.side_panel_ui(ui));
        // The timeline spans the window's width; the alarm panel stands beside the wall above it.
        if self.ui.timeline_open {
            self.timeline_panel_ui(ui);
        }
        if self.alarms.panel_open {
            self.alarms_panel_ui(ui);
        }
        let mut observations = std::mem::take(&mut self.observations);
        observations.clear();
        let mut wall_commands = Vec::new();
        let mut wall_state = std::mem::take(&mut self.wall_state);
        egui::CentralPanel::default().frame(egui::Frame::NONE.fill(egui::Color32::BLACK)).show(ui, |ui| {
            self.wall_streams().wall_ui(ui, &self.wall, 0, &mut wall_state, &mut wall_commands, &mut observations);
        });
        self.wall_state = wall_state;
        self.commands.extend(wall_commands.into_iter().map(AppCommand::from));
        let ctx = ui.ctx().clone();
        if let Some(mut second) = self.second.take() {
            // The second window applies its commands to its own wall.
            if second.show(&ctx, &self.wall_streams(), &self.site, &mut observations) {
                self.second = Some(second);
            }
        }
        self.settings_ui(&ctx);
        self.motion_windows_ui(&ctx);
        let lang = self.settings.lang;
        review::forms_ui(&ctx, &mut self.review.state, self.site.timezone, lang, &mut self.commands);
        review::export_result_ui(&ctx, &mut self.jobs.last_export, lang);
        self.close_dialog_ui(&ctx);
        let site = &self.site;
        let camera_name = |id: &str| site.camera(id).map_or_else(|| id.to_string(), |c| c.name.clone());
        review::incidents_ui(&ctx, &mut self.review.state, &camera_name, site.timezone, lang, &mut self.commands);
        // Frame end: apply what the views asked for, then fit the streams to what is on screen.
        for command in std::mem::take(&mut self.commands) {
            self.apply(&ctx, command);
        }
        self.planner.update(&observations, &self.ingest, &self.site, self.review.timeline.is_live());
        self.observations = observations;
    }

    fn on_exit(&mut self) {
        // Open segments are finished and indexed before the process ends (fsyncs: well under a second).
        self.recording.shutdown();
        // Teardown may block on dead cameras: do it on a named thread, not the UI thread.
        let ingest = self.ingest.clone();
        let _ = std::thread::Builder::new().name("ingest-shutdown".into()).spawn(move || ingest.shutdown());
    }
}

/// Opens the main window.
pub fn run(site: Site, title: &str, options: StartOptions) -> Result<(), String> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_title(title).with_inner_size([1600.0, 900.0]).with_maximized(true),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    eframe::run_native(
        "vigil",
        native,
        Box::new(move |cc| {
            Ok(Box::new(VigilApp::new(cc, site, options).map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}
