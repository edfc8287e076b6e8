//! `vigil` (the GUI on the data dir's site), `vigil demo` and `vigil simulate`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::{Cli, DemoArgs, SimulateArgs, load_site_file};
use crate::core::site::{Site, StreamProfile};
use crate::core::sitefile::demo_town;
use crate::media::simulate::{Codec, SimCamera, SimConfig, Simulator};
use crate::paths;
use crate::store::Store;

pub fn start_options(cli: &Cli) -> crate::app::StartOptions {
    crate::app::StartOptions {
        layout: cli.layout.clone(),
        lang: cli.lang.as_deref().and_then(crate::app::i18n::Lang::parse),
        snapshot_dir: cli.snapshot_dir.clone(),
        data_dir: None,
        record: !cli.no_record,
        clock: crate::core::time::Clock::System,
        background_recorder: None,
    }
}

pub fn gui(data_dir: &Path, mut options: crate::app::StartOptions) -> Result<ExitCode> {
    options.data_dir = Some(data_dir.to_path_buf());
    // Real cameras outlive the window: closing it can hand the recording to `vigil record`.
    options.background_recorder = std::env::current_exe().ok();
    let store = Store::open_dir(data_dir)?;
    let Some(site) = store.load_site()? else {
        bail!("no site configured in {}.\nImport one with `vigil site import FILE`, or try `vigil demo`.", data_dir.display())
    };
    crate::app::run(site, "Vigil", options).map_err(anyhow::Error::msg)?;
    Ok(ExitCode::SUCCESS)
}

/// Where `vigil demo` keeps its database and recordings inside the data dir it is given.
pub const DEMO_SUBDIR: &str = "demo";

fn sim_cameras(site: &Site, args: &SimulateArgs) -> Result<Vec<SimCamera>> {
    let (auth, h265) = (&args.auth, &args.h265);
    let mut cameras = SimCamera::from_site(site);
    for spec in auth {
        let mut parts = spec.splitn(3, ':');
        let (Some(id), Some(user), Some(pass)) = (parts.next(), parts.next(), parts.next()) else {
            bail!("--auth {spec:?}: expected CAMERA:USER:PASSWORD");
        };
        let cam = cameras.iter_mut().find(|c| c.id == id).with_context(|| format!("--auth: no camera {id:?}"))?;
        cam.auth = Some((user.to_string(), pass.to_string()));
    }
    for id in h265 {
        let cam = cameras.iter_mut().find(|c| &c.id == id).with_context(|| format!("--h265: no camera {id:?}"))?;
        cam.main_codec = Codec::H265;
    }
    for id in &args.bframes {
        let cam = cameras.iter_mut().find(|c| &c.id == id).with_context(|| format!("--bframes: no camera {id:?}"))?;
        if cam.main_codec != Codec::H264 {
            bail!("--bframes {id}: B-frames are simulated for H.264 main streams only");
        }
        cam.main_bframes = 3;
    }
    Ok(cameras)
}

pub fn simulate(data_dir: &Path, args: &SimulateArgs) -> Result<ExitCode> {
    let site = load_site_file(args.site.as_deref())?;
    let cameras = sim_cameras(&site, args)?;
    if args.list {
        let url = |id: &str, p: StreamProfile| format!("rtsp://127.0.0.1:{}/cam/{id}/{p}", args.port);
        if args.json {
            let list: Vec<_> = cameras
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.id, "name": c.name, "neighborhood": c.neighborhood,
                        "main": url(&c.id, StreamProfile::Main), "sub": url(&c.id, StreamProfile::Sub),
                    })
                })
                .collect();
            println!("{}", serde_json::json!({ "cameras": list }));
        } else {
            for c in &cameras {
                println!("{}\t{}\t{}\t{}", c.id, c.name, url(&c.id, StreamProfile::Main), url(&c.id, StreamProfile::Sub));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let control_port = args.control_port.unwrap_or(if args.port == 0 { 0 } else { args.port.saturating_add(1) });
    let sim = Simulator::start(SimConfig {
        port: args.port,
        control_port: Some(control_port),
        cache_dir: paths::sim_clip_cache(data_dir),
        cameras,
        progress: true,
        night: args.scene.is_night(site.timezone),
    })?;
    println!(
        "vigil simulate: serving {} cameras on rtsp://127.0.0.1:{}/cam/<id>/{{main,sub}}; control on 127.0.0.1:{}",
        sim.camera_ids().len(),
        sim.port(),
        sim.control_port().unwrap_or(0)
    );
    println!("ready");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    wait_for_termination();
    drop(sim);
    Ok(ExitCode::SUCCESS)
}

/// Blocks until SIGINT or SIGTERM.
fn wait_for_termination() {
    // SAFETY: plain libc signal mask calls on this thread; sigwait returns the signal number.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        let mut sig: libc::c_int = 0;
        libc::sigwait(&set, &mut sig);
    }
}

/// A fault the demo's script puts on a simulated camera.
#[derive(Debug, Clone, Copy)]
enum DemoFault {
    /// The camera refuses connections (an offline alarm once past the 30 s debounce).
    Offline,
    /// Connected, no more frames (a no-picture alarm after 10 s).
    Stall,
    /// A passer-by crosses the scene (a motion alarm where the camera is armed).
    Motion,
    /// Frames come, the picture does not change (a frozen alarm after 20 s).
    Freeze,
    /// The lens is covered (a video-loss alarm after 10 s).
    Dark,
}

