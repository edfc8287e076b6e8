//! `manifest.json` of an export, and `verify-export`: re-hash every file and report changes.

use crate::core::time::Time90k;
use std::path::{Path, PathBuf};

use chrono::TimeZone;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ExportRequest;
use super::mp4::hex;
use crate::record::TICKS_PER_S;

pub const MANIFEST_FILE: &str = "manifest.json";
/// The printable one-page summary (derived from the manifest and naming its hash; not evidence
/// itself, so not listed or hashed in the manifest, and not "unlisted" to `verify`).
pub const SUMMARY_FILE: &str = "tom-tat.html";
pub const FORMAT: &str = "vigil-export-1";

/// An instant in both clocks the reader needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoveredRange {
    /// RFC 3339, UTC.
    pub from_utc: String,
    pub to_utc: String,
    /// dd/mm/yyyy hh:mm:ss.fff in the site's time zone.
    pub from_local: String,
    pub to_local: String,
    /// Exact values, 90 kHz units since 1970-01-01 UTC.
    pub from_90k: Time90k,
    pub to_90k: Time90k,
}

impl CoveredRange {
    pub fn new(from_90k: Time90k, to_90k: Time90k, tz: chrono_tz::Tz) -> Self {
        Self {
            from_utc: utc_text(from_90k),
            to_utc: utc_text(to_90k),
            from_local: local_text(from_90k, tz),
            to_local: local_text(to_90k, tz),
            from_90k,
            to_90k,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedFile {
    /// File name inside the export folder.
    pub file: String,
    pub camera_id: String,
    pub camera_name: String,
    /// What the file really covers: from its first keyframe to the end of its last frame.
    pub covered: CoveredRange,
    pub frames: u64,
    pub duration_s: f64,
    pub bytes: u64,
    pub sha256: String,
    pub codec: String,
    pub width: u32,
    pub height: u32,
    /// Camera name and local time burned into the pictures: re-encoded, not the recorded bytes.
    #[serde(default)]
    pub burned_in: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// "vigil 0.1.0".
    pub app: String,
    pub site_name: String,
    pub timezone: String,
    pub exported_by: String,
    /// The case (vụ việc) number the officer gave; empty if none.
    #[serde(default)]
    pub case_number: String,
    pub exported_at_utc: String,
    pub exported_at_local: String,
    pub requested: CoveredRange,
    pub files: Vec<ExportedFile>,
    /// Cameras asked for that have no recording in the range.
    pub cameras_without_recording: Vec<String>,
    /// PNG pictures of chosen instants.
    #[serde(default)]
    pub snapshots: Vec<SnapshotFile>,
}

/// A picture of one camera's frame at a chosen instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotFile {
    pub file: String,
    pub camera_id: String,
    pub camera_name: String,
    /// The instant asked for, RFC 3339 UTC.
    pub requested_utc: String,
    /// The frame shown at that instant (the last frame starting at or before it).
    pub shown: CoveredRange,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn new(site_name: &str, tz: chrono_tz::Tz, request: &ExportRequest, files: Vec<ExportedFile>, missing: Vec<String>) -> Self {
        let now_90k = crate::core::time::now_90k();
        Self {
            format: FORMAT.into(),
            app: format!("vigil {}", env!("CARGO_PKG_VERSION")),
            site_name: site_name.into(),
            timezone: tz.name().into(),
            exported_by: request.exported_by.clone(),
            case_number: request.case_number.trim().to_string(),
            exported_at_utc: utc_text(now_90k),
            exported_at_local: local_text(now_90k, tz),
            requested: CoveredRange::new(request.from_90k, request.to_90k, tz),
            files,
            cameras_without_recording: missing,
            snapshots: Vec::new(),
        }
    }
}

fn datetime_utc(t_90k: Time90k) -> chrono::DateTime<chrono::Utc> {
    let secs = t_90k.unix_secs();
    let nanos = (t_90k.0.rem_euclid(TICKS_PER_S) * 1_000_000_000 / TICKS_PER_S) as u32;
    chrono::Utc.timestamp_opt(secs, nanos).single().unwrap_or_default()
}

/// RFC 3339 in UTC with milliseconds.
pub fn utc_text(t_90k: Time90k) -> String {
    datetime_utc(t_90k).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// dd/mm/yyyy hh:mm:ss.fff in `tz`.
pub fn local_text(t_90k: Time90k, tz: chrono_tz::Tz) -> String {
    datetime_utc(t_90k).with_timezone(&tz).format("%d/%m/%Y %H:%M:%S%.3f").to_string()
}

/// yyyymmdd-hhmmss.mmm in `tz`, for picture file names.
pub fn file_stamp_ms(t_90k: Time90k, tz: chrono_tz::Tz) -> String {
    datetime_utc(t_90k).with_timezone(&tz).format("%Y%m%d-%H%M%S%.3f").to_string()
}

/// yyyymmdd-hhmmss in `tz`, for file names.
pub fn file_stamp(t_90k: Time90k, tz: chrono_tz::Tz) -> String {
    datetime_utc(t_90k).with_timezone(&tz).format("%Y%m%d-%H%M%S").to_string()
}

/// What `verify-export` found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// SHA-256 of manifest.json itself. The manifest lists every file's hash, but whoever can
    /// change a clip can also rewrite the manifest: this hash, written down with the case file
    /// when the export was made, is what proves the manifest is the original.
    pub manifest_sha256: String,
    pub ok: Vec<String>,
    /// Listed files whose bytes changed.
    pub changed: Vec<String>,
    pub missing: Vec<String>,
    /// Files in the folder the manifest does not list.
    pub unlisted: Vec<String>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.unlisted.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a Vigil export manifest: {message}")]
    Manifest { path: PathBuf, message: String },
}

/// Lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of an export folder's manifest.json (see [`VerifyReport::manifest_sha256`]).
pub fn manifest_sha256(dir: &Path) -> std::io::Result<String> {
    sha256_file(&dir.join(MANIFEST_FILE))
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hex(&hash.finalize()))
}

/// Re-hashes every file the manifest lists and looks for files it does not list.
pub fn verify(dir: &Path) -> Result<(Manifest, VerifyReport), VerifyError> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read(&path).map_err(|source| VerifyError::Io { path: path.clone(), source })?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| VerifyError::Manifest { path: path.clone(), message: e.to_string() })?;
    if manifest.format != FORMAT {
        return Err(VerifyError::Manifest { path, message: format!("format {:?}", manifest.format) });
    }
    let mut report = VerifyReport { manifest_sha256: sha256_hex(&text), ..VerifyReport::default() };
    let listed_files = manifest.files.iter().map(|f| (&f.file, &f.sha256)).chain(manifest.snapshots.iter().map(|s| (&s.file, &s.sha256)));
    for (file, sha) in listed_files {
        match sha256_file(&dir.join(file)) {
            Ok(h) if h == *sha => report.ok.push(file.clone()),
            Ok(_) => report.changed.push(file.clone()),
            Err(_) => report.missing.push(file.clone()),
        }
    }
    let listed: std::collections::HashSet<&str> =
        manifest.files.iter().map(|f| f.file.as_str()).chain(manifest.snapshots.iter().map(|s| s.file.as_str())).collect();
    for entry in std::fs::read_dir(dir).map_err(|source| VerifyError::Io { path: dir.to_path_buf(), source })?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != MANIFEST_FILE && name != SUMMARY_FILE && !listed.contains(name.as_str()) {
            report.unlisted.push(name);
        }
    }
    report.unlisted.sort();
    Ok((manifest, report))
}
