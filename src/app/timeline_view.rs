//! The timeline panel under the wall: transport buttons, the time axis in the site's zone, one
//! coverage track per camera on the wall, the cursor. A thin view: it reads the
//! [`Timeline`] model and pushes commands.

use super::commands::{AppCommand, ReviewCommand};
use super::i18n::{Lang, Msg, tr};
use crate::core::timeline::{Span90k, Timeline, TimelineCommand, coverage_px};

/// Width of the camera-name column left of the tracks, points.
const NAMES_W: f32 = 150.0;
const AXIS_H: f32 = 20.0;
/// Tallest track, points; with many cameras tracks shrink so all fit in [`TRACKS_MAX_H`].
const TRACK_H: f32 = 14.0;
const TRACKS_MAX_H: f32 = 180.0;
pub const SPEEDS: [f64; 10] = [-16.0, -8.0, -4.0, -2.0, -1.0, 1.0, 2.0, 4.0, 8.0, 16.0];

/// One camera's row.
pub struct Track<'a> {
    pub name: &'a str,
    pub covered: &'a [Span90k],
}

/// What the panel shows: the model, a row per camera, the review's marks, and how to write times.
pub struct TimelinePanel<'a> {
    pub timeline: &'a Timeline,
    pub tracks: &'a [Track<'a>],
    /// The in/out selection, if any (90 kHz).
    pub selection: Option<(i64, i64)>,
    /// Bookmarked ranges in view (90 kHz).
    pub bookmarks: &'a [(i64, i64)],
    pub timezone: chrono_tz::Tz,
    pub lang: Lang,
}

/// Draws the panel; returns the row, instant and pointer position of a hovered track.
pub fn timeline_ui(ui: &mut egui::Ui, panel: &TimelinePanel<'_>, commands: &mut Vec<AppCommand>) -> Option<(usize, i64, egui::Pos2)> {
    let TimelinePanel { timeline: tl, tracks, selection, bookmarks, timezone, lang } = *panel;
    let tz = timezone;
    ui.horizontal(|ui| {
        if ui.add_enabled(!tl.is_live(), egui::Button::new(tr(lang, Msg::GoLive))).clicked() {
            commands.push(ReviewCommand::Timeline(TimelineCommand::GoLive).into());
        }
        if ui.button(tr(lang, Msg::FrameBack)).clicked() {
            commands.push(ReviewCommand::Step(-1).into());
        }
        let playing = matches!(tl.mode(), crate::core::timeline::Mode::Playback { playing: true });
        let (text, cmd) = if playing { (Msg::Pause, TimelineCommand::Pause) } else { (Msg::Play, TimelineCommand::Play) };
        if ui.add_enabled(!tl.is_live() || playing, egui::Button::new(tr(lang, text))).clicked() {
            commands.push(ReviewCommand::Timeline(cmd).into());
        }
        if ui.add_enabled(!tl.is_live(), egui::Button::new(tr(lang, Msg::FrameForward))).clicked() {
            commands.push(ReviewCommand::Step(1).into());
        }
        ui.label(format!("{}:", tr(lang, Msg::Speed)));
        for s in SPEEDS {
            if ui.selectable_label(tl.speed() == s, format!("{s}x")).clicked() {
                commands.push(ReviewCommand::Timeline(TimelineCommand::SetSpeed(s)).into());
            }
        }
        ui.separator();
        let cursor_ns = crate::core::time::ns_from_90k(tl.cursor_90k());
        let when = super::i18n::local_date_time(cursor_ns, timezone);
        let state = if tl.is_live() { tr(lang, Msg::Live) } else { tr(lang, Msg::Recorded) };
        ui.label(egui::RichText::new(format!("{state} · {when}")).monospace().strong());
    });

    let track_h = (TRACKS_MAX_H / tracks.len().max(1) as f32).clamp(3.0, TRACK_H);
    let height = AXIS_H + track_h * tracks.len().max(1) as f32 + 4.0;
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
            hovered = Some((row as usize, t_at(pos), pos));
        }
    }
    if response.hovered() {
        let d = ui.input(|i| i.smooth_scroll_delta);
        if d.x != 0.0 {
            commands.push(ReviewCommand::Timeline(TimelineCommand::Pan { dx_px: d.x }).into());
        }
        if d.y != 0.0
            && let Some(pos) = response.hover_pos()
        {
            commands.push(
                ReviewCommand::Timeline(TimelineCommand::Zoom { factor: f64::from((d.y * 0.004).exp()), anchor_x: pos.x - x0 }).into(),
            );
        }
    }
    hovered
}
