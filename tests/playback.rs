//! Reading recordings back: recordings made from the simulator's own clip (written and indexed
//! as the recorder writes them), then seeks to known instants, decoded with the real decoder; the
//! burned-in frame number proves the exact frame.

mod common;

use vigil::core::site::StreamProfile;
use vigil::core::time::{Duration90k, Time90k};
use vigil::media::DecodedFrame;
use vigil::media::playback::{GopDecoder, read_mp4_units};
use vigil::media::simulate::{ClipJob, ClipSpec, Codec, read_barcode};

/// A second of the 90 kHz clock.
const S: Duration90k = Duration90k::SECOND;
use vigil::record::fabricate::fabricate_run;
use vigil::record::reader::{RecordingReader, as_gop_frames};

fn clip_units() -> (vigil::media::CodecConfig, Vec<(Vec<u8>, bool)>) {
    clip_units_of("cam-a", "Chợ trung tâm", Codec::H264)
}

/// A simulated camera's main clip as MP4-form units. The simulator fixture makes sure the clips
/// of its cameras (cam-a H.264, cam-b H.265) are in the cache.
fn clip_units_of(camera_id: &str, camera_name: &str, codec: Codec) -> (vigil::media::CodecConfig, Vec<(Vec<u8>, bool)>) {
    let _ = common::simulator();
    let job =
        ClipJob { camera_id: camera_id.into(), camera_name: camera_name.into(), profile: StreamProfile::Main, spec: ClipSpec::main(codec) };
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-clips").join(job.file_name());
    read_mp4_units(&path).expect("the clip demuxes")
}

fn number(frame: &DecodedFrame) -> Option<u32> {
    read_barcode(
        frame.plane(0),
        frame.strides[0],
        frame.width as usize,
        frame.height as usize,
        ClipSpec::main(Codec::H264).barcode_block() as usize,
    )
}

#[test]
fn a_seek_shows_the_keyframe_first_then_exactly_the_frame_at_that_instant() {
    seek_exactly("cam-a", "Chợ trung tâm", Codec::H264);
}

#[test]
fn an_h265_recording_seeks_to_the_exact_frame_too() {
    seek_exactly("cam-b", "Cầu Nậm Củm", Codec::H265);
}

fn seek_exactly(camera_id: &str, camera_name: &str, codec: Codec) {
    let (config, units) = clip_units_of(camera_id, camera_name, codec);
    assert_eq!(
        config.codec,
        match codec {
            Codec::H264 => vigil::media::VideoCodec::H264,
            Codec::H265 => vigil::media::VideoCodec::H265,
        }
    );
    let clip_frames = units.len() as i64;
    assert_eq!(clip_frames as u32, ClipSpec::main(codec).frames());
    let dir = tempfile::tempdir().unwrap();
    let start = Time90k::from_unix_secs(1_800_000_000);
    let segments = fabricate_run(
        dir.path(),
        camera_id,
        &vigil::record::fabricate::LoopedClip { config: &config, frames: &units, fps: 25 },
        start,
        20,
        6,
    )
    .unwrap();
    assert!(segments >= 3);
    let mut reader = RecordingReader::open(dir.path()).unwrap();
    let mut decoder = GopDecoder::new(&config).unwrap();
    // Instants across segments, on and between frames, at and just after keyframes.
    for offset_ms in [0i64, 40, 1_000, 1_999, 2_000, 2_020, 6_500, 13_333, 19_950] {
        let t = start + Duration90k::from_millis(offset_ms);
        let gop = reader.gop_at(camera_id, t).unwrap().expect("recorded");
        let frames = as_gop_frames(&gop.frames);
        let mut first_number = None;
        let (frame, timings) = decoder.decode_to(&frames, gop.target, &mut |f| first_number = number(f)).unwrap();
        let k = (t - start).0 / 3600;
        let keyframe_k = (gop.frames[0].0 - start).0 / 3600;
        assert_eq!(number(&frame), Some((k % clip_frames) as u32), "{codec:?}: exact frame at +{offset_ms} ms");
        assert_eq!(first_number, Some((keyframe_k % clip_frames) as u32), "{codec:?}: first picture is the keyframe at +{offset_ms} ms");
        assert!(keyframe_k <= k && k - keyframe_k < 50, "2 s GOP");
        assert_eq!((frame.width, frame.height), (1920, 1080));
        eprintln!("{codec:?} +{offset_ms} ms: first picture {:?}, exact frame {:?}", timings.first_picture, timings.exact_frame);
    }
    assert!(reader.gop_at(camera_id, start - Duration90k(1)).unwrap().is_none(), "nothing before the recording");
    assert!(reader.gop_at(camera_id, start + 21 * S).unwrap().is_none(), "nothing after it");
}

