//! `vigil export` and `vigil verify-export`: evidence out of the recordings, and its check.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::ExportArgs;
use crate::core::time::Time90k;

/// An RFC 3339 instant typed on the command line (export, alarm report).
pub(super) fn parse_instant(text: &str) -> Result<Time90k> {
    let t = chrono::DateTime::parse_from_rfc3339(text)
        .with_context(|| format!("{text:?} is not an RFC 3339 time (e.g. 2026-11-28T01:45:00+07:00)"))?;
    let ns = t.timestamp_nanos_opt().context("time out of range")?;
    Ok(Time90k::from_unix_ns(ns.max(0) as u64))
}

pub fn export(data_dir: &Path, args: &ExportArgs) -> Result<ExitCode> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let request = crate::export::ExportRequest {
        cameras: args.cameras.clone(),
        from_90k: parse_instant(&args.from)?,
        to_90k: parse_instant(&args.to)?,
        out_dir: args.out.clone(),
        exported_by: args.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "unknown".into()),
        snapshots: args.snapshots.iter().map(|s| parse_instant(s)).collect::<Result<_>>()?,
        burn_in: args.burn_in,
        case_number: args.case_number.clone(),
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
    let manifest = crate::export::export(data_dir, &request, &mut progress, &cancel).map_err(|e| with_demo_hint(data_dir, e))?;
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
    eprintln!(
        "vigil export: a one-page summary to print and file with the case: {}",
        args.out.join(crate::export::manifest::SUMMARY_FILE).display()
    );
    eprintln!("vigil export: {} file(s) in {} ({:.1} s)", manifest.files.len(), args.out.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// `vigil demo --data-dir D` records into `D/demo`: an export from `D` that finds nothing says
/// where the demo's recordings are.
fn with_demo_hint(data_dir: &Path, e: crate::export::ExportError) -> anyhow::Error {
    use crate::export::ExportError::{NoSite, NothingRecorded, UnknownCamera};
    let demo = data_dir.join(super::demo::DEMO_SUBDIR);
    if matches!(e, NoSite | UnknownCamera(_) | NothingRecorded { .. }) && demo.join(crate::store::DB_FILE_NAME).is_file() {
        return anyhow::anyhow!(
            "{e}\nthe demo town records into {}: export from there with `--data-dir {}`",
            demo.display(),
            demo.display()
        );
    }
    e.into()
}

pub fn verify_export(dir: &Path, expected_manifest_sha256: Option<&str>) -> Result<ExitCode> {
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
        println!(
            "export intact: {} file(s) match manifest.json (exported {} by {})",
            report.ok.len(),
            manifest.exported_at_local,
            manifest.exported_by
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("export NOT intact");
        Ok(ExitCode::from(1))
    }
}
