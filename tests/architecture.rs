//! The module rules of docs/architecture.md, checked on the source: which external crates each
//! module may use (core nothing heavy, media no egui, the app no GStreamer) and which of our own
//! modules it may reach (store never the recorder, media never the store, …).

use std::path::Path;

fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

fn assert_no_import(module: &str, forbidden: &[&str]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(module);
    let files = sources(&dir);
    assert!(!files.is_empty(), "no sources in src/{module}");
    for (path, text) in files {
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for word in forbidden {
                assert!(!line.contains(word), "{path} must not use {word}: {line}");
            }
        }
    }
}

#[test]
fn core_is_pure() {
    assert_no_import("core", &["egui", "eframe", "gstreamer", "gst::", "wgpu", "rusqlite"]);
}

#[test]
fn media_never_touches_the_ui() {
    assert_no_import("media", &["egui", "eframe", "wgpu"]);
}

#[test]
fn the_recorder_touches_neither_the_ui_nor_gstreamer() {
    assert_no_import("record", &["egui", "eframe", "wgpu", "gstreamer", "gst::"]);
}

#[test]
fn the_playback_engine_touches_no_ui() {
    assert_no_import("playback", &["egui", "eframe", "wgpu", "gstreamer", "gst::"]);
}

#[test]
fn the_alarm_runner_touches_neither_the_ui_nor_gstreamer() {
    assert_no_import("alarm", &["egui", "eframe", "wgpu", "gstreamer", "gst::"]);
}

#[test]
fn the_app_never_touches_gstreamer() {
    assert_no_import("app", &["gstreamer", "gst::"]);
}

#[test]
fn threads_are_named() {
    let files = sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    for (path, text) in files {
        assert!(!text.contains("thread::spawn("), "{path}: use std::thread::Builder with a name");
    }
}

/// Lines of `module`'s sources (comments left out) that name `crate::<other>` for a forbidden
/// `other`.
fn internal_uses(module: &str, forbidden: &[&str]) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(module);
    let files = sources(&dir);
    assert!(!files.is_empty(), "no sources in src/{module}");
    let mut found = Vec::new();
    for (path, text) in files {
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for other in forbidden {
                let needle = format!("crate::{other}");
                let mut rest = line;
                while let Some(at) = rest.find(&needle) {
                    let after = rest[at + needle.len()..].chars().next();
                    if !after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        found.push(format!("{path}: uses crate::{other}: {}", line.trim()));
                    }
                    rest = &rest[at + needle.len()..];
                }
            }
        }
    }
    found
}

const MODULES: &[&str] = &["alarm", "app", "bench", "cli", "core", "export", "media", "paths", "playback", "record", "render", "store"];

#[test]
fn internal_edges_follow_the_rules() {
    let others: Vec<&str> = MODULES.iter().copied().filter(|m| *m != "core").collect();
    let rules: &[(&str, &[&str])] = &[
        ("core", &others),
        ("store", &["record", "app", "media", "cli", "bench", "export", "playback", "render", "alarm"]),
        ("record", &["cli", "app", "bench", "playback", "render"]),
        ("media", &["app", "store", "record", "cli", "bench", "export", "playback", "render", "alarm"]),
        ("playback", &["app", "cli", "bench", "render"]),
        ("export", &["app", "cli", "bench", "playback", "render"]),
        ("bench", &["app", "cli"]),
        ("alarm", &["app", "cli", "record", "bench", "export", "playback", "render"]),
    ];
    let mut broken = Vec::new();
    for (module, forbidden) in rules {
        broken.extend(internal_uses(module, forbidden));
    }
    assert!(broken.is_empty(), "module edges broken:\n{}", broken.join("\n"));
}

#[test]
fn the_edge_check_sees_a_forbidden_use() {
    // The check itself: the app does use the store and the playback engine, so a rule forbidding
    // them must report lines.
    assert!(!internal_uses("app", &["store"]).is_empty());
    assert!(!internal_uses("bench", &["playback"]).is_empty());
    assert!(internal_uses("app", &["stor"]).is_empty(), "a prefix of a module name is not that module");
}

#[test]
fn no_source_file_is_a_thousand_line_monolith() {
    // The house rule is "about 700 lines"; a file over 760 means split it by concern.
    for (path, text) in sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        let lines = text.lines().count();
        assert!(lines <= 760, "{path} has {lines} lines: split it by concern (style.md)");
    }
}
