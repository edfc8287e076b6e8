//! Analyser tests on synthetic planes: a structured scene, deterministic noise, moving squares.

use super::*;

/// Most tests use a 320x180 substream: a 160x90 grid of 2x2-pixel cells, where noise averages
/// out least. The cost test uses 640x360.
const W: usize = 320;
const H: usize = 180;
/// One analysed frame every 0.2 s (5 fps).
const FRAME: Duration90k = Duration90k(18_000);

fn at(frame: i64) -> Time90k {
    Time90k::from_unix_secs(1_796_274_000) + FRAME * frame
}

/// xorshift64: deterministic noise.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `-amp..=amp`.
    fn noise(&mut self, amp: i32) -> i32 {
        (self.next() % (2 * amp as u64 + 1)) as i32 - amp
    }
}

/// A street-like still scene: blocks of 60–180 plus a left-to-right gradient.
fn scene_luma(x: usize, y: usize) -> i32 {
    60 + ((x / 16 + y / 12) % 3) as i32 * 40 + (x * 40 / W) as i32
}

/// A picture of the scene (through `luma`), with noise of ±`noise` and squares (x, y, size, luma)
/// drawn on top, in a buffer of `stride` bytes per row whose padding is 255.
struct Picture<'a> {
    width: usize,
    height: usize,
    stride: usize,
    noise: i32,
    luma: &'a dyn Fn(usize, usize) -> i32,
    squares: Vec<(usize, usize, usize, u8)>,
}

impl Picture<'_> {
    fn street() -> Picture<'static> {
        Picture { width: W, height: H, stride: W, noise: 8, luma: &scene_luma, squares: Vec::new() }
    }

    fn render(&self, rng: &mut Rng) -> Vec<u8> {
        let mut data = vec![255u8; self.stride * self.height];
        for y in 0..self.height {
            for x in 0..self.width {
                let v = (self.luma)(x, y) + if self.noise > 0 { rng.noise(self.noise) } else { 0 };
                data[y * self.stride + x] = v.clamp(0, 255) as u8;
            }
        }
        for &(sx, sy, size, v) in &self.squares {
            for y in sy..(sy + size).min(self.height) {
                for x in sx..(sx + size).min(self.width) {
                    data[y * self.stride + x] = v;
                }
            }
        }
        data
    }
}

fn analyze(a: &mut PictureAnalyzer, data: &[u8], p: &Picture<'_>, frame: i64) -> PictureSample {
    let plane = Plane::new(data, p.width, p.height, p.stride).expect("a valid plane");
    a.analyze(&plane, at(frame))
}

/// Runs `frames` frames of `p` with fresh noise; returns the samples.
fn run(a: &mut PictureAnalyzer, p: &Picture<'_>, rng: &mut Rng, first: i64, frames: i64) -> Vec<PictureSample> {
    (first..first + frames).map(|f| analyze(a, &p.render(rng), p, f)).collect()
}

/// Coarse cells under a square of pixels (x, y, size) on a W x H picture.
fn coarse_cells(x: usize, y: usize, size: usize) -> MotionMask {
    let mut m = MotionMask::EMPTY;
    for row in y * 9 / H..=(y + size - 1) * 9 / H {
        for col in x * 16 / W..=(x + size - 1) * 16 / W {
            m.set(col, row, true);
        }
    }
    m
}

#[test]
fn a_noisy_live_still_scene_changes_every_frame_but_never_moves() {
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let samples = run(&mut a, &Picture::street(), &mut Rng(7), 0, 400);
    assert!(samples[0].background_reset && samples[0].changed);
    for (i, s) in samples.iter().enumerate().skip(1) {
        assert!(!s.motion && s.motion_cells == 0 && !s.background_reset, "frame {i}: {s:?}");
        assert!(s.changed && s.frame_diff >= 1.0 && s.unchanged_for == Duration90k::ZERO, "frame {i}: {s:?}");
        assert!(!s.dark && !s.uniform, "frame {i}: {s:?}");
    }
}

#[test]
fn a_repeated_frame_is_unchanged_and_counts_up() {
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let p = Picture::street();
    let frozen = p.render(&mut Rng(3));
    analyze(&mut a, &frozen, &p, 0);
    for f in 1..=150 {
        let s = analyze(&mut a, &frozen, &p, f);
        assert!(!s.changed && s.frame_diff == 0.0 && !s.motion, "frame {f}: {s:?}");
        assert_eq!(s.unchanged_for, FRAME * f);
    }
    assert_eq!(FRAME * 100, Duration90k::from_secs(20), "frozen for 20 s at frame 100");
    let live = analyze(&mut a, &p.render(&mut Rng(4)), &p, 151);
    assert!(live.changed && live.unchanged_for == Duration90k::ZERO);
}

#[test]
fn dithering_below_half_a_level_is_still_unchanged() {
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let p = Picture::street();
    let frozen = p.render(&mut Rng(3));
    analyze(&mut a, &frozen, &p, 0);
    let mut rng = Rng(5);
    let dithered: Vec<u8> = frozen.iter().map(|&v| if rng.next().is_multiple_of(10) { v.saturating_add(1) } else { v }).collect();
    let s = analyze(&mut a, &dithered, &p, 1);
    assert!(s.frame_diff > 0.0 && s.frame_diff < 0.5 && !s.changed, "{s:?}");
}

