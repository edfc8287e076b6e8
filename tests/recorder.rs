//! The recorder against the real simulator, real files and a real SQLite index: segments on disk
//! that other tools play, durations that match ffprobe, runs split by an outage, `kill -9`
//! recovery, retention with a simulated clock, a full disk (a real tmpfs), damaged files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use vigil::core::site::{Site, StreamProfile};
use vigil::core::time::{Duration90k, Time90k};
use vigil::media::{CodecConfig, DecodeMode, StreamKey, VideoCodec};
use vigil::record::fmp4::{Sample, SegmentWriter};
use vigil::record::retention::{RetentionPolicy, run_pass};
use vigil::record::{RecordEvent, Recorder, RecorderConfig, recordings_root};
use vigil::store::Store;
use vigil::store::recordings::{NewSegment, SegmentState};

/// A second and a 25 fps frame of the 90 kHz clock.
const S: Duration90k = Duration90k::SECOND;
const F: Duration90k = Duration90k(3_600);

const T: Duration = Duration::from_secs(60);

fn site(cameras: &[&str]) -> Site {
    common::site_of(cameras)
}

fn data_dir_with(site: &Site) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    Store::open_dir(dir.path()).unwrap().replace_site(site).unwrap();
    dir
}

fn fast_config(segment_s: u64) -> RecorderConfig {
    RecorderConfig {
        segment_target_ms: segment_s * 1000,
        idle_end_ms: 1500,
        housekeeping_interval: Duration::from_millis(200),
        // These tests are about the recordings themselves; previews and picture analysis have
        // tests of their own (the analysis decodes every substream: CPU the CI machine lacks).
        record_previews: false,
        analyse_pictures: false,
        ..RecorderConfig::default()
    }
}

fn wait_record_event(events: &Receiver<RecordEvent>, what: &str, mut f: impl FnMut(&RecordEvent) -> bool) -> RecordEvent {
    let deadline = Instant::now() + T;
    let mut seen = Vec::new();
    loop {
        match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(e) if f(&e) => return e,
            Ok(e) => seen.push(e),
            Err(_) => panic!("timed out waiting for {what}; saw {seen:#?}"),
        }
    }
}

/// Waits until `done` holds for the number of segments indexed per camera (track) so far;
/// returns the camera of every segment indexed meanwhile, in order.
fn wait_segments(
    events: &Receiver<RecordEvent>,
    what: &str,
    done: impl Fn(&std::collections::HashMap<String, usize>) -> bool,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut counts = std::collections::HashMap::<String, usize>::new();
    wait_record_event(events, what, |e| {
        if let RecordEvent::SegmentIndexed { camera_id, .. } = e {
            seen.push(camera_id.clone());
            *counts.entry(camera_id.clone()).or_default() += 1;
        }
        done(&counts)
    });
    seen
}

/// Frames ffprobe finds, and the span from the first packet's pts to the end of the last one, s.
fn ffprobe_packets(path: &Path) -> (usize, f64) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe runs (install ffmpeg)");
    assert!(out.status.success(), "ffprobe failed on {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let packets: Vec<(f64, f64)> = text
        .lines()
        .filter_map(|l| {
            let mut p = l.split(',');
            Some((p.next()?.parse().ok()?, p.next()?.parse().ok()?))
        })
        .collect();
    assert!(!packets.is_empty(), "no packets in {}", path.display());
    let first = packets.iter().map(|p| p.0).fold(f64::MAX, f64::min);
    let end = packets.iter().map(|p| p.0 + p.1).fold(f64::MIN, f64::max);
    (packets.len(), end - first)
}

/// `ffmpeg -v error -i FILE -f null -` prints nothing for a sound file.
fn ffmpeg_errors(path: &Path) -> String {
    let out = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(path).args(["-f", "null", "-"]).output().expect("ffmpeg runs");
    format!("{}{}", String::from_utf8_lossy(&out.stderr), if out.status.success() { "" } else { " (exit failure)" })
}

