//! What a simulated camera sees: a still street (sky, a row of houses, a pavement, a road with
//! lane marks), by day or by night, with sensor noise on every frame — so that motion means
//! something — and, in a motion clip, one passer-by (a motorbike rider) crossing the road. A
//! covered lens is near-black with the same noise. Drawn straight into I420 planes before the
//! on-screen name, counter and barcode; no allocation per frame.

use super::clips::{ClipKind, ClipSpec};

/// A rectangle in pixels: left, top, right, bottom (exclusive; clipped when drawn).
type Area = (isize, isize, isize, isize);
/// A colour as (Y, U, V).
type Yuv = (u8, u8, u8);

/// Where the rider of a motion clip is in frame `n` of `frames`, as the left edge in pixels: in
/// the picture from the first frame (motion shows at once), leaving on the right by the last.
fn rider_left(width: usize, n: u32, frames: u32) -> isize {
    (width as f64 * f64::from(n) / f64::from(frames.max(1))) as isize
}

/// One clip's painter: the still picture is computed once, then copied into every frame with
/// fresh noise (and the rider, if any).
pub struct ScenePainter {
    width: usize,
    height: usize,
    frames: u32,
    kind: ClipKind,
    night: bool,
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
    /// Noise amplitude in grey levels (a night picture is noisier: more gain).
    noise: u8,
    rng: u32,
}

/// A small, stable pseudo-random sequence (xorshift32).
fn next(rng: &mut u32) -> u32 {
    let mut x = *rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *rng = x;
    x
}

impl ScenePainter {
    pub fn new(spec: &ClipSpec, seed: u32) -> Self {
        let (width, height) = (spec.width as usize, spec.height as usize);
        let (cw, ch) = (width / 2, height / 2);
        let mut p = ScenePainter {
            width,
            height,
            frames: spec.frames(),
            kind: spec.kind,
            night: spec.night,
            y: vec![16; width * height],
            u: vec![128; cw * ch],
            v: vec![128; cw * ch],
            noise: if spec.night { 4 } else { 3 },
            rng: seed | 1,
        };
        if spec.kind != ClipKind::Dark {
            p.draw_street(seed);
        } else {
            p.noise = 2;
        }
        p
    }

    /// Fills a rectangle (pixel coordinates, clipped) with a colour.
    fn fill(&mut self, x0: isize, y0: isize, x1: isize, y1: isize, yuv: Yuv) {
        fill_planes([&mut self.y, &mut self.u, &mut self.v], self.width, self.height, (x0, y0, x1, y1), yuv);
    }

    fn draw_street(&mut self, seed: u32) {
        let (w, h) = (self.width as isize, self.height as isize);
        let night = self.night;
        let horizon = h * 42 / 100;
        let kerb = h * 55 / 100;
        // Sky: a vertical gradient.
        for row in 0..horizon {
            let t = row * 30 / horizon.max(1);
            let luma = if night { 18 + t / 3 } else { 165 + t } as u8;
            let (u, v) = if night { (134, 124) } else { (146, 116) };
            self.fill(0, row, w, row + 1, (luma, u, v));
        }
        // Houses along the horizon, each with its height, colour and windows.
        let mut rng = seed | 1;
        let mut x = 0;
        while x < w {
            let bw = w / 14 + (next(&mut rng) % (w as u32 / 9).max(1)) as isize;
            let bh = h * (12 + (next(&mut rng) % 20) as isize) / 100;
            let tone = (next(&mut rng) % 60) as u8;
            let hue = next(&mut rng);
            let body = if night { (28 + tone / 4, 126, 130) } else { (95 + tone, 118 + (hue % 20) as u8, 128 + (hue >> 8) as u8 % 24) };
            self.fill(x, horizon - bh, x + bw - 2, horizon, body);
            let (win_w, win_h) = ((bw / 6).max(2), (bh / 8).max(2));
            let mut wy = horizon - bh + win_h;
            while wy + win_h < horizon - win_h / 2 {
                let mut wx = x + win_w;
                while wx + win_w < x + bw - win_w {
                    let lit = next(&mut rng).is_multiple_of(3);
                    let window = match (night, lit) {
                        (true, true) => (185, 110, 150),
                        (true, false) => (20, 128, 128),
                        (false, _) => (body.0.saturating_sub(45), 130, 126),
                    };
                    self.fill(wx, wy, wx + win_w, wy + win_h, window);
                    wx += win_w * 2;
                }
                wy += win_h * 2;
            }
            x += bw;
        }
        // Pavement, kerb, road and dashed lane marks.
        self.fill(0, horizon, w, kerb, if night { (40, 128, 128) } else { (128, 126, 130) });
        self.fill(0, kerb, w, kerb + (h / 90).max(1), if night { (60, 128, 128) } else { (190, 128, 128) });
        self.fill(0, kerb + (h / 90).max(1), w, h, if night { (30, 128, 128) } else { (78, 128, 128) });
        let (dash_y, dash_h) = (h * 78 / 100, (h / 60).max(2));
        let mut dx = w / 32;
        while dx < w {
            self.fill(dx, dash_y, dx + w / 14, dash_y + dash_h, if night { (110, 128, 128) } else { (205, 128, 128) });
            dx += w / 7;
        }
        // A street lamp's pool of light at night.
        if night {
            let (cx, cy, r) = (w * 3 / 4, h * 70 / 100, h / 5);
            for row in (cy - r).max(0)..(cy + r).min(h) {
                for col in (cx - 2 * r).max(0)..(cx + 2 * r).min(w) {
                    let (dx, dy) = ((col - cx) as f64 / 2.0, (row - cy) as f64);
                    let d = (dx * dx + dy * dy).sqrt() / r as f64;
                    if d < 1.0 {
                        let i = row as usize * self.width + col as usize;
                        self.y[i] = self.y[i].saturating_add(((1.0 - d) * 45.0) as u8);
                    }
                }
            }
        }
    }

