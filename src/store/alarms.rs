//! Alarms as stored (`alarm`, `alarm_event`, `outage`): the rows the alarm runner writes from the
//! engine's transitions, and the operator actions (acknowledge, hold, close) any process applies.
//!
//! Two writers never touch the same columns: the runner (in the process that records) writes an
//! alarm's condition (priority, count, cleared, detail…), and operator actions write its state
//! (`state`, `state_*`, `acknowledged_*`, `resolution`) in a transaction that checks the move is
//! legal from the state the row has then. The runner re-reads the states of its open alarms each
//! second (`Store::open_alarms`), so an alarm closed from the command line is closed for it too.

use rusqlite::{OptionalExtension, Row, named_params};

use super::{Store, StoreError};
use crate::core::alarm::{Action, ActionError, Alarm, AlarmKind, AlarmState, Outage, Priority, Resolution, Transition};
use crate::core::time::Time90k;

const ALARM_COLUMNS: &str = "id, kind, camera_id, subject, detail, priority, began_90k, opened_90k, last_triggered_90k, \
     cleared_90k, count, escalated, state, state_by, state_90k, state_note, resolution";

const INSERT_ALARM: &str = "INSERT INTO alarm (id, kind, camera_id, subject, detail, priority, began_90k, opened_90k, \
     last_triggered_90k, cleared_90k, count, escalated, state, state_by, state_90k, state_note, resolution) \
     VALUES (:id, :kind, :camera_id, :subject, :detail, :priority, :began_90k, :opened_90k, :last_triggered_90k, \
     :cleared_90k, :count, :escalated, 'new', '', NULL, '', NULL)";
/// The condition's columns only: never the state an officer may have changed meanwhile.
const UPDATE_CONDITION: &str = "UPDATE alarm SET detail = :detail, priority = :priority, last_triggered_90k = :last_triggered_90k, \
     cleared_90k = :cleared_90k, count = :count, escalated = :escalated WHERE id = :id";
/// The engine closes only what nobody has taken on.
const AUTO_CLOSE: &str = "UPDATE alarm SET state = 'closed', state_by = '', state_90k = :at_90k, state_note = '', \
     resolution = 'auto' WHERE id = :id AND state = 'new'";
const SET_STATE: &str = "UPDATE alarm SET state = :state, state_by = :by, state_90k = :at_90k, state_note = :note, \
     resolution = :resolution WHERE id = :id";
const SET_ACKNOWLEDGED: &str =
    "UPDATE alarm SET acknowledged_by = :by, acknowledged_90k = :at_90k WHERE id = :id AND acknowledged_by IS NULL";
const INSERT_EVENT: &str = "INSERT INTO alarm_event (alarm_id, at_90k, transition, by, note, count, priority) \
     VALUES (:alarm_id, :at_90k, :transition, :by, :note, :count, :priority)";
const INSERT_OUTAGE: &str = "INSERT INTO outage (camera_id, start_90k, end_90k, reason, alarm_id) \
     VALUES (:camera_id, :start_90k, :end_90k, :reason, :alarm_id)";
const SELECT_OUTAGES: &str = "SELECT camera_id, start_90k, end_90k, reason, alarm_id FROM outage \
     WHERE camera_id = :camera_id AND end_90k > :from_90k AND start_90k < :to_90k ORDER BY start_90k";
/// A camera's alarms overlapping [from, to): raised before `to`, not cleared before `from`.
const SELECT_ALARM_SPANS: &str = "SELECT began_90k, cleared_90k FROM alarm \
     WHERE camera_id = :camera_id AND began_90k < :to_90k AND (cleared_90k IS NULL OR cleared_90k > :from_90k) ORDER BY began_90k";
const SELECT_EVENTS: &str = "SELECT at_90k, transition, by, note FROM alarm_event WHERE alarm_id = :alarm_id ORDER BY id";

/// An alarm row with what the list and the shift report show beyond the engine's [`Alarm`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmRow {
    pub alarm: Alarm,
    /// Who acknowledged it first, and when (kept once it is closed).
    pub acknowledged: Option<(String, Time90k)>,
}

/// One line of an alarm's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmEvent {
    pub at_90k: Time90k,
    /// `Transition::as_str`.
    pub transition: String,
    pub by: String,
    pub note: String,
}

/// Which alarms to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmFilter {
    /// Not closed.
    Open,
    All,
}

fn bad(column: usize, what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, format!("{what} {value:?}").into())
}

