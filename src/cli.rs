//! The command line. `vigil` with no subcommand opens the GUI on the data dir's site.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::site::{Site, StreamProfile};
use crate::core::sitefile::{demo_town, parse_site_toml, site_to_toml};
use crate::media::DecodeMode;
use crate::media::simulate::{Codec, SimCamera, SimConfig, Simulator};
use crate::paths;
use crate::store::Store;

#[derive(Parser)]
#[command(name = "vigil", version, about = "Video wall, recorder and evidence tool for a town's security cameras")]
pub struct Cli {
    /// Starting layout of the GUI: 1, 2x2 … 6x6 (up to 8x8), 1+5, 1+7, 1+12, 2+8 (default: all cameras).
    #[arg(long, global = true)]
    pub layout: Option<String>,
    /// Folder for snapshots (default: the user's pictures folder, Vigil/).
    #[arg(long, env = "VIGIL_SNAPSHOT_DIR", global = true)]
    pub snapshot_dir: Option<PathBuf>,
    /// Language of the GUI: vi or en (default: the last one chosen in settings, else vi).
    #[arg(long, global = true, value_parser = ["vi", "en"])]
    pub lang: Option<String>,
    /// Data dir holding the database, recordings and caches.
    #[arg(long, env = "VIGIL_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// GUI and demo: do not record (by default they record unless a `vigil record` process does).
    #[arg(long, global = true)]
    pub no_record: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start the simulated town (35 cameras) and open Vigil on it.
    Demo(DemoArgs),
    /// Serve a site's cameras from a simulated RTSP server on 127.0.0.1.
    Simulate(SimulateArgs),
    /// Record every enabled camera of the data dir's site (until SIGTERM/SIGINT), or show status.
    Record(RecordArgs),
    /// Export recorded footage as evidence: MP4 per camera (no re-encode) + manifest.json with SHA-256.
    Export(ExportArgs),
    /// Re-hash an export folder's files against its manifest.json; exit 1 on any change.
    VerifyExport {
        /// The export folder.
        dir: PathBuf,
        /// The manifest's SHA-256 as written down when the export was made (printed by `export`):
        /// proves manifest.json itself was not rewritten along with a changed clip.
        #[arg(long)]
        manifest_sha256: Option<String>,
    },
    /// Benchmarks that print JSON.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Import or export the site.
    #[command(subcommand)]
    Site(SiteCommand),
}

#[derive(Args)]
pub struct ExportArgs {
    /// Camera id (repeat for several cameras).
    #[arg(long = "camera", required = true)]
    pub cameras: Vec<String>,
    /// Start, RFC 3339 (e.g. 2026-11-28T01:45:00+07:00).
    #[arg(long)]
    pub from: String,
    /// End, RFC 3339.
    #[arg(long)]
    pub to: String,
    /// The export folder to create (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// Who exports, for the manifest (default: the login name).
    #[arg(long)]
    pub by: Option<String>,
    /// Also save each camera's frame at this instant as a PNG (RFC 3339; repeatable).
    #[arg(long = "snapshot")]
    pub snapshots: Vec<String>,
    /// Burn the camera's name and the local date and time into the pictures (re-encodes; slower).
    #[arg(long)]
    pub burn_in: bool,
}

#[derive(Args)]
pub struct RecordArgs {
    /// Print each camera's recording status and exit.
    #[arg(long)]
    pub status: bool,
    /// With --status: one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Read every indexed segment file, mark and list damaged ones, and exit.
    #[arg(long)]
    pub check: bool,
    /// Target segment length, seconds.
    #[arg(long, default_value_t = 60)]
    pub segment_seconds: u64,
    /// Keep at most this many GB (10^9 bytes) of recordings; oldest unlocked go first.
    #[arg(long)]
    pub quota_gb: Option<f64>,
    /// Keep at least this many GB free on the recordings' disk.
    #[arg(long, default_value_t = 1.0)]
    pub min_free_gb: f64,
    /// Stop after this many seconds (default: run until SIGTERM/SIGINT).
    #[arg(long)]
    pub for_seconds: Option<u64>,
    /// Print recorder events as JSON lines on stdout.
    #[arg(long)]
    pub events: bool,
    /// Do not record the substream previews that make scrubbing big walls fast (~12 % less disk).
    /// Without it the site's setting decides (settings window; recorded by default).
    #[arg(long)]
    pub no_previews: bool,
    /// How often retention and the free-space check run, ms.
    #[arg(long, default_value_t = 5000, hide = true)]
    pub housekeeping_ms: u64,
}

