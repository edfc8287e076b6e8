//! The timeline model: a visible window of time mapped onto pixels, a cursor that is live or
//! plays back at a speed, and per-camera tracks. Command-driven and clock-free: every command and
//! [`Timeline::tick`] takes `now_90k`, so tests drive it with a simulated clock.
//!
//! Times are UTC in 90 kHz units since the Unix epoch (`*_90k`), like the recording index.

use chrono::{TimeZone, Timelike};

pub use super::time::TICKS_PER_S;
use super::time::{Duration90k, Time90k};
/// The narrowest visible window: one second.
pub const MIN_SPAN_90K: Duration90k = Duration90k::SECOND;
/// The widest visible window: 30 days.
pub const MAX_SPAN_90K: Duration90k = Duration90k::from_secs(30 * 86_400);
/// Playback speeds allowed, both directions.
pub const MAX_SPEED: f64 = 16.0;

/// What the wall shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Live video; the cursor follows the clock.
    Live,
    /// Recorded video at the cursor; `playing` advances it by `speed` per second.
    Playback { playing: bool },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimelineCommand {
    Play,
    Pause,
    /// −16 … 16, not 0 (negative plays backwards).
    SetSpeed(f64),
    /// Jump the cursor to an instant (leaves live).
    Seek(Time90k),
    /// One frame forward (+1) or back (−1), by that camera's frame duration.
    StepFrame {
        direction: i8,
        frame_90k: Duration90k,
    },
    GoLive,
    /// Zoom by `factor` (> 1 zooms in) keeping the time under pixel `anchor_x` where it is.
    Zoom {
        factor: f64,
        anchor_x: f32,
    },
    /// Move the window by `dx_px` pixels (positive: the picture moves right, time goes back).
    Pan {
        dx_px: f32,
    },
    /// The panel's width changed.
    SetWidth(f32),
    /// Show a window `span_90k` wide (a zoom preset), the cursor where it was on screen, or
    /// centred when it was off screen.
    SetSpan(Duration90k),
    /// J / L: play backwards (`forward: false`) or forwards; pressed again while playing that
    /// way, twice as fast (up to 16x); the other way, it turns round at 1x.
    Shuttle {
        forward: bool,
    },
    /// Space: pause when playing (or live), play when paused.
    TogglePlay,
}

/// The zoom presets of the timeline bar: 1 min, 10 min, 1 h, 1 day, 7 days.
pub const ZOOM_PRESETS_S: [i64; 5] = [60, 600, 3_600, 86_400, 7 * 86_400];

#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    view_start_90k: Time90k,
    view_span_90k: Duration90k,
    width_px: f32,
    cursor_90k: Time90k,
    mode: Mode,
    speed: f64,
    /// Clock reading at the last tick, to advance playback.
    last_now_90k: Time90k,
}

/// A tick mark of the time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisTick {
    pub t_90k: Time90k,
    pub x: f32,
    /// Local time in the site's zone: "14:05", "14:05:30", or "28/11" at midnight.
    pub label: String,
    /// Midnight (local): drawn stronger, labelled with the date.
    pub day_start: bool,
}

/// Steps of the axis, seconds; the first that leaves ≥ `MIN_TICK_PX` between ticks is used.
const TICK_STEPS_S: [i64; 20] =
    [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];
const MIN_TICK_PX: f64 = 70.0;

