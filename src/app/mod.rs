//! The eframe application: the live wall (GPU tiles in a layout), a camera list grouped by
//! neighborhood, and a layout bar. Views never import GStreamer: they read [`crate::media`]'s plain
//! state types. Views push commands; [`VigilApp`] applies them after the frame is laid out.

mod fonts;
pub mod i18n;
pub(crate) mod playback;
mod review;
mod timeline_view;
pub mod recording;
pub mod streams;
pub mod wall;

use std::sync::Arc;
use std::time::Duration;

use crate::core::layout::{Direction, Layout, STANDARD_LAYOUTS, Wall};
use i18n::{Lang, Msg, reason_text, tr};
use crate::core::site::{Neighborhood, Site, StreamProfile};
use crate::media::{Ingest, StreamKey, StreamState, SupervisorPolicy};

/// How the window starts.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// A standard layout name ("6x6", "1+5", …); default: the smallest grid that holds every camera.
    pub layout: Option<String>,
    /// The UI language; `None`: the one saved in settings, else Vietnamese.
    pub lang: Option<Lang>,
    /// Where snapshots go; default: the user's pictures folder.
    pub snapshot_dir: Option<std::path::PathBuf>,
    /// The data dir whose database keeps saved layouts; `None`: layouts are not kept.
    pub data_dir: Option<std::path::PathBuf>,
    /// Record the site's cameras into the data dir (when no other process does).
    pub record: bool,
}

/// Changes asked for by the views, applied at the end of the frame.
#[derive(Debug, Clone, PartialEq)]
pub enum AppCommand {
    SetLayout(String),
    ShowNeighborhood(String),
    ShowAll,
    ToggleMaximized(usize),
    Select(usize),
    MoveSelection(Direction),
    MaximizeSelected,
    RemoveSelected,
    /// A camera dropped on a tile.
    Assign(usize, String),
    /// A tile dragged onto another.
    Swap(usize, usize),
    Remove(usize),
    /// Wheel over a tile: zoom by a factor around the cursor (its place in the picture, 0..1).
    Zoom(usize, f32, [f32; 2]),
    /// Drag in a zoomed tile: move the picture by tile fractions.
    Pan(usize, [f32; 2]),
    ResetZoom(usize),
    /// Switch a tile between letterbox and fill.
    ToggleFill(usize),
    Restore,
    ToggleFullscreen,
    SetLang(Lang),
    /// Where snapshots go (settings window).
    SetSnapshotDir(std::path::PathBuf),
    /// Skip or hold gaps in playback (settings window).
    SetGapMode(crate::core::timeline::GapMode),
    /// Record substream preview tracks from the next recorder start (settings window).
    SetRecordPreviews(bool),
    ToggleSettings,
    ToggleTimeline,
    Timeline(crate::core::timeline::TimelineCommand),
    /// Scrub (`exact: false`: the keyframe, while dragging) or jump (`exact: true`) to an instant.
    TimelineSeek { t_90k: i64, exact: bool },
    /// One frame back (−1) or forward (+1) in playback.
    TimelineStep(i8),
    /// In / out points of the selection at the cursor.
    MarkIn,
    MarkOut,
    OpenBookmarkForm,
    OpenExportForm,
    CloseForms,
    ToggleIncidents,
    /// Bookmark the selection on the wall's cameras.
    SaveBookmark { title: String, note: String, lock: bool },
    /// Export the selection of the wall's cameras into a new folder.
    StartExport(std::path::PathBuf),
    /// Jump to a bookmark: its cameras on the wall, its range selected, the cursor at its start.
    ShowBookmark(i64),
    LockBookmark(i64, bool),
    SnapshotSelected,
    SaveLayout(String),
    LoadSavedLayout(String),
    DeleteSavedLayout(String),
    OpenSecondWindow,
}

/// Tile numbers of the second window's wall, as the stream planner sees them (apart from the
/// main wall's).
const SECOND_WALL_TILE_OFFSET: usize = 10_000;

pub struct VigilApp {
    site: Site,
    wall: Wall,
    planner: streams::StreamPlanner,
    wall_state: wall::WallState,
    ingest: Arc<Ingest>,
    commands: Vec<AppCommand>,
    observations: Vec<streams::TileObservation>,
    fullscreen: bool,
    lang: Lang,
    snapshot_dir: std::path::PathBuf,
    /// Results of snapshots written on their own threads.
    snapshot_results: (std::sync::mpsc::SyncSender<Result<String, String>>, std::sync::mpsc::Receiver<Result<String, String>>),
    /// The last message for the status line.
    status: Option<String>,
    /// Database for saved layouts (small writes on user actions only).
    store: Option<crate::store::Store>,
    saved_layouts: Vec<crate::store::SavedLayout>,
    /// The name typed for "save layout".
    layout_name: String,
    /// A second window with its own wall, fed by the same decoders.
    second_wall: Option<Wall>,
    second_state: wall::WallState,
    started: std::time::Instant,
    /// Logged once: how long from start until every camera was live (cold-start figure).
    all_live_logged: bool,
    /// Logged once: every camera on the wall has a measured frame rate and size.
    all_streaming_logged: bool,
    recording: recording::RecordingView,
    /// The recorder starts once the wall is live (or after [`RECORDER_START_DELAY`]), so its
    /// 35 connections don't slow the wall's cold start.
    record_dir_pending: Option<std::path::PathBuf>,
    settings_open: bool,
    timeline: crate::core::timeline::Timeline,
    timeline_open: bool,
    /// Decodes recordings for the wall in playback (started when first needed).
    playback: Option<playback::PlaybackEngine>,
    /// The instant last asked of the playback engine.
    playback_asked_90k: Option<i64>,
    gap_mode: crate::core::timeline::GapMode,
    /// The site's preview-track setting, used when the recorder starts.
    record_previews: bool,
    /// The cursor where playing last looked for a gap to skip.
    gap_checked_90k: Option<i64>,
    /// Coverage tracks of the cameras on the wall: (cameras, window) they were read for, when.
    tracks: TrackCache,
    wake: crate::media::WakeFn,
    review: review::ReviewState,
    /// The thumbnail picture last handed to the renderer (its address), to upload only new ones.
    thumbnail_shown: Option<(u64, u8)>,
    /// Bookmarks overlapping the visible window: (start, end).
    bookmarks_in_view: Vec<(i64, i64)>,
    /// The pictures folder as typed in the settings window.
    snapshot_dir_text: String,
    data_dir: Option<std::path::PathBuf>,
}

/// Coverage of the wall's cameras in the timeline's window, and what it was read for.
#[derive(Default)]
struct TrackCache {
    cameras: Vec<String>,
    /// (start, span) of the window read.
    window: (i64, i64),
    covered: Vec<Vec<crate::core::timeline::Span90k>>,
    read_at: Option<std::time::Instant>,
}

const SETTING_LANG: &str = "ui.lang";

