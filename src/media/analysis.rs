//! Luma statistics of decoded frames, for the alarm rules and Smart Motion Search: brightness and
//! uniformity (video loss), whether the picture changed at all (frozen), and motion against a
//! running background. Numbers only — `core::alarm` decides what they mean. One
//! `PictureAnalyzer` per camera owns its state; it reads an 8-bit Y plane with any stride.
//!
//! Per frame: the plane is box-averaged (integer sums) to a grid about 90 rows high (160x90 for
//! 16:9), and one pixel per grid cell is kept as a point sample.
//! - *Mean* is exact over all pixels; *standard deviation* is over the grid (structure, with the
//!   sensor noise averaged out). `dark`: mean within 8 levels of video black; `uniform`: grid
//!   deviation under 3 levels.
//! - *Changed* compares the point samples with the previous analysed frame. A frozen stream
//!   repeats the same decoded frame, bit for bit; a live still scene has sensor noise, which
//!   point samples keep (box averages would hide it). So noise counts as change: `changed` when
//!   the mean absolute difference is ≥ 0.5 grey level, or when at least 0.1 % of the samples moved
//!   by 24 levels or more (a small change on a noise-free picture, such as an on-screen clock).
//! - *Motion* (after Frigate's improved detector): the grid is contrast-stretched so its 4th and
//!   96th percentiles land on 32 and 223 of 0–255 (Frigate uses 0 and 255; the margins keep a
//!   bright object on the brightest part of the scene visible; gain at most 191/48), compared
//!   with a running-average background (alpha 0.01); a cell moves when it differs by more than the threshold (30 at the default
//!   sensitivity 50). Moving cells are grouped 8-connected, and only groups of at least
//!   `min_area_cells` (default 10) count: `motion_cells` is the number of cells in such groups.
//!   Cells under the ignore mask never move. When more than half of the unmasked cells move at
//!   once (IR switch, lightning, a camera knocked) the background is re-seeded and no motion is
//!   reported.

use crate::core::time::{Duration90k, Time90k};

/// Height of the analysis grid (fewer for smaller planes).
pub const GRID_ROWS: usize = 90;
/// Widest analysis grid (very wide planes get wider cells).
pub const MAX_GRID_COLS: usize = 320;
/// Tallest grid cell, so that a column of it sums in 16 bits (257 x 255 < 65 536).
const MAX_CELL_ROWS: usize = 257;

const DARK_MEAN_LUMA: f32 = 24.0;
const UNIFORM_STDDEV: f32 = 3.0;
const CHANGED_MEAN_DIFF: f32 = 0.5;
const CHANGED_SAMPLE_DIFF: u8 = 24;
const CHANGED_SAMPLES_PER_MILLE: usize = 1;
const BACKGROUND_ALPHA: f32 = 0.01;
/// Contrast stretching never divides by less than this range (bounds the gain on flat scenes).
const MIN_STRETCH_RANGE: u32 = 48;
/// Where contrast normalisation puts the 4th and 96th percentiles.
const STRETCH_LOW: f32 = 32.0;
const STRETCH_HIGH: f32 = 223.0;
const RESET_FRACTION: f32 = 0.5;

pub use crate::core::motion_mask::MotionMask;

/// An 8-bit luma plane: `height` rows of `width` bytes, `stride` bytes apart.
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    data: &'a [u8],
    width: usize,
    height: usize,
    stride: usize,
}

/// Why bytes are not a plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaneError {
    Empty { width: usize, height: usize },
    StrideTooSmall { stride: usize, width: usize },
    TooShort { len: usize, need: usize },
}

impl std::fmt::Display for PlaneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlaneError::Empty { width, height } => write!(f, "empty plane {width}x{height}"),
            PlaneError::StrideTooSmall { stride, width } => write!(f, "stride {stride} is less than the width {width}"),
            PlaneError::TooShort { len, need } => write!(f, "plane has {len} bytes, needs {need}"),
        }
    }
}

impl std::error::Error for PlaneError {}

