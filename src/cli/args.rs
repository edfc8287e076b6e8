//! The clap types of the command line: what each command accepts. Handlers live beside this
//! file, one per command family.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Alarms: list them, acknowledge, hold or close one, set the rules, print a shift report.
    #[command(subcommand)]
    Alarm(AlarmCommand),
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
    /// The case (vụ việc) number, for the manifest and the printable summary.
    #[arg(long = "case", default_value = "")]
    pub case_number: String,
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
    /// Do not analyse the pictures (no frozen, video-loss or motion alarms, no motion strip):
    /// saves decoding every substream (about 0.27 of a core for 35 cameras).
    #[arg(long)]
    pub no_analysis: bool,
    /// How often retention and the free-space check run, ms.
    #[arg(long, default_value_t = 5000, hide = true)]
    pub housekeeping_ms: u64,
}

#[derive(Args)]
pub struct DemoArgs {
    /// RTSP port of the in-process simulator.
    #[arg(long, default_value_t = 8554)]
    pub port: u16,
    /// No scripted events (by default a camera goes offline after a minute, another stalls
    /// later, so the alarms can be seen arriving).
    #[arg(long)]
    pub no_events: bool,
    /// The streets by day or by night; auto: as the site's clock says (night 18:00–06:00).
    #[arg(long, value_enum, default_value_t = SceneArg::Auto)]
    pub scene: SceneArg,
}

/// Day or night pictures of the simulated town.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SceneArg {
    Day,
    Night,
    Auto,
}

impl SceneArg {
    /// Whether to serve the night variant, in `tz` now.
    pub fn is_night(self, tz: chrono_tz::Tz) -> bool {
        use chrono::Timelike;
        match self {
            SceneArg::Day => false,
            SceneArg::Night => true,
            SceneArg::Auto => !(6..18).contains(&chrono::Utc::now().with_timezone(&tz).hour()),
        }
    }
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
    /// Serve this camera's main stream (H.264) with 3 B-frames in a pyramid, pictures out of
    /// presentation order, as some cameras do (repeatable).
    #[arg(long = "bframes", value_name = "CAMERA")]
    pub bframes: Vec<String>,
    /// The streets by day or by night; auto: as the site's clock says (night 18:00–06:00).
    #[arg(long, value_enum, default_value_t = SceneArg::Auto)]
    pub scene: SceneArg,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Live ingest of N streams of a running simulator.
    Live(BenchLiveArgs),
    /// Picture analysis for alarms (frozen, blank, motion) on N substreams of a running simulator.
    Motion(BenchMotionArgs),
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
    /// Playing a wall of N cameras at several speeds: how far tiles drift from the cursor.
    Playback {
        /// Cameras on the wall (more than 4 play from the preview track).
        #[arg(long, default_value_t = 5)]
        cameras: usize,
        /// Speeds to play at, in turn (negative: backwards), e.g. `--speed=1,4,16,-4`.
        #[arg(long, value_delimiter = ',', allow_negative_numbers = true, default_values_t = [1.0f64, 4.0, 16.0, -4.0])]
        speed: Vec<f64>,
        /// Seconds of playing per speed.
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
        /// Leave the recordings in the temp dir (named in the output) for a baseline run.
        #[arg(long)]
        keep: bool,
        /// Without preview tracks (every tile plays the 1080p recording).
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
pub struct BenchMotionArgs {
    #[arg(long, default_value_t = 35)]
    pub cameras: usize,
    #[arg(long, default_value_t = 20.0)]
    pub seconds: f64,
    #[arg(long, default_value = "rtsp://127.0.0.1:8554")]
    pub url_base: String,
    /// Site whose camera ids to use; default: the bundled demo town.
    #[arg(long)]
    pub site: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
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

#[derive(Subcommand)]
pub enum AlarmCommand {
    /// List alarms, newest first.
    List {
        /// `open` (not closed) or `all`.
        #[arg(long, default_value = "open", value_parser = ["open", "all"])]
        state: String,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge an alarm: you have it.
    Ack {
        id: u64,
        /// Who acknowledges (written in the alarm's history).
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Put an alarm on hold (waiting for a patrol, a technician…).
    Hold {
        id: u64,
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Close an alarm with what it turned out to be.
    Close {
        id: u64,
        #[arg(long)]
        by: String,
        /// incident, false_alarm, technical or test.
        #[arg(long)]
        resolution: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Print the alarm rules as JSON, or replace them with a JSON file (read when recording starts).
    Rules {
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// The shift report: every alarm raised in [from, to), as a printable HTML page.
    Report {
        /// Start, RFC 3339 (e.g. 2026-11-28T22:00:00+07:00).
        #[arg(long)]
        from: String,
        /// End, RFC 3339.
        #[arg(long)]
        to: String,
        #[arg(long)]
        out: PathBuf,
    },
}
