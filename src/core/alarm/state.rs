//! An alarm and its life: the `Alarm` record, its states and resolutions, the `Transition`s the
//! engine reports (each with the alarm as it is after the change) and the errors of operator
//! actions. The names from `as_str` are stored in SQLite and printed by the CLI.

use crate::core::alarm::fact::{AlarmKind, UnknownName};
use crate::core::alarm::rules::Priority;
use crate::core::time::Time90k;

/// Where an alarm stands. Legal moves: New → Acknowledged, New → OnHold, Acknowledged → OnHold,
/// OnHold → Acknowledged, and any open state → Closed. Closed is final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlarmState {
    /// Nobody has looked at it yet.
    New,
    /// An officer has it.
    Acknowledged { by: String, at: Time90k, note: String },
    /// Parked: waiting for a patrol, a technician…
    OnHold { by: String, at: Time90k, note: String },
    /// Done. `by` is empty when the engine closed it (`Resolution::AutoClosed`).
    Closed { by: String, at: Time90k, resolution: Resolution, note: String },
}

impl AlarmState {
    pub fn as_str(&self) -> &'static str {
        match self {
            AlarmState::New => "new",
            AlarmState::Acknowledged { .. } => "acknowledged",
            AlarmState::OnHold { .. } => "on_hold",
            AlarmState::Closed { .. } => "closed",
        }
    }

    pub fn is_open(&self) -> bool {
        !matches!(self, AlarmState::Closed { .. })
    }
}

/// Why an alarm was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// Something happened and was dealt with.
    Incident,
    FalseAlarm,
    /// A technical fault, handed to maintenance.
    Technical,
    /// A drill or a test of the system.
    Test,
    /// The engine closed it: a technical fault that cleared by itself, unacknowledged. Officers
    /// cannot close with it.
    AutoClosed,
}

impl Resolution {
    pub const ALL: [Resolution; 5] =
        [Resolution::Incident, Resolution::FalseAlarm, Resolution::Technical, Resolution::Test, Resolution::AutoClosed];

    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Incident => "incident",
            Resolution::FalseAlarm => "false_alarm",
            Resolution::Technical => "technical",
            Resolution::Test => "test",
            Resolution::AutoClosed => "auto",
        }
    }
}

impl std::str::FromStr for Resolution {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownName(s.to_string()))
    }
}

/// One alarm: a condition of `kind` on `camera` (and `subject`), from raising to closing. While
/// it is open, the condition coming back increments `count` instead of raising another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    /// Assigned by the engine, increasing; `Engine::restore` continues from the store's.
    pub id: u64,
    pub kind: AlarmKind,
    /// `None`: the whole recorder (a full disk).
    pub camera: Option<String>,
    /// Which one within (kind, camera): the recording fault (`disk_full`) or the ONVIF topic;
    /// empty for the other kinds.
    pub subject: String,
    /// What the producer said last, for people (the offline reason); may be empty.
    pub detail: String,
    pub priority: Priority,
    /// When the condition began (offline since, frozen since), before any debounce.
    pub began_at: Time90k,
    /// When the alarm was raised.
    pub opened_at: Time90k,
    /// When the condition last (re)started to be an alarm.
    pub last_triggered_at: Time90k,
    /// When the condition ended; `None` while it lasts. The alarm stays open.
    pub cleared_at: Option<Time90k>,
    /// How many times the condition triggered while this alarm was open (1 when raised).
    pub count: u32,
    /// Whether it has been escalated (it escalates once).
    pub escalated: bool,
    pub state: AlarmState,
}

impl Alarm {
    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }

    /// The condition still holds.
    pub fn is_active(&self) -> bool {
        self.cleared_at.is_none()
    }
}

/// A period a camera was offline, reported when it ends — alarmed or not — for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub camera: String,
    pub from: Time90k,
    pub to: Time90k,
    /// The offline reason, as the producer said it last.
    pub reason: String,
    /// The offline alarm raised during it, if the outage outlasted the debounce.
    pub alarm_id: Option<u64>,
}

/// What changed, with the alarm as it is after the change. The runner stores each one and
/// sounds for those where `sounds()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// A new alarm (count 1).
    Raised(Alarm),
    /// The condition came back while the alarm was open: count + 1, active again.
    Retriggered(Alarm),
    /// The condition ended; the alarm stays open until closed (or auto-closed).
    Cleared(Alarm),
    /// Still new after `escalate_after_s`: one priority up.
    Escalated(Alarm),
    Acknowledged(Alarm),
    OnHold(Alarm),
    /// Closed by an officer.
    Closed(Alarm),
    /// Closed by the engine (`Resolution::AutoClosed`).
    AutoClosed(Alarm),
    /// A camera's offline period ended (no alarm state changes by it).
    Outage(Outage),
}

impl Transition {
    /// The alarm after the change; `None` for an outage.
    pub fn alarm(&self) -> Option<&Alarm> {
        match self {
            Transition::Raised(a)
            | Transition::Retriggered(a)
            | Transition::Cleared(a)
            | Transition::Escalated(a)
            | Transition::Acknowledged(a)
            | Transition::OnHold(a)
            | Transition::Closed(a)
            | Transition::AutoClosed(a) => Some(a),
            Transition::Outage(_) => None,
        }
    }