impl<'a> Plane<'a> {
    pub fn new(data: &'a [u8], width: usize, height: usize, stride: usize) -> Result<Self, PlaneError> {
        if width == 0 || height == 0 {
            return Err(PlaneError::Empty { width, height });
        }
        if stride < width {
            return Err(PlaneError::StrideTooSmall { stride, width });
        }
        let need = (height - 1).checked_mul(stride).and_then(|n| n.checked_add(width)).unwrap_or(usize::MAX);
        if data.len() < need {
            return Err(PlaneError::TooShort { len: data.len(), need });
        }
        Ok(Plane { data, width, height, stride })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    fn row(&self, y: usize) -> &'a [u8] {
        &self.data[y * self.stride..y * self.stride + self.width]
    }
}

/// How motion is judged on one camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MotionSettings {
    /// 0 (least) to 100 (most sensitive); 50 is Frigate's threshold of 30.
    pub sensitivity: u8,
    /// Smallest group of connected moving cells that is motion.
    pub min_area_cells: u32,
    /// Coarse cells where motion is ignored (trees, a road outside the site, the clock overlay).
    pub ignore: MotionMask,
}

impl Default for MotionSettings {
    fn default() -> Self {
        MotionSettings { sensitivity: 50, min_area_cells: 10, ignore: MotionMask::EMPTY }
    }
}

impl MotionSettings {
    /// Per-cell difference (0–255, after contrast stretching) above which a cell moves.
    pub fn threshold(&self) -> u8 {
        (55 - i32::from(self.sensitivity.min(100)) / 2).max(8) as u8
    }
}

/// What one analysed frame showed.
#[derive(Debug, Clone, PartialEq)]
pub struct PictureSample {
    /// Mean luma over every pixel, 0–255.
    pub mean_luma: f32,
    /// Standard deviation of the grid's luma (low: uniform picture).
    pub luma_stddev: f32,
    pub dark: bool,
    pub uniform: bool,
    /// Mean absolute difference of the point samples from the previous analysed frame.
    pub frame_diff: f32,
    /// Whether the picture differs from the previous analysed frame (see the module comment).
    pub changed: bool,
    /// Since when the picture has not changed (zero when it just did).
    pub unchanged_for: Duration90k,
    pub motion: bool,
    /// Cells of the analysis grid in groups large enough to be motion.
    pub motion_cells: u32,
    /// Coarse cells with motion in this frame (for Smart Motion Search; `|` a second's worth).
    pub motion_mask: MotionMask,
    /// The background was re-seeded (first frame, new size, or a global change).
    pub background_reset: bool,
}

impl PictureSample {
    /// Too dark or too uniform to show anything (`Fact::Picture::blank`).
    pub fn blank(&self) -> bool {
        self.dark || self.uniform
    }
}

/// The analysis grid laid over a plane of one size.
#[derive(Debug, Clone, PartialEq)]
struct Geometry {
    width: usize,
    height: usize,
    cols: usize,
    rows: usize,
    /// Column boundaries in pixels (`cols + 1`), rows likewise.
    xs: Vec<usize>,
    ys: Vec<usize>,
    /// Coarse mask cell (`row * 16 + col`) of each grid cell.
    coarse: Vec<u8>,
    /// 2^24 / pixels of each grid cell, rounded: the mean is a multiply and a shift.
    scale: Vec<u64>,
}

impl Geometry {
    fn new(width: usize, height: usize) -> Self {
        let rows = height.min(GRID_ROWS).max(height.div_ceil(MAX_CELL_ROWS));
        let cols = ((width * rows + height / 2) / height).clamp(1, width.min(MAX_GRID_COLS));
        let xs: Vec<usize> = (0..=cols).map(|i| i * width / cols).collect();
        let ys: Vec<usize> = (0..=rows).map(|i| i * height / rows).collect();
        let coarse = (0..rows * cols)
            .map(|i| {
                let (gx, gy) = (i % cols, i / cols);
                (gy * MotionMask::ROWS / rows * MotionMask::COLS + gx * MotionMask::COLS / cols) as u8
            })
            .collect();
        let scale = (0..rows * cols)
            .map(|i| {
                let area = ((xs[i % cols + 1] - xs[i % cols]) * (ys[i / cols + 1] - ys[i / cols])) as u64;
                ((1 << 24) + area / 2) / area
            })
            .collect();
        Geometry { width, height, cols, rows, xs, ys, coarse, scale }
    }

    fn cells(&self) -> usize {
        self.cols * self.rows
    }
}