use crate::core::time::now_90k;

/// A frame of the recorded main streams (25 fps), for frame steps.
const FRAME_90K: i64 = 3_600;
const SETTING_SNAPSHOT_DIR: &str = "ui.snapshot_dir";
const SETTING_GAPS: &str = "playback.gaps";

const RECORDER_START_DELAY: Duration = Duration::from_secs(3);

fn enabled_ids(site: &Site) -> Vec<String> {
    site.cameras.iter().filter(|c| c.enabled).map(|c| c.id.clone()).collect()
}

impl VigilApp {
    pub fn new(cc: &eframe::CreationContext<'_>, site: Site, options: StartOptions) -> Result<Self, String> {
        fonts::install(&cc.egui_ctx);
        if let Some(render_state) = cc.wgpu_render_state.as_ref() {
            crate::render::install(render_state);
        }
        let ctx = cc.egui_ctx.clone();
        // New frames repaint the wall, at most about 30 times a second.
        let wake: crate::media::WakeFn = Arc::new(move || ctx.request_repaint_after(Duration::from_millis(33)));
        let (ingest, _events) = Ingest::new(wake.clone(), SupervisorPolicy::default(), 256)?;
        let ids = enabled_ids(&site);
        let layout = match options.layout.as_deref() {
            Some(name) => Layout::standard(name).ok_or_else(|| format!("unknown layout {name:?}; try one of {}", STANDARD_LAYOUTS.join(", ")))?,
            None => Layout::fitting(ids.len()),
        };
        let wall = Wall::new(layout, &ids);
        let mut app = Self {
            site,
            wall,
            planner: streams::StreamPlanner::default(),
            wall_state: wall::WallState::default(),
            ingest: Arc::new(ingest),
            commands: Vec::new(),
            observations: Vec::new(),
            fullscreen: false,
            lang: options.lang.unwrap_or_default(),
            snapshot_dir: options.snapshot_dir.clone().unwrap_or_else(default_snapshot_dir),
            snapshot_results: std::sync::mpsc::sync_channel(8),
            status: None,
            store: None,
            saved_layouts: Vec::new(),
            layout_name: String::new(),
            second_wall: None,
            second_state: wall::WallState::default(),
            started: std::time::Instant::now(),
            all_live_logged: false,
            all_streaming_logged: false,
            recording: recording::RecordingView::off(),
            record_dir_pending: None,
            settings_open: false,
            timeline: crate::core::timeline::Timeline::new(now_90k(), 1000.0),
            timeline_open: false,
            playback: None,
            playback_asked_90k: None,
            gap_mode: crate::core::timeline::GapMode::default(),
            record_previews: true,
            gap_checked_90k: None,
            tracks: TrackCache::default(),
            wake,
            review: review::ReviewState::default(),
            thumbnail_shown: None,
            bookmarks_in_view: Vec::new(),
            snapshot_dir_text: String::new(),
            data_dir: options.data_dir.clone(),
        };
        if let Some(dir) = &options.data_dir {
            match crate::store::Store::open_dir(dir) {
                Ok(store) => {
                    app.saved_layouts = store.load_layouts().unwrap_or_else(|e| {
                        tracing::warn!("saved layouts unreadable: {e}");
                        Vec::new()
                    });
                    // Settings saved from the settings window; the command line wins.
                    if options.lang.is_none()
                        && let Ok(Some(lang)) = store.setting(SETTING_LANG)
                    {
                        app.lang = Lang::parse(&lang).unwrap_or_default();
                    }
                    if options.snapshot_dir.is_none()
                        && let Ok(Some(dir)) = store.setting(SETTING_SNAPSHOT_DIR)
                    {
                        app.snapshot_dir = dir.into();
                    }
                    if let Ok(Some(mode)) = store.setting(SETTING_GAPS) {
                        app.gap_mode = crate::core::timeline::GapMode::parse(&mode).unwrap_or_default();
                    }
                    app.record_previews = crate::record::previews_wanted(&store);
                    app.store = Some(store);
                }
                Err(e) => tracing::warn!("layouts will not be saved: {e}"),
            }
        }
        // Connect every camera at once (substreams), before the first frame is laid out.
        app.planner.update(&[], &app.ingest, &app.site, true);
        if options.record && options.data_dir.is_some() {
            app.record_dir_pending = options.data_dir.clone();
            app.recording = recording::RecordingView::waiting();
        }
        app.snapshot_dir_text = app.snapshot_dir.display().to_string();
        Ok(app)
    }

    /// The decode mode of every open stream (for tests and diagnostics).
    pub fn stream_modes(&self) -> Vec<(crate::media::StreamKey, crate::media::DecodeMode)> {
        self.ingest.handles().into_iter().map(|h| (h.key.clone(), h.mode())).collect()
    }

    /// The timeline (cursor, window, play state).
    pub fn timeline(&self) -> &crate::core::timeline::Timeline {
        &self.timeline
    }

    /// A hover thumbnail has been drawn on the timeline.
    pub fn thumbnail_drawn(&self) -> bool {
        self.thumbnail_shown.is_some()
    }

    /// In playback: the recorded instant a camera's tile shows (`None`: none, or not decoded yet).
    pub fn playback_shown_90k(&self, camera_id: &str) -> Option<i64> {
        let tile = self.playback.as_ref()?.tile(camera_id)?;
        tile.shown().0
    }

    /// In playback: the size of the picture a camera's tile holds (a preview's is smaller).
    pub fn playback_picture_size(&self, camera_id: &str) -> Option<(u32, u32)> {
        let tile = self.playback.as_ref()?.tile(camera_id)?;
        tile.slot.latest().map(|f| (f.width, f.height))
    }

    fn save_bookmark(&mut self, title: &str, note: &str, lock: bool) {
        let Some((start, end)) = self.review.selection() else { return };
        let cameras: Vec<String> = self.wall.cameras.iter().flatten().cloned().collect();
        let Some(store) = &self.store else { return };
        match store.add_bookmark(title, note, &cameras, start, end, lock) {
            Ok(_) => {
                self.review.bookmark_form = None;
                self.review.found_for = None;
                self.tracks.read_at = None;
                self.status = Some(format!("{}: {title}", tr(self.lang, Msg::BookmarkDots).trim_end_matches('…')));
            }
            Err(e) => self.status = Some(e.to_string()),
        }
    }

