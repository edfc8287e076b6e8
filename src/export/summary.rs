//! The one-page summary of an export (`tom-tat.html`), to print and file with the case: who
//! exported what, for which case, each file with its SHA-256, and the manifest's own hash that
//! `vigil verify-export --manifest-sha256` checks. Labels in Vietnamese with English beneath
//! (the page may travel beyond the station). Plain HTML with print styles: any browser prints
//! it, offline.

use super::manifest::Manifest;

use crate::core::html::esc;

/// A label in Vietnamese with its English beneath.
fn label(vi: &str, en: &str) -> String {
    format!("{vi}<br><span class=en>{en}</span>")
}

/// The page for `manifest`, whose manifest.json hashes to `manifest_sha256`.
pub fn summary_html(manifest: &Manifest, manifest_sha256: &str) -> String {
    let dash = "—";
    let or_dash = |s: &str| if s.trim().is_empty() { dash.to_string() } else { esc(s) };
    let mut rows = String::new();
    for f in &manifest.files {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}<br><span class=en>{}</span></td><td>{} –<br>{}</td><td class=num>{}</td><td class=num>{:.1}</td><td class=hash>{}</td></tr>\n",
            esc(&f.camera_name),
            esc(&f.file),
            if f.burned_in { "re-encoded with name and time burned in / đã ghi chữ lên hình" } else { "recorded bytes / nguyên bản" },
            esc(&f.covered.from_local),
            esc(&f.covered.to_local),
            f.frames,
            f.duration_s,
            esc(&f.sha256),
        ));
    }
    for s in &manifest.snapshots {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}<br><span class=en>picture / ảnh chụp</span></td><td>{}</td><td class=num>1</td><td class=num>—</td><td class=hash>{}</td></tr>\n",
            esc(&s.camera_name),
            esc(&s.file),
            esc(&s.shown.from_local),
            esc(&s.sha256),
        ));
    }
    let missing = if manifest.cameras_without_recording.is_empty() {
        String::new()
    } else {
        format!(
            "<p>{}: {}</p>\n",
            label("Camera không có bản ghi trong khoảng này", "Cameras with no recording in this range"),
            esc(&manifest.cameras_without_recording.join(", "))
        )
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Trích xuất video · {case_title}</title>
<style>
  body {{ font-family: "Noto Sans", "DejaVu Sans", sans-serif; margin: 2em; color: #000; }}
  h1 {{ font-size: 1.4em; margin-bottom: 0.2em; }}
  table {{ border-collapse: collapse; width: 100%; margin: 1em 0; }}
  th, td {{ border: 1px solid #444; padding: 0.35em 0.5em; text-align: left; vertical-align: top; font-size: 0.9em; }}
  th {{ background: #eee; width: 16em; }}
  .en {{ color: #555; font-size: 0.8em; font-weight: normal; }}
  .num {{ text-align: right; }}
  .hash {{ font-family: "DejaVu Sans Mono", monospace; font-size: 0.75em; word-break: break-all; }}
  .manifest {{ font-family: "DejaVu Sans Mono", monospace; font-size: 1.05em; font-weight: bold; word-break: break-all; border: 2px solid #000; padding: 0.5em; }}
  .sign {{ margin-top: 3em; display: flex; justify-content: space-between; }}
  @media print {{ body {{ margin: 1cm; }} }}
</style>
</head>
<body>
<h1>Biên bản trích xuất dữ liệu video<br><span class=en>Video evidence export</span></h1>
<table>
<tr><th>{l_site}</th><td>{site}</td></tr>
<tr><th>{l_case}</th><td>{case}</td></tr>
<tr><th>{l_by}</th><td>{by}</td></tr>
<tr><th>{l_at}</th><td>{at_local} ({tz})<br><span class=en>{at_utc} UTC</span></td></tr>
<tr><th>{l_range}</th><td>{from_local} – {to_local} ({tz})<br><span class=en>{from_utc} – {to_utc} UTC</span></td></tr>
<tr><th>{l_app}</th><td>{app}</td></tr>
</table>
<table>
<tr><th style="width:auto">{l_camera}</th><th style="width:auto">{l_file}</th><th style="width:auto">{l_covered}</th><th style="width:auto">{l_frames}</th><th style="width:auto">{l_seconds}</th><th style="width:auto">SHA-256</th></tr>
{rows}</table>
{missing}<p>{l_manifest}:</p>
<p class=manifest>{manifest_sha256}</p>
<p>{l_verify}: <code>vigil verify-export &lt;thư mục&gt; --manifest-sha256 {manifest_sha256}</code></p>
<div class=sign><div>{l_officer}<br><br><br>{by}</div><div>{l_witness}<br><br><br></div></div>
</body>
</html>
"#,
        case_title = or_dash(&manifest.case_number),
        l_site = label("Địa điểm", "Site"),
        site = esc(&manifest.site_name),
        l_case = label("Số vụ việc", "Case number"),
        case = or_dash(&manifest.case_number),
        l_by = label("Cán bộ trích xuất", "Exported by"),
        by = or_dash(&manifest.exported_by),
        l_at = label("Thời điểm trích xuất", "Exported at"),
        at_local = esc(&manifest.exported_at_local),
        at_utc = esc(&manifest.exported_at_utc),
        tz = esc(&manifest.timezone),
        l_range = label("Khoảng thời gian yêu cầu", "Requested range"),
        from_local = esc(&manifest.requested.from_local),
        to_local = esc(&manifest.requested.to_local),
        from_utc = esc(&manifest.requested.from_utc),
        to_utc = esc(&manifest.requested.to_utc),
        l_app = label("Phần mềm", "Software"),
        app = esc(&manifest.app),
        l_camera = label("Camera", "Camera"),
        l_file = label("Tệp", "File"),
        l_covered = label("Thời gian có trong tệp", "Covered"),
        l_frames = label("Số khung hình", "Frames"),
        l_seconds = label("Giây", "Seconds"),
        rows = rows,
        missing = missing,
        l_manifest = label(
            "Mã SHA-256 của manifest.json (ghi vào hồ sơ vụ việc: nó chứng minh không tệp nào bị thay đổi)",
            "SHA-256 of manifest.json (write it into the case file: it proves no file was changed)"
        ),
        manifest_sha256 = esc(manifest_sha256),
        l_verify = label("Kiểm tra lại", "To check"),
        l_officer = label("Cán bộ trích xuất (ký, ghi rõ họ tên)", "Exporting officer (signature, name)"),
        l_witness = label("Người chứng kiến (ký, ghi rõ họ tên)", "Witness (signature, name)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_officer_is_escaped() {
        assert_eq!(esc(r#"<b>"Vụ" & 'án'</b>"#), "&lt;b&gt;&quot;Vụ&quot; &amp; &#39;án&#39;&lt;/b&gt;");
    }
}
