//! The video wall view: the wall model's tiles, each drawing its stream's newest frame on the GPU
//! with a name and state overlay. A thin view: it reads the model and stream handles, pushes
//! commands (double-click → maximize) and reports each tile's size for the stream planner.

use std::collections::HashMap;
use std::sync::Arc;

use super::commands::WallCommand;
use super::i18n::{Lang, Msg, local_time_hms, reason_text, tr};
use super::streams::StreamPlanner;
use super::streams::TileObservation;
use crate::core::layout::{Rect, Wall};
use crate::core::site::{Site, StreamProfile};
use crate::core::time::Time90k;
use crate::media::{Ingest, OfflineReason, StreamHandle, StreamKey, StreamState};
use crate::render::TileCallback;

/// What one tile shows this frame.
pub struct TileView {
    pub camera_name: String,
    pub neighborhood: String,
    /// The stream to draw (the planner's choice of profile).
    pub handle: Arc<StreamHandle>,
    /// In playback: the recorded picture for this camera (`Some(None)`: nothing decoded yet).
    pub playback: Option<Option<Arc<crate::playback::PlaybackTile>>>,
}

/// What can be dragged onto a tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DragPayload {
    Camera(String),
    Tile(usize),
}

/// How the wall words and times things.
pub struct WallTexts<'a> {
    pub lang: Lang,
    /// The site's IANA time zone, for "last frame hh:mm:ss".
    pub timezone: chrono_tz::Tz,
    /// Playback holds a tile's last picture where it has no recording (the gaps setting).
    pub hold_gaps: bool,
    /// Playback paused (or stepping): recorded times show hundredths, as the timeline does.
    pub paused: bool,
    /// Cameras whose tiles get the alarm border.
    pub alarmed: &'a [String],
}

/// Per-tile memory between frames: the frame sequence number already on the GPU per stream.
#[derive(Default)]
pub struct WallState {
    uploaded_seq: HashMap<String, u64>,
    /// The tile rectangles last written to the log (end-to-end tests read them).
    logged_tiles: Vec<(usize, [i32; 4])>,
}

/// What a wall view needs to find each tile's stream.
pub struct WallStreams<'a> {
    pub site: &'a Site,
    pub ingest: &'a Ingest,
    pub planner: &'a StreamPlanner,
    pub lang: Lang,
    /// In playback: tiles show the engine's pictures instead of live video.
    pub playback: Option<&'a crate::playback::PlaybackEngine>,
    pub hold_gaps: bool,
    pub paused: bool,
    /// Cameras with an alarm nobody has acknowledged: their tiles get a red border.
    pub alarmed: &'a [String],
}

impl WallStreams<'_> {
    /// Draws `wall`; its tiles are numbered from `tile_offset` for the stream planner.
    pub fn wall_ui(
        &self,
        ui: &mut egui::Ui,
        wall: &Wall,
        tile_offset: usize,
        state: &mut WallState,
        commands: &mut Vec<WallCommand>,
        observations: &mut Vec<TileObservation>,
    ) {
        let texts = WallTexts {
            lang: self.lang,
            timezone: self.site.timezone,
            hold_gaps: self.hold_gaps,
            paused: self.paused,
            alarmed: self.alarmed,
        };
        let tile_view = |tile: usize, camera_id: &str| {
            let cam = self.site.camera(camera_id)?;
            let profile = self.planner.shown(tile + tile_offset, camera_id);
            let handle = self
                .ingest
                .handle(&StreamKey::new(camera_id, profile))
                .or_else(|| self.ingest.handle(&StreamKey::new(camera_id, StreamProfile::Sub)))?;
            Some(TileView {
                camera_name: cam.name.clone(),
                neighborhood: self.site.neighborhood(&cam.neighborhood).map_or_else(String::new, |n| n.name.clone()),
                handle,
                playback: self.playback.map(|p| p.tile(camera_id)),
            })
        };
        let first_new = observations.len();
        wall_ui(ui, wall, tile_view, state, &texts, commands, observations);
        for obs in &mut observations[first_new..] {
            obs.tile += tile_offset;
        }
    }
}