    /// Paints frame `n` of the clip into an I420 picture: `planes` are Y, U, V with their strides.
    pub fn paint(&mut self, planes: [&mut [u8]; 3], strides: [usize; 3], n: u32) {
        let [py, pu, pv] = planes;
        let (w, h, cw, ch) = (self.width, self.height, self.width / 2, self.height / 2);
        let amplitude = u32::from(self.noise);
        for row in 0..h {
            let src = &self.y[row * w..row * w + w];
            let Some(dst) = py.get_mut(row * strides[0]..row * strides[0] + w) else { return };
            let mut bits = 0u32;
            for (i, (d, &s)) in dst.iter_mut().zip(src).enumerate() {
                if i % 4 == 0 {
                    bits = next(&mut self.rng);
                }
                let r = (bits >> ((i % 4) * 8)) & 0xff;
                let offset = (r % (2 * amplitude + 1)) as i16 - amplitude as i16;
                *d = (i16::from(s) + offset).clamp(16, 235) as u8;
            }
        }
        for (plane, src, stride) in [(&mut *pu, &self.u, strides[1]), (&mut *pv, &self.v, strides[2])] {
            for row in 0..ch {
                if let Some(dst) = plane.get_mut(row * stride..row * stride + cw) {
                    dst.copy_from_slice(&src[row * cw..row * cw + cw]);
                }
            }
        }
        if self.kind == ClipKind::Motion {
            self.paint_rider([py, pu, pv], strides, n);
        }
    }

    /// The passer-by: a rider on a motorbike crossing the road from left to right, a dark body
    /// and wheels, a red shirt and a light helmet; at night a headlight.
    fn paint_rider(&self, planes: [&mut [u8]; 3], strides: [usize; 3], n: u32) {
        let (w, h) = (self.width as isize, self.height as isize);
        let rider_w = (w / 9).max(8);
        let left = rider_left(self.width, n, self.frames);
        let bottom = h * 90 / 100;
        let body_top = bottom - h / 4;
        let mut shapes: Vec<(Area, Yuv)> = vec![
            // The bike and the rider's legs.
            ((left, bottom - h / 10, left + rider_w, bottom), if self.night { (55, 128, 128) } else { (35, 128, 128) }),
            // Shirt.
            ((left + rider_w / 3, body_top + h / 20, left + rider_w * 2 / 3, bottom - h / 10), (120, 100, 200)),
            // Helmet.
            ((left + rider_w * 3 / 8, body_top, left + rider_w * 5 / 8, body_top + h / 20), (215, 128, 128)),
        ];
        if self.night {
            shapes.push(((left + rider_w - rider_w / 8, bottom - h / 12, left + rider_w, bottom - h / 20), (235, 120, 136)));
        }
        let [py, pu, pv] = planes;
        for (rect, yuv) in shapes {
            fill_strided(py, strides[0], self.width, self.height, rect, yuv.0);
            let half = (rect.0 / 2, rect.1 / 2, rect.2 / 2, rect.3 / 2);
            fill_strided(pu, strides[1], self.width / 2, self.height / 2, half, yuv.1);
            fill_strided(pv, strides[2], self.width / 2, self.height / 2, half, yuv.2);
        }
    }
}