    fn start_export(&mut self, out: std::path::PathBuf) {
        let (Some((from_90k, to_90k)), Some(data_dir)) = (self.review.selection(), self.data_dir.clone()) else { return };
        let request = crate::export::ExportRequest {
            cameras: self.wall.cameras.iter().flatten().cloned().collect(),
            from_90k,
            to_90k,
            out_dir: out.clone(),
            exported_by: std::env::var("USER").unwrap_or_else(|_| "vigil".into()),
            snapshots: Vec::new(),
            burn_in: self.review.burn_in,
        };
        let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let total = Arc::new(std::sync::atomic::AtomicU64::new(1));
        let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (d, t, c, wake) = (done.clone(), total.clone(), cancel.clone(), self.wake.clone());
        let spawned = std::thread::Builder::new().name("export".into()).spawn(move || {
            let mut progress = |p: crate::export::ExportProgress| {
                d.store(p.done_bytes, std::sync::atomic::Ordering::Relaxed);
                t.store(p.total_bytes.max(1), std::sync::atomic::Ordering::Relaxed);
                wake();
            };
            let result = crate::export::export(&data_dir, &request, &mut progress, &c).map_err(|e| e.to_string());
            // The manifest's own hash, to write down with the case file (verify-export
            // --manifest-sha256 then proves the manifest was not rewritten).
            let result = result.map(|m| {
                let hash = crate::export::manifest::manifest_sha256(&request.out_dir).unwrap_or_else(|e| e.to_string());
                (m, hash)
            });
            let _ = tx.send(result);
            wake();
        });
        if spawned.is_ok() {
            self.review.export_form = None;
            self.review.export_job = Some(review::ExportJob { out, done_bytes: done, total_bytes: total, cancel, result: rx });
        }
    }

    fn show_bookmark(&mut self, id: i64) {
        let Some(Ok(Some(b))) = self.store.as_ref().map(|s| s.bookmark(id)) else { return };
        let cameras: Vec<String> = b.cameras.iter().filter(|c| self.site.camera(c).is_some()).cloned().collect();
        if !cameras.is_empty() {
            self.wall = Wall::new(Layout::fitting(cameras.len()), &cameras);
        }
        self.review.mark_in = Some(b.start_90k);
        self.review.mark_out = Some(b.end_90k);
        self.timeline_open = true;
        self.timeline.apply(crate::core::timeline::TimelineCommand::Seek(b.start_90k), now_90k());
        self.ask_playback(true);
    }

    /// News of a running export, and the incidents search.
    fn poll_review(&mut self) {
        if let Some(job) = &self.review.export_job
            && let Ok(result) = job.result.try_recv()
        {
            self.status = Some(match result {
                Ok((m, hash)) => format!(
                    "{}: {} ({} {}) · {}: {hash}",
                    tr(self.lang, Msg::ExportDone),
                    job.out.display(),
                    m.files.len(),
                    tr(self.lang, Msg::Files),
                    tr(self.lang, Msg::ManifestHash)
                ),
                Err(e) => format!("{}: {e}", tr(self.lang, Msg::ExportFailed)),
            });
            self.review.export_job = None;
        }
        let query = format!("{}\u{0}{}", self.review.search, self.review.search_day);
        if self.review.incidents_open && self.review.found_for.as_deref() != Some(query.as_str()) {
            // A day typed in full narrows the search to it; anything else searches every day.
            let (from, to) = review::local_day_90k(&self.review.search_day, &self.site.timezone).unwrap_or((i64::MIN, i64::MAX));
            if let Some(store) = &self.store {
                self.review.found = store.search_bookmarks(&self.review.search, from, to).unwrap_or_default();
            }
            self.review.found_for = Some(query);
        }
    }

    /// Asks the playback engine for every camera of the wall at the cursor.
    fn ask_playback(&mut self, exact: bool) {
        self.ask_playback_for(false, exact);
    }

    /// Playing forward: the engine decodes only the frames since the last update.
    fn ask_playback_continuous(&mut self) {
        self.ask_playback_for(true, true);
    }

    fn ask_playback_for(&mut self, continuous: bool, exact: bool) {
        let cameras: Vec<String> = self.wall.cameras.iter().flatten().cloned().collect();
        let t = self.timeline.cursor_90k();
        let Some(engine) = self.playback_engine() else { return };
        if continuous {
            engine.play_to(cameras, t);
        } else {
            engine.show(cameras, t, exact);
        }
        self.playback_asked_90k = Some(t);
    }

    /// The playback thread, started on first use (it needs the data dir's recordings).
    fn playback_engine(&mut self) -> Option<&playback::PlaybackEngine> {
        if self.playback.is_none()
            && let Some(dir) = &self.data_dir
        {
            self.playback = Some(playback::PlaybackEngine::start(dir.clone(), self.wake.clone()));
        }
        self.playback.as_ref()
    }

    /// A small picture of the hovered track's camera at the hovered instant (its keyframe),
    /// decoded in the background; drawn through the same GPU path as the wall.
    fn thumbnail_ui(&mut self, ctx: &egui::Context, row: usize, t_90k: i64, pos: egui::Pos2) {
        let Some(camera) = self.tracks.cameras.get(row).cloned() else { return };
        let Some(engine) = self.playback_engine() else { return };
        let Some(Some(frame)) = engine.thumbnail(&camera, t_90k) else {
            ctx.request_repaint_after(Duration::from_millis(50));
            return;
        };
        let size = egui::vec2(240.0, 240.0 * frame.height as f32 / frame.width.max(1) as f32);
        let screen = ctx.content_rect();
        let at = pos - egui::vec2(size.x / 2.0, size.y + 16.0);
        let at = egui::pos2(at.x.clamp(screen.min.x, (screen.max.x - size.x).max(screen.min.x)), at.y.max(screen.min.y));
        egui::Area::new(egui::Id::unique("timeline-thumbnail")).fixed_pos(at).order(egui::Order::Tooltip).interactable(false).show(ctx, |ui| {
            let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
            // Hand a new picture to the renderer for its first few frames: a new area is laid out
            // once invisibly before it shows, and that frame's callback never runs.
            let seq = Arc::as_ptr(&frame) as u64;
            let uploads = match self.thumbnail_shown {
                Some((s, n)) if s == seq => n,
                _ => 0,
            };
            let is_new = uploads < 3;
            self.thumbnail_shown = Some((seq, uploads.saturating_add(1)));
            let callback = crate::render::TileCallback {
                stream_id: "thumbnail".into(),
                frame: is_new.then(|| frame.clone()),
                dim: false,
                uv_offset: [0.0, 0.0],
                uv_size: [1.0, 1.0],
            };
            ui.painter().add(eframe::egui_wgpu::Callback::new_paint_callback(rect, callback));
            ui.painter().rect_stroke(rect, 0.0, egui::Stroke::new(1.0, egui::Color32::WHITE), egui::StrokeKind::Outside);
        });
    }

