//! The message catalog: every text the views show, in Vietnamese (the default) and English.
//! Views never hold strings; they ask for a [`Msg`] in the current [`Lang`]. The `match` makes a
//! missing translation a compile error.

use crate::media::OfflineReason;

pub use crate::core::settings::Lang;
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    Layout,
    AllCameras,
    CamerasLive,
    Live,
    Offline,
    Connecting,
    Stopped,
    LastFrame,
    /// Playing: a tile shows fewer pictures than were recorded (fast, backwards, or catching up).
    ReducedRate,
    ReducedRateShort,
    ReducedRateHelp,
    /// A connected camera whose picture stopped: followed by the time of the last one.
    NoNewPicture,
    NoNewPictureShort,
    Language,
    RemoveFromTile,
    Snapshot,
    SnapshotSaved,
    SnapshotFailed,
    SelectTileFirst,
    SaveLayout,
    LayoutName,
    Delete,
    OpenSecondWindow,
    SecondWindowTitle,
    ReasonInvalidUrl,
    ReasonUnauthorized,
    ReasonNotFound,
    ReasonRefused,
    ReasonTimeout,
    ReasonNoVideo,
    ReasonEnded,
    ReasonUnsupported,
    ReasonOther,
    Recording,
    RecordingNow,
    RecordedElsewhere,
    RecordingOff,
    RecordingStarting,
    DiskFull,
    Today,
    OldestKept,
    RecReasonDiskFull,
    RecReasonNoVideo,
    RecReasonConnecting,
    RecReasonStopped,
    RecReasonOffline,
    FillTile,
    KeepAspect,
    Settings,
    PicturesFolder,
    PlaybackGaps,
    GapsSkip,
    GapsHold,
    RecordPreviews,
    RecordPreviewsHint,
    Apply,
    DataDir,
    Close,
    Timeline,
    GoLive,
    Play,
    Pause,
    FrameBack,
    FrameForward,
    Speed,
    Recorded,
    NoRecording,
    SetIn,
    SetOut,
    BookmarkDots,
    ExportDots,
    Incidents,
    Title,
    Note,
    LockRange,
    Save,
    Cancel,
    Search,
    ExportFolder,
    Exporting,
    ExportDone,
    ManifestHash,
    Files,
    ExportFailed,
    Locked,
    Selection,
    Show,
    Unlock,
    Lock,
    BurnIn,
    Day,
}

impl Msg {
    pub const ALL: [Msg; 88] = [
        Msg::Layout,
        Msg::AllCameras,
        Msg::CamerasLive,
        Msg::Live,
        Msg::Offline,
        Msg::Connecting,
        Msg::Stopped,
        Msg::LastFrame,
        Msg::NoNewPicture,
        Msg::NoNewPictureShort,
        Msg::Language,
        Msg::RemoveFromTile,
        Msg::Snapshot,
        Msg::SnapshotSaved,
        Msg::SnapshotFailed,
        Msg::SelectTileFirst,
        Msg::SaveLayout,
        Msg::LayoutName,
        Msg::Delete,
        Msg::OpenSecondWindow,
        Msg::SecondWindowTitle,
        Msg::ReasonInvalidUrl,
        Msg::ReasonUnauthorized,
        Msg::ReasonNotFound,
        Msg::ReasonRefused,
        Msg::ReasonTimeout,
        Msg::ReasonNoVideo,
        Msg::ReasonEnded,
        Msg::ReasonUnsupported,
        Msg::ReasonOther,
        Msg::Recording,
        Msg::RecordingNow,
        Msg::RecordedElsewhere,
        Msg::RecordingOff,
        Msg::RecordingStarting,
        Msg::DiskFull,
        Msg::Today,
        Msg::OldestKept,
        Msg::RecReasonDiskFull,
        Msg::RecReasonNoVideo,
        Msg::RecReasonConnecting,
        Msg::RecReasonStopped,
        Msg::RecReasonOffline,
        Msg::FillTile,
        Msg::KeepAspect,
        Msg::Settings,
        Msg::PicturesFolder,
        Msg::PlaybackGaps,
        Msg::GapsSkip,
        Msg::GapsHold,
        Msg::RecordPreviews,
        Msg::RecordPreviewsHint,
        Msg::Apply,
        Msg::DataDir,
        Msg::Close,
        Msg::Timeline,
        Msg::GoLive,
        Msg::Play,
        Msg::Pause,
        Msg::FrameBack,
        Msg::FrameForward,
        Msg::Speed,
        Msg::Recorded,
        Msg::NoRecording,
        Msg::SetIn,
        Msg::SetOut,
        Msg::BookmarkDots,
        Msg::ExportDots,
        Msg::Incidents,
        Msg::Title,
        Msg::Note,
        Msg::LockRange,
        Msg::Save,
        Msg::Cancel,
        Msg::Search,
        Msg::ExportFolder,
        Msg::Exporting,
        Msg::ExportDone,
        Msg::ManifestHash,
        Msg::Files,
        Msg::ExportFailed,
        Msg::Locked,
        Msg::Selection,
        Msg::Show,
        Msg::Unlock,
        Msg::Lock,
        Msg::BurnIn,
        Msg::Day,
    ];
}

