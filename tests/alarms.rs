//! Alarms with real processes: the recorder's alarm runner against the simulator (a camera taken
//! offline, a stalled one, a frozen picture, a covered lens, a passer-by, quiet streets), the
//! real SQLite file, and `vigil alarm …` as an officer types it.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigil::core::alarm::{AlarmKind, AlarmState, Rules};
use vigil::core::site::Site;
use vigil::core::time::Time90k;
use vigil::record::{Recorder, RecorderConfig};
use vigil::store::Store;
use vigil::store::alarms::{AlarmFilter, AlarmRow};

fn site(cameras: &[&str]) -> Site {
    common::site_of(cameras)
}

/// Short thresholds so the tests take seconds: offline after 3 s, no picture after 3 s.
fn rules() -> Rules {
    let mut rules = Rules { no_picture_s: 3, ..Rules::default() };
    rules.offline.debounce_s = 3;
    rules
}

fn start(site: &Site) -> (tempfile::TempDir, Recorder) {
    start_with(site, rules())
}

fn start_with(site: &Site, rules: Rules) -> (tempfile::TempDir, Recorder) {
    let dir = tempfile::tempdir().unwrap();
    Store::open_dir(dir.path()).unwrap().replace_site(site).unwrap();
    let (ingest, _events, _wakes) = common::engine(common::fast_policy());
    let config = RecorderConfig {
        idle_end_ms: 1500,
        housekeeping_interval: Duration::from_millis(200),
        record_previews: false,
        alarms: Some(rules),
        ..RecorderConfig::default()
    };
    let (recorder, _record_events) = Recorder::start(dir.path(), site, Arc::new(ingest), config).unwrap();
    (dir, recorder)
}

