//! The review side of the app: applying [`ReviewCommand`]s (timeline, selection, bookmarks,
//! export), asking the playback engine for pictures, skipping gaps, the coverage tracks and the
//! timeline panel. The views it draws are in `review.rs` and `timeline_view.rs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::VigilApp;
use super::commands::ReviewCommand;
use super::i18n::{Msg, tr};
use super::{review, timeline_view};
use crate::core::layout::{Layout, Wall};
use crate::core::time::{Duration90k, Time90k};
use crate::core::timeline::{GapStep, Mode, Span90k, TimelineCommand, gap_step};
use crate::playback::PlaybackEngine;

/// A frame of the recorded main streams (25 fps), for frame steps.
pub(super) const FRAME_90K: Duration90k = Duration90k(3_600);

/// Coverage of the wall's cameras in the timeline's window, and what it was read for.
#[derive(Default)]
pub(super) struct TrackCache {
    pub cameras: Vec<String>,
    /// (start, span) of the window read.
    window: (Time90k, Duration90k),
    covered: Vec<Vec<Span90k>>,
    /// Per camera: its outages, its alarms and its motion in the window.
    outages: Vec<Vec<Span90k>>,
    alarms: Vec<Vec<Span90k>>,
    motion: Vec<Vec<Span90k>>,
    read_at: Option<Instant>,
}

/// The timeline and playback's runtime state (nothing here is saved).
pub(super) struct ReviewRuntime {
    pub timeline: crate::core::timeline::Timeline,
    /// Decodes recordings for the wall in playback (started when first needed).
    pub playback: Option<PlaybackEngine>,
    /// The instant last asked of the playback engine.
    playback_asked_90k: Option<Time90k>,
    /// The cursor where playing last looked for a gap to skip.
    gap_checked_90k: Option<Time90k>,
    /// Paused near the present: when tiles with nothing recorded were last asked again.
    reasked_at: Option<Instant>,
    pub tracks: TrackCache,
    /// The thumbnail picture last handed to the renderer (its address), to upload only new ones.
    pub thumbnail_shown: Option<(u64, u8)>,
    /// Bookmarks overlapping the visible window: (start, end).
    bookmarks_in_view: Vec<(Time90k, Time90k)>,
    pub state: review::ReviewState,
}

impl ReviewRuntime {
    pub fn new(now_90k: Time90k) -> Self {
        Self {
            timeline: crate::core::timeline::Timeline::new(now_90k, 1000.0),
            playback: None,
            playback_asked_90k: None,
            gap_checked_90k: None,
            reasked_at: None,
            tracks: TrackCache::default(),
            thumbnail_shown: None,
            bookmarks_in_view: Vec::new(),
            state: review::ReviewState::default(),
        }
    }
}

