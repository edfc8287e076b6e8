//! One camera's recording thread: access units in, runs and segments out.
//!
//! Timing is the camera's ([`super::timing`]): a run starts at the wall-clock time of its first
//! keyframe and every later frame sits where the camera's RTP timestamps put it, with decode
//! times, durations and composition offsets worked out there; arrival jitter never reaches a
//! file, so segments of a run butt together with no gap or overlap. A clock fault (timestamp
//! jump, a difference from the local clock beyond the slew) ends the run and a new one starts
//! on the new clock, never before the last one ended.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::fmp4::{Sample, SegmentWriter};
use super::timing::{RunTimer, Timed};
use super::{RecordEvent, RecorderConfig, Shared, TICKS_PER_S};
use crate::core::site::StreamProfile;
use crate::core::time::{Duration90k, Time90k};
use crate::media::{CodecConfig, EncodedUnit, TapMessage, UnitData};
use crate::store::keyframe_index::encode_keyframe_index;
use crate::store::recordings::{MAX_SEGMENT_DURATION_90K, SegmentState};

pub(crate) struct CameraRecorder {
    camera_id: String,
    profile: StreamProfile,
    shared: Arc<Shared>,
    rx: Receiver<TapMessage>,
    segment_target_90k: Duration90k,
    /// Per-camera offset of segment boundaries so cameras don't roll over together.
    stagger_90k: Duration90k,
    fragment_90k: u64,
    /// How much newly written media makes the open segment's row grow (0: index finished
    /// segments only).
    index_open_90k: u64,
    idle_end: Duration,
    /// Where the last run ended (90 kHz, UTC): the next one never starts before it.
    last_end_90k: Cell<Option<Time90k>>,
}

struct OpenSegment {
    writer: SegmentWriter,
    run_id: i64,
    rel_path: String,
    start_90k: Time90k,
    seq: i64,
    /// Its index row while open (written after the first complete fragments).
    row_id: Option<i64>,
    /// Media time the row last said.
    indexed_90k: u64,
}

struct Run {
    /// The index's run, created with the first unit written (when the start is known).
    id: Option<i64>,
    config: CodecConfig,
    timer: RunTimer<Box<dyn UnitData>>,
    next_seq: i64,
    segment: Option<OpenSegment>,
    /// Missing pictures already reported (the timer counts them all).
    missing_reported: u64,
}

impl CameraRecorder {
    pub(crate) fn new(
        camera_id: String,
        profile: StreamProfile,
        shared: Arc<Shared>,
        config: &RecorderConfig,
        rx: Receiver<TapMessage>,
    ) -> Self {
        let segment_target_90k = Duration90k::from_millis(config.segment_target_ms as i64).max(Duration90k::SECOND);
        // FNV-1a of the id: a stable, well-spread boundary offset.
        let hash = camera_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        // A recorder started again right after another one stopped never starts the track's next
        // run before that one's recordings end.
        let last_end_90k = shared.store().track_end(&camera_id).unwrap_or_else(|e| {
            tracing::warn!(camera = %camera_id, "cannot read where the track's recordings end: {e}");
            None
        });
        Self {
            stagger_90k: Duration90k((hash % segment_target_90k.0 as u64) as i64),
            segment_target_90k,
            fragment_90k: config.fragment_ms * TICKS_PER_S as u64 / 1000,
            index_open_90k: config.index_open_ms * TICKS_PER_S as u64 / 1000,
            idle_end: Duration::from_millis(config.idle_end_ms.max(100)),
            camera_id,
            profile,
            shared,
            rx,
            last_end_90k: Cell::new(last_end_90k),
        }
    }

    pub(crate) fn run(self) {
        let mut run: Option<Run> = None;
        let mut config: Option<CodecConfig> = None;
        let mut rate = Rate::default();
        loop {
            match self.rx.recv_timeout(self.idle_end) {
                Ok(TapMessage::Start(c)) => {
                    self.end_run(&mut run, "the stream restarted");
                    config = Some(c);
                }
                Ok(TapMessage::Unit(unit)) => {
                    rate.add(unit.data.bytes().len());
                    if self.shared.disk_full.load(Ordering::Acquire) {
                        if run.is_some() {
                            self.end_run(&mut run, &RunError::DiskFull.to_string());
                        }
                        self.shared.set_status(&self.camera_id, |s| s.set_not_recording(&RunError::DiskFull.to_string()));
                        continue;
                    }
                    self.accept(&mut run, config.as_ref(), unit);
                    let kbps = rate.kbps();
                    self.shared.set_status(&self.camera_id, |s| s.bitrate_kbps = kbps);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if run.is_some() {
                        self.end_run(&mut run, "no video from the camera");
                    }
                    self.shared.set_status(&self.camera_id, |s| {
                        s.bitrate_kbps = 0.0;
                        if s.recording || s.reason.is_none() {
                            s.set_not_recording("no video from the camera");
                        }
                    });
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.end_run(&mut run, "recorder stopped");
                    self.shared.set_status(&self.camera_id, |s| s.set_not_recording("recorder stopped"));
                    return;
                }
            }
        }
    }

