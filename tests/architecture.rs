//! The module rules of docs/architecture.md, checked on the source: core imports nothing heavy,
//! media never imports egui, the app never imports GStreamer.

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
