//! The shift report (`vigil alarm report`): every alarm raised in a period with its times, who
//! acknowledged it, how it was closed and the notes, as one printable HTML page. Labels in
//! Vietnamese with English beneath, times in the site's zone. Plain HTML with print styles: any
//! browser prints it, offline.

use crate::core::alarm::{AlarmKind, AlarmState, Resolution};
use crate::core::time::Time90k;
use crate::store::alarms::{AlarmEvent, AlarmRow};

use crate::core::html::esc;

/// (Vietnamese, English) name of a kind of alarm.
pub fn kind_names(kind: AlarmKind) -> (&'static str, &'static str) {
    match kind {
        AlarmKind::Offline => ("Mất tín hiệu", "Camera offline"),
        AlarmKind::NoPicture => ("Không có hình", "No picture"),
        AlarmKind::Frozen => ("Hình bị đứng", "Frozen picture"),
        AlarmKind::VideoLoss => ("Mất hình / bị che", "Video loss / covered"),
        AlarmKind::Motion => ("Chuyển động", "Motion"),
        AlarmKind::Recording => ("Lỗi ghi hình", "Recording fault"),
        AlarmKind::Onvif => ("Sự kiện camera", "Camera event"),
    }
}

fn state_names(state: &AlarmState) -> (&'static str, &'static str) {
    match state {
        AlarmState::New => ("Mới", "New"),
        AlarmState::Acknowledged { .. } => ("Đã xác nhận", "Acknowledged"),
        AlarmState::OnHold { .. } => ("Tạm hoãn", "On hold"),
        AlarmState::Closed { resolution, .. } => match resolution {
            Resolution::Incident => ("Đóng: có vụ việc", "Closed: incident"),
            Resolution::FalseAlarm => ("Đóng: báo nhầm", "Closed: false alarm"),
            Resolution::Technical => ("Đóng: lỗi kỹ thuật", "Closed: technical"),
            Resolution::Test => ("Đóng: thử nghiệm", "Closed: test"),
            Resolution::AutoClosed => ("Tự đóng", "Closed by itself"),
        },
    }
}

/// One alarm of the report: the row, the camera's name, and its history.
pub struct ReportLine<'a> {
    pub row: &'a AlarmRow,
    pub camera_name: String,
    pub events: Vec<AlarmEvent>,
}

/// The page for the period [from, to) of site `site_name`.
pub fn report_html(site_name: &str, from_90k: Time90k, to_90k: Time90k, lines: &[ReportLine<'_>], tz: chrono_tz::Tz) -> String {
    let local = |t: Time90k| {
        chrono::DateTime::from_timestamp(t.unix_secs(), 0)
            .map(|d| d.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    let mut rows = String::new();
    for line in lines {
        let a = &line.row.alarm;
        let (kind_vi, kind_en) = kind_names(a.kind);
        let (state_vi, state_en) = state_names(&a.state);
        let acknowledged = match &line.row.acknowledged {
            Some((by, at)) => format!("{}<br>{}", esc(by), local(*at)),
            None => "—".to_string(),
        };
        let notes: Vec<String> = line
            .events
            .iter()
            .filter(|e| !e.by.is_empty() && !e.note.trim().is_empty())
            .map(|e| format!("{} {}: {}", local(e.at_90k), esc(&e.by), esc(&e.note)))
            .collect();
        rows.push_str(&format!(
            "<tr{}><td class=num>{}</td><td>{kind_vi}<br><span class=en>{kind_en}</span>{}</td><td>{}</td><td class=num>{}</td>\
             <td>{}</td><td>{}</td><td class=num>{}</td><td>{acknowledged}</td><td>{state_vi}<br><span class=en>{state_en}</span>{}</td><td>{}</td></tr>\n",
            if a.escalated { " class=escalated" } else { "" },
            a.id,
            if a.detail.is_empty() { String::new() } else { format!("<br><span class=en>{}</span>", esc(&a.detail)) },
            esc(&line.camera_name),
            a.priority.level(),
            local(a.opened_at),
            a.cleared_at.map_or("—".to_string(), local),
            a.count,
            if a.escalated { "<br><b>báo lại / escalated</b>" } else { "" },
            if notes.is_empty() { "—".to_string() } else { notes.join("<br>") },
        ));
    }
    if lines.is_empty() {
        rows.push_str("<tr><td colspan=10>Không có cảnh báo trong ca này.<br><span class=en>No alarms in this shift.</span></td></tr>\n");
    }
    let open = lines.iter().filter(|l| l.row.alarm.is_open()).count();
    format!(
        r#"<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Báo cáo ca trực — {site}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #111; }}
h1 {{ font-size: 1.5em; margin-bottom: 0.2em; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9em; }}
th, td {{ border: 1px solid #999; padding: 4px 6px; vertical-align: top; text-align: left; }}
th {{ background: #eee; }}
.en {{ color: #555; font-size: 0.85em; }}
.num {{ text-align: right; }}
tr.escalated td {{ background: #fff0f0; }}
@media print {{ body {{ margin: 1cm; }} }}
</style></head><body>
<h1>Báo cáo ca trực <span class=en>Shift report</span></h1>
<p>{site}<br>Từ <b>{from}</b> đến <b>{to}</b> <span class=en>(from / to, local time)</span><br>
{count} cảnh báo, {open} chưa đóng <span class=en>({count} alarms, {open} still open)</span></p>
<table>
<tr><th>Số<br><span class=en>No.</span></th><th>Loại<br><span class=en>Kind</span></th><th>Camera</th><th>Mức<br><span class=en>Priority</span></th>
<th>Lúc báo<br><span class=en>Raised</span></th><th>Hết lúc<br><span class=en>Cleared</span></th><th>Lần<br><span class=en>Count</span></th>
<th>Xác nhận<br><span class=en>Acknowledged</span></th><th>Trạng thái<br><span class=en>State</span></th><th>Ghi chú<br><span class=en>Notes</span></th></tr>
{rows}</table>
</body></html>
"#,
        site = esc(site_name),
        from = local(from_90k),
        to = local(to_90k),
        count = lines.len(),
    )
}