    /// Coverage of the wall's cameras in the visible window (re-read when either changes, and
    /// every 5 s while it stays: recordings grow).
    fn refresh_tracks(&mut self) {
        let cameras: Vec<String> = self.wall.cameras.iter().flatten().cloned().collect();
        let window = self.timeline.view();
        let stale = self.tracks.read_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(5));
        if cameras == self.tracks.cameras && window == self.tracks.window && !stale {
            return;
        }
        let Some(store) = &self.store else { return };
        let covered = cameras
            .iter()
            .map(|c| {
                store
                    .coverage(c, window.0, window.0 + window.1)
                    .map(|v| v.into_iter().map(|s| crate::core::timeline::Span90k { start_90k: s.start_90k, end_90k: s.end_90k }).collect())
                    .unwrap_or_default()
            })
            .collect();
        self.bookmarks_in_view = store
            .search_bookmarks("", window.0, window.0 + window.1)
            .map(|v| v.into_iter().map(|b| (b.start_90k, b.end_90k)).collect())
            .unwrap_or_default();
        self.tracks = TrackCache { cameras, window, covered, read_at: Some(std::time::Instant::now()) };
    }

    /// The settings window is open.
    pub fn settings_open(&self) -> bool {
        self.settings_open
    }

    /// Where snapshots go now.
    pub fn snapshot_dir(&self) -> &std::path::Path {
        &self.snapshot_dir
    }

    /// Playing with gaps skipped: where none of the wall's cameras recorded the cursor's instant,
    /// jump to the next recorded one (the previous one backwards; live when none is ahead).
    /// Looks every half second of media (at least every 0.1 s of wall time at fast speeds).
    fn skip_gap(&mut self) {
        use crate::core::timeline::{GapStep, Mode, TimelineCommand, gap_step};
        if self.timeline.mode() != (Mode::Playback { playing: true }) {
            self.gap_checked_90k = None;
            return;
        }
        let cursor = self.timeline.cursor_90k();
        let speed = self.timeline.speed();
        let every_90k = ((speed.abs() * 0.1 * 90_000.0) as i64).max(45_000);
        if self.gap_checked_90k.is_some_and(|t| (cursor - t).abs() < every_90k) {
            return;
        }
        self.gap_checked_90k = Some(cursor);
        let Some(store) = &self.store else { return };
        let cameras: Vec<String> = self.wall.cameras.iter().flatten().cloned().collect();
        let (next, prev) = match store.recorded_around(&cameras, cursor) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("looking for recordings around the cursor: {e}");
                return;
            }
        };
        let now = now_90k();
        match gap_step(self.gap_mode, cursor, speed, next, prev) {
            GapStep::Stay => {}
            GapStep::Jump(t) => {
                tracing::debug!(from = cursor, to = t, "skipping a gap in the recordings");
                self.timeline.apply(TimelineCommand::Seek(t), now);
                self.gap_checked_90k = Some(t);
                self.ask_playback(true);
            }
            GapStep::Live => self.timeline.apply(TimelineCommand::GoLive, now),
            GapStep::Pause => self.timeline.apply(TimelineCommand::Pause, now),
        }
    }

    /// Queues a command as a view would push it (applied at the end of the next frame).
    pub fn command(&mut self, command: AppCommand) {
        self.commands.push(command);
    }

    /// The gaps setting (for tests).
    pub fn gap_mode(&self) -> crate::core::timeline::GapMode {
        self.gap_mode
    }

    /// Whether the recorder, when it next starts, records preview tracks (for tests).
    pub fn record_previews(&self) -> bool {
        self.record_previews
    }

    fn save_setting(&mut self, key: &str, value: &str) {
        if let Some(store) = &self.store
            && let Err(e) = store.set_setting(key, value)
        {
            tracing::warn!("setting {key} not saved: {e}");
        }
    }

    /// What the wall shows (layout, tiles, maximized tile).
    pub fn wall(&self) -> &Wall {
        &self.wall
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The last message of the status line (snapshots, errors).
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    fn apply(&mut self, ctx: &egui::Context, command: AppCommand) {
        match command {
            AppCommand::SetLayout(name) => {
                if let Some(layout) = Layout::standard(&name) {
                    self.wall.set_layout(layout);
                }
            }
            AppCommand::ShowNeighborhood(id) => {
                let ids: Vec<String> = self.site.cameras_in(&id).filter(|c| c.enabled).map(|c| c.id.clone()).collect();
                self.wall = Wall::new(Layout::fitting(ids.len()), &ids);
            }
            AppCommand::ShowAll => {
                let ids = enabled_ids(&self.site);
                self.wall = Wall::new(Layout::fitting(ids.len()), &ids);
            }
            AppCommand::ToggleMaximized(tile) => {
                self.wall.selected = Some(tile);
                self.wall.toggle_maximized(tile);
            }
            AppCommand::Select(tile) => {
                tracing::debug!(tile, "tile selected");
                self.wall.selected = Some(tile);
            }
            AppCommand::MoveSelection(direction) => self.wall.move_selection(direction),
            AppCommand::MaximizeSelected => {
                if let Some(tile) = self.wall.selected {
                    self.wall.toggle_maximized(tile);
                }
            }
            AppCommand::RemoveSelected => {
                if let Some(tile) = self.wall.selected {
                    self.wall.remove(tile);
                }
            }
            AppCommand::Assign(tile, camera) => self.wall.assign(tile, &camera),
            AppCommand::Swap(a, b) => self.wall.swap(a, b),
            AppCommand::Remove(tile) => self.wall.remove(tile),
            AppCommand::Zoom(tile, factor, cursor) => self.wall.zoom_at(tile, factor, cursor),
            AppCommand::Pan(tile, delta) => {
                if self.wall.zoom(tile).is_zoomed() {
                    self.wall.pan(tile, delta);
                }
            }
            AppCommand::ResetZoom(tile) => self.wall.reset_zoom(tile),
            AppCommand::ToggleFill(tile) => self.wall.toggle_fill(tile),
            AppCommand::Restore => {
                if self.wall.maximized.is_some() {
                    self.wall.maximized = None;
                } else if self.fullscreen {
                    self.fullscreen = false;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(false));
                }
            }
            AppCommand::SetLang(lang) => {
                self.lang = lang;
                self.save_setting(SETTING_LANG, lang.code());
            }
            AppCommand::SetSnapshotDir(dir) => {
                self.snapshot_dir_text = dir.display().to_string();
                self.save_setting(SETTING_SNAPSHOT_DIR, &self.snapshot_dir_text.clone());
                self.snapshot_dir = dir;
            }
            AppCommand::SetGapMode(mode) => {
                self.gap_mode = mode;
                self.save_setting(SETTING_GAPS, mode.code());
            }
            AppCommand::SetRecordPreviews(on) => {
                self.record_previews = on;
                self.save_setting(crate::record::SETTING_RECORD_PREVIEWS, if on { "on" } else { "off" });
            }
            AppCommand::ToggleSettings => self.settings_open = !self.settings_open,
            AppCommand::ToggleTimeline => self.timeline_open = !self.timeline_open,
            AppCommand::Timeline(cmd) => {
                self.timeline.apply(cmd, now_90k());
                if !self.timeline.is_live() {
                    self.ask_playback(true);
                }
            }
            AppCommand::TimelineSeek { t_90k, exact } => {
                self.timeline.apply(crate::core::timeline::TimelineCommand::Seek(t_90k), now_90k());
                self.ask_playback(exact);
            }
            AppCommand::MarkIn => self.review.mark_in = Some(self.timeline.cursor_90k()),
            AppCommand::MarkOut => self.review.mark_out = Some(self.timeline.cursor_90k()),
            AppCommand::OpenBookmarkForm => self.review.bookmark_form = Some((String::new(), String::new(), true)),
            AppCommand::OpenExportForm => {
                let stamp = self.review.selection().map_or_else(String::new, |(a, _)| {
                    crate::export::manifest::file_stamp(a, self.site.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh))
                });
                self.review.export_form = Some(self.snapshot_dir.join(format!("trich-xuat-{stamp}")).display().to_string());
            }
            AppCommand::CloseForms => {
                self.review.bookmark_form = None;
                self.review.export_form = None;
            }
            AppCommand::ToggleIncidents => {
                self.review.incidents_open = !self.review.incidents_open;
                self.review.found_for = None;
            }
            AppCommand::SaveBookmark { title, note, lock } => self.save_bookmark(&title, &note, lock),
            AppCommand::StartExport(out) => self.start_export(out),
            AppCommand::ShowBookmark(id) => self.show_bookmark(id),
            AppCommand::LockBookmark(id, lock) => {
                if let Some(store) = &self.store
                    && let Err(e) = store.set_bookmark_locked(id, lock)
                {
                    self.status = Some(e.to_string());
                }
                self.review.found_for = None;
            }
            AppCommand::TimelineStep(direction) => {
                let step = crate::core::timeline::TimelineCommand::StepFrame { direction, frame_90k: FRAME_90K };
                self.timeline.apply(step, now_90k());
                self.ask_playback(true);
            }
            AppCommand::SnapshotSelected => {
                tracing::debug!("snapshot requested");
                self.snapshot_selected();
            }
            AppCommand::SaveLayout(name) => {
                let saved = crate::store::SavedLayout {
                    name: name.trim().to_string(),
                    layout: self.wall.layout.name.clone(),
                    cameras: self.wall.cameras.clone(),
                };
                if let Some(store) = &mut self.store
                    && let Err(e) = store.save_layout(&saved)
                {
                    self.status = Some(e.to_string());
                    return;
                }
                self.saved_layouts.retain(|l| l.name != saved.name);
                self.saved_layouts.push(saved);
                self.layout_name.clear();
            }
            AppCommand::LoadSavedLayout(name) => {
                if let Some(saved) = self.saved_layouts.iter().find(|l| l.name == name)
                    && let Some(layout) = Layout::standard(&saved.layout)
                {
                    let mut wall = Wall::new(layout, &[]);
                    for (tile, camera) in saved.cameras.iter().enumerate() {
                        // Cameras removed from the site since are left out.
                        if let Some(id) = camera.as_deref().filter(|id| self.site.camera(id).is_some()) {
                            wall.assign(tile, id);
                        }
                    }
                    self.wall = wall;
                }
            }
            AppCommand::OpenSecondWindow => {
                if self.second_wall.is_none() {
                    let mut second = self.wall.clone();
                    second.maximized = None;
                    self.second_wall = Some(second);
                }
            }
            AppCommand::DeleteSavedLayout(name) => {
                if let Some(store) = &mut self.store
                    && let Err(e) = store.delete_layout(&name)
                {
                    self.status = Some(e.to_string());
                    return;
                }
                self.saved_layouts.retain(|l| l.name != name);
            }
            AppCommand::ToggleFullscreen => {
                self.fullscreen = !self.fullscreen;
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(self.fullscreen));
            }
        }
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        // Shortcuts, unless a text field has the keyboard.
        let shortcuts = !ctx.egui_wants_keyboard_input();
        ctx.input(|i| {
            if shortcuts {
                let digits = [egui::Key::Num1, egui::Key::Num2, egui::Key::Num3, egui::Key::Num4, egui::Key::Num5, egui::Key::Num6, egui::Key::Num7, egui::Key::Num8, egui::Key::Num9];
                for (n, key) in digits.iter().enumerate() {
                    if i.key_pressed(*key)
                        && let Some(nb) = self.site.neighborhoods.get(n)
                    {
                        self.commands.push(AppCommand::ShowNeighborhood(nb.id.clone()));
                    }
                }
                let shortcuts = [
                    (egui::Key::Num0, AppCommand::ShowAll),
                    (egui::Key::Escape, AppCommand::Restore),
                    (egui::Key::F, AppCommand::ToggleFullscreen),
                    (egui::Key::ArrowLeft, AppCommand::MoveSelection(Direction::Left)),
                    (egui::Key::ArrowRight, AppCommand::MoveSelection(Direction::Right)),
                    (egui::Key::ArrowUp, AppCommand::MoveSelection(Direction::Up)),
                    (egui::Key::ArrowDown, AppCommand::MoveSelection(Direction::Down)),
                    (egui::Key::Enter, AppCommand::MaximizeSelected),
                    (egui::Key::S, AppCommand::SnapshotSelected),
                    (egui::Key::Delete, AppCommand::RemoveSelected),
                ];
                for (key, command) in shortcuts {
                    if i.key_pressed(key) {
                        self.commands.push(command);
                    }
                }
            }
        });
    }

    /// Saves the selected (or maximized) tile's current frame as PNG, at the decoded resolution,
    /// on a named thread; the result comes back for the status line.
    fn snapshot_selected(&mut self) {
        let tile = self.wall.maximized.or(self.wall.selected);
        let Some(camera_id) = tile.and_then(|t| self.wall.cameras.get(t).cloned().flatten()) else {
            self.status = Some(tr(self.lang, Msg::SelectTileFirst).to_string());
            return;
        };
        let profile = self.planner.shown(tile.unwrap_or(0), &camera_id);
        let frame = self
            .ingest
            .handle(&StreamKey::new(camera_id.as_str(), profile))
            .or_else(|| self.sub_handle(&camera_id))
            .and_then(|h| h.slot.latest());
        let (Some(frame), Some(cam)) = (frame, self.site.camera(&camera_id)) else {
            self.status = Some(format!("{}: {camera_id}", tr(self.lang, Msg::SnapshotFailed)));
            return;
        };
        let now = i18n::local_date_time(crate::core::time::unix_now_ns(), &self.site.timezone);
        let path = self.snapshot_dir.join(crate::media::snapshot::snapshot_file_name(&cam.name, &now));
        let tx = self.snapshot_results.0.clone();
        let _ = std::thread::Builder::new().name("snapshot".into()).spawn(move || {
            let result = std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))
                .map_err(|e| e.to_string())
                .and_then(|()| crate::media::snapshot::save_png(&frame, &path))
                .map(|()| path.display().to_string());
            let _ = tx.try_send(result);
        });
    }

    fn state_text(lang: Lang, state: &StreamState) -> (String, egui::Color32) {
        match state {
            StreamState::Connecting => (tr(lang, Msg::Connecting).into(), egui::Color32::GRAY),
            StreamState::Live => (tr(lang, Msg::Live).into(), egui::Color32::from_rgb(60, 180, 75)),
            StreamState::Offline { reason, .. } => {
                (format!("{}: {}", tr(lang, Msg::Offline), reason_text(lang, reason)), egui::Color32::from_rgb(230, 25, 75))
            }
            StreamState::Stopped => (tr(lang, Msg::Stopped).into(), egui::Color32::GRAY),
        }
    }

    fn sub_handle(&self, camera_id: &str) -> Option<Arc<crate::media::StreamHandle>> {
        self.ingest.handle(&StreamKey::new(camera_id, StreamProfile::Sub))
    }

    fn layout_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            layout_buttons_ui(ui, &self.wall, &self.site, self.lang, &mut self.commands);
            for saved in &self.saved_layouts {
                let button = ui.button(&saved.name);
                if button.clicked() {
                    self.commands.push(AppCommand::LoadSavedLayout(saved.name.clone()));
                }
                button.context_menu(|ui| {
                    if ui.button(tr(self.lang, Msg::Delete)).clicked() {
                        self.commands.push(AppCommand::DeleteSavedLayout(saved.name.clone()));
                        ui.close();
                    }
                });
            }
            let name_label = ui.label(tr(self.lang, Msg::LayoutName));
            ui.add(egui::TextEdit::singleline(&mut self.layout_name).desired_width(110.0)).labelled_by(name_label.id);
            if ui.add_enabled(!self.layout_name.trim().is_empty(), egui::Button::new(tr(self.lang, Msg::SaveLayout))).clicked() {
                self.commands.push(AppCommand::SaveLayout(self.layout_name.clone()));
            }
            ui.separator();
            if ui.add_enabled(self.second_wall.is_none(), egui::Button::new(tr(self.lang, Msg::OpenSecondWindow))).clicked() {
                self.commands.push(AppCommand::OpenSecondWindow);
            }
            if ui.button(tr(self.lang, Msg::Snapshot)).clicked() {
                self.commands.push(AppCommand::SnapshotSelected);
            }
            ui.separator();
            ui.label(format!("{}:", tr(self.lang, Msg::Language)));
            for (lang, name) in [(Lang::Vi, "Tiếng Việt"), (Lang::En, "English")] {
                if ui.selectable_label(self.lang == lang, name).clicked() {
                    self.commands.push(AppCommand::SetLang(lang));
                }
            }
            if ui.selectable_label(self.settings_open, tr(self.lang, Msg::Settings)).clicked() {
                self.commands.push(AppCommand::ToggleSettings);
            }
            if ui.selectable_label(self.timeline_open, tr(self.lang, Msg::Timeline)).clicked() {
                self.commands.push(AppCommand::ToggleTimeline);
            }
            ui.separator();
            // The site's local date and time (to the minute: no repaint every second).
            let now_ns = crate::core::time::unix_now_ns();
            let clock = i18n::local_date_time(now_ns, &self.site.timezone);
            ui.label(egui::RichText::new(clock.get(..16).unwrap_or(&clock)).monospace().strong());
            let to_next_minute_ms = 60_000 - (now_ns / 1_000_000) % 60_000;
            ui.ctx().request_repaint_after(Duration::from_millis(to_next_minute_ms + 5));
        });
    }

    /// Language, pictures folder, where the data lives.
    fn settings_ui(&mut self, ctx: &egui::Context) {
        if !self.settings_open {
            return;
        }
        let mut open = true;
        let lang = self.lang;
        egui::Window::new(tr(lang, Msg::Settings))
            .id(egui::Id::unique("settings-window"))
            .open(&mut open)
            .default_pos([420.0, 90.0])
            .min_width(620.0)
            .resizable(false)
            .collapsible(false).show(ctx, |ui| {
            egui::Grid::new("settings").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
                ui.label(tr(lang, Msg::Language));
                ui.horizontal(|ui| {
                    for (l, name) in [(Lang::Vi, "Tiếng Việt"), (Lang::En, "English")] {
                        if ui.radio(lang == l, name).clicked() {
                            self.commands.push(AppCommand::SetLang(l));
                        }
                    }
                });
                ui.end_row();
                let label = ui.label(tr(lang, Msg::PicturesFolder));
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(&mut self.snapshot_dir_text).desired_width(320.0)).labelled_by(label.id);
                    let typed = std::path::PathBuf::from(self.snapshot_dir_text.trim());
                    let changed = !self.snapshot_dir_text.trim().is_empty() && typed != self.snapshot_dir;
                    if ui.add_enabled(changed, egui::Button::new(tr(lang, Msg::Apply))).clicked() {
                        self.commands.push(AppCommand::SetSnapshotDir(typed));
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
                    use crate::core::timeline::GapMode;
                    for (mode, msg) in [(GapMode::Skip, Msg::GapsSkip), (GapMode::Hold, Msg::GapsHold)] {
                        if ui.radio(self.gap_mode == mode, tr(lang, msg)).clicked() {
                            self.commands.push(AppCommand::SetGapMode(mode));
                        }
                    }
                });
                ui.end_row();
                ui.label(tr(lang, Msg::Recording));
                self.recording.summary_ui(ui, &self.site, lang);
                ui.end_row();
                ui.label("");
                ui.vertical(|ui| {
                    let mut on = self.record_previews;
                    if ui.checkbox(&mut on, tr(lang, Msg::RecordPreviews)).changed() {
                        self.commands.push(AppCommand::SetRecordPreviews(on));
                    }
                    ui.label(egui::RichText::new(tr(lang, Msg::RecordPreviewsHint)).small().weak());
                });
                ui.end_row();
            });
        });
        if !open {
            self.settings_open = false;
        }
    }

    fn camera_list_ui(&mut self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            for n in &self.site.neighborhoods {
                self.neighborhood_ui(ui, n);
            }
        });
    }

    fn neighborhood_ui(&self, ui: &mut egui::Ui, n: &Neighborhood) {
        let [r, g, b] = n.colour.rgb();
        let cams: Vec<_> = self.site.cameras_in(&n.id).collect();
        let live = cams.iter().filter(|c| self.sub_handle(&c.id).is_some_and(|h| h.state().is_live())).count();
        let id = ui.make_persistent_id(("neighborhood", n.id.as_str()));
        egui::collapsing_header::CollapsingState::load_with_default_open(ui.ctx(), id, true)
            .show_header(ui, |ui| {
                ui.label(egui::RichText::new(&n.name).heading().color(egui::Color32::from_rgb(r, g, b)));
                let colour = if live == cams.len() { egui::Color32::GRAY } else { egui::Color32::from_rgb(230, 25, 75) };
                ui.label(egui::RichText::new(format!("{live}/{}", cams.len())).small().color(colour));
            })
            .body(|ui| self.neighborhood_cameras_ui(ui, n));
    }

    fn neighborhood_cameras_ui(&self, ui: &mut egui::Ui, n: &Neighborhood) {
        egui::Grid::new(("cams", n.id.as_str())).striped(true).num_columns(2).show(ui, |ui| {
            for cam in self.site.cameras_in(&n.id) {
                match self.sub_handle(&cam.id) {
                    Some(h) => {
                        let (text, colour) = Self::state_text(self.lang, &h.state());
                        let st = h.stats();
                        ui.label(egui::RichText::new("•").strong().size(18.0).color(colour)).on_hover_text(text);
                        // Drag a camera from the list onto a tile of the wall.
                        let drag = ui.dnd_drag_source(egui::Id::unique(("drag-camera", cam.id.as_str())), wall::DragPayload::Camera(cam.id.clone()), |ui| {
                            ui.label(&cam.name)
                        });
                        drag.inner.on_hover_text(format!(
                            "{:.1} fps · {}x{} · {} · {:.0} kbit/s · {:.1} ms/frame",
                            st.fps, st.width, st.height, st.decoder, st.bitrate_kbps, st.decode_ms
                        ));
                    }
                    None => {
                        ui.label("·");
                        ui.label(&cam.name);
                    }
                }
                ui.end_row();
            }
        });
        ui.add_space(6.0);
    }

    /// Start-up figures in the log: all live (cold start), then all measured.
    fn log_milestones(&mut self) {
        if self.all_streaming_logged {
            return;
        }
        let handles: Vec<_> = enabled_ids(&self.site).iter().filter_map(|id| self.sub_handle(id)).collect();
        if handles.is_empty() {
            return;
        }
        if !self.all_live_logged && handles.iter().all(|h| h.state().is_live()) {
            self.all_live_logged = true;
            tracing::info!(cameras = handles.len(), elapsed_ms = self.started.elapsed().as_millis() as u64, "all cameras live");
        }
        if self.all_live_logged && !self.all_streaming_logged {
            let on_wall: Vec<_> = self.wall.cameras.iter().flatten().filter_map(|id| self.sub_handle(id)).collect();
            if on_wall.iter().all(|h| h.stats().fps > 0.0) {
                self.all_streaming_logged = true;
                tracing::info!(cameras = on_wall.len(), "all cameras streaming");
            }
        }
    }
}