/// The largest rectangle of the frame's aspect ratio centred in `outer` (letterbox).
pub fn letterbox(outer: egui::Rect, width: u32, height: u32) -> egui::Rect {
    if width == 0 || height == 0 || outer.width() <= 0.0 || outer.height() <= 0.0 {
        return outer;
    }
    let aspect = width as f32 / height as f32;
    let (w, h) = if outer.width() / outer.height() > aspect {
        (outer.height() * aspect, outer.height())
    } else {
        (outer.width(), outer.width() / aspect)
    };
    egui::Rect::from_center_size(outer.center(), egui::vec2(w, h))
}

#[allow(clippy::too_many_arguments)]
pub fn wall_ui(
    ui: &mut egui::Ui,
    wall: &Wall,
    tile_view: impl Fn(usize, &str) -> Option<TileView>,
    state: &mut WallState,
    texts: &WallTexts<'_>,
    commands: &mut Vec<WallCommand>,
    observations: &mut Vec<TileObservation>,
) {
    let area = ui.available_rect_before_wrap();
    // Drawn over the pictures, after every tile.
    let mut alarm_borders = Vec::new();
    let ppp = ui.ctx().pixels_per_point();
    let core_area = Rect { x: area.min.x, y: area.min.y, w: area.width(), h: area.height() };
    let painter = ui.painter_at(area);
    let tiles = wall.visible_tiles(core_area, 2.0);
    let in_pixels: Vec<(usize, [i32; 4])> =
        tiles.iter().map(|(i, r)| (*i, [r.x, r.y, r.w, r.h].map(|v| (v * ppp).round() as i32))).collect();
    if in_pixels != state.logged_tiles {
        let text: Vec<String> = in_pixels.iter().map(|(i, [x, y, w, h])| format!("{i}:{w}x{h}+{x}+{y}")).collect();
        tracing::debug!(layout = %wall.layout.name, tiles = %text.join(" "), "wall tiles");
        state.logged_tiles = in_pixels;
    }
    for (i, r) in tiles {
        let rect = egui::Rect::from_min_size(egui::pos2(r.x, r.y), egui::vec2(r.w, r.h));
        painter.rect_filled(rect, 0.0, egui::Color32::from_gray(12));
        let response = ui.interact(rect, ui.scope_id().with(("tile", i)), egui::Sense::click_and_drag());
        tile_interaction(&response, i, wall, texts.lang, commands);
        if wall.selected == Some(i) {
            painter.rect_stroke(
                rect.shrink(1.0),
                0.0,
                egui::Stroke::new(2.0, egui::Color32::from_rgb(255, 200, 0)),
                egui::StrokeKind::Inside,
            );
        }
        if response.dnd_hover_payload::<DragPayload>().is_some() {
            painter.rect_stroke(rect.shrink(1.0), 0.0, egui::Stroke::new(3.0, egui::Color32::LIGHT_BLUE), egui::StrokeKind::Inside);
        }
        let Some(camera_id) = wall.cameras.get(i).and_then(|c| c.as_deref()) else { continue };
        if texts.alarmed.iter().any(|c| c == camera_id) {
            alarm_borders.push(rect);
        }
        let zoom = wall.zoom(i);
        observations.push(TileObservation {
            tile: i,
            camera_id: camera_id.to_string(),
            height_px: r.h * ppp,
            visible: true,
            zoomed: zoom.is_zoomed(),
        });
        let Some(view) = tile_view(i, camera_id) else { continue };
        // Screen readers (and UI tests) know a tile by its camera and neighborhood.
        let tile_label = format!("{} · {}", view.camera_name, view.neighborhood);
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Video, true, &tile_label));
        // In playback: (instant shown or none recorded, time of a picture held through a gap,
        // fewer pictures than recorded).
        let (stream_id, seq, frame, playback) = match &view.playback {
            None => (view.handle.key.to_string(), view.handle.slot.seq(), view.handle.slot.latest(), None),
            Some(tile) => {
                let (shown, picture_90k) = tile.as_ref().map_or((None, None), |t| t.shown());
                let held = picture_90k.filter(|_| shown.is_none() && texts.hold_gaps);
                let frame = tile.as_ref().filter(|_| shown.is_some() || held.is_some()).and_then(|t| t.slot.latest());
                let reduced = tile.as_ref().is_some_and(|t| t.reduced()) && shown.is_some();
                (format!("playback/{camera_id}"), tile.as_ref().map_or(0, |t| t.slot.seq()), frame, Some((shown, held, reduced)))
            }
        };
        let stream_state = view.handle.state();
        if playback.is_none() && !stream_state.is_live() && response.hovered() {
            // The whole status, whatever the tile's size.
            let (text, _) = live_status_text(&stream_state, view.handle.last_frame_unix_ns(), texts.lang, texts.timezone);
            egui::Tooltip::for_widget(&response).show(|ui: &mut egui::Ui| ui.label(text));
        }
        let dim = match playback {
            Some((shown, _, _)) => shown.is_none(),
            None => !stream_state.is_live(),
        };
        let fill = wall.is_fill(i);
        let picture = if fill { rect } else { frame.as_ref().map_or(rect, |f| letterbox(rect, f.width, f.height)) };
        // Fill: show the centre of the (zoomed) picture that has the tile's aspect ratio.
        let (crop_offset, crop_size) = match (&frame, fill) {
            (Some(f), true) => crate::core::layout::fill_crop(f.width, f.height, rect.width(), rect.height()),
            _ => ([0.0, 0.0], [1.0, 1.0]),
        };
        zoom_interaction(ui, &response, i, picture, (crop_offset, crop_size), commands);
        if let Some(frame) = frame {
            let is_new = state.uploaded_seq.get(&stream_id) != Some(&seq);
            state.uploaded_seq.insert(stream_id.clone(), seq);
            let callback = TileCallback {
                stream_id,
                frame: is_new.then(|| frame.clone()),
                dim,
                uv_offset: [zoom.offset[0] + zoom.size * crop_offset[0], zoom.offset[1] + zoom.size * crop_offset[1]],
                uv_size: [zoom.size * crop_size[0], zoom.size * crop_size[1]],
            };
            painter.add(eframe::egui_wgpu::Callback::new_paint_callback(picture, callback));
        }
        let clipped = painter.with_clip_rect(rect);
        match playback {
            None => overlay_ui(&clipped, rect, &view, &stream_state, texts, response.hovered()),
            Some((shown, held, reduced)) => {
                playback_overlay_ui(&clipped, rect, &view, shown, held, reduced, texts);
                if reduced && response.hovered() {
                    egui::Tooltip::for_widget(&response).show(|ui: &mut egui::Ui| ui.label(tr(texts.lang, Msg::ReducedRateHelp)));
                }
            }
        }
    }
    for rect in alarm_borders {
        painter.rect_stroke(rect.shrink(2.0), 0.0, egui::Stroke::new(4.0, egui::Color32::from_rgb(230, 40, 40)), egui::StrokeKind::Inside);
    }
    ui.allocate_rect(area, egui::Sense::hover());
}

