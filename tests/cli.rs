//! The command line as a person uses it: the real binary, a real data dir.

use std::path::Path;
use std::process::{Command, Output};

fn vigil(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("VIGIL_DATA_DIR")
        .output()
        .expect("vigil runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(dir.path(), &["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for sub in ["demo", "simulate", "record", "bench", "site"] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(sub)), "--help lacks {sub}:\n{help}");
    }
}

#[test]
fn record_without_a_site_says_what_to_do_and_status_says_nobody_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(dir.path(), &["record"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("vigil site import"), "{}", text(&out.stderr));
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sites/demo-town.toml");
    assert!(vigil(dir.path(), &["site", "import", demo]).status.success());
    let out = vigil(dir.path(), &["record", "--status"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("no recorder running"), "{table}");
    assert_eq!(table.lines().filter(|l| l.starts_with("cam") && !l.starts_with("camera")).count(), 35, "{table}");
    let out = vigil(dir.path(), &["record", "--check"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("index integrity: ok"));
}

#[test]
fn a_bad_record_setting_in_a_site_file_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sites/demo-town.toml")).unwrap();
    // The first camera records "everything", which is not a profile.
    let bad = demo.replacen("[[camera]]\n", "[[camera]]\nrecord = \"everything\"\n", 1);
    let line = bad.lines().position(|l| l.contains("everything")).unwrap() + 1;
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let out = vigil(dir.path(), &["site", "import", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("line {line}")) && err.contains("record"), "{err}");
}

#[test]
fn site_import_then_export_round_trips_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sites/demo-town.toml");
    let out = vigil(dir.path(), &["site", "import", demo]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("9 neighborhoods and 35 cameras"));
    let exported = vigil(dir.path(), &["site", "export"]);
    assert!(exported.status.success());
    let first = text(&exported.stdout);
    assert!(first.contains("name = \"Khu phố 9\""));

    // A file with a bad URL on line 12: a clear error naming line and field, and the DB untouched.
    let bad = dir.path().join("bad.toml");
    let mut bad_text = std::fs::read_to_string(demo).unwrap();
    bad_text = bad_text.replacen("rtsp://127.0.0.1:8554/cam/cam01/main", "rtsp//127.0.0.1:8554/cam/cam01/main", 1);
    std::fs::write(&bad, &bad_text).unwrap();
    let line = bad_text.lines().position(|l| l.contains("rtsp//")).unwrap() + 1;
    let out = vigil(dir.path(), &["site", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("line {line}")) && err.contains("`main`") && err.contains("malformed URL"), "{err}");
    let again = vigil(dir.path(), &["site", "export"]);
    assert_eq!(text(&again.stdout), first, "a failed import must not change the stored site");

    // Not TOML at all.
    std::fs::write(&bad, "[site\nname = 1").unwrap();
    let out = vigil(dir.path(), &["site", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("line 1"), "{}", text(&out.stderr));
}

#[test]
fn export_without_a_site_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(dir.path(), &["site", "export"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("vigil site import"));
}

#[test]
fn simulate_list_json_describes_every_camera() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(dir.path(), &["simulate", "--list", "--json", "--port", "9554"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cams = v["cameras"].as_array().unwrap();
    assert_eq!(cams.len(), 35);
    assert_eq!(cams[0]["id"], "cam01");
    assert_eq!(cams[0]["neighborhood"], "Khu phố 1");
    assert_eq!(cams[0]["main"], "rtsp://127.0.0.1:9554/cam/cam01/main");
    assert_eq!(cams[34]["sub"], "rtsp://127.0.0.1:9554/cam/cam35/sub");
    assert!(cams.iter().all(|c| c["name"].as_str().is_some_and(|n| !n.is_empty())));
}

#[test]
fn bench_live_rejects_impossible_camera_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(dir.path(), &["bench", "live", "--cameras", "99", "--seconds", "1"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--cameras must be 1..=35"));
}

#[test]
fn an_export_from_the_data_dir_given_to_the_demo_says_where_the_demos_recordings_are() {
    // `vigil demo --data-dir D` records into D/demo; the officer then naturally exports from D.
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let mut store = vigil::store::Store::open_dir(&demo).unwrap();
    store.replace_site(&vigil::core::sitefile::demo_town(8554)).unwrap();
    drop(store);
    let out_dir = dir.path().join("evidence");
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["export", "--camera", "cam01", "--from", "2026-12-03T01:00:00+07:00", "--to", "2026-12-03T01:05:00+07:00", "--out"])
        .arg(&out_dir)
        .env_remove("VIGIL_DATA_DIR")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("--data-dir {}", demo.display())), "{err}");
    assert!(!out_dir.exists(), "nothing written");
}
