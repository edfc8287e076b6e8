//! The command line. `vigil` with no subcommand opens the GUI on the data dir's site.
//!
//! `args.rs` holds the clap types; each command family has its handler file: `demo.rs` (gui,
//! demo, simulate), `record.rs`, `export.rs` (export, verify-export), `site.rs`, `bench.rs`,
//! `alarm.rs`.

mod alarm;
mod args;
mod bench;
mod demo;
mod export;
mod record;
mod site;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

pub use args::*;

use crate::paths;

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
        None => demo::gui(&data_dir, demo::start_options(&cli)),
        Some(Command::Demo(ref args)) => demo::demo(&data_dir, args, demo::start_options(&cli)),
        Some(Command::Simulate(ref args)) => demo::simulate(&data_dir, args),
        Some(Command::Export(ref args)) => export::export(&data_dir, args),
        Some(Command::VerifyExport { ref dir, ref manifest_sha256 }) => export::verify_export(dir, manifest_sha256.as_deref()),
        Some(Command::Record(ref args)) => record::run(&data_dir, args),
        Some(Command::Bench(ref command)) => bench::run(&data_dir, command, &cli),
        Some(Command::Site(ref command)) => site::run(&data_dir, command),
        Some(Command::Alarm(ref command)) => alarm::run(&data_dir, command),
    }
}

/// Reads a site file, or the bundled demo town when none is given.
fn load_site_file(path: Option<&std::path::Path>) -> Result<crate::core::site::Site> {
    use anyhow::Context;
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
            crate::core::sitefile::parse_site_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
        }
        None => Ok(crate::core::sitefile::demo_town(8554)),
    }
}
