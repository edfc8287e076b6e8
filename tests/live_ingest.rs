//! The live ingest engine against the real simulator: real RTSP, real decoding, real frames.

mod common;

use std::time::Duration;

use common::*;
use vigil::core::site::StreamProfile;
use vigil::media::simulate::{ClipSpec, Codec, read_barcode};
use vigil::media::{DecodeMode, DecodedFrame, OfflineReason, StreamKey, StreamSpec, StreamState};

const T: Duration = Duration::from_secs(30);

fn barcode(frame: &DecodedFrame, spec: ClipSpec) -> Option<u32> {
    read_barcode(frame.plane(0), frame.strides[0], frame.width as usize, frame.height as usize, spec.barcode_block() as usize)
}

/// The burned-in numbers of the next `n` pictures the stream's slot shows (a slow reader may miss
/// some: the slot keeps only the newest).
fn frame_numbers_shown(h: &vigil::media::StreamHandle, wakes: &Wakes, spec: ClipSpec, n: usize) -> Vec<u32> {
    let (mut numbers, mut last_seq) = (Vec::new(), 0);
    wakes.until(T, &format!("{n} pictures"), || {
        if h.slot.seq() != last_seq {
            last_seq = h.slot.seq();
            if let Some(n) = h.slot.latest().and_then(|f| barcode(&f, spec)) {
                numbers.push(n);
            }
        }
        numbers.len() >= n
    });
    numbers
}

#[test]
fn every_stream_goes_live_with_frames_of_the_served_size() {
    let sim = simulator();
    let (ingest, events, wakes) = engine(fast_policy());
    let cases = [
        ("cam-a", StreamProfile::Sub, ClipSpec::sub(Codec::H264), "H264"),
        ("cam-a", StreamProfile::Main, ClipSpec::main(Codec::H264), "H264"),
        ("cam-b", StreamProfile::Main, ClipSpec::main(Codec::H265), "H265"),
        ("cam-b", StreamProfile::Sub, ClipSpec::sub(Codec::H264), "H264"),
    ];
    let handles: Vec<_> = cases
        .iter()
        .map(|(id, profile, _, _)| ingest.start(StreamSpec::new(StreamKey::new(*id, *profile), sim.url(id, *profile))))
        .collect();
    let _ = events;
    for h in &handles {
        wakes.until(T, &format!("{} live", h.key), || h.state().is_live());
    }
    for (h, (_, _, spec, codec)) in handles.iter().zip(cases) {
        // Two frames, some time apart: the picture moves and its frame number advances.
        wakes.until(T, "a decoded frame", || h.slot.seq() >= 3);
        let first = h.slot.latest().unwrap();
        let seq = h.slot.seq();
        wakes.until(T, "more frames", || h.slot.seq() >= seq + 5);
        let later = h.slot.latest().unwrap();
        assert_eq!((first.width, first.height), (spec.width, spec.height), "{}", h.key);
        assert!(first.strides[0] >= first.width as usize);
        assert!(first.plane(0).len() >= first.strides[0] * first.height as usize);
        let (a, b) = (barcode(&first, spec), barcode(&later, spec));
        assert!(a.is_some() && b.is_some(), "{}: barcode unreadable ({a:?}, {b:?})", h.key);
        assert_ne!(a, b, "{}: the frame number must advance", h.key);
        assert!(b.unwrap() < spec.frames(), "{}: frame number within the clip", h.key);
        let stats = h.stats();
        assert_eq!(stats.codec, codec);
        assert!(!stats.decoder.is_empty());
    }
    ingest.shutdown();
}

