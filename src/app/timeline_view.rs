//! The timeline panel under the wall: transport buttons, the time axis in the site's zone, one
//! coverage track per camera on the wall, the cursor. A thin view: it reads the
//! [`Timeline`] model and pushes commands.

use super::commands::{AppCommand, ReviewCommand};
use super::i18n::{Lang, Msg, tr};
use crate::core::time::Time90k;
use crate::core::timeline::{Span90k, Timeline, TimelineCommand, coverage_px};

/// Width of the camera-name column left of the tracks, points.
const NAMES_W: f32 = 150.0;
const AXIS_H: f32 = 20.0;
/// Tallest track, points; with many cameras tracks shrink so all fit in [`TRACKS_MAX_H`].
const TRACK_H: f32 = 14.0;
/// The tracks' area: the same height whatever the number of cameras (rows shrink to fit; with
/// few cameras the rest stays empty), so the wall above does not jump when the wall changes.
const TRACKS_MAX_H: f32 = 126.0;
/// Width of the play/pause button (the buttons after it do not move when its word changes).
const PLAY_W: f32 = 90.0;
/// Width of the cursor's time at the start of the transport row.
const TIME_W: f32 = 285.0;
pub const SPEEDS: [f64; 10] = [-16.0, -8.0, -4.0, -2.0, -1.0, 1.0, 2.0, 4.0, 8.0, 16.0];

/// One camera's row.
pub struct Track<'a> {
    pub name: &'a str,
    pub covered: &'a [Span90k],
    /// When the camera was offline (alarmed or a blip under the debounce).
    pub outages: &'a [Span90k],
    /// When its alarms lasted (up to now for one still active).
    pub alarms: &'a [Span90k],
    /// When its picture had motion (armed or not): the motion strip.
    pub motion: &'a [Span90k],
}

/// An outage: a dark red band low in the track (the gap in coverage, explained).
const OUTAGE_COLOUR: egui::Color32 = egui::Color32::from_rgb(150, 40, 40);
/// An alarm: a bright red bar at the top of the track.
const ALARM_COLOUR: egui::Color32 = egui::Color32::from_rgb(255, 60, 60);
/// Motion: an amber band across the middle of the track.
const MOTION_COLOUR: egui::Color32 = egui::Color32::from_rgb(235, 175, 40);

/// What the panel shows: the model, a row per camera, the review's marks, and how to write times.
pub struct TimelinePanel<'a> {
    pub timeline: &'a Timeline,
    pub tracks: &'a [Track<'a>],
    /// The in/out selection, if any (90 kHz).
    pub selection: Option<(Time90k, Time90k)>,
    /// Bookmarked ranges in view (90 kHz).
    pub bookmarks: &'a [(Time90k, Time90k)],
    pub timezone: chrono_tz::Tz,
    pub lang: Lang,
    /// Why the last "go to" text could not be read.
    pub goto_error: Option<crate::core::time::LocalTimeError>,
}