pub fn tr(lang: Lang, msg: Msg) -> &'static str {
    use Msg::*;
    match lang {
        Lang::Vi => match msg {
            Layout => "Bố cục",
            AllCameras => "Tất cả camera",
            CamerasLive => "camera trực tiếp",
            Live => "TRỰC TIẾP",
            Offline => "MẤT TÍN HIỆU",
            Connecting => "Đang kết nối…",
            Stopped => "Đã dừng",
            LastFrame => "khung hình cuối",
            ReducedRate => "GIẢM KHUNG HÌNH",
            ReducedRateShort => "GIẢM",
            ReducedRateHelp => "Đang phát nhanh hoặc máy không giải mã kịp: chỉ hiện một phần các khung hình đã ghi (hình vẫn theo đúng thời điểm trên dòng thời gian). Tạm dừng hoặc phát chậm hơn để xem từng khung hình.",
            NoNewPicture => "KHÔNG CÓ HÌNH MỚI từ",
            NoNewPictureShort => "không có hình mới",
            Language => "Ngôn ngữ",
            RemoveFromTile => "Gỡ camera khỏi ô",
            Snapshot => "Chụp ảnh (S)",
            SnapshotSaved => "Đã lưu ảnh",
            SnapshotFailed => "Không lưu được ảnh",
            SelectTileFirst => "Chọn một ô camera trước",
            SaveLayout => "Lưu bố cục",
            LayoutName => "Tên bố cục",
            Delete => "Xoá",
            OpenSecondWindow => "Mở tường hình trên cửa sổ mới",
            SecondWindowTitle => "Vigil — màn hình 2",
            ReasonInvalidUrl => "địa chỉ camera sai",
            ReasonUnauthorized => "sai tên đăng nhập hoặc mật khẩu (401)",
            ReasonNotFound => "camera không có luồng này (404)",
            ReasonRefused => "camera từ chối kết nối",
            ReasonTimeout => "camera không trả lời",
            ReasonNoVideo => "không có hình",
            ReasonEnded => "camera đã ngắt luồng",
            ReasonUnsupported => "định dạng video không hỗ trợ",
            ReasonOther => "lỗi",
            Recording => "Ghi hình",
            RecordingNow => "đang ghi",
            RecordedElsewhere => "Đang được ghi bởi tiến trình khác",
            RecordingOff => "Không ghi hình",
            RecordingStarting => "Đang khởi động ghi hình…",
            DiskFull => "ĐẦY Ổ ĐĨA — đã dừng ghi hình",
            Today => "hôm nay",
            OldestKept => "lưu từ",
            RecReasonDiskFull => "đầy ổ đĩa",
            RecReasonNoVideo => "camera không gửi hình",
            RecReasonConnecting => "đang kết nối",
            RecReasonStopped => "đã dừng ghi",
            RecReasonOffline => "camera mất tín hiệu",
            FillTile => "Lấp đầy ô",
            KeepAspect => "Giữ tỉ lệ khung hình",
            Settings => "Cài đặt",
            PicturesFolder => "Thư mục ảnh chụp",
            PlaybackGaps => "Khoảng không ghi hình khi phát lại",
            GapsSkip => "Bỏ qua",
            GapsHold => "Giữ khung hình cuối",
            RecordPreviews => "Ghi thêm luồng phụ (tua nhanh trên bố cục lớn)",
            RecordPreviewsHint => "tốn thêm khoảng 12% dung lượng; áp dụng từ lần ghi hình sau",
            Apply => "Áp dụng",
            DataDir => "Thư mục dữ liệu",
            Close => "Đóng",
            Timeline => "Dòng thời gian",
            GoLive => "Xem trực tiếp",
            Play => "Phát",
            Pause => "Tạm dừng",
            FrameBack => "Khung trước",
            FrameForward => "Khung sau",
            Speed => "Tốc độ",
            Recorded => "GHI HÌNH",
            NoRecording => "KHÔNG CÓ GHI HÌNH",
            SetIn => "Đặt điểm đầu",
            SetOut => "Đặt điểm cuối",
            BookmarkDots => "Đánh dấu…",
            ExportDots => "Trích xuất…",
            Incidents => "Sự việc",
            Title => "Tiêu đề",
            Note => "Ghi chú",
            LockRange => "Khoá, không cho xoá tự động",
            Save => "Lưu",
            Cancel => "Huỷ",
            Search => "Tìm",
            ExportFolder => "Thư mục trích xuất",
            Exporting => "Đang trích xuất",
            ExportDone => "Đã trích xuất",
            ManifestHash => "mã SHA-256 của manifest (ghi vào hồ sơ vụ việc)",
            Files => "tệp",
            ExportFailed => "Trích xuất không được",
            Locked => "đã khoá",
            Selection => "Đoạn chọn",
            Show => "Xem",
            Unlock => "Mở khoá",
            Lock => "Khoá",
            BurnIn => "Ghi tên camera và giờ lên hình (mã hoá lại, chậm hơn)",
            Day => "Ngày",
        },
        Lang::En => match msg {
            Layout => "Layout",
            AllCameras => "All cameras",
            CamerasLive => "cameras live",
            Live => "LIVE",
            Offline => "OFFLINE",
            Connecting => "Connecting…",
            Stopped => "Stopped",
            LastFrame => "last frame",
            ReducedRate => "REDUCED FRAME RATE",
            ReducedRateShort => "REDUCED",
            ReducedRateHelp => "Playing fast, or decoding cannot keep up: only some of the recorded frames are shown (the picture stays at the timeline's instant). Pause or play slower to see every frame.",
            NoNewPicture => "NO NEW PICTURE since",
            NoNewPictureShort => "no new picture",
            Language => "Language",
            RemoveFromTile => "Remove camera from tile",
            Snapshot => "Snapshot (S)",
            SnapshotSaved => "Snapshot saved",
            SnapshotFailed => "Snapshot failed",
            SelectTileFirst => "Select a camera tile first",
            SaveLayout => "Save layout",
            LayoutName => "Layout name",
            Delete => "Delete",
            OpenSecondWindow => "Open wall on new window",
            SecondWindowTitle => "Vigil — second screen",
            ReasonInvalidUrl => "invalid camera address",
            ReasonUnauthorized => "wrong user name or password (401)",
            ReasonNotFound => "the camera has no such stream (404)",
            ReasonRefused => "connection refused",
            ReasonTimeout => "no answer",
            ReasonNoVideo => "no video",
            ReasonEnded => "the camera ended the stream",
            ReasonUnsupported => "unsupported video format",
            ReasonOther => "error",
            Recording => "Recording",
            RecordingNow => "recording",
            RecordedElsewhere => "Recorded by another process",
            RecordingOff => "Not recording",
            RecordingStarting => "Starting the recorder…",
            DiskFull => "DISK FULL — recording stopped",
            Today => "today",
            OldestKept => "kept since",
            RecReasonDiskFull => "disk full",
            RecReasonNoVideo => "no video from the camera",
            RecReasonConnecting => "connecting",
            RecReasonStopped => "recorder stopped",
            RecReasonOffline => "camera offline",
            FillTile => "Fill the tile",
            KeepAspect => "Keep the aspect ratio",
            Settings => "Settings",
            PicturesFolder => "Pictures folder",
            PlaybackGaps => "Gaps in playback",
            GapsSkip => "Skip",
            GapsHold => "Hold the last frame",
            RecordPreviews => "Also record the substream (fast scrubbing on big walls)",
            RecordPreviewsHint => "about 12% more disk; applies when recording next starts",
            Apply => "Apply",
            DataDir => "Data folder",
            Close => "Close",
            Timeline => "Timeline",
            GoLive => "Go live",
            Play => "Play",
            Pause => "Pause",
            FrameBack => "Previous frame",
            FrameForward => "Next frame",
            Speed => "Speed",
            Recorded => "RECORDED",
            NoRecording => "NO RECORDING",
            SetIn => "Set in",
            SetOut => "Set out",
            BookmarkDots => "Bookmark…",
            ExportDots => "Export…",
            Incidents => "Incidents",
            Title => "Title",
            Note => "Note",
            LockRange => "Lock from automatic deletion",
            Save => "Save",
            Cancel => "Cancel",
            Search => "Search",
            ExportFolder => "Export folder",
            Exporting => "Exporting",
            ExportDone => "Exported",
            ManifestHash => "manifest SHA-256 (write it in the case file)",
            Files => "file(s)",
            ExportFailed => "Export failed",
            Locked => "locked",
            Selection => "Selection",
            Show => "Show",
            Unlock => "Unlock",
            Lock => "Lock",
            BurnIn => "Burn camera name and time into the picture (re-encodes, slower)",
            Day => "Day",
        },
    }
}