impl VigilApp {
    pub(super) fn apply_review(&mut self, command: ReviewCommand) {
        let review = &mut self.review.state;
        match command {
            ReviewCommand::Timeline(cmd) => {
                self.review.timeline.apply(cmd, self.clock.now_90k());
                if !self.review.timeline.is_live() {
                    self.ask_playback(true);
                }
            }
            ReviewCommand::Seek { t_90k, exact } => {
                self.review.timeline.apply(TimelineCommand::Seek(t_90k), self.clock.now_90k());
                self.ask_playback(exact);
            }
            ReviewCommand::Step(direction) => {
                self.review.timeline.apply(TimelineCommand::StepFrame { direction, frame_90k: FRAME_90K }, self.clock.now_90k());
                self.ask_playback(true);
            }
            ReviewCommand::GoTo(text) => {
                let now = self.clock.now_90k();
                match crate::core::time::parse_local_instant(&text, self.site.timezone, now) {
                    Ok(t) => {
                        self.review.state.goto_error = None;
                        self.review.timeline.apply(TimelineCommand::Seek(t), now);
                        self.ask_playback(true);
                    }
                    Err(e) => self.review.state.goto_error = Some(e),
                }
            }
            ReviewCommand::MarkIn => review.mark_in = Some(self.review.timeline.cursor_90k()),
            ReviewCommand::MarkOut => review.mark_out = Some(self.review.timeline.cursor_90k()),
            ReviewCommand::OpenBookmarkForm => review.bookmark_form = Some((String::new(), String::new(), true)),
            ReviewCommand::OpenExportForm => {
                let Some(selection) = review.selection() else { return };
                let tz = self.site.timezone;
                let stamp = crate::export::manifest::file_stamp(selection.0, tz);
                let folder = self.snapshot_dir().join(format!("trich-xuat-{stamp}")).display().to_string();
                let cameras = self
                    .wall_cameras()
                    .into_iter()
                    .map(|id| {
                        let name = self.site.camera(&id).map_or_else(|| id.clone(), |c| c.name.clone());
                        (id, name)
                    })
                    .collect();
                let (officer, case) = (&self.settings.export_officer, &self.settings.export_case);
                self.review.state.export_form = Some(review::ExportForm::new(folder, cameras, selection, officer, case, tz));
            }
            ReviewCommand::CloseForms => {
                review.bookmark_form = None;
                review.export_form = None;
            }
            ReviewCommand::ToggleIncidents => {
                review.incidents_open = !review.incidents_open;
                review.found_for = None;
            }
            ReviewCommand::SaveBookmark { title, note, lock } => self.save_bookmark(&title, &note, lock),
            ReviewCommand::StartExport => self.start_export(),
            ReviewCommand::ShowBookmark(id) => self.show_bookmark(id),
            ReviewCommand::LockBookmark(id, lock) => {
                if let Some(store) = &self.store
                    && let Err(e) = store.set_bookmark_locked(id, lock)
                {
                    self.status = Some(e.to_string());
                }
                review.found_for = None;
            }
        }
    }

    fn wall_cameras(&self) -> Vec<String> {
        self.wall.cameras.iter().flatten().cloned().collect()
    }

    fn save_bookmark(&mut self, title: &str, note: &str, lock: bool) {
        let Some((start, end)) = self.review.state.selection() else { return };
        let cameras = self.wall_cameras();
        let Some(store) = &self.store else { return };
        match store.add_bookmark(title, note, &cameras, start, end, lock) {
            Ok(_) => {
                self.review.state.bookmark_form = None;
                self.review.state.found_for = None;
                self.review.tracks.read_at = None;
                self.status = Some(format!("{}: {title}", tr(self.settings.lang, Msg::BookmarkDots).trim_end_matches('…')));
            }
            Err(e) => self.status = Some(e.to_string()),
        }
    }

    /// Starts the export the form describes (or says in the form why not); the officer's name
    /// and the case number are remembered for the next export.
    fn start_export(&mut self) {
        let Some(data_dir) = self.data_dir.clone() else { return };
        let Some(form) = self.review.state.export_form.as_mut() else { return };
        let (cameras, from_90k, to_90k) = match form.checked(self.site.timezone, self.clock.now_90k()) {
            Ok(checked) => checked,
            Err(why) => {
                form.error = Some(why);
                return;
            }
        };
        form.error = None;
        let (officer, case_number) = (form.officer.trim().to_string(), form.case_number.trim().to_string());
        let request = crate::export::ExportRequest {
            cameras,
            from_90k,
            to_90k,
            out_dir: std::path::PathBuf::from(form.folder.trim()),
            exported_by: officer.clone(),
            snapshots: Vec::new(),
            burn_in: self.review.state.burn_in,
            case_number: case_number.clone(),
        };
        if self.jobs.start_export(data_dir, request, self.wake.clone()) {
            self.review.state.export_form = None;
            self.apply_setting(crate::core::settings::Setting::ExportOfficer(officer));
            self.apply_setting(crate::core::settings::Setting::ExportCase(case_number));
        }
    }