#[test]
fn recorded_segments_play_match_ffprobe_and_butt_together() {
    let site = site(&["cam-a", "cam-b"]);
    let dir = data_dir_with(&site);
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let ingest = Arc::new(ingest);
    let (recorder, events) = Recorder::start(dir.path(), &site, ingest.clone(), fast_config(3)).unwrap();
    wait_segments(&events, "three segments of each camera", |n| n.len() == 2 && n.values().all(|n| *n >= 3));
    // Recording alone decodes nothing: the streams it opened stay paused.
    assert_eq!(ingest.handle(&StreamKey::new("cam-a", StreamProfile::Main)).unwrap().mode(), DecodeMode::Paused);
    let status = recorder.status();
    assert!(status.cameras.iter().all(|c| c.recording && c.bytes_today > 0), "{status:#?}");
    recorder.shutdown();

    let store = Store::open_dir(dir.path()).unwrap();
    let root = recordings_root(dir.path());
    for (cam, codec) in [("cam-a", "H264"), ("cam-b", "H265")] {
        let segs = store.segments_of_camera(cam).unwrap();
        assert!(segs.len() >= 3, "{cam}: {} segments", segs.len());
        for s in &segs {
            let path = root.join(&s.path);
            assert!(path.is_file(), "{}", path.display());
            assert_eq!(s.bytes as u64, std::fs::metadata(&path).unwrap().len());
            assert_eq!(s.state, SegmentState::Ok, "shutdown finishes the open segment");
            assert_eq!((s.codec.as_str(), s.width, s.height), (codec, 1920, 1080));
            assert_eq!(ffmpeg_errors(&path), "", "{} must decode cleanly", s.path);
            let (frames, span_s) = ffprobe_packets(&path);
            assert_eq!(frames as i64, s.frames, "{}", s.path);
            let indexed_s = s.duration_90k.as_secs_f64();
            assert!((span_s - indexed_s).abs() <= 0.04 + 1e-6, "{}: ffprobe {span_s:.4} s vs index {indexed_s:.4} s", s.path);
            // 25 fps, cut at 2 s keyframes, between half and 1.5x the 3 s target (the last may be short).
            assert!(s.keyframe_index.len() >= 2, "a keyframe index entry per GOP");
        }
        // One run; adjacent segments butt together exactly.
        let runs = store.runs_of_camera(cam).unwrap();
        assert_eq!(runs.len(), 1, "{cam}: {runs:#?}");
        for pair in segs.windows(2) {
            assert_eq!(pair[0].end_90k(), pair[1].start_90k, "{cam}: gap or overlap between {} and {}", pair[0].path, pair[1].path);
            assert_eq!(pair[0].seq + 1, pair[1].seq);
        }
        assert_eq!(runs[0].end_90k, Some(segs.last().unwrap().end_90k()));
        // Keyframe lookup lands inside the segment, on a fragment.
        let mid = segs[1].start_90k + segs[1].duration_90k / 2;
        let (seg, key) = store.keyframe_at_or_before(cam, mid).unwrap().unwrap();
        assert_eq!(seg.id, segs[1].id);
        assert!(key.at_90k <= mid && key.at_90k >= seg.start_90k);
        let bytes = std::fs::read(root.join(&seg.path)).unwrap();
        assert_eq!(&bytes[key.offset as usize + 4..key.offset as usize + 8], b"moof");
    }
    // The segments' wall-clock times are recent (the recorder's clock, not stream time).
    let now_90k = vigil::core::time::now_90k();
    let first = &store.segments_of_camera("cam-a").unwrap()[0];
    assert!((now_90k - first.start_90k) < 120 * S && first.start_90k < now_90k);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn a_camera_that_goes_offline_gives_two_runs_with_the_gap_between() {
    let sim = common::simulator();
    let site = site(&["cam-d"]);
    let dir = data_dir_with(&site);
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), fast_config(3)).unwrap();
    wait_record_event(&events, "a first segment", |e| matches!(e, RecordEvent::SegmentIndexed { .. }));
    let off_90k = vigil::core::time::now_90k();
    sim.set_offline("cam-d", true).unwrap();
    let ended = wait_record_event(&events, "the run to end", |e| matches!(e, RecordEvent::RunEnded { .. }));
    // Wait until the outage has lasted at least 3 s, measured on the recorder's own clock: the
    // run-ended event comes ~1.5 s after the last frame; wait for one more end-of-idle status.
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        // The recorder must not start a run while the camera is away.
        if let Ok(e) = events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            assert!(!matches!(e, RecordEvent::RunStarted { .. }), "a run started while offline: {e:?}");
        }
    }
    let on_90k = vigil::core::time::now_90k();
    sim.set_offline("cam-d", false).unwrap();
    let started = wait_record_event(&events, "a second run", |e| matches!(e, RecordEvent::RunStarted { .. }));
    wait_record_event(&events, "a segment of the second run", |e| matches!(e, RecordEvent::SegmentIndexed { .. }));
    recorder.shutdown();

    let (RecordEvent::RunEnded { end_90k, .. }, RecordEvent::RunStarted { start_90k, .. }) = (ended, started) else { unreachable!() };
    let store = Store::open_dir(dir.path()).unwrap();
    let runs = store.runs_of_camera("cam-d").unwrap();
    assert_eq!(runs.len(), 2, "{runs:#?}");
    assert_eq!(runs[0].end_90k, Some(end_90k));
    assert_eq!(runs[1].start_90k, start_90k);
    // The first run ends near the moment the camera went away (last frame before it) …
    assert!((end_90k - off_90k).abs() < S, "run 1 ends {} s from the outage", (end_90k - off_90k).as_secs_f64());
    // … the second starts after it came back, and the gap covers the whole outage.
    assert!(start_90k >= on_90k - S / 4, "run 2 starts before the camera was back");
    let gap_s = (start_90k - end_90k).as_secs_f64();
    let outage_s = (on_90k - off_90k).as_secs_f64();
    assert!(gap_s >= outage_s - 1.0 && gap_s < outage_s + 10.0, "gap {gap_s:.2} s for an outage of {outage_s:.2} s");
    let cov = store.coverage("cam-d", runs[0].start_90k - S, start_90k + 60 * S).unwrap();
    assert_eq!(cov.len(), 2, "the timeline shows the gap: {cov:?}");
    assert_eq!(cov[0].end_90k, end_90k);
}

#[test]
fn recording_shares_the_live_views_rtsp_session() {
    let site = site(&["cam-f"]);
    let dir = data_dir_with(&site);
    let (ingest, _ev, wakes) = common::engine(common::fast_policy());
    let ingest = Arc::new(ingest);
    let mut spec = vigil::media::StreamSpec::for_camera(&site, "cam-f", StreamProfile::Main).unwrap();
    spec.mode = DecodeMode::Full;
    let live = ingest.start(spec);
    let (recorder, events) = Recorder::start(dir.path(), &site, ingest.clone(), fast_config(3)).unwrap();
    wait_record_event(&events, "a segment", |e| matches!(e, RecordEvent::SegmentIndexed { .. }));
    wakes.until(T, "decoded frames while recording", || live.slot.seq() > 10);
    assert_eq!(ingest.handles().len(), 1, "one stream (one RTSP session) for live view and recording");
    assert_eq!(live.mode(), DecodeMode::Full, "the recorder leaves the live view's decode mode alone");
    recorder.shutdown();
    assert!(ingest.handle(&StreamKey::new("cam-f", StreamProfile::Main)).is_some(), "stopping the recorder keeps the live view's stream");
    assert!(!live.is_recorded());
}

fn vigil_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vigil"))
}

/// `vigil record --events` as a child; its stdout lines are JSON events.
fn spawn_recorder(dir: &Path, extra: &[&str]) -> (Child, Receiver<RecordEvent>) {
    let mut child = Command::new(vigil_bin())
        .args(["record", "--events", "--segment-seconds", "3", "--min-free-gb", "0", "--data-dir"])
        .arg(dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::sync_channel(1024);
    std::thread::Builder::new()
        .name("recorder-events".into())
        .spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(e) = serde_json::from_str::<RecordEvent>(&line) {
                    let _ = tx.send(e);
                }
            }
        })
        .unwrap();
    (child, rx)
}

