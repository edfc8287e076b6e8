//! Wall layouts and the wall model: which tile shows which camera, where each tile sits, and
//! which stream profile and decode level a tile wants for its size on screen. Pure: the views
//! read it and push commands; tested without a window.

use crate::core::site::StreamProfile;

/// A tile's place in the layout's grid, in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub col: u32,
    pub row: u32,
    pub cols: u32,
    pub rows: u32,
}

/// A layout: a grid and the tiles that cover it (big tiles span several cells).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// "1", "2x2" … "6x6", "1+5", "1+7", "1+12", "2+8".
    pub name: String,
    pub grid_cols: u32,
    pub grid_rows: u32,
    pub tiles: Vec<Cell>,
}

/// A rectangle in some unit (pixels or points): min corner and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// The standard layouts, in menu order.
pub const STANDARD_LAYOUTS: [&str; 10] = ["1", "2x2", "3x3", "4x4", "5x5", "6x6", "1+5", "1+7", "1+12", "2+8"];

impl Layout {
    /// An n×n grid of equal tiles.
    pub fn grid(n: u32) -> Self {
        let n = n.max(1);
        let tiles = (0..n * n).map(|i| Cell { col: i % n, row: i / n, cols: 1, rows: 1 }).collect();
        let name = if n == 1 { "1".to_string() } else { format!("{n}x{n}") };
        Self { name, grid_cols: n, grid_rows: n, tiles }
    }

    /// `big` tiles first (each `span`×`span` cells at the given cells), then every free cell of an
    /// n×n grid in reading order.
    fn spans(name: &str, n: u32, span: u32, bigs: &[(u32, u32)]) -> Self {
        let mut tiles: Vec<Cell> = bigs.iter().map(|&(col, row)| Cell { col, row, cols: span, rows: span }).collect();
        for row in 0..n {
            for col in 0..n {
                let covered = tiles.iter().any(|t| col >= t.col && col < t.col + t.cols && row >= t.row && row < t.row + t.rows);
                if !covered {
                    tiles.push(Cell { col, row, cols: 1, rows: 1 });
                }
            }
        }
        Self { name: name.to_string(), grid_cols: n, grid_rows: n, tiles }
    }

    /// A standard layout by name.
    pub fn standard(name: &str) -> Option<Self> {
        Some(match name {
            "1" => Self::grid(1),
            "2x2" => Self::grid(2),
            "3x3" => Self::grid(3),
            "4x4" => Self::grid(4),
            "5x5" => Self::grid(5),
            "6x6" => Self::grid(6),
            "1+5" => Self::spans(name, 3, 2, &[(0, 0)]),
            "1+7" => Self::spans(name, 4, 3, &[(0, 0)]),
            "1+12" => Self::spans(name, 4, 2, &[(1, 1)]),
            "2+8" => Self::spans(name, 4, 2, &[(0, 0), (2, 0)]),
            // Bigger grids than the layout bar offers: "All cameras" on a site that has grown.
            _ => {
                let (a, b) = name.split_once('x')?;
                let side: u32 = a.parse().ok()?;
                if b != a || !(7..=MAX_GRID_SIDE).contains(&side) {
                    return None;
                }
                Self::grid(side)
            }
        })
    }

    /// The smallest square grid that holds `n` cameras (35 → 6x6, 40 → 7x7), at most
    /// [`MAX_GRID_SIDE`] a side.
    pub fn fitting(n: usize) -> Self {
        let side = (n as f64).sqrt().ceil().clamp(1.0, f64::from(MAX_GRID_SIDE)) as u32;
        Self::grid(side)
    }

    pub fn len(&self) -> usize {
        self.tiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }

    /// Where tile `i` sits inside `area`, with `gap` between tiles.
    pub fn tile_rect(&self, i: usize, area: Rect, gap: f32) -> Option<Rect> {
        let cell = self.tiles.get(i)?;
        let cw = (area.w - gap * (self.grid_cols as f32 - 1.0)) / self.grid_cols as f32;
        let ch = (area.h - gap * (self.grid_rows as f32 - 1.0)) / self.grid_rows as f32;
        Some(Rect {
            x: area.x + cell.col as f32 * (cw + gap),
            y: area.y + cell.row as f32 * (ch + gap),
            w: cw * cell.cols as f32 + gap * (cell.cols as f32 - 1.0),
            h: ch * cell.rows as f32 + gap * (cell.rows as f32 - 1.0),
        })
    }
}

/// Switch a tile to the main stream above this multiple of the substream's height …
pub const MAIN_ABOVE_SUB_HEIGHT: f32 = 1.25;
/// … and back to the substream below this multiple (hysteresis: no flapping while resizing).
pub const SUB_BELOW_SUB_HEIGHT: f32 = 0.8;
/// Tiles lower than this (pixels) decode keyframes only.
pub const KEYFRAMES_ONLY_BELOW_PX: f32 = 120.0;

/// The profile a tile of `tile_height_px` should show, given what it shows now and the height of
/// the camera's substream. Zoomed tiles always want the main stream.
pub fn choose_profile(current: StreamProfile, tile_height_px: f32, sub_height_px: u32, zoomed: bool) -> StreamProfile {
    if zoomed {
        return StreamProfile::Main;
    }
    let sub = sub_height_px.max(1) as f32;
    match current {
        StreamProfile::Sub if tile_height_px > sub * MAIN_ABOVE_SUB_HEIGHT => StreamProfile::Main,
        StreamProfile::Main if tile_height_px < sub * SUB_BELOW_SUB_HEIGHT => StreamProfile::Sub,
        other => other,
    }
}

/// How much a tile needs decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DecodeNeed {
    /// Hidden: nothing.
    None,
    /// Tiny: keyframes are enough.
    Keyframes,
    Full,
}

pub fn decode_need(visible: bool, tile_height_px: f32) -> DecodeNeed {
    if !visible {
        DecodeNeed::None
    } else if tile_height_px < KEYFRAMES_ONLY_BELOW_PX {
        DecodeNeed::Keyframes
    } else {
        DecodeNeed::Full
    }
}

/// The largest grid "All cameras" uses (64 tiles); a site with more cameras shows the first 64
/// there and the rest through the neighborhood layouts.
pub const MAX_GRID_SIDE: u32 = 8;

/// Digital zoom of one tile: which part of the picture shows, in picture coordinates (0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zoom {
    /// Top-left of the visible part.
    pub offset: [f32; 2],
    /// Size of the visible part (1 = the whole picture; 0.25 = 4x zoom).
    pub size: f32,
}

/// Deepest zoom: a sixteenth of the picture's width.
pub const MAX_ZOOM: f32 = 16.0;

impl Default for Zoom {
    fn default() -> Self {
        Self { offset: [0.0, 0.0], size: 1.0 }
    }
}

impl Zoom {
    pub fn is_zoomed(&self) -> bool {
        self.size < 0.999
    }

    /// Zooms by `factor` (> 1 in, < 1 out) keeping the picture point under the cursor in place;
    /// `cursor` is the cursor's position in the tile's picture (0..1).
    pub fn zoom_at(&mut self, factor: f32, cursor: [f32; 2]) {
        let new_size = (self.size / factor.max(0.01)).clamp(1.0 / MAX_ZOOM, 1.0);
        for (offset, c) in self.offset.iter_mut().zip(cursor) {
            let c = c.clamp(0.0, 1.0);
            let point = *offset + c * self.size;
            *offset = point - c * new_size;
        }
        self.size = new_size;
        self.clamp();
    }

    /// Moves the visible part by `delta` tile fractions (a drag of the picture).
    pub fn pan(&mut self, delta: [f32; 2]) {
        for (offset, d) in self.offset.iter_mut().zip(delta) {
            *offset -= d * self.size;
        }
        self.clamp();
    }