impl eframe::App for VigilApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // No periodic repaint: new frames and state changes wake the app (the ingest wake hook), so
        // with every camera offline it sleeps. A slow refresh keeps hover figures and retry
        // counters honest without costing a software rasterizer a frame a second.
        ctx.request_repaint_after(Duration::from_secs(10));
        self.keyboard(ctx);
        self.log_milestones();
        if self.record_dir_pending.is_some() && (self.all_live_logged || self.started.elapsed() >= RECORDER_START_DELAY) {
            if let Some(dir) = self.record_dir_pending.take() {
                self.recording = recording::RecordingView::start(&dir, &self.site, self.ingest.clone(), self.record_previews);
            }
        } else if self.record_dir_pending.is_some() {
            ctx.request_repaint_after(RECORDER_START_DELAY);
        }
        if let Some(message) = self.recording.poll() {
            self.status = Some(message);
        }
        self.poll_review();
        self.timeline.tick(now_90k());
        self.skip_gap();
        if let crate::core::timeline::Mode::Playback { playing: true } = self.timeline.mode() {
            // Playing: ask for the new instant once the cursor moved a frame; fast speeds show keyframes.
            if self.playback_asked_90k.is_none_or(|t| (self.timeline.cursor_90k() - t).abs() >= FRAME_90K) {
                let speed = self.timeline.speed();
                if speed > 0.0 && speed <= 4.0 {
                    self.ask_playback_continuous();
                } else {
                    // Backwards and above 4x: keyframes only.
                    self.ask_playback(false);
                }
            }
            ctx.request_repaint_after(Duration::from_millis(40));
        }
        while let Ok(result) = self.snapshot_results.1.try_recv() {
            let text = match result {
                Ok(path) => format!("{}: {path}", tr(self.lang, Msg::SnapshotSaved)),
                Err(e) => format!("{}: {e}", tr(self.lang, Msg::SnapshotFailed)),
            };
            tracing::info!("{text}");
            self.status = Some(text);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("layouts").show(ui, |ui| self.layout_bar_ui(ui));
        egui::Panel::left("cameras").resizable(true).default_size(250.0).show(ui, |ui| {
            ui.heading(&self.site.name);
            let ids = enabled_ids(&self.site);
            let live = ids.iter().filter(|id| self.sub_handle(id).is_some_and(|h| h.state().is_live())).count();
            ui.label(format!("{live}/{} {}", ids.len(), tr(self.lang, Msg::CamerasLive)));
            self.recording.summary_ui(ui, &self.site, self.lang);
            if let Some(status) = &self.status {
                ui.label(egui::RichText::new(status).small());
            }
            ui.separator();
            self.camera_list_ui(ui);
        });
        if self.timeline_open {
            self.refresh_tracks();
            let names: Vec<String> =
                self.tracks.cameras.iter().map(|id| self.site.camera(id).map_or_else(|| id.clone(), |c| c.name.clone())).collect();
            let tracks: Vec<timeline_view::Track<'_>> =
                names.iter().zip(&self.tracks.covered).map(|(name, covered)| timeline_view::Track { name, covered }).collect();
            let (tl, tz, lang) = (&self.timeline, self.site.timezone.as_str(), self.lang);
            let commands = &mut self.commands;
            let (review, marks) = (&self.review, &self.bookmarks_in_view);
            let hovered = egui::Panel::bottom("timeline")
                .resizable(false)
                .show(ui, |ui| {
                    ui.horizontal_wrapped(|ui| review::review_bar_ui(ui, review, tz, lang, commands));
                    let panel = timeline_view::TimelinePanel {
                        timeline: tl,
                        tracks: &tracks,
                        selection: review.selection(),
                        bookmarks: marks,
                        timezone: tz,
                        lang,
                    };
                    timeline_view::timeline_ui(ui, &panel, commands)
                })
                .inner;
            if let Some((row, t, pos)) = hovered {
                self.thumbnail_ui(ui.ctx(), row, t, pos);
            }
        }
        let mut observations = std::mem::take(&mut self.observations);
        observations.clear();
        egui::CentralPanel::default().frame(egui::Frame::NONE.fill(egui::Color32::BLACK)).show(ui, |ui| {
            let streams = WallStreams { site: &self.site, ingest: &self.ingest, planner: &self.planner, lang: self.lang, playback: self.playback.as_ref().filter(|_| !self.timeline.is_live()), hold_gaps: self.gap_mode == crate::core::timeline::GapMode::Hold };
            streams.wall_ui(ui, &self.wall, 0, &mut self.wall_state, &mut self.commands, &mut observations);
        });
        let second_commands = self.second_window_ui(ui.ctx(), &mut observations);
        self.settings_ui(&ui.ctx().clone());
        review::forms_ui(&ui.ctx().clone(), &mut self.review, self.lang, &mut self.commands);
        review::incidents_ui(&ui.ctx().clone(), &mut self.review, &self.site.timezone, self.lang, &mut self.commands);
        // Frame end: apply what the views asked for, then fit the streams to what is on screen.
        let ctx = ui.ctx().clone();
        for command in std::mem::take(&mut self.commands) {
            self.apply(&ctx, command);
        }
        if let Some(mut second) = self.second_wall.take() {
            // The second window's commands act on its own wall.
            std::mem::swap(&mut self.wall, &mut second);
            for command in second_commands {
                self.apply(&ctx, command);
            }
            std::mem::swap(&mut self.wall, &mut second);
            self.second_wall = Some(second);
        }
        self.planner.update(&observations, &self.ingest, &self.site, self.timeline.is_live());
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

/// Standard layouts, "all cameras" and one button per neighborhood, for either window's bar.
fn layout_buttons_ui(ui: &mut egui::Ui, wall: &Wall, site: &Site, lang: Lang, commands: &mut Vec<AppCommand>) {
    ui.label(format!("{}:", tr(lang, Msg::Layout)));
    for name in STANDARD_LAYOUTS {
        if ui.selectable_label(wall.layout.name == name, name).clicked() {
            commands.push(AppCommand::SetLayout(name.to_string()));
        }
    }
    ui.separator();
    if ui.button(tr(lang, Msg::AllCameras)).clicked() {
        commands.push(AppCommand::ShowAll);
    }
    for nb in &site.neighborhoods {
        if ui.button(&nb.name).clicked() {
            commands.push(AppCommand::ShowNeighborhood(nb.id.clone()));
        }
    }
}

/// What a wall view needs to find each tile's stream.
struct WallStreams<'a> {
    site: &'a Site,
    ingest: &'a Ingest,
    planner: &'a streams::StreamPlanner,
    lang: Lang,
    /// In playback: tiles show the engine's pictures instead of live video.
    playback: Option<&'a playback::PlaybackEngine>,
    hold_gaps: bool,
}

