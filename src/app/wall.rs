//! The video wall view: a grid of tiles, each drawing its stream's newest frame on the GPU with a
//! name and state overlay. A thin view: it reads stream handles and remembers which frame each tile
//! last uploaded, nothing more.

use std::collections::HashMap;
use std::sync::Arc;

use crate::media::{StreamHandle, StreamState};
use crate::render::TileCallback;

/// What one tile shows.
pub struct WallTile {
    pub camera_name: String,
    pub neighborhood: String,
    pub handle: Arc<StreamHandle>,
}

/// Per-tile memory between frames: the frame sequence number already on the GPU.
#[derive(Default)]
pub struct WallState {
    uploaded_seq: HashMap<String, u64>,
}

/// Columns for `n` tiles in a square-ish grid (35 → 6x6).
pub fn grid_columns(n: usize) -> usize {
    (n as f64).sqrt().ceil().max(1.0) as usize
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

pub fn wall_ui(ui: &mut egui::Ui, tiles: &[WallTile], state: &mut WallState, live_text: &str, offline_text: &str) {
    let columns = grid_columns(tiles.len());
    let rows = tiles.len().div_ceil(columns).max(1);
    let area = ui.available_rect_before_wrap();
    let gap = 2.0;
    let cell = egui::vec2(
        (area.width() - gap * (columns as f32 - 1.0)) / columns as f32,
        (area.height() - gap * (rows as f32 - 1.0)) / rows as f32,
    );
    let painter = ui.painter_at(area);
    for (i, tile) in tiles.iter().enumerate() {
        let (row, col) = (i / columns, i % columns);
        let min = area.min + egui::vec2(col as f32 * (cell.x + gap), row as f32 * (cell.y + gap));
        let rect = egui::Rect::from_min_size(min, cell);
        painter.rect_filled(rect, 0.0, egui::Color32::from_gray(12));
        let id = tile.handle.key.to_string();
        let seq = tile.handle.slot.seq();
        let frame = tile.handle.slot.latest();
        let state_now = tile.handle.state();
        if let Some(frame) = &frame {
            let is_new = state.uploaded_seq.get(&id) != Some(&seq);
            state.uploaded_seq.insert(id.clone(), seq);
            let picture = letterbox(rect, frame.width, frame.height);
            let callback = TileCallback {
                stream_id: id.clone(),
                frame: is_new.then(|| frame.clone()),
                dim: !state_now.is_live(),
                uv_offset: [0.0, 0.0],
                uv_size: [1.0, 1.0],
            };
            painter.add(eframe::egui_wgpu::Callback::new_paint_callback(picture, callback));
        }
        overlay_ui(&painter.with_clip_rect(rect), rect, tile, &state_now, live_text, offline_text);
    }
    ui.allocate_rect(area, egui::Sense::hover());
}

fn overlay_ui(
    painter: &egui::Painter,
    rect: egui::Rect,
    tile: &WallTile,
    state: &StreamState,
    live_text: &str,
    offline_text: &str,
) {
    let font = egui::FontId::proportional((rect.height() / 12.0).clamp(10.0, 18.0));
    let name = format!("{} · {}", tile.camera_name, tile.neighborhood);
    let galley = painter.layout_no_wrap(name, font.clone(), egui::Color32::WHITE);
    let name_rect = egui::Rect::from_min_size(rect.min, galley.size() + egui::vec2(8.0, 4.0));
    painter.rect_filled(name_rect, 0.0, egui::Color32::from_black_alpha(150));
    painter.galley(rect.min + egui::vec2(4.0, 2.0), galley, egui::Color32::WHITE);
    let (text, colour) = match state {
        StreamState::Live => (live_text.to_string(), egui::Color32::from_rgb(60, 180, 75)),
        StreamState::Offline { reason, .. } => (format!("{offline_text}: {reason}"), egui::Color32::from_rgb(230, 25, 75)),
        StreamState::Connecting | StreamState::Stopped => ("…".to_string(), egui::Color32::GRAY),
    };
    let galley = painter.layout_no_wrap(text, font, colour);
    let pos = egui::pos2(rect.min.x + 4.0, rect.max.y - galley.size().y - 2.0);
    painter.rect_filled(egui::Rect::from_min_size(pos - egui::vec2(4.0, 2.0), galley.size() + egui::vec2(8.0, 4.0)), 0.0, egui::Color32::from_black_alpha(150));
    painter.galley(pos, galley, colour);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_fits_the_town() {
        assert_eq!(grid_columns(35), 6);
        assert_eq!(grid_columns(36), 6);
        assert_eq!(grid_columns(4), 2);
        assert_eq!(grid_columns(1), 1);
        assert_eq!(grid_columns(0), 1);
    }

    #[test]
    fn letterbox_keeps_the_aspect_ratio() {
        let outer = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(400.0, 400.0));
        let r = letterbox(outer, 1920, 1080);
        assert!((r.width() - 400.0).abs() < 0.01 && (r.height() - 225.0).abs() < 0.01);
        assert_eq!(r.center(), outer.center());
        let tall = letterbox(egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(400.0, 100.0)), 640, 360);
        assert!((tall.height() - 100.0).abs() < 0.01 && (tall.width() - 177.78).abs() < 0.1);
    }
}
