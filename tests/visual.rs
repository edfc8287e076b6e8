//! Visual regression: the real app rendered headless (egui_kittest, wgpu on Mesa's software
//! Vulkan) and compared with the reference pictures in `tests/snapshots/`. A changed picture fails
//! the test and leaves `<name>.new.png` and `<name>.diff.png` beside the reference to look at;
//! `UPDATE_SNAPSHOTS=1 cargo test --release --test visual` accepts the new pictures (look at them
//! first). The clock is fixed and every camera has an address that can never connect (no retry
//! countdown), so the pictures do not change with the time of day or the network.

use egui_kittest::{Harness, SnapshotOptions};
use vigil::app::i18n::Lang;
use vigil::app::{StartOptions, ViewCommand, VigilApp};
use vigil::core::site::{Camera, Neighborhood, Rgb, Site};
use vigil::core::time::Clock;
use vigil::media::StreamState;

/// 28/11/2026 23:40:12 in Hà Nội (UTC+7).
const NIGHT_SHIFT_UNIX_NS: u64 = 1_795_884_012 * 1_000_000_000;

/// Two neighborhoods, four cameras whose addresses fail validation: offline for good, at once.
fn site() -> Site {
    let nb = |id: &str, name: &str, colour: u32| Neighborhood { id: id.into(), name: name.into(), colour: Rgb(colour) };
    let cam = |id: &str, name: &str, n: &str| Camera {
        id: id.into(),
        name: name.into(),
        neighborhood: n.into(),
        main_url: "rtsp://".into(),
        sub_url: None,
        credential: None,
        enabled: true,
        record: None,
        retain_days: None,
    };
    Site {
        name: "Thị trấn Mường Tè".into(),
        timezone: chrono_tz::Asia::Ho_Chi_Minh,
        neighborhoods: vec![nb("kp1", "Khu phố 1", 0x3cb44b), nb("kp2", "Khu phố 2", 0x4363d8)],
        cameras: vec![
            cam("cam01", "Chợ trung tâm", "kp1"),
            cam("cam02", "Cổng trường", "kp1"),
            cam("cam03", "Ngã ba bến xe", "kp2"),
            cam("cam04", "Cầu Nậm Củm", "kp2"),
        ],
        credentials: Vec::new(),
    }
}

fn harness() -> Harness<'static, VigilApp> {
    let options = StartOptions {
        layout: Some("2x2".into()),
        lang: Some(Lang::Vi),
        clock: Clock::Fixed(NIGHT_SHIFT_UNIX_NS),
        // Not the user's pictures folder: the settings window shows it.
        snapshot_dir: Some("/srv/vigil/ảnh".into()),
        ..StartOptions::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1366.0, 768.0))
        .with_step_dt(1.0 / 60.0)
        .with_options(SnapshotOptions::new().threshold(2.0).max_failed_pixels(40usize))
        .wgpu()
        .build_eframe(move |cc| VigilApp::new(cc, site(), options).expect("app starts"));
    // Every camera offline (an invalid address is refused at once, never retried).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        h.run_steps(2);
        let states = h.state().stream_states();
        if states.len() == 4 && states.iter().all(|(_, s)| matches!(s, StreamState::Offline { retry_in_ms: None, .. })) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "cameras did not go offline: {states:?}");
        std::thread::yield_now();
    }
    // Let window and header animations settle.
    h.run_steps(30);
    h
}

#[test]
fn the_offline_wall_and_the_camera_list_look_as_before() {
    let mut h = harness();
    h.snapshot("offline-wall-and-camera-list");
}

#[test]
fn the_settings_window_looks_as_before() {
    let mut h = harness();
    h.state_mut().command(ViewCommand::ToggleSettings);
    h.run_steps(30);
    assert!(h.state().settings_open());
    h.snapshot("settings-window");
    // The comparison can fail: the wall's reference is not this picture (not asked while
    // references are being rewritten, when every comparison "passes" by rewriting).
    if std::env::var_os("UPDATE_SNAPSHOTS").is_none() {
        assert!(h.try_snapshot("offline-wall-and-camera-list").is_err(), "an open settings window changes the picture");
    }
}

#[test]
fn the_timeline_panel_looks_as_before() {
    let mut h = harness();
    h.state_mut().command(ViewCommand::ToggleTimeline);
    h.run_steps(30);
    h.snapshot("timeline-panel");
}