/// Waits for a condition that has no event (a file growing on disk), checking every 50 ms.
fn poll_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + T;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn kill_9_mid_segment_loses_at_most_two_seconds_and_the_index_stays_sound() {
    let site = site(&["cam-e"]);
    let dir = data_dir_with(&site);
    let (mut child, events) = spawn_recorder(dir.path(), &[]);
    let mut open_path = None;
    let mut n = 0;
    wait_record_event(&events, "two segments", |e| {
        if let RecordEvent::SegmentIndexed { .. } = e {
            n += 1;
        }
        n >= 2
    });
    // Only one recorder per data dir.
    let second = Command::new(vigil_bin()).args(["record", "--for-seconds", "1", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already being recorded"), "{}", String::from_utf8_lossy(&second.stderr));

    // Kill in the middle of the open segment, once it holds a few fragments.
    let root = recordings_root(dir.path());
    let store = Store::open_dir(dir.path()).unwrap();
    // The segment being written is indexed as it grows ("open"); a crash leaves that row open.
    poll_until("the open segment to hold at least 1 s of fragments", || {
        open_path = store.segments_of_camera("cam-e").unwrap().into_iter().find(|s| s.state == SegmentState::Open).map(|s| s.path);
        open_path.as_ref().is_some_and(|p| std::fs::metadata(root.join(p)).map(|m| m.len() > 400_000).unwrap_or(false))
    });
    let kill_90k = vigil::core::time::now_90k();
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGKILL) }, 0);
    let _ = child.wait();
    drop(store);

    // Restart: reconciliation indexes the segment that was open. Then SIGTERM: the new run's
    // open segment is finished and indexed before the process exits.
    let (mut child, events) = spawn_recorder(dir.path(), &[]);
    wait_record_event(&events, "recording to resume", |e| matches!(e, RecordEvent::RunStarted { .. }));
    let status = Command::new(vigil_bin()).args(["record", "--status", "--json", "--data-dir"]).arg(dir.path()).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("--status --json prints JSON");
    assert_eq!(status["recorder_pid"].as_u64(), Some(u64::from(child.id())), "{status}");
    assert!(status["cameras"][0]["oldest_start_90k"].as_i64().is_some(), "{status}");
    poll_until("the restarted recorder to index a growing segment", || {
        let segs = Store::open_dir(dir.path()).unwrap().segments_of_camera("cam-e").unwrap();
        segs.iter().any(|s| s.state == SegmentState::Open && Some(&s.path) != open_path.as_ref() && s.bytes > 100_000)
    });
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert!(child.wait().unwrap().success(), "SIGTERM ends `vigil record` cleanly");
    drop(events);
    let store = Store::open_dir(dir.path()).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let segs = store.segments_of_camera("cam-e").unwrap();
    let open_path = open_path.unwrap();
    let recovered = segs.iter().find(|s| s.path == open_path).expect("the open segment was indexed after the crash");
    let lost_s = (kill_90k - recovered.end_90k()).as_secs_f64();
    assert!(lost_s <= 2.0, "lost {lost_s:.2} s before the kill");
    for pair in segs.windows(2) {
        assert!(pair[0].end_90k() <= pair[1].start_90k, "the restarted recorder's segments never overlap the recovered ones");
    }
    for s in &segs {
        assert_eq!(s.state, SegmentState::Ok);
        assert_eq!(ffmpeg_errors(&root.join(&s.path)), "", "{} must play", s.path);
        let (frames, span_s) = ffprobe_packets(&root.join(&s.path));
        assert_eq!(frames as i64, s.frames);
        assert!((span_s - s.duration_90k.as_secs_f64()).abs() <= 0.04 + 1e-6);
    }
    // The status written at stop counts today's bytes once: what the files hold.
    let status = vigil::record::status::read_status_file(dir.path()).expect("a status file at stop");
    let today_90k = vigil::record::status::local_midnight_90k(chrono_tz::Asia::Ho_Chi_Minh);
    let on_disk: u64 = segs.iter().filter(|s| s.start_90k >= today_90k).map(|s| std::fs::metadata(root.join(&s.path)).unwrap().len()).sum();
    assert_eq!(status.cameras[0].bytes_today, on_disk, "bytes_today against the files");
    let runs = store.runs_of_camera("cam-e").unwrap();
    assert!(runs.iter().all(|r| r.end_90k.is_some()), "no run is left open: {runs:#?}");
    assert_eq!(runs.last().unwrap().end_reason.as_deref(), Some("recorder stopped"), "{runs:#?}");
    let indexed: Vec<String> = segs.iter().map(|s| s.path.clone()).collect();
    let mut on_disk: Vec<String> = walk_mp4(&root).into_iter().filter(|p| p.starts_with("cam-e/")).collect();
    on_disk.sort();
    let mut indexed_sorted = indexed.clone();
    indexed_sorted.sort();
    assert_eq!(on_disk, indexed_sorted, "after SIGTERM every file on disk is indexed");
}