/// One camera's analyser. See the module comment.
#[derive(Debug, Clone)]
pub struct PictureAnalyzer {
    settings: MotionSettings,
    geometry: Option<Geometry>,
    /// Per-pixel column sums of the grid row being built.
    acc: Vec<u16>,
    grid: Vec<u8>,
    samples: Vec<u8>,
    previous_samples: Vec<u8>,
    /// The grid after contrast normalisation, and its running average.
    norm: Vec<f32>,
    background: Vec<f32>,
    ignored: Vec<bool>,
    moving: Vec<bool>,
    visited: Vec<bool>,
    stack: Vec<usize>,
    component: Vec<usize>,
    last_change_at: Time90k,
}

impl PictureAnalyzer {
    pub fn new(settings: MotionSettings) -> Self {
        PictureAnalyzer {
            settings,
            geometry: None,
            acc: Vec::new(),
            grid: Vec::new(),
            samples: Vec::new(),
            previous_samples: Vec::new(),
            norm: Vec::new(),
            background: Vec::new(),
            ignored: Vec::new(),
            moving: Vec::new(),
            visited: Vec::new(),
            stack: Vec::new(),
            component: Vec::new(),
            last_change_at: Time90k::MIN,
        }
    }

    /// New settings; the background is kept.
    pub fn set_settings(&mut self, settings: MotionSettings) {
        self.settings = settings;
        if let Some(g) = &self.geometry {
            self.ignored = ignored_cells(g, &self.settings.ignore);
        }
    }

    /// The grid's size (columns, rows), once a frame has been analysed.
    pub fn grid_size(&self) -> Option<(usize, usize)> {
        self.geometry.as_ref().map(|g| (g.cols, g.rows))
    }

    /// Analyses the frame shown at `at`.
    pub fn analyze(&mut self, plane: &Plane<'_>, at: Time90k) -> PictureSample {
        let (g, fresh) = match self.geometry.take() {
            Some(g) if (g.width, g.height) == (plane.width, plane.height) => (g, false),
            _ => (self.reset_geometry(plane.width, plane.height), true),
        };
        let total = downscale(plane, &g, &mut self.acc, &mut self.grid, &mut self.samples);
        let mean_luma = (total as f64 / (plane.width * plane.height) as f64) as f32;
        let luma_stddev = stddev(&self.grid);
        let (frame_diff, changed) = if fresh { (0.0, true) } else { compare(&self.samples, &self.previous_samples) };
        std::mem::swap(&mut self.samples, &mut self.previous_samples);
        if changed {
            self.last_change_at = at; // always on the first frame: it is `fresh`
        }
        let motion = self.motion(&g, fresh);
        self.geometry = Some(g);
        PictureSample {
            mean_luma,
            luma_stddev,
            dark: mean_luma < DARK_MEAN_LUMA,
            uniform: luma_stddev < UNIFORM_STDDEV,
            frame_diff,
            changed,
            unchanged_for: (at - self.last_change_at).max(Duration90k::ZERO),
            motion: motion.cells > 0,
            motion_cells: motion.cells,
            motion_mask: motion.mask,
            background_reset: motion.reset,
        }
    }

    /// Buffers for a new plane size; the background starts again.
    fn reset_geometry(&mut self, width: usize, height: usize) -> Geometry {
        let g = Geometry::new(width, height);
        let cells = g.cells();
        self.acc = vec![0; width];
        self.grid = vec![0; cells];
        self.samples = vec![0; cells];
        self.previous_samples = vec![0; cells];
        self.background.clear();
        self.moving = vec![false; cells];
        self.visited = vec![false; cells];
        self.ignored = ignored_cells(&g, &self.settings.ignore);
        g
    }

    /// Contrast-stretches the grid, compares it with the background and updates it.
    fn motion(&mut self, g: &Geometry, fresh: bool) -> Motion {
        stretch_contrast(&self.grid, &self.ignored, &mut self.norm);
        if fresh || self.background.len() != self.norm.len() {
            self.background.clone_from(&self.norm);
            return Motion { reset: true, ..Motion::default() };
        }
        let threshold = f32::from(self.settings.threshold());
        let mut count = 0usize;
        for (((m, &v), &b), &ignored) in self.moving.iter_mut().zip(&self.norm).zip(&self.background).zip(&self.ignored) {
            *m = !ignored && (v - b).abs() > threshold;
            count += usize::from(*m);
        }
        let unmasked = self.ignored.iter().filter(|&&i| !i).count();
        if count as f32 > RESET_FRACTION * unmasked as f32 {
            self.background.clone_from(&self.norm);
            return Motion { reset: true, ..Motion::default() };
        }
        let motion = if count == 0 { Motion::default() } else { self.large_groups(g) };
        for (b, &v) in self.background.iter_mut().zip(&self.norm) {
            *b += BACKGROUND_ALPHA * (v - *b);
        }
        motion
    }

