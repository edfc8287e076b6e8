//! The real app driven through egui_kittest (headless, wgpu on Mesa's software Vulkan): widgets
//! found by their accessible labels, clicked and typed at as a person would. Every label in
//! Vietnamese is also a check of the bundled font: kittest panics on a glyph the fonts lack.
//! Cameras point at a closed port, so they are all offline: the UI is what is under test here.

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use vigil::app::i18n::Lang;
use vigil::app::{StartOptions, VigilApp};
use vigil::core::site::Site;
use vigil::core::sitefile::demo_town;
use vigil::core::time::{Duration90k, Time90k};

/// A second and a 25 fps frame of the 90 kHz clock.
const S: Duration90k = Duration90k::SECOND;
const F: Duration90k = Duration90k(3_600);

fn site() -> Site {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    demo_town(port)
}

fn harness(site: Site, lang: Lang) -> Harness<'static, VigilApp> {
    harness_with(site, lang, None)
}

fn harness_with(site: Site, lang: Lang, data_dir: Option<std::path::PathBuf>) -> Harness<'static, VigilApp> {
    let mut h = Harness::builder().with_size(egui::vec2(1600.0, 900.0)).with_step_dt(1.0 / 60.0).wgpu().build_eframe(move |cc| {
        VigilApp::new(
            cc,
            site,
            StartOptions { layout: Some("6x6".into()), lang: Some(lang), record: data_dir.is_some(), data_dir, ..StartOptions::default() },
        )
        .expect("app starts")
    });
    h.run_steps(3);
    h
}

#[test]
fn the_camera_list_shows_35_cameras_in_9_neighborhoods() {
    let site = site();
    let h = harness(site.clone(), Lang::Vi);
    for n in &site.neighborhoods {
        // Once as a button of the layout bar, once as a heading of the camera list.
        assert_eq!(h.query_all_by_label(&n.name).count(), 2, "{}", n.name);
    }
    for cam in &site.cameras {
        assert!(h.query_by_label(&cam.name).is_some(), "camera {} missing from the list", cam.name);
        let nb = site.neighborhood(&cam.neighborhood).unwrap();
        assert!(h.query_by_label(&format!("{} · {}", cam.name, nb.name)).is_some(), "no tile for {}", cam.name);
    }
    assert_eq!(h.state().wall().layout.name, "6x6");
}

#[test]
fn clicking_a_neighborhood_shows_its_cameras_and_all_brings_them_back() {
    let site = site();
    let mut h = harness(site.clone(), Lang::Vi);
    h.get_all_by_label("Khu phố 3").find(|n| n.rect().min.y < 40.0).expect("the layout bar's button").click();
    h.run_steps(2);
    let expected: Vec<Option<String>> = site.cameras_in("kp3").map(|c| Some(c.id.clone())).collect();
    assert_eq!(h.state().wall().layout.name, "2x2");
    assert_eq!(h.state().wall().cameras, expected);
    // Keyboard: 0 shows every camera again, 1 jumps to the first neighborhood.
    h.key_press(egui::Key::Num1);
    h.run_steps(2);
    assert_eq!(h.state().wall().cameras.iter().flatten().count(), site.cameras_in("kp1").count());
    h.get_by_label("Tất cả camera").click();
    h.run_steps(2);
    assert_eq!(h.state().wall().cameras.iter().flatten().count(), 35);
}

#[test]
fn double_click_maximizes_a_tile_and_escape_goes_back() {
    let site = site();
    let mut h = harness(site.clone(), Lang::Vi);
    let cam = &site.cameras[7];
    let nb = site.neighborhood(&cam.neighborhood).unwrap();
    let label = format!("{} · {}", cam.name, nb.name);
    h.get_by_label(&label).click();
    h.step();
    h.get_by_label(&label).click();
    h.run_steps(2);
    assert_eq!(h.state().wall().maximized, Some(7));
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert_eq!(h.state().wall().maximized, None);
}

#[test]
fn the_language_switch_changes_the_labels() {
    let mut h = harness(site(), Lang::Vi);
    assert!(h.query_by_label("Tất cả camera").is_some());
    h.get_by_label("English").click();
    h.run_steps(2);
    assert_eq!(h.state().lang(), Lang::En);
    assert!(h.query_by_label("All cameras").is_some());
    assert!(h.query_by_label("Tất cả camera").is_none());
    assert!(h.query_by_label("Layout:").is_some());
    // A picture to look at (not compared): target/kittest/wall-en.png
    let image = h.render().expect("renders");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("kittest");
    std::fs::create_dir_all(&dir).unwrap();
    image.save(dir.join("wall-en.png")).unwrap();
}

/// Two minutes of cam01 recordings around `middle`, made from the simulator's clip (written and
/// indexed as the recorder writes them).
fn record_cam01_around(data_dir: &std::path::Path, middle: Time90k) {
    record_cam01_track(data_dir, middle, vigil::core::site::StreamProfile::Main);
}

/// cam01's preview track (its substream recorded beside) for the same two minutes.
fn record_cam01_preview_around(data_dir: &std::path::Path, middle: Time90k) {
    record_cam01_track(data_dir, middle, vigil::core::site::StreamProfile::Sub);
}

fn record_cam01_track(data_dir: &std::path::Path, middle: Time90k, profile: vigil::core::site::StreamProfile) {
    use vigil::core::site::StreamProfile;
    use vigil::media::simulate::{ClipJob, ClipSpec, Codec};
    let _ = common::simulator();
    let (spec, track, fps) = match profile {
        StreamProfile::Main => (ClipSpec::main(Codec::H264), "cam01".to_string(), 25),
        StreamProfile::Sub => (ClipSpec::sub(Codec::H264), vigil::record::preview_track("cam01"), 15),
    };
    let job = ClipJob { camera_id: "cam-a".into(), camera_name: "Chợ trung tâm".into(), profile, spec };
    let clip = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-clips").join(job.file_name());
    let (config, units) = vigil::media::playback::read_mp4_units(&clip).unwrap();
    vigil::record::fabricate::fabricate_run(
        data_dir,
        &track,
        &vigil::record::fabricate::LoopedClip { config: &config, frames: &units, fps },
        middle - 60 * S,
        120,
        30,
    )
    .unwrap();
}

/// `n` notches of the mouse wheel (zoom in) where the pointer is, a frame each.
fn wheel(h: &mut Harness<'static, VigilApp>, n: usize) {
    for _ in 0..n {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, 120.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: Default::default(),
        });
        h.step();
    }
}

/// Presses at `from`, moves in steps to `to` and releases there, a frame per step.
fn drag(h: &mut Harness<'static, VigilApp>, from: egui::Pos2, to: egui::Pos2) {
    let press =
        |pos, pressed| egui::Event::PointerButton { pos, button: egui::PointerButton::Primary, pressed, modifiers: Default::default() };
    h.hover_at(from);
    h.step();
    h.event(press(from, true));
    h.step();
    for k in 1..=8 {
        let t = k as f32 / 8.0;
        h.event(egui::Event::PointerMoved(from + (to - from) * t));
        h.step();
    }
    h.event(press(to, false));
    h.run_steps(2);
}