fn alarm_from_row(r: &Row<'_>) -> rusqlite::Result<AlarmRow> {
    let kind: String = r.get(1)?;
    let kind: AlarmKind = kind.parse().map_err(|_| bad(1, "unknown alarm kind", &kind))?;
    let level: i64 = r.get(5)?;
    let priority = u8::try_from(level).ok().and_then(Priority::new).ok_or_else(|| bad(5, "priority", &level.to_string()))?;
    let state: String = r.get(12)?;
    let (by, at, note): (String, Option<Time90k>, String) = (r.get(13)?, r.get(14)?, r.get(15)?);
    let at = at.unwrap_or_default();
    let state = match state.as_str() {
        "new" => AlarmState::New,
        "acknowledged" => AlarmState::Acknowledged { by, at, note },
        "on_hold" => AlarmState::OnHold { by, at, note },
        "closed" => {
            let resolution: Option<String> = r.get(16)?;
            let resolution = resolution.unwrap_or_default();
            let resolution: Resolution = resolution.parse().map_err(|_| bad(16, "resolution", &resolution))?;
            AlarmState::Closed { by, at, resolution, note }
        }
        other => return Err(bad(12, "alarm state", other)),
    };
    let count: i64 = r.get(10)?;
    let alarm = Alarm {
        id: r.get::<_, i64>(0)? as u64,
        kind,
        camera: r.get(2)?,
        subject: r.get(3)?,
        detail: r.get(4)?,
        priority,
        began_at: r.get(6)?,
        opened_at: r.get(7)?,
        last_triggered_at: r.get(8)?,
        cleared_at: r.get(9)?,
        count: u32::try_from(count).unwrap_or(u32::MAX),
        escalated: r.get::<_, i64>(11)? != 0,
        state,
    };
    let acknowledged = match (r.get::<_, Option<String>>(17)?, r.get::<_, Option<Time90k>>(18)?) {
        (Some(by), Some(at)) => Some((by, at)),
        _ => None,
    };
    Ok(AlarmRow { alarm, acknowledged })
}

/// Who, what note and which resolution a state carries (for its columns and its log line).
fn state_columns(state: &AlarmState) -> (&str, Option<Time90k>, &str, Option<&'static str>) {
    match state {
        AlarmState::New => ("", None, "", None),
        AlarmState::Acknowledged { by, at, note } | AlarmState::OnHold { by, at, note } => (by, Some(*at), note, None),
        AlarmState::Closed { by, at, resolution, note } => (by, Some(*at), note, Some(resolution.as_str())),
    }
}

impl Store {
    /// Writes one transition of the engine (the alarm runner's side): a new row, the condition's
    /// columns, an auto-close, or an outage; each with its line in the alarm's history.
    pub fn save_alarm_transition(&self, transition: &Transition, now: Time90k) -> Result<(), StoreError> {
        super::recordings::atomically(&self.conn, |tx| {
            let alarm = match transition {
                Transition::Outage(o) => {
                    tx.prepare_cached(INSERT_OUTAGE)?.execute(named_params! {
                        ":camera_id": o.camera, ":start_90k": o.from, ":end_90k": o.to, ":reason": o.reason,
                        ":alarm_id": o.alarm_id.map(|id| id as i64),
                    })?;
                    return Ok(());
                }
                Transition::Raised(a) => {
                    tx.prepare_cached(INSERT_ALARM)?.execute(named_params! {
                        ":id": a.id as i64, ":kind": a.kind.as_str(), ":camera_id": a.camera, ":subject": a.subject,
                        ":detail": a.detail, ":priority": a.priority.level(), ":began_90k": a.began_at, ":opened_90k": a.opened_at,
                        ":last_triggered_90k": a.last_triggered_at, ":cleared_90k": a.cleared_at, ":count": a.count,
                        ":escalated": a.escalated,
                    })?;
                    a
                }
                Transition::Retriggered(a) | Transition::Cleared(a) | Transition::Escalated(a) => {
                    tx.prepare_cached(UPDATE_CONDITION)?.execute(named_params! {
                        ":id": a.id as i64, ":detail": a.detail, ":priority": a.priority.level(),
                        ":last_triggered_90k": a.last_triggered_at, ":cleared_90k": a.cleared_at, ":count": a.count,
                        ":escalated": a.escalated,
                    })?;
                    a
                }
                Transition::AutoClosed(a) => {
                    if tx.prepare_cached(AUTO_CLOSE)?.execute(named_params! {":id": a.id as i64, ":at_90k": now})? == 0 {
                        // Someone took it on meanwhile: it stays theirs.
                        return Ok(());
                    }
                    a
                }
                // Operator moves are applied by `alarm_action`, which logs them itself.
                Transition::Acknowledged(_) | Transition::OnHold(_) | Transition::Closed(_) => return Ok(()),
            };
            tx.prepare_cached(INSERT_EVENT)?.execute(named_params! {
                ":alarm_id": alarm.id as i64, ":at_90k": now, ":transition": transition.as_str(), ":by": "", ":note": alarm.detail,
                ":count": alarm.count, ":priority": alarm.priority.level(),
            })?;
            Ok(())
        })
    }