/// An offline reason in the UI's language (details that come from the camera stay as they are).
pub fn reason_text(lang: Lang, reason: &OfflineReason) -> String {
    let (msg, detail) = match reason {
        OfflineReason::InvalidUrl(d) => (Msg::ReasonInvalidUrl, Some(d.as_str())),
        OfflineReason::Unauthorized => (Msg::ReasonUnauthorized, None),
        OfflineReason::NotFound => (Msg::ReasonNotFound, None),
        OfflineReason::ConnectionRefused => (Msg::ReasonRefused, None),
        OfflineReason::Timeout => (Msg::ReasonTimeout, None),
        OfflineReason::NoVideo => (Msg::ReasonNoVideo, None),
        OfflineReason::StreamEnded => (Msg::ReasonEnded, None),
        OfflineReason::UnsupportedCodec(d) => (Msg::ReasonUnsupported, Some(d.as_str())),
        OfflineReason::Other(d) => (Msg::ReasonOther, Some(d.as_str())),
    };
    match detail {
        Some(d) => format!("{}: {d}", tr(lang, msg)),
        None => tr(lang, msg).to_string(),
    }
}

/// A recorder's reason (English, from the recorder) in the UI's language; unknown ones as they are
/// (a camera's offline detail stays in English after the translated "camera offline").
pub fn record_reason_text(lang: Lang, reason: &str) -> String {
    if let Some(detail) = reason.strip_prefix(crate::record::CAMERA_OFFLINE_PREFIX) {
        return format!("{}: {detail}", tr(lang, Msg::RecReasonOffline));
    }
    let msg = match reason {
        "disk full" => Msg::RecReasonDiskFull,
        "no video from the camera" => Msg::RecReasonNoVideo,
        "connecting" => Msg::RecReasonConnecting,
        "recorder stopped" => Msg::RecReasonStopped,
        other => return other.to_string(),
    };
    tr(lang, msg).to_string()
}

