//! The duty officer's alarm panel: open alarms newest first (priority colour, kind in words,
//! camera, since when, how many times), acknowledge / hold / close with a note, and "review":
//! the camera on the selected tile, played back from 10 s before the alarm. The alarms are read
//! from the data dir's store every second (whichever process records raises them); actions are
//! written there, checked against the alarm's state. A new alarm opens the panel; tiles of
//! cameras with an alarm nobody has acknowledged get a red border. A new alarm, and one that
//! escalates (still new after the rules' delay), rings the chime (`media::sound`) unless the
//! officer muted it for 15 minutes; the list filters by neighborhood and priority.
//!
//! Not yet: on-screen pop-ups, a chosen sound file (the chime is built in).

use std::time::{Duration, Instant};

use super::VigilApp;
use super::alarm_texts::{AlarmMsg, RESOLUTIONS, kind_text, resolution_text, state_text, tr_alarm};
use super::commands::AppCommand;
use super::i18n::Lang;
use crate::core::alarm::{Action, AlarmState, Resolution};
use crate::core::site::Site;
use crate::core::time::{Duration90k, Time90k};
use crate::store::alarms::{AlarmFilter, AlarmRow};

/// How often the panel re-reads the alarms.
const READ_EVERY: Duration = Duration::from_secs(1);

/// How long the mute button silences the chime.
pub const MUTE_FOR: Duration = Duration::from_secs(15 * 60);

/// Playback of an alarm starts this long before it was raised.
pub const PRE_ROLL: Duration90k = Duration90k::from_secs(10);

/// What the alarm panel asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum AlarmCommand {
    TogglePanel,
    Select(u64),
    /// Acknowledge, hold or close (with the resolution) the alarm, with the panel's note.
    Act {
        id: u64,
        action: Action,
        resolution: Option<Resolution>,
    },
    /// Its camera on the selected tile, played back from [`PRE_ROLL`] before its condition began.
    Review(u64),
    /// Silence the chime for [`MUTE_FOR`] (`true`) or sound it again (`false`).
    Mute(bool),
    /// Show only one neighborhood's alarms (`None`: all).
    FilterNeighborhood(Option<String>),
    /// Show only one priority (`None`: all).
    FilterPriority(Option<u8>),
}

impl From<AlarmCommand> for AppCommand {
    fn from(c: AlarmCommand) -> Self {
        AppCommand::Alarm(c)
    }
}

/// The panel's runtime state (nothing here is saved: the alarms live in the store).
#[derive(Default)]
pub(super) struct AlarmsRuntime {
    /// Open alarms, newest first, as last read.
    pub open: Vec<AlarmRow>,
    read_at: Option<Instant>,
    pub panel_open: bool,
    pub selected: Option<u64>,
    /// The note typed for the selected alarm.
    pub note: String,
    /// The highest alarm id seen: a higher one is news (the panel opens).
    seen_max: u64,
    /// Why the last action failed, for the panel.
    pub error: Option<String>,
    /// Cameras with an alarm nobody has acknowledged yet (their tiles get a red border), sorted;
    /// derived from `open` when it is read, not every frame.
    pub unacknowledged: Vec<String>,
    sound: crate::media::sound::AlarmSound,
    /// Chimes asked for so far (played or not: a machine may have no audio output).
    pub rings: u64,
    /// Until when the chime is silenced.
    pub muted_until: Option<Instant>,
    /// Escalated alarms already rung for.
    escalations_rung: std::collections::BTreeSet<u64>,
    pub filter_neighborhood: Option<String>,
    pub filter_priority: Option<u8>,
}

impl AlarmsRuntime {
    /// Takes a fresh read of the open alarms.
    fn set_open(&mut self, open: Vec<AlarmRow>) {
        let mut ids: Vec<String> =
            open.iter().filter(|r| r.alarm.state == AlarmState::New).filter_map(|r| r.alarm.camera.clone()).collect();
        ids.sort();
        ids.dedup();
        self.unacknowledged = ids;
        self.open = open;
    }

    /// Rings the chime unless muted.
    fn ring(&mut self) {
        if self.muted_until.is_some_and(|t| Instant::now() < t) {
            tracing::info!("alarm chime muted");
            return;
        }
        self.rings += 1;
        tracing::info!(rings = self.rings, "alarm chime");
        self.sound.ring(&crate::media::sound::Chime::BuiltIn);
    }