fn walk_mp4(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "mp4") {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

/// A real segment file of `frames` fake frames (not decodable, but a valid container).
fn fake_segment(root: &Path, rel: &str, frames: u32) -> u64 {
    let config = CodecConfig { codec: VideoCodec::H264, codec_data: AVCC.to_vec(), width: 1920, height: 1080 };
    let mut w = SegmentWriter::create(&root.join(rel), &config, 0, 45_000).unwrap();
    for i in 0..frames {
        w.push(Sample { duration_90k: 3600, cts_offset_90k: 0, keyframe: i % 50 == 0, data: Box::new(vec![7u8; 2000]) }).unwrap();
    }
    w.finish().unwrap().bytes
}

const AVCC: &[u8] = &[
    0x01, 0x64, 0x00, 0x28, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00,
    0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x60, 0x01, 0x00, 0x04, 0x68, 0xeb, 0xe3, 0xcb, 0xfd, 0xf8, 0xf8, 0x00,
];

/// Indexes `n` one-minute segments per camera from `t0` on, each a real file.
fn fake_recordings(store: &Store, root: &Path, cameras: &[&str], t0: Time90k, n: i64) -> i64 {
    let mut total = 0;
    for cam in cameras {
        let run = store.begin_run(cam, "main", t0).unwrap();
        for i in 0..n {
            let start = t0 + i * 60 * S;
            let rel = format!("{cam}/day/{}_r{run}_s{i}.mp4", start.0);
            let bytes = fake_segment(root, &rel, 50) as i64;
            total += bytes;
            store
                .insert_segment(&NewSegment {
                    run_id: run,
                    camera_id: cam,
                    seq: i,
                    start_90k: start,
                    duration_90k: 60 * S,
                    path: &rel,
                    bytes,
                    frames: 50,
                    codec: "H264",
                    width: 1920,
                    height: 1080,
                    keyframe_index: &[],
                })
                .unwrap();
        }
        store.end_run(run, t0 + n * 60 * S, "test").unwrap();
    }
    total
}

#[test]
fn retention_deletes_oldest_by_age_and_quota_but_never_a_locked_range() {
    let dir = tempfile::tempdir().unwrap();
    let root = recordings_root(dir.path());
    let store = Store::open_dir(dir.path()).unwrap();
    let day = Duration90k::from_secs(86_400);
    let t0 = Time90k::from_unix_secs(1_800_000_000);
    fake_recordings(&store, &root, &["cam01", "cam02"], t0, 10);
    // Evidence: cam01's minutes 2–3 are locked.
    store.add_lock(Some("cam01"), t0 + 2 * 60 * S + Duration90k(1), t0 + 4 * 60 * S - Duration90k(1), "Trộm xe máy chợ trung tâm").unwrap();
    let store = std::sync::Mutex::new(store);
    let no_free_limit = || None;

    // Age: cam01 keeps 30 days; at t0 + 30 days + 5 min its first 5 minutes are due.
    let cameras = vec![("cam01".to_string(), Some(30)), ("cam02".to_string(), None)];
    let now = t0 + 30 * day + 5 * 60 * S;
    let out = run_pass(&store, &root, &cameras, &RetentionPolicy::default(), now, &no_free_limit, 100).unwrap();
    let names = |v: &[String]| v.iter().map(|p| p.rsplit('_').next().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&out.deleted), ["s0.mp4", "s1.mp4", "s4.mp4"], "minutes 2-3 are locked");
    assert!(out.blocked_by_locks);
    for p in &out.deleted {
        assert!(!root.join(p).exists(), "{p} is gone from disk");
    }
    let left = store.lock().unwrap().segments_of_camera("cam01").unwrap();
    assert_eq!(left.len(), 7);
    assert!(store.lock().unwrap().segments_of_camera("cam02").unwrap().len() == 10, "cam02 has no age limit");

    // Quota: keep about 8 segments' worth; the oldest unlocked go first, across cameras.
    let seg_bytes = left[0].bytes as u64;
    let policy = RetentionPolicy { quota_bytes: Some(seg_bytes * 8), min_free_bytes: 0 };
    let out = run_pass(&store, &root, &cameras, &policy, t0, &no_free_limit, 100).unwrap();
    let s = store.lock().unwrap();
    assert!(s.recorded_bytes().unwrap() as u64 <= seg_bytes * 8);
    assert_eq!(out.deleted.len(), 17 - 8);
    let early: Vec<&str> = out.aged_out_early.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(early, ["cam01"], "the quota took footage cam01 promised to keep 30 days; cam02 promised nothing");
    let kept1: Vec<i64> = s.segments_of_camera("cam01").unwrap().iter().map(|x| x.seq).collect();
    assert!(kept1.contains(&2) && kept1.contains(&3), "locked minutes survive the quota: {kept1:?}");
    // Oldest first: cam02's first minutes went before its last.
    let kept2: Vec<i64> = s.segments_of_camera("cam02").unwrap().iter().map(|x| x.seq).collect();
    assert!(kept2.windows(2).all(|w| w[0] < w[1]) && kept2.last() == Some(&9), "{kept2:?}");
    drop(s);

    // Free-space floor with nothing deletable but locked segments: reported, not forced.
    let policy = RetentionPolicy { quota_bytes: Some(0), min_free_bytes: 0 };
    run_pass(&store, &root, &[], &policy, t0, &no_free_limit, 100).unwrap();
    let always_short = || Some(0u64);
    let out =
        run_pass(&store, &root, &[], &RetentionPolicy { quota_bytes: None, min_free_bytes: 1 << 30 }, t0, &always_short, 100).unwrap();
    assert!(out.space_short && out.blocked_by_locks, "{out:?}");
    let kept: Vec<i64> = store.lock().unwrap().segments_of_camera("cam01").unwrap().iter().map(|x| x.seq).collect();
    assert_eq!(kept, [2, 3]);
}