impl Timeline {
    /// Live, showing the last hour up to `now_90k` on a panel `width_px` wide.
    pub fn new(now_90k: Time90k, width_px: f32) -> Self {
        let span = Duration90k::from_secs(3600);
        Self {
            view_start_90k: now_90k - span * 9 / 10,
            view_span_90k: span,
            width_px: width_px.max(1.0),
            cursor_90k: now_90k,
            mode: Mode::Live,
            speed: 1.0,
            last_now_90k: now_90k,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn is_live(&self) -> bool {
        self.mode == Mode::Live
    }

    pub fn cursor_90k(&self) -> Time90k {
        self.cursor_90k
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Visible window [start, start + span).
    pub fn view(&self) -> (Time90k, Duration90k) {
        (self.view_start_90k, self.view_span_90k)
    }

    pub fn width_px(&self) -> f32 {
        self.width_px
    }

    /// Pixel of an instant (may lie outside 0..width).
    pub fn x_of(&self, t_90k: Time90k) -> f32 {
        ((t_90k - self.view_start_90k) / self.view_span_90k * f64::from(self.width_px)) as f32
    }

    /// Instant under a pixel.
    pub fn t_of(&self, x: f32) -> Time90k {
        self.view_start_90k + self.view_span_90k.mul_f64(f64::from(x) / f64::from(self.width_px))
    }

    pub fn apply(&mut self, command: TimelineCommand, now_90k: Time90k) {
        self.tick(now_90k);
        match command {
            TimelineCommand::Play => {
                if let Mode::Playback { .. } = self.mode {
                    self.mode = Mode::Playback { playing: true };
                }
            }
            TimelineCommand::Pause => {
                // Pausing live video freezes the picture at this instant.
                self.mode = Mode::Playback { playing: false };
            }
            TimelineCommand::SetSpeed(s) => {
                if s.is_finite() && s != 0.0 {
                    self.speed = s.clamp(-MAX_SPEED, MAX_SPEED);
                }
            }
            TimelineCommand::Seek(t) => {
                let playing = matches!(self.mode, Mode::Playback { playing: true });
                self.mode = Mode::Playback { playing };
                self.cursor_90k = t.min(now_90k);
                self.keep_cursor_visible();
            }
            TimelineCommand::StepFrame { direction, frame_90k } => {
                self.mode = Mode::Playback { playing: false };
                self.cursor_90k = (self.cursor_90k + i64::from(direction.signum()) * frame_90k.max(Duration90k(1))).min(now_90k);
                self.keep_cursor_visible();
            }
            TimelineCommand::GoLive => {
                self.mode = Mode::Live;
                self.speed = 1.0;
                self.cursor_90k = now_90k;
                self.keep_cursor_visible();
            }
            TimelineCommand::Zoom { factor, anchor_x } => {
                if !(factor.is_finite() && factor > 0.0) {
                    return;
                }
                let anchor_t = self.t_of(anchor_x);
                let span = self.view_span_90k.mul_f64(1.0 / factor).clamp(MIN_SPAN_90K, MAX_SPAN_90K);
                let frac = f64::from(anchor_x) / f64::from(self.width_px);
                self.view_span_90k = span;
                self.view_start_90k = anchor_t - span.mul_f64(frac);
            }
            TimelineCommand::Pan { dx_px } => {
                let dt = self.view_span_90k.mul_f64(f64::from(dx_px) / f64::from(self.width_px));
                self.view_start_90k -= dt;
            }
            TimelineCommand::SetWidth(w) => self.width_px = w.max(1.0),
            TimelineCommand::SetSpan(span) => {
                let span = span.clamp(MIN_SPAN_90K, MAX_SPAN_90K);
                let on_screen = self.cursor_90k >= self.view_start_90k && self.cursor_90k <= self.view_start_90k + self.view_span_90k;
                let frac = if on_screen { (self.cursor_90k - self.view_start_90k) / self.view_span_90k } else { 0.5 };
                self.view_span_90k = span;
                self.view_start_90k = self.cursor_90k - span.mul_f64(frac);
            }
            TimelineCommand::Shuttle { forward } => {
                let playing = matches!(self.mode, Mode::Playback { playing: true }) || (self.is_live() && forward);
                let same_way = playing && (self.speed > 0.0) == forward;
                if self.is_live() && forward {
                    // Live already runs forward at 1x.
                    return;
                }
                self.speed = match (same_way, forward) {
                    (true, _) => (self.speed * 2.0).clamp(-MAX_SPEED, MAX_SPEED),
                    (false, true) => 1.0,
                    (false, false) => -1.0,
                };
                self.mode = Mode::Playback { playing: true };
            }
            TimelineCommand::TogglePlay => {
                self.mode = match self.mode {
                    Mode::Playback { playing: false } => Mode::Playback { playing: true },
                    _ => Mode::Playback { playing: false },
                };
            }
        }
    }

    /// Advances the clock: live follows now; playing moves the cursor by `speed` × elapsed (never
    /// past now; reaching now while playing forward at 1x returns to live).
    pub fn tick(&mut self, now_90k: Time90k) {
        let elapsed = now_90k - self.last_now_90k;
        self.last_now_90k = now_90k;
        match self.mode {
            Mode::Live => {
                // The window follows "now" once it runs off the right edge (only when it was on
                // screen: a user looking at another day is left alone). Scrolling earlier would
                // fight a zoom around the pointer.
                let end = self.view_start_90k + self.view_span_90k;
                let follow = self.cursor_90k >= self.view_start_90k && self.cursor_90k <= end;
                self.cursor_90k = now_90k;
                if follow && self.cursor_90k > end {
                    self.view_start_90k = self.cursor_90k + self.view_span_90k / 20 - self.view_span_90k;
                }
            }
            Mode::Playback { playing: true } => {
                let end = self.view_start_90k + self.view_span_90k;
                let was_on_screen = self.cursor_90k >= self.view_start_90k && self.cursor_90k <= end;
                self.cursor_90k += elapsed.mul_f64(self.speed);
                // The window follows the cursor (when it was on screen: a user looking at another
                // time is left alone): a page at a time, the cursor then a fifth in from the edge
                // it came from, so what is ahead is in view.
                let margin = self.view_span_90k / 20;
                if was_on_screen && self.speed > 0.0 && self.cursor_90k > end - margin {
                    self.view_start_90k = self.cursor_90k - self.view_span_90k / 5;
                } else if was_on_screen && self.speed < 0.0 && self.cursor_90k < self.view_start_90k + margin {
                    self.view_start_90k = self.cursor_90k - self.view_span_90k * 4 / 5;
                }
                if self.cursor_90k >= now_90k {
                    self.cursor_90k = now_90k;
                    if self.speed > 0.0 {
                        self.mode = Mode::Live;
                        self.speed = 1.0;
                    }
                }
            }
            Mode::Playback { playing: false } => {}
        }
    }

    /// Scrolls the window (not the zoom) so the cursor stays on screen with a margin.
    fn keep_cursor_visible(&mut self) {
        let margin = self.view_span_90k / 20;
        let end = self.view_start_90k + self.view_span_90k;
        if self.cursor_90k > end - margin {
            self.view_start_90k = self.cursor_90k + margin - self.view_span_90k;
        } else if self.cursor_90k < self.view_start_90k + margin {
            self.view_start_90k = self.cursor_90k - margin;
        }
    }

    /// Axis ticks for the visible window, labelled in `tz` (dd/mm at local midnight).
    pub fn ticks(&self, tz: chrono_tz::Tz) -> Vec<AxisTick> {
        let px_per_s = f64::from(self.width_px) / self.view_span_90k.as_secs_f64();
        let step_s = TICK_STEPS_S.iter().copied().find(|s| *s as f64 * px_per_s >= MIN_TICK_PX).unwrap_or(2_592_000);
        let step = step_s * TICKS_PER_S;
        let view_start = self.view_start_90k.0;
        // Align to the local zone's round times: shift by the zone's offset at the window start.
        let offset_s = tz
            .timestamp_opt(self.view_start_90k.unix_secs(), 0)
            .single()
            .map_or(0, |d| i64::from(chrono::Offset::fix(d.offset()).local_minus_utc()));
        let offset = offset_s * TICKS_PER_S;
        let first = (view_start + offset).div_euclid(step) * step - offset;
        let mut out = Vec::new();
        let mut t = first;
        while t <= view_start + self.view_span_90k.0 && out.len() < 1000 {
            if t >= view_start {
                let local = tz.timestamp_opt(t.div_euclid(TICKS_PER_S), 0).single();
                let (label, day_start) = match local {
                    Some(d) if d.hour() == 0 && d.minute() == 0 && d.second() == 0 => (d.format("%d/%m").to_string(), true),
                    Some(d) if step_s >= 86_400 => (d.format("%d/%m").to_string(), false),
                    Some(d) if step_s < 60 => (d.format("%H:%M:%S").to_string(), false),
                    Some(d) => (d.format("%H:%M").to_string(), false),
                    None => (String::new(), false),
                };
                out.push(AxisTick { t_90k: Time90k(t), x: self.x_of(Time90k(t)), label, day_start });
            }
            t += step;
        }
        out
    }
}

/// What playback does where none of the wall's cameras has a recording (a setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GapMode {
    /// Jump to the next recorded instant (the previous one playing backwards): no minutes of
    /// empty tiles between two recorded events.
    #[default]
    Skip,
    /// Play through the gap in real time; tiles hold their last picture, marked as such.
    Hold,
}

impl GapMode {
    pub fn code(self) -> &'static str {
        match self {
            GapMode::Skip => "skip",
            GapMode::Hold => "hold",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "skip" => Some(GapMode::Skip),
            "hold" => Some(GapMode::Hold),
            _ => None,
        }
    }
}

/// What playing on from the cursor does about a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapStep {
    /// Recorded here (or holding through gaps): nothing to do.
    Stay,
    /// Jump the cursor here and keep playing.
    Jump(Time90k),
    /// Nothing recorded ahead: back to live.
    Live,
    /// Nothing recorded behind (playing backwards): stop here.
    Pause,
}

