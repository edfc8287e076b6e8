//! Engine tests on a simulated clock: plain `Time90k` values, one tick a second where it matters.

use super::*;
use crate::core::alarm::{MotionRule, Priority, RecordingFault, Schedule};
use chrono_tz::Asia::Ho_Chi_Minh;

/// 2026-12-03 12:00 in Saigon (05:00 UTC), a Thursday.
const T0_S: i64 = 1_796_274_000;

fn at(secs: i64) -> Time90k {
    Time90k::from_unix_secs(T0_S + secs)
}

fn engine_with(rules: Rules) -> Engine {
    let cameras = [("cam01", "kp1"), ("cam02", "kp2")].map(|(c, n)| (c.to_string(), n.to_string()));
    Engine::new(rules, cameras, Ho_Chi_Minh)
}

fn engine() -> Engine {
    engine_with(Rules::default())
}

/// Default rules without the no-picture timeout, for tests that do not pump frames.
fn quiet() -> Rules {
    Rules { no_picture_s: 0, ..Rules::default() }
}

fn online(camera: &str) -> Fact {
    Fact::Online { camera: camera.into() }
}

fn offline(camera: &str) -> Fact {
    Fact::Offline { camera: camera.into(), reason: "connection refused".into() }
}

fn frames(camera: &str) -> Fact {
    Fact::Frames { camera: camera.into() }
}

fn picture(camera: &str, unchanged_s: i64, blank: bool) -> Fact {
    Fact::Picture { camera: camera.into(), unchanged_for: Duration90k::from_secs(unchanged_s), blank }
}

fn motion(camera: &str, active: bool) -> Fact {
    Fact::Motion { camera: camera.into(), cells: 40, active }
}

fn names(ts: &[Transition]) -> Vec<&'static str> {
    ts.iter().map(Transition::as_str).collect()
}

/// The alarm of the only transition in `ts`, which must be named `name`.
fn only(ts: &[Transition], name: &str) -> Alarm {
    assert_eq!(names(ts), [name], "{ts:#?}");
    ts[0].alarm().expect("an alarm transition").clone()
}

/// Ticks once a second over `[from_s, to_s]`; returns (second, transition) for what happened.
fn ticks(e: &mut Engine, from_s: i64, to_s: i64) -> Vec<(i64, Transition)> {
    (from_s..=to_s).flat_map(|s| e.tick(at(s)).into_iter().map(move |t| (s, t))).collect()
}

/// A camera online at `from_s` sending a frame every second up to `to_s`, ticking as it goes.
fn live(e: &mut Engine, camera: &str, from_s: i64, to_s: i64) -> Vec<Transition> {
    let mut out = e.on(&online(camera), at(from_s));
    for s in from_s..=to_s {
        out.extend(e.on(&frames(camera), at(s)));
        out.extend(e.tick(at(s)));
    }
    out
}

#[test]
fn a_blip_under_the_debounce_raises_nothing_but_is_an_outage() {
    let mut e = engine();
    assert!(live(&mut e, "cam01", 0, 9).is_empty());
    assert!(e.on(&offline("cam01"), at(10)).is_empty());
    assert!(ticks(&mut e, 10, 38).is_empty());
    let ts = e.on(&online("cam01"), at(39));
    let want = Outage { camera: "cam01".into(), from: at(10), to: at(39), reason: "connection refused".into(), alarm_id: None };
    assert_eq!(ts, [Transition::Outage(want)]);
    assert_eq!(e.open_alarms().count(), 0);
}

#[test]
fn offline_raises_at_exactly_the_debounce_and_clears_when_back() {
    let mut e = engine();
    live(&mut e, "cam01", 0, 9);
    e.on(&offline("cam01"), at(10));
    assert!(ticks(&mut e, 10, 39).is_empty());
    assert!(e.tick(at(40) - Duration90k(1)).is_empty(), "one tick before 30 s");
    let alarm = only(&e.tick(at(40)), "raised");
    assert_eq!((alarm.kind, alarm.camera.as_deref(), alarm.id, alarm.count), (AlarmKind::Offline, Some("cam01"), 1, 1));
    assert_eq!((alarm.began_at, alarm.opened_at, alarm.priority), (at(10), at(40), Priority::HIGH));
    assert_eq!(alarm.detail, "connection refused");
    assert!(e.tick(at(41)).is_empty(), "raised once");
    let ts = e.on(&online("cam01"), at(100));
    assert_eq!(names(&ts), ["outage", "cleared"]);
    let Transition::Outage(outage) = &ts[0] else { unreachable!() };
    assert_eq!((outage.from, outage.to, outage.alarm_id), (at(10), at(100), Some(1)));
    let cleared = ts[1].alarm().unwrap();
    assert_eq!((cleared.cleared_at, &cleared.state), (Some(at(100)), &AlarmState::New));
}