#[test]
fn cameras_are_dragged_onto_tiles_and_tiles_onto_each_other() {
    let site = site();
    let mut h = harness(site.clone(), Lang::Vi);
    // Khu phố 1's five cameras leave free tiles in a 3x3 wall.
    h.get_all_by_label("Khu phố 1").find(|n| n.rect().min.y < 40.0).expect("the layout bar's button").click();
    h.run_steps(2);
    let kp1: Vec<String> = site.cameras_in("kp1").map(|c| c.id.clone()).collect();
    assert_eq!(h.state().wall().layout.name, "3x3");
    // Drag a camera of Khu phố 2 from the list onto the last, empty tile.
    let cam = site.cameras_in("kp2").next().unwrap().clone();
    let nb2 = site.neighborhood("kp2").unwrap().name.clone();
    let from = h.get_by_label(&cam.name).rect().center();
    let empty_tile = {
        let first = h.get_by_label(&format!("{} · Khu phố 1", site.camera(&kp1[0]).unwrap().name)).rect();
        // 3x3: tile 8 is two tiles right and two down from tile 0.
        first.center() + egui::vec2(2.0 * (first.width() + 2.0), 2.0 * (first.height() + 2.0))
    };
    drag(&mut h, from, empty_tile);
    assert_eq!(h.state().wall().cameras[8].as_deref(), Some(cam.id.as_str()));
    // Drag that tile onto the first one: they swap.
    let dropped = h.get_by_label(&format!("{} · {nb2}", cam.name)).rect().center();
    let first = h.get_by_label(&format!("{} · Khu phố 1", site.camera(&kp1[0]).unwrap().name)).rect().center();
    drag(&mut h, dropped, first);
    assert_eq!(h.state().wall().cameras[0].as_deref(), Some(cam.id.as_str()));
    assert_eq!(h.state().wall().cameras[8].as_deref(), Some(kp1[0].as_str()));
}

#[test]
fn arrows_select_enter_maximizes_delete_removes() {
    let mut h = harness(site(), Lang::Vi);
    for key in [egui::Key::ArrowRight, egui::Key::ArrowRight, egui::Key::ArrowDown] {
        h.key_press(key);
        h.run_steps(1);
    }
    // First arrow selects tile 0, then right to 1, down to 7 (6 columns).
    assert_eq!(h.state().wall().selected, Some(7));
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().wall().maximized, Some(7));
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().wall().maximized, None);
    h.key_press(egui::Key::Delete);
    h.run_steps(2);
    assert_eq!(h.state().wall().cameras[7], None);
}

#[test]
fn at_1600_px_the_top_bar_keeps_its_two_rows_whole_and_highlights_what_the_wall_shows() {
    let site = site();
    let mut h = harness(site.clone(), Lang::Vi);
    // The top-most node of that label (the side panel names the neighborhoods too).
    let y = |h: &Harness<'static, VigilApp>, label: &str| h.get_all_by_label(label).map(|n| n.rect().center().y).fold(f32::MAX, f32::min);
    // Row 1, what the wall shows: the layouts and every neighborhood, on one line.
    let row1 = y(&h, "6x6");
    for label in ["1", "2+8", "Tất cả camera", "Khu phố 1", "Khu phố 9"] {
        assert_eq!(y(&h, label), row1, "{label} left the first row");
    }
    // Row 2, the tools, on one line below it.
    let row2 = y(&h, "Mở tường hình trên cửa sổ mới");
    assert!(row2 > row1);
    for label in ["Lưu bố cục", "Chụp ảnh (S)", "Cài đặt", "Dòng thời gian"] {
        assert_eq!(y(&h, label), row2, "{label} left the second row");
    }
    // The wall shows every camera at start: that button is highlighted; a neighborhood's once chosen.
    use egui_kittest::kittest::NodeT as _;
    let selected = |h: &Harness<'static, VigilApp>, label: &str| {
        let top = h.get_all_by_label(label).min_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y)).unwrap();
        top.accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
    };
    assert!(selected(&h, "Tất cả camera"));
    h.get_all_by_label("Khu phố 2").min_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y)).unwrap().click();
    h.run_steps(2);
    assert!(selected(&h, "Khu phố 2") && !selected(&h, "Tất cả camera"));
}

#[test]
fn a_snapshot_needs_a_selected_tile() {
    let mut h = harness(site(), Lang::En);
    h.get_by_label("Snapshot (S)").click();
    h.run_steps(2);
    assert_eq!(h.state().status(), Some("Select a camera tile first"));
}

#[test]
fn a_snapshot_of_a_substream_tile_is_the_full_frame_from_the_main_recording() {
    let dir = tempfile::tempdir().unwrap();
    let pictures = tempfile::tempdir().unwrap();
    let options = StartOptions {
        layout: Some("6x6".into()),
        lang: Some(Lang::En),
        data_dir: Some(dir.path().to_path_buf()),
        snapshot_dir: Some(pictures.path().to_path_buf()),
        ..StartOptions::default()
    };
    let mut h = harness_opts(site(), options);
    // cam01's main stream recorded up to now (a 6x6 tile shows its substream).
    let now = vigil::core::time::now_90k();
    record_cam01_around(dir.path(), now - 59 * S);
    h.get_by_label("Ngã tư chợ trung tâm · Khu phố 1").click();
    h.run_steps(2);
    h.key_press(egui::Key::S);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !h.state().status().is_some_and(|s| s.contains("Snapshot saved")) {
        assert!(std::time::Instant::now() < deadline, "status: {:?}", h.state().status());
        h.step();
    }
    let status = h.state().status().unwrap().to_string();
    assert!(status.contains("(1920x1080)"), "{status}");
    let png = std::fs::read_dir(pictures.path()).unwrap().flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "png"));
    let png = png.expect("a PNG in the pictures folder");
    let decoded = image_dims(&png);
    assert_eq!(decoded, (1920, 1080), "{}", png.display());
}

#[test]
fn the_wheel_zooms_a_tile_around_the_cursor_and_double_click_resets() {
    let site = site();
    let mut h = harness(site.clone(), Lang::Vi);
    let cam = &site.cameras[0];
    let label = format!("{} · {}", cam.name, site.neighborhood(&cam.neighborhood).unwrap().name);
    let rect = h.get_by_label(&label).rect();
    let at = rect.center() + egui::vec2(rect.width() / 4.0, 0.0);
    h.hover_at(at);
    h.step();
    wheel(&mut h, 3);
    h.run_steps(10);
    let zoom = h.state().wall().zoom(0);
    assert!(zoom.is_zoomed(), "{zoom:?}");
    assert!(zoom.offset[0] > 0.0, "zoomed towards the cursor, right of centre: {zoom:?}");
    h.get_by_label(&label).click();
    h.step();
    h.get_by_label(&label).click();
    h.run_steps(2);
    assert!(!h.state().wall().zoom(0).is_zoomed(), "double-click resets the zoom");
    assert_eq!(h.state().wall().maximized, None, "and does not maximize while zoomed");
}

#[test]
fn a_saved_layout_comes_back_after_a_restart() {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    {
        let mut h = harness_with(site.clone(), Lang::En, Some(dir.path().to_path_buf()));
        h.get_all_by_label("Khu phố 4").find(|n| n.rect().min.y < 40.0).unwrap().click();
        h.run_steps(2);
        h.get_by_label("Layout name").click();
        h.run_steps(1);
        h.get_by_label("Layout name").type_text("Bến xe đêm");
        h.run_steps(1);
        h.get_by_label("Save layout").click();
        h.run_steps(2);
        assert!(h.query_by_label("Bến xe đêm").is_some());
    }
    let mut h = harness_with(site.clone(), Lang::En, Some(dir.path().to_path_buf()));
    assert_eq!(h.state().wall().cameras.iter().flatten().count(), 35, "starts on every camera");
    h.get_by_label("Bến xe đêm").click();
    h.run_steps(2);
    let kp4: Vec<Option<String>> = site.cameras_in("kp4").map(|c| Some(c.id.clone())).chain([None]).collect();
    assert_eq!(h.state().wall().layout.name, "2x2");
    assert_eq!(h.state().wall().cameras, kp4);
}

