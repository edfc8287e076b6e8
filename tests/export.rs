//! Evidence export: recordings of the real simulator exported through the real binary, checked
//! with ffprobe/ffmpeg and the simulator's burned-in frame numbers; manifest hashes verified and
//! tampering detected; cancel and gaps.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use vigil::core::site::{Camera, Neighborhood, Rgb, Site, StreamProfile};
use vigil::core::time::{Duration90k, Time90k};
use vigil::export::manifest::{Manifest, verify};
use vigil::export::{ExportError, ExportRequest, export, partial_dir, plan_parts};
use vigil::media::simulate::{ClipSpec, Codec, read_barcode};
use vigil::media::{CodecConfig, VideoCodec};
use vigil::record::fmp4::{Sample, SegmentWriter};
use vigil::record::{RecordEvent, Recorder, RecorderConfig, recordings_root};

use vigil::store::Store;
use vigil::store::recordings::NewSegment;

/// A second and a 25 fps frame of the 90 kHz clock; a millisecond (RFC 3339 text carries whole ones).
const S: Duration90k = Duration90k::SECOND;
const F: Duration90k = Duration90k(3_600);
const MS: Duration90k = Duration90k::from_millis(1);

fn site(camera: &str) -> Site {
    let sim = common::simulator();
    site_at(camera, &sim.url(camera, StreamProfile::Main), Some(sim.url(camera, StreamProfile::Sub)))
}

fn site_at(camera: &str, main_url: &str, sub_url: Option<String>) -> Site {
    Site {
        name: "Thị trấn thử".into(),
        timezone: chrono_tz::Asia::Ho_Chi_Minh,
        neighborhoods: vec![Neighborhood { id: "kp1".into(), name: "Khu phố 1".into(), colour: Rgb(0x3366cc) }],
        cameras: vec![Camera {
            id: camera.into(),
            name: "Chợ trung tâm".into(),
            neighborhood: "kp1".into(),
            main_url: main_url.into(),
            sub_url,
            credential: None,
            enabled: true,
            record: Some(StreamProfile::Main),
            retain_days: None,
        }],
        credentials: vec![],
    }
}

/// Records `camera` until `segments` segments are indexed; returns the data dir.
fn record(camera: &str, segments: usize) -> tempfile::TempDir {
    let site = site(camera);
    let dir = tempfile::tempdir().unwrap();
    Store::open_dir(dir.path()).unwrap().replace_site(&site).unwrap();
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    let config = RecorderConfig { segment_target_ms: 3000, record_previews: false, ..RecorderConfig::default() };
    let (recorder, events) = Recorder::start(dir.path(), &site, Arc::new(ingest), config).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut n = 0;
    while n < segments {
        match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(RecordEvent::SegmentIndexed { .. }) => n += 1,
            Ok(_) => {}
            Err(_) => panic!("timed out waiting for {segments} segments"),
        }
    }
    recorder.shutdown();
    dir
}

fn rfc3339(t_90k: Time90k) -> String {
    vigil::export::manifest::utc_text(t_90k)
}

fn vigil(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).args(args).env_remove("VIGIL_DATA_DIR").output().unwrap()
}

fn ffprobe_duration(path: &Path) -> f64 {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(-1.0)
}

