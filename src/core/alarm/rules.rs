//! The alarm rules a site sets: thresholds, per-neighborhood and per-camera overrides, motion
//! arming, priorities, escalation and auto-close. Persisted with serde; every field has a
//! default, so a missing field (an older rules file) reads as its default.

use std::collections::BTreeMap;

use crate::core::alarm::fact::AlarmKind;
use crate::core::alarm::schedule::Schedule;
use crate::core::motion_mask::MotionMask;
use crate::core::time::{Duration90k, Time90k};

/// How urgent an alarm is: 1 is the most urgent, 3 the least. Sorts most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Priority(u8);

impl Priority {
    pub const HIGH: Priority = Priority(1);
    pub const MEDIUM: Priority = Priority(2);
    pub const LOW: Priority = Priority(3);

    /// `None` outside 1–3.
    pub fn new(level: u8) -> Option<Priority> {
        (1..=3).contains(&level).then_some(Priority(level))
    }

    /// 1 (most urgent) to 3; what SQLite stores.
    pub fn level(self) -> u8 {
        self.0
    }

    /// One step more urgent, at most `HIGH` (escalation).
    pub fn raised(self) -> Priority {
        Priority(self.0.saturating_sub(1).max(1))
    }
}

impl TryFrom<u8> for Priority {
    type Error = String;
    fn try_from(level: u8) -> Result<Self, String> {
        Priority::new(level).ok_or_else(|| format!("priority {level} must be 1 (most urgent), 2 or 3"))
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> u8 {
        p.0
    }
}

/// Everything the engine decides by. `Default` is the documented default of each field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Rules {
    pub offline: OfflineRule,
    /// Connected without a frame this long raises `no_picture` (0: never). Default 10 s.
    pub no_picture_s: u32,
    /// An unchanged (bit-identical) picture this long raises `frozen` (0: never). Default 20 s.
    pub frozen_s: u32,
    /// A dark or uniform picture this long raises `video_loss` (0: never). Default 10 s.
    pub video_loss_s: u32,
    /// Motion alarms by camera id. A camera not listed raises no motion alarm.
    pub motion: BTreeMap<String, MotionRule>,
    pub priorities: Priorities,
    /// An alarm still `New` this long after it was raised goes up one priority, once, and sounds
    /// again (0: never). A technical alarm whose condition has cleared does not escalate.
    /// Default 300 s.
    pub escalate_after_s: u32,
    pub auto_close: AutoClose,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            offline: OfflineRule::default(),
            no_picture_s: 10,
            frozen_s: 20,
            video_loss_s: 10,
            motion: BTreeMap::new(),
            priorities: Priorities::default(),
            escalate_after_s: 300,
            auto_close: AutoClose::default(),
        }
    }
}

/// How long a camera must stay offline before it is an alarm. The most specific value wins:
/// the camera's, then its neighborhood's, then `debounce_s`. Shorter outages are still reported
/// (`Transition::Outage`) for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct OfflineRule {
    /// Default 30 s; 0 raises at once.
    pub debounce_s: u32,
    /// Neighborhood id → debounce in seconds.
    pub neighborhoods: BTreeMap<String, u32>,
    /// Camera id → debounce in seconds.
    pub cameras: BTreeMap<String, u32>,
}

impl Default for OfflineRule {
    fn default() -> Self {
        OfflineRule { debounce_s: 30, neighborhoods: BTreeMap::new(), cameras: BTreeMap::new() }
    }
}

/// One camera's motion: how it is judged (also for the timeline's motion strip and Smart
/// Motion Search, whether or not it raises alarms) and when it is an alarm.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MotionRule {
    /// Whether motion raises an alarm. Default true (listing a camera is the wish to have its
    /// motion alarm); false keeps only the detection settings below.
    pub enabled: bool,
    /// When motion raises an alarm, in the site's zone. Default always.
    pub schedule: Schedule,
    /// 0 (least) to 100 (most sensitive). Default 50.
    pub sensitivity: u8,
    /// Smallest group of connected moving cells (of the ~160x90 analysis grid) that is motion.
    /// Default 10.
    pub min_area_cells: u32,
    /// Cells of the 16x9 grid where motion is ignored (a tree, a road outside the site, the
    /// camera's own clock). Default none.
    #[serde(skip_serializing_if = "MotionMask::is_empty")]
    pub ignore: MotionMask,
}

impl Default for MotionRule {
    fn default() -> Self {
        MotionRule { enabled: true, schedule: Schedule::always(), sensitivity: 50, min_area_cells: 10, ignore: MotionMask::EMPTY }
    }
}

/// Priority of a new alarm by kind. Defaults: what stops the town being watched or recorded is
/// 1 (offline, video_loss, recording); a degraded picture is 2 (no_picture, frozen); motion and
/// ONVIF events are 2 — people to look at, but a busy street raises many.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Priorities {
    pub offline: Priority,
    pub no_picture: Priority,
    pub frozen: Priority,
    pub video_loss: Priority,
    pub motion: Priority,
    pub recording: Priority,
    pub onvif: Priority,
}

impl Default for Priorities {
    fn default() -> Self {
        Priorities {
            offline: Priority::HIGH,
            no_picture: Priority::MEDIUM,
            frozen: Priority::MEDIUM,
            video_loss: Priority::HIGH,
            motion: Priority::MEDIUM,
            recording: Priority::HIGH,
            onvif: Priority::MEDIUM,
        }
    }
}