/// Waits (polling the database another process would read) until `f` finds what it wants.
fn wait_alarm<T>(store: &Store, what: &str, timeout: Duration, f: impl Fn(&[AlarmRow]) -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        let rows = store.alarms(AlarmFilter::All, 100).unwrap();
        if let Some(found) = f(&rows) {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {rows:#?}");
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

/// Watches the database for `span`: no alarm may appear meanwhile (a healthy camera raises
/// nothing, however long it is watched past every threshold).
fn assert_no_alarm_for(store: &Store, span: Duration, what: &str) {
    let until = Instant::now() + span;
    while Instant::now() < until {
        let rows = store.alarms(AlarmFilter::All, 10).unwrap();
        assert!(rows.is_empty(), "{what}: {rows:#?}");
        std::thread::park_timeout(Duration::from_millis(200));
    }
}

/// Polls `done` (a status another thread updates) until it holds; panics after `timeout`.
fn wait_until(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

fn vigil(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).arg("--data-dir").arg(dir).args(args).env_remove("VIGIL_DATA_DIR").output().unwrap()
}

#[test]
fn a_camera_offline_past_its_debounce_raises_an_alarm_that_clears_on_return_and_officers_work_it_from_the_shell() {
    let sim = common::simulator();
    let site = site(&["cam-d"]);
    let (dir, recorder) = start(&site);
    let store = Store::open_dir(dir.path()).unwrap();
    wait_until(Duration::from_secs(30), "cam-d recording", || recorder.status().cameras.iter().all(|c| c.recording));
    // Past the 3 s thresholds (offline, no picture): a recorded camera that sends video raises
    // nothing, though the recorder decodes none of it.
    assert_no_alarm_for(&store, Duration::from_secs(5), "a live camera raised an alarm");

    let off = Instant::now();
    sim.set_offline("cam-d", true).unwrap();
    // Detected (2 s without video) + the 3 s debounce, within 5 s more.
    let alarm = wait_alarm(&store, "the offline alarm", Duration::from_secs(2 + 3 + 5), |rows| {
        rows.iter().find(|r| r.alarm.kind == AlarmKind::Offline).map(|r| r.alarm.clone())
    });
    let raised_after = off.elapsed();
    assert!(raised_after >= Duration::from_secs(3), "raised {raised_after:?} after going offline: before the debounce");
    assert_eq!((alarm.camera.as_deref(), alarm.state.clone(), alarm.cleared_at), (Some("cam-d"), AlarmState::New, None));
    assert!(!alarm.detail.is_empty(), "the offline reason is kept");

    sim.set_offline("cam-d", false).unwrap();
    let cleared = wait_alarm(&store, "the alarm cleared", Duration::from_secs(20), |rows| {
        rows.iter().find(|r| r.alarm.id == alarm.id && r.alarm.cleared_at.is_some()).map(|r| r.alarm.clone())
    });
    assert!(cleared.is_open(), "cleared, still open for the officer: {:?}", cleared.state);
    let outages = store.outages("cam-d", Time90k(0), Time90k::MAX).unwrap();
    assert_eq!(outages.len(), 1, "{outages:?}");
    assert_eq!(outages[0].alarm_id, Some(alarm.id));
    assert!(outages[0].to - outages[0].from >= vigil::core::time::Duration90k::from_secs(3));

    // The officer's side, as typed at a shell (another process than the recorder).
    let id = alarm.id.to_string();
    let listed = vigil(dir.path(), &["alarm", "list", "--json"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let json: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let first = &json["alarms"][0];
    assert_eq!((first["id"].as_u64(), first["kind"].as_str(), first["camera"].as_str()), (Some(alarm.id), Some("offline"), Some("cam-d")));
    assert_eq!((first["state"].as_str(), first["count"].as_u64(), first["priority"].as_u64()), (Some("new"), Some(1), Some(1)));
    assert!(first["opened_at"].as_str().is_some_and(|t| t.ends_with('Z')) && first["cleared_at"].is_string(), "{first}");

    let ack = vigil(dir.path(), &["alarm", "ack", &id, "--by", "Trung úy Lê Văn B", "--note", "tổ tuần tra đang tới"]);
    assert!(ack.status.success(), "{}", String::from_utf8_lossy(&ack.stderr));
    let again = vigil(dir.path(), &["alarm", "ack", &id, "--by", "Trung úy Lê Văn B"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing was changed"), "{}", String::from_utf8_lossy(&again.stderr));
    let unknown = vigil(dir.path(), &["alarm", "close", "9999", "--by", "x", "--resolution", "test"]);
    assert!(!unknown.status.success() && String::from_utf8_lossy(&unknown.stderr).contains("no alarm #9999"));
    let bad = vigil(dir.path(), &["alarm", "close", &id, "--by", "x", "--resolution", "auto"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("unknown resolution"));
    let row = &store.alarms(AlarmFilter::All, 10).unwrap()[0];
    assert!(matches!(&row.alarm.state, AlarmState::Acknowledged { note, .. } if note == "tổ tuần tra đang tới"), "{:?}", row.alarm.state);

    let close = vigil(dir.path(), &["alarm", "close", &id, "--by", "Trung úy Lê Văn B", "--resolution", "technical", "--note", "mất điện"]);
    assert!(close.status.success(), "{}", String::from_utf8_lossy(&close.stderr));
    let open = vigil(dir.path(), &["alarm", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&open.stdout).unwrap();
    assert_eq!(json["alarms"].as_array().map(Vec::len), Some(0), "closed alarms leave the open list: {json}");
    let all: serde_json::Value = serde_json::from_slice(&vigil(dir.path(), &["alarm", "list", "--state", "all", "--json"]).stdout).unwrap();
    assert_eq!(all["alarms"][0]["acknowledged_by"].as_str(), Some("Trung úy Lê Văn B"));
    assert_eq!(all["alarms"][0]["resolution"].as_str(), Some("technical"));

    // The shift report names it, who acknowledged, and the notes.
    let report = dir.path().join("ca-truc.html");
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    let made = vigil(dir.path(), &["alarm", "report", "--from", &from, "--to", &to, "--out", report.to_str().unwrap()]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    for want in ["Báo cáo ca trực", "Mất tín hiệu", "Camera cam-d", "Trung úy Lê Văn B", "tổ tuần tra đang tới", "mất điện", "lỗi kỹ thuật"]
    {
        assert!(html.contains(want), "the report lacks {want:?}");
    }
    recorder.shutdown();
    // The recorder's engine followed the close made in another process: nothing is open.
    assert!(store.alarms(AlarmFilter::Open, 10).unwrap().is_empty());
}

#[test]
fn a_connected_camera_that_sends_no_picture_raises_a_no_picture_alarm() {
    let sim = common::simulator();
    let site = site(&["cam-e"]);
    let (dir, recorder) = start(&site);
    let store = Store::open_dir(dir.path()).unwrap();
    wait_until(Duration::from_secs(30), "cam-e recording", || recorder.status().cameras.iter().all(|c| c.recording));
    assert_no_alarm_for(&store, Duration::from_secs(5), "a live camera raised an alarm");
    sim.set_stalled("cam-e", true).unwrap();
    let alarm = wait_alarm(&store, "the no-picture alarm", Duration::from_secs(20), |rows| {
        rows.iter().find(|r| matches!(r.alarm.kind, AlarmKind::NoPicture | AlarmKind::Offline)).map(|r| r.alarm.clone())
    });
    sim.set_stalled("cam-e", false).unwrap();
    assert_eq!(alarm.kind, AlarmKind::NoPicture, "a stalled stream is not offline first: {alarm:?}");
    assert_eq!(alarm.camera.as_deref(), Some("cam-e"));
    recorder.shutdown();
}

/// Rules for the picture tests: frozen and video loss after 3 s; motion alarms on `armed`
/// (always) and on `unarmed` (armed only for an hour half a day from now), every camera ignoring
/// the simulator's own changing text (as a site masks a camera's clock).
fn picture_rules(armed: &[&str], unarmed: &[&str]) -> Rules {
    use chrono::Timelike;
    use vigil::core::alarm::{MotionRule, Schedule};
    let mut rules = Rules { frozen_s: 3, video_loss_s: 3, ..rules() };
    let ignore = vigil::media::simulate::osd_mask();
    let hour = (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).hour() + 12) % 24;
    let elsewhere = Schedule::parse(&format!("{hour:02}:00-{:02}:00", (hour + 1) % 24)).unwrap();
    for id in armed {
        rules.motion.insert((*id).into(), MotionRule { ignore, ..MotionRule::default() });
    }
    for id in unarmed {
        rules.motion.insert((*id).into(), MotionRule { ignore, schedule: elsewhere.clone(), ..MotionRule::default() });
    }
    rules
}

fn find(rows: &[AlarmRow], kind: AlarmKind, camera: &str) -> Option<vigil::core::alarm::Alarm> {
    rows.iter().find(|r| r.alarm.kind == kind && r.alarm.camera.as_deref() == Some(camera)).map(|r| r.alarm.clone())
}

#[test]
fn a_frozen_picture_raises_a_frozen_alarm_and_a_covered_lens_a_video_loss_alarm() {
    let sim = common::simulator();
    let site = site(&["cam-f"]);
    let (dir, recorder) = start_with(&site, picture_rules(&[], &[]));
    let store = Store::open_dir(dir.path()).unwrap();
    wait_until(Duration::from_secs(30), "cam-f recording", || recorder.status().cameras.iter().all(|c| c.recording));
    // The quiet street is still, but its sensor noise is not a frozen picture.
    assert_no_alarm_for(&store, Duration::from_secs(6), "a live still street raised an alarm");

    sim.set_frozen("cam-f", true).unwrap();
    let frozen = wait_alarm(&store, "the frozen alarm", Duration::from_secs(3 + 5), |rows| find(rows, AlarmKind::Frozen, "cam-f"));
    assert_eq!((frozen.priority.level(), frozen.cleared_at), (2, None));
    sim.set_frozen("cam-f", false).unwrap();
    wait_alarm(&store, "the frozen alarm cleared", Duration::from_secs(5), |rows| {
        find(rows, AlarmKind::Frozen, "cam-f").filter(|a| a.cleared_at.is_some())
    });

    sim.set_dark("cam-f", true).unwrap();
    let loss = wait_alarm(&store, "the video-loss alarm", Duration::from_secs(3 + 5), |rows| find(rows, AlarmKind::VideoLoss, "cam-f"));
    assert_eq!(loss.priority.level(), 1, "a covered lens is as urgent as an offline camera");
    sim.set_dark("cam-f", false).unwrap();
    wait_alarm(&store, "the video-loss alarm cleared", Duration::from_secs(5), |rows| {
        find(rows, AlarmKind::VideoLoss, "cam-f").filter(|a| a.cleared_at.is_some())
    });
    let kinds: Vec<AlarmKind> = store.alarms(AlarmFilter::All, 10).unwrap().iter().map(|r| r.alarm.kind).collect();
    assert_eq!(kinds.len(), 2, "nothing but the two alarms (no motion, no frozen for the black picture): {kinds:?}");
    recorder.shutdown();
}

#[test]
fn motion_in_armed_hours_raises_an_alarm_within_2_s_and_every_motion_is_kept_for_the_timeline_and_search() {
    use vigil::core::motion_mask::MotionMask;
    let sim = common::simulator();
    let site = site(&["cam-a", "cam-b"]);
    let (dir, recorder) = start_with(&site, picture_rules(&["cam-a"], &["cam-b"]));
    let store = Store::open_dir(dir.path()).unwrap();
    wait_until(Duration::from_secs(30), "both recording", || recorder.status().cameras.iter().all(|c| c.recording));
    assert_no_alarm_for(&store, Duration::from_secs(3), "quiet streets raised an alarm");

    let began = Instant::now();
    let from = vigil::core::time::now_90k();
    sim.set_motion("cam-a", 5.0).unwrap();
    sim.set_motion("cam-b", 5.0).unwrap();
    let alarm = wait_alarm(&store, "the motion alarm", Duration::from_secs(2), |rows| find(rows, AlarmKind::Motion, "cam-a"));
    let after = began.elapsed();
    assert!(after <= Duration::from_secs(2), "raised {after:?} after the rider appeared");
    assert_eq!(alarm.priority.level(), 2);

    // Motion ends 2 s after the rider's last frame: both intervals are stored, the unarmed
    // camera's too (its strip shows it; it raised nothing).
    let ended = |camera: &str| {
        let found = store.motion_intervals(camera, from, Time90k::MAX).unwrap();
        (found.len() == 1 && found[0].end_90k.is_some()).then(|| found[0].clone())
    };
    wait_until(Duration::from_secs(5 + 2 + 5), "both motion intervals ended", || ended("cam-a").is_some() && ended("cam-b").is_some());
    let span = ended("cam-a").unwrap();
    let lasted = (span.end_90k.unwrap() - span.start_90k).to_std();
    assert!((Duration::from_secs(3)..Duration::from_secs(8)).contains(&lasted), "5 s of motion lasted {lasted:?}");
    assert!(span.start_90k - from < vigil::core::time::Duration90k::from_secs(2), "began as the rider appeared");
    let rows = store.alarms(AlarmFilter::All, 10).unwrap();
    assert!(find(&rows, AlarmKind::Motion, "cam-b").is_none(), "unarmed hours raise nothing: {rows:#?}");
    assert_eq!(rows.len(), 1, "{rows:#?}");

    // Smart Motion Search: the rider rode along the road (rows 5-6 of the 16x9 grid), never in
    // the sky (rows 0-1).
    let mut road = MotionMask::EMPTY;
    let mut sky = MotionMask::EMPTY;
    for col in 0..16 {
        road.set(col, 5, true);
        road.set(col, 6, true);
        sky.set(col, 0, true);
        sky.set(col, 1, true);
    }
    let seconds = store.motion_in_region("cam-a", from, Time90k::MAX, road).unwrap();
    assert!(seconds.len() >= 3, "seconds with motion on the road: {seconds:?}");
    assert!(store.motion_in_region("cam-a", from, Time90k::MAX, sky).unwrap().is_empty(), "nothing moved in the sky");

    // Rules saved while it runs (the GUI's motion settings, `vigil alarm rules --set`) apply
    // within seconds, without a restart: cam-b is armed all day now. A rider passes again until
    // one of its passes raises an alarm (the runner reads the rules every 5 s).
    store.save_setting(&vigil::core::settings::Setting::AlarmRules(Box::new(picture_rules(&["cam-a", "cam-b"], &[])))).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let ended = |camera: &str| store.motion_intervals(camera, from, Time90k::MAX).unwrap().iter().filter(|m| m.end_90k.is_some()).count();
    while find(&store.alarms(AlarmFilter::All, 10).unwrap(), AlarmKind::Motion, "cam-b").is_none() {
        assert!(Instant::now() < deadline, "the saved rules never applied");
        let before = ended("cam-b");
        sim.set_motion("cam-b", 1.0).unwrap();
        wait_until(Duration::from_secs(10), "cam-b's rider passed", || ended("cam-b") > before);
    }
    recorder.shutdown();
}

#[test]
fn quiet_streets_raise_no_alarm_in_two_minutes() {
    let _sim = common::simulator();
    let site = site(&["cam-g", "cam-h"]);
    let (dir, recorder) = start_with(&site, picture_rules(&["cam-g", "cam-h"], &[]));
    let store = Store::open_dir(dir.path()).unwrap();
    wait_until(Duration::from_secs(30), "both recording", || recorder.status().cameras.iter().all(|c| c.recording));
    // Armed for motion all day, frozen and video loss after 3 s: two minutes of still streets
    // with sensor noise (one camera's main stream with B-frames) raise nothing at all.
    assert_no_alarm_for(&store, Duration::from_secs(120), "a quiet street raised an alarm");
    for camera in ["cam-g", "cam-h"] {
        let motion = store.motion_intervals(camera, Time90k(0), Time90k::MAX).unwrap();
        assert!(motion.is_empty(), "{camera}: motion in a quiet street: {motion:?}");
    }
    recorder.shutdown();
}

#[test]
fn footage_deleted_for_space_before_its_retention_days_raises_a_recording_alarm() {
    use vigil::record::retention::RetentionPolicy;
    let _sim = common::simulator();
    let mut site = site(&["cam-h"]);
    site.cameras[0].retain_days = Some(30);
    let dir = tempfile::tempdir().unwrap();
    Store::open_dir(dir.path()).unwrap().replace_site(&site).unwrap();
    let (ingest, _events, _wakes) = common::engine(common::fast_policy());
    // A disk far too small for 30 days: a quota of 1 byte deletes every finished segment.
    let config = RecorderConfig {
        segment_target_ms: 2_000,
        idle_end_ms: 1500,
        housekeeping_interval: Duration::from_millis(200),
        record_previews: false,
        analyse_pictures: false,
        retention: RetentionPolicy { quota_bytes: Some(1), min_free_bytes: 0 },
        alarms: Some(rules()),
        ..RecorderConfig::default()
    };
    let (recorder, _record_events) = Recorder::start(dir.path(), &site, Arc::new(ingest), config).unwrap();
    let store = Store::open_dir(dir.path()).unwrap();
    let alarm = wait_alarm(&store, "the aged-out-early alarm", Duration::from_secs(30), |rows| {
        rows.iter().find(|r| r.alarm.kind == AlarmKind::Recording).map(|r| r.alarm.clone())
    });
    assert_eq!((alarm.camera.as_deref(), alarm.subject.as_str()), (Some("cam-h"), "aged_out_early"));
    recorder.shutdown();
}
