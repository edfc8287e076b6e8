//! `vigil bench …`: benchmarks that print JSON (docs/benchmarks.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::{BenchCommand, BenchLiveArgs, BenchMotionArgs, BenchRecordArgs, BenchWallArgs, Cli, ModeArg, ProfileArg, load_site_file};
use crate::core::site::StreamProfile;
use crate::media::DecodeMode;
use crate::paths;

pub fn run(data_dir: &Path, command: &BenchCommand, cli: &Cli) -> Result<ExitCode> {
    let result = match command {
        BenchCommand::Live(args) => return bench_live(args),
        BenchCommand::Motion(args) => return bench_motion(args),
        BenchCommand::Wall(args) => return bench_wall(args, cli.layout.as_deref()),
        BenchCommand::Record(args) => return bench_record(args, cli.data_dir.clone()),
        BenchCommand::Seek { minutes, seeks, .. } => {
            crate::bench::seek::seek(&paths::sim_clip_cache(data_dir), (*minutes).max(1), (*seeks).max(1))
        }
        BenchCommand::Scrub { walls, seconds, keep, no_previews, .. } => {
            crate::bench::scrub::run(&paths::sim_clip_cache(data_dir), walls, seconds.clamp(0.5, 600.0), *keep, !no_previews)
        }
        BenchCommand::Playback { cameras, speed, seconds, keep, no_previews, .. } => {
            if let Some(bad) = speed.iter().find(|s| !s.is_finite() || **s == 0.0 || s.abs() > 64.0) {
                anyhow::bail!("speed {bad}: give speeds between -64 and 64, not 0 (e.g. --speed=1,4,16,-4)");
            }
            crate::bench::playback::run(
                &paths::sim_clip_cache(data_dir),
                (*cameras).clamp(1, 64),
                speed,
                seconds.clamp(1.0, 600.0),
                *keep,
                !no_previews,
            )
        }
        BenchCommand::Export { minutes, .. } => crate::bench::seek::export(&paths::sim_clip_cache(data_dir), (*minutes).max(1)),
        BenchCommand::Timeline(args) => {
            let bench = crate::bench::timeline::TimelineBench {
                cameras: args.cameras.max(1),
                days: args.days.max(1),
                queries: args.queries.max(1),
            };
            crate::bench::timeline::run(&bench)
        }
    };
    println!("{}", result?);
    Ok(ExitCode::SUCCESS)
}

fn profile(arg: ProfileArg) -> StreamProfile {
    match arg {
        ProfileArg::Main => StreamProfile::Main,
        ProfileArg::Sub => StreamProfile::Sub,
    }
}

/// The first `n` camera ids of the site file (the bundled demo town by default).
fn first_cameras(site: Option<&Path>, n: usize) -> Result<Vec<String>> {
    let site = load_site_file(site)?;
    if n == 0 || n > site.cameras.len() {
        bail!("--cameras must be 1..={} (the site's cameras)", site.cameras.len());
    }
    Ok(site.cameras.iter().take(n).map(|c| c.id.clone()).collect())
}

fn bench_live(args: &BenchLiveArgs) -> Result<ExitCode> {
    let bench = crate::bench::live::LiveBench {
        camera_ids: first_cameras(args.site.as_deref(), args.cameras)?,
        profile: profile(args.profile),
        seconds: args.seconds,
        url_base: args.url_base.clone(),
        mode: match args.mode {
            ModeArg::Full => DecodeMode::Full,
            ModeArg::Keyframe => DecodeMode::KeyframesOnly,
        },
    };
    let result = crate::bench::live::run(&bench)?;
    println!("{result}");
    Ok(ExitCode::SUCCESS)
}

fn bench_motion(args: &BenchMotionArgs) -> Result<ExitCode> {
    let bench = crate::bench::motion::MotionBench {
        camera_ids: first_cameras(args.site.as_deref(), args.cameras)?,
        seconds: args.seconds,
        url_base: args.url_base.clone(),
    };
    println!("{}", crate::bench::motion::run(&bench)?);
    Ok(ExitCode::SUCCESS)
}

fn bench_record(args: &BenchRecordArgs, data_dir: Option<PathBuf>) -> Result<ExitCode> {
    let site = load_site_file(args.site.as_deref())?;
    if args.cameras == 0 || args.cameras > site.cameras.len() {
        bail!("--cameras must be 1..={} (the site's cameras)", site.cameras.len());
    }
    let bench = crate::bench::record::RecordBench {
        site,
        cameras: args.cameras,
        profile: profile(args.profile),
        seconds: args.seconds,
        url_base: args.url_base.clone(),
        data_dir,
        segment_seconds: args.segment_seconds,
        index_open_ms: args.index_open_ms,
        previews: args.previews,
    };
    let result = crate::bench::record::run(&bench)?;
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
    let result = crate::bench::wall::run(&bench)?;
    println!("{result}");
    Ok(ExitCode::SUCCESS)
}
