//! `vigil bench playback`: playing a wall of N cameras at several speeds, and how far each tile's
//! picture drifts from the cursor. The recordings are the scrub bench's (`scrub::wall_recordings`:
//! the simulator's 1080p clip and its 640x360 preview track, one set of files linked for every
//! camera). The real playback engine gets requests as the app sends them while playing (a new
//! one each time the cursor moved a frame, the cursor advancing with the wall clock × speed), and
//! every tile is sampled 60 times a second: |picture time − cursor| is its drift.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::core::time::percentile;
use crate::core::time::{Duration90k, Time90k};
use crate::playback::{PlayCost, PlaybackEngine};

/// The app asks for a new instant once the cursor moved a frame (40 ms).
const FRAME_90K: Duration90k = Duration90k(3_600);

/// Plays `cameras` at `speed` for `seconds` from `from_90k`.
fn play(engine: &PlaybackEngine, cameras: &[String], from_90k: Time90k, speed: f64, seconds: f64) -> anyhow::Result<serde_json::Value> {
    const SAMPLE: Duration = Duration::from_micros(16_667);
    // Start as the app does: paused on an exact frame, then play.
    engine.show(cameras.to_vec(), from_90k, true);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cameras.iter().all(|c| shows_frame_at(engine, c, from_90k)) {
        if Instant::now() > deadline {
            anyhow::bail!("the playback engine did not show the start instant within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let seq = |c: &String| engine.tile(c).map_or(0, |t| t.slot.seq());
    let before: Vec<u64> = cameras.iter().map(seq).collect();
    let (cpu_before, _) = super::rusage::self_usage();
    let began = Instant::now();
    let mut asked_90k: Option<Time90k> = None;
    let (mut drift_ms, mut reduced, mut nothing, mut samples) = (Vec::new(), 0u64, 0u64, 0u64);
    let mut ticks = 0u32;
    while began.elapsed().as_secs_f64() < seconds {
        let cursor = from_90k + Duration90k::from_secs_f64(began.elapsed().as_secs_f64() * speed);
        if asked_90k.is_none_or(|t| (cursor - t).abs() >= FRAME_90K) {
            engine.play(cameras.to_vec(), cursor, speed);
            asked_90k = Some(cursor);
        }
        for c in cameras {
            let Some(tile) = engine.tile(c) else { continue };
            samples += 1;
            reduced += u64::from(tile.reduced());
            match tile.shown().0 {
                Some(t) => drift_ms.push((t - cursor).abs().as_secs_f64() * 1000.0),
                None => nothing += 1,
            }
        }
        ticks += 1;
        if let Some(wait) = (began + SAMPLE * ticks).checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    let (cpu_after, _) = super::rusage::self_usage();
    let pictures: u64 = cameras.iter().zip(&before).map(|(c, b)| seq(c) - b).sum();
    let round = |v: f64| (v * 10.0).round() / 10.0;
    Ok(json!({
        "speed": speed,
        "cost": format!("{:?}", PlayCost::at(speed)),
        "max_drift_ms": round(percentile(&drift_ms, 100.0).unwrap_or(0.0)),
        "p95_drift_ms": round(percentile(&drift_ms, 95.0).unwrap_or(0.0)),
        "p50_drift_ms": round(percentile(&drift_ms, 50.0).unwrap_or(0.0)),
        "reduced_share": (1000.0 * reduced as f64 / samples.max(1) as f64).round() / 1000.0,
        "no_recording_samples": nothing,
        "samples": samples,
        "pictures_per_s": round(pictures as f64 / elapsed),
        "cpu_seconds": ((cpu_after - cpu_before) * 100.0).round() / 100.0,
        "seconds": round(elapsed),
    }))
}

/// The camera's tile shows the frame at `t_90k` (at or before it, less than a 15 fps frame away).
fn shows_frame_at(engine: &PlaybackEngine, camera: &str, t_90k: Time90k) -> bool {
    engine.tile(camera).and_then(|t| t.shown().0).is_some_and(|shown| shown <= t_90k && t_90k - shown < Duration90k(6_000))
}

/// `speeds`: played in turn (negative: backwards); `keep`: leave the recordings for the baseline.
pub fn run(
    clip_cache: &std::path::Path,
    cameras: usize,
    speeds: &[f64],
    seconds: f64,
    keep: bool,
    previews: bool,
) -> anyhow::Result<serde_json::Value> {
    let fastest = speeds.iter().fold(1.0f64, |m, s| m.max(s.abs()));
    // Enough recording for the fastest speed, with a minute to spare at each end.
    let minutes = ((fastest * seconds / 60.0).ceil() as u32 + 2).clamp(3, 60);
    let mut wall = super::scrub::wall_recordings(clip_cache, "playback", cameras, minutes, previews)?;
    let engine = PlaybackEngine::start(wall.dir.0.clone(), Arc::new(|| {}));
    let mut results = Vec::new();
    for speed in speeds {
        // Forward from a minute in; backwards from a minute before the end.
        let from = if *speed >= 0.0 {
            wall.start_90k + Duration90k::from_secs(60)
        } else {
            wall.start_90k + wall.span_90k - Duration90k::from_secs(60)
        };
        // Off the keyframes (2 s GOPs): a start mid-GOP.
        results.push(play(&engine, &wall.cameras, from + Duration90k::SECOND / 3, *speed, seconds)?);
    }
    let kept = keep.then(|| {
        let root = crate::record::recordings_root(&wall.dir.0).join("cam01");
        wall.dir.keep();
        root.display().to_string()
    });
    Ok(json!({
        "bench": "playback",
        "kept_recordings": kept,
        "recording": {"minutes": minutes, "resolution": "1920x1080", "fps": 25, "gop_s": 2, "preview": previews.then_some("640x360 15 fps")},
        "clip": {"path": wall.clip_path, "frames": wall.clip_frames},
        "cameras": wall.cameras.len(),
        "lanes": crate::playback::lanes(),
        "preview_above_cameras": crate::playback::PREVIEW_ABOVE_CAMERAS,
        "max_every_frame_speed": crate::playback::MAX_EVERY_FRAME_SPEED,
        "max_lag_ms": crate::playback::MAX_LAG_90K / 90,
        "targets": {"max_drift_ms": 2000, "p95_drift_ms_at_1x": 100},
        "speeds": results,
    }))
}