/// `hh:mm:ss` of a UTC instant (ns since the Unix epoch) in the site's time zone.
pub fn local_time_hms(unix_ns: u64, tz: Tz) -> String {
    local(unix_ns, tz).format("%H:%M:%S").to_string()
}

/// `dd/mm/yyyy hh:mm:ss` in the site's time zone.
pub fn local_date_time(unix_ns: u64, tz: Tz) -> String {
    local(unix_ns, tz).format("%d/%m/%Y %H:%M:%S").to_string()
}

fn local(unix_ns: u64, tz: Tz) -> chrono::DateTime<Tz> {
    let utc = chrono::DateTime::from_timestamp_nanos(unix_ns as i64);
    utc.with_timezone(&tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_both_languages_and_differs_where_it_should() {
        for msg in Msg::ALL {
            assert!(!tr(Lang::Vi, msg).is_empty() && !tr(Lang::En, msg).is_empty(), "{msg:?}");
        }
        assert_ne!(tr(Lang::Vi, Msg::Live), tr(Lang::En, Msg::Live));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn times_are_local_to_the_site() {
        // 2026-11-28 16:40:12 UTC is 23:40:12 in Hà Nội (UTC+7, no summer time).
        let ns = 1_795_884_012u64 * 1_000_000_000;
        assert_eq!(local_time_hms(ns, chrono_tz::Asia::Ho_Chi_Minh), "23:40:12");
        assert_eq!(local_date_time(ns, chrono_tz::Asia::Ho_Chi_Minh), "28/11/2026 23:40:12");
        assert_eq!(local_time_hms(ns, chrono_tz::UTC), "16:40:12");
    }

    #[test]
    fn reasons_are_translated() {
        assert_eq!(reason_text(Lang::Vi, &OfflineReason::NoVideo), "không có hình");
        assert_eq!(reason_text(Lang::En, &OfflineReason::Other("boom".into())), "error: boom");
        assert_eq!(record_reason_text(Lang::Vi, "camera offline: connection refused"), "camera mất tín hiệu: connection refused");
        assert_eq!(record_reason_text(Lang::Vi, "disk full"), tr(Lang::Vi, Msg::RecReasonDiskFull));
        assert_eq!(record_reason_text(Lang::En, "something new"), "something new");
    }
}