    /// The filters as a predicate over the open alarms.
    fn passes<'a>(&self, site: &'a Site) -> impl Fn(&AlarmRow) -> bool + 'a {
        let (nb, priority) = (self.filter_neighborhood.clone(), self.filter_priority);
        move |r: &AlarmRow| {
            let nb_ok =
                nb.as_ref().is_none_or(|nb| r.alarm.camera.as_deref().and_then(|c| site.camera(c)).is_some_and(|c| &c.neighborhood == nb));
            nb_ok && priority.is_none_or(|p| r.alarm.priority.level() == p)
        }
    }

    pub fn new_count(&self) -> usize {
        self.open.iter().filter(|r| r.alarm.state == AlarmState::New).count()
    }
}

impl VigilApp {
    /// Re-reads the open alarms every second; a new one opens the panel.
    pub(super) fn poll_alarms(&mut self, ctx: &egui::Context) {
        let Some(store) = &self.store else { return };
        if self.alarms.read_at.is_some_and(|t| t.elapsed() < READ_EVERY) {
            ctx.request_repaint_after(READ_EVERY);
            return;
        }
        self.alarms.read_at = Some(Instant::now());
        ctx.request_repaint_after(READ_EVERY);
        match store.alarms(AlarmFilter::Open, 500) {
            Ok(open) => {
                let newest = open.iter().map(|r| r.alarm.id).max().unwrap_or(0);
                let seen = self.alarms.seen_max;
                let fresh = open.iter().any(|r| r.alarm.id > seen && r.alarm.state == AlarmState::New);
                let escalated: Vec<u64> = open
                    .iter()
                    .filter(|r| {
                        r.alarm.escalated && r.alarm.state == AlarmState::New && !self.alarms.escalations_rung.contains(&r.alarm.id)
                    })
                    .map(|r| r.alarm.id)
                    .collect();
                self.alarms.escalations_rung.extend(escalated.iter().copied());
                if fresh || !escalated.is_empty() {
                    self.alarms.ring();
                }
                if newest > self.alarms.seen_max {
                    if self.alarms.seen_max > 0 || open.iter().any(|r| r.alarm.state == AlarmState::New) {
                        self.alarms.panel_open = true;
                    }
                    self.alarms.seen_max = newest;
                }
                self.alarms.set_open(open);
            }
            Err(e) => tracing::warn!("reading alarms: {e}"),
        }
    }

    /// Who acts on an alarm: the officer's name from the export form, else the login name
    /// (until users and roles exist).
    fn officer(&self) -> String {
        let named = self.settings.export_officer.trim();
        if named.is_empty() { std::env::var("USER").unwrap_or_else(|_| "trực ban".into()) } else { named.to_string() }
    }

    pub(super) fn apply_alarm(&mut self, command: AlarmCommand) {
        match command {
            AlarmCommand::TogglePanel => self.alarms.panel_open = !self.alarms.panel_open,
            AlarmCommand::Mute(on) => self.alarms.muted_until = on.then(|| Instant::now() + MUTE_FOR),
            AlarmCommand::FilterNeighborhood(nb) => self.alarms.filter_neighborhood = nb,
            AlarmCommand::FilterPriority(p) => self.alarms.filter_priority = p,
            AlarmCommand::Select(id) => {
                if self.alarms.selected != Some(id) {
                    self.alarms.selected = Some(id);
                    self.alarms.note.clear();
                    self.alarms.error = None;
                }
            }
            AlarmCommand::Act { id, action, resolution } => {
                let Some(store) = &self.store else { return };
                let note = self.alarms.note.trim().to_string();
                match store.alarm_action(id, action, &self.officer(), &note, resolution, self.clock.now_90k()) {
                    Ok(_) => {
                        self.alarms.note.clear();
                        self.alarms.error = None;
                    }
                    Err(e) => self.alarms.error = Some(e.to_string()),
                }
                self.alarms.read_at = None;
            }
            AlarmCommand::Review(id) => {
                let Some(row) = self.alarms.open.iter().find(|r| r.alarm.id == id) else { return };
                // From just before the condition began (an offline camera: before it went away).
                let (at, camera) = (row.alarm.began_at - PRE_ROLL, row.alarm.camera.clone());
                self.alarms.selected = Some(id);
                self.play_camera_from(camera.as_deref(), at);
            }
        }
    }