/// What `vigil demo` does to its town so a newcomer sees alarms arrive: (seconds after start,
/// camera, fault, seconds it lasts). cam07's offline is a blip under the debounce: only an outage
/// on the camera's timeline track; the market's motion (cam01) raises an alarm only at night, when
/// it is armed, and is otherwise only on its motion strip.
const DEMO_EVENTS: [(u64, &str, DemoFault, u64); 7] = [
    (40, "cam04", DemoFault::Motion, 6),
    (60, "cam11", DemoFault::Offline, 45),
    (120, "cam01", DemoFault::Motion, 8),
    (150, "cam23", DemoFault::Stall, 25),
    (200, "cam13", DemoFault::Freeze, 35),
    (240, "cam07", DemoFault::Offline, 10),
    (280, "cam30", DemoFault::Dark, 25),
];

/// The demo town's alarm rules: the market's cameras armed for motion at night (22:00–05:00),
/// the gold shop and the treasury always; every camera ignores the simulator's changing
/// on-screen text (as a site masks its cameras' clocks) and keeps a motion strip.
pub fn demo_rules(site: &Site) -> crate::core::alarm::Rules {
    use crate::core::alarm::{MotionRule, Rules, Schedule};
    let mut rules = Rules::default();
    let ignore = crate::media::simulate::osd_mask();
    let night = Schedule::parse("22:00-05:00").unwrap_or_else(|_| Schedule::always());
    for cam in &site.cameras {
        let rule = match cam.id.as_str() {
            "cam01" | "cam02" | "cam03" | "cam05" => MotionRule { schedule: night.clone(), ignore, ..MotionRule::default() },
            "cam04" | "cam26" => MotionRule { ignore, ..MotionRule::default() },
            _ => MotionRule { enabled: false, ignore, ..MotionRule::default() },
        };
        rules.motion.insert(cam.id.clone(), rule);
    }
    rules
}

/// Runs [`DEMO_EVENTS`] on the simulator until `stop` says the demo ended (then puts back what
/// it changed).
fn script_events(sim: &Simulator, stop: &std::sync::mpsc::Receiver<()>) {
    let started = std::time::Instant::now();
    // (when, camera, fault, how long it lasts when it begins; `None`: it ends).
    let mut steps: Vec<(u64, &str, DemoFault, Option<u64>)> = DEMO_EVENTS
        .iter()
        .flat_map(|&(at, camera, fault, lasts)| [(at, camera, fault, Some(lasts)), (at + lasts, camera, fault, None)])
        .collect();
    steps.sort_by_key(|s| s.0);
    let set = |camera: &str, fault: DemoFault, lasts: Option<u64>| {
        let on = lasts.is_some();
        let result = match fault {
            DemoFault::Offline => sim.set_offline(camera, on),
            DemoFault::Stall => sim.set_stalled(camera, on),
            DemoFault::Motion => sim.set_motion(camera, lasts.unwrap_or(0) as f64),
            DemoFault::Freeze => sim.set_frozen(camera, on),
            DemoFault::Dark => sim.set_dark(camera, on),
        };
        match result {
            Ok(()) => eprintln!("vigil demo: {camera} {} ({fault:?})", if on { "fails" } else { "is back" }),
            Err(e) => eprintln!("vigil demo: cannot script {camera}: {e}"),
        }
    };
    let mut applied: Vec<(&str, DemoFault)> = Vec::new();
    for (at, camera, fault, lasts) in steps {
        let wait = std::time::Duration::from_secs(at).saturating_sub(started.elapsed());
        if !matches!(stop.recv_timeout(wait), Err(std::sync::mpsc::RecvTimeoutError::Timeout)) {
            break;
        }
        set(camera, fault, lasts);
        if lasts.is_some() {
            applied.push((camera, fault));
        } else {
            applied.retain(|a| a.0 != camera);
        }
    }
    for (camera, fault) in applied {
        set(camera, fault, None);
    }
}

pub fn demo(data_dir: &Path, args: &DemoArgs, mut options: crate::app::StartOptions) -> Result<ExitCode> {
    if let Some(name) = &options.layout
        && crate::core::layout::Layout::standard(name).is_none()
    {
        bail!("unknown layout {name:?}; try one of {}", crate::core::layout::STANDARD_LAYOUTS.join(", "));
    }
    let demo_dir = data_dir.join(DEMO_SUBDIR);
    options.data_dir = Some(demo_dir.clone());
    let site = demo_town(args.port);
    let mut store = Store::open_dir(&demo_dir)?;
    store.replace_site(&site)?;
    // The demo's alarm rules, unless someone set their own (`vigil alarm rules --set`).
    if store.settings()?.alarm_rules == crate::core::alarm::Rules::default() {
        store.save_setting(&crate::core::settings::Setting::AlarmRules(Box::new(demo_rules(&site))))?;
    }
    let sim = Simulator::start(SimConfig {
        port: args.port,
        control_port: Some(args.port.saturating_add(1)),
        cache_dir: paths::sim_clip_cache(data_dir),
        cameras: SimCamera::from_site(&site),
        progress: true,
        night: args.scene.is_night(site.timezone),
    })?;
    eprintln!("vigil demo: simulator on rtsp://127.0.0.1:{} (control port {})", sim.port(), sim.control_port().unwrap_or(0));
    // Dropping the sender (the window closed) ends the script.
    let (stop_events, stopped) = std::sync::mpsc::sync_channel::<()>(1);
    if !args.no_events {
        let sim = sim.clone();
        std::thread::Builder::new().name("demo-events".into()).spawn(move || script_events(&sim, &stopped))?;
    }
    let result = crate::app::run(site, "Vigil — demo", options);
    drop(stop_events);
    drop(sim);
    result.map_err(anyhow::Error::msg)?;
    Ok(ExitCode::SUCCESS)
}
