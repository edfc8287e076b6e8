//! A run's frame times, from the camera's clock.
//!
//! Every access unit carries the RTP timestamp of its packets: the camera's presentation time of
//! the picture, 90 kHz, 32 bits that wrap. [`RunTimer`] turns them into the decode times,
//! durations and composition offsets that the segment files store:
//!
//! - **Camera clock.** Timestamps are extended past their wrap and measured from the run's first
//!   keyframe. Its time on the wall clock, the run's start (`start_90k`), is the one moment taken
//!   from arrival: the earliest arrival of the run's first second ([`ANCHOR_90K`]), less the
//!   camera's time elapsed to it. Every later time is the start plus the camera's elapsed time:
//!   arrival jitter, a loaded machine or a jitter buffer re-syncing never reach the file.
//! - **Decode order is arrival order**; the i-th decode time is the i-th smallest presentation
//!   time (a stream with B-frames sends pictures out of order). A unit waits until
//!   [`REORDER_UNITS`] more have arrived, so that its decode time and duration are known; its
//!   composition offset is `pts - dts` (signed: trun version 1). Without B-frames dts == pts.
//! - **Bounded slew.** The camera's clock and the local one drift apart (cheap cameras by tens of
//!   ppm). Each window of [`SLEW_WINDOW_90K`] of camera time, the earliest arrival against the
//!   recorded time says how far apart they are (jitter only ever delays an arrival, so the
//!   earliest is the truth); past [`SLEW_START_90K`] durations are lengthened or shortened by at
//!   most [`MAX_SLEW_PPM`] until they agree again. A difference beyond [`MAX_EARLY_90K`] /
//!   [`MAX_LATE_90K`] (a clock stepped, a camera rebooted) or a timestamp jump of more than
//!   [`MAX_STEP_90K`] between two units ends the run: a new one starts on the new clock.
//!
//! No GStreamer, no files: the camera thread feeds it and writes what comes out.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::core::time::{Duration90k, Time90k};

/// Units a unit waits behind: more than the reorder depth of any camera stream (x264's pyramid
/// with 3 B-frames needs 2).
pub(crate) const REORDER_UNITS: usize = 6;
/// Most the recorded clock may slew toward the local one: 500 ppm, as Moonfire NVR allows.
pub(crate) const MAX_SLEW_PPM: i64 = 500;
/// Camera time over which the earliest arrival is taken (10 s).
pub(crate) const SLEW_WINDOW_90K: i64 = 10 * 90_000;
/// Difference between camera and local clock at which slewing starts (100 ms)...
pub(crate) const SLEW_START_90K: i64 = 9_000;
/// ...and below which it stops (30 ms).
pub(crate) const SLEW_STOP_90K: i64 = 2_700;
/// Units arriving this much earlier than their recorded time, all through a window, end the run
/// (the local clock was stepped back, or the camera's clock runs fast beyond any slew): 1 s.
pub(crate) const MAX_EARLY_90K: i64 = 90_000;
/// Units arriving this much later than their recorded time, all through a window, end the run
/// (the local clock was stepped forward, or the camera's clock runs slow): 10 s. Far more than
/// early: a loaded machine delays arrivals, it never hastens them.
pub(crate) const MAX_LATE_90K: i64 = 10 * 90_000;
/// A step between two units' timestamps beyond this (either way) is a new clock: 5 s.
pub(crate) const MAX_STEP_90K: i64 = 5 * 90_000;
/// Camera time over which a run's start is taken: the earliest arrival of its first second,
/// against the camera's elapsed time, anchors it (the first units of a session often come late,
/// held by the jitter buffer or a busy machine).
pub(crate) const ANCHOR_90K: i64 = 90_000;
/// Duration of a run's last unit when none follows and none came before (1/25 s).
pub(crate) const DEFAULT_FRAME_90K: u32 = 3_600;

/// One unit with its times, ready for the segment writer.
#[derive(Debug)]
pub(crate) struct Timed<U> {
    pub unit: U,
    pub keyframe: bool,
    /// Decode time on the wall clock (UTC).
    pub dts_90k: Time90k,
    pub duration_90k: u32,
    /// Presentation minus decode time.
    pub cts_90k: i32,
}

/// Why the camera's clock cannot continue the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ClockFault {
    #[error("the camera's timestamps jumped by {ms} ms")]
    Jump { ms: i64 },
    /// Positive: units arrive later than the camera's clock says; negative: earlier.
    #[error("the camera's clock and the local clock are {ms} ms apart")]
    Drift { ms: i64 },
}

