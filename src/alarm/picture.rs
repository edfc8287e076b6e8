//! What the cameras' pictures show, for the alarm engine: each analysed stream's newest decoded
//! frame, about [`ANALYSIS_FPS`] times a second, through `media::analysis` — picture numbers
//! (frozen, blank) and motion after its mask. The frames are the ones the process already decodes
//! (the wall's tiles); a stream nobody watches is decoded for this (`StreamHandle::set_analysed`),
//! once, whoever else reads it.
//!
//! Motion is debounced into intervals here: it begins after [`MOTION_START_FRAMES`] analysed
//! frames in a row with motion and ends [`MOTION_HANGOVER`] after the last one, so one passer-by
//! is one interval (and at most one alarm), not a flicker per frame.

use std::sync::Arc;
use std::time::Duration;

use crate::core::alarm::{Fact, MotionRule};
use crate::core::motion_mask::MotionMask;
use crate::core::time::{Duration90k, Time90k};
use crate::media::StreamHandle;
use crate::media::analysis::{MotionSettings, PictureAnalyzer, Plane};

/// Frames analysed per second and stream at most (Frigate's motion detector runs at 5).
pub const ANALYSIS_FPS: u32 = 5;

/// Between two analyses of the streams.
pub const ANALYSIS_INTERVAL: Duration = Duration::from_millis(1000 / ANALYSIS_FPS as u64);

/// Analysed frames with motion in a row before it counts (one frame can be a glitch).
pub const MOTION_START_FRAMES: u32 = 2;

/// Motion ends this long after the last analysed frame that had it.
pub const MOTION_HANGOVER: Duration90k = Duration90k::from_secs(2);

/// Detection settings of a camera's motion rule (defaults for a camera without one).
pub fn motion_settings(rule: Option<&MotionRule>) -> MotionSettings {
    match rule {
        Some(r) => MotionSettings { sensitivity: r.sensitivity, min_area_cells: r.min_area_cells, ignore: r.ignore },
        None => MotionSettings::default(),
    }
}

/// Seconds of motion kept in memory before they are handed to the store (a long interval on a
/// busy street is stored as it goes, not only when it ends).
const SECONDS_PER_REPORT: usize = 10;

/// News of one interval of motion on a camera, for the store: it began (`seconds` may be
/// empty), more of its seconds completed, or it ended. Each report carries only the seconds not
/// reported before, each with the cells that moved in it (for the timeline's strip and Smart
/// Motion Search).
#[derive(Debug, Clone, PartialEq)]
pub struct MotionSpan {
    pub camera: String,
    pub began_at: Time90k,
    /// `None` while it lasts.
    pub ended_at: Option<Time90k>,
    /// (start of the second, cells with motion in it), in time order.
    pub seconds: Vec<(Time90k, MotionMask)>,
}

/// One stream under analysis.
pub struct PictureWatch {
    camera_id: String,
    handle: Arc<StreamHandle>,
    analyzer: PictureAnalyzer,
    last_seq: u64,
    /// Analysed frames with motion in a row.
    motion_run: u32,
    /// The motion interval going on, if any, and when motion was last seen in it.
    span: Option<(MotionSpan, Time90k)>,
}

/// What one analysis of a stream found.
#[derive(Debug, Default)]
pub struct PictureNews {
    pub facts: Vec<Fact>,
    /// A motion interval that began or ended, or a second of motion completed.
    pub motion: Option<MotionSpan>,
}

impl PictureWatch {
    /// Starts analysing `handle`'s pictures (it is decoded fully from now on).
    pub fn new(camera_id: String, handle: Arc<StreamHandle>, settings: MotionSettings) -> Self {
        handle.set_analysed(true);
        PictureWatch { camera_id, handle, analyzer: PictureAnalyzer::new(settings), last_seq: 0, motion_run: 0, span: None }
    }

    pub fn camera_id(&self) -> &str {
        &self.camera_id
    }

    /// New detection settings (the rules changed); the background model is kept.
    pub fn set_settings(&mut self, settings: MotionSettings) {
        self.analyzer.set_settings(settings);
    }

    /// Analyses the stream's newest frame if one came since the last call. `now` is the
    /// analysis time (the engine's clock).
    pub fn poll(&mut self, now: Time90k) -> PictureNews {
        let mut news = PictureNews::default();
        let seq = self.handle.slot.seq();
        if seq == self.last_seq {
            self.end_motion_if_over(now, &mut news);
            return news;
        }
        self.last_seq = seq;
        let Some(frame) = self.handle.slot.latest() else { return news };
        let plane = match Plane::new(frame.plane(0), frame.width as usize, frame.height as usize, frame.strides[0]) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(camera = self.camera_id, "a decoded frame cannot be analysed: {e}");
                return news;
            }
        };
        let sample = self.analyzer.analyze(&plane, now);
        drop(frame);
        news.facts.push(Fact::Picture { camera: self.camera_id.clone(), unchanged_for: sample.unchanged_for, blank: sample.blank() });
        self.motion_run = if sample.motion { self.motion_run + 1 } else { 0 };
        match &mut self.span {
            Some((span, last_seen)) if sample.motion => {
                *last_seen = now;
                add_second(span, now, sample.motion_mask);
                // Completed seconds go to the store now and then; the one being filled stays.
                if span.seconds.len() > SECONDS_PER_REPORT {
                    let done: Vec<_> = span.seconds.drain(..span.seconds.len() - 1).collect();
                    news.motion = Some(MotionSpan { seconds: done, ..span.clone() });
                }
            }
            None if self.motion_run >= MOTION_START_FRAMES => {
                let span = MotionSpan {
                    camera: self.camera_id.clone(),
                    began_at: now,
                    ended_at: None,
                    seconds: vec![(now.floor_to(Duration90k::from_secs(1)), sample.motion_mask)],
                };
                news.facts.push(Fact::Motion { camera: self.camera_id.clone(), cells: sample.motion_cells, active: true });
                news.motion = Some(MotionSpan { seconds: Vec::new(), ..span.clone() });
                self.span = Some((span, now));
            }
            _ => {}
        }
        self.end_motion_if_over(now, &mut news);
        news
    }

    fn end_motion_if_over(&mut self, now: Time90k, news: &mut PictureNews) {
        if let Some((_, last_seen)) = &self.span
            && now - *last_seen >= MOTION_HANGOVER
            && let Some((mut span, last_seen)) = self.span.take()
        {
            span.ended_at = Some(last_seen);
            news.facts.push(Fact::Motion { camera: self.camera_id.clone(), cells: 0, active: false });
            news.motion = Some(span);
        }
    }
}

/// ORs a frame's moving cells into the span's second that contains `at`.
fn add_second(span: &mut MotionSpan, at: Time90k, mask: MotionMask) {
    let second = at.floor_to(Duration90k::from_secs(1));
    match span.seconds.last_mut() {
        Some((s, m)) if *s == second => *m |= mask,
        _ => span.seconds.push((second, mask)),
    }
}

impl Drop for PictureWatch {
    fn drop(&mut self) {
        self.handle.set_analysed(false);
    }
}
