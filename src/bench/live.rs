//! `vigil bench live`: runs the ingest engine on N streams of a running simulator for a while and
//! reports frame rates, CPU seconds of this process, memory, drops, reconnects and latency.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::core::site::StreamProfile;
use crate::core::time::percentile;
use crate::media::{DecodeMode, Ingest, StreamKey, StreamSpec, SupervisorPolicy};

pub struct LiveBench {
    pub camera_ids: Vec<String>,
    pub profile: StreamProfile,
    pub seconds: f64,
    /// e.g. `rtsp://127.0.0.1:8554`; streams are `{url_base}/cam/{id}/{profile}`.
    pub url_base: String,
    pub mode: DecodeMode,
}

pub fn run(bench: &LiveBench) -> anyhow::Result<serde_json::Value> {
    let (cpu_start, _) = super::rusage::self_usage();
    let started = Instant::now();
    let wake: crate::media::WakeFn = Arc::new(|| {});
    let (ingest, _events) = Ingest::new(wake, SupervisorPolicy::default(), 1024)?;
    let base = bench.url_base.trim_end_matches('/');
    let handles: Vec<_> = bench
        .camera_ids
        .iter()
        .map(|id| {
            let mut spec = StreamSpec::new(StreamKey::new(id.clone(), bench.profile), format!("{base}/cam/{id}/{}", bench.profile));
            spec.mode = bench.mode;
            ingest.start(spec)
        })
        .collect();
    // First frame time and count per stream, sampled every 50 ms (the measured rate excludes the
    // connection set-up).
    let mut first: Vec<Option<(Instant, u64)>> = vec![None; handles.len()];
    let deadline = started + Duration::from_secs_f64(bench.seconds);
    while Instant::now() < deadline {
        for (i, h) in handles.iter().enumerate() {
            if first[i].is_none() {
                let n = h.counters.frames.load(Ordering::Relaxed);
                if n > 0 {
                    first[i] = Some((Instant::now(), n));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let end = Instant::now();
    let (cpu_end, max_rss_mb) = super::rusage::self_usage();
    let mut fps: Vec<f64> = Vec::new();
    let mut dropped = 0u64;
    let mut reconnects = 0u64;
    let mut latencies = Vec::new();
    for (i, h) in handles.iter().enumerate() {
        let n = h.counters.frames.load(Ordering::Relaxed);
        let rate = match first[i] {
            Some((t, n0)) if end > t => (n - n0) as f64 / (end - t).as_secs_f64(),
            _ => 0.0,
        };
        fps.push(rate);
        dropped += h.counters.dropped.load(Ordering::Relaxed);
        reconnects += h.stats().reconnects;
        latencies.extend(h.latency_samples_ms());
    }
    let decoders: std::collections::BTreeSet<String> = handles.iter().map(|h| h.stats().decoder).filter(|d| !d.is_empty()).collect();
    let live = handles.iter().filter(|h| h.counters.frames.load(Ordering::Relaxed) > 0).count();
    drop(handles);
    ingest.shutdown();
    let expected_fps = match bench.profile {
        StreamProfile::Main => 25.0,
        StreamProfile::Sub => 15.0,
    };
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let latency = if latencies.is_empty() {
        serde_json::Value::Null
    } else {
        json!({
            "p50": round(percentile(&latencies, 50.0).unwrap_or(0.0)),
            "p95": round(percentile(&latencies, 95.0).unwrap_or(0.0)),
            "samples": latencies.len(),
        })
    };
    Ok(json!({
        "bench": "live",
        "mode": match bench.mode { DecodeMode::Full => "full", DecodeMode::KeyframesOnly => "keyframe", DecodeMode::Paused => "paused" },
        "profile": bench.profile.as_str(),
        "streams": bench.camera_ids.len(),
        "streams_live": live,
        "seconds": round(bench.seconds),
        "fps_per_stream": {
            "min": round(if fps.is_empty() { 0.0 } else { fps.iter().copied().fold(f64::INFINITY, f64::min) }),
            "median": round(percentile(&fps, 50.0).unwrap_or(0.0)),
        },
        "expected_fps": expected_fps,
        "cpu_seconds": round(cpu_end - cpu_start),
        "max_rss_mb": round(max_rss_mb),
        "dropped_frames": dropped,
        "reconnects": reconnects,
        "latency_ms": latency,
        "decoders": decoders,
    }))
}