#[test]
fn a_second_window_has_its_own_wall_on_the_same_streams() {
    let site = site();
    let mut h = harness(site.clone(), Lang::En);
    h.get_by_label("Open wall on new window").click();
    h.run_steps(3);
    assert_eq!(h.state().second_wall().map(|w| w.layout.name.clone()), Some("6x6".into()));
    // Its own bar: the second "Khu phố 5" button (the first is the main window's bar).
    let buttons: Vec<_> = h.get_all_by_label("Khu phố 5").collect();
    assert_eq!(buttons.len(), 3, "main bar, camera list heading, second window's bar");
    // Not the main bar's (top row), not the camera list's heading (left panel).
    buttons.into_iter().find(|n| n.rect().min.y > 40.0 && n.rect().min.x > 260.0).expect("second bar's button").click();
    h.run_steps(3);
    let kp5 = site.cameras_in("kp5").count();
    assert_eq!(h.state().second_wall().unwrap().cameras.iter().flatten().count(), kp5);
    assert_eq!(h.state().wall().cameras.iter().flatten().count(), 35, "the main wall is unchanged");
}

/// Steps the app (each step lets it poll its recorder) until a label appears.
fn step_until_label(h: &mut Harness<'static, VigilApp>, label: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.query_by_label(label).is_none() {
        assert!(std::time::Instant::now() < deadline, "no label {label:?} after 30 s");
        h.step();
    }
}

#[test]
fn the_gui_records_its_data_dir_and_shows_each_cameras_recording_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with(site(), Lang::Vi, Some(dir.path().to_path_buf()));
    // Every camera points at a closed port: the recorder runs, and records none of them yet.
    step_until_label(&mut h, "Ghi hình: 0/35 đang ghi");
    assert!(dir.path().join("recorder.lock").exists());
    assert_eq!(vigil::record::DataDirLock::holder(dir.path()), Some(std::process::id()), "this process records the data dir");
    h.get_by_label("Ghi hình").click();
    h.run_steps(2);
    // Each row says why: the camera's own reason, not "connecting" forever.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.query_all_by_label("camera mất tín hiệu: connection refused").count() < 35 {
        assert!(std::time::Instant::now() < deadline, "not every row says why");
        h.step();
    }
}

#[test]
fn closing_while_recording_asks_and_can_hand_the_recording_to_a_background_process() {
    let dir = tempfile::tempdir().unwrap();
    let site = site();
    // `vigil record` reads the site from the data dir, as the GUI does outside tests.
    vigil::store::Store::open_dir(dir.path()).unwrap().replace_site(&site).unwrap();
    let options = StartOptions {
        layout: Some("6x6".into()),
        lang: Some(Lang::En),
        record: true,
        data_dir: Some(dir.path().to_path_buf()),
        background_recorder: Some(env!("CARGO_BIN_EXE_vigil").into()),
        ..StartOptions::default()
    };
    let mut h = harness_opts(site, options);
    // Recording (waited for on the screen: asking the lock while the recorder starts would
    // take it from under the recorder).
    step_until_label(&mut h, "Recording: 0/35 recording");
    assert_eq!(vigil::record::DataDirLock::holder(dir.path()), Some(std::process::id()), "this process records");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let close = |h: &mut Harness<'static, VigilApp>| {
        h.input_mut().viewports.entry(egui::ViewportId::ROOT).or_default().events.push(egui::ViewportEvent::Close);
        h.step();
    };
    let commands = |h: &Harness<'static, VigilApp>| {
        h.output().viewport_output.get(&egui::ViewportId::ROOT).map(|v| v.commands.clone()).unwrap_or_default()
    };
    // The window's close button: the close is held back and a dialog asks.
    close(&mut h);
    assert!(commands(&h).contains(&egui::ViewportCommand::CancelClose), "{:?}", commands(&h));
    h.run_steps(2);
    let question = "This window is recording the cameras. Closing it stops the recording.";
    assert!(h.query_by_label(question).is_some());
    // A picture to look at (not compared): target/tmp/kittest/close-while-recording.png
    save_shot(&mut h, "close-while-recording");
    // Cancel: the window stays and records on.
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.query_by_label(question).is_none());
    assert_eq!(vigil::record::DataDirLock::holder(dir.path()), Some(std::process::id()));
    // Again, and keep recording in the background: a `vigil record` process takes the data dir.
    close(&mut h);
    h.run_steps(2);
    h.get_by_label("Keep recording in the background and close").click();
    h.step();
    assert!(commands(&h).contains(&egui::ViewportCommand::Close), "the window closes: {:?}", commands(&h));
    // It says so in its log in the data dir (written once its pid is in the lock file).
    let log = || std::fs::read_to_string(dir.path().join("vigil-record.log")).unwrap_or_default();
    while !log().contains("vigil record: recording") {
        assert!(std::time::Instant::now() < deadline, "background recorder's log: {}", log());
        h.step();
    }
    // The lock's holder is that process: a `vigil … record` on this data dir, never this test
    // (or pid 0, "unknown", which kill would take for this whole process group).
    let pid = vigil::record::DataDirLock::holder(dir.path()).expect("the data dir is recorded");
    assert!(pid > 0 && pid != std::process::id(), "holder pid {pid}");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    assert!(cmdline.contains("record") && cmdline.contains(&dir.path().display().to_string()), "pid {pid} is {cmdline:?}");
    // SIGTERM stops it cleanly (the lock is released).
    assert!(std::process::Command::new("kill").arg(pid.to_string()).status().unwrap().success());
    while vigil::record::DataDirLock::holder(dir.path()).is_some() {
        assert!(std::time::Instant::now() < deadline, "the background recorder did not stop on SIGTERM");
        h.step();
    }
}

#[test]
fn a_data_dir_recorded_by_another_process_is_shown_not_recorded_twice() {
    let dir = tempfile::tempdir().unwrap();
    let _other = vigil::record::DataDirLock::acquire(dir.path()).unwrap();
    let mut h = harness_with(site(), Lang::En, Some(dir.path().to_path_buf()));
    step_until_label(&mut h, &format!("Recorded by another process (pid {})", std::process::id()));
}

/// The demo town on a `layout` wall in `lang`, with `data_dir` for recordings and settings.
fn harness_in(data_dir: &std::path::Path, layout: &str, lang: Lang) -> Harness<'static, VigilApp> {
    let options =
        StartOptions { layout: Some(layout.into()), lang: Some(lang), data_dir: Some(data_dir.to_path_buf()), ..StartOptions::default() };
    harness_opts(site(), options)
}

/// Saves what the harness shows as target/tmp/kittest/NAME.png (a picture to look at, not compared).
fn save_shot(h: &mut Harness<'static, VigilApp>, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("kittest");
    std::fs::create_dir_all(&dir).unwrap();
    h.render().expect("renders").save(dir.join(format!("{name}.png"))).unwrap();
}

fn harness_opts(site: Site, options: StartOptions) -> Harness<'static, VigilApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1600.0, 900.0))
        .with_step_dt(1.0 / 60.0)
        .wgpu()
        .build_eframe(move |cc| VigilApp::new(cc, site, options).expect("app starts"));
    h.run_steps(3);
    h
}