/// Clicks, double-clicks, drags and drops on one tile, turned into commands.
fn tile_interaction(response: &egui::Response, i: usize, wall: &Wall, lang: Lang, commands: &mut Vec<WallCommand>) {
    let zoomed = wall.zoom(i).is_zoomed();
    if response.double_clicked() {
        // In a zoomed tile, double-click resets the zoom; otherwise it maximizes.
        commands.push(if zoomed { WallCommand::ResetZoom(i) } else { WallCommand::ToggleMaximized(i) });
    } else if response.clicked() {
        commands.push(WallCommand::Select(i));
    }
    let has_camera = wall.cameras.get(i).is_some_and(Option::is_some);
    if response.drag_started() && has_camera && !zoomed {
        response.dnd_set_drag_payload(DragPayload::Tile(i));
    }
    if let Some(payload) = response.dnd_release_payload::<DragPayload>() {
        match payload.as_ref() {
            DragPayload::Camera(id) => commands.push(WallCommand::Assign(i, id.clone())),
            DragPayload::Tile(from) if *from != i => commands.push(WallCommand::Swap(*from, i)),
            DragPayload::Tile(_) => {}
        }
    }
    if has_camera {
        response.context_menu(|ui| {
            let fill_text = if wall.is_fill(i) { Msg::KeepAspect } else { Msg::FillTile };
            if ui.button(tr(lang, fill_text)).clicked() {
                commands.push(WallCommand::ToggleFill(i));
                ui.close();
            }
            if ui.button(tr(lang, Msg::RemoveFromTile)).clicked() {
                commands.push(WallCommand::Remove(i));
                ui.close();
            }
            ui.separator();
            if ui.button(tr(lang, Msg::MotionSearchMenu)).clicked() {
                commands.push(WallCommand::OpenMotion { tile: i, search: true });
                ui.close();
            }
            if ui.button(tr(lang, Msg::MotionSettingsMenu)).clicked() {
                commands.push(WallCommand::OpenMotion { tile: i, search: false });
                ui.close();
            }
        });
    }
}