    fn accept(&self, run: &mut Option<Run>, config: Option<&CodecConfig>, unit: EncodedUnit) {
        let EncodedUnit { rtp_timestamp, arrival_unix_ns, keyframe, mut data } = unit;
        if let Some(r) = run.as_mut() {
            match r.timer.push(data, keyframe, rtp_timestamp, arrival_unix_ns) {
                Ok(()) => {
                    let mut written = Ok(());
                    while written.is_ok()
                        && let Some(t) = r.timer.ready()
                    {
                        written = self.write(r, t);
                    }
                    self.report_missing(r);
                    if let Err(reason) = written {
                        self.end_run(run, &reason.to_string());
                    }
                    return;
                }
                Err((fault, back)) => {
                    tracing::warn!(camera = %self.camera_id, "{fault}; a new run starts on the camera's new clock");
                    self.end_run(run, &fault.to_string());
                    data = back;
                }
            }
        }
        let (Some(config), true) = (config, keyframe) else { return };
        let timer = RunTimer::new(rtp_timestamp, self.last_end_90k.get());
        let mut r = Run { id: None, config: config.clone(), timer, next_seq: 0, segment: None, missing_reported: 0 };
        // The first unit of a fresh timer waits for the ones after it: nothing to write yet.
        let _ = r.timer.push(data, keyframe, rtp_timestamp, arrival_unix_ns);
        *run = Some(r);
    }

    /// The index's run of `r`, begun now if this is its first unit.
    fn run_id(&self, r: &mut Run) -> Result<i64, RunError> {
        if let Some(id) = r.id {
            return Ok(id);
        }
        let start_90k = r.timer.start_90k().unwrap_or_else(crate::core::time::now_90k);
        let id = self.shared.store().begin_run(&self.camera_id, self.profile.as_str(), start_90k).map_err(RunError::Start)?;
        r.id = Some(id);
        tracing::info!(camera = %self.camera_id, run = id, "recording run started");
        self.shared.set_status(&self.camera_id, |s| s.set_recording());
        self.shared.emit(RecordEvent::RunStarted { camera_id: self.camera_id.clone(), run_id: id, start_90k });
        Ok(id)
    }

    /// Logs and counts pictures that never reached the recorder (holes in the camera's
    /// timestamps: lost on the network, dropped by a full queue).
    fn report_missing(&self, r: &mut Run) {
        let missing = r.timer.missing_frames();
        if missing > r.missing_reported {
            let new = missing - r.missing_reported;
            r.missing_reported = missing;
            tracing::warn!(camera = %self.camera_id, run = r.id.unwrap_or_default(), frames = new, "pictures missing from the camera's timeline");
            self.shared.set_status(&self.camera_id, |s| s.missing_frames += new);
        }
    }

    fn boundary_reached(&self, seg_start: Time90k, t: Time90k) -> bool {
        let length = t - seg_start;
        let slot = |x: Time90k| (x - self.stagger_90k).0.div_euclid(self.segment_target_90k.0);
        (length >= self.segment_target_90k / 2 && slot(t) > slot(seg_start)) || length >= self.segment_target_90k * 3 / 2
    }

    /// Writes one timed unit: cuts the segment at a keyframe past the boundary first.
    fn write(&self, r: &mut Run, t: Timed<Box<dyn UnitData>>) -> Result<(), RunError> {
        if let Some(seg_start) = r.segment.as_ref().map(|s| s.start_90k) {
            if t.keyframe && self.boundary_reached(seg_start, t.dts_90k) {
                self.finish_segment(r)?;
            } else if t.dts_90k - seg_start >= MAX_SEGMENT_DURATION_90K - Duration90k::SECOND {
                return Err(RunError::NoKeyframe);
            }
        }
        if r.segment.is_none() {
            if !t.keyframe {
                return Ok(());
            }
            let run_id = self.run_id(r)?;
            r.segment = Some(self.open_segment(r, run_id, t.dts_90k)?);
        }
        let Some(seg) = r.segment.as_mut() else { return Ok(()) };
        let run_id = seg.run_id;
        let sample = Sample { duration_90k: t.duration_90k, cts_offset_90k: t.cts_90k, keyframe: t.keyframe, data: t.unit };
        let pushed = seg.writer.push(sample);
        let bytes = seg.writer.bytes();
        if let Err(e) = pushed {
            let disk_full = e.is_disk_full();
            tracing::error!(camera = %self.camera_id, "writing a segment: {e}");
            // Keep what reached the disk: index the segment up to its last complete fragment.
            let _ = self.finish_segment(r);
            if disk_full {
                self.report_disk_full(&e.to_string());
                return Err(RunError::DiskFull);
            }
            self.fail(&e.to_string());
            return Err(RunError::Write);
        }
        self.shared.set_status(&self.camera_id, |s| s.open_segment_bytes = bytes);
        if self.index_open_90k > 0 && seg.writer.written_90k() >= seg.indexed_90k + self.index_open_90k {
            self.index_open(run_id, seg);
        }
        Ok(())
    }