    fn show_bookmark(&mut self, id: i64) {
        let Some(Ok(Some(b))) = self.store.as_ref().map(|s| s.bookmark(id)) else { return };
        let cameras: Vec<String> = b.cameras.iter().filter(|c| self.site.camera(c).is_some()).cloned().collect();
        if !cameras.is_empty() {
            self.wall = Wall::new(Layout::fitting(cameras.len()), &cameras);
        }
        self.review.state.mark_in = Some(b.start_90k);
        self.review.state.mark_out = Some(b.end_90k);
        self.ui.timeline_open = true;
        self.review.timeline.apply(TimelineCommand::Seek(b.start_90k), self.clock.now_90k());
        self.ask_playback(true);
    }

    /// The incidents search, re-run when its text or day changed.
    pub(super) fn poll_incidents(&mut self) {
        let review = &mut self.review.state;
        let query = format!("{}\u{0}{}", review.search, review.search_day);
        if review.incidents_open && review.found_for.as_deref() != Some(query.as_str()) {
            // A day typed in full narrows the search to it; anything else searches every day.
            let (from, to) = review::local_day_90k(&review.search_day, self.site.timezone).unwrap_or((Time90k::MIN, Time90k::MAX));
            if let Some(store) = &self.store {
                review.found = store.search_bookmarks(&review.search, from, to).unwrap_or_default();
            }
            review.found_for = Some(query);
        }
    }

    /// Asks the playback engine for every camera of the wall at the cursor.
    fn ask_playback(&mut self, exact: bool) {
        self.ask_playback_for(None, exact);
    }

    /// `playing`: at this speed (the engine decides how much to decode to stay at the cursor).
    fn ask_playback_for(&mut self, playing: Option<f64>, exact: bool) {
        let cameras = self.wall_cameras();
        let t = self.review.timeline.cursor_90k();
        let Some(engine) = self.playback_engine() else { return };
        match playing {
            Some(speed) => engine.play(cameras, t, speed),
            None => engine.show(cameras, t, exact),
        }
        self.review.playback_asked_90k = Some(t);
    }

    /// The playback thread, started on first use (it needs the data dir's recordings).
    fn playback_engine(&mut self) -> Option<&PlaybackEngine> {
        if self.review.playback.is_none()
            && let Some(dir) = &self.data_dir
        {
            self.review.playback = Some(PlaybackEngine::start(dir.clone(), self.wake.clone()));
        }
        self.review.playback.as_ref()
    }

    /// Each frame's playback logic: the clock, gaps, and new pictures while playing.
    pub(super) fn playback_logic(&mut self, ctx: &egui::Context) {
        self.review.timeline.tick(self.clock.now_90k());
        self.skip_gap();
        if let Mode::Playback { playing: true } = self.review.timeline.mode() {
            // Playing: ask for the new instant once the cursor moved a frame.
            if self.review.playback_asked_90k.is_none_or(|t| (self.review.timeline.cursor_90k() - t).abs() >= FRAME_90K) {
                let speed = self.review.timeline.speed();
                self.ask_playback_for(Some(speed), true);
            }
            ctx.request_repaint_after(Duration::from_millis(40));
        }
        self.reask_near_the_present(ctx);
    }

    /// Paused within two minutes of now, a tile may have asked before the recorder indexed
    /// that instant ("no recording" over footage that exists a moment later): ask again every
    /// 2 s while some tile has nothing.
    fn reask_near_the_present(&mut self, ctx: &egui::Context) {
        const NEAR_90K: Duration90k = Duration90k::from_secs(120);
        const EVERY: Duration = Duration::from_secs(2);
        let tl = &self.review.timeline;
        if tl.mode() != (Mode::Playback { playing: false }) || self.clock.now_90k() - tl.cursor_90k() > NEAR_90K {
            self.review.reasked_at = None;
            return;
        }
        let Some(engine) = self.review.playback.as_ref() else { return };
        let missing = self.wall_cameras().iter().any(|c| engine.tile(c).is_some_and(|t| t.shown().0.is_none()));
        if !missing {
            return;
        }
        if self.review.reasked_at.is_none_or(|at| at.elapsed() >= EVERY) {
            if self.review.reasked_at.is_some() {
                self.ask_playback(true);
            }
            self.review.reasked_at = Some(Instant::now());
        }
        ctx.request_repaint_after(EVERY);
    }