#[test]
fn debounce_zero_raises_on_the_fact() {
    let mut rules = Rules::default();
    rules.offline.debounce_s = 0;
    let mut e = engine_with(rules);
    only(&e.on(&offline("cam01"), at(0)), "raised");
}

#[test]
fn camera_override_beats_neighborhood_beats_default() {
    let mut rules = Rules::default();
    rules.offline.neighborhoods.insert("kp1".into(), 120);
    rules.offline.neighborhoods.insert("kp2".into(), 60);
    rules.offline.cameras.insert("cam02".into(), 5);
    let mut e = engine_with(rules);
    e.on(&offline("cam01"), at(0));
    e.on(&offline("cam02"), at(0));
    e.on(&offline("cam03"), at(0));
    let raised: Vec<(i64, String)> =
        ticks(&mut e, 0, 200).into_iter().map(|(s, t)| (s, t.alarm().unwrap().camera.clone().unwrap())).collect();
    assert_eq!(raised, [(5, "cam02".into()), (30, "cam03".into()), (120, "cam01".into())]);
}

#[test]
fn retrigger_while_open_counts_and_after_close_raises_anew() {
    let mut e = engine();
    e.on(&offline("cam01"), at(0));
    only(&e.tick(at(30)), "raised");
    e.on(&online("cam01"), at(40));
    e.on(&offline("cam01"), at(50));
    assert!(e.tick(at(79)).is_empty(), "the debounce applies again");
    let again = only(&e.tick(at(80)), "retriggered");
    assert_eq!((again.id, again.count, again.cleared_at, again.last_triggered_at), (1, 2, None, at(80)));
    assert_eq!(again.opened_at, at(30));
    e.close(1, "an", Resolution::Technical, "cable", at(90)).unwrap();
    assert!(e.tick(at(91)).is_empty(), "closing does not re-raise while still offline");
    e.on(&online("cam01"), at(100));
    e.on(&offline("cam01"), at(110));
    let fresh = only(&e.tick(at(140)), "raised");
    assert_eq!((fresh.id, fresh.count), (2, 1));
}

#[test]
fn no_picture_after_connected_without_frames() {
    let mut e = engine();
    e.on(&online("cam01"), at(0));
    assert!(ticks(&mut e, 0, 9).is_empty());
    let alarm = only(&e.tick(at(10)), "raised");
    assert_eq!((alarm.kind, alarm.began_at, alarm.priority), (AlarmKind::NoPicture, at(0), Priority::MEDIUM));
    let cleared = only(&e.on(&frames("cam01"), at(12)), "cleared");
    assert_eq!(cleared.cleared_at, Some(at(12)));
    assert!(ticks(&mut e, 13, 21).is_empty());
    assert_eq!(only(&e.tick(at(22)), "retriggered").count, 2, "frames stopped again");
    let ts = e.on(&offline("cam01"), at(25));
    assert_eq!(only(&ts, "cleared").kind, AlarmKind::NoPicture, "offline ends the no-picture condition");
}

#[test]
fn an_offline_camera_raises_no_no_picture() {
    let mut e = engine();
    e.on(&offline("cam01"), at(0));
    let kinds: Vec<AlarmKind> = ticks(&mut e, 0, 60).iter().map(|(_, t)| t.alarm().unwrap().kind).collect();
    assert_eq!(kinds, [AlarmKind::Offline]);
}

#[test]
fn a_frame_from_an_offline_camera_means_it_is_back() {
    let mut e = engine();
    e.on(&offline("cam01"), at(0));
    assert_eq!(names(&e.on(&frames("cam01"), at(5))), ["outage"]);
    assert!(ticks(&mut e, 5, 14).is_empty());
}

#[test]
fn frozen_from_picture_facts_and_cleared_when_the_picture_changes() {
    let mut e = engine();
    e.on(&online("cam01"), at(0));
    for s in 0..20 {
        assert!(e.on(&picture("cam01", s, false), at(5 + s)).is_empty(), "{s}");
    }
    let alarm = only(&e.on(&picture("cam01", 20, false), at(25)), "raised");
    assert_eq!((alarm.kind, alarm.began_at), (AlarmKind::Frozen, at(5)));
    assert!(e.on(&picture("cam01", 21, false), at(26)).is_empty());
    assert_eq!(only(&e.on(&picture("cam01", 0, false), at(27)), "cleared").cleared_at, Some(at(27)));
}