    /// Indexes (or grows the row of) the open segment up to its complete fragments, so review
    /// and export reach the last seconds. A failure is logged, not fatal: finishing retries.
    fn index_open(&self, run_id: i64, seg: &mut OpenSegment) {
        let written = seg.writer.written();
        if written.frames == 0 {
            return;
        }
        let blob = encode_keyframe_index(&written.keyframes);
        let row = super::segment_row(run_id, &self.camera_id, seg.seq, seg.start_90k, &seg.rel_path, &written, &blob);
        let store = self.shared.store();
        let indexed = match seg.row_id {
            None => store.insert_open_segment(&row).map(Some),
            Some(id) => store.update_segment(id, &row, SegmentState::Open).map(|()| Some(id)),
        };
        match indexed {
            Ok(id) => {
                seg.row_id = id;
                seg.indexed_90k = written.duration_90k;
            }
            Err(e) => tracing::warn!(camera = %self.camera_id, "indexing the open {}: {e}", seg.rel_path),
        }
    }

    fn open_segment(&self, r: &mut Run, run_id: i64, start_90k: Time90k) -> Result<OpenSegment, RunError> {
        let seq = r.next_seq;
        r.next_seq += 1;
        let rel_path = segment_rel_path(&self.camera_id, start_90k, run_id, seq);
        let path = self.shared.root.join(&rel_path);
        let creation_s = start_90k.unix_secs().max(0) as u64;
        match SegmentWriter::create(&path, &r.config, creation_s, self.fragment_90k) {
            Ok(writer) => Ok(OpenSegment { writer, run_id, rel_path, start_90k, seq, row_id: None, indexed_90k: 0 }),
            Err(e) => {
                tracing::error!(camera = %self.camera_id, "cannot create {rel_path}: {e}");
                if e.is_disk_full() {
                    self.report_disk_full(&e.to_string());
                    Err(RunError::DiskFull)
                } else {
                    self.fail(&e.to_string());
                    Err(RunError::CreateFile)
                }
            }
        }
    }

    /// Finishes the open segment (durable on disk) and then indexes it.
    fn finish_segment(&self, r: &mut Run) -> Result<(), RunError> {
        let Some(seg) = r.segment.take() else { return Ok(()) };
        let summary = match seg.writer.finish() {
            Ok(s) => s,
            Err(e) => {
                // Left unindexed (or open); the next start's reconciliation indexes what is on disk.
                tracing::error!(camera = %self.camera_id, "finishing {}: {e}", seg.rel_path);
                if e.is_disk_full() {
                    self.report_disk_full(&e.to_string());
                }
                return Err(RunError::Finish(e));
            }
        };
        if summary.frames == 0 {
            let _ = std::fs::remove_file(self.shared.root.join(&seg.rel_path));
            return Ok(());
        }
        let blob = encode_keyframe_index(&summary.keyframes);
        let row = super::segment_row(seg.run_id, &self.camera_id, seg.seq, seg.start_90k, &seg.rel_path, &summary, &blob);
        let indexed = match seg.row_id {
            Some(id) => self.shared.store().update_segment(id, &row, SegmentState::Ok),
            None => self.shared.store().insert_segment(&row).map(|_| ()),
        };
        if let Err(e) = indexed {
            tracing::error!(camera = %self.camera_id, "indexing {}: {e}", seg.rel_path);
            return Err(RunError::Index(e));
        }
        self.shared.set_status(&self.camera_id, |s| {
            s.bytes_today += summary.bytes;
            s.open_segment_bytes = 0;
            s.oldest_start_90k.get_or_insert(seg.start_90k);
        });
        self.shared.emit(RecordEvent::SegmentIndexed {
            camera_id: self.camera_id.clone(),
            run_id: seg.run_id,
            path: seg.rel_path,
            start_90k: seg.start_90k,
            duration_90k: summary.duration(),
        });
        Ok(())
    }

