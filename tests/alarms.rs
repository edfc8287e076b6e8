//! Alarms with real processes: the recorder's alarm runner against the simulator (a camera taken
//! offline, a stalled one), the real SQLite file, and `vigil alarm …` as an officer types it.

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
    let dir = tempfile::tempdir().unwrap();
    Store::open_dir(dir.path()).unwrap().replace_site(site).unwrap();
    let (ingest, _events, _wakes) = common::engine(common::fast_policy());
    let config = RecorderConfig {
        idle_end_ms: 1500,
        housekeeping_interval: Duration::from_millis(200),
        record_previews: false,
        alarms: Some(rules()),
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