    fn clamp(&mut self) {
        for k in 0..2 {
            self.offset[k] = self.offset[k].clamp(0.0, 1.0 - self.size);
        }
    }
}

/// The wall: a layout and the camera of each tile.
#[derive(Debug, Clone, PartialEq)]
pub struct Wall {
    pub layout: Layout,
    /// Camera id per tile; `None` is an empty tile. Always `layout.len()` long.
    pub cameras: Vec<Option<String>>,
    /// The tile shown alone (double-click / Enter), if any.
    pub maximized: Option<usize>,
    /// The tile keyboard commands act on (click, arrows).
    pub selected: Option<usize>,
    /// Digital zoom per tile (absent: the whole picture).
    pub zooms: std::collections::HashMap<usize, Zoom>,
    /// Tiles whose picture fills the tile (cropped) instead of keeping its aspect (letterbox).
    pub fill: std::collections::BTreeSet<usize>,
}

/// Arrow-key directions on the wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

impl Wall {
    /// The wall shows exactly these cameras, in this order (empty tiles aside): what a
    /// neighborhood's or "all cameras" button made, so the button is highlighted.
    pub fn shows_exactly<'a>(&self, camera_ids: impl IntoIterator<Item = &'a str>) -> bool {
        let mut ids = camera_ids.into_iter().peekable();
        ids.peek().is_some() && self.cameras.iter().flatten().map(String::as_str).eq(ids)
    }

    /// `layout` filled with `camera_ids` in order (extra cameras are left out, extra tiles empty).
    pub fn new(layout: Layout, camera_ids: &[String]) -> Self {
        let cameras = (0..layout.len()).map(|i| camera_ids.get(i).cloned()).collect();
        Self { layout, cameras, maximized: None, selected: None, zooms: Default::default(), fill: Default::default() }
    }

    /// Changes the layout, keeping cameras in tile order.
    pub fn set_layout(&mut self, layout: Layout) {
        let ids: Vec<String> = self.cameras.iter().flatten().cloned().collect();
        let selected = self.selected;
        *self = Self::new(layout, &ids);
        self.selected = selected.filter(|&t| t < self.cameras.len());
    }

    /// Puts a camera on a tile (a camera dropped on the wall). If it already shows elsewhere,
    /// the two tiles swap, so a camera appears once.
    pub fn assign(&mut self, tile: usize, camera_id: &str) {
        if tile >= self.cameras.len() {
            return;
        }
        match self.cameras.iter().position(|c| c.as_deref() == Some(camera_id)) {
            Some(from) => self.swap(from, tile),
            None => self.cameras[tile] = Some(camera_id.to_string()),
        }
    }

    pub fn swap(&mut self, a: usize, b: usize) {
        if a < self.cameras.len() && b < self.cameras.len() {
            self.cameras.swap(a, b);
            let (za, zb) = (self.zooms.remove(&a), self.zooms.remove(&b));
            if let Some(z) = za {
                self.zooms.insert(b, z);
            }
            if let Some(z) = zb {
                self.zooms.insert(a, z);
            }
            let (fa, fb) = (self.fill.remove(&a), self.fill.remove(&b));
            if fa {
                self.fill.insert(b);
            }
            if fb {
                self.fill.insert(a);
            }
        }
    }

    pub fn zoom(&self, tile: usize) -> Zoom {
        self.zooms.get(&tile).copied().unwrap_or_default()
    }

    pub fn zoom_at(&mut self, tile: usize, factor: f32, cursor: [f32; 2]) {
        let mut z = self.zoom(tile);
        z.zoom_at(factor, cursor);
        self.set_zoom(tile, z);
    }

    pub fn pan(&mut self, tile: usize, delta: [f32; 2]) {
        let mut z = self.zoom(tile);
        z.pan(delta);
        self.set_zoom(tile, z);
    }

    pub fn reset_zoom(&mut self, tile: usize) {
        self.zooms.remove(&tile);
    }

    fn set_zoom(&mut self, tile: usize, z: Zoom) {
        if z.is_zoomed() {
            self.zooms.insert(tile, z);
        } else {
            self.zooms.remove(&tile);
        }
    }

    pub fn remove(&mut self, tile: usize) {
        if let Some(c) = self.cameras.get_mut(tile) {
            *c = None;
        }
        self.zooms.remove(&tile);
        self.fill.remove(&tile);
        if self.maximized == Some(tile) {
            self.maximized = None;
        }
    }

    /// Switches a tile between keeping the picture's aspect (letterbox) and filling the tile.
    pub fn toggle_fill(&mut self, tile: usize) {
        if tile < self.cameras.len() && !self.fill.remove(&tile) {
            self.fill.insert(tile);
        }
    }

    pub fn is_fill(&self, tile: usize) -> bool {
        self.fill.contains(&tile)
    }

    /// Double-click: maximize a tile, or go back to the layout.
    pub fn toggle_maximized(&mut self, tile: usize) {
        self.maximized = if self.maximized == Some(tile) || tile >= self.cameras.len() { None } else { Some(tile) };
    }

    /// The nearest tile from `tile` in `direction` (by tile centres), if any: works for grids and
    /// for layouts with big tiles alike.
    pub fn neighbor(&self, tile: usize, direction: Direction) -> Option<usize> {
        let unit = Rect { x: 0.0, y: 0.0, w: 1.0, h: 1.0 };
        let centre = |i: usize| self.layout.tile_rect(i, unit, 0.0).map(|r| (r.x + r.w / 2.0, r.y + r.h / 2.0));
        let (x0, y0) = centre(tile)?;
        (0..self.layout.len())
            .filter(|&i| i != tile)
            .filter_map(|i| centre(i).map(|c| (i, c)))
            .filter_map(|(i, (x, y))| {
                let (along, across) = match direction {
                    Direction::Left => (x0 - x, y - y0),
                    Direction::Right => (x - x0, y - y0),
                    Direction::Up => (y0 - y, x - x0),
                    Direction::Down => (y - y0, x - x0),
                };
                // Ahead of the tile, preferring the same row/column over closeness.
                (along > 1e-4).then_some((i, across.abs() * 4.0 + along))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }

    /// Moves the selection with an arrow key (selecting the first tile when none is).
    pub fn move_selection(&mut self, direction: Direction) {
        self.selected = match self.selected {
            None => Some(0),
            Some(t) => Some(self.neighbor(t, direction).unwrap_or(t)),
        };
    }

    /// Tiles to draw now and their rectangles in `area`: every tile, or the maximized one.
    pub fn visible_tiles(&self, area: Rect, gap: f32) -> Vec<(usize, Rect)> {
        match self.maximized {
            Some(i) => vec![(i, area)],
            None => (0..self.layout.len()).filter_map(|i| self.layout.tile_rect(i, area, gap).map(|r| (i, r))).collect(),
        }
    }
}

/// The part of a picture (offset, size; 0..1 of each axis) that fills a tile of another aspect
/// ratio, cropped around the centre: the "fill" mode of a tile.
pub fn fill_crop(frame_w: u32, frame_h: u32, tile_w: f32, tile_h: f32) -> ([f32; 2], [f32; 2]) {
    if frame_w == 0 || frame_h == 0 || tile_w <= 0.0 || tile_h <= 0.0 {
        return ([0.0, 0.0], [1.0, 1.0]);
    }
    let frame = frame_w as f32 / frame_h as f32;
    let tile = tile_w / tile_h;
    if frame > tile {
        let w = tile / frame;
        ([(1.0 - w) / 2.0, 0.0], [w, 1.0])
    } else {
        let h = frame / tile;
        ([0.0, (1.0 - h) / 2.0], [1.0, h])
    }
}

/// Where a point of the tile (0..1 of the tile) lies in the zoom's coordinates, when the tile
/// shows the `crop` (offset, size) of the zoomed picture, as a fill tile does. Zooming around the
/// result keeps the picture point under the cursor in place.
pub fn tile_to_zoom_space(point: [f32; 2], crop: ([f32; 2], [f32; 2])) -> [f32; 2] {
    let (offset, size) = crop;
    [offset[0] + point[0] * size[0], offset[1] + point[1] * size[1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: Rect = Rect { x: 0.0, y: 0.0, w: 1200.0, h: 1200.0 };

    fn area_of(layout: &Layout) -> f32 {
        (0..layout.len()).map(|i| layout.tile_rect(i, AREA, 0.0).map_or(0.0, |r| r.w * r.h)).sum()
    }

    #[test]
    fn every_standard_layout_covers_its_area_exactly_once() {
        for name in STANDARD_LAYOUTS {
            let layout = Layout::standard(name).unwrap();
            assert!((area_of(&layout) - AREA.w * AREA.h).abs() < 1.0, "{name} does not tile the area");
            for i in 0..layout.len() {
                for j in i + 1..layout.len() {
                    let (a, b) = (layout.tiles[i], layout.tiles[j]);
                    let overlap = a.col < b.col + b.cols && b.col < a.col + a.cols && a.row < b.row + b.rows && b.row < a.row + a.rows;
                    assert!(!overlap, "{name}: tiles {i} and {j} overlap");
                }
            }
        }
    }

    #[test]
    fn tile_counts() {
        let counts: Vec<usize> = STANDARD_LAYOUTS.iter().map(|n| Layout::standard(n).unwrap().len()).collect();
        assert_eq!(counts, vec![1, 4, 9, 16, 25, 36, 6, 8, 13, 10]);
        assert_eq!(Layout::fitting(35).name, "6x6");
        // A town that grows past 36 cameras still sees all of them on "All cameras".
        assert_eq!(Layout::fitting(40).name, "7x7");
        assert_eq!(Layout::fitting(64).name, "8x8");
        assert_eq!(Layout::fitting(100).name, "8x8");
        // Saved walls of those sizes come back by name; nonsense does not.
        assert_eq!(Layout::standard("7x7").map(|l| l.len()), Some(49));
        assert_eq!(Layout::standard("8x8").map(|l| l.len()), Some(64));
        for bad in ["9x9", "7x8", "0x0", "x", "7x", "abc"] {
            assert!(Layout::standard(bad).is_none(), "{bad}");
        }
        assert_eq!(Layout::fitting(4).name, "2x2");
        assert_eq!(Layout::fitting(5).name, "3x3");
    }

    #[test]
    fn span_layouts_put_the_big_tile_where_expected() {
        let l = Layout::standard("1+12").unwrap();
        assert_eq!(l.tile_rect(0, AREA, 0.0), Some(Rect { x: 300.0, y: 300.0, w: 600.0, h: 600.0 }));
        let l = Layout::standard("1+7").unwrap();
        assert_eq!(l.tile_rect(0, AREA, 0.0).unwrap().w, 900.0);
        let l = Layout::standard("2+8").unwrap();
        assert_eq!(l.tile_rect(1, AREA, 0.0).unwrap().x, 600.0);
    }

    #[test]
    fn gaps_are_left_between_tiles() {
        let l = Layout::grid(2);
        let a = l.tile_rect(0, Rect { x: 0.0, y: 0.0, w: 102.0, h: 102.0 }, 2.0).unwrap();
        let b = l.tile_rect(1, Rect { x: 0.0, y: 0.0, w: 102.0, h: 102.0 }, 2.0).unwrap();
        assert_eq!((a.w, b.x), (50.0, 52.0));
    }

    #[test]
    fn profile_switches_with_hysteresis() {
        use StreamProfile::{Main, Sub};
        // Substream 360 px: up above 450, down below 288.
        assert_eq!(choose_profile(Sub, 440.0, 360, false), Sub);
        assert_eq!(choose_profile(Sub, 451.0, 360, false), Main);
        assert_eq!(choose_profile(Main, 300.0, 360, false), Main, "no flapping just below the switch-up point");
        assert_eq!(choose_profile(Main, 287.0, 360, false), Sub);
        assert_eq!(choose_profile(Sub, 100.0, 360, true), Main, "zoom wants detail");
    }

    #[test]
    fn small_and_hidden_tiles_decode_less() {
        assert_eq!(decode_need(false, 500.0), DecodeNeed::None);
        assert_eq!(decode_need(true, 100.0), DecodeNeed::Keyframes);
        assert_eq!(decode_need(true, 200.0), DecodeNeed::Full);
    }

    #[test]
    fn zoom_keeps_the_point_under_the_cursor_and_stays_inside_the_picture() {
        let mut z = Zoom::default();
        assert!(!z.is_zoomed());
        z.zoom_at(2.0, [0.75, 0.25]);
        assert_eq!(z.size, 0.5);
        // The picture point under the cursor (0.75, 0.25) is still under it.
        assert!((z.offset[0] + 0.75 * z.size - 0.75).abs() < 1e-6 && (z.offset[1] + 0.25 * z.size - 0.25).abs() < 1e-6);
        z.pan([1.0, 1.0]); // dragged far right/down: clamped at the picture's top-left
        assert_eq!(z.offset, [0.0, 0.0]);
        z.pan([-5.0, -5.0]);
        assert_eq!(z.offset, [0.5, 0.5]);
        for _ in 0..20 {
            z.zoom_at(2.0, [0.5, 0.5]);
        }
        assert!((z.size - 1.0 / MAX_ZOOM).abs() < 1e-6, "capped at {MAX_ZOOM}x");
        z.zoom_at(0.001, [0.5, 0.5]);
        assert!(!z.is_zoomed());
        let mut wall = Wall::new(Layout::grid(2), &["a".to_string(), "b".to_string()]);
        wall.zoom_at(0, 4.0, [0.5, 0.5]);
        wall.swap(0, 1);
        assert!(wall.zoom(1).is_zoomed() && !wall.zoom(0).is_zoomed(), "the zoom follows the camera");
        wall.reset_zoom(1);
        assert!(wall.zooms.is_empty());
    }

    #[test]
    fn zooming_a_fill_tile_keeps_the_point_under_the_cursor() {
        // A 16:9 picture filling a square tile: the middle 9/16 of its width shows.
        let crop = fill_crop(1920, 1080, 400.0, 400.0);
        // The picture point a tile point shows: the crop within the zoomed part.
        let shown = |z: &Zoom, c: [f32; 2]| {
            let p = tile_to_zoom_space(c, crop);
            [z.offset[0] + z.size * p[0], z.offset[1] + z.size * p[1]]
        };
        let mut z = Zoom::default();
        for (cursor, factor) in [([0.8, 0.3], 2.0), ([0.1, 0.9], 1.5), ([0.5, 0.5], 3.0), ([0.3, 0.6], 0.8)] {
            let before = shown(&z, cursor);
            z.zoom_at(factor, tile_to_zoom_space(cursor, crop));
            let after = shown(&z, cursor);
            assert!((before[0] - after[0]).abs() < 1e-5 && (before[1] - after[1]).abs() < 1e-5, "{before:?} -> {after:?}");
        }
        // Without the crop's mapping the point drifts (the bug this replaces).
        let mut naive = Zoom::default();
        let before = shown(&naive, [0.8, 0.3]);
        naive.zoom_at(2.0, [0.8, 0.3]);
        assert!((shown(&naive, [0.8, 0.3])[0] - before[0]).abs() > 0.05);
    }

    #[test]
    fn arrows_move_between_tiles_in_grids_and_spans() {
        let ids: Vec<String> = (0..36).map(|i| format!("c{i}")).collect();
        let wall = Wall::new(Layout::grid(6), &ids);
        assert_eq!(wall.neighbor(7, Direction::Right), Some(8));
        assert_eq!(wall.neighbor(7, Direction::Left), Some(6));
        assert_eq!(wall.neighbor(7, Direction::Up), Some(1));
        assert_eq!(wall.neighbor(7, Direction::Down), Some(13));
        assert_eq!(wall.neighbor(5, Direction::Right), None);
        let spans = Wall::new(Layout::standard("1+5").unwrap(), &ids);
        // The big tile (0) spans two rows; right of it stand tiles 1 (top) and 2 (below).
        assert!(matches!(spans.neighbor(0, Direction::Right), Some(1) | Some(2)));
        assert_eq!(spans.neighbor(1, Direction::Left), Some(0));
        assert_eq!(spans.neighbor(3, Direction::Up), Some(0));
        let mut w = Wall::new(Layout::grid(2), &ids);
        w.move_selection(Direction::Right);
        assert_eq!(w.selected, Some(0));
        w.move_selection(Direction::Right);
        w.move_selection(Direction::Down);
        assert_eq!(w.selected, Some(3));
        w.move_selection(Direction::Down);
        assert_eq!(w.selected, Some(3), "stays at the edge");
    }

    #[test]
    fn fill_crops_the_centre_and_follows_swaps() {
        // 16:9 in a square tile: the middle 9/16 of the width.
        let (o, s) = fill_crop(1920, 1080, 100.0, 100.0);
        assert!((s[0] - 0.5625).abs() < 1e-6 && s[1] == 1.0 && (o[0] - 0.21875).abs() < 1e-6);
        // 16:9 in a 32:9 tile: the middle half of the height.
        let (o, s) = fill_crop(1920, 1080, 320.0, 90.0);
        assert!(s[0] == 1.0 && (s[1] - 0.5).abs() < 1e-6 && (o[1] - 0.25).abs() < 1e-6);
        let ids: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let mut wall = Wall::new(Layout::grid(2), &ids);
        wall.toggle_fill(0);
        assert!(wall.is_fill(0));
        wall.swap(0, 1);
        assert!(!wall.is_fill(0) && wall.is_fill(1), "fill follows the camera");
        wall.toggle_fill(1);
        assert!(!wall.is_fill(1));
        wall.toggle_fill(9);
        assert!(wall.fill.is_empty(), "no such tile");
    }

    #[test]
    fn assign_swap_remove_and_maximize() {
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut wall = Wall::new(Layout::grid(2), &ids);
        assert_eq!(wall.cameras, vec![Some("a".into()), Some("b".into()), Some("c".into()), None]);
        wall.assign(3, "d");
        assert_eq!(wall.cameras[3].as_deref(), Some("d"));
        // Dropping a camera that is already on the wall moves it (the tiles swap).
        wall.assign(0, "c");
        assert_eq!(wall.cameras, vec![Some("c".into()), Some("b".into()), Some("a".into()), Some("d".into())]);
        wall.swap(1, 3);
        assert_eq!(wall.cameras[1].as_deref(), Some("d"));
        wall.toggle_maximized(1);
        assert_eq!(wall.visible_tiles(AREA, 0.0), vec![(1, AREA)]);
        wall.remove(1);
        assert_eq!(wall.cameras[1], None);
        assert_eq!(wall.maximized, None);
        assert_eq!(wall.visible_tiles(AREA, 0.0).len(), 4);
        wall.set_layout(Layout::grid(1));
        assert_eq!(wall.cameras, vec![Some("c".into())]);
    }

    #[test]
    fn a_wall_knows_when_it_shows_exactly_a_list_of_cameras() {
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut wall = Wall::new(Layout::fitting(3), &ids);
        assert!(wall.shows_exactly(ids.iter().map(String::as_str)), "2x2 with one empty tile");
        assert!(!wall.shows_exactly(ids[..2].iter().map(String::as_str)));
        assert!(!wall.shows_exactly([]));
        wall.cameras.swap(0, 1);
        assert!(!wall.shows_exactly(ids.iter().map(String::as_str)), "rearranged by hand");
    }
}