fn ffprobe_frames(path: &Path) -> usize {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

/// The burned-in frame number of frame `index` (0-based) of a file, decoded by ffmpeg.
fn frame_number(path: &Path, index: usize) -> Option<u32> {
    let spec = ClipSpec::main(Codec::H264);
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vf", &format!("select=eq(n\\,{index})"), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    read_barcode(&out.stdout, 1920, 1920, 1080, spec.barcode_block() as usize)
}

#[test]
fn an_exported_clip_covers_the_range_plays_everywhere_and_its_manifest_detects_tampering() {
    let dir = record("cam-a", 3);
    let store = Store::open_dir(dir.path()).unwrap();
    let segs = store.segments_of_camera("cam-a").unwrap();
    // A range that crosses a segment boundary and starts between keyframes.
    // Whole milliseconds, as RFC 3339 text carries them.
    let from = (segs[0].start_90k + S * 13 / 10).floor_to(MS);
    let to = (segs[1].start_90k + S * 11 / 10).floor_to(MS);
    let out = dir.path().join("evidence");
    let run = vigil(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "export",
        "--camera",
        "cam-a",
        "--from",
        &rfc3339(from),
        "--to",
        &rfc3339(to),
        "--out",
        out.to_str().unwrap(),
        "--by",
        "Thượng úy Nguyễn Văn A",
        "--case",
        "Vụ 12/2026 <trộm xe>",
        "--snapshot",
        &rfc3339(from + S / 2),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(!partial_dir(&out).exists());
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.files.len(), 1, "{manifest:#?}");
    assert_eq!(manifest.exported_by, "Thượng úy Nguyễn Văn A");
    assert_eq!(manifest.case_number, "Vụ 12/2026 <trộm xe>");
    assert_eq!(manifest.requested.from_90k, from);
    let f = &manifest.files[0];
    // Starts at the keyframe at or before `from` (2 s GOP), ends with the frame that contains `to`.
    assert!(f.covered.from_90k <= from && f.covered.from_90k > from - 2 * S - Duration90k(1), "{:?}", f.covered);
    assert!(f.covered.to_90k >= to && f.covered.to_90k < to + S / 25 + Duration90k(1), "{:?}", f.covered);
    assert!(f.covered.from_local.contains('/') && f.covered.from_utc.ends_with('Z'));
    let file = out.join(&f.file);
    let duration = ffprobe_duration(&file);
    assert!((duration - f.duration_s).abs() <= 0.04 + 1e-6, "ffprobe {duration} vs covered {}", f.duration_s);
    assert_eq!(ffprobe_frames(&file) as u64, f.frames);
    let errors = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&file).args(["-f", "null", "-"]).output().unwrap();
    assert!(errors.stderr.is_empty(), "ffmpeg: {}", String::from_utf8_lossy(&errors.stderr));
    // The frames are the recorded ones, consecutive: burned-in numbers advance one per frame.
    let clip_frames = ClipSpec::main(Codec::H264).frames();
    let (a, b) =
        (frame_number(&file, 0).expect("first frame's number"), frame_number(&file, f.frames as usize - 1).expect("last frame's number"));
    assert_eq!((b + clip_frames - a) % clip_frames, (f.frames as u32 - 1) % clip_frames, "frames {a}..{b} for {} frames", f.frames);

    // The picture of the chosen instant: the full 1080p frame at that instant.
    assert_eq!(manifest.snapshots.len(), 1);
    let snap = &manifest.snapshots[0];
    assert_eq!((snap.width, snap.height), (1920, 1080));
    let png = out.join(&snap.file);
    let (w, h) = image_size(&png);
    assert_eq!((w, h), (1920, 1080));
    assert!(snap.shown.from_90k <= from + S / 2 && snap.shown.from_90k > from + S / 2 - F - Duration90k(1));

    // The manifest's own hash is printed, to be written down with the case file.
    let manifest_hash = vigil::export::manifest::manifest_sha256(&out).unwrap();
    assert!(
        String::from_utf8_lossy(&run.stdout).contains(&format!("{manifest_hash}  manifest.json")),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );

    // The printable summary names the case, the officer, every file's hash and the manifest's
    // own hash (the officer's text escaped), and verify does not count it as an unlisted file.
    let page = std::fs::read_to_string(out.join(vigil::export::manifest::SUMMARY_FILE)).expect("the summary page");
    for want in ["Vụ 12/2026 &lt;trộm xe&gt;", "Thượng úy Nguyễn Văn A", f.sha256.as_str(), snap.sha256.as_str(), manifest_hash.as_str()]
    {
        assert!(page.contains(want), "the summary lacks {want}");
    }
    assert!(!page.contains("<trộm xe>"), "unescaped");
    let (_, report) = vigil::export::manifest::verify(&out).unwrap();
    assert!(report.is_intact() && report.unlisted.is_empty(), "{report:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("tom-tat.html"), "the CLI names the summary");

    // A forgery: a clip changed and the manifest rewritten to match. The manifest alone cannot
    // tell; the hash written down when the export was made can.
    let forged = dir.path().join("forged");
    std::fs::create_dir(&forged).unwrap();
    for entry in std::fs::read_dir(&out).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), forged.join(entry.file_name())).unwrap();
    }
    let mut clip = std::fs::read(forged.join(&f.file)).unwrap();
    let mid = clip.len() / 2;
    clip[mid] ^= 0x01;
    std::fs::write(forged.join(&f.file), &clip).unwrap();
    let mut rewritten = manifest.clone();
    rewritten.files[0].sha256 = vigil::export::manifest::sha256_hex(&clip);
    std::fs::write(forged.join("manifest.json"), serde_json::to_vec_pretty(&rewritten).unwrap()).unwrap();
    let fooled = vigil(&["verify-export", forged.to_str().unwrap()]);
    assert!(fooled.status.success(), "without the written-down hash a consistent forgery passes");
    let caught = vigil(&["verify-export", forged.to_str().unwrap(), "--manifest-sha256", &manifest_hash]);
    assert_eq!(caught.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&caught.stdout).contains("MANIFEST CHANGED"), "{}", String::from_utf8_lossy(&caught.stdout));

    // verify-export: intact (also against the written-down hash), then a changed byte and a
    // stray file are reported.
    let ok = vigil(&["verify-export", out.to_str().unwrap(), "--manifest-sha256", &manifest_hash.to_uppercase()]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&file, bytes).unwrap();
    std::fs::write(out.join("note.txt"), "added later").unwrap();
    let bad = vigil(&["verify-export", out.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(text.contains(&format!("CHANGED  {}", f.file)) && text.contains("UNLISTED note.txt"), "{text}");

    // An export never overwrites another.
    let again = vigil(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "export",
        "--camera",
        "cam-a",
        "--from",
        &rfc3339(from),
        "--to",
        &rfc3339(to),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

/// Waits for a condition with no event of its own (an index row growing), checking every 50 ms.
fn poll_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn the_segment_being_written_can_be_reviewed_and_exported_within_seconds() {
    use vigil::record::reader::RecordingReader;
    use vigil::store::recordings::SegmentState;
    let site = site("cam-f");
    let dir = tempfile::tempdir().unwrap();
    Store::open_dir(dir.path()).unwrap().replace_site(&site).unwrap();
    let (ingest, _ev, _w) = common::engine(common::fast_policy());
    // Segments of a minute: without indexing the open one, nothing would be reviewable yet.
    let config = RecorderConfig { segment_target_ms: 60_000, index_open_ms: 1000, ..RecorderConfig::default() };
    let (recorder, _events) = Recorder::start(dir.path(), &site, Arc::new(ingest), config).unwrap();
    let store = Store::open_dir(dir.path()).unwrap();
    let mut open = None;
    poll_until("the open segment's row to hold 5 s", || {
        open = store.segments_of_camera("cam-f").unwrap().into_iter().find(|s| s.state == SegmentState::Open);
        open.as_ref().is_some_and(|s| s.duration_90k >= 5 * S)
    });
    let open = open.unwrap();
    let now_90k = vigil::core::time::now_90k();
    assert!(now_90k - open.end_90k() < 3 * S, "the index trails now by {} ms", (now_90k - open.end_90k()).as_millis());
    assert_eq!(store.coverage("cam-f", open.start_90k, now_90k).unwrap().last().map(|c| c.end_90k), Some(open.end_90k()));
    // Its last second plays back: the GOP of an instant just before its indexed end.
    let mut reader = RecordingReader::open(dir.path()).unwrap();
    let t = open.end_90k() - S / 2;
    let gop = reader.gop_at("cam-f", t).unwrap().expect("a GOP of the open segment");
    assert!(
        gop.frames[gop.target].0 <= t && gop.frames[gop.target].0 > t - F - Duration90k(1),
        "target frame at {}",
        gop.frames[gop.target].0
    );
    // And it exports (another process reads the growing file and row) to a clip others play.
    let (from, to) = (open.start_90k.floor_to(MS), open.end_90k().floor_to(MS));
    let out = dir.path().join("latest");
    let run = vigil(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "export",
        "--camera",
        "cam-f",
        "--from",
        &rfc3339(from),
        "--to",
        &rfc3339(to),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let f = &manifest.files[0];
    assert!(f.covered.to_90k >= to - S / 25 && f.covered.to_90k <= open.end_90k(), "{:?} vs indexed end {}", f.covered, open.end_90k());
    let file = out.join(&f.file);
    assert!((ffprobe_duration(&file) - f.duration_s).abs() <= 0.04 + 1e-6);
    let errors = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&file).args(["-f", "null", "-"]).output().unwrap();
    assert!(errors.stderr.is_empty(), "ffmpeg: {}", String::from_utf8_lossy(&errors.stderr));

    // Stopping finishes the same row: state ok, at least as long, the file as big as it says.
    recorder.shutdown();
    let done = store.segments_of_camera("cam-f").unwrap().into_iter().find(|s| s.id == open.id).expect("the same row");
    assert_eq!(done.state, SegmentState::Ok);
    assert!(done.duration_90k >= open.duration_90k && done.frames >= open.frames);
    assert_eq!(done.bytes as u64, std::fs::metadata(recordings_root(dir.path()).join(&done.path)).unwrap().len());
    assert_eq!(store.coverage("cam-f", done.start_90k - Duration90k(1), done.end_90k() + Duration90k(1)).unwrap().len(), 1);
}

#[test]
fn a_cancelled_export_leaves_nothing_and_bad_requests_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Time90k::from_unix_secs(1_800_000_000);
    fake(dir.path(), &[(1, t0, 100), (1, t0 + 100 * F, 100)]);
    let out = dir.path().join("cancelled");
    let request = ExportRequest {
        cameras: vec!["cam01".into()],
        from_90k: t0,
        to_90k: t0 + 200 * F,
        out_dir: out.clone(),
        exported_by: "test".into(),
        snapshots: Vec::new(),
        burn_in: false,
        case_number: String::new(),
    };
    let cancel = AtomicBool::new(true);
    let err = export(dir.path(), &request, &mut |_| {}, &cancel).unwrap_err();
    assert!(matches!(err, ExportError::Cancelled), "{err}");
    assert!(!out.exists() && !partial_dir(&out).exists(), "nothing that looks like an export is left");

    let go = AtomicBool::new(false);
    let empty = ExportRequest { from_90k: t0 - 1000 * S, to_90k: t0 - 900 * S, ..request.clone() };
    let err = export(dir.path(), &empty, &mut |_| {}, &go).unwrap_err();
    assert!(err.to_string().contains("no recording of cam01"), "{err}");
    let reversed = ExportRequest { from_90k: t0 + Duration90k(10), to_90k: t0, ..request.clone() };
    assert!(matches!(export(dir.path(), &reversed, &mut |_| {}, &go), Err(ExportError::BadRange { .. })));
    let unknown = ExportRequest { cameras: vec!["cam99".into()], ..request.clone() };
    assert!(matches!(export(dir.path(), &unknown, &mut |_| {}, &go), Err(ExportError::UnknownCamera(_))));
    let mut last = 0.0;
    let manifest = export(dir.path(), &request, &mut |p| last = p.fraction(), &go).unwrap();
    assert_eq!(last, 1.0, "progress reaches 100%");
    assert_eq!(manifest.files.len(), 1);
    assert_eq!(manifest.files[0].frames, 200);
    let (_, report) = verify(&out).unwrap();
    assert!(report.is_intact(), "{report:?}");
}

#[test]
fn a_gap_in_the_recordings_starts_a_new_part_and_ranges_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Time90k::from_unix_secs(1_800_000_000);
    // Run 1: two segments of 100 frames back to back; run 2 starts 10 s after run 1 ends.
    let run1_end = t0 + 200 * F;
    fake(dir.path(), &[(1, t0, 100), (1, t0 + 100 * F, 100), (2, run1_end + 10 * S, 100)]);
    let store = Store::open_dir(dir.path()).unwrap();
    let root = recordings_root(dir.path());
    // From frame 60 (keyframes every 50 frames: starts at frame 50) to 2 s into run 2.
    let from = t0 + 60 * F;
    let to = run1_end + 12 * S;
    let parts = plan_parts(&store, &root, "cam01", from, to).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].start_90k, t0 + 50 * F, "starts at the keyframe at or before `from`");
    assert_eq!(parts[0].samples.len(), 150, "frames 50..200 of run 1, across its segment boundary");
    assert_eq!(parts[1].start_90k, run1_end + 10 * S);
    assert_eq!(parts[1].samples.len(), 50, "2 s of run 2 at 25 fps");
    let manifest = export(
        dir.path(),
        &ExportRequest {
            cameras: vec!["cam01".into()],
            from_90k: from,
            to_90k: to,
            out_dir: dir.path().join("out"),
            exported_by: "t".into(),
            snapshots: Vec::new(),
            burn_in: false,
            case_number: String::new(),
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let names: Vec<&str> = manifest.files.iter().map(|f| f.file.as_str()).collect();
    assert!(names[1].ends_with("_part2.mp4"), "{names:?}");
    assert_eq!(manifest.files[1].covered.from_90k, run1_end + 10 * S);
    assert_eq!(manifest.files[0].covered.to_90k, run1_end);
}

const AVCC: &[u8] = &[
    0x01, 0x64, 0x00, 0x28, 0xff, 0xe1, 0x00, 0x19, 0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00,
    0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x60, 0x01, 0x00, 0x04, 0x68, 0xeb, 0xe3, 0xcb, 0xfd, 0xf8, 0xf8, 0x00,
];

/// Segments of fake frames (valid containers, not decodable), indexed as the recorder would:
/// (run, start, frames at 25 fps, keyframe every 50).
fn fake(data: &Path, segments: &[(i64, Time90k, u32)]) -> PathBuf {
    let mut store = Store::open_dir(data).unwrap();
    store.replace_site(&site_at("cam01", "rtsp://127.0.0.1:9/cam/cam01/main", None)).unwrap();
    let root = recordings_root(data);
    let config = CodecConfig { codec: VideoCodec::H264, codec_data: AVCC.to_vec(), width: 1920, height: 1080 };
    let mut runs = std::collections::HashMap::new();
    for (i, (run, start, frames)) in segments.iter().enumerate() {
        let run_id = *runs.entry(*run).or_insert_with(|| store.begin_run("cam01", "main", *start).unwrap());
        let rel = format!("cam01/day/{}_r{run_id}_s{i}.mp4", start.0);
        let mut w = SegmentWriter::create(&root.join(&rel), &config, 0, 45_000).unwrap();
        for f in 0..*frames {
            w.push(Sample { duration_90k: 3600, cts_offset_90k: 0, keyframe: f % 50 == 0, data: Box::new(vec![(f % 251) as u8; 1500]) })
                .unwrap();
        }
        let s = w.finish().unwrap();
        store
            .insert_segment(&NewSegment {
                run_id,
                camera_id: "cam01",
                seq: i as i64,
                start_90k: *start,
                duration_90k: s.duration(),
                path: &rel,
                bytes: s.bytes as i64,
                frames: s.frames as i64,
                codec: "H264",
                width: 1920,
                height: 1080,
                keyframe_index: &vigil::store::keyframe_index::encode_keyframe_index(&s.keyframes),
            })
            .unwrap();
    }
    root
}

/// Width and height of a PNG, from its IHDR chunk.
fn image_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()))
}