#[test]
fn settings_choose_language_and_pictures_folder_and_they_survive_a_restart() {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    let options = || StartOptions { layout: Some("6x6".into()), data_dir: Some(dir.path().to_path_buf()), ..StartOptions::default() };
    let chosen;
    {
        let mut h = harness_opts(site.clone(), options());
        assert!(h.query_by_label("Cài đặt").is_some(), "Vietnamese by default");
        h.get_by_label("Cài đặt").click();
        // A new window takes a sizing pass before it shows.
        h.run_steps(4);
        assert!(h.state().settings_open());
        assert!(h.query_by_label("Thư mục ảnh chụp").is_some(), "the settings window shows");
        // The language radio of the window (the layout bar has an "English" button too).
        h.get_all_by_label("English").last().unwrap().click();
        h.run_steps(2);
        assert_eq!(h.state().lang(), Lang::En);
        let before = h.state().snapshot_dir().to_path_buf();
        h.get_by_label("Pictures folder").click();
        h.run_steps(1);
        h.get_by_label("Pictures folder").type_text("/Vụ án 12");
        h.run_steps(1);
        h.get_by_label("Apply").click();
        h.run_steps(2);
        chosen = std::path::PathBuf::from(format!("{}/Vụ án 12", before.display()));
        assert_eq!(h.state().snapshot_dir(), chosen.as_path());
        // Preview tracks: on by default, turned off for the next recorder start.
        assert!(h.state().record_previews());
        h.get_by_label("Also record the substream (fast scrubbing on big walls)").click();
        h.run_steps(2);
        assert!(!h.state().record_previews());
    }
    assert!(!vigil::store::Store::open_dir(dir.path()).unwrap().settings().unwrap().record_previews, "saved where `vigil record` reads it");
    let h = harness_opts(site.clone(), options());
    assert_eq!(h.state().lang(), Lang::En, "the language chosen in settings comes back");
    assert!(h.query_by_label("Settings").is_some());
    assert_eq!(h.state().snapshot_dir(), chosen.as_path());
    assert!(!h.state().record_previews(), "the preview setting comes back");
    // --lang on the command line wins over the saved choice.
    let h = harness_opts(site, StartOptions { lang: Some(Lang::Vi), ..options() });
    assert_eq!(h.state().lang(), Lang::Vi);
}

#[test]
fn playing_skips_a_gap_in_the_recordings_or_plays_through_it_as_set() {
    use vigil::app::{ReviewCommand, ViewCommand};
    use vigil::core::timeline::{GapMode, TimelineCommand};
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_in(dir.path(), "2x2", Lang::En);
    // cam01 recorded two minutes, then nothing for almost five, then two minutes more.
    let now = vigil::core::time::now_90k();
    let (m1, m2) = (now - 900 * S, now - 500 * S);
    record_cam01_around(dir.path(), m1);
    record_cam01_around(dir.path(), m2);
    let (gap_start, gap_end) = (m1 + 60 * S, m2 - 60 * S);
    assert_eq!(h.state().gap_mode(), GapMode::Skip, "gaps are skipped by default");
    let play_from = |h: &mut Harness<'static, VigilApp>, t: Time90k| {
        h.state_mut().command(ReviewCommand::Seek { t_90k: t, exact: true });
        h.state_mut().command(ReviewCommand::Timeline(TimelineCommand::Play));
        h.run_steps(2);
    };
    // A second before the gap, playing at 1x: the cursor jumps over the gap and plays on.
    play_from(&mut h, gap_start - S);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.state().timeline().cursor_90k() < gap_end {
        assert!(std::time::Instant::now() < deadline, "the gap was not skipped: cursor at {}", h.state().timeline().cursor_90k());
        h.step();
    }
    let cursor = h.state().timeline().cursor_90k();
    assert!(cursor < gap_end + 2 * S, "playing resumed at the next recording: {} s after it", (cursor - gap_end).as_secs_f64());
    assert_eq!(h.state().timeline().mode(), vigil::core::timeline::Mode::Playback { playing: true });
    while h.state().playback_shown_90k("cam01").is_none_or(|t| t < gap_end) {
        assert!(std::time::Instant::now() < deadline, "no picture after the gap");
        h.step();
    }

    // Set to hold in the settings window: playing goes into the gap and through it.
    h.get_by_label("Settings").click();
    h.run_steps(4);
    h.get_by_label("Hold the last frame").click();
    h.run_steps(2);
    assert_eq!(h.state().gap_mode(), GapMode::Hold);
    let saved = vigil::store::Store::open_dir(dir.path()).unwrap().settings().unwrap().gap_mode;
    assert_eq!(saved, GapMode::Hold, "the choice is kept in the data dir");
    play_from(&mut h, gap_start - S);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // The harness draws only when asked: draw every frame here, as a window would, so the GPU
    // has the last picture to hold (for the screenshot below).
    while h.state().timeline().cursor_90k() < gap_start + S || h.state().playback_shown_90k("cam01").is_some() {
        assert!(std::time::Instant::now() < deadline, "playing did not enter the gap");
        h.step();
        let _ = h.render();
    }
    let cursor = h.state().timeline().cursor_90k();
    assert!(cursor < gap_start + 3 * S, "held, not skipped: {} s into the gap", (cursor - gap_start).as_secs_f64());
    // A picture to look at (not compared): target/tmp/kittest/playback-hold.png
    h.state_mut().command(ViewCommand::ToggleSettings);
    h.run_steps(2);
    let image = h.render().expect("renders");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("kittest");
    std::fs::create_dir_all(&dir).unwrap();
    image.save(dir.join("playback-hold.png")).unwrap();
}

#[test]
fn playing_fast_says_the_frame_rate_is_reduced_and_pausing_shows_the_exact_frame_again() {
    use vigil::app::ReviewCommand;
    use vigil::core::timeline::TimelineCommand;
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_in(dir.path(), "2x2", Lang::Vi);
    let middle = vigil::core::time::now_90k() - 600 * S;
    record_cam01_around(dir.path(), middle);
    let from = middle - 50 * S;
    h.state_mut().command(ReviewCommand::Seek { t_90k: from, exact: true });
    h.state_mut().command(ReviewCommand::Timeline(TimelineCommand::SetSpeed(16.0)));
    h.state_mut().command(ReviewCommand::Timeline(TimelineCommand::Play));
    // Playing at 16x: keyframes only; the tile moves on with the cursor and says so.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !h.state().playback_reduced("cam01") || h.state().playback_shown_90k("cam01").is_none_or(|t| t < from + 8 * S) {
        assert!(
            std::time::Instant::now() < deadline,
            "16x: the tile did not follow the cursor: {:?}",
            h.state().playback_shown_90k("cam01")
        );
        h.step();
        let _ = h.render();
    }
    let shown = h.state().playback_shown_90k("cam01").unwrap();
    assert_eq!((shown - middle).0.rem_euclid((2 * S).0) % 90, 0, "a recorded instant");
    // A picture to look at (not compared): target/tmp/kittest/playback-reduced.png, with the
    // "GIẢM KHUNG HÌNH" badge on cam01's tile.
    save_shot(&mut h, "playback-reduced");
    // Paused: the exact frame at the cursor, every frame again.
    h.state_mut().command(ReviewCommand::Timeline(TimelineCommand::Pause));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let cursor = h.state().timeline().cursor_90k();
        let at_cursor = h.state().playback_shown_90k("cam01").is_some_and(|t| t <= cursor && cursor - t < F);
        if at_cursor && !h.state().playback_reduced("cam01") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "paused: {:?} at cursor {cursor}", h.state().playback_shown_90k("cam01"));
        h.step();
    }
}

