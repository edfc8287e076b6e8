//! Reading recordings back: the GOP that holds an instant, straight from the index and the
//! segment files (the keyframe index gives the segment and keyframe; the file's fragments give
//! the frames). Used by playback, snapshots of past instants and the seek benchmark.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::fmp4::{SegmentSamples, codec_config, read_samples};
use super::recordings_root;
use crate::core::time::{Duration90k, Time90k};
use crate::media::CodecConfig;
use crate::store::recordings::SegmentRow;
use crate::store::{Store, StoreError};

/// The frames from a keyframe up to (and a little past) a target instant.
#[derive(Debug)]
pub struct Gop {
    pub config: CodecConfig,
    /// (UTC time 90 kHz, keyframe, bytes) in decode order; the first is a keyframe.
    pub frames: TimedFrames,
    /// Index in `frames` of the frame shown at the requested instant.
    pub target: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    File(String),
}

/// Frames with their instant (90 kHz), keyframe flag and bytes.
pub type TimedFrames = Vec<(Time90k, bool, Vec<u8>)>;

/// Recorded frames as a decoder takes them (borrowed, no copy).
pub fn as_gop_frames(frames: &[(Time90k, bool, Vec<u8>)]) -> Vec<crate::media::playback::GopFrame<'_>> {
    frames.iter().map(|(t, key, data)| crate::media::playback::GopFrame { data, keyframe: *key, pts_90k: *t }).collect()
}

impl Gop {
    /// Its frames from the keyframe up to index `last` (inclusive), for the decoder.
    pub fn up_to(&self, last: usize) -> Vec<crate::media::playback::GopFrame<'_>> {
        as_gop_frames(&self.frames[..=last.min(self.frames.len().saturating_sub(1))])
    }
}

/// Segment sample tables a reader keeps (~50 kB each for a minute of 25 fps): one per camera of
/// a 6x6 wall and then some.
const TABLES_KEPT: usize = 48;

/// Frames after the target pushed along with it, so a decoder lets the target out.
const LOOKAHEAD: usize = 2;

pub struct RecordingReader {
    store: Store,
    root: PathBuf,
    /// Sample tables of the segments read last (a wall's cameras each have one in use), by path
    /// and the indexed size they were read at (an open segment grows: a bigger row reads it
    /// again); most recently used last.
    cached: Vec<((String, i64), SegmentSamples)>,
}

impl RecordingReader {
    pub fn open(data_dir: &Path) -> Result<Self, ReadError> {
        Ok(Self { store: Store::open_dir(data_dir)?, root: recordings_root(data_dir), cached: Vec::new() })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Frames of a camera with instants in (after, until], in order, across segments; with
    /// whether they continue the frame at `after` (same run, no gap).
    pub fn frames_after(&mut self, camera_id: &str, after_90k: Time90k, until_90k: Time90k) -> Result<(TimedFrames, bool), ReadError> {
        let segments = self.store.segments_overlapping(camera_id, after_90k, until_90k + Duration90k(1))?;
        let mut out = Vec::new();
        let mut continuous = true;
        let mut prev: Option<(i64, Time90k)> = None;
        for seg in segments {
            if let Some((run, end)) = prev
                && (run != seg.run_id || end != seg.start_90k)
            {
                continuous = false;
            }
            prev = Some((seg.run_id, seg.end_90k()));
            let table = self.samples_of(&seg)?;
            let wanted: Vec<_> = table
                .samples
                .iter()
                .filter(|s| {
                    let t = s.at(seg.start_90k);
                    // An open segment's file may hold a little more than its row says yet.
                    t > after_90k && t <= until_90k && t < seg.end_90k()
                })
                .copied()
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let path = self.root.join(&seg.path);
            let mut f = std::fs::File::open(&path).map_err(|e| ReadError::File(format!("{}: {e}", path.display())))?;
            for s in wanted {
                let mut bytes = vec![0u8; s.size as usize];
                f.seek(SeekFrom::Start(s.offset))
                    .and_then(|_| f.read_exact(&mut bytes))
                    .map_err(|e| ReadError::File(format!("{}: {e}", path.display())))?;
                out.push((s.at(seg.start_90k), s.keyframe, bytes));
            }
        }
        Ok((out, continuous))
    }

    /// The sample table of a segment, read once per path and indexed size.
    fn samples_of(&mut self, seg: &SegmentRow) -> Result<&SegmentSamples, ReadError> {
        let key = (seg.path.clone(), seg.bytes);
        match self.cached.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                let entry = self.cached.remove(i);
                self.cached.push(entry);
            }
            None => {
                let table = read_samples(&self.root.join(&seg.path)).map_err(|e| ReadError::File(e.to_string()))?;
                if self.cached.len() >= TABLES_KEPT {
                    self.cached.remove(0);
                }
                self.cached.push((key, table));
            }
        }
        match self.cached.last() {
            Some((_, table)) => Ok(table),
            None => Err(ReadError::File(format!("{}: not read", seg.path))),
        }
    }

    /// The GOP holding instant `t_90k` of a camera; `None` when nothing was recorded then.
    pub fn gop_at(&mut self, camera_id: &str, t_90k: Time90k) -> Result<Option<Gop>, ReadError> {
        let Some((seg, key)) = self.store.keyframe_at_or_before(camera_id, t_90k)? else { return Ok(None) };
        let path = self.root.join(&seg.path);
        let table = self.samples_of(&seg)?;
        let Some(first) = table.samples.iter().position(|s| s.keyframe && s.at(seg.start_90k) == key.at_90k) else {
            return Err(ReadError::File(format!("{}: the indexed keyframe is not in the file", seg.path)));
        };
        let target = table.samples[first..].iter().rposition(|s| s.at(seg.start_90k) <= t_90k).map_or(first, |i| first + i);
        let last = (target + LOOKAHEAD).min(table.samples.len() - 1);
        let slice = &table.samples[first..=last];
        let config = codec_config(&table.codec).ok_or_else(|| ReadError::File(format!("{}: unknown codec", seg.path)))?;
        // One read covers the whole range (fragment headers in between are skipped when slicing).
        let (lo, hi) = (slice[0].offset, slice.iter().map(|s| s.offset + u64::from(s.size)).max().unwrap_or(0));
        let mut bytes = vec![0u8; (hi - lo) as usize];
        std::fs::File::open(&path)
            .and_then(|mut f| f.seek(SeekFrom::Start(lo)).and_then(|_| f.read_exact(&mut bytes)))
            .map_err(|e| ReadError::File(format!("{}: {e}", path.display())))?;
        let frames = slice
            .iter()
            .map(|s| {
                let at = (s.offset - lo) as usize;
                (s.at(seg.start_90k), s.keyframe, bytes[at..at + s.size as usize].to_vec())
            })
            .collect();
        Ok(Some(Gop { config, frames, target: target - first }))
    }
}
