//! `vigil alarm list|ack|hold|close|rules|report`: the alarm list from a shell, officers'
//! actions (checked against the alarm's state as stored; a bad id or move changes nothing),
//! the rules the recorder raises alarms by, and the shift report.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::AlarmCommand;
use crate::core::alarm::{Action, Resolution};
use crate::core::settings::Setting;
use crate::core::time::Time90k;
use crate::store::Store;
use crate::store::alarms::{AlarmFilter, AlarmRow};

pub fn run(data_dir: &Path, command: &AlarmCommand) -> Result<ExitCode> {
    let store = Store::open_dir(data_dir)?;
    let now = Time90k::now();
    match command {
        AlarmCommand::List { state, json } => list(&store, state == "all", *json),
        AlarmCommand::Ack { id, by, note } => act(&store, *id, Action::Acknowledge, by, note, None, now),
        AlarmCommand::Hold { id, by, note } => act(&store, *id, Action::Hold, by, note, None, now),
        AlarmCommand::Close { id, by, resolution, note } => {
            let resolution: Resolution = resolution
                .parse()
                .ok()
                .filter(|r| *r != Resolution::AutoClosed)
                .with_context(|| format!("unknown resolution {resolution:?}: use incident, false_alarm, technical or test"))?;
            act(&store, *id, Action::Close, by, note, Some(resolution), now)
        }
        AlarmCommand::Rules { set: None } => {
            println!("{}", serde_json::to_string_pretty(&store.settings()?.alarm_rules)?);
            Ok(ExitCode::SUCCESS)
        }
        AlarmCommand::Rules { set: Some(file) } => {
            let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            let rules = serde_json::from_str(&text).with_context(|| format!("{}: not alarm rules", file.display()))?;
            store.save_setting(&Setting::AlarmRules(Box::new(rules)))?;
            eprintln!("alarm rules saved; a recorder starting from now uses them");
            Ok(ExitCode::SUCCESS)
        }
        AlarmCommand::Report { from, to, out } => report(&store, from, to, out),
    }
}

fn list(store: &Store, all: bool, json: bool) -> Result<ExitCode> {
    let rows = store.alarms(if all { AlarmFilter::All } else { AlarmFilter::Open }, 10_000)?;
    if json {
        let alarms: Vec<serde_json::Value> = rows.iter().map(alarm_json).collect();
        println!("{}", serde_json::json!({ "alarms": alarms }));
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        eprintln!("no {}alarms", if all { "" } else { "open " });
    }
    for r in &rows {
        let a = &r.alarm;
        println!(
            "#{:<5} {:<12} {:<14} p{} {:<13} since {} ×{} {}",
            a.id,
            a.kind.as_str(),
            a.camera.as_deref().unwrap_or("-"),
            a.priority.level(),
            a.state.as_str(),
            a.opened_at,
            a.count,
            a.detail
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One alarm as `vigil alarm list --json` prints it.
fn alarm_json(r: &AlarmRow) -> serde_json::Value {
    let a = &r.alarm;
    let note = match &a.state {
        crate::core::alarm::AlarmState::New => "",
        crate::core::alarm::AlarmState::Acknowledged { note, .. }
        | crate::core::alarm::AlarmState::OnHold { note, .. }
        | crate::core::alarm::AlarmState::Closed { note, .. } => note,
    };
    let resolution = match &a.state {
        crate::core::alarm::AlarmState::Closed { resolution, .. } => Some(resolution.as_str()),
        _ => None,
    };
    serde_json::json!({
        "id": a.id,
        "kind": a.kind.as_str(),
        "camera": a.camera,
        "subject": a.subject,
        "detail": a.detail,
        "state": a.state.as_str(),
        "priority": a.priority.level(),
        "opened_at": a.opened_at.to_string(),
        "opened_90k": a.opened_at,
        "cleared_at": a.cleared_at.map(|t| t.to_string()),
        "count": a.count,
        "escalated": a.escalated,
        "acknowledged_by": r.acknowledged.as_ref().map(|(by, _)| by),
        "resolution": resolution,
        "note": note,
    })
}

fn act(store: &Store, id: u64, action: Action, by: &str, note: &str, resolution: Option<Resolution>, now: Time90k) -> Result<ExitCode> {
    if by.trim().is_empty() {
        bail!("--by must name who does it");
    }
    match store.alarm_action(id, action, by.trim(), note, resolution, now) {
        Ok(row) => {
            eprintln!("alarm #{id} is now {}", row.alarm.state.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Err(crate::store::StoreError::Alarm(e)) => bail!("{e}; nothing was changed"),
        Err(e) => Err(e.into()),
    }
}

fn report(store: &Store, from: &str, to: &str, out: &Path) -> Result<ExitCode> {
    let (from, to) = (super::export::parse_instant(from)?, super::export::parse_instant(to)?);
    if to <= from {
        bail!("--to must come after --from");
    }
    let site = store.load_site()?;
    let (site_name, tz) = site.as_ref().map_or(("Vigil".to_string(), chrono_tz::Asia::Ho_Chi_Minh), |s| (s.name.clone(), s.timezone));
    let rows = store.alarms_between(from, to)?;
    let name_of = |camera: Option<&str>| -> String {
        match camera {
            None => "— (ổ đĩa / disk)".into(),
            Some(id) => {
                site.as_ref().and_then(|s| s.cameras.iter().find(|c| c.id == id)).map_or_else(|| id.to_string(), |c| c.name.clone())
            }
        }
    };
    let mut lines = Vec::new();
    for row in &rows {
        lines.push(crate::alarm::report::ReportLine {
            row,
            camera_name: name_of(row.alarm.camera.as_deref()),
            events: store.alarm_events(row.alarm.id)?,
        });
    }
    let html = crate::alarm::report::report_html(&site_name, from, to, &lines, tz);
    std::fs::write(out, html).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("{} alarms written to {}", rows.len(), out.display());
    Ok(ExitCode::SUCCESS)
}