#[test]
fn the_reviewer_goes_to_a_typed_time_zooms_by_preset_and_drives_playback_from_the_keyboard() {
    use vigil::app::ReviewCommand;
    use vigil::core::timeline::Mode;
    let site = site();
    let tz = site.timezone;
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_in(dir.path(), "2x2", Lang::En);
    // Two minutes of cam01 around a whole second ten minutes ago.
    let middle = vigil::core::time::now_90k().floor_to(S) - 600 * S;
    record_cam01_around(dir.path(), middle);
    let target = middle - 30 * S;
    let typed = chrono::DateTime::from_timestamp(target.unix_secs(), 0).unwrap().with_timezone(&tz).format("%d/%m/%Y %H:%M:%S").to_string();
    h.get_by_label("Timeline").click();
    h.run_steps(2);
    // Given the keyboard as a click does in a window (a simulated click here does not focus
    // this field; checked by hand under Xvfb).
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Go to:").focus();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Go to:").type_text(&typed);
    h.run_steps(1);
    // The button beside the field (Enter in the field does the same).
    let show = h.get_all_by_label("Show").max_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y)).unwrap();
    show.click();
    h.run_steps(2);
    assert_eq!(h.state().timeline().cursor_90k(), target, "typed {typed} in the site's zone");
    assert_eq!(h.state().timeline().mode(), Mode::Playback { playing: false });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.state().playback_shown_90k("cam01") != Some(target) {
        assert!(std::time::Instant::now() < deadline, "the exact frame at {typed}: {:?}", h.state().playback_shown_90k("cam01"));
        h.step();
    }
    // Paused: the time shows hundredths (frames apart).
    let label = format!("RECORDED · {}", vigil::core::time::local_date_time_hundredths(target, tz));
    assert!(h.query_by_label(&label).is_some(), "{label}");
    // Something unreadable: said in words, the cursor stays.
    h.state_mut().command(ReviewCommand::GoTo("yesterday noon".into()));
    h.run_steps(2);
    assert!(h.query_by_label("Cannot read that time: type dd/mm/yyyy hh:mm:ss").is_some());
    assert_eq!(h.state().timeline().cursor_90k(), target);

    // Zoom presets keep the cursor where it is on screen.
    h.get_by_label("10 min").click();
    h.run_steps(2);
    assert_eq!(h.state().timeline().view().1, 600 * S);
    h.get_by_label("1 min").click();
    h.run_steps(2);
    let (start, span) = h.state().timeline().view();
    assert_eq!(span, 60 * S);
    assert!(target > start && target < start + span, "the cursor is in view");

    // The keyboard: Space plays and pauses, L / J shuttle, `.` `,` step, Home goes live.
    let press = |h: &mut Harness<'static, VigilApp>, key| {
        h.key_press(key);
        h.run_steps(1);
    };
    press(&mut h, egui::Key::Space);
    assert_eq!(h.state().timeline().mode(), Mode::Playback { playing: true });
    press(&mut h, egui::Key::K);
    assert_eq!(h.state().timeline().mode(), Mode::Playback { playing: false });
    press(&mut h, egui::Key::L);
    press(&mut h, egui::Key::L);
    assert_eq!((h.state().timeline().mode(), h.state().timeline().speed()), (Mode::Playback { playing: true }, 2.0));
    press(&mut h, egui::Key::J);
    assert_eq!(h.state().timeline().speed(), -1.0, "J turns round");
    press(&mut h, egui::Key::Space);
    assert_eq!(h.state().timeline().mode(), Mode::Playback { playing: false });
    let paused_at = h.state().timeline().cursor_90k();
    press(&mut h, egui::Key::Period);
    assert_eq!(h.state().timeline().cursor_90k(), paused_at + F, "a frame forward");
    press(&mut h, egui::Key::Comma);
    press(&mut h, egui::Key::Comma);
    assert_eq!(h.state().timeline().cursor_90k(), paused_at - F, "two frames back");
    press(&mut h, egui::Key::Home);
    assert!(h.state().timeline().is_live());
}

#[test]
fn paused_near_the_present_a_tile_shows_footage_indexed_after_it_first_asked() {
    use vigil::app::ReviewCommand;
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_in(dir.path(), "2x2", Lang::En);
    // Paused 30 s ago, before anything is indexed there: the tile says "no recording".
    let t = vigil::core::time::now_90k().floor_to(S) - 30 * S;
    h.state_mut().command(ReviewCommand::Seek { t_90k: t, exact: true });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !h.state().playback_answered("cam01") {
        assert!(std::time::Instant::now() < deadline, "the engine did not answer");
        h.step();
    }
    assert_eq!(h.state().playback_shown_90k("cam01"), None);
    // The recorder indexes that minute a moment later (as an open segment's row catches up).
    record_cam01_around(dir.path(), t);
    while h.state().playback_shown_90k("cam01") != Some(t) {
        assert!(std::time::Instant::now() < deadline, "the tile still says no recording: {:?}", h.state().playback_shown_90k("cam01"));
        h.step();
    }
}

#[test]
fn a_big_wall_scrubs_from_the_preview_track_and_shows_the_full_frame_on_release() {
    use vigil::app::ReviewCommand;
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_in(dir.path(), "6x6", Lang::En);
    let middle = vigil::core::time::now_90k() - 600 * S;
    record_cam01_around(dir.path(), middle);
    record_cam01_preview_around(dir.path(), middle);
    let wait_size = |h: &mut Harness<'static, VigilApp>, size: (u32, u32), what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while h.state().playback_picture_size("cam01") != Some(size) {
            assert!(std::time::Instant::now() < deadline, "{what}: {:?}", h.state().playback_picture_size("cam01"));
            h.step();
        }
    };
    // Dragging over a 6x6 wall: the substream's keyframe (640x360).
    h.state_mut().command(ReviewCommand::Seek { t_90k: middle, exact: false });
    h.run_steps(1);
    // (Drawn every step, as a window would, so the screenshot below has the picture.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.state().playback_picture_size("cam01") != Some((640, 360)) {
        assert!(std::time::Instant::now() < deadline, "a scrub shows the preview: {:?}", h.state().playback_picture_size("cam01"));
        h.step();
        let _ = h.render();
    }
    h.step();
    // A picture to look at (not compared): target/tmp/kittest/scrub-preview-6x6.png
    let image = h.render().expect("renders");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("kittest");
    std::fs::create_dir_all(&shots).unwrap();
    image.save(shots.join("scrub-preview-6x6.png")).unwrap();
    // Released: the exact frame from the main recording.
    h.state_mut().command(ReviewCommand::Seek { t_90k: middle + S, exact: true });
    h.run_steps(1);
    wait_size(&mut h, (1920, 1080), "the release shows the full frame");
    let shown = h.state().playback_shown_90k("cam01").unwrap();
    assert!(shown <= middle + S && middle + S - shown < F);
    // A small wall scrubs from the main recording itself.
    h.get_by_label("2x2").click();
    h.run_steps(2);
    h.state_mut().command(ReviewCommand::Seek { t_90k: middle + 20 * S, exact: false });
    h.run_steps(1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.state().playback_shown_90k("cam01").is_none_or(|t| t < middle + 18 * S) {
        assert!(std::time::Instant::now() < deadline, "no scrub picture on the 2x2 wall");
        h.step();
    }
    assert_eq!(h.state().playback_picture_size("cam01"), Some((1920, 1080)));
}

#[test]
fn each_neighborhood_shows_how_many_of_its_cameras_are_live() {
    let site = site();
    let h = harness(site.clone(), Lang::Vi);
    // Every camera points at a closed port: none is live.
    for n in &site.neighborhoods {
        let total = site.cameras_in(&n.id).count();
        assert!(h.query_all_by_label(&format!("0/{total}")).count() >= 1, "{}", n.name);
    }
}