    /// Name for logs and the alarm history table.
    pub fn as_str(&self) -> &'static str {
        match self {
            Transition::Raised(_) => "raised",
            Transition::Retriggered(_) => "retriggered",
            Transition::Cleared(_) => "cleared",
            Transition::Escalated(_) => "escalated",
            Transition::Acknowledged(_) => "acknowledged",
            Transition::OnHold(_) => "on_hold",
            Transition::Closed(_) => "closed",
            Transition::AutoClosed(_) => "auto_closed",
            Transition::Outage(_) => "outage",
        }
    }

    /// Whether the control room should hear it: raised, escalated, or retriggered while new.
    pub fn sounds(&self) -> bool {
        match self {
            Transition::Raised(_) | Transition::Escalated(_) => true,
            Transition::Retriggered(a) => a.state == AlarmState::New,
            _ => false,
        }
    }
}

/// An operator action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    Hold,
    Close,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledge",
            Action::Hold => "hold",
            Action::Close => "close",
        }
    }
}

/// Why an operator action was refused. A refused action changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    /// No alarm ever had this id.
    UnknownAlarm { id: u64 },
    /// The alarm is closed (closed alarms are final).
    AlreadyClosed { id: u64 },
    /// The move is not legal from the alarm's state (`from` is `AlarmState::as_str`).
    NotAllowed { id: u64, from: &'static str, action: Action },
    /// Officers cannot close with `Resolution::AutoClosed`.
    ReservedResolution { id: u64 },
    /// Closing needs a resolution (what it turned out to be).
    NeedsResolution { id: u64 },
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionError::UnknownAlarm { id } => write!(f, "no alarm #{id}"),
            ActionError::AlreadyClosed { id } => write!(f, "alarm #{id} is closed"),
            ActionError::NotAllowed { id, from, action } => {
                write!(f, "cannot {} alarm #{id}: it is {from}", action.as_str())
            }
            ActionError::ReservedResolution { id } => {
                write!(f, "cannot close alarm #{id} as \"auto\": only the system closes alarms that way")
            }
            ActionError::NeedsResolution { id } => {
                write!(f, "closing alarm #{id} needs a resolution: incident, false_alarm, technical or test")
            }
        }
    }
}

impl std::error::Error for ActionError {}

/// The state an officer's `action` gives `alarm`, or why it is refused (then nothing changes).
/// Legal: New or OnHold → Acknowledged; New or Acknowledged → OnHold; any open state → Closed
/// with a resolution other than `AutoClosed`. The engine and the store (an action from another
/// process) both decide by it.
pub fn apply_action(
    alarm: &Alarm,
    action: Action,
    by: &str,
    note: &str,
    resolution: Option<Resolution>,
    now: Time90k,
) -> Result<AlarmState, ActionError> {
    let id = alarm.id;
    if !alarm.is_open() {
        return Err(ActionError::AlreadyClosed { id });
    }
    let (by, note) = (by.to_string(), note.to_string());
    match (action, &alarm.state) {
        (Action::Acknowledge, AlarmState::New | AlarmState::OnHold { .. }) => Ok(AlarmState::Acknowledged { by, at: now, note }),
        (Action::Hold, AlarmState::New | AlarmState::Acknowledged { .. }) => Ok(AlarmState::OnHold { by, at: now, note }),
        (Action::Close, _) => match resolution {
            None => Err(ActionError::NeedsResolution { id }),
            Some(Resolution::AutoClosed) => Err(ActionError::ReservedResolution { id }),
            Some(resolution) => Ok(AlarmState::Closed { by, at: now, resolution, note }),
        },
        (action, state) => Err(ActionError::NotAllowed { id, from: state.as_str(), action }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_names_round_trip() {
        let names: Vec<&str> = Resolution::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["incident", "false_alarm", "technical", "test", "auto"]);
        for r in Resolution::ALL {
            assert_eq!(r.as_str().parse::<Resolution>(), Ok(r));
        }
        assert!("closed".parse::<Resolution>().is_err());
    }

    #[test]
    fn state_names() {
        let by = String::from("an");
        let states = [
            AlarmState::New,
            AlarmState::Acknowledged { by: by.clone(), at: Time90k(0), note: String::new() },
            AlarmState::OnHold { by: by.clone(), at: Time90k(0), note: String::new() },
            AlarmState::Closed { by, at: Time90k(0), resolution: Resolution::Test, note: String::new() },
        ];
        let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["new", "acknowledged", "on_hold", "closed"]);
        assert_eq!(states.iter().filter(|s| s.is_open()).count(), 3);
    }

    #[test]
    fn errors_read_well() {
        let e = ActionError::NotAllowed { id: 7, from: "acknowledged", action: Action::Acknowledge };
        assert_eq!(e.to_string(), "cannot acknowledge alarm #7: it is acknowledged");
        assert_eq!(ActionError::AlreadyClosed { id: 3 }.to_string(), "alarm #3 is closed");
    }
}