    /// The panel on the right.
    pub(super) fn alarms_panel_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        let mut commands = Vec::new();
        egui::Panel::right("alarms").resizable(true).default_size(330.0).size_range(260.0..=480.0).show(ui, |ui| {
            ui.heading(format!("{} ({})", tr_alarm(lang, AlarmMsg::Alarms), self.alarms.open.len()));
            if self.store.is_none() {
                ui.label(tr_alarm(lang, AlarmMsg::NoStore));
            }
            if let Some(e) = &self.alarms.error {
                ui.colored_label(egui::Color32::from_rgb(255, 120, 100), format!("{}: {e}", tr_alarm(lang, AlarmMsg::ActionFailed)));
            }
            mute_ui(ui, self.alarms.muted_until, lang, &mut commands);
            filters_ui(ui, &self.alarms, &self.site, lang, &mut commands);
            if self.alarms.open.is_empty() {
                ui.label(tr_alarm(lang, AlarmMsg::NoOpenAlarms));
            }
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
                let passes = self.alarms.passes(&self.site);
                for row in self.alarms.open.iter().filter(|r| passes(r)) {
                    let selected = self.alarms.selected == Some(row.alarm.id);
                    alarm_card_ui(ui, row, &self.site, selected, &mut self.alarms.note, lang, &mut commands);
                }
            });
        });
        self.commands.extend(commands.into_iter().map(AppCommand::from));
    }
}

/// The chime's mute button, or until when it is muted and the button to sound it again.
fn mute_ui(ui: &mut egui::Ui, muted_until: Option<Instant>, lang: Lang, commands: &mut Vec<AlarmCommand>) {
    ui.horizontal(|ui| match muted_until.filter(|t| Instant::now() < *t) {
        Some(until) => {
            let left = until.saturating_duration_since(Instant::now()).as_secs().div_ceil(60);
            ui.colored_label(
                egui::Color32::from_rgb(240, 200, 60),
                format!("{} ({left} {})", tr_alarm(lang, AlarmMsg::Muted), tr_alarm(lang, AlarmMsg::Minutes)),
            );
            if ui.button(tr_alarm(lang, AlarmMsg::Unmute)).clicked() {
                commands.push(AlarmCommand::Mute(false));
            }
        }
        None => {
            if ui.button(tr_alarm(lang, AlarmMsg::Mute)).clicked() {
                commands.push(AlarmCommand::Mute(true));
            }
        }
    });
}

/// Neighborhood and priority filters of the list.
fn filters_ui(ui: &mut egui::Ui, alarms: &AlarmsRuntime, site: &Site, lang: Lang, commands: &mut Vec<AlarmCommand>) {
    let all = tr_alarm(lang, AlarmMsg::All);
    ui.horizontal_wrapped(|ui| {
        ui.label(tr_alarm(lang, AlarmMsg::Show));
        let nb_name = alarms.filter_neighborhood.as_ref().and_then(|id| site.neighborhood(id)).map_or(all, |n| n.name.as_str());
        egui::ComboBox::from_id_salt("alarm-filter-neighborhood").selected_text(nb_name).show_ui(ui, |ui| {
            if ui.selectable_label(alarms.filter_neighborhood.is_none(), all).clicked() {
                commands.push(AlarmCommand::FilterNeighborhood(None));
            }
            for nb in &site.neighborhoods {
                if ui.selectable_label(alarms.filter_neighborhood.as_deref() == Some(nb.id.as_str()), &nb.name).clicked() {
                    commands.push(AlarmCommand::FilterNeighborhood(Some(nb.id.clone())));
                }
            }
        });
        let priority = |p: u8| format!("{} {p}", tr_alarm(lang, AlarmMsg::Priority));
        let p_text = alarms.filter_priority.map_or_else(|| all.to_string(), priority);
        egui::ComboBox::from_id_salt("alarm-filter-priority").selected_text(p_text).show_ui(ui, |ui| {
            if ui.selectable_label(alarms.filter_priority.is_none(), all).clicked() {
                commands.push(AlarmCommand::FilterPriority(None));
            }
            for p in 1..=3u8 {
                if ui.selectable_label(alarms.filter_priority == Some(p), priority(p)).clicked() {
                    commands.push(AlarmCommand::FilterPriority(Some(p)));
                }
            }
        });
        let passes = alarms.passes(site);
        let shown = alarms.open.iter().filter(|r| passes(r)).count();
        if shown != alarms.open.len() {
            ui.label(format!("{shown}/{}", alarms.open.len()));
        }
    });
}

/// The colour of a priority (1 most urgent).
fn priority_colour(level: u8) -> egui::Color32 {
    match level {
        1 => egui::Color32::from_rgb(230, 40, 40),
        2 => egui::Color32::from_rgb(240, 140, 20),
        _ => egui::Color32::from_rgb(220, 200, 40),
    }
}