#[test]
fn a_crash_between_mark_and_unlink_is_finished_and_damaged_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = recordings_root(dir.path());
    let store = Store::open_dir(dir.path()).unwrap();
    let t0 = Time90k::from_unix_secs(1_800_000_000);
    fake_recordings(&store, &root, &["cam01"], t0, 4);
    let segs = store.segments_of_camera("cam01").unwrap();
    // s0: marked for deletion when the process died; s1: its file vanished; s2: truncated.
    store.set_segment_state(segs[0].id, SegmentState::Deleting).unwrap();
    std::fs::remove_file(root.join(&segs[1].path)).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(root.join(&segs[2].path)).unwrap();
    f.set_len(segs[2].bytes as u64 / 2).unwrap();
    drop(f);
    // An unreadable orphan and an orphan from a crash (complete fragments + a torn tail).
    std::fs::create_dir_all(root.join("cam01/day")).unwrap();
    std::fs::write(root.join("cam01/day/123_r1_s9.mp4"), b"garbage, not a segment").unwrap();
    let orphan_start = t0 + 10 * 60 * S;
    let orphan = format!("cam01/day/{}_r1_s10.mp4", orphan_start.0);
    let good = fake_segment(&root, &orphan, 100);
    let mut f = std::fs::OpenOptions::new().append(true).open(root.join(&orphan)).unwrap();
    std::io::Write::write_all(&mut f, &[0, 0, 9, 0, b'm', b'o', b'o', b'f', 0, 0]).unwrap();
    drop(f);

    let report = vigil::record::reconcile::reconcile(&store, &root).unwrap();
    assert_eq!(report.finished_deletions, 1);
    assert!(!root.join(&segs[0].path).exists());
    assert_eq!(report.vanished, vec![segs[1].path.clone()]);
    assert_eq!(report.damaged.len(), 1);
    assert!(report.damaged[0].starts_with(&segs[2].path) && report.damaged[0].contains("bytes"), "{:?}", report.damaged);
    assert_eq!(report.quarantined.len(), 1, "{:?}", report.quarantined);
    assert!(report.quarantined[0].1.contains("not a Vigil segment"), "{:?}", report.quarantined);
    assert!(root.join("quarantine").read_dir().unwrap().count() == 1);
    assert_eq!(report.recovered, vec![(orphan.clone(), true)]);
    assert_eq!(std::fs::metadata(root.join(&orphan)).unwrap().len(), good, "the torn tail was cut");

    // The rest of the index stays usable.
    let now = store.segments_of_camera("cam01").unwrap();
    let states: Vec<_> = now.iter().map(|s| (s.seq, s.state)).collect();
    assert_eq!(states, [(2, SegmentState::Damaged), (3, SegmentState::Ok), (10, SegmentState::Ok)]);
    assert_eq!(store.segment_at("cam01", t0 + 3 * 60 * S + Duration90k(5)).unwrap().unwrap().seq, 3);
    assert_eq!(store.coverage("cam01", t0, t0 + 20 * 60 * S).unwrap().len(), 2);
    let r = store.segments_of_camera("cam01").unwrap().into_iter().find(|s| s.seq == 10).unwrap();
    assert_eq!((r.frames, r.duration_90k), (100, 100 * F));
    // The full check names the damaged file.
    let problems = vigil::record::reconcile::verify_all(&store, &root).unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].0, segs[2].path);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

/// The disk-full test runs inside its own user+mount namespace, on a real 24 MB tmpfs.
const IN_NAMESPACE: &str = "VIGIL_TEST_IN_MOUNT_NAMESPACE";

#[test]
fn a_full_disk_stops_recording_cleanly_and_it_resumes_when_space_returns() {
    if std::env::var_os(IN_NAMESPACE).is_none() {
        let probe = Command::new("unshare").args(["-rm", "true"]).status();
        if !probe.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: this machine does not allow `unshare -rm` (user + mount namespaces), so no private tmpfs");
            return;
        }
        let me = std::env::current_exe().unwrap();
        let status = Command::new("unshare")
            .args(["-rm", "--"])
            .arg(me)
            .args(["--exact", "a_full_disk_stops_recording_cleanly_and_it_resumes_when_space_returns", "--nocapture"])
            .env(IN_NAMESPACE, "1")
            .status()
            .unwrap();
        assert!(status.success(), "the disk-full test failed inside its namespace");
        return;
    }
    let mount = tempfile::tempdir().unwrap();
    let ok = Command::new("mount").args(["-t", "tmpfs", "-o", "size=24m", "tmpfs"]).arg(mount.path()).status().unwrap();
    assert!(ok.success(), "mount tmpfs");
    let site = site(&["cam-a"]);
    let data = mount.path().join("data");
    Store::open_dir(&data).unwrap().replace_site(&site).unwrap();
    // Fill most of the disk with something retention may not delete.
    let filler = mount.path().join("filler.bin");
    std::fs::write(&filler, vec![0u8; 19 << 20]).unwrap();

    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let config = RecorderConfig { retention: RetentionPolicy { quota_bytes: None, min_free_bytes: 0 }, ..fast_config(2) };
    let (recorder, events) = Recorder::start(&data, &site, Arc::new(ingest), config).unwrap();
    let full = wait_record_event(&events, "disk full", |e| matches!(e, RecordEvent::DiskFull { .. }));
    let RecordEvent::DiskFull { message } = full else { unreachable!() };
    assert!(message.contains("No space left") || message.contains("disk full"), "{message}");
    wait_record_event(&events, "the run to end", |e| matches!(e, RecordEvent::RunEnded { reason, .. } if reason == "disk full"));
    let st = recorder.status();
    assert!(!st.cameras[0].recording && st.cameras[0].reason.as_deref() == Some("disk full") && st.disk_full, "{st:#?}");
    {
        let store = Store::open_dir(&data).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok");
        // What was indexed plays: the segment cut short by the full disk was kept up to its last fragment.
        for s in store.segments_of_camera("cam-a").unwrap() {
            assert_eq!(ffmpeg_errors(&recordings_root(&data).join(&s.path)), "", "{}", s.path);
        }
    }
    // Space comes back.
    std::fs::remove_file(&filler).unwrap();
    wait_record_event(&events, "space recovered", |e| matches!(e, RecordEvent::SpaceRecovered));
    wait_record_event(&events, "a new run", |e| matches!(e, RecordEvent::RunStarted { .. }));
    wait_record_event(&events, "a new segment", |e| matches!(e, RecordEvent::SegmentIndexed { .. }));
    // The duty officer hears of it: a recording alarm for the disk, stored once space was back
    // (the full disk refused it), and cleared.
    let store = Store::open_dir(&data).unwrap();
    poll_until("the disk-full alarm, cleared", || {
        store.alarms(vigil::store::alarms::AlarmFilter::All, 10).unwrap().iter().any(|r| {
            r.alarm.kind == vigil::core::alarm::AlarmKind::Recording
                && r.alarm.subject == "disk_full"
                && r.alarm.camera.is_none()
                && r.alarm.cleared_at.is_some()
        })
    });
    recorder.shutdown();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let runs = store.runs_of_camera("cam-a").unwrap();
    assert!(runs.len() >= 2 && runs[0].end_reason.as_deref() == Some("disk full"), "{runs:#?}");
    drop(store);
    let _ = Command::new("umount").arg(mount.path()).status();
}