/// The first frame of a file as 8-bit grey, 1920x1080.
fn first_frame_grey(path: &Path) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    assert_eq!(out.stdout.len(), 1920 * 1080, "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
fn a_burned_in_export_shows_name_and_time_and_keeps_every_frame() {
    let dir = record("cam-d", 2);
    let store = Store::open_dir(dir.path()).unwrap();
    let segs = store.segments_of_camera("cam-d").unwrap();
    let (from, to) = (segs[0].start_90k, segs[0].start_90k + 2 * S);
    let plain = dir.path().join("plain");
    let burned = dir.path().join("burned");
    for (out, burn_in) in [(&plain, false), (&burned, true)] {
        let request = ExportRequest {
            cameras: vec!["cam-d".into()],
            from_90k: from,
            to_90k: to,
            out_dir: out.clone(),
            exported_by: "test".into(),
            snapshots: Vec::new(),
            burn_in,
            case_number: String::new(),
        };
        let mut last = 0.0;
        export(dir.path(), &request, &mut |p| last = p.fraction(), &AtomicBool::new(false)).unwrap();
        assert_eq!(last, 1.0);
    }
    let (m_plain, _) = verify(&plain).unwrap();
    let (m_burned, report) = verify(&burned).unwrap();
    assert!(report.is_intact());
    let (p, b) = (&m_plain.files[0], &m_burned.files[0]);
    assert!(b.burned_in && !p.burned_in);
    assert_eq!(b.covered, p.covered, "the same stretch of time");
    let bf = burned.join(&b.file);
    assert_eq!(ffprobe_frames(&bf) as u64, p.frames, "every frame kept");
    assert!((ffprobe_duration(&bf) - p.duration_s).abs() <= 0.04 + 1e-6);
    let errors = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&bf).args(["-f", "null", "-"]).output().unwrap();
    assert!(errors.stderr.is_empty(), "{}", String::from_utf8_lossy(&errors.stderr));
    // The text: the top-left corner differs from the recorded picture; the middle barely does.
    let (a, c) = (first_frame_grey(&plain.join(&p.file)), first_frame_grey(&bf));
    let diff = |x0: usize, y0: usize, w: usize, h: usize| -> f64 {
        let mut sum = 0u64;
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                sum += u64::from(a[y * 1920 + x].abs_diff(c[y * 1920 + x]));
            }
        }
        sum as f64 / (w * h) as f64
    };
    let (corner, middle) = (diff(0, 0, 500, 90), diff(800, 500, 300, 100));
    assert!(corner > 8.0 && corner > middle * 4.0, "corner {corner:.1} vs middle {middle:.1}");
}