impl WallStreams<'_> {
    /// Draws `wall`; its tiles are numbered from `tile_offset` for the stream planner.
    fn wall_ui(
        &self,
        ui: &mut egui::Ui,
        wall: &Wall,
        tile_offset: usize,
        state: &mut wall::WallState,
        commands: &mut Vec<AppCommand>,
        observations: &mut Vec<streams::TileObservation>,
    ) {
        let texts = wall::WallTexts { lang: self.lang, timezone: &self.site.timezone, hold_gaps: self.hold_gaps };
        let tile_view = |tile: usize, camera_id: &str| {
            let cam = self.site.camera(camera_id)?;
            let profile = self.planner.shown(tile + tile_offset, camera_id);
            let handle = self
                .ingest
                .handle(&StreamKey::new(camera_id, profile))
                .or_else(|| self.ingest.handle(&StreamKey::new(camera_id, StreamProfile::Sub)))?;
            Some(wall::TileView {
                camera_name: cam.name.clone(),
                neighborhood: self.site.neighborhood(&cam.neighborhood).map_or_else(String::new, |n| n.name.clone()),
                handle,
                playback: self.playback.map(|p| p.tile(camera_id)),
            })
        };
        let first_new = observations.len();
        wall::wall_ui(ui, wall, tile_view, state, &texts, commands, observations);
        for obs in &mut observations[first_new..] {
            obs.tile += tile_offset;
        }
    }
}