    fn end_run(&self, run: &mut Option<Run>, reason: &str) {
        let Some(mut r) = run.take() else { return };
        if r.id.is_none() && r.timer.pending() < 2 {
            // A lone picture (a hung camera still sends the keyframe a server needs to describe
            // its stream, at every reconnect): not a recording.
            tracing::debug!(camera = %self.camera_id, reason, "a lone picture, no run recorded");
            return;
        }
        for t in r.timer.finish() {
            if self.write(&mut r, t).is_err() {
                break;
            }
        }
        self.report_missing(&mut r);
        let end_90k = r.segment.as_ref().map(|s| s.start_90k + s.writer.duration());
        let _ = self.finish_segment(&mut r);
        // Nothing was written (the run never reached its first keyframe's write): no run to close.
        let Some(id) = r.id else { return };
        let end_90k = end_90k.or_else(|| self.shared.store().run_segments_end(id).ok().flatten());
        let end_90k = end_90k.or(r.timer.start_90k()).unwrap_or_else(crate::core::time::now_90k);
        self.last_end_90k.set(Some(self.last_end_90k.get().map_or(end_90k, |e| e.max(end_90k))));
        if let Err(e) = self.shared.store().end_run(id, end_90k, reason) {
            tracing::error!(camera = %self.camera_id, "closing run {id}: {e}");
        }
        tracing::info!(camera = %self.camera_id, run = id, reason, "recording run ended");
        // Status first: whoever hears the event and then asks for the status sees it.
        self.shared.set_status(&self.camera_id, |s| s.set_not_recording(reason));
        self.shared.emit(RecordEvent::RunEnded { camera_id: self.camera_id.clone(), run_id: id, end_90k, reason: reason.into() });
    }

    fn report_disk_full(&self, message: &str) {
        if !self.shared.disk_full.swap(true, Ordering::AcqRel) {
            self.shared.emit(RecordEvent::DiskFull { message: message.to_string() });
        }
    }

    fn fail(&self, message: &str) {
        self.shared.emit(RecordEvent::Error { camera_id: self.camera_id.clone(), message: message.to_string() });
    }
}

/// Why a run ends early; its text is the run's `end_reason` in the index and the camera's reason
/// in the recorder status (the GUI translates the known ones).
#[derive(Debug, thiserror::Error)]
enum RunError {
    /// The disk is full (ENOSPC, quota): the recorder waits for space (`RecordEvent::DiskFull`).
    #[error("disk full")]
    DiskFull,
    #[error("write error")]
    Write,
    #[error("cannot create a segment file")]
    CreateFile,
    #[error("no keyframe for 10 minutes")]
    NoKeyframe,
    #[error("cannot start a run: {0}")]
    Start(crate::store::StoreError),
    #[error("{0}")]
    Finish(super::fmp4::Fmp4Error),
    #[error("{0}")]
    Index(crate::store::StoreError),
}

/// `<camera>/<YYYY-MM-DD UTC>/<start_90k>_r<run>_s<seq>.mp4`: the start time and run can be read
/// back from the name when a crash left the file unindexed.
pub(crate) fn segment_rel_path(camera_id: &str, start_90k: Time90k, run_id: i64, seq: i64) -> String {
    let day = chrono::DateTime::from_timestamp(start_90k.unix_secs(), 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "unknown-day".into());
    format!("{camera_id}/{day}/{}_r{run_id}_s{seq}.mp4", start_90k.0)
}

/// (start_90k, run id, seq) from a segment file name.
pub(crate) fn parse_segment_name(name: &str) -> Option<(Time90k, i64, i64)> {
    let stem = name.strip_suffix(".mp4")?;
    let mut parts = stem.split('_');
    let start = Time90k(parts.next()?.parse().ok()?);
    let run = parts.next()?.strip_prefix('r')?.parse().ok()?;
    let seq = parts.next()?.strip_prefix('s')?.parse().ok()?;
    parts.next().is_none().then_some((start, run, seq))
}

/// Bytes received over the last few seconds, for the status bitrate.
#[derive(Default)]
struct Rate {
    since: Option<Instant>,
    bytes: u64,
    kbps: f64,
}

impl Rate {
    fn add(&mut self, n: usize) {
        let since = *self.since.get_or_insert_with(Instant::now);
        self.bytes += n as u64;
        let secs = since.elapsed().as_secs_f64();
        if secs >= 2.0 {
            self.kbps = self.bytes as f64 * 8.0 / 1000.0 / secs;
            self.bytes = 0;
            self.since = Some(Instant::now());
        }
    }

    fn kbps(&self) -> f64 {
        self.kbps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_round_trip() {
        let p = segment_rel_path("cam01", Time90k(159_000_000_000_000), 12, 3);
        assert_eq!(p, "cam01/2025-12-25/159000000000000_r12_s3.mp4");
        let name = p.rsplit('/').next().unwrap();
        assert_eq!(parse_segment_name(name), Some((Time90k(159_000_000_000_000), 12, 3)));
        assert_eq!(parse_segment_name("x.mp4"), None);
        assert_eq!(parse_segment_name("1_r2_s3_4.mp4"), None);
    }
}