/// The codec ffprobe sees in a file's first video stream.
fn ffprobe_codec(path: &Path) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn an_h265_camera_exports_as_recorded_with_its_snapshot_and_burned_in_as_h264() {
    // cam-b's main stream is H.265 in the test town (as on many newer cameras).
    let dir = record("cam-b", 2);
    let store = Store::open_dir(dir.path()).unwrap();
    let segs = store.segments_of_camera("cam-b").unwrap();
    assert_eq!(segs[0].codec, "H265");
    let (from, to) = (segs[0].start_90k + S / 2, segs[1].start_90k + S);
    let snapshot_at = from + S;
    let plain = dir.path().join("plain");
    let burned = dir.path().join("burned");
    for (out, burn_in) in [(&plain, false), (&burned, true)] {
        let request = ExportRequest {
            cameras: vec!["cam-b".into()],
            from_90k: from,
            to_90k: to,
            out_dir: out.clone(),
            exported_by: "test".into(),
            snapshots: if burn_in { Vec::new() } else { vec![snapshot_at] },
            burn_in,
            case_number: String::new(),
        };
        export(dir.path(), &request, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    }
    let (manifest, report) = verify(&plain).unwrap();
    assert!(report.is_intact());
    let f = &manifest.files[0];
    let file = plain.join(&f.file);
    assert_eq!(ffprobe_codec(&file), "hevc", "exported as recorded, no re-encode");
    assert_eq!(ffprobe_frames(&file) as u64, f.frames);
    assert!((ffprobe_duration(&file) - f.duration_s).abs() <= 0.04 + 1e-6);
    let errors = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&file).args(["-f", "null", "-"]).output().unwrap();
    assert!(errors.stderr.is_empty(), "ffmpeg: {}", String::from_utf8_lossy(&errors.stderr));
    // Consecutive recorded frames across the segment boundary.
    let clip_frames = ClipSpec::main(Codec::H265).frames();
    let (a, b) =
        (frame_number(&file, 0).expect("first frame's number"), frame_number(&file, f.frames as usize - 1).expect("last frame's number"));
    assert_eq!((b + clip_frames - a) % clip_frames, (f.frames as u32 - 1) % clip_frames, "frames {a}..{b} for {} frames", f.frames);
    // The snapshot decodes the H.265 frame at that instant, full size.
    let snap = &manifest.snapshots[0];
    assert_eq!((snap.width, snap.height), (1920, 1080));
    assert_eq!(image_size(&plain.join(&snap.file)), (1920, 1080));
    // Burned in: re-encoded as H.264 (the text needs new pictures), every frame kept.
    let (burned_manifest, _) = verify(&burned).unwrap();
    let bf = burned.join(&burned_manifest.files[0].file);
    assert_eq!(ffprobe_codec(&bf), "h264");
    assert_eq!(ffprobe_frames(&bf) as u64, f.frames);
}

