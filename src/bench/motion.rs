//! `vigil bench motion`: the picture analysis the alarm runner does (frozen, blank, motion after
//! the mask) on N substreams of a running simulator, five analysed frames a second each, as
//! `alarm::picture` does it. Reports the analysis thread's own CPU apart from decoding (target
//! ≤ 0.05 of a core for 35 cameras), the whole process's CPU (receiving and decoding every
//! substream fully, which a recorder-only process pays for analysis), and what was found (quiet
//! streets: no motion).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::alarm::picture::{ANALYSIS_INTERVAL, PictureWatch};
use crate::core::alarm::Fact;
use crate::core::site::StreamProfile;
use crate::core::time::now_90k;
use crate::media::analysis::MotionSettings;
use crate::media::{DecodeMode, Ingest, StreamKey, StreamSpec, SupervisorPolicy};

pub struct MotionBench {
    pub camera_ids: Vec<String>,
    pub seconds: f64,
    /// e.g. `rtsp://127.0.0.1:8554`; streams are `{url_base}/cam/{id}/sub`.
    pub url_base: String,
}

/// CPU seconds of the calling thread so far.
fn thread_cpu_seconds() -> f64 {
    // SAFETY: clock_gettime only writes into the struct we pass.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

#[derive(Default)]
struct Found {
    analysed: u64,
    motion_starts: u64,
    blank: u64,
    longest_unchanged_s: f64,
    analysis_cpu_s: f64,
    measured_s: f64,
}

pub fn run(bench: &MotionBench) -> anyhow::Result<serde_json::Value> {
    let (cpu_start, _) = super::rusage::self_usage();
    let (ingest, _events) = Ingest::new(std::sync::Arc::new(|| {}), SupervisorPolicy::default(), 1024)?;
    let base = bench.url_base.trim_end_matches('/');
    // The simulator's changing text is masked, as the demo town's rules do.
    let settings = MotionSettings { ignore: crate::media::simulate::osd_mask(), ..MotionSettings::default() };
    let mut watches: Vec<PictureWatch> = bench
        .camera_ids
        .iter()
        .map(|id| {
            let mut spec = StreamSpec::new(StreamKey::new(id.clone(), StreamProfile::Sub), format!("{base}/cam/{id}/sub"));
            spec.mode = DecodeMode::Paused;
            PictureWatch::new(id.clone(), ingest.start(spec), settings.clone())
        })
        .collect();
    let handles = ingest.handles();
    // Warm-up: until every stream decodes (or 10 s), not measured.
    let warm_until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < warm_until && handles.iter().any(|h| h.slot.seq() == 0) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let seconds = bench.seconds.max(1.0);
    let analysis = std::thread::Builder::new().name("bench-analysis".into()).spawn(move || {
        let mut found = Found::default();
        let cpu0 = thread_cpu_seconds();
        let started = Instant::now();
        let mut next = started;
        while started.elapsed().as_secs_f64() < seconds {
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
            next += ANALYSIS_INTERVAL;
            let now = now_90k();
            for w in &mut watches {
                for fact in w.poll(now).facts {
                    match fact {
                        Fact::Picture { unchanged_for, blank, .. } => {
                            found.analysed += 1;
                            found.blank += u64::from(blank);
                            found.longest_unchanged_s = found.longest_unchanged_s.max(unchanged_for.as_secs_f64());
                        }
                        Fact::Motion { active: true, .. } => found.motion_starts += 1,
                        _ => {}
                    }
                }
            }
        }
        found.analysis_cpu_s = thread_cpu_seconds() - cpu0;
        found.measured_s = started.elapsed().as_secs_f64();
        drop(watches);
        found
    })?;
    let found = analysis.join().map_err(|_| anyhow::anyhow!("the analysis thread panicked"))?;
    let (cpu_end, max_rss_mb) = super::rusage::self_usage();
    let live = handles.iter().filter(|h| h.slot.seq() > 0).count();
    let decoded: u64 = handles.iter().map(|h| h.stats().frames_decoded).sum();
    drop(handles);
    ingest.shutdown();
    let streams = bench.camera_ids.len().max(1) as f64;
    let round = |v: f64, d: i32| (v * 10f64.powi(d)).round() / 10f64.powi(d);
    Ok(json!({
        "bench": "motion",
        "streams": bench.camera_ids.len(),
        "streams_live": live,
        "seconds": round(found.measured_s, 2),
        "analysed_fps_per_stream": round(found.analysed as f64 / found.measured_s.max(1e-9) / streams, 2),
        "analysis_cpu_seconds": round(found.analysis_cpu_s, 3),
        "analysis_cores": round(found.analysis_cpu_s / found.measured_s.max(1e-9), 4),
        "analysis_ms_per_frame": round(found.analysis_cpu_s * 1000.0 / (found.analysed.max(1) as f64), 3),
        "process_cpu_seconds": round(cpu_end - cpu_start, 2),
        "decoded_frames": decoded,
        "max_rss_mb": round(max_rss_mb, 1),
        "motion_starts": found.motion_starts,
        "blank_frames": found.blank,
        "longest_unchanged_s": round(found.longest_unchanged_s, 2),
    }))
}