    /// Playing with gaps skipped: where none of the wall's cameras recorded the cursor's instant,
    /// jump to the next recorded one (the previous one backwards; live when none is ahead).
    /// Looks every half second of media (at least every 0.1 s of wall time at fast speeds).
    fn skip_gap(&mut self) {
        if self.review.timeline.mode() != (Mode::Playback { playing: true }) {
            self.review.gap_checked_90k = None;
            return;
        }
        let cursor = self.review.timeline.cursor_90k();
        let speed = self.review.timeline.speed();
        let every_90k = Duration90k::from_secs_f64(speed.abs() * 0.1).max(Duration90k::from_millis(500));
        if self.review.gap_checked_90k.is_some_and(|t| (cursor - t).abs() < every_90k) {
            return;
        }
        self.review.gap_checked_90k = Some(cursor);
        let Some(store) = &self.store else { return };
        let (next, prev) = match store.recorded_around(&self.wall_cameras(), cursor) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("looking for recordings around the cursor: {e}");
                return;
            }
        };
        let now = self.clock.now_90k();
        match gap_step(self.settings.gap_mode, cursor, speed, next, prev) {
            GapStep::Stay => {}
            GapStep::Jump(t) => {
                tracing::debug!(from = cursor.0, to = t.0, "skipping a gap in the recordings");
                self.review.timeline.apply(TimelineCommand::Seek(t), now);
                self.review.gap_checked_90k = Some(t);
                self.ask_playback(true);
            }
            GapStep::Live => self.review.timeline.apply(TimelineCommand::GoLive, now),
            GapStep::Pause => self.review.timeline.apply(TimelineCommand::Pause, now),
        }
    }

    /// Coverage of the wall's cameras in the visible window (re-read when either changes, and
    /// every 5 s while it stays: recordings grow).
    fn refresh_tracks(&mut self) {
        let cameras = self.wall_cameras();
        let window = self.review.timeline.view();
        let tracks = &self.review.tracks;
        let stale = tracks.read_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(5));
        if cameras == tracks.cameras && window == tracks.window && !stale {
            return;
        }
        let Some(store) = &self.store else { return };
        let covered = cameras
            .iter()
            .map(|c| {
                store
                    .coverage(c, window.0, window.0 + window.1)
                    .map(|v| v.into_iter().map(|s| Span90k { start_90k: s.start_90k, end_90k: s.end_90k }).collect())
                    .unwrap_or_default()
            })
            .collect();
        self.review.bookmarks_in_view = store
            .search_bookmarks("", window.0, window.0 + window.1)
            .map(|v| v.into_iter().map(|b| (b.start_90k, b.end_90k)).collect())
            .unwrap_or_default();
        let (from, to) = (window.0, window.0 + window.1);
        let now = self.clock.now_90k();
        let outages = cameras
            .iter()
            .map(|c| {
                store
                    .outages(c, from, to)
                    .map(|v| v.into_iter().map(|o| Span90k { start_90k: o.from, end_90k: o.to }).collect())
                    .unwrap_or_default()
            })
            .collect();
        let alarms = cameras
            .iter()
            .map(|c| {
                store
                    .alarm_spans(c, from, to)
                    .map(|v| v.into_iter().map(|(a, b)| Span90k { start_90k: a, end_90k: b.unwrap_or(now) }).collect())
                    .unwrap_or_default()
            })
            .collect();
        let motion = cameras
            .iter()
            .map(|c| {
                store
                    .motion_intervals(c, from, to)
                    .map(|v| v.into_iter().map(|m| Span90k { start_90k: m.start_90k, end_90k: m.end_90k.unwrap_or(now) }).collect())
                    .unwrap_or_default()
            })
            .collect();
        self.review.tracks = TrackCache { cameras, window, covered, outages, alarms, motion, read_at: Some(Instant::now()) };
    }

    /// The timeline panel at the bottom: the review bar, the tracks, and a hover thumbnail.
    pub(super) fn timeline_panel_ui(&mut self, ui: &mut egui::Ui) {
        self.refresh_tracks();
        let names: Vec<String> =
            self.review.tracks.cameras.iter().map(|id| self.site.camera(id).map_or_else(|| id.clone(), |c| c.name.clone())).collect();
        let t = &self.review.tracks;
        let tracks: Vec<timeline_view::Track<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, name)| timeline_view::Track {
                name,
                covered: t.covered.get(i).map_or(&[], Vec::as_slice),
                outages: t.outages.get(i).map_or(&[], Vec::as_slice),
                alarms: t.alarms.get(i).map_or(&[], Vec::as_slice),
                motion: t.motion.get(i).map_or(&[], Vec::as_slice),
            })
            .collect();
        let (tz, lang) = (self.site.timezone, self.settings.lang);
        // The field's text is edited here and kept in the review state after the panel.
        let mut goto = std::mem::take(&mut self.review.state.goto_text);
        let goto_text = &mut goto;
        let commands = &mut self.commands;
        let (review, export) = (&self.review, self.jobs.export.as_ref());
        let hovered = egui::Panel::bottom("timeline")
            .resizable(false)
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| review::review_bar_ui(ui, &review.state, export, tz, lang, commands));
                let panel = timeline_view::TimelinePanel {
                    timeline: &review.timeline,
                    tracks: &tracks,
                    selection: review.state.selection(),
                    bookmarks: &review.bookmarks_in_view,
                    timezone: tz,
                    lang,
                    goto_error: review.state.goto_error,
                };
                timeline_view::timeline_ui(ui, &panel, goto_text, commands)
            })
            .inner;
        self.review.state.goto_text = goto;
        if let Some((row, t, pos, top_y)) = hovered {
            self.thumbnail_ui(ui.ctx(), row, t, pos, top_y);
        }
    }

    /// A small picture of the hovered track's camera at the hovered instant (its keyframe),
    /// decoded in the background; drawn through the same GPU path as the wall.
    /// It sits above the tracks' area (`top_y`), over the wall, leaving the time labels readable.
    fn thumbnail_ui(&mut self, ctx: &egui::Context, row: usize, t_90k: Time90k, pos: egui::Pos2, top_y: f32) {
        let Some(camera) = self.review.tracks.cameras.get(row).cloned() else { return };
        let Some(engine) = self.playback_engine() else { return };
        let Some(Some(frame)) = engine.thumbnail(&camera, t_90k) else {
            ctx.request_repaint_after(Duration::from_millis(50));
            return;
        };
        let size = egui::vec2(240.0, 240.0 * frame.height as f32 / frame.width.max(1) as f32);
        let screen = ctx.content_rect();
        let at = egui::pos2(pos.x - size.x / 2.0, top_y - size.y - 6.0);
        let at = egui::pos2(at.x.clamp(screen.min.x, (screen.max.x - size.x).max(screen.min.x)), at.y.max(screen.min.y));
        let shown = &mut self.review.thumbnail_shown;
        egui::Area::new(egui::Id::unique("timeline-thumbnail")).fixed_pos(at).order(egui::Order::Tooltip).interactable(false).show(
            ctx,
            |ui| {
                let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
                // Hand a new picture to the renderer for its first few frames: a new area is laid out
                // once invisibly before it shows, and that frame's callback never runs.
                let seq = Arc::as_ptr(&frame) as u64;
                let uploads = match *shown {
                    Some((s, n)) if s == seq => n,
                    _ => 0,
                };
                let is_new = uploads < 3;
                *shown = Some((seq, uploads.saturating_add(1)));
                let callback = crate::render::TileCallback {
                    stream_id: "thumbnail".into(),
                    frame: is_new.then(|| frame.clone()),
                    dim: false,
                    uv_offset: [0.0, 0.0],
                    uv_size: [1.0, 1.0],
                };
                ui.painter().add(eframe::egui_wgpu::Callback::new_paint_callback(rect, callback));
                ui.painter().rect_stroke(rect, 0.0, egui::Stroke::new(1.0, egui::Color32::WHITE), egui::StrokeKind::Outside);
            },
        );
    }
}