/// Wheel over the picture zooms around the cursor; dragging a zoomed picture pans it. `crop` is
/// the part of the zoomed picture the tile shows (all of it, or a fill tile's centre).
fn zoom_interaction(
    ui: &egui::Ui,
    response: &egui::Response,
    i: usize,
    picture: egui::Rect,
    crop: ([f32; 2], [f32; 2]),
    commands: &mut Vec<WallCommand>,
) {
    if response.hovered() {
        let scroll = ui.input(|inp| inp.smooth_scroll_delta.y);
        if scroll != 0.0
            && let Some(pos) = response.hover_pos()
        {
            let in_tile = [(pos.x - picture.min.x) / picture.width(), (pos.y - picture.min.y) / picture.height()];
            let cursor = crate::core::layout::tile_to_zoom_space(in_tile, crop);
            commands.push(WallCommand::Zoom(i, (scroll * 0.004).exp(), cursor));
        }
    }
    if response.dragged() && !response.drag_started() {
        let d = response.drag_delta();
        // The picture follows the pointer: a tile's width shows crop width of the zoomed part.
        commands.push(WallCommand::Pan(i, [d.x / picture.width() * crop.1[0], d.y / picture.height() * crop.1[1]]));
    }
}

/// A label on a dark band; returns the band's rectangle.
fn label(
    painter: &egui::Painter,
    pos: egui::Pos2,
    text: String,
    font: &egui::FontId,
    colour: egui::Color32,
    from_bottom: bool,
) -> egui::Rect {
    let galley = painter.layout_no_wrap(text, font.clone(), colour);
    let pos = if from_bottom { pos - egui::vec2(0.0, galley.size().y + 4.0) } else { pos };
    let band = egui::Rect::from_min_size(pos, galley.size() + egui::vec2(8.0, 4.0));
    painter.rect_filled(band, 0.0, egui::Color32::from_black_alpha(150));
    painter.galley(pos + egui::vec2(4.0, 2.0), galley, colour);
    band
}

/// A playing tile that shows fewer pictures than recorded (light blue: information, not alarm).
const REDUCED_COLOUR: egui::Color32 = egui::Color32::from_rgb(120, 200, 255);