#[test]
fn a_recorded_stream_is_never_stopped_as_unused() {
    let sim = common::simulator();
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let key = StreamKey::new("cam-f", StreamProfile::Sub);
    let live = ingest.start(vigil::media::StreamSpec::new(key.clone(), sim.url("cam-f", StreamProfile::Sub)));
    let (tx, _rx) = std::sync::mpsc::sync_channel(16);
    let (joined, opened) = ingest.start_recorded(vigil::media::StreamSpec::new(key.clone(), sim.url("cam-f", StreamProfile::Sub)), tx);
    assert!(!opened && Arc::ptr_eq(&live, &joined), "the recorder joins the running stream");
    assert!(joined.is_recorded());
    assert!(!ingest.stop_unless_recorded(&key), "a recorded stream stays");
    assert!(ingest.handle(&key).is_some());
    joined.clear_record_tap();
    assert!(ingest.stop_unless_recorded(&key));
    assert!(ingest.handle(&key).is_none());
}

#[test]
fn a_camera_that_cannot_be_reached_says_why_it_is_not_recorded() {
    let mut site = site(&["cam-a", "cam-x"]);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    site.cameras[1].main_url = format!("rtsp://127.0.0.1:{closed}/nothing-here");
    let dir = data_dir_with(&site);
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), fast_config(3)).unwrap();
    wait_record_event(
        &events,
        "the reachable camera to record",
        |e| matches!(e, RecordEvent::RunStarted { camera_id, .. } if camera_id == "cam-a"),
    );
    // The dead camera's stream reports "connection refused"; the recorder's status says so
    // instead of "connecting" forever.
    poll_until("the dead camera's reason", || {
        recorder
            .status()
            .cameras
            .iter()
            .any(|c| c.camera_id == "cam-x" && c.reason.as_deref() == Some("camera offline: connection refused"))
    });
    let status = recorder.status();
    let a = status.cameras.iter().find(|c| c.camera_id == "cam-a").unwrap();
    assert!(a.recording && a.reason.is_none(), "{a:?}");
    recorder.shutdown();
}

#[test]
fn a_main_recording_gets_a_preview_track_from_the_substream() {
    use vigil::record::preview_track;
    let site = site(&["cam-d"]);
    let dir = data_dir_with(&site);
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let ingest = Arc::new(ingest);
    let config = RecorderConfig { record_previews: true, ..fast_config(3) };
    let (recorder, events) = Recorder::start(dir.path(), &site, ingest.clone(), config).unwrap();
    let preview = preview_track("cam-d");
    wait_segments(&events, "a segment of the camera and of its preview", |n| n.contains_key("cam-d") && n.contains_key(&preview));
    // Both streams of the camera are open; the status lists the camera once.
    assert!(ingest.handle(&StreamKey::new("cam-d", StreamProfile::Sub)).is_some_and(|h| h.is_recorded()));
    assert_eq!(recorder.status().cameras.iter().map(|c| c.camera_id.as_str()).collect::<Vec<_>>(), ["cam-d"]);
    recorder.shutdown();
    let store = Store::open_dir(dir.path()).unwrap();
    let segs = store.segments_of_camera(&preview).unwrap();
    assert!(!segs.is_empty());
    for s in &segs {
        assert_eq!((s.codec.as_str(), s.width, s.height), ("H264", 640, 360), "{}", s.path);
        assert!(s.path.starts_with(&format!("{preview}/")), "{}", s.path);
        assert_eq!(ffmpeg_errors(&recordings_root(dir.path()).join(&s.path)), "");
    }
    // The preview covers about what the recording covers.
    let (main, prev) = (store.segments_of_camera("cam-d").unwrap(), segs);
    let span = |v: &[vigil::store::recordings::SegmentRow]| v.last().unwrap().end_90k() - v[0].start_90k;
    assert!((span(&main) - span(&prev)).abs() < 3 * S, "main {} s, preview {} s", span(&main).as_secs_f64(), span(&prev).as_secs_f64());
}

#[test]
fn preview_tracks_follow_the_site_setting_and_the_command_line() {
    use vigil::core::settings::Setting;
    use vigil::record::preview_track;
    let site = site(&["cam-b"]);
    let preview = preview_track("cam-b");
    // On by default; off by the site's setting (settings window) or by --no-previews.
    for (setting, flags, expected) in [(None, &[][..], true), (Some("off"), &[][..], false), (Some("on"), &["--no-previews"][..], false)] {
        let dir = data_dir_with(&site);
        if let Some(value) = setting {
            Store::open_dir(dir.path()).unwrap().save_setting(&Setting::RecordPreviews(value == "on")).unwrap();
        }
        let (mut child, events) = spawn_recorder(dir.path(), flags);
        // A preview's segments come about as often as the camera's own, but their boundaries are
        // staggered by up to a segment and its GOP is 2 s: a preview segment shows up by the
        // camera's fourth segment at the latest (sooner ends the wait when it is expected).
        let seen = wait_segments(&events, "the camera's segments (and a preview's)", |n| {
            let camera = n.get("cam-b").copied().unwrap_or(0);
            camera >= 4 || (camera >= 2 && n.contains_key(&preview))
        });
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
        assert!(child.wait().unwrap().success());
        let case = format!("setting {setting:?}, flags {flags:?}");
        assert_eq!(seen.contains(&preview), expected, "{case}: segments indexed {seen:?}");
        let store = Store::open_dir(dir.path()).unwrap();
        assert_eq!(!store.segments_of_camera(&preview).unwrap().is_empty(), expected, "{case}");
        assert!(!store.segments_of_camera("cam-b").unwrap().is_empty(), "{case}");
    }
}