    /// Cells of 8-connected groups of moving cells with at least `min_area_cells`.
    fn large_groups(&mut self, g: &Geometry) -> Motion {
        let mut motion = Motion::default();
        self.visited.fill(false);
        for start in 0..self.moving.len() {
            if !self.moving[start] || self.visited[start] {
                continue;
            }
            self.flood(g, start);
            if self.component.len() as u32 >= self.settings.min_area_cells {
                motion.cells += self.component.len() as u32;
                for &i in &self.component {
                    motion.mask.set_index(usize::from(g.coarse[i]), true);
                }
            }
        }
        motion
    }

    /// Collects the group of moving cells around `start` into `self.component`.
    fn flood(&mut self, g: &Geometry, start: usize) {
        self.component.clear();
        self.stack.clear();
        self.stack.push(start);
        self.visited[start] = true;
        while let Some(i) = self.stack.pop() {
            self.component.push(i);
            let (x, y) = (i % g.cols, i / g.cols);
            for ny in y.saturating_sub(1)..=(y + 1).min(g.rows - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(g.cols - 1) {
                    let n = ny * g.cols + nx;
                    if self.moving[n] && !self.visited[n] {
                        self.visited[n] = true;
                        self.stack.push(n);
                    }
                }
            }
        }
    }
}

/// Which grid cells lie under the ignore mask.
fn ignored_cells(g: &Geometry, ignore: &MotionMask) -> Vec<bool> {
    g.coarse.iter().map(|&c| ignore.get_index(usize::from(c))).collect()
}

#[derive(Debug, Default)]
struct Motion {
    cells: u32,
    mask: MotionMask,
    reset: bool,
}

/// Box-averages `plane` into `grid` (rounded) and keeps each cell's centre pixel in `samples`.
/// Returns the sum of all pixels. Rows of a grid row are summed first (vectorises), then
/// columns; cells of one width (the usual 640, 1280, 1920 px) take a faster path.
fn downscale(plane: &Plane<'_>, g: &Geometry, acc: &mut [u16], grid: &mut [u8], samples: &mut [u8]) -> u64 {
    let mut total = 0u64;
    let even = plane.width.is_multiple_of(g.cols);
    for gy in 0..g.rows {
        let (y0, y1) = (g.ys[gy], g.ys[gy + 1]);
        acc.fill(0);
        for y in y0..y1 {
            for (a, &p) in acc.iter_mut().zip(plane.row(y)) {
                *a += u16::from(p); // at most MAX_CELL_ROWS rows of 255
            }
        }
        let sample_row = plane.row((y0 + y1) / 2);
        let row = gy * g.cols..(gy + 1) * g.cols;
        let (grid, samples, scale) = (&mut grid[row.clone()], &mut samples[row.clone()], &g.scale[row]);
        let cw = plane.width / g.cols;
        total += match (even, cw) {
            (true, 2) => reduce_even::<2>(acc, sample_row, grid, samples, scale[0]),
            (true, 4) => reduce_even::<4>(acc, sample_row, grid, samples, scale[0]),
            (true, 8) => reduce_even::<8>(acc, sample_row, grid, samples, scale[0]),
            (true, 12) => reduce_even::<12>(acc, sample_row, grid, samples, scale[0]),
            _ => reduce_any(g, acc, sample_row, grid, samples, scale),
        };
    }
    total
}

/// One grid row from its column sums, cells `CW` pixels wide (unrolled by the compiler).
fn reduce_even<const CW: usize>(acc: &[u16], pixels: &[u8], grid: &mut [u8], samples: &mut [u8], scale: u64) -> u64 {
    let mut total = 0u64;
    let cells = grid.iter_mut().zip(samples.iter_mut()).zip(acc.chunks_exact(CW).zip(pixels.chunks_exact(CW)));
    for ((cell, sample), (sums, pixels)) in cells {
        let sum: u32 = sums.iter().map(|&s| u32::from(s)).sum();
        *cell = mean_of(sum, scale);
        *sample = pixels[CW / 2];
        total += u64::from(sum);
    }
    total
}