#[test]
fn a_blank_picture_is_video_loss_not_frozen() {
    let mut e = engine();
    e.on(&online("cam01"), at(0));
    for s in 0..10 {
        assert!(e.on(&picture("cam01", 30 + s, true), at(s)).is_empty(), "{s}");
    }
    let alarm = only(&e.on(&picture("cam01", 40, true), at(10)), "raised");
    assert_eq!((alarm.kind, alarm.began_at, alarm.priority), (AlarmKind::VideoLoss, at(0), Priority::HIGH));
    assert_eq!(only(&e.on(&picture("cam01", 0, false), at(11)), "cleared").kind, AlarmKind::VideoLoss);
}

#[test]
fn motion_needs_enabled_and_armed_and_counts_episodes() {
    let mut e = engine();
    assert!(e.on(&motion("cam01", true), at(0)).is_empty(), "no motion rule for cam01");
    let mut rules = Rules::default();
    let night = MotionRule { schedule: Schedule::parse("22:00-05:00").unwrap(), ..MotionRule::default() };
    rules.motion.insert("cam01".into(), night);
    e.set_rules(rules);
    assert!(e.on(&motion("cam01", true), at(0)).is_empty(), "noon: disarmed");
    let ten_pm = 10 * 3_600;
    assert!(e.on(&motion("cam01", true), at(ten_pm - 1)).is_empty());
    let alarm = only(&e.on(&motion("cam01", true), at(ten_pm)), "raised");
    assert_eq!((alarm.kind, alarm.priority), (AlarmKind::Motion, Priority::MEDIUM));
    assert!(e.on(&motion("cam01", true), at(ten_pm + 1)).is_empty(), "the same episode");
    let cleared = only(&e.on(&motion("cam01", false), at(ten_pm + 5)), "cleared");
    assert_eq!(cleared.state, AlarmState::New, "stays new until acknowledged");
    let again = only(&e.on(&motion("cam01", true), at(ten_pm + 9)), "retriggered");
    assert_eq!(again.count, 2);
    assert!(Transition::Retriggered(again).sounds());
}

#[test]
fn escalates_once_after_the_delay_while_new() {
    let mut e = engine_with(quiet());
    e.on(&online("cam01"), at(0));
    let opened = only(&e.on(&picture("cam01", 20, false), at(0)), "raised");
    assert_eq!(opened.priority, Priority::MEDIUM);
    assert!(e.tick(at(299)).is_empty());
    let escalated = only(&e.tick(at(300)), "escalated");
    assert_eq!((escalated.priority, escalated.escalated), (Priority::HIGH, true));
    assert!(ticks(&mut e, 301, 900).is_empty(), "not again");
}

#[test]
fn acknowledged_and_cleared_technical_alarms_do_not_escalate() {
    let mut e = engine_with(quiet());
    e.on(&online("cam01"), at(0));
    e.on(&online("cam02"), at(0));
    e.on(&picture("cam01", 20, false), at(0));
    e.on(&picture("cam02", 20, false), at(0));
    e.acknowledge(1, "an", "", at(10)).unwrap();
    e.on(&picture("cam02", 0, false), at(20));
    let mut rules = quiet();
    rules.auto_close.enabled = false;
    e.set_rules(rules);
    assert!(e.tick(at(400)).is_empty());
}

#[test]
fn a_cleared_motion_alarm_still_escalates_and_never_auto_closes() {
    let mut rules = Rules::default();
    rules.motion.insert("cam01".into(), MotionRule::default());
    let mut e = engine_with(rules);
    e.on(&motion("cam01", true), at(0));
    e.on(&motion("cam01", false), at(3));
    let happened: Vec<(i64, &str)> = ticks(&mut e, 0, 3_600).iter().map(|(s, t)| (*s, t.as_str())).collect();
    assert_eq!(happened, [(300, "escalated")]);
    assert_eq!(e.open_alarms().count(), 1);
}

