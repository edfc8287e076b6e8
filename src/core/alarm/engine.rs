//! The alarm engine: facts and the clock in, transitions out. It owns each camera's observed
//! state (link, last frame, blank since), the conditions currently alarmed and the open alarms.
//! No I/O and no clock of its own: the runner passes `now` to every call, so tests step it.
//!
//! A *condition* (camera offline past its debounce, no frames, frozen, blank, motion while armed,
//! a recording fault, an ONVIF event) is alarmed on its rising edge: that raises a new alarm, or
//! retriggers the open alarm of the same (kind, camera, subject). Its falling edge clears the
//! alarm, which stays open. Closing an alarm while its condition lasts does not re-raise it; the
//! next rising edge does.

use std::collections::{BTreeMap, HashMap};

use crate::core::alarm::fact::{AlarmKind, Fact};
use crate::core::alarm::rules::Rules;
use crate::core::alarm::state::{Action, ActionError, Alarm, AlarmState, Outage, Resolution, Transition, apply_action};
use crate::core::time::{Duration90k, Time90k};

/// What identifies an alarm: one open alarm per key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    kind: AlarmKind,
    camera: Option<String>,
    subject: String,
}

impl Key {
    fn camera(kind: AlarmKind, camera: &str) -> Key {
        Key { kind, camera: Some(camera.to_string()), subject: String::new() }
    }

    fn of(alarm: &Alarm) -> Key {
        Key { kind: alarm.kind, camera: alarm.camera.clone(), subject: alarm.subject.clone() }
    }
}

/// A camera's connection as the facts told it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Link {
    /// No fact yet: nothing is alarmed.
    Unknown,
    Online {
        since: Time90k,
        last_frame: Option<Time90k>,
    },
    Offline {
        since: Time90k,
        reason: String,
    },
}

#[derive(Debug, Clone)]
struct CameraState {
    link: Link,
    /// Since when consecutive picture facts said blank.
    blank_since: Option<Time90k>,
}

impl Default for CameraState {
    fn default() -> Self {
        CameraState { link: Link::Unknown, blank_since: None }
    }
}

/// The alarm model of one site. See the module comment.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Rules,
    tz: chrono_tz::Tz,
    /// Camera id → neighborhood id.
    neighborhoods: HashMap<String, String>,
    cameras: BTreeMap<String, CameraState>,
    /// Open alarms by id (closed ones are handed out in their transition and forgotten).
    open: BTreeMap<u64, Alarm>,
    /// The open alarm of each key.
    by_key: HashMap<Key, u64>,
    /// Conditions alarmed now (rising edge seen, falling edge not yet) → the alarm they triggered.
    active: HashMap<Key, u64>,
    next_id: u64,
}

impl Engine {
    /// `cameras`: (camera id, neighborhood id) of every camera of the site; `tz`: the site's
    /// zone, for arming schedules.
    pub fn new(rules: Rules, cameras: impl IntoIterator<Item = (String, String)>, tz: chrono_tz::Tz) -> Self {
        Engine {
            rules,
            tz,
            neighborhoods: cameras.into_iter().collect(),
            cameras: BTreeMap::new(),
            open: BTreeMap::new(),
            by_key: HashMap::new(),
            active: HashMap::new(),
            next_id: 1,
        }
    }

    /// After a restart: the open alarms from the store and the id the next alarm must get (the
    /// store's largest id + 1; never less than an id handed in). Call before the first fact.
    /// Alarms whose condition was active stay active until a fact says otherwise.
    pub fn restore(&mut self, alarms: Vec<Alarm>, next_id: u64) {
        let mut next = self.next_id.max(next_id);
        for alarm in alarms.into_iter().filter(Alarm::is_open) {
            let key = Key::of(&alarm);
            if alarm.is_active() {
                self.active.insert(key.clone(), alarm.id);
            }
            self.by_key.insert(key, alarm.id);
            next = next.max(alarm.id + 1);
            self.open.insert(alarm.id, alarm);
        }
        self.next_id = next;
    }

    pub fn set_rules(&mut self, rules: Rules) {
        self.rules = rules;
    }