/// The gap decision while playing at `speed` from `cursor_90k`, given the earliest recorded
/// instant at or after the cursor (`next_90k`) and the latest at or before it (`prev_90k`) among
/// the wall's cameras. Recorded at the cursor when either equals it.
pub fn gap_step(mode: GapMode, cursor_90k: Time90k, speed: f64, next_90k: Option<Time90k>, prev_90k: Option<Time90k>) -> GapStep {
    let recorded_here = next_90k == Some(cursor_90k) || prev_90k == Some(cursor_90k);
    if mode == GapMode::Hold || recorded_here {
        return GapStep::Stay;
    }
    if speed > 0.0 { next_90k.map_or(GapStep::Live, GapStep::Jump) } else { prev_90k.map_or(GapStep::Pause, GapStep::Jump) }
}

/// A stretch of recorded time, [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span90k {
    pub start_90k: Time90k,
    pub end_90k: Time90k,
}

/// Pixel runs [x0, x1) of recorded stretches, clipped to the panel; stretches closer than one
/// pixel are merged so a month of one-minute segments draws as a few rectangles.
pub fn coverage_px(timeline: &Timeline, covered: &[Span90k]) -> Vec<(f32, f32)> {
    let w = timeline.width_px();
    let mut out: Vec<(f32, f32)> = Vec::new();
    for s in covered {
        let (x0, x1) = (timeline.x_of(s.start_90k).max(0.0), timeline.x_of(s.end_90k).min(w));
        if x1 <= 0.0 || x0 >= w || x1 <= x0 {
            continue;
        }
        match out.last_mut() {
            Some(last) if x0 - last.1 < 1.0 => last.1 = last.1.max(x1),
            _ => out.push((x0, x1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration90k = Duration90k::SECOND;
    /// 2026-11-28 09:00:00 UTC = 16:00 in Hà Nội.
    const NOW: Time90k = Time90k(1_795_856_400 * TICKS_PER_S);

    #[test]
    fn time_to_pixel_and_back_round_trips_at_every_zoom() {
        let mut tl = Timeline::new(NOW, 1000.0);
        for span_s in [1, 60, 3600, 86_400, 30 * 86_400] {
            tl.apply(TimelineCommand::Zoom { factor: tl.view().1 / (span_s * S), anchor_x: 500.0 }, NOW);
            assert_eq!(tl.view().1, span_s * S);
            for x in [0.0f32, 1.0, 333.0, 999.0] {
                let t = tl.t_of(x);
                assert!((tl.x_of(t) - x).abs() < 0.01, "span {span_s} s, x {x}");
            }
            let t = tl.view().0 + span_s * S / 3;
            // One pixel of slack: a 30-day window is 2592 s a pixel.
            assert!((tl.t_of(tl.x_of(t)) - t).abs() <= span_s * S / 1000);
        }
    }

    #[test]
    fn zoom_keeps_the_time_under_the_cursor_and_clamps_to_1_s_and_30_days() {
        let mut tl = Timeline::new(NOW, 1200.0);
        let anchor = 300.0;
        let before = tl.t_of(anchor);
        tl.apply(TimelineCommand::Zoom { factor: 4.0, anchor_x: anchor }, NOW);
        assert_eq!(tl.view().1, 900 * S);
        assert!((tl.t_of(anchor) - before).abs() <= Duration90k(1), "the instant under the cursor moved");
        tl.apply(TimelineCommand::Zoom { factor: 1e9, anchor_x: anchor }, NOW);
        assert_eq!(tl.view().1, MIN_SPAN_90K);
        assert!((tl.t_of(anchor) - before).abs() <= Duration90k(1));
        tl.apply(TimelineCommand::Zoom { factor: 1e-9, anchor_x: anchor }, NOW);
        assert_eq!(tl.view().1, MAX_SPAN_90K);
    }

    #[test]
    fn playback_at_4x_advances_4_s_per_second_and_reverse_goes_back() {
        let mut tl = Timeline::new(NOW, 1000.0);
        let start = NOW - 600 * S;
        tl.apply(TimelineCommand::Seek(start), NOW);
        assert_eq!(tl.mode(), Mode::Playback { playing: false });
        tl.apply(TimelineCommand::SetSpeed(4.0), NOW);
        tl.apply(TimelineCommand::Play, NOW);
        tl.tick(NOW + S);
        assert_eq!(tl.cursor_90k(), start + 4 * S);
        tl.tick(NOW + 3 * S);
        assert_eq!(tl.cursor_90k(), start + 12 * S);
        tl.apply(TimelineCommand::SetSpeed(-16.0), NOW + 3 * S);
        tl.tick(NOW + 4 * S);
        assert_eq!(tl.cursor_90k(), start + 12 * S - 16 * S);
        tl.apply(TimelineCommand::SetSpeed(99.0), NOW + 4 * S);
        assert_eq!(tl.speed(), MAX_SPEED);
        tl.apply(TimelineCommand::Pause, NOW + 4 * S);
        tl.tick(NOW + 10 * S);
        assert_eq!(tl.cursor_90k(), start - 4 * S, "paused: the cursor stays");
    }

    #[test]
    fn playing_forward_into_the_present_returns_to_live() {
        let mut tl = Timeline::new(NOW, 1000.0);
        tl.apply(TimelineCommand::Seek(NOW - 2 * S), NOW);
        tl.apply(TimelineCommand::Play, NOW);
        tl.apply(TimelineCommand::SetSpeed(2.0), NOW);
        tl.tick(NOW + 3 * S);
        assert!(tl.is_live());
        assert_eq!(tl.cursor_90k(), NOW + 3 * S);
        // Seeking into the future lands on now.
        tl.apply(TimelineCommand::Seek(NOW + 100 * S), NOW + 3 * S);
        assert_eq!(tl.cursor_90k(), NOW + 3 * S);
    }

    #[test]
    fn a_frame_step_moves_by_exactly_one_frame_of_that_camera() {
        let mut tl = Timeline::new(NOW, 1000.0);
        let t = NOW - 60 * S;
        tl.apply(TimelineCommand::Seek(t), NOW);
        tl.apply(TimelineCommand::StepFrame { direction: 1, frame_90k: Duration90k(3600) }, NOW);
        assert_eq!(tl.cursor_90k(), t + Duration90k(3600), "one 25 fps frame");
        tl.apply(TimelineCommand::StepFrame { direction: -1, frame_90k: Duration90k(6000) }, NOW);
        assert_eq!(tl.cursor_90k(), t + Duration90k(3600) - Duration90k(6000), "one 15 fps frame back");
        assert_eq!(tl.mode(), Mode::Playback { playing: false });
    }

    #[test]
    fn live_follows_the_clock_and_go_live_comes_back() {
        let mut tl = Timeline::new(NOW, 1000.0);
        tl.tick(NOW + 120 * S);
        assert_eq!(tl.cursor_90k(), NOW + 120 * S);
        assert!(tl.x_of(tl.cursor_90k()) <= 1000.0, "the cursor stays on screen");
        tl.apply(TimelineCommand::Seek(NOW - 3600 * S), NOW + 120 * S);
        assert!(!tl.is_live());
        tl.apply(TimelineCommand::GoLive, NOW + 121 * S);
        assert!(tl.is_live());
        assert_eq!(tl.cursor_90k(), NOW + 121 * S);
    }

    #[test]
    fn pan_moves_the_window_by_pixels() {
        let mut tl = Timeline::new(NOW, 1000.0);
        let (start, span) = tl.view();
        tl.apply(TimelineCommand::Pan { dx_px: 100.0 }, NOW);
        assert_eq!(tl.view(), (start - span / 10, span));
    }

    #[test]
    fn ticks_are_round_local_times_and_midnight_shows_the_date() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let mut tl = Timeline::new(NOW, 1200.0);
        let ticks = tl.ticks(tz);
        assert!(ticks.len() >= 5, "{ticks:?}");
        // An hour on 1200 px: ticks every 5 minutes, on round local minutes.
        assert_eq!(ticks[1].t_90k - ticks[0].t_90k, 300 * S);
        assert!(ticks.iter().all(|t| t.label.ends_with('0') || t.label.ends_with('5')), "{ticks:?}");
        assert!(ticks.windows(2).all(|w| w[1].x - w[0].x >= 70.0));
        // A two-day window around now: local midnights of the 28th and the 29th.
        tl.apply(TimelineCommand::Zoom { factor: 3600.0 / (2.0 * 86_400.0), anchor_x: 600.0 }, NOW);
        let ticks = tl.ticks(tz);
        let midnights: Vec<_> = ticks.iter().filter(|t| t.day_start).collect();
        assert_eq!(midnights.len(), 2, "{ticks:?}");
        assert_eq!((midnights[0].label.as_str(), midnights[1].label.as_str()), ("28/11", "29/11"));
        assert_eq!(midnights[1].t_90k, Time90k::from_unix_secs(1_795_856_400 + 8 * 3600), "local midnight is 17:00 UTC");
    }

    #[test]
    fn gaps_are_skipped_forwards_and_backwards_or_held() {
        let t = Time90k::from_unix_secs(1_000);
        let (next, prev) = (Some(t + 60 * S), Some(t - 5 * S));
        assert_eq!(gap_step(GapMode::Skip, t, 1.0, next, prev), GapStep::Jump(t + 60 * S));
        assert_eq!(gap_step(GapMode::Skip, t, -4.0, next, prev), GapStep::Jump(t - 5 * S));
        assert_eq!(gap_step(GapMode::Skip, t, 1.0, Some(t), prev), GapStep::Stay, "recorded at the cursor");
        assert_eq!(gap_step(GapMode::Skip, t, -1.0, next, Some(t)), GapStep::Stay);
        assert_eq!(gap_step(GapMode::Skip, t, 2.0, None, prev), GapStep::Live, "nothing ahead: live");
        assert_eq!(gap_step(GapMode::Skip, t, -2.0, next, None), GapStep::Pause, "nothing behind: stop");
        assert_eq!(gap_step(GapMode::Hold, t, 1.0, next, prev), GapStep::Stay);
        // Played through the model: a skip is a seek that keeps playing.
        let mut tl = Timeline::new(t + 3600 * S, 1000.0);
        tl.apply(TimelineCommand::Seek(t), t + 3600 * S);
        tl.apply(TimelineCommand::Play, t + 3600 * S);
        if let GapStep::Jump(to) = gap_step(GapMode::Skip, tl.cursor_90k(), tl.speed(), next, prev) {
            tl.apply(TimelineCommand::Seek(to), t + 3600 * S);
        }
        assert_eq!(tl.cursor_90k(), t + 60 * S);
        assert_eq!(tl.mode(), Mode::Playback { playing: true });
        for code in ["skip", "hold"] {
            assert_eq!(GapMode::parse(code).map(GapMode::code), Some(code));
        }
        assert_eq!(GapMode::parse("x"), None);
    }

    #[test]
    fn coverage_merges_subpixel_gaps_and_clips() {
        let mut tl = Timeline::new(NOW, 1000.0);
        tl.apply(TimelineCommand::Zoom { factor: 1.0, anchor_x: 0.0 }, NOW);
        let (start, span) = tl.view();
        let px = span / 1000;
        let covered = [
            Span90k { start_90k: start - 10 * px, end_90k: start + 100 * px },
            Span90k { start_90k: start + 100 * px + px / 2, end_90k: start + 200 * px },
            Span90k { start_90k: start + 300 * px, end_90k: start + 2000 * px },
        ];
        let runs = coverage_px(&tl, &covered);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(runs[0].0, 0.0);
        assert!((runs[0].1 - 200.0).abs() < 0.01);
        assert_eq!(runs[1].1, 1000.0);
    }

    #[test]
    fn a_zoom_preset_keeps_the_cursor_where_it_was_on_screen_or_centres_it() {
        let mut tl = Timeline::new(NOW, 1000.0);
        tl.apply(TimelineCommand::Seek(NOW - 600 * S), NOW);
        let x = tl.x_of(tl.cursor_90k());
        for preset in ZOOM_PRESETS_S {
            tl.apply(TimelineCommand::SetSpan(preset * S), NOW);
            assert_eq!(tl.view().1, preset * S);
            assert!((tl.x_of(tl.cursor_90k()) - x).abs() < 0.5, "{preset} s: the cursor stays at x {x}");
        }
        // Looking at another day: the preset brings the cursor back, in the middle.
        tl.apply(TimelineCommand::Pan { dx_px: 50_000.0 }, NOW);
        assert!(tl.x_of(tl.cursor_90k()) > 1000.0, "panned away");
        tl.apply(TimelineCommand::SetSpan(600 * S), NOW);
        assert!((tl.x_of(tl.cursor_90k()) - 500.0).abs() < 0.5);
        tl.apply(TimelineCommand::SetSpan(Duration90k(1)), NOW);
        assert_eq!(tl.view().1, MIN_SPAN_90K, "clamped");
    }

    #[test]
    fn playing_the_window_follows_the_cursor_a_page_at_a_time_unless_the_user_looks_elsewhere() {
        let mut tl = Timeline::new(NOW, 1000.0);
        tl.apply(TimelineCommand::SetSpan(600 * S), NOW);
        let from = NOW - 3_600 * S;
        tl.apply(TimelineCommand::Seek(from), NOW);
        tl.apply(TimelineCommand::SetSpeed(16.0), NOW);
        tl.apply(TimelineCommand::Play, NOW);
        let mut now = NOW;
        // 16x for 100 s of clock: 1600 s of recording, more than two windows.
        for _ in 0..1000 {
            now += S / 10;
            tl.tick(now);
            let x = tl.x_of(tl.cursor_90k());
            assert!((0.0..=1000.0).contains(&x), "the cursor left the window: x {x}");
        }
        assert!(tl.cursor_90k() > from + 1_500 * S);
        // Backwards too.
        tl.apply(TimelineCommand::SetSpeed(-16.0), now);
        for _ in 0..1000 {
            now += S / 10;
            tl.tick(now);
            let x = tl.x_of(tl.cursor_90k());
            assert!((0.0..=1000.0).contains(&x), "backwards: x {x}");
        }
        // Panned to another time: the window stays where the user put it.
        tl.apply(TimelineCommand::Pan { dx_px: 5_000.0 }, now);
        let view = tl.view();
        for _ in 0..100 {
            now += S / 10;
            tl.tick(now);
        }
        assert_eq!(tl.view(), view);
    }

    #[test]
    fn j_k_l_and_space_shuttle_like_an_editing_desk() {
        let mut tl = Timeline::new(NOW, 1000.0);
        // Live: L does nothing (live runs forward), J plays backwards from now.
        tl.apply(TimelineCommand::Shuttle { forward: true }, NOW);
        assert!(tl.is_live());
        tl.apply(TimelineCommand::Shuttle { forward: false }, NOW);
        assert_eq!((tl.mode(), tl.speed()), (Mode::Playback { playing: true }, -1.0));
        // J again: twice as fast, up to 16x.
        for want in [-2.0, -4.0, -8.0, -16.0, -16.0] {
            tl.apply(TimelineCommand::Shuttle { forward: false }, NOW);
            assert_eq!(tl.speed(), want);
        }
        // L turns round at 1x, then speeds up (an hour back: forward at 1x from now is live).
        tl.apply(TimelineCommand::Seek(NOW - 3_600 * S), NOW);
        tl.apply(TimelineCommand::Shuttle { forward: true }, NOW);
        assert_eq!(tl.speed(), 1.0);
        tl.apply(TimelineCommand::Shuttle { forward: true }, NOW);
        assert_eq!(tl.speed(), 2.0);
        // Space pauses and plays on at the same speed; from live it freezes the picture.
        tl.apply(TimelineCommand::TogglePlay, NOW);
        assert_eq!(tl.mode(), Mode::Playback { playing: false });
        tl.apply(TimelineCommand::TogglePlay, NOW);
        assert_eq!((tl.mode(), tl.speed()), (Mode::Playback { playing: true }, 2.0));
        // Paused, L plays forward at 1x.
        tl.apply(TimelineCommand::Pause, NOW);
        tl.apply(TimelineCommand::Shuttle { forward: true }, NOW);
        assert_eq!((tl.mode(), tl.speed()), (Mode::Playback { playing: true }, 1.0));
        tl.apply(TimelineCommand::GoLive, NOW);
        tl.apply(TimelineCommand::TogglePlay, NOW);
        assert_eq!(tl.mode(), Mode::Playback { playing: false }, "Space on live freezes the picture");
    }
}