/// Draws the panel; `goto_text` is the "go to" field's text. Returns the row, instant and pointer
/// position of a hovered track, and the top of the tracks' area (a thumbnail goes above it).
pub fn timeline_ui(
    ui: &mut egui::Ui,
    panel: &TimelinePanel<'_>,
    goto_text: &mut String,
    commands: &mut Vec<AppCommand>,
) -> Option<(usize, Time90k, egui::Pos2, f32)> {
    let TimelinePanel { timeline: tl, tracks, selection, bookmarks, timezone, lang, goto_error } = *panel;
    let tz = timezone;
    let timeline = |cmd: TimelineCommand| -> AppCommand { ReviewCommand::Timeline(cmd).into() };
    ui.horizontal(|ui| {
        // The cursor's time first, in a fixed width: nothing after it moves when it changes, and
        // a narrow window cuts the speed buttons, not the time.
        let when = if tl.mode() == (crate::core::timeline::Mode::Playback { playing: false }) {
            // Paused or stepping: the frame too (hundredths of a second).
            crate::core::time::local_date_time_hundredths(tl.cursor_90k(), timezone)
        } else {
            super::i18n::local_date_time(tl.cursor_90k().unix_ns(), timezone)
        };
        let state = if tl.is_live() { tr(lang, Msg::Live) } else { tr(lang, Msg::Recorded) };
        let colour = if tl.is_live() { egui::Color32::from_rgb(60, 180, 75) } else { egui::Color32::from_rgb(255, 200, 0) };
        let text = egui::RichText::new(format!("{state} · {when}")).monospace().strong().color(colour);
        let size = egui::vec2(TIME_W, ui.spacing().interact_size.y);
        ui.allocate_ui_with_layout(size, egui::Layout::left_to_right(egui::Align::Center), |ui| {
            ui.set_min_size(size);
            ui.label(text);
        });
        let live = egui::Button::new(tr(lang, Msg::GoLive));
        if ui.add_enabled(!tl.is_live(), live).on_hover_text(tr(lang, Msg::KeyGoLive)).clicked() {
            commands.push(timeline(TimelineCommand::GoLive));
        }
        if ui.button(tr(lang, Msg::FrameBack)).on_hover_text(tr(lang, Msg::KeyFrameBack)).clicked() {
            commands.push(ReviewCommand::Step(-1).into());
        }
        let playing = matches!(tl.mode(), crate::core::timeline::Mode::Playback { playing: true });
        let (text, cmd) = if playing { (Msg::Pause, TimelineCommand::Pause) } else { (Msg::Play, TimelineCommand::Play) };
        let play = egui::Button::new(tr(lang, text)).min_size(egui::vec2(PLAY_W, 0.0));
        if ui.add_enabled(!tl.is_live() || playing, play).on_hover_text(tr(lang, Msg::KeyPlayPause)).clicked() {
            commands.push(timeline(cmd));
        }
        let forward = egui::Button::new(tr(lang, Msg::FrameForward));
        if ui.add_enabled(!tl.is_live(), forward).on_hover_text(tr(lang, Msg::KeyFrameForward)).clicked() {
            commands.push(ReviewCommand::Step(1).into());
        }
        ui.separator();
        let speeds_help = format!("{} · {}", tr(lang, Msg::Speed), tr(lang, Msg::KeySpeeds));
        for s in SPEEDS {
            if ui.selectable_label(tl.speed() == s, format!("{s}x")).on_hover_text(&speeds_help).clicked() {
                commands.push(timeline(TimelineCommand::SetSpeed(s)));
            }
        }
    });
    ui.horizontal(|ui| {
        // Zoom: out, in, and the presets (the one showing is highlighted).
        let span = tl.view().1;
        if ui.button("−").on_hover_text(tr(lang, Msg::ZoomOut)).clicked() {
            commands.push(timeline(TimelineCommand::SetSpan(span * 2)));
        }
        if ui.button("+").on_hover_text(tr(lang, Msg::ZoomIn)).clicked() {
            commands.push(timeline(TimelineCommand::SetSpan(span / 2)));
        }
        let names = [Msg::Zoom1Min, Msg::Zoom10Min, Msg::Zoom1Hour, Msg::Zoom1Day, Msg::Zoom7Days];
        for (preset_s, name) in crate::core::timeline::ZOOM_PRESETS_S.into_iter().zip(names) {
            let preset = crate::core::time::Duration90k::from_secs(preset_s);
            if ui.selectable_label(span == preset, tr(lang, name)).clicked() {
                commands.push(timeline(TimelineCommand::SetSpan(preset)));
            }
        }
        ui.separator();
        let l = ui.label(format!("{}:", tr(lang, Msg::GoTo)));
        let field =
            egui::TextEdit::singleline(goto_text).hint_text(tr(lang, Msg::GoToHint)).desired_width(170.0).font(egui::TextStyle::Monospace);
        let response = ui.add(field).labelled_by(l.id).on_hover_text(tr(lang, Msg::GoToHelp));
        let entered = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.add_enabled(!goto_text.trim().is_empty(), egui::Button::new(tr(lang, Msg::Show))).clicked() || entered {
            commands.push(ReviewCommand::GoTo(goto_text.clone()).into());
        }
        if let Some(e) = goto_error {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 90), tr(lang, super::i18n::local_time_error_msg(e)));
        }
    });

    let track_h = (TRACKS_MAX_H / tracks.len().max(1) as f32).clamp(3.0, TRACK_H);
    let height = AXIS_H + TRACKS_MAX_H + 4.0;
    let (full, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), height), egui::Sense::hover());
    let area = egui::Rect::from_min_max(egui::pos2(full.min.x + NAMES_W, full.min.y), full.max);
    if (area.width() - tl.width_px()).abs() > 0.5 {
        commands.push(ReviewCommand::Timeline(TimelineCommand::SetWidth(area.width())).into());
    }
    let painter = ui.painter_at(full);
    painter.rect_filled(area, 0.0, egui::Color32::from_gray(24));
    let x0 = area.min.x;
    // Axis.
    for tick in tl.ticks(tz) {
        let x = x0 + tick.x;
        let colour = if tick.day_start { egui::Color32::from_gray(200) } else { egui::Color32::from_gray(90) };
        painter.line_segment([egui::pos2(x, area.min.y), egui::pos2(x, area.max.y)], egui::Stroke::new(1.0, colour));
        painter.text(
            egui::pos2(x + 3.0, area.min.y + 2.0),
            egui::Align2::LEFT_TOP,
            &tick.label,
            egui::FontId::monospace(11.0),
            egui::Color32::from_gray(210),
        );
    }
    // Tracks.
    for (i, track) in tracks.iter().enumerate() {
        let y = area.min.y + AXIS_H + i as f32 * track_h;
        if track_h >= 10.0 {
            painter.text(
                egui::pos2(full.min.x + 4.0, y + track_h / 2.0),
                egui::Align2::LEFT_CENTER,
                track.name,
                egui::FontId::proportional(11.0),
                egui::Color32::from_gray(220),
            );
        }
        let gap = (track_h / 7.0).min(2.0);
        for (a, b) in coverage_px(tl, track.covered) {
            let r = egui::Rect::from_min_max(egui::pos2(x0 + a, y + gap), egui::pos2(x0 + b.max(a + 1.0), y + track_h - gap));
            painter.rect_filled(r, 1.0, egui::Color32::from_rgb(40, 150, 80));
        }
        let band = (track_h / 3.0).max(2.0);
        for (a, b) in coverage_px(tl, track.outages) {
            let r =
                egui::Rect::from_min_max(egui::pos2(x0 + a, y + track_h - gap - band), egui::pos2(x0 + b.max(a + 2.0), y + track_h - gap));
            painter.rect_filled(r, 0.0, OUTAGE_COLOUR);
        }
        let mid = y + track_h / 2.0;
        for (a, b) in coverage_px(tl, track.motion) {
            let r = egui::Rect::from_min_max(egui::pos2(x0 + a, mid - band / 2.0), egui::pos2(x0 + b.max(a + 2.0), mid + band / 2.0));
            painter.rect_filled(r, 0.0, MOTION_COLOUR);
        }
        for (a, b) in coverage_px(tl, track.alarms) {
            let r = egui::Rect::from_min_max(egui::pos2(x0 + a, y + gap), egui::pos2(x0 + b.max(a + 2.0), y + gap + band));
            painter.rect_filled(r, 0.0, ALARM_COLOUR);
        }
    }
    // The in/out selection, and bookmarks as bars under the axis.
    if let Some((a, b)) = selection {
        let (xa, xb) = ((x0 + tl.x_of(a)).max(area.min.x), (x0 + tl.x_of(b)).min(area.max.x));
        if xb > xa {
            let r = egui::Rect::from_min_max(egui::pos2(xa, area.min.y), egui::pos2(xb, area.max.y));
            painter.rect_filled(r, 0.0, egui::Color32::from_rgba_unmultiplied(80, 140, 255, 50));
        }
    }
    for (a, b) in bookmarks {
        let (xa, xb) = ((x0 + tl.x_of(*a)).max(area.min.x), (x0 + tl.x_of(*b)).min(area.max.x));
        if xb >= xa {
            let r = egui::Rect::from_min_max(
                egui::pos2(xa, area.min.y + AXIS_H - 5.0),
                egui::pos2(xb.max(xa + 2.0), area.min.y + AXIS_H - 1.0),
            );
            painter.rect_filled(r, 0.0, egui::Color32::from_rgb(230, 120, 30));
        }
    }
    // Cursor.
    let cx = x0 + tl.x_of(tl.cursor_90k());
    if cx >= area.min.x && cx <= area.max.x {
        let colour = if tl.is_live() { egui::Color32::from_rgb(60, 180, 75) } else { egui::Color32::from_rgb(255, 200, 0) };
        painter.line_segment([egui::pos2(cx, area.min.y), egui::pos2(cx, area.max.y)], egui::Stroke::new(2.0, colour));
    }

    // Click jumps, drag scrubs (keyframes), release shows the exact frame; wheel zooms around the
    // pointer, horizontal wheel (shift+wheel) pans.
    let response = ui.interact(area, ui.scope_id().with("timeline-area"), egui::Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, tr(lang, Msg::Timeline)));
    let t_at = |pos: egui::Pos2| tl.t_of(pos.x - x0);
    if let Some(pos) = response.interact_pointer_pos() {
        if response.drag_stopped() || response.clicked() {
            commands.push(ReviewCommand::Seek { t_90k: t_at(pos), exact: true }.into());
        } else if response.dragged() {
            commands.push(ReviewCommand::Seek { t_90k: t_at(pos), exact: false }.into());
        }
    }
    // Hover over a track: which camera, which instant (for a thumbnail).
    let mut hovered = None;
    if let Some(pos) = response.hover_pos()
        && !response.dragged()
    {
        let track_h = (TRACKS_MAX_H / tracks.len().max(1) as f32).clamp(3.0, TRACK_H);
        let row = ((pos.y - area.min.y - AXIS_H) / track_h).floor();
        if row >= 0.0 && (row as usize) < tracks.len() {
            hovered = Some((row as usize, t_at(pos), pos, full.min.y));
        }
    }
    if response.hovered() {
        let d = ui.input(|i| i.smooth_scroll_delta);
        if d.x != 0.0 {
            commands.push(timeline(TimelineCommand::Pan { dx_px: d.x }));
        }
        if d.y != 0.0
            && let Some(pos) = response.hover_pos()
        {
            commands.push(timeline(TimelineCommand::Zoom { factor: f64::from((d.y * 0.004).exp()), anchor_x: pos.x - x0 }));
        }
    }
    hovered
}
