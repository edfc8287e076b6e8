//! `vigil record`: the headless recorder, its status and its check.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::RecordArgs;
use crate::media::{Ingest, SupervisorPolicy};
use crate::record::status::{human_bytes, local_midnight_90k, read_status_file};
use crate::record::{DataDirLock, RecordEvent, Recorder, RecorderConfig, RetentionPolicy, TICKS_PER_S, recordings_root};
use crate::store::Store;

const GB: f64 = 1e9;

pub fn run(data_dir: &Path, args: &RecordArgs) -> Result<ExitCode> {
    if args.status {
        return status(data_dir, args.json);
    }
    if args.check {
        return check(data_dir);
    }
    let store = Store::open_dir(data_dir)?;
    let Some(site) = store.load_site()? else { bail!("no site in {}; import one with `vigil site import FILE`", data_dir.display()) };
    // The site's setting (settings window); an unreadable one records previews (the default).
    let settings = store.settings().unwrap_or_default();
    let record_previews = !args.no_previews && settings.record_previews;
    drop(store);
    let config = RecorderConfig {
        record_previews,
        alarms: Some(settings.alarm_rules),
        analyse_pictures: !args.no_analysis,
        segment_target_ms: args.segment_seconds.max(1) * 1000,
        retention: RetentionPolicy {
            quota_bytes: args.quota_gb.map(|g| (g * GB) as u64),
            min_free_bytes: (args.min_free_gb.max(0.0) * GB) as u64,
        },
        housekeeping_interval: Duration::from_millis(args.housekeeping_ms.max(10)),
        ..RecorderConfig::default()
    };
    let (ingest, stream_events) = Ingest::new(Arc::new(|| {}), SupervisorPolicy::default(), 1024)?;
    let ingest = Arc::new(ingest);
    // Stream state changes are logged by the supervisors; drain them so none is kept.
    std::thread::Builder::new().name("rec-streams".into()).spawn(move || for _ in stream_events {})?;

    let (recorder, events) = Recorder::start(data_dir, &site, ingest.clone(), config)?;
    let print_events = args.events;
    std::thread::Builder::new().name("rec-events".into()).spawn(move || {
        for event in events {
            log_event(&event);
            if print_events {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{}", serde_json::to_string(&event).unwrap_or_default());
                let _ = out.flush();
            }
        }
    })?;
    eprintln!("vigil record: recording {} into {}", site.name, recordings_root(data_dir).display());

    let (stop_tx, stop_rx) = std::sync::mpsc::sync_channel::<&'static str>(2);
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT])
        .context("cannot install signal handlers")?;
    let handle = signals.handle();
    let signal_tx = stop_tx.clone();
    std::thread::Builder::new().name("rec-signals".into()).spawn(move || {
        if signals.forever().next().is_some() {
            let _ = signal_tx.try_send("signal");
        }
    })?;
    let why = match args.for_seconds {
        Some(s) => stop_rx.recv_timeout(Duration::from_secs(s)).unwrap_or("time limit"),
        None => stop_rx.recv().unwrap_or("signal"),
    };
    handle.close();
    eprintln!("vigil record: stopping ({why}); finishing open segments");
    recorder.shutdown();
    ingest.shutdown();
    Ok(ExitCode::SUCCESS)
}

fn log_event(event: &RecordEvent) {
    match event {
        RecordEvent::DiskFull { message } => tracing::error!("{message}"),
        RecordEvent::Error { camera_id, message } => tracing::error!(camera = %camera_id, "{message}"),
        _ => tracing::debug!(?event, "record event"),
    }
}

fn status(data_dir: &Path, json: bool) -> Result<ExitCode> {
    let holder = DataDirLock::holder(data_dir);
    let file = read_status_file(data_dir).filter(|s| s.running && holder.is_some());
    let store = Store::open_dir(data_dir)?;
    let site = store.load_site()?;
    // No site: nothing to list, and no zone to show times in; UTC is said nowhere, as no row prints.
    let tz: chrono_tz::Tz = site.as_ref().map_or(chrono_tz::Tz::UTC, |s| s.timezone);
    let today = local_midnight_90k(tz);
    let mut rows = Vec::new();
    for cam in site.iter().flat_map(|s| s.cameras.iter()) {
        let live = file.as_ref().and_then(|f| f.cameras.iter().find(|c| c.camera_id == cam.id));
        let (bytes_today, oldest) = store.camera_figures(&cam.id, today)?;
        let (recording, reason, kbps) = match (live, cam.record, cam.enabled) {
            (Some(c), _, _) => (c.recording, c.reason.clone(), c.bitrate_kbps),
            (None, None, _) => (false, Some("recording is off for this camera".to_string()), 0.0),
            (None, _, false) => (false, Some("camera disabled".to_string()), 0.0),
            (None, _, _) => (false, Some("no recorder is running for this data dir".to_string()), 0.0),
        };
        let bytes_today = live.map_or(bytes_today.max(0) as u64, |c| c.bytes_today.max(bytes_today.max(0) as u64));
        rows.push(serde_json::json!({
            "camera_id": cam.id, "name": cam.name, "recording": recording, "reason": reason,
            "bytes_today": bytes_today, "bitrate_kbps": kbps, "oldest_start_90k": oldest,
            "missing_frames": live.map_or(0, |c| c.missing_frames),
        }));
    }
    if json {
        let out = serde_json::json!({
            "data_dir": data_dir, "recorder_pid": holder, "disk_full": file.as_ref().is_some_and(|f| f.disk_full),
            "cameras": rows,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    match holder {
        Some(pid) => println!("recorder running (pid {pid}) on {}", data_dir.display()),
        None => println!("no recorder running on {}", data_dir.display()),
    }
    if file.as_ref().is_some_and(|f| f.disk_full) {
        println!("DISK FULL: recording is stopped until space is freed");
    }
    println!("{:<12} {:<10} {:>10} {:>10}  {:<17} reason", "camera", "state", "today", "kbit/s", "oldest");
    for r in rows {
        let oldest = r["oldest_start_90k"].as_i64().map_or("-".to_string(), |t| {
            use chrono::TimeZone;
            tz.timestamp_opt(t / TICKS_PER_S, 0).single().map_or("-".into(), |d| d.format("%d/%m/%Y %H:%M").to_string())
        });
        println!(
            "{:<12} {:<10} {:>10} {:>10.0}  {:<17} {}",
            r["camera_id"].as_str().unwrap_or(""),
            if r["recording"].as_bool() == Some(true) { "recording" } else { "stopped" },
            human_bytes(r["bytes_today"].as_u64().unwrap_or(0)),
            r["bitrate_kbps"].as_f64().unwrap_or(0.0),
            oldest,
            r["reason"].as_str().unwrap_or(""),
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check(data_dir: &Path) -> Result<ExitCode> {
    let store = Store::open_dir(data_dir)?;
    let problems = crate::record::reconcile::verify_all(&store, &recordings_root(data_dir))?;
    let integrity = store.integrity_check()?;
    println!("index integrity: {integrity}");
    for (path, p) in &problems {
        println!("damaged: {path}: {p}");
    }
    println!("{} damaged segment(s)", problems.len());
    Ok(if problems.is_empty() && integrity == "ok" { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