#[test]
fn the_timeline_jumps_to_a_recorded_instant_shows_it_on_the_wall_and_goes_back_live() {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with(site.clone(), Lang::Vi, Some(dir.path().to_path_buf()));
    h.get_by_label("Dòng thời gian").click();
    // Tiles big enough to decode every frame live (a 6x6 wall here is below the 120 px cut).
    h.get_by_label("2x2").click();
    h.run_steps(3);
    assert!(h.state().timeline().is_live());
    let full =
        |h: &Harness<'static, VigilApp>| h.state().stream_modes().iter().filter(|(_, m)| *m == vigil::media::DecodeMode::Full).count();
    assert!(full(&h) > 0, "live tiles decode fully: {:?}", h.state().stream_modes());
    // Recordings of cam01 around the middle of the visible hour, made from the simulator's clip.
    let tl = h.state().timeline().clone();
    let middle = tl.t_of(tl.width_px() / 2.0);
    record_cam01_around(dir.path(), middle);

    // A click in the middle of the track area jumps there and leaves live.
    let area = h.get_all_by_label("Dòng thời gian").max_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y)).unwrap();
    area.click();
    h.run_steps(2);
    let state = h.state();
    assert!(!state.timeline().is_live());
    let cursor = state.timeline().cursor_90k();
    assert!((cursor - middle).abs() < S, "the cursor is where the click was");
    // The wall's tile for cam01 shows the recorded frame at that instant (decoded on its own thread).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while h.state().playback_shown_90k("cam01").is_none() {
        assert!(std::time::Instant::now() < deadline, "no recorded picture for cam01");
        h.step();
    }
    let shown = h.state().playback_shown_90k("cam01").unwrap();
    assert!(shown <= cursor && cursor - shown < F, "the frame at the cursor: shown {shown}, cursor {cursor}");
    // Live video is not on screen now: its streams decode keyframes only (ready for the return).
    assert_eq!(full(&h), 0, "{:?}", h.state().stream_modes());
    assert_eq!(h.state().playback_shown_90k("cam02"), None, "a camera without recordings shows none");
    // Hovering cam01's track (the first row) at the recording shows a thumbnail of it.
    let area_rect = h.get_all_by_label("Dòng thời gian").max_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y)).unwrap().rect();
    let tl = h.state().timeline().clone();
    let over = egui::pos2(area_rect.min.x + tl.x_of(middle - 30 * S), area_rect.min.y + 22.0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !h.state().thumbnail_drawn() {
        assert!(std::time::Instant::now() < deadline, "no hover thumbnail");
        h.hover_at(over);
        h.step();
    }
    // Speed and frame step.
    h.get_by_label("4x").click();
    h.run_steps(1);
    assert_eq!(h.state().timeline().speed(), 4.0);
    h.get_by_label("Khung sau").click();
    h.run_steps(1);
    assert_eq!(h.state().timeline().cursor_90k(), cursor + F);
    // And back a frame: the picture of the previous instant (from the GOP decoded for the step).
    h.get_by_label("Khung trước").click();
    h.run_steps(1);
    assert_eq!(h.state().timeline().cursor_90k(), cursor);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.state().playback_shown_90k("cam01").is_none_or(|t| t > cursor) {
        assert!(std::time::Instant::now() < deadline, "the step back was not shown");
        h.step();
    }
    let back = h.state().playback_shown_90k("cam01").unwrap();
    assert!(back <= cursor && cursor - back < F);
    // Play at 1x: the tile follows the clock, decoding frame after frame.
    h.get_by_label("1x").click();
    h.run_steps(1);
    h.get_by_label("Phát").click();
    h.run_steps(1);
    let from = h.state().timeline().cursor_90k();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.state().playback_shown_90k("cam01").is_none_or(|t| t < from + S) {
        assert!(std::time::Instant::now() < deadline, "playback did not advance a second");
        h.step();
    }
    // The engine shows each picture when the clock reaches it, so the cursor of the next frame
    // (computed from the same clock) is there too.
    h.step();
    assert!(h.state().timeline().cursor_90k() >= from + S);
    h.get_by_label("Tạm dừng").click();
    h.run_steps(1);
    // Back to live.
    h.get_by_label("Xem trực tiếp").click();
    h.run_steps(2);
    assert!(h.state().timeline().is_live());
    assert!(full(&h) > 0, "back live, tiles decode fully again: {:?}", h.state().stream_modes());
}

#[test]
fn a_selection_is_bookmarked_locked_found_and_exported_from_the_timeline() {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    // Evidence names the site and its zone: the data dir holds the site, as `vigil` and the demo do.
    vigil::store::Store::open_dir(dir.path()).unwrap().replace_site(&site).unwrap();
    let pictures = tempfile::tempdir().unwrap();
    let options = StartOptions {
        layout: Some("2x2".into()),
        lang: Some(Lang::Vi),
        data_dir: Some(dir.path().to_path_buf()),
        snapshot_dir: Some(pictures.path().to_path_buf()),
        ..StartOptions::default()
    };
    let mut h = harness_opts(site, options);
    h.get_by_label("Dòng thời gian").click();
    h.run_steps(3);
    let tl = h.state().timeline().clone();
    let middle = tl.t_of(tl.width_px() / 2.0);
    record_cam01_around(dir.path(), middle);

    // In at the click, out 25 frames (1 s) later.
    h.get_all_by_label("Dòng thời gian").max_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y)).unwrap().click();
    h.run_steps(2);
    h.get_by_label("Đặt điểm đầu").click();
    h.run_steps(1);
    for _ in 0..25 {
        h.get_by_label("Khung sau").click();
        h.run_steps(1);
    }
    h.get_by_label("Đặt điểm cuối").click();
    h.run_steps(2);

    // Bookmark it, locked.
    h.get_by_label("Đánh dấu…").click();
    h.run_steps(4);
    h.get_by_label("Tiêu đề").click();
    h.run_steps(1);
    h.get_by_label("Tiêu đề").type_text("Trộm xe máy chợ trung tâm");
    h.run_steps(1);
    h.get_by_label("Lưu").click();
    h.run_steps(2);
    let store = vigil::store::Store::open_dir(dir.path()).unwrap();
    let found = store.search_bookmarks("xe máy", Time90k::MIN, Time90k::MAX).unwrap();
    assert_eq!(found.len(), 1);
    let b = &found[0];
    assert_eq!(b.end_90k - b.start_90k, 25 * F, "the selection is one second");
    assert_eq!(b.cameras.len(), 4, "the wall's cameras");
    assert!(b.locked && store.is_locked("cam01", b.start_90k, b.end_90k).unwrap(), "locked from retention");

    // The incidents window lists it.
    h.get_by_label("Sự việc").click();
    h.run_steps(4);
    assert!(h.query_by_label("Trộm xe máy chợ trung tâm").is_some());
    // Searching another day finds nothing.
    h.get_by_label("Ngày").click();
    h.run_steps(1);
    h.get_by_label("Ngày").type_text("01/01/2020");
    h.run_steps(3);
    assert!(h.query_by_label("Trộm xe máy chợ trung tâm").is_none(), "not on 01/01/2020");

    // Export the selection: the form lists the wall's cameras (all chosen), the range, and asks
    // for the officer's name before it starts.
    h.get_by_label("Trích xuất…").click();
    h.run_steps(4);
    h.get_all_by_label("Trích xuất…").last().unwrap().click();
    h.run_steps(2);
    assert!(h.query_by_label("Ghi họ tên cán bộ trích xuất (ghi vào biên bản)").is_some(), "the officer's name is asked for");
    let type_into = |h: &mut Harness<'static, VigilApp>, label: &str, text: &str| {
        h.get_by_role_and_label(egui::accesskit::Role::TextInput, label).focus();
        h.run_steps(1);
        h.get_by_role_and_label(egui::accesskit::Role::TextInput, label).type_text(text);
        h.run_steps(1);
    };
    type_into(&mut h, "Cán bộ trích xuất", "Thượng úy Nguyễn Văn A");
    type_into(&mut h, "Số vụ việc", "12/2026");
    // One camera of the wall left out (cam04: "Phố Lê Lợi – tiệm vàng").
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "Phố Lê Lợi – tiệm vàng").click();
    h.run_steps(2);
    // A picture to look at (not compared): target/tmp/kittest/export-form.png
    save_shot(&mut h, "export-form");
    h.get_all_by_label("Trích xuất…").last().unwrap().click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let out = loop {
        let made: Vec<_> = std::fs::read_dir(pictures.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| !p.to_string_lossy().ends_with(".partial") && p.join("manifest.json").exists())
            .collect();
        if let Some(p) = made.into_iter().next() {
            break p;
        }
        assert!(std::time::Instant::now() < deadline, "no export appeared");
        h.step();
    };
    let (manifest, report) = vigil::export::manifest::verify(&out).unwrap();
    assert!(report.is_intact());
    assert_eq!(manifest.files.len(), 1, "only cam01 has recordings");
    assert_eq!(manifest.files[0].camera_id, "cam01");
    assert_eq!(
        manifest.cameras_without_recording.len(),
        2,
        "the camera left out is not asked for: {:?}",
        manifest.cameras_without_recording
    );
    assert!(!manifest.cameras_without_recording.contains(&"cam04".to_string()));
    assert_eq!((manifest.exported_by.as_str(), manifest.case_number.as_str()), ("Thượng úy Nguyễn Văn A", "12/2026"));
    assert!(manifest.files[0].covered.from_90k <= b.start_90k && manifest.files[0].covered.to_90k >= b.end_90k);
    assert!(out.join(vigil::export::manifest::SUMMARY_FILE).exists(), "the printable summary");
    // The status bar and the result window give the manifest's own hash, to write down with
    // the case file; the copy button puts it on the clipboard.
    let hash = vigil::export::manifest::manifest_sha256(&out).unwrap();
    while !h.state().status().is_some_and(|s| s.contains(&hash)) {
        assert!(std::time::Instant::now() < deadline, "status: {:?}", h.state().status());
        h.step();
    }
    h.run_steps(2);
    let field = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "mã SHA-256 của manifest (ghi vào hồ sơ vụ việc)");
    assert_eq!(field.value().as_deref(), Some(hash.as_str()));
    h.get_by_label("Sao chép").click();
    h.run_steps(1);
    let copied = h.output().platform_output.commands.iter().any(|c| *c == egui::OutputCommand::CopyText(hash.clone()));
    assert!(copied, "the hash is on the clipboard: {:?}", h.output().platform_output.commands);
    assert!(h.query_by_label("Đã sao chép").is_some(), "and the window says so");
    // A picture to look at (not compared): target/tmp/kittest/export-done.png
    save_shot(&mut h, "export-done");
    // The officer and the case are remembered for the next export.
    let saved = vigil::store::Store::open_dir(dir.path()).unwrap().settings().unwrap();
    assert_eq!((saved.export_officer.as_str(), saved.export_case.as_str()), ("Thượng úy Nguyễn Văn A", "12/2026"));
}