#[test]
fn keyframe_only_mode_decodes_only_keyframes_and_paused_decodes_nothing() {
    let sim = simulator();
    let (ingest, events, wakes) = engine(fast_policy());
    let key = StreamKey::new("cam-e", StreamProfile::Sub);
    let mut spec = StreamSpec::new(key.clone(), sim.url("cam-e", StreamProfile::Sub));
    spec.mode = DecodeMode::KeyframesOnly;
    let h = ingest.start(spec);
    wait_event(&events, T, "live", |e| e.key == key && is_live(e));
    let clip = ClipSpec::sub(Codec::H264);
    let numbers = frame_numbers_shown(&h, &wakes, clip, 3);
    assert!(numbers.iter().all(|n| n % clip.gop_frames == 0), "only keyframes (every {}th frame): {numbers:?}", clip.gop_frames);

    h.set_mode(DecodeMode::Paused);
    // Once paused, compressed data still arrives (connection kept) but no frame is decoded.
    let units = || h.access_units_received();
    let frames_at_pause = h.slot.seq();
    let start_units = units();
    wakes.until(T, "data while paused", || units() > start_units + 40);
    assert!(h.slot.seq() <= frames_at_pause + 1, "a paused stream decodes nothing");

    h.set_mode(DecodeMode::Full);
    let resumed = h.slot.seq();
    wakes.until(T, "full decoding again", || h.slot.seq() >= resumed + 20);
    assert!(h.state().is_live());
    ingest.shutdown();
}

#[test]
fn a_camera_that_goes_offline_is_reported_and_recovers() {
    let sim = simulator();
    let (ingest, events, wakes) = engine(fast_policy());
    let key = StreamKey::new("cam-d", StreamProfile::Sub);
    let h = ingest.start(StreamSpec::new(key.clone(), sim.url("cam-d", StreamProfile::Sub)));
    wait_event(&events, T, "live", |e| e.key == key && is_live(e));

    sim.set_offline("cam-d", true).unwrap();
    let (_, _) = wait_event(&events, T, "offline: not found", |e| {
        matches!(&e.state, StreamState::Offline { reason: OfflineReason::NotFound, retry_in_ms: Some(_) })
    });
    assert!(!h.state().is_live());

    sim.set_offline("cam-d", false).unwrap();
    wait_event(&events, T, "live again", |e| e.key == key && is_live(e));
    let seq = h.slot.seq();
    wakes.until(T, "frames after recovery", || h.slot.seq() > seq + 5);
    assert!(h.stats().reconnects >= 1);
    ingest.shutdown();
}

#[test]
fn a_stalled_camera_is_no_new_picture_never_live_until_pictures_flow_again() {
    let sim = simulator();
    let (ingest, events, _wakes) = engine(fast_policy());
    let key = StreamKey::new("cam-f", StreamProfile::Sub);
    let h = ingest.start(StreamSpec::new(key.clone(), sim.url("cam-f", StreamProfile::Sub)));
    wait_event(&events, T, "live", |e| e.key == key && is_live(e));
    let stalled_at_ns = vigil::core::time::unix_now_ns();
    sim.set_stalled("cam-f", true).unwrap();
    // Connected, nothing new: "no new picture since" the last one, not live.
    let (e, _) = wait_event(&events, T, "no new picture", |e| matches!(e.state, StreamState::NoPicture { .. }));
    let StreamState::NoPicture { since_unix_ns } = e.state else { unreachable!() };
    assert!(since_unix_ns + 500_000_000 >= stalled_at_ns && since_unix_ns <= e.at_unix_ns, "the last picture's time");
    assert!(!h.state().is_live());
    // The watchdog then reconnects; the hung camera sends the one keyframe a server needs, and that
    // is not "live". Two reconnects without a single Live event.
    for round in 0..2 {
        let (e, seen) = wait_event(&events, T, "offline", |e| matches!(e.state, StreamState::Offline { .. }));
        assert!(matches!(&e.state, StreamState::Offline { reason: OfflineReason::NoVideo | OfflineReason::Timeout, .. }), "{e:?}");
        assert!(!seen.iter().any(is_live), "round {round}: live on a lone picture: {seen:?}");
    }
    sim.set_stalled("cam-f", false).unwrap();
    wait_event(&events, T, "live again", |e| e.key == key && is_live(e));
    ingest.shutdown();
}

