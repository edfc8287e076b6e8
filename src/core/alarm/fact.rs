//! What producers tell the alarm engine (`Fact`), and the kinds of alarm it can raise
//! (`AlarmKind`). Producers report what they observe — a connection state, a frame, picture
//! numbers from `media::analysis`, a recorder fault — and never decide whether it is an alarm.

use crate::core::time::Duration90k;

/// One observation about a camera (or the recorder). The engine keeps the state between facts:
/// producers may repeat a fact (e.g. `Motion { active: true }` every analysed frame) and only
/// the edges matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// The camera's stream is connected (RTSP PLAY answered).
    Online { camera: String },
    /// The stream is gone; `reason` is for people ("connection refused", "401").
    Offline { camera: String, reason: String },
    /// A frame arrived. Once a second is enough: the no-picture timeout is in seconds.
    /// A frame from a camera believed offline also counts as `Online`.
    Frames { camera: String },
    /// Picture numbers of one analysed frame (`media::analysis::PictureSample`). Implies `Frames`.
    Picture {
        camera: String,
        /// How long the picture has been (nearly) bit-identical: a stream that repeats one frame.
        unchanged_for: Duration90k,
        /// Too dark or too uniform to show anything (lens covered, lights off, blank screen).
        blank: bool,
    },
    /// Motion from the analyser, after its mask and minimum area. `cells` is informational
    /// (how many analysis cells moved); the engine looks at `active` only.
    Motion { camera: String, cells: u32, active: bool },
    /// A recording fault began (`active`) or ended. `camera: None`: the whole recorder (disk).
    Recording { camera: Option<String>, fault: RecordingFault, active: bool },
    /// An ONVIF event (tamper, line crossing, the camera's own motion…) began or ended.
    Onvif { camera: String, topic: String, active: bool },
}

impl Fact {
    /// The camera this fact is about (`None`: the whole recorder).
    pub fn camera(&self) -> Option<&str> {
        match self {
            Fact::Online { camera }
            | Fact::Offline { camera, .. }
            | Fact::Frames { camera }
            | Fact::Picture { camera, .. }
            | Fact::Motion { camera, .. }
            | Fact::Onvif { camera, .. } => Some(camera),
            Fact::Recording { camera, .. } => camera.as_deref(),
        }
    }
}

/// What went wrong with recording. Each fault is its own alarm (`Alarm::subject` = `as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordingFault {
    /// A camera that should record writes no segments.
    NotRecording,
    /// Free space below the warning level.
    DiskLow,
    /// Writes fail for lack of space.
    DiskFull,
    /// Retention had to delete recordings younger than the promised retention period.
    AgedOutEarly,
}

impl RecordingFault {
    pub const ALL: [RecordingFault; 4] =
        [RecordingFault::NotRecording, RecordingFault::DiskLow, RecordingFault::DiskFull, RecordingFault::AgedOutEarly];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordingFault::NotRecording => "not_recording",
            RecordingFault::DiskLow => "disk_low",
            RecordingFault::DiskFull => "disk_full",
            RecordingFault::AgedOutEarly => "aged_out_early",
        }
    }
}

impl std::str::FromStr for RecordingFault {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Self::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| UnknownName(s.to_string()))
    }
}

/// The kinds of alarm. `as_str` is stored in SQLite and printed by the CLI: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    /// The camera stayed offline longer than its debounce.
    Offline,
    /// Connected, but no frames for `no_picture_s`.
    NoPicture,
    /// The picture has not changed at all for `frozen_s`.
    Frozen,
    /// The picture is dark or uniform for `video_loss_s` (covered lens, lights off).
    VideoLoss,
    /// Motion while the camera's motion alarm is enabled and armed.
    Motion,
    /// A recording fault (`Alarm::subject` says which).
    Recording,
    /// An ONVIF event (`Alarm::subject` is its topic).
    Onvif,
}

impl AlarmKind {
    pub const ALL: [AlarmKind; 7] = [
        AlarmKind::Offline,
        AlarmKind::NoPicture,
        AlarmKind::Frozen,
        AlarmKind::VideoLoss,
        AlarmKind::Motion,
        AlarmKind::Recording,
        AlarmKind::Onvif,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::Offline => "offline",
            AlarmKind::NoPicture => "no_picture",
            AlarmKind::Frozen => "frozen",
            AlarmKind::VideoLoss => "video_loss",
            AlarmKind::Motion => "motion",
            AlarmKind::Recording => "recording",
            AlarmKind::Onvif => "onvif",
        }
    }

    /// A technical alarm reports the system failing (camera, picture, recorder), not something
    /// happening in front of a camera. Only technical alarms auto-close, and a technical alarm
    /// whose condition has cleared does not escalate.
    pub fn is_technical(self) -> bool {
        !matches!(self, AlarmKind::Motion | AlarmKind::Onvif)
    }
}

impl std::str::FromStr for AlarmKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownName(s.to_string()))
    }
}

impl std::fmt::Display for AlarmKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored name (kind, state, resolution) this build does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName(pub String);

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown name {:?}", self.0)
    }
}

impl std::error::Error for UnknownName {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_and_are_the_stored_ones() {
        let names: Vec<&str> = AlarmKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["offline", "no_picture", "frozen", "video_loss", "motion", "recording", "onvif"]);
        for kind in AlarmKind::ALL {
            assert_eq!(kind.as_str().parse::<AlarmKind>(), Ok(kind));
        }
        assert_eq!("Offline".parse::<AlarmKind>(), Err(UnknownName("Offline".into())));
    }

    #[test]
    fn fault_names_round_trip() {
        for fault in RecordingFault::ALL {
            assert_eq!(fault.as_str().parse::<RecordingFault>(), Ok(fault));
        }
        assert!("disk".parse::<RecordingFault>().is_err());
    }

    #[test]
    fn only_motion_and_onvif_are_not_technical() {
        let events: Vec<AlarmKind> = AlarmKind::ALL.into_iter().filter(|k| !k.is_technical()).collect();
        assert_eq!(events, [AlarmKind::Motion, AlarmKind::Onvif]);
    }

    #[test]
    fn fact_names_its_camera() {
        assert_eq!(Fact::Frames { camera: "cam01".into() }.camera(), Some("cam01"));
        let disk = Fact::Recording { camera: None, fault: RecordingFault::DiskFull, active: true };
        assert_eq!(disk.camera(), None);
    }
}