#[test]
fn a_cleared_unacknowledged_technical_alarm_auto_closes_after_the_grace() {
    let mut e = engine_with(quiet());
    e.on(&offline("cam01"), at(0));
    e.tick(at(30));
    e.on(&online("cam01"), at(40));
    e.on(&frames("cam01"), at(40));
    assert!(e.tick(at(339)).iter().all(|t| t.as_str() != "auto_closed"));
    let closed = only(&e.tick(at(340)), "auto_closed");
    let want = AlarmState::Closed { by: String::new(), at: at(340), resolution: Resolution::AutoClosed, note: String::new() };
    assert_eq!(closed.state, want);
    assert_eq!(e.open_alarms().count(), 0);
    assert_eq!(e.acknowledge(1, "an", "", at(341)), Err(ActionError::AlreadyClosed { id: 1 }));
}

#[test]
fn acknowledged_held_or_active_alarms_are_not_auto_closed() {
    let mut e = engine_with(quiet());
    for cam in ["cam01", "cam02", "cam03"] {
        e.on(&offline(cam), at(0));
    }
    assert_eq!(e.tick(at(30)).len(), 3);
    e.acknowledge(1, "an", "", at(31)).unwrap();
    e.hold(2, "an", "patrol", at(31)).unwrap();
    e.on(&online("cam01"), at(40));
    e.on(&online("cam02"), at(40));
    let later: Vec<&str> = ticks(&mut e, 41, 2_000).iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(later, ["escalated"], "cam03 is still offline: it escalates, nothing closes");
    assert_eq!(e.open_alarms().count(), 3);
}

#[test]
fn auto_close_can_be_turned_off() {
    let mut rules = quiet();
    rules.auto_close.enabled = false;
    let mut e = engine_with(rules);
    e.on(&offline("cam01"), at(0));
    e.tick(at(30));
    e.on(&online("cam01"), at(40));
    e.on(&frames("cam01"), at(40));
    assert!(e.tick(at(10_000)).is_empty());
}

#[test]
fn legal_operator_actions() {
    let mut e = engine();
    e.on(&offline("cam01"), at(0));
    e.tick(at(30));
    let ack = e.acknowledge(1, "an", "looking", at(31)).unwrap();
    assert_eq!(ack.alarm().unwrap().state, AlarmState::Acknowledged { by: "an".into(), at: at(31), note: "looking".into() });
    assert_eq!(e.hold(1, "an", "patrol sent", at(32)).unwrap().as_str(), "on_hold");
    assert_eq!(e.acknowledge(1, "binh", "", at(33)).unwrap().as_str(), "acknowledged");
    let closed = e.close(1, "binh", Resolution::Incident, "thief", at(34)).unwrap();
    assert_eq!(closed.as_str(), "closed");
    let want = AlarmState::Closed { by: "binh".into(), at: at(34), resolution: Resolution::Incident, note: "thief".into() };
    assert_eq!(closed.alarm().unwrap().state, want);
    e.on(&offline("cam02"), at(0));
    e.tick(at(35));
    assert_eq!(e.hold(2, "an", "", at(36)).unwrap().as_str(), "on_hold", "new → on hold");
    assert_eq!(e.close(2, "an", Resolution::FalseAlarm, "", at(37)).unwrap().as_str(), "closed", "on hold → closed");
}

#[test]
fn illegal_operator_actions_change_nothing() {
    let mut e = engine();
    e.on(&offline("cam01"), at(0));
    e.on(&offline("cam02"), at(0));
    e.tick(at(30));
    e.acknowledge(1, "an", "", at(31)).unwrap();
    e.hold(2, "an", "", at(31)).unwrap();
    let before: Vec<Alarm> = e.open_alarms().cloned().collect();
    let not_allowed = |id, from, action| Err(ActionError::NotAllowed { id, from, action });
    assert_eq!(e.acknowledge(1, "x", "", at(40)), not_allowed(1, "acknowledged", Action::Acknowledge));
    assert_eq!(e.hold(2, "x", "", at(40)), not_allowed(2, "on_hold", Action::Hold));
    assert_eq!(e.close(1, "x", Resolution::AutoClosed, "", at(40)), Err(ActionError::ReservedResolution { id: 1 }));
    assert_eq!(e.acknowledge(99, "x", "", at(40)), Err(ActionError::UnknownAlarm { id: 99 }));
    assert_eq!(e.close(0, "x", Resolution::Test, "", at(40)), Err(ActionError::UnknownAlarm { id: 0 }));
    assert_eq!(e.open_alarms().cloned().collect::<Vec<_>>(), before);
    e.close(1, "an", Resolution::Test, "", at(41)).unwrap();
    assert_eq!(e.close(1, "an", Resolution::Test, "", at(42)), Err(ActionError::AlreadyClosed { id: 1 }));
    assert_eq!(e.acknowledge(1, "an", "", at(42)), Err(ActionError::AlreadyClosed { id: 1 }));
    assert_eq!(e.hold(1, "an", "", at(42)), Err(ActionError::AlreadyClosed { id: 1 }));
}