#[test]
fn a_recorder_joining_a_running_h265_stream_starts_at_a_real_keyframe() {
    use vigil::media::simulate::{ClipSpec, Codec, read_barcode};
    // Someone already watches cam-b's H.265 main stream (a shared media on the camera), so the
    // recorder's new RTSP session joins in the middle of a GOP. rtph265depay puts the parameter
    // sets in front of the first unit and h265parse calls that unit a keyframe although its
    // picture is a trailing one; a recording that started there began with pictures nobody can
    // decode ("Could not find ref with POC 0").
    let site = site(&["cam-b"]);
    let dir = data_dir_with(&site);
    let (viewer, _ev, wakes) = common::engine(common::fast_policy());
    let mut spec = vigil::media::StreamSpec::for_camera(&site, "cam-b", StreamProfile::Main).unwrap();
    spec.mode = DecodeMode::Full;
    let watched = viewer.start(spec);
    let block = ClipSpec::main(Codec::H265).barcode_block() as usize;
    let gop = ClipSpec::main(Codec::H265).gop_frames;
    // Frames 5..20 of a 50-frame GOP: the recorder connects well before the next keyframe.
    wakes.until(T, "the viewer to be early in a GOP", || {
        watched
            .slot
            .latest()
            .and_then(|f| read_barcode(f.plane(0), f.strides[0], f.width as usize, f.height as usize, block))
            .is_some_and(|n| (5..20).contains(&(n % gop)))
    });
    let (ingest, _ev2, _w2) = common::engine(common::fast_policy());
    let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), fast_config(3)).unwrap();
    wait_record_event(&events, "a segment", |e| matches!(e, RecordEvent::SegmentIndexed { .. }));
    recorder.shutdown();
    drop(viewer);
    let store = Store::open_dir(dir.path()).unwrap();
    let first = &store.segments_of_camera("cam-b").unwrap()[0];
    let path = recordings_root(dir.path()).join(&first.path);
    assert_eq!(ffmpeg_errors(&path), "", "{} must decode from its first picture", first.path);
    let (frames, _) = ffprobe_packets(&path);
    assert_eq!(frames as i64, first.frames);
}

#[test]
fn a_camera_behind_digest_auth_records_with_the_sites_credential_and_a_wrong_one_says_401() {
    use vigil::core::site::Credential;
    use vigil::record::preview_track;
    // cam-c asks for a login on both streams, as most cameras do. The site names the login by
    // reference; the wrong password is a second site on the same camera.
    for (password, records) in [(common::PASSWORD, true), ("wrong-password", false)] {
        let mut site = site(&["cam-c"]);
        site.credentials = vec![Credential { id: "nvr".into(), username: common::USER.into(), password: password.into() }];
        site.cameras[0].credential = Some("nvr".into());
        let dir = data_dir_with(&site);
        let (ingest, _ev, _w) = common::engine(common::fast_policy());
        let config = RecorderConfig { record_previews: true, ..fast_config(3) };
        let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), config).unwrap();
        if records {
            let preview = preview_track("cam-c");
            wait_segments(&events, "a segment of the camera and of its preview", |n| n.contains_key("cam-c") && n.contains_key(&preview));
        } else {
            poll_until("the 401 reason", || {
                recorder
                    .status()
                    .cameras
                    .iter()
                    .any(|c| c.camera_id == "cam-c" && c.reason.as_deref().is_some_and(|r| r.starts_with("camera offline: 401")))
            });
            assert!(!recorder.status().cameras[0].recording);
        }
        recorder.shutdown();
        let segments = Store::open_dir(dir.path()).unwrap().segments_of_camera("cam-c").unwrap();
        assert_eq!(!segments.is_empty(), records, "password {password:?}");
    }
}

#[test]
fn a_camera_set_to_record_its_substream_records_640x360_without_a_preview_and_off_records_nothing() {
    use vigil::record::preview_track;
    // A site short of disk records some cameras from the substream, and some not at all.
    let mut site = site(&["cam-e", "cam-f"]);
    site.cameras[0].record = Some(StreamProfile::Sub);
    site.cameras[1].record = None;
    let dir = data_dir_with(&site);
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let config = RecorderConfig { record_previews: true, ..fast_config(3) };
    let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), config).unwrap();
    let seen = wait_segments(&events, "two segments of the substream recording", |n| n.get("cam-e").is_some_and(|n| *n >= 2));
    let status = recorder.status();
    assert_eq!(status.cameras.iter().map(|c| c.camera_id.as_str()).collect::<Vec<_>>(), ["cam-e"], "an unrecorded camera is not listed");
    recorder.shutdown();
    assert!(seen.iter().all(|c| c == "cam-e"), "no preview of a substream recording, nothing of cam-f: {seen:?}");
    let store = Store::open_dir(dir.path()).unwrap();
    let segs = store.segments_of_camera("cam-e").unwrap();
    for s in &segs {
        assert_eq!((s.codec.as_str(), s.width, s.height), ("H264", 640, 360), "{}", s.path);
        assert_eq!(ffmpeg_errors(&recordings_root(dir.path()).join(&s.path)), "", "{}", s.path);
    }
    assert!(store.segments_of_camera(&preview_track("cam-e")).unwrap().is_empty());
    assert!(store.segments_of_camera("cam-f").unwrap().is_empty());
}

/// One packet of a segment as ffprobe reads it, in the track's 90 kHz ticks.
#[derive(Debug, Clone, Copy)]
struct Packet {
    pts: i64,
    dts: i64,
    duration: i64,
}

fn probe_packets(path: &Path) -> Vec<Packet> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=time_base:packet=pts,dts,duration", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe runs (install ffmpeg)");
    assert!(out.status.success(), "ffprobe failed on {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.trim() == "1/90000"), "{}: 90 kHz track expected:\n{text}", path.display());
    text.lines()
        .filter_map(|l| {
            let mut p = l.split(',').map(|v| v.trim().parse::<i64>());
            Some(Packet { pts: p.next()?.ok()?, dts: p.next()?.ok()?, duration: p.next()?.ok()? })
        })
        .collect()
}

/// Pictures ffmpeg decodes from a file (one line per frame of `-f framemd5`).
fn decoded_frames(path: &Path) -> usize {
    let out = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(path).args(["-f", "framemd5", "-"]).output().expect("ffmpeg runs");
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.starts_with('#')).count()
}