/// A tile in playback: camera, and the recorded instant shown (or that nothing was recorded, with
/// the time of the picture held, if one is).
fn playback_overlay_ui(
    painter: &egui::Painter,
    rect: egui::Rect,
    view: &TileView,
    shown_90k: Option<Time90k>,
    held_90k: Option<Time90k>,
    reduced: bool,
    texts: &WallTexts,
) {
    let font = egui::FontId::proportional((rect.height() / 12.0).clamp(10.0, 18.0));
    let name = label(painter, rect.min, format!("{} · {}", view.camera_name, view.neighborhood), &font, egui::Color32::WHITE, false);
    let lang = texts.lang;
    if reduced {
        // Top right, beside the name: the long form where it fits, else the short one.
        let fits = |msg: Msg| painter.layout_no_wrap(tr(lang, msg).to_string(), font.clone(), REDUCED_COLOUR).size().x + 8.0;
        let text = if name.width() + fits(Msg::ReducedRate) + 8.0 <= rect.width() { Msg::ReducedRate } else { Msg::ReducedRateShort };
        let pos = egui::pos2(rect.max.x - fits(text), rect.min.y);
        label(painter, pos, tr(lang, text).to_string(), &font, REDUCED_COLOUR, false);
    }
    let (text, colour) = match shown_90k {
        Some(t) => {
            let when = if texts.paused {
                crate::core::time::local_date_time_hundredths(t, texts.timezone)
            } else {
                super::i18n::local_date_time(t.unix_ns(), texts.timezone)
            };
            (format!("{} · {when}", tr(lang, Msg::Recorded)), egui::Color32::from_rgb(255, 200, 0))
        }
        None => match held_90k {
            Some(t) => {
                let ns = t.unix_ns();
                let when = super::i18n::local_date_time(ns, texts.timezone);
                (format!("{} · {} {when}", tr(lang, Msg::NoRecording), tr(lang, Msg::LastFrame)), egui::Color32::LIGHT_GRAY)
            }
            None => (tr(lang, Msg::NoRecording).to_string(), egui::Color32::GRAY),
        },
    };
    label(painter, egui::pos2(rect.min.x, rect.max.y), text, &font, colour, true);
}

/// A connected camera whose picture stopped (amber: look, it may be nothing).
pub(super) const NO_PICTURE_COLOUR: egui::Color32 = egui::Color32::from_rgb(255, 170, 0);
const OFFLINE_COLOUR: egui::Color32 = egui::Color32::from_rgb(230, 25, 75);

/// What a live-view tile says about its stream, and in which colour. Nothing is "live" unless
/// pictures are arriving: a camera that stopped sending says since when, through reconnects.
pub(super) fn live_status_text(state: &StreamState, last_frame_unix_ns: u64, lang: Lang, tz: chrono_tz::Tz) -> (String, egui::Color32) {
    let since = |ns: u64| format!("{} {}", tr(lang, Msg::NoNewPicture), local_time_hms(ns, tz));
    match state {
        StreamState::Live => (tr(lang, Msg::Live).to_string(), egui::Color32::from_rgb(60, 180, 75)),
        StreamState::NoPicture { since_unix_ns } => (since(*since_unix_ns), NO_PICTURE_COLOUR),
        StreamState::Offline { reason: OfflineReason::NoVideo, .. } | StreamState::Connecting if last_frame_unix_ns > 0 => {
            (since(last_frame_unix_ns), NO_PICTURE_COLOUR)
        }
        StreamState::Offline { reason, .. } => {
            let last = if last_frame_unix_ns > 0 {
                format!(" · {} {}", tr(lang, Msg::LastFrame), local_time_hms(last_frame_unix_ns, tz))
            } else {
                String::new()
            };
            (format!("{}{last} · {}", tr(lang, Msg::Offline), reason_text(lang, reason)), OFFLINE_COLOUR)
        }
        StreamState::Connecting => (tr(lang, Msg::Connecting).to_string(), egui::Color32::GRAY),
        StreamState::Stopped => (tr(lang, Msg::Stopped).to_string(), egui::Color32::GRAY),
    }
}

