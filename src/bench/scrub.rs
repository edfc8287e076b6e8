//! `vigil bench scrub`: dragging the timeline over a wall of N cameras. Ten minutes of 1080p
//! recordings made from the simulator's clip (`record::fabricate`, indexed as the recorder
//! would); the other cameras' folders are links to the first's (one set of files on disk, so the
//! reads come from the page cache: this measures decoding and the engine, not the disk).
//! With previews (the default, as the recorder keeps them) each camera also has its substream
//! recorded (640x360), which the engine scrubs from on walls of more than 4 cameras.
//! A drag sends the real playback engine (`playback`) one scrub request per 60 Hz frame,
//! each a GOP later than the last (the worst case: every request needs new keyframes), and counts
//! the pictures each tile shows.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::core::time::{Duration90k, Time90k, percentile};
use crate::playback::PlaybackEngine;
use crate::record::fabricate::fabricate_run;
use crate::record::preview_track;
use crate::store::Store;

/// One wall size's drag.
fn drag(engine: &PlaybackEngine, cameras: &[String], start_90k: Time90k, span_90k: Duration90k, seconds: f64) -> serde_json::Value {
    const FRAME: Duration = Duration::from_micros(16_667);
    let seq = |c: &String| engine.tile(c).map_or(0, |t| t.slot.seq());
    let before: Vec<u64> = cameras.iter().map(seq).collect();
    let (cpu_before, _) = super::rusage::self_usage();
    let began = Instant::now();
    let mut t = start_90k;
    let mut requests = 0u64;
    while began.elapsed().as_secs_f64() < seconds {
        engine.show(cameras.to_vec(), t, false);
        requests += 1;
        // A GOP further each frame, wrapping inside the recording.
        t = start_90k + Duration90k((t - start_90k + Duration90k::from_secs(2)).0 % span_90k.0);
        let next = began + FRAME * requests as u32;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    let (cpu_after, _) = super::rusage::self_usage();
    let per_tile: Vec<f64> = cameras.iter().zip(&before).map(|(c, b)| (seq(c) - b) as f64 / elapsed).collect();
    let round = |v: f64| (v * 10.0).round() / 10.0;
    json!({
        "cameras": cameras.len(),
        "requests_per_s": round(requests as f64 / elapsed),
        "tile_updates_per_s": {
            "min": round(percentile(&per_tile, 0.0).unwrap_or(0.0)),
            "median": round(percentile(&per_tile, 50.0).unwrap_or(0.0)),
        },
        "pictures_per_s": round(per_tile.iter().sum::<f64>()),
        "cpu_seconds": ((cpu_after - cpu_before) * 100.0).round() / 100.0,
        "seconds": round(elapsed),
    })
}

/// Recordings of a wall of cameras for the playback benches: ten minutes (or `minutes`) of the
/// simulator's 1080p clip for `cam01`, the other cameras' folders linked to it (one set of files).
pub(crate) struct WallRecordings {
    pub dir: super::seek::TempDir,
    pub cameras: Vec<String>,
    pub start_90k: Time90k,
    pub span_90k: Duration90k,
    pub clip_path: String,
    pub clip_frames: usize,
}

/// `previews`: record each camera's preview track too (as the recorder does by default).
pub(crate) fn wall_recordings(
    clip_cache: &std::path::Path,
    what: &str,
    cameras: usize,
    minutes: u32,
    previews: bool,
) -> anyhow::Result<WallRecordings> {
    let (config, units) = super::seek::clip(clip_cache)?;
    let clip_path = super::seek::clip_path(clip_cache);
    let dir = super::seek::TempDir::new(what);
    let start = Time90k::from_unix_secs(1_800_000_000);
    fabricate_run(
        &dir.0,
        "cam01",
        &crate::record::fabricate::LoopedClip { config: &config, frames: &units, fps: 25 },
        start,
        minutes * 60,
        60,
    )?;
    let most = cameras.max(1);
    let cameras: Vec<String> = (1..=most).map(|i| format!("cam{i:02}")).collect();
    let mut tracks: Vec<(String, String)> = cameras[1..].iter().map(|c| ("cam01".to_string(), c.clone())).collect();
    if previews {
        // The substream recorded beside (640x360, 15 fps, 2 s GOP), as the recorder keeps it.
        let (sub_config, sub_units) = super::seek::clip_of(clip_cache, crate::core::site::StreamProfile::Sub)?;
        let first = preview_track("cam01");
        fabricate_run(
            &dir.0,
            &first,
            &crate::record::fabricate::LoopedClip { config: &sub_config, frames: &sub_units, fps: 15 },
            start,
            minutes * 60,
            60,
        )?;
        tracks.extend(cameras[1..].iter().map(|c| (first.clone(), preview_track(c))));
    }
    let store = Store::open_dir(&dir.0)?;
    let root = crate::record::recordings_root(&dir.0);
    for (from, to) in &tracks {
        std::os::unix::fs::symlink(root.join(from), root.join(to))?;
    }
    store.in_transaction(|s| {
        for (from, to) in &tracks {
            let run = s.begin_run(to, "main", start)?;
            for seg in s.segments_of_camera(from)? {
                let path = seg.path.replacen(&format!("{from}/"), &format!("{to}/"), 1);
                s.insert_segment(&crate::store::recordings::NewSegment {
                    run_id: run,
                    camera_id: to,
                    seq: seg.seq,
                    start_90k: seg.start_90k,
                    duration_90k: seg.duration_90k,
                    path: &path,
                    bytes: seg.bytes,
                    frames: seg.frames,
                    codec: &seg.codec,
                    width: seg.width,
                    height: seg.height,
                    keyframe_index: &seg.keyframe_index,
                })?;
            }
        }
        Ok(())
    })?;
    drop(store);
    Ok(WallRecordings {
        dir,
        cameras,
        start_90k: start,
        span_90k: Duration90k::from_secs(i64::from(minutes) * 60),
        clip_path,
        clip_frames: units.len(),
    })
}

/// `keep`: leave the recordings on disk (for the baseline run on the same files) and name them.
/// `previews`: record each camera's preview track too (as the recorder does by default).
pub fn run(clip_cache: &std::path::Path, walls: &[usize], seconds: f64, keep: bool, previews: bool) -> anyhow::Result<serde_json::Value> {
    let minutes = 10;
    let most = walls.iter().copied().max().unwrap_or(1).max(1);
    let WallRecordings { mut dir, cameras, start_90k: start, span_90k: span, clip_path, clip_frames } =
        wall_recordings(clip_cache, "scrub", most, minutes, previews)?;
    let engine = PlaybackEngine::start(dir.0.clone(), Arc::new(|| {}));
    // Warm up: every camera's decoder made and its first picture shown.
    engine.show(cameras.clone(), start, false);
    let deadline = Instant::now() + Duration::from_secs(60);
    while cameras.iter().any(|c| engine.tile(c).is_none_or(|t| t.slot.seq() == 0)) {
        if Instant::now() > deadline {
            anyhow::bail!("the playback engine showed no picture within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let results: Vec<serde_json::Value> =
        walls.iter().map(|n| drag(&engine, &cameras[..(*n).clamp(1, most)], start, span, seconds)).collect();
    let kept = keep.then(|| {
        let root = crate::record::recordings_root(&dir.0).join("cam01");
        dir.keep();
        root.display().to_string()
    });
    Ok(json!({
        "bench": "scrub",
        "kept_recordings": kept,
        "recording": {"minutes": minutes, "resolution": "1920x1080", "fps": 25, "gop_s": 2},
        "clip": {"path": clip_path, "frames": clip_frames},
        "drag": {"requests_per_s": 60, "step": "one GOP per request"},
        "lanes": crate::playback::lanes(),
        "previews": previews,
        "preview_above_cameras": crate::playback::PREVIEW_ABOVE_CAMERAS,
        "walls": results,
    }))
}