/// One grid row from its column sums, cells of any widths.
fn reduce_any(g: &Geometry, acc: &[u16], pixels: &[u8], grid: &mut [u8], samples: &mut [u8], scale: &[u64]) -> u64 {
    let mut total = 0u64;
    for (gx, ((cell, sample), &scale)) in grid.iter_mut().zip(samples.iter_mut()).zip(scale).enumerate() {
        let (x0, x1) = (g.xs[gx], g.xs[gx + 1]);
        let sum: u32 = acc[x0..x1].iter().map(|&s| u32::from(s)).sum();
        *cell = mean_of(sum, scale);
        *sample = pixels[(x0 + x1) / 2];
        total += u64::from(sum);
    }
    total
}

/// A cell's rounded mean from its sum and `Geometry::scale`.
fn mean_of(sum: u32, scale: u64) -> u8 {
    ((u64::from(sum) * scale + (1 << 23)) >> 24).min(255) as u8
}

fn stddev(values: &[u8]) -> f32 {
    let n = values.len() as f64;
    let sum = sum_chunked(values, u32::from);
    let sum_sq = sum_chunked(values, |v| u32::from(v) * u32::from(v));
    let mean = sum as f64 / n;
    ((sum_sq as f64 / n - mean * mean).max(0.0)).sqrt() as f32
}

/// Sum of `f(v)` (at most 65 025 each) in 32-bit chunks, which vectorise.
fn sum_chunked(values: &[u8], f: impl Fn(u8) -> u32 + Copy) -> u64 {
    values.chunks(4_096).map(|c| u64::from(c.iter().map(|&v| f(v)).sum::<u32>())).sum()
}

/// (mean absolute difference, changed) of two sample sets of one size.
fn compare(now: &[u8], before: &[u8]) -> (f32, bool) {
    let (mut sum, mut big) = (0u64, 0usize);
    for (now, before) in now.chunks(4_096).zip(before.chunks(4_096)) {
        let diffs = now.iter().zip(before).map(|(&a, &b)| a.abs_diff(b));
        sum += u64::from(diffs.clone().map(u32::from).sum::<u32>());
        big += diffs.filter(|&d| d >= CHANGED_SAMPLE_DIFF).count();
    }
    let mean = sum as f32 / now.len().max(1) as f32;
    let enough_big = big > 0 && big * 1000 >= now.len() * CHANGED_SAMPLES_PER_MILLE;
    (mean, mean >= CHANGED_MEAN_DIFF || enough_big)
}

/// Contrast normalisation: maps `grid` into `out` so that its 4th–96th percentiles of unmasked
/// cells (every other one) span 32–223, clipped to 0–255. The margins keep a bright object on the brightest part of
/// the scene (or a dark one on the darkest) visible; the clipping bounds how much one frame can
/// drag the background (no ghosts behind fast bright objects).
fn stretch_contrast(grid: &[u8], ignored: &[bool], out: &mut Vec<f32>) {
    let mut histogram = [0u32; 256];
    let mut n = 0u32;
    // Every other cell is plenty for two percentiles, at half the cost.
    for (&v, &ignored) in grid.iter().zip(ignored).step_by(2) {
        if !ignored {
            histogram[usize::from(v)] += 1;
            n += 1;
        }
    }
    let percentile = |p: u32| {
        let rank = (n * p / 100).min(n.saturating_sub(1));
        let mut seen = 0;
        (0..256u32).find(|&v| {
            seen += histogram[v as usize];
            seen > rank
        })
    };
    let (lo, hi) = (percentile(4).unwrap_or(0), percentile(96).unwrap_or(255));
    let gain = (STRETCH_HIGH - STRETCH_LOW) / hi.saturating_sub(lo).max(MIN_STRETCH_RANGE) as f32;
    let offset = STRETCH_LOW - lo as f32 * gain;
    out.clear();
    out.extend(grid.iter().map(|&v| (f32::from(v) * gain + offset).clamp(0.0, 255.0)));
}

#[cfg(test)]
mod tests;