#[test]
fn recording_faults_and_onvif_topics_are_separate_alarms() {
    let mut e = engine();
    let disk = |fault, active| Fact::Recording { camera: None, fault, active };
    let full = only(&e.on(&disk(RecordingFault::DiskFull, true), at(0)), "raised");
    assert_eq!((full.camera, full.subject.as_str(), full.kind), (None, "disk_full", AlarmKind::Recording));
    assert!(e.on(&disk(RecordingFault::DiskFull, true), at(1)).is_empty(), "repeated");
    assert_eq!(only(&e.on(&disk(RecordingFault::DiskLow, true), at(1)), "raised").id, 2);
    let cam = Fact::Recording { camera: Some("cam01".into()), fault: RecordingFault::NotRecording, active: true };
    assert_eq!(only(&e.on(&cam, at(2)), "raised").camera.as_deref(), Some("cam01"));
    let tamper = |active| Fact::Onvif { camera: "cam01".into(), topic: "tns1:VideoSource/GlobalSceneChange".into(), active };
    assert_eq!(only(&e.on(&tamper(true), at(3)), "raised").kind, AlarmKind::Onvif);
    let line = Fact::Onvif { camera: "cam01".into(), topic: "tns1:RuleEngine/LineDetector".into(), active: true };
    assert_eq!(only(&e.on(&line, at(3)), "raised").id, 5);
    assert_eq!(only(&e.on(&tamper(false), at(4)), "cleared").id, 4);
    e.close(1, "an", Resolution::Technical, "", at(5)).unwrap();
    assert!(e.on(&disk(RecordingFault::DiskFull, false), at(6)).is_empty(), "its alarm is closed");
    assert_eq!(only(&e.on(&disk(RecordingFault::DiskFull, true), at(7)), "raised").id, 6);
}

#[test]
fn restore_after_restart_continues_ids_and_keeps_open_alarms() {
    let mut rules = Rules::default();
    rules.motion.insert("cam02".into(), MotionRule::default());
    let mut first = engine_with(rules.clone());
    first.on(&offline("cam01"), at(0));
    first.tick(at(30));
    first.on(&motion("cam02", true), at(31));
    first.on(&motion("cam02", false), at(32));
    first.acknowledge(2, "an", "", at(33)).unwrap();
    first.on(&Fact::Recording { camera: None, fault: RecordingFault::DiskLow, active: true }, at(34));
    first.close(3, "an", Resolution::Technical, "", at(35)).unwrap();
    let stored: Vec<Alarm> = first.open_alarms().cloned().collect();
    assert_eq!(stored.iter().map(|a| a.id).collect::<Vec<_>>(), [1, 2]);

    let mut second = engine_with(rules);
    second.restore(stored.clone(), 4);
    assert_eq!(second.open_alarms().cloned().collect::<Vec<_>>(), stored);
    assert_eq!(second.acknowledge(3, "an", "", at(100)), Err(ActionError::AlreadyClosed { id: 3 }));
    let back = second.on(&online("cam01"), at(100));
    assert_eq!(only(&back, "cleared").id, 1, "the restored offline alarm clears, no outage (its start was before)");
    assert_eq!(only(&second.on(&motion("cam02", true), at(101)), "retriggered").count, 2);
    let disk = Fact::Recording { camera: None, fault: RecordingFault::DiskFull, active: true };
    assert_eq!(only(&second.on(&disk, at(102)), "raised").id, 4);

    let mut third = engine();
    third.restore(stored, 1);
    assert_eq!(third.next_id(), 3, "never below the largest restored id + 1");
}

#[test]
fn unknown_cameras_still_get_alarms() {
    let mut e = engine();
    e.on(&offline("cam99"), at(0));
    assert_eq!(only(&e.tick(at(30)), "raised").camera.as_deref(), Some("cam99"));
}

#[test]
fn only_new_things_sound() {
    let mut e = engine();
    e.on(&offline("cam01"), at(0));
    let raised = e.tick(at(30));
    assert!(raised[0].sounds());
    assert!(!e.acknowledge(1, "an", "", at(31)).unwrap().sounds());
    e.on(&online("cam01"), at(40));
    e.on(&offline("cam01"), at(50));
    let again = e.tick(at(80));
    assert_eq!(names(&again), ["retriggered"]);
    assert!(!again[0].sounds(), "already acknowledged");
}