#[test]
fn the_timeline_zooms_around_the_pointer_scrubs_by_dragging_and_goes_live() {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with(site, Lang::En, Some(dir.path().to_path_buf()));
    h.get_by_label("Timeline").click();
    h.run_steps(3);
    let area = h.get_all_by_label("Timeline").max_by(|a, b| a.rect().min.y.total_cmp(&b.rect().min.y)).unwrap().rect();
    let (_, span_before) = h.state().timeline().view();
    // Wheel over the left third: zoom in, keeping the time under the pointer in place.
    let at = egui::pos2(area.min.x + area.width() / 3.0, area.center().y);
    let x_in = at.x - area.min.x;
    let t_under = h.state().timeline().t_of(x_in);
    h.hover_at(at);
    h.step();
    wheel(&mut h, 3);
    h.run_steps(10);
    let (_, span_after) = h.state().timeline().view();
    assert!(span_after < span_before, "zoomed in: {span_before} -> {span_after}");
    let drift = (h.state().timeline().t_of(x_in) - t_under).abs();
    assert!(drift < span_after / 500, "the time under the pointer stayed: moved {drift} ticks");
    assert!(h.state().timeline().is_live(), "zooming does not leave live");
    // Shift+wheel pans: the window moves back in time, its span stays. (First let the zoom's
    // smoothed wheel motion come to rest.)
    let mut view = h.state().timeline().view();
    for _ in 0..300 {
        h.step();
        let now = h.state().timeline().view();
        if now.1 == view.1 {
            break;
        }
        view = now;
    }
    let (start_before, span) = h.state().timeline().view();
    let shift_wheel = egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, 120.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Unknown,
        modifiers: egui::Modifiers::SHIFT,
    };
    h.event_modifiers(shift_wheel, egui::Modifiers::SHIFT);
    h.run_steps(10);
    let (start_after, span_now) = h.state().timeline().view();
    assert_eq!(span_now, span, "panning does not zoom");
    assert!(start_after < start_before, "the window moved back: {start_before} -> {start_after}");
    // Drag from the middle to the left: the cursor follows (scrubbing) and live is left.
    let from = area.center();
    let to = egui::pos2(area.min.x + area.width() / 4.0, area.center().y);
    drag(&mut h, from, to);
    let tl = h.state().timeline().clone();
    assert!(!tl.is_live());
    assert!((tl.x_of(tl.cursor_90k()) - (to.x - area.min.x)).abs() < 2.0, "the cursor is where the drag ended");
    h.get_by_label("Go live").click();
    h.run_steps(2);
    assert!(h.state().timeline().is_live());
}

