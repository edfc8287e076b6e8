//! The alarm model: what producers observe (`Fact`), the rules a site sets (`Rules`, arming
//! `Schedule`s), the alarms and their states (`Alarm`, `AlarmState`), and the `Engine` that turns
//! facts and the clock into `Transition`s. Pure: no I/O, threads, SQLite or GUI. The runner
//! (`src/alarm/`) feeds it and stores what comes out; the store assigns nothing (ids come from
//! the engine and `Engine::restore` continues them after a restart). Officers act through the
//! store from any process ([`apply_action`] decides there too) and [`Engine::sync_states`]
//! brings the engine in line each second.
//!
//! Decisions, in one place:
//! - Priority 1 is the most urgent, 3 the least. Defaults: offline, video_loss, recording 1;
//!   no_picture, frozen, motion, onvif 2. Escalation (default after 300 s still New) raises one
//!   step, once, and sounds again; a technical alarm whose condition cleared does not escalate.
//! - Auto-close is on by default: a technical alarm (everything but motion and ONVIF) that
//!   cleared while still New is closed `auto` 300 s after clearing. Acknowledged or held alarms,
//!   and motion and ONVIF alarms, are only closed by people.
//! - Every offline period ends in a `Transition::Outage`, whether or not it outlasted the
//!   debounce and raised an alarm.

mod engine;
mod fact;
mod rules;
mod schedule;
mod state;

pub use engine::Engine;
pub use fact::{AlarmKind, Fact, RecordingFault, UnknownName};
pub use rules::{AutoClose, MotionRule, OfflineRule, Priorities, Priority, Rules};
pub use schedule::Schedule;
pub use state::{Action, ActionError, Alarm, AlarmState, Outage, Resolution, Transition, apply_action};