#[test]
fn a_small_change_on_a_noise_free_picture_counts_as_change() {
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let mut p = Picture { noise: 0, ..Picture::street() };
    analyze(&mut a, &p.render(&mut Rng(1)), &p, 0);
    assert!(!analyze(&mut a, &p.render(&mut Rng(1)), &p, 1).changed);
    p.squares.push((280, 10, 12, 250)); // an on-screen clock ticking
    let s = analyze(&mut a, &p.render(&mut Rng(1)), &p, 2);
    assert!(s.frame_diff < 0.5 && s.changed, "{s:?}");
}

#[test]
fn a_bright_square_crossing_the_scene_moves_in_the_right_cells() {
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let mut rng = Rng(11);
    let mut p = Picture::street();
    run(&mut a, &p, &mut rng, 0, 20);
    for (i, x) in (0..=W - 24).step_by(4).enumerate() {
        p.squares = vec![(x, 60, 24, 235)];
        let s = analyze(&mut a, &p.render(&mut rng), &p, 20 + i as i64);
        assert!(s.motion && s.motion_cells >= 40, "x {x}: {s:?}");
        assert_eq!(s.motion_mask, coarse_cells(x, 60, 24), "x {x}");
    }
    p.squares.clear();
    let gone = run(&mut a, &p, &mut rng, 200, 5);
    assert!(gone.iter().all(|s| !s.motion), "the scene is still again");
}

#[test]
fn a_change_smaller_than_the_minimum_area_is_not_motion() {
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let mut rng = Rng(12);
    let mut p = Picture::street();
    run(&mut a, &p, &mut rng, 0, 10);
    p.squares = vec![(100, 100, 4, 250)]; // 2x2 cells
    let s = run(&mut a, &p, &mut rng, 10, 5);
    assert!(s.iter().all(|s| !s.motion && s.motion_cells == 0), "{:?}", s[0]);
}

#[test]
fn motion_under_the_ignore_mask_is_ignored() {
    let mut ignore = MotionMask::EMPTY;
    for row in 0..MotionMask::ROWS {
        for col in 0..8 {
            ignore.set(col, row, true);
        }
    }
    let mut a = PictureAnalyzer::new(MotionSettings { ignore, ..MotionSettings::default() });
    let mut rng = Rng(13);
    let mut p = Picture::street();
    run(&mut a, &p, &mut rng, 0, 10);
    p.squares = vec![(20, 60, 24, 235)];
    let left = run(&mut a, &p, &mut rng, 10, 3);
    assert!(left.iter().all(|s| !s.motion && s.motion_mask.is_empty()), "{:?}", left[0]);
    p.squares = vec![(200, 60, 24, 235)];
    let right = analyze(&mut a, &p.render(&mut rng), &p, 13);
    assert!(right.motion && right.motion_mask == coarse_cells(200, 60, 24), "{right:?}");
    a.set_settings(MotionSettings { ignore: MotionMask::FULL, ..MotionSettings::default() });
    p.squares = vec![(260, 100, 24, 235)];
    assert!(!analyze(&mut a, &p.render(&mut rng), &p, 14).motion, "a new mask applies at once");
}

#[test]
fn global_changes_are_not_motion() {
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let mut rng = Rng(14);
    let p = Picture::street();
    run(&mut a, &p, &mut rng, 0, 10);
    let brighter = |x, y| scene_luma(x, y) + 50;
    let p2 = Picture { luma: &brighter, ..Picture::street() };
    let s = analyze(&mut a, &p2.render(&mut rng), &p2, 10);
    assert!(!s.motion && s.changed, "a brightness step is stretched away: {s:?}");
    // The IR switch: the scene looks different everywhere at once.
    let infrared = |x, y| 255 - scene_luma(x, y);
    let mut p3 = Picture { luma: &infrared, ..Picture::street() };
    let s = analyze(&mut a, &p3.render(&mut rng), &p3, 11);
    assert!(s.background_reset && !s.motion && s.motion_cells == 0, "{s:?}");
    let s = analyze(&mut a, &p3.render(&mut rng), &p3, 12);
    assert!(!s.background_reset && !s.motion, "the new background holds: {s:?}");
    p3.squares = vec![(150, 100, 24, 250)];
    let s = analyze(&mut a, &p3.render(&mut rng), &p3, 13);
    assert!(s.motion && s.motion_mask == coarse_cells(150, 100, 24), "motion works after the reset: {s:?}");
}

#[test]
fn black_and_uniform_planes_are_blank() {
    let black = |_, _| 16;
    let grey = |_, _| 128;
    let mut rng = Rng(15);
    for (luma, dark) in [(&black as &dyn Fn(usize, usize) -> i32, true), (&grey, false)] {
        let p = Picture { luma, noise: 3, ..Picture::street() };
        let mut a = PictureAnalyzer::new(MotionSettings::default());
        let s = run(&mut a, &p, &mut rng, 0, 20);
        let last = s.last().unwrap();
        assert!(last.uniform && last.dark == dark && last.blank() && !last.motion, "{last:?}");
        assert!(s.iter().all(|s| !s.motion), "noise on a flat picture is not motion");
    }
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let s = analyze(&mut a, &Picture::street().render(&mut rng), &Picture::street(), 0);
    assert!(!s.blank() && s.luma_stddev > 20.0 && (100.0..140.0).contains(&s.mean_luma), "{s:?}");
}