#[test]
fn continuous_playback_decodes_each_frame_once_in_order_across_segments() {
    let (config, units) = clip_units();
    let clip_frames = units.len() as i64;
    let dir = tempfile::tempdir().unwrap();
    let start = Time90k::from_unix_secs(1_800_000_000);
    fabricate_run(dir.path(), "cam-a", &vigil::record::fabricate::LoopedClip { config: &config, frames: &units, fps: 25 }, start, 12, 4)
        .unwrap();
    let mut reader = RecordingReader::open(dir.path()).unwrap();
    let mut decoder = GopDecoder::new(&config).unwrap();
    // Start at 1 s (inside the first GOP), then follow the clock 200 ms at a time for 9 s.
    let t0 = start + S;
    let gop = reader.gop_at("cam-a", t0).unwrap().unwrap();
    decoder.restart_stream(gop.frames[0].0);
    let first = gop.up_to(gop.target);
    let mut pictures = decoder.push_stream(&first).unwrap();
    let mut pos = gop.frames[gop.target].0;
    let mut t = t0;
    while t < start + 10 * S {
        t += S / 5;
        let (frames, continuous) = reader.frames_after("cam-a", pos, t).unwrap();
        assert!(continuous, "one run, adjacent segments");
        let pushed = as_gop_frames(&frames);
        pictures.extend(decoder.push_stream(&pushed).unwrap());
        if let Some(last) = frames.last() {
            pos = last.0;
        }
    }
    // Every frame from the GOP's keyframe on came out once, in order, with its own number.
    assert!(pictures.len() as i64 >= (start + 10 * S - gop.frames[0].0).0 / 3600 - 3, "{} pictures", pictures.len());
    for (i, (t, frame)) in pictures.iter().enumerate() {
        let k = (*t - start).0 / 3600;
        assert_eq!(number(frame), Some((k % clip_frames) as u32), "picture {i} at frame {k}");
        if i > 0 {
            assert_eq!(*t - pictures[i - 1].0, Duration90k(3600), "consecutive frames");
        }
    }
}

#[test]
fn a_gop_decoded_once_gives_every_picture_for_stepping_back() {
    let (config, units) = clip_units();
    let clip_frames = units.len() as i64;
    let dir = tempfile::tempdir().unwrap();
    let start = Time90k::from_unix_secs(1_800_000_000);
    fabricate_run(dir.path(), "cam-a", &vigil::record::fabricate::LoopedClip { config: &config, frames: &units, fps: 25 }, start, 6, 6)
        .unwrap();
    let mut reader = RecordingReader::open(dir.path()).unwrap();
    let mut decoder = GopDecoder::new(&config).unwrap();
    let t = start + Duration90k::from_millis(3_900); // 3.9 s: frame 97, in the GOP from frame 50
    let gop = reader.gop_at("cam-a", t).unwrap().unwrap();
    let frames = gop.up_to(gop.target);
    let (pictures, _) = decoder.decode_all_to(&frames, gop.target, &mut |_| {}).unwrap();
    assert_eq!(pictures.len(), gop.target + 1, "one picture per frame from the keyframe to the target");
    for (t, frame) in &pictures {
        assert_eq!(number(frame), Some((((*t - start).0 / 3600) % clip_frames) as u32));
    }
    assert_eq!((pictures[0].0 - start).0 / 3600, 50);
    assert_eq!((pictures.last().unwrap().0 - start).0 / 3600, 97);
}

#[test]
fn a_file_that_is_not_mp4_gives_the_demuxers_error_not_a_timeout() {
    let _ = common::simulator(); // GStreamer initialised as the other tests have it
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-clip.mp4");
    std::fs::write(&path, b"this is not an MP4 file, just text that was renamed").unwrap();
    let e = read_mp4_units(&path).expect_err("garbage does not demux").to_string();
    assert!(e.contains("not-a-clip.mp4"), "names the file: {e}");
    assert!(!e.contains("timed out"), "the demuxer's error is reported as it happens: {e}");
}

/// Two cameras recorded from the clip (30 s, 10 s segments), and a playback engine on them whose
/// wake-ups arrive on a channel (the tests wait on those, never on the clock).
struct PlayingWall {
    _dir: tempfile::TempDir,
    engine: vigil::playback::PlaybackEngine,
    woken: std::sync::mpsc::Receiver<()>,
    cameras: Vec<String>,
    start: Time90k,
    clip_frames: i64,
}

fn playing_wall() -> PlayingWall {
    let (config, units) = clip_units();
    let dir = tempfile::tempdir().unwrap();
    let start = Time90k::from_unix_secs(1_800_000_000);
    let cameras = vec!["cam-a".to_string(), "cam-x".to_string()];
    for camera in &cameras {
        fabricate_run(
            dir.path(),
            camera,
            &vigil::record::fabricate::LoopedClip { config: &config, frames: &units, fps: 25 },
            start,
            30,
            10,
        )
        .unwrap();
    }
    let (tx, woken) = std::sync::mpsc::sync_channel(64);
    let engine = vigil::playback::PlaybackEngine::start(
        dir.path().to_path_buf(),
        std::sync::Arc::new(move || {
            let _ = tx.try_send(());
        }),
    );
    PlayingWall { _dir: dir, engine, woken, cameras, start, clip_frames: units.len() as i64 }
}