/// Closing technical alarms that fixed themselves while nobody acknowledged them (resolution
/// `auto`). An acknowledged or held alarm is someone's and is never auto-closed; motion and ONVIF
/// alarms never are. The grace keeps a flapping camera on one alarm (its count goes up) and
/// leaves the officer a few minutes to see what happened. Default on, after 300 s.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct AutoClose {
    pub enabled: bool,
    /// How long after the condition cleared.
    pub after_s: u32,
}

impl Default for AutoClose {
    fn default() -> Self {
        AutoClose { enabled: true, after_s: 300 }
    }
}

impl Rules {
    /// The offline debounce of `camera`, standing in `neighborhood`.
    pub fn offline_debounce(&self, camera: &str, neighborhood: Option<&str>) -> Duration90k {
        let o = &self.offline;
        let by_neighborhood = neighborhood.and_then(|n| o.neighborhoods.get(n));
        let secs = o.cameras.get(camera).or(by_neighborhood).copied().unwrap_or(o.debounce_s);
        Duration90k::from_secs(i64::from(secs))
    }

    /// The priority a new alarm of `kind` gets.
    pub fn priority(&self, kind: AlarmKind) -> Priority {
        let p = &self.priorities;
        match kind {
            AlarmKind::Offline => p.offline,
            AlarmKind::NoPicture => p.no_picture,
            AlarmKind::Frozen => p.frozen,
            AlarmKind::VideoLoss => p.video_loss,
            AlarmKind::Motion => p.motion,
            AlarmKind::Recording => p.recording,
            AlarmKind::Onvif => p.onvif,
        }
    }

    /// Whether motion on `camera` at `at` raises an alarm.
    pub fn motion_armed(&self, camera: &str, at: Time90k, tz: chrono_tz::Tz) -> bool {
        self.motion.get(camera).is_some_and(|m| m.enabled && m.schedule.is_armed(at, tz))
    }

    /// A threshold in seconds as a duration; `None` for 0 (the rule is off).
    pub fn threshold(secs: u32) -> Option<Duration90k> {
        (secs > 0).then(|| Duration90k::from_secs(i64::from(secs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, MapDeserializer};

    #[test]
    fn camera_beats_neighborhood_beats_default() {
        let mut rules = Rules::default();
        rules.offline.neighborhoods.insert("kp1".into(), 120);
        rules.offline.cameras.insert("cam02".into(), 5);
        let secs = |cam, n| rules.offline_debounce(cam, n).as_secs_f64();
        assert_eq!(secs("cam01", Some("kp1")), 120.0);
        assert_eq!(secs("cam02", Some("kp1")), 5.0);
        assert_eq!(secs("cam03", Some("kp2")), 30.0);
        assert_eq!(secs("cam03", None), 30.0);
    }

    #[test]
    fn priorities_escalate_to_one_at_most() {
        assert_eq!(Priority::LOW.raised(), Priority::MEDIUM);
        assert_eq!(Priority::MEDIUM.raised(), Priority::HIGH);
        assert_eq!(Priority::HIGH.raised(), Priority::HIGH);
        assert!(Priority::HIGH < Priority::LOW, "most urgent sorts first");
        assert_eq!(Priority::new(0), None);
        assert!(Priority::try_from(4).is_err());
        let rules = Rules::default();
        assert_eq!(rules.priority(AlarmKind::Offline), Priority::HIGH);
        assert_eq!(rules.priority(AlarmKind::Frozen), Priority::MEDIUM);
    }

    #[test]
    fn missing_fields_read_as_defaults() {
        let empty = MapDeserializer::<_, Error>::new(std::iter::empty::<(&str, u32)>());
        assert_eq!(Rules::deserialize(empty).unwrap(), Rules::default());
        let some = MapDeserializer::<_, Error>::new([("frozen_s", 60u32), ("escalate_after_s", 0)].into_iter());
        let rules = Rules::deserialize(some).unwrap();
        assert_eq!((rules.frozen_s, rules.escalate_after_s, rules.no_picture_s), (60, 0, 10));
        assert_eq!(Priority::deserialize(2u8.into_deserializer() as serde::de::value::U8Deserializer<Error>), Ok(Priority::MEDIUM));
        assert!(Priority::deserialize(9u8.into_deserializer() as serde::de::value::U8Deserializer<Error>).is_err());
        let s = Schedule::deserialize("22:00-05:00".into_deserializer() as serde::de::value::StrDeserializer<Error>);
        assert_eq!(s, Ok(Schedule::parse("22:00-05:00").unwrap()));
    }

    #[test]
    fn motion_needs_a_listed_enabled_camera_and_an_armed_schedule() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let noon_saigon = Time90k::from_unix_secs(1_796_274_000); // 2026-12-03 12:00 +07
        let mut rules = Rules::default();
        assert!(!rules.motion_armed("cam01", noon_saigon, tz), "not listed");
        rules.motion.insert("cam01".into(), MotionRule::default());
        assert!(rules.motion_armed("cam01", noon_saigon, tz));
        rules.motion.insert("cam01".into(), MotionRule { schedule: Schedule::parse("22:00-05:00").unwrap(), ..MotionRule::default() });
        assert!(!rules.motion_armed("cam01", noon_saigon, tz), "disarmed at noon");
        rules.motion.insert("cam01".into(), MotionRule { enabled: false, ..MotionRule::default() });
        assert!(!rules.motion_armed("cam01", noon_saigon, tz), "disabled");
    }
}