    /// An officer acknowledges, holds or closes alarm `id` (any process): checked against the
    /// row's state in the same transaction, logged, and the alarm as it is after returned. A bad
    /// id or an illegal move changes nothing.
    pub fn alarm_action(
        &self,
        id: u64,
        action: Action,
        by: &str,
        note: &str,
        resolution: Option<Resolution>,
        now: Time90k,
    ) -> Result<AlarmRow, StoreError> {
        super::recordings::atomically(&self.conn, |tx| {
            let sql = format!("SELECT {ALARM_COLUMNS}, acknowledged_by, acknowledged_90k FROM alarm WHERE id = :id");
            let row = tx.query_row(&sql, named_params! {":id": id as i64}, alarm_from_row).optional()?;
            let Some(mut row) = row else { return Err(StoreError::Alarm(ActionError::UnknownAlarm { id })) };
            let state = crate::core::alarm::apply_action(&row.alarm, action, by, note, resolution, now)?;
            let (by, at, note, resolution) = state_columns(&state);
            tx.prepare_cached(SET_STATE)?.execute(named_params! {
                ":id": id as i64, ":state": state.as_str(), ":by": by, ":at_90k": at, ":note": note, ":resolution": resolution,
            })?;
            if action == Action::Acknowledge {
                tx.prepare_cached(SET_ACKNOWLEDGED)?.execute(named_params! {":id": id as i64, ":by": by, ":at_90k": now})?;
                row.acknowledged.get_or_insert((by.to_string(), now));
            }
            let transition = match action {
                Action::Acknowledge => "acknowledged",
                Action::Hold => "on_hold",
                Action::Close => "closed",
            };
            tx.prepare_cached(INSERT_EVENT)?.execute(named_params! {
                ":alarm_id": id as i64, ":at_90k": now, ":transition": transition, ":by": by, ":note": note,
                ":count": row.alarm.count, ":priority": row.alarm.priority.level(),
            })?;
            row.alarm.state = state;
            Ok(row)
        })
    }

    /// Alarms newest first (at most `limit`).
    pub fn alarms(&self, filter: AlarmFilter, limit: usize) -> Result<Vec<AlarmRow>, StoreError> {
        let filter = match filter {
            AlarmFilter::Open => "WHERE state != 'closed'",
            AlarmFilter::All => "",
        };
        let sql = format!("SELECT {ALARM_COLUMNS}, acknowledged_by, acknowledged_90k FROM alarm {filter} ORDER BY id DESC LIMIT :limit");
        Ok(self.conn.prepare_cached(&sql)?.query_map(named_params! {":limit": limit as i64}, alarm_from_row)?.collect::<Result<_, _>>()?)
    }

    /// Alarms raised in [from, to), oldest first: the shift report.
    pub fn alarms_between(&self, from_90k: Time90k, to_90k: Time90k) -> Result<Vec<AlarmRow>, StoreError> {
        let sql = format!(
            "SELECT {ALARM_COLUMNS}, acknowledged_by, acknowledged_90k FROM alarm \
             WHERE opened_90k >= :from_90k AND opened_90k < :to_90k ORDER BY opened_90k, id"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(named_params! {":from_90k": from_90k, ":to_90k": to_90k}, alarm_from_row)?
            .collect::<Result<_, _>>()?)
    }

    /// The open alarms (for the runner after a restart, and its sync each second) and the id the
    /// next alarm must get.
    pub fn open_alarms(&self) -> Result<(Vec<Alarm>, u64), StoreError> {
        let open = self.alarms(AlarmFilter::Open, usize::MAX >> 1)?.into_iter().map(|r| r.alarm).rev().collect();
        let max: Option<i64> = self.conn.query_row("SELECT max(id) FROM alarm", [], |r| r.get(0))?;
        Ok((open, max.map_or(1, |m| m as u64 + 1)))
    }

