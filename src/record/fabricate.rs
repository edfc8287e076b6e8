//! Recordings made quickly for benchmarks and tests: a clip's frames (e.g. the simulator's
//! pre-encoded ones) looped into segments written and indexed exactly as the recorder writes
//! them (same writer, same index rows), at any start time, without waiting in real time.

use std::path::Path;

use super::fmp4::{Sample, SegmentWriter};
use super::{TICKS_PER_S, recordings_root};
use crate::core::time::{Duration90k, Time90k};
use crate::media::CodecConfig;
use crate::store::keyframe_index::encode_keyframe_index;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum FabricateError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Write(String),
}

/// A clip to loop: its codec configuration, its frames (MP4-form units, the first a keyframe) and
/// its frame rate.
pub struct LoopedClip<'a> {
    pub config: &'a CodecConfig,
    pub frames: &'a [(Vec<u8>, bool)],
    pub fps: u32,
}

/// Writes one run of `camera_id` from `start_90k` for `seconds`, looping the clip's frames at
/// its `fps`, in segments cut at the first keyframe after `segment_s`. Frame `k` of the run is
/// `frames[k % frames.len()]` at `start + k / fps`.
pub fn fabricate_run(
    data_dir: &Path,
    camera_id: &str,
    clip: &LoopedClip<'_>,
    start_90k: Time90k,
    seconds: u32,
    segment_s: u32,
) -> Result<usize, FabricateError> {
    let LoopedClip { config, frames, fps } = *clip;
    if frames.is_empty() || !frames[0].1 || fps == 0 {
        return Err(FabricateError::Write("frames must start with a keyframe".into()));
    }
    let store = Store::open_dir(data_dir)?;
    let root = recordings_root(data_dir);
    let frame_90k = (TICKS_PER_S / i64::from(fps)) as u32;
    let total = u64::from(seconds) * u64::from(fps);
    let run = store.begin_run(camera_id, "main", start_90k)?;
    let mut segments = 0;
    let mut k = 0u64;
    while k < total {
        let seg_start = start_90k + Duration90k((k * u64::from(frame_90k)) as i64);
        let rel = super::camera::segment_rel_path(camera_id, seg_start, run, segments as i64);
        let mut w = SegmentWriter::create(&root.join(&rel), config, seg_start.unix_secs().max(0) as u64, u64::from(TICKS_PER_S as u32 / 2))
            .map_err(|e| FabricateError::Write(e.to_string()))?;
        let mut n = 0u64;
        loop {
            let (data, key) = &frames[(k % frames.len() as u64) as usize];
            if n > 0 && *key && n >= u64::from(segment_s) * u64::from(fps) {
                break;
            }
            w.push(Sample { duration_90k: frame_90k, cts_offset_90k: 0, keyframe: *key, data: Box::new(data.clone()) })
                .map_err(|e| FabricateError::Write(e.to_string()))?;
            n += 1;
            k += 1;
            if k >= total {
                break;
            }
        }
        let s = w.finish().map_err(|e| FabricateError::Write(e.to_string()))?;
        let blob = encode_keyframe_index(&s.keyframes);
        store.insert_segment(&super::segment_row(run, camera_id, segments as i64, seg_start, &rel, &s, &blob))?;
        segments += 1;
    }
    store.end_run(run, start_90k + Duration90k((total * u64::from(frame_90k)) as i64), "fabricated")?;
    Ok(segments)
}
