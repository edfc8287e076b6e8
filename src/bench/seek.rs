//! `vigil bench seek` and `vigil bench export`: recordings made from the simulator's pre-encoded
//! 1080p clip (written and indexed exactly as the recorder would, `record::fabricate`) in a temp
//! data dir; then timed seeks (index lookup, file read, decode) and a timed 10-minute export.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde_json::json;

use crate::core::site::StreamProfile;
use crate::core::time::percentile;
use crate::core::time::{Duration90k, Time90k};
use crate::media::CodecConfig;
use crate::media::playback::{GopDecoder, read_mp4_units};
use crate::media::simulate::{ClipJob, ClipSpec, Codec, read_barcode};
use crate::record::TICKS_PER_S;
use crate::record::fabricate::fabricate_run;
use crate::record::reader::RecordingReader;

/// The clip job of the demo town's first camera's main stream.
fn clip_job(profile: StreamProfile) -> anyhow::Result<ClipJob> {
    let site = crate::core::sitefile::demo_town(8554);
    let cam = site.cameras.first().context("the demo town has no camera")?;
    let spec = match profile {
        StreamProfile::Main => ClipSpec::main(Codec::H264),
        StreamProfile::Sub => ClipSpec::sub(Codec::H264),
    };
    Ok(ClipJob { camera_id: cam.id.clone(), camera_name: cam.name.clone(), profile, spec })
}

/// Where that clip's file is (for a baseline run on the same file).
pub(crate) fn clip_path(clip_cache: &Path) -> String {
    clip_job(StreamProfile::Main).map(|j| clip_cache.join(j.file_name()).display().to_string()).unwrap_or_default()
}

/// The demo town's first camera's main clip (encoded into `clip_cache` if missing), as units.
pub(crate) fn clip(clip_cache: &Path) -> anyhow::Result<(CodecConfig, crate::media::playback::Mp4Units)> {
    clip_of(clip_cache, StreamProfile::Main)
}

/// That camera's clip of a profile (encoded into `clip_cache` if missing), as units.
pub(crate) fn clip_of(clip_cache: &Path, profile: StreamProfile) -> anyhow::Result<(CodecConfig, crate::media::playback::Mp4Units)> {
    crate::media::init()?;
    let job = clip_job(profile)?;
    crate::media::simulate::clips::ensure_clips(clip_cache, std::slice::from_ref(&job), true)?;
    Ok(read_mp4_units(&clip_cache.join(job.file_name()))?)
}

pub(crate) struct TempDir(pub(crate) PathBuf, bool);

impl TempDir {
    pub(crate) fn new(what: &str) -> Self {
        let p = std::env::temp_dir().join(format!("vigil-bench-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Self(p, false)
    }
}

impl TempDir {
    /// Leaves the folder on disk when dropped.
    pub(crate) fn keep(&mut self) {
        self.1 = true;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub fn seek(clip_cache: &Path, minutes: u32, seeks: usize) -> anyhow::Result<serde_json::Value> {
    let (config, units) = clip(clip_cache)?;
    let dir = TempDir::new("seek");
    let start = Time90k::from_unix_secs(1_800_000_000);
    let camera = "cam01";
    fabricate_run(
        &dir.0,
        camera,
        &crate::record::fabricate::LoopedClip { config: &config, frames: &units, fps: 25 },
        start,
        minutes * 60,
        60,
    )?;
    let mut reader = RecordingReader::open(&dir.0)?;
    let mut decoder = GopDecoder::new(&config)?;
    let block = ClipSpec::main(Codec::H264).barcode_block() as usize;
    let number = |f: &crate::media::DecodedFrame| read_barcode(f.plane(0), f.strides[0], f.width as usize, f.height as usize, block);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let (mut first_ms, mut exact_ms) = (Vec::new(), Vec::new());
    let mut correct = 0usize;
    for _ in 0..seeks {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let t = start + Duration90k((rng % (u64::from(minutes) * 60 * TICKS_PER_S as u64)) as i64);
        let began = Instant::now();
        let gop = reader.gop_at(camera, t)?.context("a seek found no recording")?;
        let frames = crate::record::reader::as_gop_frames(&gop.frames);
        let read = began.elapsed();
        let (frame, timings) = decoder.decode_to(&frames, gop.target, &mut |_| {})?;
        first_ms.push((read + timings.first_picture).as_secs_f64() * 1000.0);
        exact_ms.push((read + timings.exact_frame).as_secs_f64() * 1000.0);
        let expected = ((t - start).0 / 3600) as u64 % units.len() as u64;
        if number(&frame).map(u64::from) == Some(expected) {
            correct += 1;
        }
    }
    let p = |v: &[f64], q: f64| round(percentile(v, q).unwrap_or(0.0));
    Ok(json!({
        "bench": "seek",
        "recording": {"camera": camera, "minutes": minutes, "resolution": "1920x1080", "fps": 25, "gop_s": 2},
        "seeks": seeks,
        "first_picture_ms": {"p50": p(&first_ms, 50.0), "p95": p(&first_ms, 95.0)},
        "exact_frame_ms": {"p50": p(&exact_ms, 50.0), "p95": p(&exact_ms, 95.0)},
        "exact_frame_correct": correct,
    }))
}

pub fn export(clip_cache: &Path, minutes: u32) -> anyhow::Result<serde_json::Value> {
    let (config, units) = clip(clip_cache)?;
    let dir = TempDir::new("export");
    let start = Time90k::from_unix_secs(1_800_000_000);
    let camera = "cam01";
    // One minute more than exported on each side, so the export cuts inside segments.
    fabricate_run(
        &dir.0,
        camera,
        &crate::record::fabricate::LoopedClip { config: &config, frames: &units, fps: 25 },
        start,
        (minutes + 2) * 60,
        60,
    )?;
    let mut store = crate::store::Store::open_dir(&dir.0)?;
    store.replace_site(&crate::core::sitefile::demo_town(8554))?;
    drop(store);
    let request = crate::export::ExportRequest {
        cameras: vec![camera.into()],
        from_90k: start + Duration90k::from_secs(61) + Duration90k::SECOND / 3,
        to_90k: start + Duration90k::from_secs(61 + i64::from(minutes) * 60) + Duration90k::SECOND / 3,
        out_dir: dir.0.join("export"),
        exported_by: "bench".into(),
        snapshots: Vec::new(),
        burn_in: false,
        case_number: String::new(),
    };
    let began = Instant::now();
    let manifest = crate::export::export(&dir.0, &request, &mut |_| {}, &AtomicBool::new(false))?;
    let seconds = began.elapsed().as_secs_f64();
    let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
    Ok(json!({
        "bench": "export",
        "minutes": minutes,
        "resolution": "1920x1080",
        "files": manifest.files.len(),
        "frames": manifest.files.iter().map(|f| f.frames).sum::<u64>(),
        "bytes": bytes,
        "export_seconds": (seconds * 1000.0).round() / 1000.0,
        "mb_per_s": round(bytes as f64 / 1e6 / seconds),
        "sha256_included": true,
    }))
}