struct Pending<U> {
    unit: U,
    keyframe: bool,
    /// Camera ticks (the RTP timestamp extended past its wraps).
    pts: i64,
    arrival_90k: Time90k,
}

/// The times of one run (see the module comment).
pub(crate) struct RunTimer<U> {
    /// Set once the first second is in (see [`ANCHOR_90K`]).
    start_90k: Option<Time90k>,
    not_before_90k: Option<Time90k>,
    first_pts: i64,
    last_ext: i64,
    pending: VecDeque<Pending<U>>,
    /// Presentation times not yet given out as decode times.
    presentation: BinaryHeap<Reverse<i64>>,
    /// Decode time of the next unit out (camera time: `first_pts` at `start_90k`).
    next_dts: Option<i64>,
    /// Ticks added to the camera's elapsed time so far (slew).
    slew_90k: i64,
    /// -1, 0 or +1: which way durations are being corrected.
    slew_direction: i64,
    /// Camera ticks not yet turned into a slew tick (500 ppm = one tick per 2,000).
    slew_credit: i64,
    window_end: i64,
    window_min_error: Option<i64>,
    /// The last duration between two units (camera ticks).
    last_camera_duration: i64,
    /// Pictures missing from the camera's timeline (estimated from holes between timestamps).
    missing_frames: u64,
    /// A difference between the clocks too large to slew: the run takes no more units.
    fault: Option<ClockFault>,
    /// The run is ending: what is left is given out as it is.
    finishing: bool,
}

impl<U> RunTimer<U> {
    /// A run that starts with the keyframe of this RTP timestamp. `not_before_90k`: the previous
    /// run's end, so that runs of one track never overlap however late that one ran.
    pub(crate) fn new(first_rtp: u32, not_before_90k: Option<Time90k>) -> Self {
        let first_pts = i64::from(first_rtp);
        Self {
            start_90k: None,
            not_before_90k,
            first_pts,
            last_ext: first_pts,
            pending: VecDeque::with_capacity(REORDER_UNITS + 1),
            presentation: BinaryHeap::with_capacity(REORDER_UNITS + 1),
            next_dts: None,
            slew_90k: 0,
            slew_direction: 0,
            slew_credit: 0,
            window_end: first_pts + SLEW_WINDOW_90K,
            window_min_error: None,
            last_camera_duration: i64::from(DEFAULT_FRAME_90K),
            missing_frames: 0,
            fault: None,
            finishing: false,
        }
    }

    /// Wall-clock time of the run's first keyframe, 90 kHz since the epoch, once known (with
    /// the first unit given out).
    pub(crate) fn start_90k(&self) -> Option<Time90k> {
        self.start_90k
    }

    /// Units taken and not yet given out.
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Pictures missing from the camera's timeline so far: a hole of more than 1.5 times the
    /// frame interval between two units counts the frames that would fill it.
    pub(crate) fn missing_frames(&self) -> u64 {
        self.missing_frames
    }

    /// Takes the next unit in arrival order; [`RunTimer::ready`] then gives out what can be
    /// written. On a clock fault the run cannot take `unit`: it comes back with the fault, and
    /// the run ends (what is pending is still to be had from [`RunTimer::finish`]).
    pub(crate) fn push(&mut self, unit: U, keyframe: bool, rtp: u32, arrival_unix_ns: u64) -> Result<(), (ClockFault, U)> {
        if let Some(fault) = self.fault {
            return Err((fault, unit));
        }
        let step = i64::from(rtp.wrapping_sub(self.last_ext as u32) as i32);
        if step.abs() > MAX_STEP_90K {
            return Err((ClockFault::Jump { ms: step / 90 }, unit));
        }
        let pts = self.last_ext + step;
        self.last_ext = pts;
        self.presentation.push(Reverse(pts));
        self.pending.push_back(Pending { unit, keyframe, pts, arrival_90k: Time90k::from_unix_ns(arrival_unix_ns) });
        if self.start_90k.is_none() && self.pending.len() > REORDER_UNITS && pts - self.first_pts >= ANCHOR_90K {
            self.anchor(self.pending.len() - REORDER_UNITS);
        }
        Ok(())
    }

    /// The next unit whose times are known, in decode order.
    pub(crate) fn ready(&mut self) -> Option<Timed<U>> {
        if self.start_90k.is_none() || self.pending.len() <= REORDER_UNITS {
            return None;
        }
        self.pop()
    }

    /// Sets the run's start from the first `n` pending units, whose decode times are known.
    fn anchor(&mut self, n: usize) {
        let mut decode: Vec<i64> = self.presentation.iter().map(|&Reverse(p)| p).collect();
        decode.sort_unstable();
        let earliest = self.pending.iter().zip(decode).take(n).map(|(p, dts)| p.arrival_90k - Duration90k(dts - self.first_pts)).min();
        let start = earliest.unwrap_or_else(Time90k::now);
        self.start_90k = Some(self.not_before_90k.map_or(start, |end| end.max(start)));
    }