/// Fills a rectangle of the painter's own planes (Y full size, U and V half size).
fn fill_planes(planes: [&mut Vec<u8>; 3], width: usize, height: usize, rect: Area, yuv: Yuv) {
    let [y, u, v] = planes;
    fill_strided(y, width, width, height, rect, yuv.0);
    let half = (rect.0 / 2, rect.1 / 2, rect.2 / 2, rect.3 / 2);
    fill_strided(u, width / 2, width / 2, height / 2, half, yuv.1);
    fill_strided(v, width / 2, width / 2, height / 2, half, yuv.2);
}

fn fill_strided(plane: &mut [u8], stride: usize, width: usize, height: usize, rect: Area, value: u8) {
    let clip = |v: isize, max: usize| v.clamp(0, max as isize) as usize;
    let (x0, x1) = (clip(rect.0, width), clip(rect.2, width));
    let (y0, y1) = (clip(rect.1, height), clip(rect.3, height));
    if x0 >= x1 {
        return;
    }
    for row in y0..y1 {
        if let Some(line) = plane.get_mut(row * stride + x0..row * stride + x1) {
            line.fill(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::simulate::clips::Codec;

    fn painted(spec: &ClipSpec, n: u32, painter: &mut ScenePainter) -> Vec<u8> {
        let (w, h) = (spec.width as usize, spec.height as usize);
        let mut y = vec![0u8; w * h];
        let mut u = vec![0u8; w * h / 4];
        let mut v = vec![0u8; w * h / 4];
        painter.paint([&mut y, &mut u, &mut v], [w, w / 2, w / 2], n);
        y
    }

    #[test]
    fn a_quiet_street_differs_from_frame_to_frame_only_by_noise() {
        let spec = ClipSpec::sub(Codec::H264);
        let mut p = ScenePainter::new(&spec, 7);
        let (a, b) = (painted(&spec, 0, &mut p), painted(&spec, 1, &mut p));
        let max_diff = a.iter().zip(&b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
        assert!(max_diff > 0 && max_diff <= 6, "noise of ±3 levels, got {max_diff}");
        let mean = a.iter().map(|&x| u64::from(x)).sum::<u64>() / a.len() as u64;
        assert!((70..160).contains(&mean), "a daylight street, mean luma {mean}");
    }

    #[test]
    fn the_rider_crosses_and_the_night_is_dark() {
        let spec = ClipSpec::sub(Codec::H264).with_kind(ClipKind::Motion);
        let quiet = ClipSpec::sub(Codec::H264);
        let mut p = ScenePainter::new(&spec, 7);
        let mut q = ScenePainter::new(&quiet, 7);
        let (m, still) = (painted(&spec, spec.frames() / 2, &mut p), painted(&quiet, 0, &mut q));
        let moved = m.iter().zip(&still).filter(|(a, b)| a.abs_diff(**b) > 20).count();
        assert!(moved > m.len() / 100, "the rider covers more than 1 % of the picture mid-clip, {moved} pixels");
        assert!(rider_left(640, 0, 60) == 0 && rider_left(640, 59, 60) > 620, "in the picture at once, leaves on the right");
        let night = ClipSpec { night: true, ..quiet };
        let n = painted(&night, 0, &mut ScenePainter::new(&night, 7));
        let mean = n.iter().map(|&x| u64::from(x)).sum::<u64>() / n.len() as u64;
        assert!((20..60).contains(&mean), "a night street, mean luma {mean}");
        let dark = quiet.with_kind(ClipKind::Dark);
        let d = painted(&dark, 0, &mut ScenePainter::new(&dark, 7));
        assert!(d.iter().all(|&x| x <= 18), "a covered lens is black but for noise");
    }
}