/// The burned-in frame number of every frame of a 1080p file, in presentation order as ffmpeg
/// decodes it (only the barcode's strip is decoded out).
fn frame_numbers(path: &Path) -> Vec<Option<u32>> {
    let block = ClipSpec::main(Codec::H264).barcode_block() as usize;
    let (w, h) = (20 * block, 2 * block);
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vf", &format!("crop={w}:{h}:0:{}", 1080 - h), "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    out.stdout.chunks_exact(w * h).map(|luma| read_barcode(luma, w, w, h, block)).collect()
}

#[test]
fn a_b_frame_camera_exports_every_frame_in_order_for_any_player() {
    // cam-g sends H.264 with 3 B-frames in a pyramid: recorded with signed composition offsets,
    // exported with unsigned ones and an edit list (what plain players expect).
    let dir = record("cam-g", 3);
    let store = Store::open_dir(dir.path()).unwrap();
    let segs = store.segments_of_camera("cam-g").unwrap();
    let (from, to) = (segs[0].start_90k + S / 2, segs[2].start_90k + S);
    let out = dir.path().join("export");
    let request = ExportRequest {
        cameras: vec!["cam-g".into()],
        from_90k: from,
        to_90k: to,
        out_dir: out.clone(),
        exported_by: "test".into(),
        snapshots: Vec::new(),
        burn_in: false,
        case_number: String::new(),
    };
    export(dir.path(), &request, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let (manifest, report) = verify(&out).unwrap();
    assert!(report.is_intact());
    assert_eq!(manifest.files.len(), 1, "one part: the run has no gap");
    let f = &manifest.files[0];
    let file = out.join(&f.file);
    let errors = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&file).args(["-f", "null", "-"]).output().unwrap();
    assert!(errors.stderr.is_empty(), "ffmpeg: {}", String::from_utf8_lossy(&errors.stderr));
    let ctts =
        Command::new("ffprobe").args(["-v", "error", "-show_entries", "packet=pts,dts", "-of", "csv=p=0"]).arg(&file).output().unwrap();
    let packets: Vec<(i64, i64)> = String::from_utf8_lossy(&ctts.stdout)
        .lines()
        .filter_map(|l| l.split_once(',').and_then(|(p, d)| Some((p.parse().ok()?, d.parse().ok()?))))
        .collect();
    assert_eq!(packets.len() as u64, f.frames);
    assert!(packets.iter().all(|&(pts, dts)| pts >= dts), "no picture shown before it is decoded");
    assert!(packets.iter().any(|&(pts, dts)| pts > dts), "composition offsets kept");
    // In the file itself: a version-0 (unsigned) ctts, and an edit list that starts the
    // presentation at the first picture.
    let bytes = std::fs::read(&file).unwrap();
    let at = |fourcc: &[u8]| bytes.windows(4).position(|w| w == fourcc);
    let ctts = at(b"ctts").expect("a ctts box");
    assert_eq!(bytes[ctts + 4], 0, "ctts version 0: unsigned offsets");
    assert!(at(b"elst").is_some(), "an edit list");
    let numbers = frame_numbers(&file);
    assert_eq!(numbers.len() as u64, f.frames, "every frame decodes");
    let clip_frames = ClipSpec::main(Codec::H264).frames();
    let numbers: Vec<u32> = numbers.into_iter().map(|n| n.expect("every frame's number is readable")).collect();
    for (i, pair) in numbers.windows(2).enumerate() {
        assert_eq!((pair[0] + 1) % clip_frames, pair[1], "frame {i} → {}: shown in the camera's order, none missing", i + 1);
    }
    // The clip starts at the keyframe at or before the range's start and is exactly as long as
    // its frames.
    assert!((ffprobe_duration(&file) - f.frames as f64 * 0.04).abs() <= 0.04 + 1e-6, "{} s", ffprobe_duration(&file));
}