fn local_time(t: Time90k, tz: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp(t.unix_secs(), 0)
        .map(|d| d.with_timezone(&tz).format("%d/%m %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// One alarm: what, where, since when; its actions; when selected, the note and the close choices.
fn alarm_card_ui(
    ui: &mut egui::Ui,
    row: &AlarmRow,
    site: &Site,
    selected: bool,
    note: &mut String,
    lang: Lang,
    commands: &mut Vec<AlarmCommand>,
) {
    let a = &row.alarm;
    let fresh = a.state == AlarmState::New;
    let colour = priority_colour(a.priority.level());
    let fill = if fresh { egui::Color32::from_rgb(70, 18, 18) } else { egui::Color32::from_gray(32) };
    let frame = egui::Frame::group(ui.style())
        .fill(fill)
        .stroke(egui::Stroke::new(if selected { 2.0 } else { 1.0 }, if selected { egui::Color32::WHITE } else { colour }));
    frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        let title = format!("#{} {}", a.id, kind_text(lang, a.kind));
        ui.horizontal(|ui| {
            // Unacknowledged: white on the alarm's red, the most visible thing in the panel.
            ui.label(egui::RichText::new(title).strong().size(16.0).color(if fresh { egui::Color32::WHITE } else { colour }));
            if a.escalated {
                ui.label(
                    egui::RichText::new(tr_alarm(lang, AlarmMsg::Escalated)).strong().color(egui::Color32::WHITE).background_color(colour),
                );
            }
        });
        let place = match &a.camera {
            Some(id) => match site.camera(id) {
                Some(c) => {
                    let nb = site.neighborhood(&c.neighborhood).map_or_else(String::new, |n| format!(" · {}", n.name));
                    format!("{}{nb}", c.name)
                }
                None => id.clone(),
            },
            None => tr_alarm(lang, AlarmMsg::Recorder).to_string(),
        };
        ui.label(egui::RichText::new(place).size(15.0));
        let mut when = format!("{} {}", tr_alarm(lang, AlarmMsg::Since), local_time(a.began_at, site.timezone));
        if a.count > 1 {
            when.push_str(&format!(" · {} {}", a.count, tr_alarm(lang, AlarmMsg::Times)));
        }
        if let Some(t) = a.cleared_at {
            when.push_str(&format!(" · {} {}", tr_alarm(lang, AlarmMsg::Cleared), local_time(t, site.timezone)));
        }
        ui.label(when);
        let mut state = state_text(lang, &a.state).to_string();
        if let AlarmState::Acknowledged { by, .. } | AlarmState::OnHold { by, .. } = &a.state {
            state.push_str(&format!(" · {by}"));
        }
        ui.label(egui::RichText::new(state).italics());
        ui.horizontal_wrapped(|ui| {
            if ui.button(tr_alarm(lang, AlarmMsg::Review)).clicked() {
                commands.push(AlarmCommand::Review(a.id));
            }
            let can_ack = matches!(a.state, AlarmState::New | AlarmState::OnHold { .. });
            if ui.add_enabled(can_ack, egui::Button::new(tr_alarm(lang, AlarmMsg::Acknowledge))).clicked() {
                commands.push(AlarmCommand::Act { id: a.id, action: Action::Acknowledge, resolution: None });
            }
            let can_hold = matches!(a.state, AlarmState::New | AlarmState::Acknowledged { .. });
            if ui.add_enabled(can_hold, egui::Button::new(tr_alarm(lang, AlarmMsg::Hold))).clicked() {
                commands.push(AlarmCommand::Act { id: a.id, action: Action::Hold, resolution: None });
            }
            if !selected && ui.button(format!("{}…", tr_alarm(lang, AlarmMsg::Close))).clicked() {
                commands.push(AlarmCommand::Select(a.id));
            }
        });
        if selected {
            let label = ui.label(tr_alarm(lang, AlarmMsg::Note));
            ui.add(egui::TextEdit::multiline(note).desired_rows(2).desired_width(f32::INFINITY)).labelled_by(label.id);
            ui.label(tr_alarm(lang, AlarmMsg::CloseAs));
            ui.horizontal_wrapped(|ui| {
                for r in RESOLUTIONS {
                    if ui.button(resolution_text(lang, r)).clicked() {
                        commands.push(AlarmCommand::Act { id: a.id, action: Action::Close, resolution: Some(r) });
                    }
                }
            });
        }
    });
}