fn overlay_ui(painter: &egui::Painter, rect: egui::Rect, view: &TileView, state: &StreamState, texts: &WallTexts, hovered: bool) {
    let font = egui::FontId::proportional((rect.height() / 12.0).clamp(10.0, 18.0));
    label(painter, rect.min, format!("{} · {}", view.camera_name, view.neighborhood), &font, egui::Color32::WHITE, false);
    let (text, colour) = live_status_text(state, view.handle.last_frame_unix_ns(), texts.lang, texts.timezone);
    // Wrapped inside the tile, never cut off (a small tile gets two or three lines).
    wrapped_label(painter, rect, text, &font, colour);
    if hovered && state.is_live() {
        // Figures for whoever asks, at the top right: they never cover the status.
        let st = view.handle.stats();
        let info = format!("{:.1} fps · {}x{} · {:.0} kbit/s · {}", st.fps, st.width, st.height, st.bitrate_kbps, view.handle.key.profile);
        let galley = painter.layout_no_wrap(info.clone(), font.clone(), egui::Color32::WHITE);
        let pos = egui::pos2(rect.max.x - galley.size().x - 8.0, rect.min.y + galley.size().y + 8.0);
        label(painter, pos, info, &font, egui::Color32::WHITE, false);
    }
}

/// A status line at the bottom left of a tile, wrapped to the tile's width.
fn wrapped_label(painter: &egui::Painter, rect: egui::Rect, text: String, font: &egui::FontId, colour: egui::Color32) {
    let galley = painter.layout(text, font.clone(), colour, (rect.width() - 12.0).max(40.0));
    let pos = egui::pos2(rect.min.x, rect.max.y - galley.size().y - 4.0);
    painter.rect_filled(egui::Rect::from_min_size(pos, galley.size() + egui::vec2(8.0, 4.0)), 0.0, egui::Color32::from_black_alpha(150));
    painter.galley(pos + egui::vec2(4.0, 2.0), galley, colour);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_camera_that_stopped_sending_is_never_live_and_says_since_when() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        // 23:40:12 in Hà Nội is 16:40:12 UTC.
        let at_ns = 1_795_970_412u64 * 1_000_000_000;
        let hms = local_time_hms(at_ns, tz);
        let since = format!("KHÔNG CÓ HÌNH MỚI từ {hms}");
        assert_eq!(
            live_status_text(&StreamState::NoPicture { since_unix_ns: at_ns }, at_ns, Lang::Vi, tz),
            (since.clone(), NO_PICTURE_COLOUR)
        );
        // Reconnecting to it, or given up on it for sending nothing: still "no new picture since".
        for state in [StreamState::Connecting, StreamState::Offline { reason: OfflineReason::NoVideo, retry_in_ms: Some(800) }] {
            assert_eq!(live_status_text(&state, at_ns, Lang::Vi, tz).0, since, "{state:?}");
        }
        // A camera that answers 404 says so, in words, with its last picture's time.
        let (text, colour) =
            live_status_text(&StreamState::Offline { reason: OfflineReason::NotFound, retry_in_ms: None }, at_ns, Lang::Vi, tz);
        assert_eq!(text, format!("MẤT TÍN HIỆU · khung hình cuối {hms} · camera không có luồng này (404)"));
        assert_eq!(colour, OFFLINE_COLOUR);
        // Never seen: connecting, not "no new picture".
        assert_eq!(live_status_text(&StreamState::Connecting, 0, Lang::Vi, tz).0, "Đang kết nối…");
        assert_eq!(
            live_status_text(&StreamState::NoPicture { since_unix_ns: at_ns }, at_ns, Lang::En, tz).0,
            format!("NO NEW PICTURE since {hms}")
        );
    }

    #[test]
    fn letterbox_keeps_the_aspect_ratio() {
        let outer = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(400.0, 400.0));
        let r = letterbox(outer, 1920, 1080);
        assert!((r.width() - 400.0).abs() < 0.01 && (r.height() - 225.0).abs() < 0.01);
        assert_eq!(r.center(), outer.center());
        let wide = letterbox(egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(400.0, 100.0)), 640, 360);
        assert!((wide.height() - 100.0).abs() < 0.01 && (wide.width() - 177.78).abs() < 0.1);
    }
}