    /// Everything still pending, in order, at the end of the run.
    pub(crate) fn finish(&mut self) -> Vec<Timed<U>> {
        // The end of a stream leaves holes (B-frames never sent): they are not losses.
        self.finishing = true;
        if self.start_90k.is_none() {
            self.anchor(self.pending.len());
        }
        std::iter::from_fn(|| self.pop()).collect()
    }

    /// The wall-clock instant of a camera tick.
    fn wall_90k(&self, camera_90k: i64) -> Time90k {
        self.start_90k.unwrap_or_default() + Duration90k(camera_90k - self.first_pts + self.slew_90k)
    }

    fn pop(&mut self) -> Option<Timed<U>> {
        let p = self.pending.pop_front()?;
        let Reverse(dts) = self.presentation.pop()?;
        // Decode times only grow, even if a camera repeats or reorders beyond the window.
        let dts = self.next_dts.map_or(dts, |next| dts.max(next));
        let dts_90k = self.wall_90k(dts);
        // Units are sent in decode order as they are made: arrival follows decode times.
        if self.fault.is_none() {
            self.fault = self.check_clock(dts, (p.arrival_90k - dts_90k).0);
        }
        let camera_duration = match self.presentation.peek() {
            Some(&Reverse(next)) => next - dts,
            None => self.last_camera_duration,
        };
        // A camera that repeats a timestamp gets a tick: decode times must grow.
        let camera_duration = camera_duration.max(1);
        if camera_duration * 2 > self.last_camera_duration * 3 && self.next_dts.is_some() && !self.finishing {
            // A hole in the camera's timeline: pictures lost before they reached the recorder
            // (or the camera lowered its frame rate: counted once).
            self.missing_frames += ((camera_duration + self.last_camera_duration / 2) / self.last_camera_duration - 1).max(1) as u64;
        }
        self.last_camera_duration = camera_duration;
        let duration = camera_duration + self.slew_ticks(camera_duration);
        let duration_90k = duration.clamp(1, i64::from(u32::MAX)) as u32;
        self.next_dts = Some(dts + camera_duration);
        let cts_90k = (p.pts - dts).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        Some(Timed { unit: p.unit, keyframe: p.keyframe, dts_90k, duration_90k, cts_90k })
    }

    /// Slew ticks to add to a duration of `duration` camera ticks: 500 ppm on average, and on
    /// any one frame at most 500 ppm of it (or one tick, for frames shorter than 2,000 ticks).
    fn slew_ticks(&mut self, duration: i64) -> i64 {
        if self.slew_direction == 0 {
            self.slew_credit = 0;
            return 0;
        }
        self.slew_credit = (self.slew_credit + duration * MAX_SLEW_PPM).min(1_000_000);
        let ticks = (self.slew_credit / 1_000_000).min((duration * MAX_SLEW_PPM / 1_000_000).max(1));
        self.slew_credit -= ticks * 1_000_000;
        self.slew_90k += ticks * self.slew_direction;
        ticks * self.slew_direction
    }