impl VigilApp {
    /// The second window (an egui viewport): its own layout bar and wall. Returns its commands.
    fn second_window_ui(&mut self, ctx: &egui::Context, observations: &mut Vec<streams::TileObservation>) -> Vec<AppCommand> {
        let mut commands = Vec::new();
        let Some(second) = self.second_wall.as_ref() else { return commands };
        let mut close = false;
        let builder = egui::ViewportBuilder::default()
            .with_title(tr(self.lang, Msg::SecondWindowTitle))
            .with_inner_size([1280.0, 720.0]);
        let streams = WallStreams { site: &self.site, ingest: &self.ingest, planner: &self.planner, lang: self.lang, playback: self.playback.as_ref().filter(|_| !self.timeline.is_live()), hold_gaps: self.gap_mode == crate::core::timeline::GapMode::Hold };
        let (site, lang, state) = (&self.site, self.lang, &mut self.second_state);
        ctx.show_viewport_immediate(egui::ViewportId::from_hash_of("vigil-wall-2"), builder, |ui, _class| {
            egui::Panel::top("layouts-2").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| layout_buttons_ui(ui, second, site, lang, &mut commands));
            });
            egui::CentralPanel::default().frame(egui::Frame::NONE.fill(egui::Color32::BLACK)).show(ui, |ui| {
                streams.wall_ui(ui, second, SECOND_WALL_TILE_OFFSET, state, &mut commands, observations);
            });
            close = ui.ctx().input(|i| i.viewport().close_requested());
        });
        if close {
            self.second_wall = None;
        }
        commands
    }

    /// The second window's wall, if open.
    pub fn second_wall(&self) -> Option<&Wall> {
        self.second_wall.as_ref()
    }
}