/// A PNG's width and height, from its header.
fn image_dims(path: &std::path::Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

#[test]
fn a_new_alarm_opens_the_panel_the_officer_acknowledges_it_and_reviews_it_from_its_pre_roll() {
    use vigil::core::alarm::{AlarmState, Engine, Fact, Rules};
    let dir = tempfile::tempdir().unwrap();
    let site = site();
    let camera = site.cameras[5].clone();
    let mut h = harness_in(dir.path(), "2x2", Lang::Vi);
    assert!(!h.state().alarms_panel_open() && h.state().open_alarms().is_empty());
    // An offline alarm, stored as the recording process's alarm runner stores it.
    let store = vigil::store::Store::open_dir(dir.path()).unwrap();
    let cameras = site.cameras.iter().map(|c| (c.id.clone(), c.neighborhood.clone()));
    let mut engine = Engine::new(Rules::default(), cameras, site.timezone);
    let t0 = vigil::core::time::now_90k().floor_to(S) - 120 * S;
    let mut transitions = engine.on(&Fact::Online { camera: camera.id.clone() }, t0 - 10 * S);
    transitions.extend(engine.on(&Fact::Offline { camera: camera.id.clone(), reason: "connection refused".into() }, t0));
    transitions.extend(engine.tick(t0 + 31 * S));
    for t in &transitions {
        store.save_alarm_transition(t, t0 + 31 * S).unwrap();
    }
    let id = engine.open_alarms().next().expect("raised").id;

    // The panel reads the store every second and opens for a new alarm.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !(h.state().alarms_panel_open() && h.state().open_alarms().len() == 1) {
        assert!(std::time::Instant::now() < deadline, "the alarm panel did not open");
        h.run_steps(1);
        std::thread::park_timeout(std::time::Duration::from_millis(50));
    }
    h.run_steps(2);
    h.get_by_label(&format!("#{id} Mất tín hiệu"));
    h.get_by_label(&format!("{} · {}", camera.name, site.neighborhood(&camera.neighborhood).unwrap().name));
    save_shot(&mut h, "alarm-panel");
    assert_eq!(h.state().alarm_rings(), 1, "a new alarm rings the chime once");

    // Muted for 15 minutes: a second camera going away opens no chime.
    h.get_by_label("Tắt tiếng 15 phút").click();
    h.run_steps(2);
    h.get_by_label_contains("Đã tắt tiếng chuông");
    let other = site.cameras.iter().find(|c| c.neighborhood != camera.neighborhood).unwrap().clone();
    let mut more = engine.on(&Fact::Online { camera: other.id.clone() }, t0 - 10 * S);
    more.extend(engine.on(&Fact::Offline { camera: other.id.clone(), reason: "timeout".into() }, t0 + 40 * S));
    more.extend(engine.tick(t0 + 71 * S));
    for t in &more {
        store.save_alarm_transition(t, t0 + 71 * S).unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while h.state().open_alarms().len() < 2 {
        assert!(std::time::Instant::now() < deadline, "the second alarm never showed");
        h.run_steps(1);
        std::thread::park_timeout(std::time::Duration::from_millis(50));
    }
    assert_eq!(h.state().alarm_rings(), 1, "muted: no chime");

    // The list filtered by the first camera's neighborhood shows its alarm only.
    h.get_all_by_role(egui::accesskit::Role::ComboBox).next().expect("the neighborhood filter").click();
    h.run_steps(2);
    let nb = site.neighborhood(&camera.neighborhood).unwrap().name.clone();
    h.get_all_by_label(&nb).last().expect("the neighborhood in the filter").click();
    h.run_steps(2);
    h.get_by_label("1/2");
    let other_id = engine.open_alarms().map(|a| a.id).max().unwrap();
    assert!(other_id != id && h.query_by_label(&format!("#{other_id} Mất tín hiệu")).is_none(), "the other neighborhood's alarm is hidden");
    h.get_by_label(&format!("#{id} Mất tín hiệu"));

    h.get_by_label("Xác nhận").click();
    h.run_steps(2);
    let stored = store.alarms(vigil::store::alarms::AlarmFilter::Open, 10).unwrap();
    let first = stored.iter().find(|r| r.alarm.id == id).unwrap();
    assert!(matches!(first.alarm.state, AlarmState::Acknowledged { .. }), "{:?}", first.alarm.state);

    h.get_by_label("Xem lại").click();
    h.run_steps(3);
    assert!(h.state().wall().cameras.iter().any(|c| c.as_deref() == Some(camera.id.as_str())), "its camera is on the wall");
    assert_eq!(h.state().timeline().cursor_90k(), t0 - 10 * S, "playback from 10 s before the camera went away");
    assert!(!h.state().timeline().is_live());

    // Reviewing selects it: a note and what it turned out to be close it.
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Ghi chú").focus();
    h.run_steps(1);
    h.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Ghi chú").type_text("chuột cắn dây mạng");
    h.run_steps(1);
    save_shot(&mut h, "alarm-closing");
    h.get_by_label("Báo nhầm").click();
    h.run_steps(2);
    let still_open = store.alarms(vigil::store::alarms::AlarmFilter::Open, 10).unwrap();
    assert!(still_open.len() == 1 && still_open[0].alarm.id != id, "only the other camera's alarm is left open");
    let all = store.alarms(vigil::store::alarms::AlarmFilter::All, 10).unwrap();
    let closed = all.iter().find(|r| r.alarm.id == id).unwrap();
    assert!(
        matches!(&closed.alarm.state, AlarmState::Closed { resolution: vigil::core::alarm::Resolution::FalseAlarm, note, .. } if note == "chuột cắn dây mạng"),
        "{:?}",
        closed.alarm.state
    );
}

#[test]
fn a_cameras_motion_mask_and_armed_hours_are_painted_and_saved_and_the_reviewer_finds_motion_in_a_region() {
    use vigil::core::motion_mask::MotionMask;
    let dir = tempfile::tempdir().unwrap();
    let site = site();
    let camera = site.cameras[0].clone();
    let tile_label = format!("{} · {}", camera.name, site.neighborhood(&camera.neighborhood).unwrap().name);
    let mut h = harness_in(dir.path(), "2x2", Lang::Vi);
    let store = vigil::store::Store::open_dir(dir.path()).unwrap();

    // The tile's menu opens the camera's motion settings.
    h.get_by_label(&tile_label).click_secondary();
    h.run_steps(2);
    h.get_by_label("Cài đặt chuyển động…").click();
    // A new window's first frame only measures it.
    h.run_steps(3);
    let grid = h.get_by_label("Lưới vùng bỏ qua").rect();
    let (cw, ch) = (grid.width() / 16.0, grid.height() / 9.0);
    let cell = |c: f32, r: f32| grid.min + egui::vec2((c + 0.5) * cw, (r + 0.5) * ch);
    // Drag along the top row (the trees over the road): four cells to ignore.
    drag(&mut h, cell(0.0, 0.0), cell(3.0, 0.0));
    h.get_by_label("Báo động khi có chuyển động").click();
    h.run_steps(1);
    let schedule = || (egui::accesskit::Role::TextInput, "Giờ bật báo động");
    h.get_by_role_and_label(schedule().0, schedule().1).focus();
    h.run_steps(1);
    h.get_by_role_and_label(schedule().0, schedule().1).type_text("25:00-05:00");
    h.run_steps(1);
    h.get_by_label("Lưu").click();
    h.run_steps(2);
    h.get_by_label_contains("Giờ bật không đọc được: viết như 22:00-05:00");
    assert!(!store.settings().unwrap().alarm_rules.motion.contains_key(&camera.id), "a schedule that does not read saves nothing");
    // The officer corrects the hour.
    h.get_by_role_and_label(schedule().0, schedule().1).focus();
    h.run_steps(1);
    for _ in 0..11 {
        h.key_press(egui::Key::Backspace);
        h.run_steps(1);
    }
    h.get_by_role_and_label(schedule().0, schedule().1).type_text("22:00-05:00");
    h.run_steps(2);
    assert!(h.query_by_label_contains("Giờ bật không đọc được").is_none(), "the error goes once the hours are edited");
    save_shot(&mut h, "motion-settings");
    h.get_by_label("Lưu").click();
    h.run_steps(2);
    let rule = store.settings().unwrap().alarm_rules.motion.get(&camera.id).cloned().expect("saved");
    let mut top_row = MotionMask::EMPTY;
    (0..4).for_each(|c| top_row.set(c, 0, true));
    assert_eq!(rule.ignore, top_row, "the painted cells: {:?}", rule.ignore.to_rows());
    assert!(rule.enabled && rule.schedule.to_string() == "22:00-05:00", "{rule:?}");
    assert!(h.query_by_label("Lưới vùng bỏ qua").is_none(), "saving closes the window");

    // Smart Motion Search: two minutes ago someone moved by the door (cell 5,5), a minute ago
    // something moved in the sky (cell 12,2).
    let now = vigil::core::time::now_90k().floor_to(S);
    let (door_at, sky_at) = (now - 120 * S, now - 60 * S);
    let one = |c, r| {
        let mut m = MotionMask::EMPTY;
        m.set(c, r, true);
        m
    };
    store.save_motion(&camera.id, door_at, Some(door_at + 3 * S), &[(door_at, one(5, 5)), (door_at + 2 * S, one(5, 5))]).unwrap();
    store.save_motion(&camera.id, sky_at, Some(sky_at + S), &[(sky_at, one(12, 2))]).unwrap();
    h.get_by_label(&tile_label).click_secondary();
    h.run_steps(2);
    h.get_by_label("Tìm chuyển động…").click();
    h.run_steps(3);
    h.get_by_label("Tìm").click();
    h.run_steps(2);
    h.get_by_label("Hãy tô ít nhất một ô.");
    let grid = h.get_by_label("Vùng tìm chuyển động").rect();
    let (cw, ch) = (grid.width() / 16.0, grid.height() / 9.0);
    let door = grid.min + egui::vec2(5.5 * cw, 5.5 * ch);
    drag(&mut h, door, door);
    h.get_by_label("Tìm").click();
    h.run_steps(2);
    save_shot(&mut h, "motion-search");
    h.get_by_label_contains("1 lần có chuyển động");
    // One moment, of the door's 3 seconds (the sky's motion is elsewhere), played on a click.
    let moment = h.get_by_label_contains("Xem lúc");
    h.get_by_label_contains("(3 s)");
    moment.click();
    h.run_steps(3);
    assert_eq!(h.state().timeline().cursor_90k(), door_at - 2 * S, "played from just before the moment");
    assert!(!h.state().timeline().is_live());
}