    /// Takes one unit's arrival against its recorded decode time (`error_90k`: positive when
    /// it came later); at each window's end decides the slew, or reports a difference too large
    /// to slew away (the next push gives the fault back).
    fn check_clock(&mut self, dts: i64, error_90k: i64) -> Option<ClockFault> {
        self.window_min_error = Some(self.window_min_error.map_or(error_90k, |m| m.min(error_90k)));
        if dts < self.window_end {
            return None;
        }
        let min_error = self.window_min_error.take().unwrap_or(0);
        self.window_end = dts + SLEW_WINDOW_90K;
        if !(-MAX_EARLY_90K..=MAX_LATE_90K).contains(&min_error) {
            return Some(ClockFault::Drift { ms: min_error / 90 });
        }
        if min_error.abs() >= SLEW_START_90K {
            self.slew_direction = min_error.signum();
        } else if min_error.abs() < SLEW_STOP_90K {
            self.slew_direction = 0;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: i64 = 3_600;
    const T0_NS: u64 = 1_790_000_000_000_000_000;

    fn arrival_ns(camera_90k: i64) -> u64 {
        T0_NS + (camera_90k as u64) * 100_000 / 9
    }

    /// Feeds (rtp, arrival, keyframe) units and collects everything, with the pending units at
    /// the end; gives the timer back too.
    fn run_timer(units: &[(u32, u64, bool)]) -> (Vec<Timed<usize>>, RunTimer<usize>) {
        let (rtp0, _, _) = units[0];
        let mut timer = RunTimer::new(rtp0, None);
        let mut out = Vec::new();
        for (i, &(rtp, arr, key)) in units.iter().enumerate() {
            timer.push(i, key, rtp, arr).expect("no clock fault");
            out.extend(std::iter::from_fn(|| timer.ready()));
            assert!(timer.pending.len() <= REORDER_UNITS + 25, "nothing waits longer than the first second");
        }
        out.extend(timer.finish());
        (out, timer)
    }

    fn run(units: &[(u32, u64, bool)]) -> Vec<Timed<usize>> {
        run_timer(units).0
    }

    #[test]
    fn arrival_jitter_never_reaches_the_durations() {
        // 25 fps for 60 s; arrivals late by up to 400 ms in a saw-tooth (a loaded machine, a
        // jitter buffer re-syncing), never early.
        let units: Vec<(u32, u64, bool)> = (0..1500)
            .map(|i| {
                let late_ns = ((i * 37) % 11) as u64 * 40_000_000;
                (1_000 + (i * FRAME) as u32, arrival_ns(i * FRAME) + late_ns, i % 50 == 0)
            })
            .collect();
        let out = run(&units);
        assert_eq!(out.len(), 1500);
        let start_90k = Time90k::from_unix_ns(T0_NS);
        for (i, t) in out.iter().enumerate() {
            assert_eq!(t.unit, i, "arrival order kept");
            assert_eq!(t.dts_90k, start_90k + Duration90k(i as i64 * FRAME), "frame {i} on the camera's clock");
            assert_eq!(t.duration_90k, FRAME as u32);
            assert_eq!(t.cts_90k, 0);
        }
    }

    #[test]
    fn b_frames_get_decode_times_in_order_and_composition_offsets() {
        // x264's pyramid with 3 B-frames: decode order I0 P4 B2 B1 B3 P8 B6 B5 B7 ...
        let mut units = Vec::new();
        units.push((90_000u32, arrival_ns(0), true));
        for group in 0..40i64 {
            for p in [4i64, 2, 1, 3] {
                let pts = group * 4 + p;
                units.push(((pts * FRAME) as u32 + 90_000, arrival_ns(units.len() as i64 * FRAME), false));
            }
        }
        let out = run(&units);
        assert_eq!(out.len(), units.len());
        let start_90k = Time90k::from_unix_ns(T0_NS);
        let mut presented: Vec<Time90k> = Vec::new();
        for (i, t) in out.iter().enumerate() {
            assert_eq!(t.dts_90k, start_90k + Duration90k(i as i64 * FRAME), "decode times step one frame");
            assert_eq!(t.duration_90k, FRAME as u32);
            let pts = t.dts_90k + Duration90k(i64::from(t.cts_90k));
            assert_eq!((pts - start_90k).0, i64::from(units[i].0 - 90_000), "presentation time kept");
            presented.push(pts);
        }
        presented.sort_unstable();
        presented.dedup();
        assert_eq!(presented.len(), out.len(), "every picture at its own time");
        assert!(out.iter().any(|t| t.cts_90k > 0) && out.iter().any(|t| t.cts_90k < 0));
    }

    #[test]
    fn pictures_lost_on_the_way_are_counted_from_the_holes_they_leave() {
        let units: Vec<(u32, u64, bool)> =
            (0..200i64).filter(|i| ![17, 90, 91, 92].contains(i)).map(|i| ((i * FRAME) as u32, arrival_ns(i * FRAME), i == 0)).collect();
        let (out, timer) = run_timer(&units);
        assert_eq!(timer.missing_frames(), 4);
        // The hole stays a hole: times are the camera's, not closed up.
        assert_eq!((out[17].dts_90k - out[16].dts_90k).0, 2 * FRAME);
        assert_eq!((out.last().unwrap().dts_90k - out[0].dts_90k).0, 199 * FRAME);
    }

    #[test]
    fn timestamps_wrap_at_32_bits() {
        let first = u32::MAX - 10 * FRAME as u32;
        let units: Vec<(u32, u64, bool)> =
            (0..100).map(|i| (first.wrapping_add((i * FRAME) as u32), arrival_ns(i * FRAME), i == 0)).collect();
        let out = run(&units);
        assert!(out.windows(2).all(|w| (w[1].dts_90k - w[0].dts_90k).0 == FRAME));
        assert!(out.iter().all(|t| t.duration_90k == FRAME as u32));
    }

    #[test]
    fn a_slow_camera_clock_is_slewed_within_500_ppm() {
        // The camera's clock runs 200 ppm slow: its 40 ms are 40.008 ms of ours. Over an hour the
        // recorded times follow the local clock to within the slew start, by at most 500 ppm.
        let frames = 25 * 3600;
        let units: Vec<(u32, u64, bool)> =
            (0..frames).map(|i| ((i * FRAME) as u32, T0_NS + (i as u64) * 40_008_000, i % 50 == 0)).collect();
        let out = run(&units);
        let start_90k = Time90k::from_unix_ns(T0_NS);
        for t in &out {
            let d = i64::from(t.duration_90k);
            assert!((d - FRAME).abs() * 1_000_000 <= FRAME * MAX_SLEW_PPM, "duration {d} slews at most 500 ppm");
        }
        let last = out.last().unwrap();
        let local_90k = Time90k::from_unix_ns(T0_NS + (frames as u64 - 1) * 40_008_000);
        assert!((last.dts_90k - local_90k).0.abs() <= SLEW_START_90K + SLEW_WINDOW_90K / 2000, "recorded time kept to the local clock");
        assert!(last.dts_90k > start_90k + Duration90k((frames - 1) * FRAME), "slewed: longer than the camera's own count");
    }

    #[test]
    fn a_jump_or_a_stepped_clock_ends_the_run() {
        let mut timer: RunTimer<()> = RunTimer::new(0, None);
        assert!(timer.push((), false, FRAME as u32, arrival_ns(FRAME)).is_ok());
        let (fault, ()) = timer.push((), false, 20 * 90_000, arrival_ns(2 * FRAME)).unwrap_err();
        assert_eq!(fault, ClockFault::Jump { ms: (20 * 90_000 - FRAME) / 90 });

        // The local clock steps forward by a minute: every arrival of a window is late.
        let mut timer: RunTimer<i64> = RunTimer::new(0, None);
        let (mut written, mut fault, mut refused) = (0, None, 0);
        for i in 1..1000 {
            let late_ns = if i > 100 { 60_000_000_000 } else { 0 };
            match timer.push(i, false, (i * FRAME) as u32, arrival_ns(i * FRAME) + late_ns) {
                Ok(()) => written += std::iter::from_fn(|| timer.ready()).count(),
                Err((f, unit)) => {
                    assert!(unit >= 500, "found when a whole 10 s window came late, not at once ({unit})");
                    fault = Some(f);
                    refused = unit;
                    break;
                }
            }
        }
        assert!(matches!(fault, Some(ClockFault::Drift { ms }) if ms > 50_000), "{fault:?}");
        // What was taken before the fault is still written.
        let rest = timer.finish();
        assert_eq!(rest.len(), REORDER_UNITS);
        assert_eq!((written + rest.len()) as i64, refused - 1, "every unit before the one refused");
    }

    #[test]
    fn a_new_run_never_starts_before_the_last_one_ended() {
        let units: Vec<(u32, u64, bool)> = (0..40).map(|i| ((i * FRAME) as u32, arrival_ns(i * FRAME), i == 0)).collect();
        for (end_90k, start_90k) in [
            (Time90k::from_unix_ns(T0_NS) + Duration90k(90_000), Time90k::from_unix_ns(T0_NS) + Duration90k(90_000)),
            (Time90k::from_unix_ns(T0_NS) - Duration90k(90_000), Time90k::from_unix_ns(T0_NS)),
        ] {
            let mut timer = RunTimer::new(0, Some(end_90k));
            let mut first = None;
            for (i, &(rtp, arr, key)) in units.iter().enumerate() {
                timer.push(i, key, rtp, arr).unwrap();
                first = first.or(timer.ready());
            }
            assert_eq!(timer.start_90k(), Some(start_90k));
            assert_eq!(first.unwrap().dts_90k, start_90k);
        }
    }

    #[test]
    fn a_run_starts_at_the_earliest_arrival_of_its_first_second() {
        // The first units of a session come in a burst 200 ms late (held by the jitter buffer);
        // the run still starts when the camera's first frame arrived on time, and no slew follows.
        let units: Vec<(u32, u64, bool)> = (0..1000)
            .map(|i| {
                let late_ns = if i < 5 { 200_000_000 - i as u64 * 40_000_000 } else { 0 };
                ((i * FRAME) as u32, arrival_ns(i * FRAME) + late_ns, i % 50 == 0)
            })
            .collect();
        let out = run(&units);
        assert_eq!(out[0].dts_90k, Time90k::from_unix_ns(T0_NS));
        assert!(out.iter().all(|t| t.duration_90k == FRAME as u32), "no slew from a late start");
    }
}