#[test]
fn strides_larger_than_the_width_read_the_same_picture() {
    let tight = Picture::street();
    let padded = Picture { stride: 352, ..Picture::street() };
    let (mut a, mut b) = (PictureAnalyzer::new(MotionSettings::default()), PictureAnalyzer::new(MotionSettings::default()));
    for f in 0..5 {
        let (mut r1, mut r2) = (Rng(16 + f as u64), Rng(16 + f as u64));
        let sa = analyze(&mut a, &tight.render(&mut r1), &tight, f);
        let sb = analyze(&mut b, &padded.render(&mut r2), &padded, f);
        assert_eq!(sa, sb, "frame {f}");
    }
}

#[test]
fn odd_and_tiny_sizes_work() {
    for (w, h, grid) in [
        (641, 361, (160, 90)),
        (1920, 1080, (160, 90)),
        (640, 480, (120, 90)),
        (4000, 90, (320, 90)),
        (37, 5, (37, 5)),
        (3, 2, (3, 2)),
        (1, 1, (1, 1)),
        (2, 300, (1, 90)),
    ] {
        let data: Vec<u8> = (0..w * h).map(|i| (i * 7 % 251) as u8).collect();
        let plane = Plane::new(&data, w, h, w).unwrap();
        let mut a = PictureAnalyzer::new(MotionSettings::default());
        for f in 0..3 {
            let s = a.analyze(&plane, at(f));
            assert!(s.mean_luma.is_finite() && s.luma_stddev.is_finite(), "{w}x{h}: {s:?}");
        }
        assert_eq!(a.grid_size(), Some(grid), "{w}x{h}");
    }
}

#[test]
fn a_new_size_reseeds() {
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let mut rng = Rng(17);
    run(&mut a, &Picture::street(), &mut rng, 0, 5);
    let small = Picture { width: 160, height: 90, stride: 160, ..Picture::street() };
    let s = analyze(&mut a, &small.render(&mut rng), &small, 5);
    assert!(s.background_reset && s.changed && !s.motion && s.unchanged_for == Duration90k::ZERO);
    assert_eq!(a.grid_size(), Some((160, 90)));
}

#[test]
fn bad_planes_are_errors() {
    let data = [0u8; 100];
    assert_eq!(Plane::new(&data, 0, 10, 10).unwrap_err(), PlaneError::Empty { width: 0, height: 10 });
    assert_eq!(Plane::new(&data, 10, 10, 9).unwrap_err(), PlaneError::StrideTooSmall { stride: 9, width: 10 });
    assert_eq!(Plane::new(&data, 10, 10, 12).unwrap_err(), PlaneError::TooShort { len: 100, need: 118 });
    assert!(Plane::new(&data, 10, 10, 10).is_ok());
    assert!(Plane::new(&data[..98], 8, 10, 10).is_ok(), "the last row needs only its width");
    assert!(Plane::new(&data, usize::MAX, 3, usize::MAX).is_err(), "no overflow");
}

#[test]
fn sensitivity_maps_onto_the_threshold() {
    let at = |sensitivity| MotionSettings { sensitivity, ..MotionSettings::default() }.threshold();
    assert_eq!((at(0), at(50), at(100), at(255)), (55, 30, 8, 8));
}

/// `cargo test --release -- --ignored --nocapture cost`: µs per 640x360 frame, the fastest and the
/// median of 100 batches of 10 frames (the minimum is what the code costs on a busy machine).
#[test]
#[ignore]
fn cost_per_640x360_frame() {
    let mut p = Picture { width: 640, height: 360, stride: 640, ..Picture::street() };
    let mut rng = Rng(18);
    let frames: Vec<Vec<u8>> = (0..8)
        .map(|i| {
            p.squares = vec![(i * 40, 120, 48, 235)];
            p.render(&mut rng)
        })
        .collect();
    let mut a = PictureAnalyzer::new(MotionSettings::default());
    let (batches, per_batch) = (100, 10);
    let mut moving = 0;
    let mut us: Vec<f64> = (0..batches)
        .map(|b| {
            let started = std::time::Instant::now();
            for f in b * per_batch..(b + 1) * per_batch {
                moving += usize::from(analyze(&mut a, &frames[f % frames.len()], &p, f as i64).motion);
            }
            started.elapsed().as_secs_f64() * 1e6 / per_batch as f64
        })
        .collect();
    us.sort_by(f64::total_cmp);
    let (min, median) = (us[0], us[batches / 2]);
    println!(
        "{{\"bench\":\"analysis_640x360\",\"us_per_frame_min\":{min:.1},\"us_per_frame_median\":{median:.1},\"frames\":{},\"motion_frames\":{moving}}}",
        batches * per_batch
    );
}