#[derive(Args)]
pub struct DemoArgs {
    /// RTSP port of the in-process simulator.
    #[arg(long, default_value_t = 8554)]
    pub port: u16,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// RTSP port (0 = any free port; the chosen one is printed).
    #[arg(long, default_value_t = 8554)]
    pub port: u16,
    /// Loopback port of the control surface (docs/simulator.md); default: RTSP port + 1.
    #[arg(long)]
    pub control_port: Option<u16>,
    /// Site file whose cameras to serve; default: the bundled demo town.
    #[arg(long)]
    pub site: Option<PathBuf>,
    /// Print the cameras and their URLs, then exit.
    #[arg(long)]
    pub list: bool,
    /// With --list: print JSON.
    #[arg(long)]
    pub json: bool,
    /// Require RTSP digest auth for a camera: CAMERA:USER:PASSWORD (repeatable).
    #[arg(long = "auth", value_name = "CAMERA:USER:PASSWORD")]
    pub auth: Vec<String>,
    /// Serve this camera's main stream as H.265 (repeatable).
    #[arg(long = "h265", value_name = "CAMERA")]
    pub h265: Vec<String>,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Live ingest of N streams of a running simulator.
    Live(BenchLiveArgs),
    /// The live wall rendered offscreen (ingest + upload + YUV shader) from a running simulator.
    Wall(BenchWallArgs),
    /// Seeks in recordings made from the simulator's 1080p clip: first picture and exact frame.
    Seek {
        /// Minutes of recordings to seek in.
        #[arg(long, default_value_t = 10)]
        minutes: u32,
        #[arg(long, default_value_t = 200)]
        seeks: usize,
        /// Accepted for symmetry with the other benches (this one needs no running simulator).
        #[arg(long)]
        url_base: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Dragging the timeline over walls of N cameras: pictures each tile shows per second.
    Scrub {
        /// Wall sizes (cameras) to drag over, in turn.
        #[arg(long, value_delimiter = ',', default_values_t = [4usize, 9, 16, 35])]
        walls: Vec<usize>,
        /// Seconds of dragging per wall size.
        #[arg(long, default_value_t = 4.0)]
        seconds: f64,
        /// Leave the recordings in the temp dir (named in the output) for a baseline run.
        #[arg(long)]
        keep: bool,
        /// Without preview tracks (every tile scrubs from 1080p keyframes).
        #[arg(long)]
        no_previews: bool,
        #[arg(long)]
        url_base: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export (remux + SHA-256) of a clip of recordings made from the simulator's 1080p clip.
    Export {
        #[arg(long, default_value_t = 10)]
        minutes: u32,
        #[arg(long)]
        url_base: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Coverage queries of the timeline on a synthetic index (N cameras × D days), per zoom level.
    Timeline(BenchTimelineArgs),
    /// The recorder on N streams of a running simulator, into a temp data dir (or the one given
    /// with --data-dir, kept afterwards; its site is replaced by the bench's).
    Record(BenchRecordArgs),
}

#[derive(Args)]
pub struct BenchTimelineArgs {
    #[arg(long, default_value_t = 35)]
    pub cameras: usize,
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Window positions timed per zoom level.
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct BenchRecordArgs {
    #[arg(long, default_value_t = 35)]
    pub cameras: usize,
    #[arg(long, value_enum, default_value = "main")]
    pub profile: ProfileArg,
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    #[arg(long, default_value = "rtsp://127.0.0.1:8554")]
    pub url_base: String,
    /// Target segment length, seconds.
    #[arg(long, default_value_t = 60)]
    pub segment_seconds: u64,
    /// How often the segment being written is indexed, ms of media (0: only finished segments).
    #[arg(long, default_value_t = 2000)]
    pub index_open_ms: u64,
    /// Also record each camera's substream as its preview track (left out by default: the
    /// baseline remuxes the main streams only).
    #[arg(long)]
    pub previews: bool,
    /// Site whose camera ids to use; default: the bundled demo town.
    #[arg(long)]
    pub site: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct BenchWallArgs {
    /// How long to measure (the layout is the global --layout, 6x6 by default).
    #[arg(long, default_value_t = 20.0)]
    pub seconds: f64,
    #[arg(long, default_value = "rtsp://127.0.0.1:8554")]
    pub url_base: String,
    /// Offscreen target size, e.g. 1920x1080; 1x1 measures everything but rasterization.
    #[arg(long, default_value = "1920x1080")]
    pub size: String,
    #[arg(long)]
    pub site: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    Main,
    Sub,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Full,
    Keyframe,
}

#[derive(Args)]
pub struct BenchLiveArgs {
    #[arg(long, default_value_t = 35)]
    pub cameras: usize,
    #[arg(long, value_enum, default_value = "sub")]
    pub profile: ProfileArg,
    #[arg(long, default_value_t = 20.0)]
    pub seconds: f64,
    #[arg(long, default_value = "rtsp://127.0.0.1:8554")]
    pub url_base: String,
    #[arg(long, value_enum, default_value = "full")]
    pub mode: ModeArg,
    /// Site whose camera ids to use; default: the bundled demo town.
    #[arg(long)]
    pub site: Option<PathBuf>,
    /// Print JSON (the default output is JSON as well; the flag is accepted for scripts).
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum SiteCommand {
    /// Replace the data dir's site with a TOML file (all or nothing).
    Import { file: PathBuf },
    /// Print the data dir's site as TOML (or write it to --out).
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vigil: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG").unwrap_or_else(|_| "warn,vigil=info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn run(cli: Cli) -> Result<ExitCode> {
    let data_dir = cli.data_dir.clone().unwrap_or_else(paths::default_data_dir);
    match cli.command {
        None => gui(&data_dir, start_options(&cli)),
        Some(Command::Demo(ref args)) => demo(&data_dir, args, start_options(&cli)),
        Some(Command::Simulate(args)) => simulate(&data_dir, &args),
        Some(Command::Export(ref args)) => export(&data_dir, args),
        Some(Command::VerifyExport { ref dir, ref manifest_sha256 }) => verify_export(dir, manifest_sha256.as_deref()),
        Some(Command::Record(ref args)) => crate::record::command::run(&data_dir, args),
        Some(Command::Bench(BenchCommand::Live(args))) => bench_live(&args),
        Some(Command::Bench(BenchCommand::Wall(ref args))) => bench_wall(args, cli.layout.as_deref()),
        Some(Command::Bench(BenchCommand::Seek { minutes, seeks, .. })) => {
            let result = crate::bench::seek::seek(&paths::sim_clip_cache(&data_dir), minutes.max(1), seeks.max(1)).map_err(anyhow::Error::msg)?;
            println!("{result}");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench(BenchCommand::Scrub { ref walls, seconds, keep, no_previews, .. })) => {
            let result = crate::bench::scrub::run(&paths::sim_clip_cache(&data_dir), walls, seconds.clamp(0.5, 600.0), keep, !no_previews).map_err(anyhow::Error::msg)?;
            println!("{result}");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench(BenchCommand::Export { minutes, .. })) => {
            let result = crate::bench::seek::export(&paths::sim_clip_cache(&data_dir), minutes.max(1)).map_err(anyhow::Error::msg)?;
            println!("{result}");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench(BenchCommand::Timeline(ref args))) => {
            let bench = crate::bench::timeline::TimelineBench { cameras: args.cameras.max(1), days: args.days.max(1), queries: args.queries.max(1) };
            println!("{}", crate::bench::timeline::run(&bench).map_err(anyhow::Error::msg)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench(BenchCommand::Record(ref args))) => bench_record(args, cli.data_dir.clone()),
        Some(Command::Site(SiteCommand::Import { file })) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let site = parse_site_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let mut store = Store::open_dir(&data_dir)?;
            store.replace_site(&site)?;
            eprintln!(
                "imported {} neighborhoods and {} cameras into {}",
                site.neighborhoods.len(),
                site.cameras.len(),
                data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Site(SiteCommand::Export { out })) => {
            let store = Store::open_dir(&data_dir)?;
            let Some(site) = store.load_site()? else {
                bail!("no site in {}; import one with `vigil site import FILE`", data_dir.display())
            };
            let text = site_to_toml(&site);
            match out {
                Some(path) => std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn start_options(cli: &Cli) -> crate::app::StartOptions {
    crate::app::StartOptions {
        layout: cli.layout.clone(),
        lang: cli.lang.as_deref().and_then(crate::app::i18n::Lang::parse),
        snapshot_dir: cli.snapshot_dir.clone(),
        data_dir: None,
        record: !cli.no_record,
    }
}

fn gui(data_dir: &Path, mut options: crate::app::StartOptions) -> Result<ExitCode> {
    options.data_dir = Some(data_dir.to_path_buf());
    let store = Store::open_dir(data_dir)?;
    let Some(site) = store.load_site()? else {
        bail!(
            "no site configured in {}.\nImport one with `vigil site import FILE`, or try `vigil demo`.",
            data_dir.display()
        )
    };
    crate::app::run(site, "Vigil", options).map_err(anyhow::Error::msg)?;
    Ok(ExitCode::SUCCESS)
}

fn load_site_file(path: Option<&Path>) -> Result<Site> {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            parse_site_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
        }
        None => Ok(demo_town(8554)),
    }
}

fn sim_cameras(site: &Site, auth: &[String], h265: &[String]) -> Result<Vec<SimCamera>> {
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
    Ok(cameras)
}

fn simulate(data_dir: &Path, args: &SimulateArgs) -> Result<ExitCode> {
    let site = load_site_file(args.site.as_deref())?;
    let cameras = sim_cameras(&site, &args.auth, &args.h265)?;
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

fn demo(data_dir: &Path, args: &DemoArgs, mut options: crate::app::StartOptions) -> Result<ExitCode> {
    if let Some(name) = &options.layout
        && crate::core::layout::Layout::standard(name).is_none()
    {
        bail!("unknown layout {name:?}; try one of {}", crate::core::layout::STANDARD_LAYOUTS.join(", "));
    }
    let demo_dir = data_dir.join("demo");
    options.data_dir = Some(demo_dir.clone());
    let site = demo_town(args.port);
    let mut store = Store::open_dir(&demo_dir)?;
    store.replace_site(&site)?;
    let sim = Simulator::start(SimConfig {
        port: args.port,
        control_port: Some(args.port.saturating_add(1)),
        cache_dir: paths::sim_clip_cache(data_dir),
        cameras: SimCamera::from_site(&site),
        progress: true,
    })?;
    eprintln!(
        "vigil demo: simulator on rtsp://127.0.0.1:{} (control port {})",
        sim.port(),
        sim.control_port().unwrap_or(0)
    );
    let result = crate::app::run(site, "Vigil — demo", options);
    drop(sim);
    result.map_err(anyhow::Error::msg)?;
    Ok(ExitCode::SUCCESS)
}

fn bench_live(args: &BenchLiveArgs) -> Result<ExitCode> {
    let site = load_site_file(args.site.as_deref())?;
    if args.cameras == 0 || args.cameras > site.cameras.len() {
        bail!("--cameras must be 1..={} (the site's cameras)", site.cameras.len());
    }
    let bench = crate::bench::live::LiveBench {
        camera_ids: site.cameras.iter().take(args.cameras).map(|c| c.id.clone()).collect(),
        profile: match args.profile {
            ProfileArg::Main => StreamProfile::Main,
            ProfileArg::Sub => StreamProfile::Sub,
        },
        seconds: args.seconds,
        url_base: args.url_base.clone(),
        mode: match args.mode {
            ModeArg::Full => DecodeMode::Full,
            ModeArg::Keyframe => DecodeMode::KeyframesOnly,
        },
    };
    let result = crate::bench::live::run(&bench).map_err(anyhow::Error::msg)?;
    println!("{result}");
    Ok(ExitCode::SUCCESS)
}

fn parse_instant(text: &str) -> Result<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(text)
        .with_context(|| format!("{text:?} is not an RFC 3339 time (e.g. 2026-11-28T01:45:00+07:00)"))?;
    let ns = t.timestamp_nanos_opt().context("time out of range")?;
    Ok(crate::record::ns_to_90k(ns.max(0) as u64))
}

fn export(data_dir: &Path, args: &ExportArgs) -> Result<ExitCode> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let request = crate::export::ExportRequest {
        cameras: args.cameras.clone(),
        from_90k: parse_instant(&args.from)?,
        to_90k: parse_instant(&args.to)?,
        out_dir: args.out.clone(),
        exported_by: args.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "unknown".into()),
        snapshots: args.snapshots.iter().map(|s| parse_instant(s)).collect::<Result<_>>()?,
        burn_in: args.burn_in,
    };
    // Ctrl-C / SIGTERM cancel: the partial folder is removed.
    let cancel = std::sync::Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, cancel.clone()).context("cannot install signal handlers")?;
    }
    let mut last_pct = -1i64;
    let mut progress = |p: crate::export::ExportProgress| {
        let pct = (p.fraction() * 100.0).floor() as i64;
        if pct / 10 != last_pct / 10 {
            last_pct = pct;
            eprintln!("vigil export: {pct}%");
        }
    };
    let started = std::time::Instant::now();
    let manifest = crate::export::export(data_dir, &request, &mut progress, &cancel)?;
    if cancel.load(Ordering::Relaxed) {
        bail!("cancelled");
    }
    for f in &manifest.files {
        println!("{}  {}  {} → {}  {} frames  {}", f.sha256, f.file, f.covered.from_local, f.covered.to_local, f.frames, f.bytes);
    }
    for s in &manifest.snapshots {
        println!("{}  {}  {}", s.sha256, s.file, s.shown.from_local);
    }
    for c in &manifest.cameras_without_recording {
        println!("no recording: {c}");
    }
    let manifest_hash = crate::export::manifest::manifest_sha256(&args.out)
        .with_context(|| format!("cannot read back {}", args.out.join(crate::export::manifest::MANIFEST_FILE).display()))?;
    println!("{manifest_hash}  {}", crate::export::manifest::MANIFEST_FILE);
    eprintln!(
        "vigil export: write the manifest's SHA-256 down with the case file; `vigil verify-export {} --manifest-sha256 {manifest_hash}` then proves nothing was changed",
        args.out.display()
    );
    eprintln!("vigil export: {} file(s) in {} ({:.1} s)", manifest.files.len(), args.out.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn verify_export(dir: &Path, expected_manifest_sha256: Option<&str>) -> Result<ExitCode> {
    let (manifest, report) = crate::export::manifest::verify(dir)?;
    let manifest_ok = expected_manifest_sha256.is_none_or(|h| h.trim().eq_ignore_ascii_case(&report.manifest_sha256));
    println!("{}  {}", report.manifest_sha256, crate::export::manifest::MANIFEST_FILE);
    if !manifest_ok {
        println!("MANIFEST CHANGED: its SHA-256 is not the one written down when the export was made");
    }
    for f in &report.ok {
        println!("ok       {f}");
    }
    for f in &report.changed {
        println!("CHANGED  {f}");
    }
    for f in &report.missing {
        println!("MISSING  {f}");
    }
    for f in &report.unlisted {
        println!("UNLISTED {f}");
    }
    if report.is_intact() && manifest_ok {
        println!("export intact: {} file(s) match manifest.json (exported {} by {})", report.ok.len(), manifest.exported_at_local, manifest.exported_by);
        Ok(ExitCode::SUCCESS)
    } else {
        println!("export NOT intact");
        Ok(ExitCode::from(1))
    }
}

fn bench_record(args: &BenchRecordArgs, data_dir: Option<PathBuf>) -> Result<ExitCode> {
    let site = load_site_file(args.site.as_deref())?;
    if args.cameras == 0 || args.cameras > site.cameras.len() {
        bail!("--cameras must be 1..={} (the site's cameras)", site.cameras.len());
    }
    let bench = crate::bench::record::RecordBench {
        site,
        cameras: args.cameras,
        profile: match args.profile {
            ProfileArg::Main => StreamProfile::Main,
            ProfileArg::Sub => StreamProfile::Sub,
        },
        seconds: args.seconds,
        url_base: args.url_base.clone(),
        data_dir,
        segment_seconds: args.segment_seconds,
        index_open_ms: args.index_open_ms,
        previews: args.previews,
    };
    let result = crate::bench::record::run(&bench).map_err(anyhow::Error::msg)?;
    println!("{result}");
    Ok(ExitCode::SUCCESS)
}

fn bench_wall(args: &BenchWallArgs, layout: Option<&str>) -> Result<ExitCode> {
    let site = load_site_file(args.site.as_deref())?;
    let name = layout.unwrap_or("6x6");
    let layout = crate::core::layout::Layout::standard(name)
        .with_context(|| format!("unknown layout {name:?}; try one of {}", crate::core::layout::STANDARD_LAYOUTS.join(", ")))?;
    let (w, h) = args
        .size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| *w > 0 && *h > 0 && *w <= 8192 && *h <= 8192)
        .with_context(|| format!("--size {:?}: expected WIDTHxHEIGHT, e.g. 1920x1080", args.size))?;
    let bench = crate::bench::wall::WallBench {
        layout,
        camera_ids: site.cameras.iter().map(|c| c.id.clone()).collect(),
        seconds: args.seconds,
        url_base: args.url_base.clone(),
        width: w,
        height: h,
    };
    let result = crate::bench::wall::run(&bench).map_err(anyhow::Error::msg)?;
    println!("{result}");
    Ok(ExitCode::SUCCESS)
}