/// `Vigil` in the user's pictures folder (see [`snapshot_dir_from`]).
fn default_snapshot_dir() -> std::path::PathBuf {
    let dirs = directories::UserDirs::new();
    snapshot_dir_from(dirs.as_ref().and_then(|d| d.picture_dir()), dirs.as_ref().map(|d| d.home_dir()))
}

/// `<pictures>/Vigil`; where no pictures folder is configured (no `xdg-user-dirs`, common on a
/// fresh Debian), `~/Pictures/Vigil`, the XDG default; `./snapshots` only without a home.
fn snapshot_dir_from(pictures: Option<&std::path::Path>, home: Option<&std::path::Path>) -> std::path::PathBuf {
    match (pictures, home) {
        (Some(p), _) => p.join("Vigil"),
        (None, Some(h)) => h.join("Pictures").join("Vigil"),
        (None, None) => std::path::PathBuf::from("snapshots"),
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

#[cfg(test)]
mod snapshot_dir_tests {
    use super::snapshot_dir_from;
    use std::path::Path;

    #[test]
    fn snapshots_go_to_the_pictures_folder_or_its_xdg_default() {
        assert_eq!(snapshot_dir_from(Some(Path::new("/home/ca/Ảnh")), Some(Path::new("/home/ca"))), Path::new("/home/ca/Ảnh/Vigil"));
        assert_eq!(snapshot_dir_from(None, Some(Path::new("/home/ca"))), Path::new("/home/ca/Pictures/Vigil"));
        assert!(snapshot_dir_from(None, None).is_relative());
    }
}