#[test]
fn wrong_password_is_unauthorized_without_a_crash_loop_and_the_right_one_works() {
    let sim = simulator();
    let (ingest, events, _wakes) = engine(fast_policy());
    let bad = StreamKey::new("cam-c", StreamProfile::Sub);
    let mut spec = StreamSpec::new(bad.clone(), sim.url("cam-c", StreamProfile::Sub));
    spec.credentials = Some((USER.into(), "wrong".into()));
    let h = ingest.start(spec);
    let (first, _) =
        wait_event(&events, T, "unauthorized", |e| matches!(&e.state, StreamState::Offline { reason: OfflineReason::Unauthorized, .. }));
    // Retries back off: each retry waits longer than the one before, up to the cap.
    let mut delays = Vec::new();
    if let StreamState::Offline { retry_in_ms: Some(ms), .. } = first.state {
        delays.push(ms);
    }
    while delays.len() < 3 {
        let (e, _) = wait_event(&events, T, "another retry", |e| matches!(e.state, StreamState::Offline { .. }));
        match e.state {
            StreamState::Offline { reason: OfflineReason::Unauthorized, retry_in_ms: Some(ms) } => delays.push(ms),
            other => panic!("expected unauthorized again, got {other:?}"),
        }
    }
    assert_eq!(delays, vec![200, 400, 800], "exponential backoff capped at the policy's maximum");
    assert_eq!(h.slot.seq(), 0);

    let good = StreamKey::new("cam-c", StreamProfile::Main);
    let mut spec = StreamSpec::new(good.clone(), sim.url("cam-c", StreamProfile::Main));
    spec.credentials = Some((USER.into(), PASSWORD.into()));
    ingest.start(spec);
    wait_event(&events, T, "live with the right password", |e| e.key == good && is_live(e));

    let anon = StreamKey::new("cam-c", StreamProfile::Sub);
    let (anon_ingest, anon_events, _w) = engine(fast_policy());
    anon_ingest.start(StreamSpec::new(anon.clone(), sim.url("cam-c", StreamProfile::Sub)));
    wait_event(&anon_events, T, "unauthorized without credentials", |e| {
        matches!(&e.state, StreamState::Offline { reason: OfflineReason::Unauthorized, .. })
    });
    ingest.shutdown();
    anon_ingest.shutdown();
}

#[test]
fn a_malformed_url_is_a_clear_permanent_error() {
    let (ingest, events, _wakes) = engine(fast_policy());
    let key = StreamKey::new("broken", StreamProfile::Sub);
    ingest.start(StreamSpec::new(key.clone(), "rtsp//127.0.0.1:8554/cam/x"));
    let (e, _) = wait_event(&events, T, "offline", |e| matches!(e.state, StreamState::Offline { .. }));
    match e.state {
        StreamState::Offline { reason: OfflineReason::InvalidUrl(m), retry_in_ms: None } => {
            assert!(m.to_string().contains("malformed URL"), "{m}");
            assert!(matches!(m.problem, vigil::core::site::UrlProblem::Unreadable(_)), "{m:?}");
        }
        other => panic!("expected a permanent invalid-URL state, got {other:?}"),
    }
    ingest.shutdown();
}

#[test]
fn two_clients_of_one_stream_share_one_serving_pipeline() {
    let sim = simulator();
    let (a, a_events, _wa) = engine(fast_policy());
    let (b, b_events, _wb) = engine(fast_policy());
    let key = StreamKey::new("cam-a", StreamProfile::Sub);
    // One engine asked twice for the same stream runs one decoder.
    let h1 = a.start(StreamSpec::new(key.clone(), sim.url("cam-a", StreamProfile::Sub)));
    let h2 = a.start(StreamSpec::new(key.clone(), sim.url("cam-a", StreamProfile::Sub)));
    assert!(std::sync::Arc::ptr_eq(&h1, &h2));
    b.start(StreamSpec::new(key.clone(), sim.url("cam-a", StreamProfile::Sub)));
    wait_event(&a_events, T, "a live", is_live);
    wait_event(&b_events, T, "b live", is_live);
    assert_eq!(sim.active_pipelines("cam-a", StreamProfile::Sub), 1);
    a.shutdown();
    b.shutdown();
}