impl PlayingWall {
    /// Waits (on the engine's wake-ups, 20 s at most) until every tile shows a picture for which
    /// `ok(instant shown)` holds; returns each tile's (instant, frame number in the picture).
    fn wait_for(&self, what: &str, ok: impl Fn(Time90k) -> bool) -> Vec<(Time90k, Option<u32>)> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let shown: Vec<Option<(Time90k, Option<u32>)>> = self
                .cameras
                .iter()
                .map(|c| {
                    let tile = self.engine.tile(c)?;
                    // The instant and the picture, read consistently (the engine may show the
                    // next picture between the two reads).
                    loop {
                        let before = tile.shown().0?;
                        let picture = tile.slot.latest()?;
                        if tile.shown().0 == Some(before) {
                            return Some((before, number(&picture)));
                        }
                    }
                })
                .collect();
            if shown.iter().all(|s| s.is_some_and(|(t, _)| ok(t))) {
                return shown.into_iter().flatten().collect();
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(!left.is_zero(), "{what}: tiles show {shown:?}");
            let _ = self.woken.recv_timeout(left);
        }
    }

    fn frame_of(&self, t: Time90k) -> u32 {
        (((t - self.start).0 / 3600) % self.clip_frames) as u32
    }
}

#[test]
fn playing_forward_shows_the_recorded_frame_at_the_cursor_and_never_more_than_a_few_frames_ahead() {
    let wall = playing_wall();
    let from = wall.start + 5 * S + Duration90k(1_000); // mid-GOP, between frames
    wall.engine.show(wall.cameras.clone(), from, true);
    wall.wait_for("the exact frame before playing", |t| t == from - Duration90k(1_000));
    // The cursor moves a frame at a time, as the app asks while playing at 1x.
    let mut t = from;
    for _ in 0..60 {
        t += Duration90k(3_600);
        wall.engine.play(wall.cameras.clone(), t, 1.0);
        let at_cursor = t - Duration90k(1_000); // the frame at or before the cursor
        for (shown, number) in wall.wait_for("1x", |s| s >= at_cursor) {
            // Pictures decoded ahead are shown when the cursor reaches them by the clock, a few
            // frames at most (the decoder's look-ahead).
            assert!(shown <= at_cursor + Duration90k(4 * 3_600), "a picture {} ms past the cursor", (shown - at_cursor).as_millis());
            assert_eq!(number, Some(wall.frame_of(shown)), "the picture is the frame of the instant it claims");
        }
        for c in &wall.cameras {
            assert!(!wall.engine.tile(c).unwrap().reduced(), "every frame is shown at 1x");
        }
    }
}

#[test]
fn a_camera_far_behind_the_cursor_skips_to_the_cursors_gop_and_says_the_rate_is_reduced() {
    let wall = playing_wall();
    let from = wall.start + 3 * S;
    wall.engine.play(wall.cameras.clone(), from, 4.0);
    wall.wait_for("playing", |t| t >= from);
    // The next request finds the cursor 2.8 s on (the decoder could not keep up, or the app
    // stalled; a jump of more than 4 s is a seek): the tiles skip to the cursor's GOP (its
    // keyframe at +4 s) rather than decode their way there frame by frame.
    let jump = wall.start + Duration90k::from_millis(5_800);
    wall.engine.play(wall.cameras.clone(), jump, 4.0);
    let keyframe = wall.start + 4 * S;
    for (shown, number) in wall.wait_for("after the jump", |t| t >= keyframe) {
        assert!(shown <= jump + Duration90k(4 * 3_600), "not past the cursor by more than the look-ahead");
        assert_eq!(number, Some(wall.frame_of(shown)));
    }
    for c in &wall.cameras {
        assert!(wall.engine.tile(c).unwrap().reduced(), "{c}: frames were skipped, the tile says so");
    }
    // Paused: every frame again, the indicator gone.
    wall.engine.show(wall.cameras.clone(), jump, true);
    wall.wait_for("paused", |t| t == jump);
    for c in &wall.cameras {
        assert!(!wall.engine.tile(c).unwrap().reduced(), "{c}: paused on the exact frame");
    }
}

#[test]
fn fast_and_backward_playback_show_keyframes_within_a_gop_of_the_cursor() {
    let wall = playing_wall();
    for speed in [16.0, -4.0] {
        let mut t = if speed > 0.0 { wall.start + 2 * S } else { wall.start + 28 * S };
        for _ in 0..8 {
            // A tenth of a second of playing at a time (16x: 1.6 s of recording).
            t += Duration90k::from_secs_f64(speed * 0.1);
            wall.engine.play(wall.cameras.clone(), t, speed);
            // Within a GOP (2 s) of the cursor: the keyframe nearest it, aimed at most 1 s ahead.
            for (shown, number) in wall.wait_for(&format!("{speed}x"), |s| (s - t).abs() <= 2 * S) {
                assert_eq!((shown - wall.start).0 % (2 * S).0, 0, "{speed}x: a keyframe");
                assert_eq!(number, Some(wall.frame_of(shown)));
            }
            for c in &wall.cameras {
                assert!(wall.engine.tile(c).unwrap().reduced(), "{speed}x: keyframes only, and the tile says so");
            }
        }
    }
}
