//! `vigil bench record`: records N streams of a running simulator for a while into a temp data
//! dir (or `--data-dir`) with the real recorder, and reports CPU seconds of this process, bytes
//! and segments written, the index's size per camera-minute, and frames received vs expected.

use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::core::site::{Site, StreamProfile};
use crate::media::{Ingest, StreamKey, SupervisorPolicy};
use crate::record::{Recorder, RecorderConfig, RetentionPolicy};
use crate::store::Store;

pub struct RecordBench {
    /// The site whose first `cameras` cameras are recorded (ids only; URLs come from `url_base`).
    pub site: Site,
    pub cameras: usize,
    pub profile: StreamProfile,
    pub seconds: f64,
    pub url_base: String,
    /// Where to record; `None` = a fresh temp dir, removed afterwards.
    pub data_dir: Option<PathBuf>,
    pub segment_seconds: u64,
    pub index_open_ms: u64,
    pub previews: bool,
}

pub fn run(bench: &RecordBench) -> anyhow::Result<serde_json::Value> {
    let base = bench.url_base.trim_end_matches('/');
    let mut site = bench.site.clone();
    site.cameras.truncate(bench.cameras);
    for c in &mut site.cameras {
        c.main_url = format!("{base}/cam/{}/main", c.id);
        c.sub_url = Some(format!("{base}/cam/{}/sub", c.id));
        c.credential = None;
        c.enabled = true;
        c.record = Some(bench.profile);
    }
    site.credentials.clear();
    let temp = bench.data_dir.is_none();
    let dir = bench.data_dir.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("vigil-bench-record-{}", std::process::id())));
    if temp {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Store::open_dir(&dir).and_then(|mut s| s.replace_site(&site))?;

    let (cpu_start, _) = super::rusage::self_usage();
    let (ingest, _events) = Ingest::new(Arc::new(|| {}), SupervisorPolicy::default(), 4096)?;
    let ingest = Arc::new(ingest);
    let config = RecorderConfig {
        segment_target_ms: bench.segment_seconds.max(1) * 1000,
        index_open_ms: bench.index_open_ms,
        // Compared with a remux of the same 35 streams: the preview tracks (35 more streams) are
        // left out unless asked for.
        record_previews: bench.previews,
        retention: RetentionPolicy { quota_bytes: None, min_free_bytes: 0 },
        // Recording alone: picture analysis decodes the substreams (`vigil bench motion`).
        analyse_pictures: false,
        ..RecorderConfig::default()
    };
    let (recorder, events) = Recorder::start(&dir, &site, ingest.clone(), config)?;
    let drain = std::thread::Builder::new().name("bench-events".into()).spawn(move || events.into_iter().count());
    let started = Instant::now();
    // First access unit time per stream, sampled every 50 ms (expected frames count from there).
    let keys: Vec<StreamKey> = site.cameras.iter().map(|c| StreamKey::new(c.id.clone(), bench.profile)).collect();
    let mut first: Vec<Option<Instant>> = vec![None; keys.len()];
    let deadline = started + Duration::from_secs_f64(bench.seconds);
    while Instant::now() < deadline {
        for (i, k) in keys.iter().enumerate() {
            if first[i].is_none() && ingest.handle(k).is_some_and(|h| h.access_units_received() > 0) {
                first[i] = Some(Instant::now());
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let end = Instant::now();
    let handles: Vec<_> = keys.iter().filter_map(|k| ingest.handle(k)).collect();
    let received: u64 = handles.iter().map(|h| h.access_units_received()).sum();
    let tap_dropped: u64 = handles.iter().map(|h| h.tap_dropped()).sum();
    recorder.shutdown();
    ingest.shutdown();
    let (cpu_end, max_rss_mb) = super::rusage::self_usage();
    drop(drain);

    let fps = match bench.profile {
        StreamProfile::Main => 25.0,
        StreamProfile::Sub => 15.0,
    };
    let expected: f64 = first.iter().flatten().map(|t| (end - *t).as_secs_f64() * fps).sum();
    let store = Store::open_dir(&dir)?;
    let figures = store.index_figures()?;
    let mut frames_recorded = 0i64;
    let mut bytes = 0i64;
    let mut gaps = 0usize;
    for c in &site.cameras {
        let segs = store.segments_of_camera(&c.id)?;
        frames_recorded += segs.iter().map(|s| s.frames).sum::<i64>();
        bytes += segs.iter().map(|s| s.bytes).sum::<i64>();
        gaps += segs.windows(2).filter(|w| w[0].run_id == w[1].run_id && w[0].end_90k() != w[1].start_90k).count();
    }
    let camera_minutes = figures.recorded_90k.as_secs_f64() / 60.0;
    let (payload_bytes, page_bytes) = store.recording_index_bytes().context("dbstat")?;
    drop(store);
    if temp {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let per_min = |b: f64| if camera_minutes > 0.0 { round(b / camera_minutes) } else { 0.0 };
    Ok(json!({
        "bench": "record",
        "profile": bench.profile.as_str(),
        "cameras": site.cameras.len(),
        "streams_recorded": first.iter().filter(|f| f.is_some()).count(),
        "seconds": round(bench.seconds),
        "cpu_seconds": round(cpu_end - cpu_start),
        "max_rss_mb": round(max_rss_mb),
        "bytes_written": bytes,
        "index_open_ms": bench.index_open_ms,
        "previews": bench.previews,
        "segments": figures.segments,
        "index_bytes_per_camera_minute": per_min(payload_bytes as f64),
        "index_page_bytes_per_camera_minute": per_min(page_bytes as f64),
        "keyframe_index_and_path_bytes_per_camera_minute": per_min(figures.variable_bytes as f64),
        "frames_received": received,
        "frames_recorded": frames_recorded,
        "frames_expected": expected.round() as u64,
        "frames_dropped_by_recorder": tap_dropped,
        "gaps_within_runs": gaps,
        "elapsed_s": round(started.elapsed().as_secs_f64()),
    }))
}