    pub fn set_cameras(&mut self, cameras: impl IntoIterator<Item = (String, String)>) {
        self.neighborhoods = cameras.into_iter().collect();
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Open alarms, oldest first.
    pub fn open_alarms(&self) -> impl Iterator<Item = &Alarm> {
        self.open.values()
    }

    /// An open alarm.
    pub fn alarm(&self, id: u64) -> Option<&Alarm> {
        self.open.get(&id)
    }

    /// The id the next alarm will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Takes in one fact observed at `now`.
    pub fn on(&mut self, fact: &Fact, now: Time90k) -> Vec<Transition> {
        let mut out = Vec::new();
        match fact {
            Fact::Online { camera } => self.online(camera, now, &mut out),
            Fact::Offline { camera, reason } => self.offline(camera, reason, now, &mut out),
            Fact::Frames { camera } => self.frame(camera, now, &mut out),
            Fact::Picture { camera, unchanged_for, blank } => {
                self.frame(camera, now, &mut out);
                self.picture(camera, *unchanged_for, *blank, now, &mut out);
            }
            Fact::Motion { camera, active, .. } => {
                let key = Key::camera(AlarmKind::Motion, camera);
                if !active {
                    self.end(&key, now, &mut out);
                } else if self.rules.motion_armed(camera, now, self.tz) {
                    self.trigger(key, now, "", now, &mut out);
                }
            }
            Fact::Recording { camera, fault, active } => {
                let key = Key { kind: AlarmKind::Recording, camera: camera.clone(), subject: fault.as_str().into() };
                self.edge(key, *active, now, &mut out);
            }
            Fact::Onvif { camera, topic, active } => {
                let key = Key { kind: AlarmKind::Onvif, camera: Some(camera.clone()), subject: topic.clone() };
                self.edge(key, *active, now, &mut out);
            }
        }
        out
    }

    /// Time-driven rules: offline debounce, no-picture timeout, escalation, auto-close. Call it
    /// about once a second.
    pub fn tick(&mut self, now: Time90k) -> Vec<Transition> {
        let mut out = Vec::new();
        let ids: Vec<String> = self.cameras.keys().cloned().collect();
        for camera in &ids {
            self.check_offline(camera, now, &mut out);
            self.check_no_picture(camera, now, &mut out);
        }
        self.escalate(now, &mut out);
        self.auto_close(now, &mut out);
        out
    }

    /// New or OnHold → Acknowledged.
    pub fn acknowledge(&mut self, id: u64, by: &str, note: &str, now: Time90k) -> Result<Transition, ActionError> {
        let alarm = self.open_mut(id)?;
        alarm.state = apply_action(alarm, Action::Acknowledge, by, note, None, now)?;
        Ok(Transition::Acknowledged(alarm.clone()))
    }

    /// New or Acknowledged → OnHold.
    pub fn hold(&mut self, id: u64, by: &str, note: &str, now: Time90k) -> Result<Transition, ActionError> {
        let alarm = self.open_mut(id)?;
        alarm.state = apply_action(alarm, Action::Hold, by, note, None, now)?;
        Ok(Transition::OnHold(alarm.clone()))
    }

    /// Any open state → Closed, with any resolution but `AutoClosed`.
    pub fn close(&mut self, id: u64, by: &str, resolution: Resolution, note: &str, now: Time90k) -> Result<Transition, ActionError> {
        let alarm = self.open_mut(id)?;
        let state = apply_action(alarm, Action::Close, by, note, Some(resolution), now)?;
        self.take_closed(id, state).map(Transition::Closed).ok_or(ActionError::UnknownAlarm { id })
    }

    /// Takes officers' actions applied elsewhere (the store, from another process): `stored` are
    /// the open alarms as stored now. An open alarm of the engine's that is not among them was
    /// closed there and is forgotten; one whose state differs takes the stored state.
    pub fn sync_states(&mut self, stored: &[Alarm]) {
        let states: HashMap<u64, &AlarmState> = stored.iter().map(|a| (a.id, &a.state)).collect();
        let ids: Vec<u64> = self.open.keys().copied().collect();
        for id in ids {
            match states.get(&id) {
                Some(state) => {
                    if let Some(alarm) = self.open.get_mut(&id)
                        && alarm.state != **state
                    {
                        alarm.state = (*state).clone();
                    }
                }
                None => {
                    let closed = AlarmState::Closed {
                        by: String::new(),
                        at: Time90k::default(),
                        resolution: Resolution::Technical,
                        note: String::new(),
                    };
                    self.take_closed(id, closed);
                }
            }
        }
    }

    /// An open alarm, or why not: ids below `next_id` that are not open have been closed.
    fn open_mut(&mut self, id: u64) -> Result<&mut Alarm, ActionError> {
        let issued = id > 0 && id < self.next_id;
        match self.open.get_mut(&id) {
            Some(alarm) => Ok(alarm),
            None if issued => Err(ActionError::AlreadyClosed { id }),
            None => Err(ActionError::UnknownAlarm { id }),
        }
    }

    /// Closes an open alarm with `state` and forgets it.
    fn take_closed(&mut self, id: u64, state: AlarmState) -> Option<Alarm> {
        let mut alarm = self.open.remove(&id)?;
        let key = Key::of(&alarm);
        if self.by_key.get(&key) == Some(&id) {
            self.by_key.remove(&key);
        }
        alarm.state = state;
        Some(alarm)
    }

    fn camera_mut(&mut self, camera: &str) -> &mut CameraState {
        self.cameras.entry(camera.to_string()).or_default()
    }

    fn online(&mut self, camera: &str, now: Time90k, out: &mut Vec<Transition>) {
        let key = Key::camera(AlarmKind::Offline, camera);
        let alarm_id = self.active.get(&key).copied();
        let state = self.camera_mut(camera);
        let was = std::mem::replace(&mut state.link, Link::Online { since: now, last_frame: None });
        match was {
            Link::Online { .. } => state.link = was,
            Link::Offline { since, reason } => {
                let outage = Outage { camera: camera.to_string(), from: since, to: now, reason, alarm_id };
                out.push(Transition::Outage(outage));
            }
            Link::Unknown => {}
        }
        self.end(&key, now, out);
    }

    fn offline(&mut self, camera: &str, reason: &str, now: Time90k, out: &mut Vec<Transition>) {
        let state = self.camera_mut(camera);
        state.blank_since = None;
        match &mut state.link {
            Link::Offline { reason: r, .. } => *r = reason.to_string(),
            link => *link = Link::Offline { since: now, reason: reason.to_string() },
        }
        for kind in [AlarmKind::NoPicture, AlarmKind::Frozen, AlarmKind::VideoLoss] {
            self.end(&Key::camera(kind, camera), now, out);
        }
        self.check_offline(camera, now, out);
    }

    fn frame(&mut self, camera: &str, now: Time90k, out: &mut Vec<Transition>) {
        if !matches!(self.camera_mut(camera).link, Link::Online { .. }) {
            self.online(camera, now, out);
        }
        if let Link::Online { last_frame, .. } = &mut self.camera_mut(camera).link {
            *last_frame = Some(now);
        }
        self.end(&Key::camera(AlarmKind::NoPicture, camera), now, out);
    }

    fn picture(&mut self, camera: &str, unchanged_for: Duration90k, blank: bool, now: Time90k, out: &mut Vec<Transition>) {
        let video_loss = Rules::threshold(self.rules.video_loss_s);
        let frozen = Rules::threshold(self.rules.frozen_s);
        let state = self.camera_mut(camera);
        let blank_since = if blank { Some(*state.blank_since.get_or_insert(now)) } else { None };
        state.blank_since = blank_since;
        let loss_key = Key::camera(AlarmKind::VideoLoss, camera);
        match (blank_since, video_loss) {
            (Some(since), Some(after)) if now - since >= after => self.trigger(loss_key, since, "", now, out),
            (Some(_), Some(_)) => {}
            _ => self.end(&loss_key, now, out),
        }
        // A blank picture is not judged frozen: video loss covers it.
        let frozen_key = Key::camera(AlarmKind::Frozen, camera);
        match frozen {
            Some(after) if !blank && unchanged_for >= after => self.trigger(frozen_key, now - unchanged_for, "", now, out),
            _ => self.end(&frozen_key, now, out),
        }
    }

    fn edge(&mut self, key: Key, active: bool, now: Time90k, out: &mut Vec<Transition>) {
        if active {
            self.trigger(key, now, "", now, out);
        } else {
            self.end(&key, now, out);
        }
    }

    fn check_offline(&mut self, camera: &str, now: Time90k, out: &mut Vec<Transition>) {
        let Some(CameraState { link: Link::Offline { since, reason }, .. }) = self.cameras.get(camera) else {
            return;
        };
        let (since, reason) = (*since, reason.clone());
        let debounce = self.rules.offline_debounce(camera, self.neighborhoods.get(camera).map(String::as_str));
        if now - since >= debounce {
            self.trigger(Key::camera(AlarmKind::Offline, camera), since, &reason, now, out);
        }
    }

    fn check_no_picture(&mut self, camera: &str, now: Time90k, out: &mut Vec<Transition>) {
        let Some(after) = Rules::threshold(self.rules.no_picture_s) else { return };
        let Some(CameraState { link: Link::Online { since, last_frame }, .. }) = self.cameras.get(camera) else {
            return;
        };
        let quiet_since = last_frame.unwrap_or(*since);
        if now - quiet_since >= after {
            self.trigger(Key::camera(AlarmKind::NoPicture, camera), quiet_since, "", now, out);
        }
    }

    /// The rising edge of `key`'s condition (nothing if it is already alarmed).
    fn trigger(&mut self, key: Key, began_at: Time90k, detail: &str, now: Time90k, out: &mut Vec<Transition>) {
        if self.active.contains_key(&key) {
            return;
        }
        if let Some(alarm) = self.by_key.get(&key).and_then(|id| self.open.get_mut(id)) {
            alarm.count = alarm.count.saturating_add(1);
            alarm.cleared_at = None;
            alarm.last_triggered_at = now;
            alarm.detail = detail.to_string();
            self.active.insert(key, alarm.id);
            out.push(Transition::Retriggered(alarm.clone()));
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        let alarm = Alarm {
            id,
            kind: key.kind,
            camera: key.camera.clone(),
            subject: key.subject.clone(),
            detail: detail.to_string(),
            priority: self.rules.priority(key.kind),
            began_at,
            opened_at: now,
            last_triggered_at: now,
            cleared_at: None,
            count: 1,
            escalated: false,
            state: AlarmState::New,
        };
        out.push(Transition::Raised(alarm.clone()));
        self.open.insert(id, alarm);
        self.by_key.insert(key.clone(), id);
        self.active.insert(key, id);
    }

    /// The falling edge of `key`'s condition: its alarm, if still open, is cleared.
    fn end(&mut self, key: &Key, now: Time90k, out: &mut Vec<Transition>) {
        let Some(id) = self.active.remove(key) else { return };
        if let Some(alarm) = self.open.get_mut(&id) {
            alarm.cleared_at = Some(now);
            out.push(Transition::Cleared(alarm.clone()));
        }
    }

    fn escalate(&mut self, now: Time90k, out: &mut Vec<Transition>) {
        let Some(after) = Rules::threshold(self.rules.escalate_after_s) else { return };
        for alarm in self.open.values_mut() {
            let due = alarm.state == AlarmState::New && !alarm.escalated && now - alarm.opened_at >= after;
            if due && (alarm.is_active() || !alarm.kind.is_technical()) {
                alarm.escalated = true;
                alarm.priority = alarm.priority.raised();
                out.push(Transition::Escalated(alarm.clone()));
            }
        }
    }

    fn auto_close(&mut self, now: Time90k, out: &mut Vec<Transition>) {
        if !self.rules.auto_close.enabled {
            return;
        }
        let grace = Duration90k::from_secs(i64::from(self.rules.auto_close.after_s));
        let due: Vec<u64> = (self.open.values())
            .filter(|a| a.state == AlarmState::New && a.kind.is_technical())
            .filter(|a| a.cleared_at.is_some_and(|c| now - c >= grace))
            .map(|a| a.id)
            .collect();
        for id in due {
            let state = AlarmState::Closed { by: String::new(), at: now, resolution: Resolution::AutoClosed, note: String::new() };
            if let Some(alarm) = self.take_closed(id, state) {
                out.push(Transition::AutoClosed(alarm));
            }
        }
    }
}

#[cfg(test)]
mod tests;