/// Reads a PNG back through GStreamer as I420: (width, height, luma plane, stride).
fn read_png_luma(path: &std::path::Path) -> (u32, u32, Vec<u8>, usize) {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    let pipeline = gst::parse::launch(&format!(
        "filesrc location={} ! pngdec ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink",
        path.display()
    ))
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let sink = pipeline.by_name("sink").unwrap().downcast::<gstreamer_app::AppSink>().unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let sample = sink.try_pull_sample(gst::ClockTime::from_seconds(10)).expect("a decoded PNG");
    let info = gstreamer_video::VideoInfo::from_caps(sample.caps().unwrap()).unwrap();
    let frame = gstreamer_video::VideoFrame::from_buffer_readable(sample.buffer_owned().unwrap(), &info).unwrap();
    let out = (info.width(), info.height(), frame.plane_data(0).unwrap().to_vec(), info.stride()[0] as usize);
    pipeline.set_state(gst::State::Null).unwrap();
    out
}

#[test]
fn a_snapshot_is_the_full_resolution_frame_as_png() {
    let sim = simulator();
    let (ingest, _events, wakes) = engine(fast_policy());
    let key = StreamKey::new("cam-a", StreamProfile::Main);
    let h = ingest.start(StreamSpec::new(key, sim.url("cam-a", StreamProfile::Main)));
    let spec = ClipSpec::main(Codec::H264);
    // A frame whose frame number is readable (the first frames after connecting, under load, may
    // be damaged by packets dropped on latency).
    let mut picked = None;
    wakes.until(T, "a 1080p frame with a readable frame number", || {
        picked = h.slot.latest().and_then(|f| barcode(&f, spec).map(|n| (f, n)));
        picked.is_some()
    });
    let (frame, number) = picked.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(vigil::media::snapshot::snapshot_file_name("Chợ trung tâm", "28/11/2026 23:40:12"));
    vigil::media::snapshot::save_png(&frame, &path).expect("snapshot saved");
    assert!(!path.with_extension("png.partial").exists());
    let (w, h_px, luma, stride) = read_png_luma(&path);
    assert_eq!((w, h_px), (1920, 1080), "full decoded resolution, not the tile's");
    assert_eq!(read_barcode(&luma, stride, w as usize, h_px as usize, spec.barcode_block() as usize), Some(number), "the same frame");
    ingest.shutdown();
}

#[test]
fn a_b_frame_stream_is_shown_in_presentation_order() {
    // cam-g sends its pictures out of presentation order (3 B-frames, pyramid): the tile must
    // show them in the camera's order, each one after the last.
    let sim = simulator();
    let (ingest, _events, wakes) = engine(fast_policy());
    let spec = ClipSpec::main(Codec::H264);
    let h = ingest.start(StreamSpec::new(StreamKey::new("cam-g", StreamProfile::Main), sim.url("cam-g", StreamProfile::Main)));
    wakes.until(T, "cam-g live", || h.state().is_live());
    let numbers = frame_numbers_shown(&h, &wakes, spec, 100);
    ingest.shutdown();
    // The slot keeps only the newest frame, so a slow reader may miss some; but every step is
    // forwards (modulo the clip's loop).
    let steps: Vec<u32> = numbers.windows(2).map(|w| (w[1] + spec.frames() - w[0]) % spec.frames()).collect();
    assert!(steps.iter().all(|&s| (1..=10).contains(&s)), "frames shown out of order: {numbers:?}");
}
