//! `vigil bench timeline`: builds a synthetic index (N cameras × D days of one-minute segments,
//! with a few realistic outages) through the store's own API in a temp data dir, then times the
//! coverage query the timeline makes for a visible window — every camera's merged stretches — at
//! zoom levels from 1 hour to 30 days.

use std::time::Instant;

use serde_json::json;

use crate::core::time::percentile;

use crate::core::time::Duration90k;
use crate::store::Store;
use crate::store::recordings::NewSegment;

pub struct TimelineBench {
    pub cameras: usize,
    pub days: u32,
    /// Window positions per zoom level.
    pub queries: usize,
}

/// A small deterministic generator (xorshift) so every run builds the same index.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

pub fn run(bench: &TimelineBench) -> anyhow::Result<serde_json::Value> {
    let dir = std::env::temp_dir().join(format!("vigil-bench-timeline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = run_in(bench, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(bench: &TimelineBench, dir: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let store = Store::open_dir(dir)?;
    let minute = Duration90k::from_secs(60);
    let end_90k = crate::core::time::now_90k().floor_to(minute);
    let start_90k = end_90k - i64::from(bench.days) * 1440 * minute;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let built = Instant::now();
    let mut segments = 0u64;
    let blob = vec![0u8; 60]; // a 2 s GOP's keyframe index for one minute: ~30 entries × 2 bytes
    store.in_transaction(|s| {
        for cam in 0..bench.cameras {
            let camera_id = format!("cam{:02}", cam + 1);
            let mut run = s.begin_run(&camera_id, "main", start_90k)?;
            let mut seq = 0;
            let mut t = start_90k;
            while t < end_90k {
                // About one outage every 6 hours, 1–30 minutes long: a new run after it.
                if rng.next().is_multiple_of(360) {
                    s.end_run(run, t, "no video from the camera")?;
                    t += minute * (1 + (rng.next() % 30) as i64);
                    run = s.begin_run(&camera_id, "main", t)?;
                    seq = 0;
                    continue;
                }
                let path = format!("{camera_id}/x/{}_r{run}_s{seq}.mp4", t.0);
                s.insert_segment(&NewSegment {
                    run_id: run,
                    camera_id: &camera_id,
                    seq,
                    start_90k: t,
                    duration_90k: minute,
                    path: &path,
                    bytes: 21_000_000,
                    frames: 1500,
                    codec: "H264",
                    width: 1920,
                    height: 1080,
                    keyframe_index: &blob,
                })?;
                segments += 1;
                seq += 1;
                t += minute;
            }
            s.end_run(run, t, "bench")?;
        }
        Ok(())
    })?;
    let build_seconds = built.elapsed().as_secs_f64();

    let cameras: Vec<String> = (0..bench.cameras).map(|c| format!("cam{:02}", c + 1)).collect();
    let zooms: [(&str, i64); 6] =
        [("1h", 3600), ("6h", 6 * 3600), ("1d", 86_400), ("7d", 7 * 86_400), ("14d", 14 * 86_400), ("30d", 30 * 86_400)];
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let mut by_zoom = Vec::new();
    let mut worst = (0.0f64, 0.0f64, "");
    let mut stretches = 0usize;
    for (name, span_s) in zooms {
        let span = Duration90k::from_secs(span_s).min(end_90k - start_90k);
        let mut times = Vec::with_capacity(bench.queries);
        for _ in 0..bench.queries {
            let room = (end_90k - start_90k - span).0.max(1) as u64;
            let from = start_90k + Duration90k((rng.next() % room) as i64);
            let t = Instant::now();
            for c in &cameras {
                stretches += store.coverage(c, from, from + span)?.len();
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p95) = (percentile(&times, 50.0).unwrap_or(0.0), percentile(&times, 95.0).unwrap_or(0.0));
        if p95 > worst.1 {
            worst = (p50, p95, name);
        }
        by_zoom.push(json!({"window": name, "p50": round(p50), "p95": round(p95)}));
    }
    let db_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|x| std::fs::metadata(dir.join(format!("{}{x}", crate::store::DB_FILE_NAME))).ok())
        .map(|m| m.len())
        .sum();
    Ok(json!({
        "bench": "timeline",
        "cameras": bench.cameras,
        "days": bench.days,
        "segments": segments,
        "build_seconds": round(build_seconds),
        "db_mb": round(db_bytes as f64 / 1e6),
        "queries_per_zoom": bench.queries,
        "query_ms": {"p50": round(worst.0), "p95": round(worst.1), "worst_window": worst.2},
        "by_zoom": by_zoom,
        "stretches_returned": stretches,
    }))
}