/// Intervals between consecutive presentation times of each segment (in presentation order).
fn presentation_intervals(packets: &[Packet]) -> Vec<i64> {
    let mut pts: Vec<i64> = packets.iter().map(|p| p.pts).collect();
    pts.sort_unstable();
    pts.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn a_stream_with_b_frames_is_recorded_with_every_frame_in_order_and_its_composition_offsets() {
    let site = site(&["cam-g"]);
    let dir = data_dir_with(&site);
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), fast_config(3)).unwrap();
    wait_segments(&events, "three segments of the B-frame camera", |n| n.get("cam-g").is_some_and(|n| *n >= 3));
    recorder.shutdown();

    let store = Store::open_dir(dir.path()).unwrap();
    let root = recordings_root(dir.path());
    let segs = store.segments_of_camera("cam-g").unwrap();
    assert_eq!(store.runs_of_camera("cam-g").unwrap().len(), 1);
    for (i, s) in segs.iter().enumerate() {
        let path = root.join(&s.path);
        assert_eq!(ffmpeg_errors(&path), "", "{} must decode cleanly", s.path);
        let packets = probe_packets(&path);
        if i + 1 == segs.len() {
            // The recorder stopped mid-GOP: the B-frames of the last references never came.
            continue;
        }
        assert_eq!(packets.len() as i64, s.frames, "{}", s.path);
        assert_eq!(decoded_frames(&path), packets.len(), "{}: every frame decodes", s.path);
        assert!(packets.windows(2).all(|w| w[1].dts > w[0].dts), "{}: decode times grow", s.path);
        assert!(packets.iter().any(|p| p.pts != p.dts), "{}: composition offsets kept (B-frames)", s.path);
        assert!(presentation_intervals(&packets).iter().all(|&d| d == 3_600), "{}: a picture every 40 ms, none missing", s.path);
        assert_eq!(Duration90k(packets.iter().map(|p| p.duration).sum::<i64>()), s.duration_90k, "{}: index duration", s.path);
        assert_eq!(s.duration_90k, s.frames * F, "{}: frames x 40 ms", s.path);
    }
    for pair in segs.windows(2) {
        assert_eq!(pair[0].end_90k(), pair[1].start_90k, "segments butt together");
    }
}

/// Spins on every core until dropped: a loaded machine.
struct BusyLoops {
    stop: Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyLoops {
    fn start() -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let n = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (0..n)
            .map(|i| {
                let stop = stop.clone();
                std::thread::Builder::new()
                    .name(format!("busy-{i}"))
                    .spawn(move || {
                        let mut x = 0u64;
                        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                        }
                    })
                    .unwrap()
            })
            .collect();
        Self { stop, threads }
    }
}

impl Drop for BusyLoops {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[test]
fn under_cpu_load_recorded_frame_times_stay_the_cameras() {
    // Busy loops on every core while three cameras record: packets arrive late and in bursts,
    // the jitter buffer re-syncs; none of that may reach the files.
    let site = site(&["cam-a", "cam-b", "cam-g"]);
    let dir = data_dir_with(&site);
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let busy = BusyLoops::start();
    let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), fast_config(3)).unwrap();
    wait_segments(&events, "four segments of each camera under load", |n| n.len() == 3 && n.values().all(|n| *n >= 4));
    let status = recorder.status();
    recorder.shutdown();
    drop(busy);

    let store = Store::open_dir(dir.path()).unwrap();
    let root = recordings_root(dir.path());
    let (mut exact, mut total) = (0usize, 0usize);
    let mut inexact = std::collections::BTreeMap::<(&str, i64), usize>::new();
    for cam in ["cam-a", "cam-b", "cam-g"] {
        let segs = store.segments_of_camera(cam).unwrap();
        for s in &segs {
            let path = root.join(&s.path);
            assert_eq!(ffmpeg_errors(&path), "", "{} must decode cleanly under load", s.path);
            let intervals = presentation_intervals(&probe_packets(&path));
            exact += intervals.iter().filter(|&&d| d == 3_600).count();
            total += intervals.len();
            for &d in intervals.iter().filter(|&&d| d != 3_600) {
                *inexact.entry((cam, d)).or_default() += 1;
            }
        }
        for pair in segs.windows(2).filter(|w| w[0].run_id == w[1].run_id) {
            assert_eq!(pair[0].end_90k(), pair[1].start_90k, "{cam}: segments of a run butt together");
        }
        for pair in segs.windows(2) {
            assert!(pair[0].end_90k() <= pair[1].start_90k, "{cam}: segments never overlap");
        }
    }
    assert!(total > 500, "{total} intervals");
    // Nothing before the recorder drops a picture under load (the jitter buffer used to).
    assert!(status.cameras.iter().all(|c| c.missing_frames == 0), "{:?}", status.cameras);
    let share = exact as f64 / total as f64;
    assert!(
        share >= 0.995,
        "{exact} of {total} intervals are exactly 40 ms ({:.2} %); the others (camera, ticks): count {inexact:?}; missing frames: {:?}",
        share * 100.0,
        status.cameras.iter().map(|c| (&c.camera_id, c.missing_frames)).collect::<Vec<_>>()
    );
}

#[test]
fn a_camera_that_hangs_and_reconnects_records_no_run_of_a_lone_picture() {
    let sim = common::simulator();
    let site = site(&["cam-h"]);
    let dir = data_dir_with(&site);
    let (ingest, stream_events, _w) = common::engine(common::fast_policy());
    let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), fast_config(3)).unwrap();
    wait_record_event(&events, "a first segment", |e| matches!(e, RecordEvent::SegmentIndexed { .. }));
    sim.set_stalled("cam-h", true).unwrap();
    wait_record_event(&events, "the run to end", |e| matches!(e, RecordEvent::RunEnded { .. }));
    // Two reconnects to the hung camera, each of which may bring the one keyframe it still sends.
    for _ in 0..2 {
        common::wait_event(&stream_events, T, "a reconnect", |e| matches!(e.state, vigil::media::StreamState::Offline { .. }));
    }
    sim.set_stalled("cam-h", false).unwrap();
    wait_record_event(&events, "a second run", |e| matches!(e, RecordEvent::RunStarted { .. }));
    wait_record_event(&events, "a segment of the second run", |e| matches!(e, RecordEvent::SegmentIndexed { .. }));
    recorder.shutdown();
    let runs = Store::open_dir(dir.path()).unwrap().runs_of_camera("cam-h").unwrap();
    assert_eq!(runs.len(), 2, "before and after the hang, nothing of a lone picture between: {runs:#?}");
    for r in &runs {
        assert!(r.end_90k.unwrap() - r.start_90k >= S, "{r:#?}");
    }
}