    /// One alarm's history, oldest first.
    pub fn alarm_events(&self, id: u64) -> Result<Vec<AlarmEvent>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(SELECT_EVENTS)?
            .query_map(named_params! {":alarm_id": id as i64}, |r| {
                Ok(AlarmEvent { at_90k: r.get(0)?, transition: r.get(1)?, by: r.get(2)?, note: r.get(3)? })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// When a camera's alarms (any state) lasted, overlapping [from, to): (began, cleared; `None`
    /// while the condition lasts). The timeline marks them on the camera's track.
    pub fn alarm_spans(&self, camera_id: &str, from_90k: Time90k, to_90k: Time90k) -> Result<Vec<(Time90k, Option<Time90k>)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(SELECT_ALARM_SPANS)?
            .query_map(named_params! {":camera_id": camera_id, ":from_90k": from_90k, ":to_90k": to_90k}, |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// A camera's offline periods overlapping [from, to) (alarmed or not): the timeline draws them.
    pub fn outages(&self, camera_id: &str, from_90k: Time90k, to_90k: Time90k) -> Result<Vec<Outage>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(SELECT_OUTAGES)?
            .query_map(named_params! {":camera_id": camera_id, ":from_90k": from_90k, ":to_90k": to_90k}, |r| {
                Ok(Outage {
                    camera: r.get(0)?,
                    from: r.get(1)?,
                    to: r.get(2)?,
                    reason: r.get(3)?,
                    alarm_id: r.get::<_, Option<i64>>(4)?.map(|id| id as u64),
                })
            })?
            .collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alarm::{Fact, Rules};
    use crate::core::time::Duration90k;

    const S: Duration90k = Duration90k::SECOND;

    /// An engine on a simulated clock whose camera `cam01` went offline at `t0` and stayed away
    /// past the debounce: its transitions, stored as the runner stores them.
    fn raised_offline(store: &Store, t0: Time90k) -> (crate::core::alarm::Engine, u64) {
        let mut engine =
            crate::core::alarm::Engine::new(Rules::default(), [("cam01".to_string(), "kp1".to_string())], chrono_tz::Asia::Ho_Chi_Minh);
        let save = |ts: Vec<Transition>, at: Time90k| ts.iter().for_each(|t| store.save_alarm_transition(t, at).unwrap());
        save(engine.on(&Fact::Online { camera: "cam01".into() }, t0 - 60 * S), t0 - 60 * S);
        save(engine.on(&Fact::Offline { camera: "cam01".into(), reason: "connection refused".into() }, t0), t0);
        let at = t0 + 31 * S;
        let raised = engine.tick(at);
        assert!(matches!(raised.as_slice(), [Transition::Raised(_)]), "{raised:?}");
        save(raised, at);
        let id = engine.open_alarms().next().unwrap().id;
        (engine, id)
    }

    #[test]
    fn an_alarm_is_stored_as_raised_cleared_and_acted_on_with_its_history() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let t0 = Time90k::from_unix_secs(1_800_000_000);
        let (mut engine, id) = raised_offline(&store, t0);
        let row = &store.alarms(AlarmFilter::Open, 10).unwrap()[0];
        assert_eq!((row.alarm.id, row.alarm.kind, row.alarm.camera.as_deref()), (id, AlarmKind::Offline, Some("cam01")));
        assert_eq!((row.alarm.began_at, row.alarm.opened_at, row.alarm.detail.as_str()), (t0, t0 + 31 * S, "connection refused"));
        assert_eq!(row.alarm.state, AlarmState::New);

        // An officer acknowledges it from another process while the camera comes back: the
        // condition's update does not undo the acknowledgement.
        let acked = store.alarm_action(id, Action::Acknowledge, "Trung úy Lê Văn B", "đã gọi tổ tuần tra", None, t0 + 40 * S).unwrap();
        assert!(matches!(&acked.alarm.state, AlarmState::Acknowledged { by, .. } if by == "Trung úy Lê Văn B"));
        let back = engine.on(&Fact::Online { camera: "cam01".into() }, t0 + 50 * S);
        back.iter().for_each(|t| store.save_alarm_transition(t, t0 + 50 * S).unwrap());
        let row = &store.alarms(AlarmFilter::Open, 10).unwrap()[0];
        assert_eq!(row.alarm.cleared_at, Some(t0 + 50 * S));
        assert!(matches!(row.alarm.state, AlarmState::Acknowledged { .. }), "{:?}", row.alarm.state);
        assert_eq!(row.acknowledged.as_ref().map(|(by, at)| (by.as_str(), *at)), Some(("Trung úy Lê Văn B", t0 + 40 * S)));
        // The outage is kept for the timeline, with its alarm.
        let outages = store.outages("cam01", t0 - S, t0 + 60 * S).unwrap();
        assert_eq!(outages.len(), 1);
        assert_eq!((outages[0].from, outages[0].to, outages[0].alarm_id), (t0, t0 + 50 * S, Some(id)));
        // The alarm's own span, for the timeline: from the condition's start to its end.
        assert_eq!(store.alarm_spans("cam01", t0 - S, t0 + 60 * S).unwrap(), vec![(t0, Some(t0 + 50 * S))]);
        assert!(store.alarm_spans("cam01", t0 + 50 * S, t0 + 60 * S).unwrap().is_empty(), "over before the window");
        assert!(store.alarm_spans("cam02", t0 - S, t0 + 60 * S).unwrap().is_empty());

        // Illegal moves and bad ids change nothing.
        let before = store.alarms(AlarmFilter::All, 10).unwrap();
        let again = store.alarm_action(id, Action::Acknowledge, "x", "", None, t0 + 60 * S).unwrap_err();
        assert!(matches!(again, StoreError::Alarm(ActionError::NotAllowed { .. })), "{again}");
        assert!(matches!(
            store.alarm_action(999, Action::Hold, "x", "", None, t0).unwrap_err(),
            StoreError::Alarm(ActionError::UnknownAlarm { id: 999 })
        ));
        let no_resolution = store.alarm_action(id, Action::Close, "x", "", None, t0).unwrap_err();
        assert!(no_resolution.to_string().contains("needs a resolution"), "{no_resolution}");
        let auto = store.alarm_action(id, Action::Close, "x", "", Some(Resolution::AutoClosed), t0).unwrap_err();
        assert!(matches!(auto, StoreError::Alarm(ActionError::ReservedResolution { .. })));
        assert_eq!(store.alarms(AlarmFilter::All, 10).unwrap(), before);

        // Closed: the engine forgets it at its next sync, and the engine's auto-close (had it
        // been due) would not touch it.
        store.alarm_action(id, Action::Close, "Trung úy Lê Văn B", "camera bị cắt điện", Some(Resolution::Technical), t0 + 70 * S).unwrap();
        let (open, next_id) = store.open_alarms().unwrap();
        assert!(open.is_empty());
        assert_eq!(next_id, id + 1);
        engine.sync_states(&open);
        assert_eq!(engine.open_alarms().count(), 0);
        let history: Vec<String> = store.alarm_events(id).unwrap().into_iter().map(|e| e.transition).collect();
        assert_eq!(history, ["raised", "acknowledged", "cleared", "closed"]);
        let all = store.alarms(AlarmFilter::All, 10).unwrap();
        assert!(
            matches!(&all[0].alarm.state, AlarmState::Closed { resolution: Resolution::Technical, note, .. } if note == "camera bị cắt điện")
        );
        assert_eq!(store.alarms_between(t0, t0 + 60 * S).unwrap().len(), 1);
        assert_eq!(store.alarms_between(t0 + 60 * S, t0 + 120 * S).unwrap().len(), 0, "by the time it was raised");
    }

    #[test]
    fn the_engine_auto_closes_only_what_nobody_took_on_and_a_restart_continues_the_ids() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_dir(dir.path()).unwrap();
        let t0 = Time90k::from_unix_secs(1_800_000_000);
        let (engine, id) = raised_offline(&store, t0);
        // The runner's auto-close of an alarm an officer held meanwhile: no change, no history.
        store.alarm_action(id, Action::Hold, "Trung úy Lê Văn B", "chờ kỹ thuật", None, t0 + 40 * S).unwrap();
        let mut closed = engine.alarm(id).unwrap().clone();
        closed.state = AlarmState::Closed { by: String::new(), at: t0 + 400 * S, resolution: Resolution::AutoClosed, note: String::new() };
        store.save_alarm_transition(&Transition::AutoClosed(closed), t0 + 400 * S).unwrap();
        let (open, next_id) = store.open_alarms().unwrap();
        assert!(matches!(open[0].state, AlarmState::OnHold { .. }));
        assert_eq!(store.alarm_events(id).unwrap().len(), 2, "raised, on_hold");
        // A new engine (a restarted recorder) continues from the store.
        let mut restarted =
            crate::core::alarm::Engine::new(Rules::default(), [("cam01".to_string(), "kp1".to_string())], chrono_tz::Asia::Ho_Chi_Minh);
        restarted.restore(open, next_id);
        assert_eq!(restarted.next_id(), id + 1);
        assert!(matches!(restarted.alarm(id).map(|a| &a.state), Some(AlarmState::OnHold { .. })));
    }
}
