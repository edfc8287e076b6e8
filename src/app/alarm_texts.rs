//! The alarm room's part of the message catalog (Vietnamese first, English): kinds, states,
//! resolutions and the panel's words. A missing translation is a compile error, as in `i18n`.

use super::i18n::Lang;
use crate::core::alarm::{AlarmKind, AlarmState, Resolution};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmMsg {
    /// The top bar's button and the panel's title.
    Alarms,
    NoOpenAlarms,
    Acknowledge,
    Hold,
    Close,
    /// Show the camera and play back from just before the alarm.
    Review,
    Note,
    /// "Closing as:" before the resolutions.
    CloseAs,
    /// "since 23:40:12".
    Since,
    /// "3 times".
    Times,
    Cleared,
    Escalated,
    /// The whole recorder (a disk fault), where a camera would be named.
    Recorder,
    /// Why the panel cannot act (no data dir).
    NoStore,
    ActionFailed,
    /// Silence the chime for 15 minutes.
    Mute,
    /// "Sound muted" (with the minutes left).
    Muted,
    Unmute,
    Minutes,
    /// A filter's "all".
    All,
    Priority,
    /// Before the filters: "Show:".
    Show,
}

pub fn tr_alarm(lang: Lang, msg: AlarmMsg) -> &'static str {
    use AlarmMsg::*;
    match lang {
        Lang::Vi => match msg {
            Alarms => "Cảnh báo",
            NoOpenAlarms => "Không có cảnh báo nào đang mở.",
            Acknowledge => "Xác nhận",
            Hold => "Tạm hoãn",
            Close => "Đóng",
            Review => "Xem lại",
            Note => "Ghi chú",
            CloseAs => "Đóng với kết luận:",
            Since => "từ",
            Times => "lần",
            Cleared => "đã hết",
            Escalated => "BÁO LẠI",
            Recorder => "Máy ghi hình",
            NoStore => "Không có thư mục dữ liệu: không lưu được cảnh báo.",
            ActionFailed => "Không thực hiện được",
            Mute => "Tắt tiếng 15 phút",
            Muted => "Đã tắt tiếng chuông",
            Unmute => "Bật lại tiếng",
            Minutes => "phút nữa",
            All => "Tất cả",
            Priority => "Mức",
            Show => "Lọc:",
        },
        Lang::En => match msg {
            Alarms => "Alarms",
            NoOpenAlarms => "No open alarms.",
            Acknowledge => "Acknowledge",
            Hold => "Hold",
            Close => "Close",
            Review => "Review",
            Note => "Note",
            CloseAs => "Close as:",
            Since => "since",
            Times => "times",
            Cleared => "cleared",
            Escalated => "ESCALATED",
            Recorder => "Recorder",
            NoStore => "No data dir: alarms cannot be stored.",
            ActionFailed => "Could not do it",
            Mute => "Mute for 15 minutes",
            Muted => "Chime muted",
            Unmute => "Sound again",
            Minutes => "min left",
            All => "All",
            Priority => "Priority",
            Show => "Show:",
        },
    }
}

pub fn kind_text(lang: Lang, kind: AlarmKind) -> &'static str {
    match (lang, kind) {
        (Lang::Vi, AlarmKind::Offline) => "Mất tín hiệu",
        (Lang::Vi, AlarmKind::NoPicture) => "Không có hình mới",
        (Lang::Vi, AlarmKind::Frozen) => "Hình bị đứng",
        (Lang::Vi, AlarmKind::VideoLoss) => "Mất hình / bị che",
        (Lang::Vi, AlarmKind::Motion) => "Có chuyển động",
        (Lang::Vi, AlarmKind::Recording) => "Lỗi ghi hình",
        (Lang::Vi, AlarmKind::Onvif) => "Sự kiện camera",
        (Lang::En, AlarmKind::Offline) => "Camera offline",
        (Lang::En, AlarmKind::NoPicture) => "No new picture",
        (Lang::En, AlarmKind::Frozen) => "Frozen picture",
        (Lang::En, AlarmKind::VideoLoss) => "Video loss / covered",
        (Lang::En, AlarmKind::Motion) => "Motion",
        (Lang::En, AlarmKind::Recording) => "Recording fault",
        (Lang::En, AlarmKind::Onvif) => "Camera event",
    }
}

pub fn state_text(lang: Lang, state: &AlarmState) -> &'static str {
    match (lang, state) {
        (Lang::Vi, AlarmState::New) => "Mới",
        (Lang::Vi, AlarmState::Acknowledged { .. }) => "Đã xác nhận",
        (Lang::Vi, AlarmState::OnHold { .. }) => "Tạm hoãn",
        (Lang::Vi, AlarmState::Closed { .. }) => "Đã đóng",
        (Lang::En, AlarmState::New) => "New",
        (Lang::En, AlarmState::Acknowledged { .. }) => "Acknowledged",
        (Lang::En, AlarmState::OnHold { .. }) => "On hold",
        (Lang::En, AlarmState::Closed { .. }) => "Closed",
    }
}

/// The resolutions an officer may close with, in the order the panel offers them.
pub const RESOLUTIONS: [Resolution; 4] = [Resolution::Incident, Resolution::FalseAlarm, Resolution::Technical, Resolution::Test];

pub fn resolution_text(lang: Lang, resolution: Resolution) -> &'static str {
    match (lang, resolution) {
        (Lang::Vi, Resolution::Incident) => "Có vụ việc",
        (Lang::Vi, Resolution::FalseAlarm) => "Báo nhầm",
        (Lang::Vi, Resolution::Technical) => "Lỗi kỹ thuật",
        (Lang::Vi, Resolution::Test) => "Thử nghiệm",
        (Lang::Vi, Resolution::AutoClosed) => "Tự đóng",
        (Lang::En, Resolution::Incident) => "Incident",
        (Lang::En, Resolution::FalseAlarm) => "False alarm",
        (Lang::En, Resolution::Technical) => "Technical",
        (Lang::En, Resolution::Test) => "Test",
        (Lang::En, Resolution::AutoClosed) => "Closed by itself",
    }
}
