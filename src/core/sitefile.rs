//! The site as a TOML file (`vigil site import/export`, `assets/sites/demo-town.toml`).
//! Errors name the line and the field, so whoever configures the site can fix the file.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::site::{Camera, Credential, Neighborhood, Rgb, Site, StreamProfile};

/// A site file that could not be read: the line (1-based) and a message naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteFileError {
    #[error("{0}")]
    Syntax(String),
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<LineError>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    site: SiteIn,
    #[serde(default, rename = "neighborhood")]
    neighborhoods: Vec<Spanned<NeighborhoodIn>>,
    #[serde(default, rename = "camera")]
    cameras: Vec<Spanned<CameraIn>>,
    #[serde(default)]
    credentials: Vec<Spanned<CredentialIn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteIn {
    name: Spanned<String>,
    /// Absent: Asia/Ho_Chi_Minh.
    timezone: Option<Spanned<String>>,
}

const DEFAULT_TIMEZONE: &str = "Asia/Ho_Chi_Minh";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NeighborhoodIn {
    id: String,
    name: String,
    colour: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CameraIn {
    id: Spanned<String>,
    name: String,
    neighborhood: Spanned<String>,
    main: Spanned<String>,
    #[serde(default)]
    sub: Option<Spanned<String>>,
    #[serde(default)]
    credentials: Option<Spanned<String>>,
    #[serde(default = "yes")]
    enabled: bool,
    /// "main" (default), "sub" or "off".
    #[serde(default)]
    record: Option<Spanned<String>>,
    #[serde(default)]
    retain_days: Option<u32>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialIn {
    id: String,
    username: String,
    password: String,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Parses and validates a site file. Nothing is returned unless the whole site is valid.
pub fn parse_site_toml(text: &str) -> Result<Site, SiteFileError> {
    let file: FileIn = toml::from_str(text).map_err(|e| SiteFileError::Syntax(e.to_string().trim_end().to_string()))?;
    let mut errors = Vec::new();

    let mut neighborhoods = Vec::new();
    let mut nb_lines = Vec::new();
    for n in &file.neighborhoods {
        let line = line_of(text, n.span().start);
        let n = n.get_ref();
        let colour = match Rgb::parse(n.colour.get_ref()) {
            Ok(c) => c,
            Err(m) => {
                errors.push(LineError { line: line_of(text, n.colour.span().start), message: format!("field `colour`: {m}") });
                Rgb(0x808080)
            }
        };
        neighborhoods.push(Neighborhood { id: n.id.clone(), name: n.name.clone(), colour });
        nb_lines.push(line);
    }
    let mut cameras = Vec::new();
    let mut cam_fields = Vec::new();
    for c in &file.cameras {
        let line = line_of(text, c.span().start);
        let c = c.get_ref();
        let field_line = |field: &str| -> usize {
            match field {
                "id" => line_of(text, c.id.span().start),
                "neighborhood" => line_of(text, c.neighborhood.span().start),
                "main" => line_of(text, c.main.span().start),
                "sub" => c.sub.as_ref().map_or(line, |s| line_of(text, s.span().start)),
                "credentials" => c.credentials.as_ref().map_or(line, |s| line_of(text, s.span().start)),
                _ => line,
            }
        };
        cam_fields.push(["id", "name", "neighborhood", "main", "sub", "credentials"].map(|f| (f, field_line(f))));
        cameras.push(Camera {
            id: c.id.get_ref().clone(),
            name: c.name.clone(),
            neighborhood: c.neighborhood.get_ref().clone(),
            main_url: c.main.get_ref().clone(),
            sub_url: c.sub.as_ref().map(|s| s.get_ref().clone()),
            credential: c.credentials.as_ref().map(|s| s.get_ref().clone()),
            enabled: c.enabled,
            record: match c.record.as_ref().map(|s| s.get_ref().as_str()) {
                None | Some("main") => Some(StreamProfile::Main),
                Some("sub") => Some(StreamProfile::Sub),
                Some("off") => None,
                Some(other) => {
                    let at = c.record.as_ref().map_or(line, |s| line_of(text, s.span().start));
                    errors.push(LineError { line: at, message: format!("field `record`: {other:?} is not \"main\", \"sub\" or \"off\"") });
                    None
                }
            },
            retain_days: c.retain_days,
        });
    }
    let cred_lines: Vec<usize> = file.credentials.iter().map(|c| line_of(text, c.span().start)).collect();
    let credentials = file
        .credentials
        .into_iter()
        .map(|c| {
            let c = c.into_inner();
            Credential { id: c.id, username: c.username, password: c.password }
        })
        .collect();
    let site_lines = [
        ("name", line_of(text, file.site.name.span().start)),
        ("timezone", file.site.timezone.as_ref().map_or(1, |t| line_of(text, t.span().start))),
    ];
    let timezone_text = file.site.timezone.map_or_else(|| DEFAULT_TIMEZONE.to_string(), Spanned::into_inner);
    // Times on screen and in evidence manifests are local: a typo must not fall back silently to
    // some other zone.
    let timezone = match parse_timezone(&timezone_text) {
        Ok(tz) => tz,
        Err(message) => {
            errors.push(LineError { line: site_lines[1].1, message: format!("site: field `timezone`: {message}") });
            chrono_tz::Tz::UTC
        }
    };
    let site = Site { name: file.site.name.into_inner(), timezone, neighborhoods, cameras, credentials };

    if let Err(problems) = site.validate() {
        for p in problems {
            // The item text is "camera #N (...)", "neighborhood #N (...)", "credentials #N (...)" or "site".
            let index = p
                .item
                .split('#')
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse::<usize>().ok())
                .map(|n| n - 1);
            let line = match (p.item.split_whitespace().next(), index) {
                (Some("camera"), Some(i)) => cam_fields[i].iter().find(|(f, _)| *f == p.field).map_or(1, |(_, l)| *l),
                (Some("neighborhood"), Some(i)) => nb_lines[i],
                (Some("credentials"), Some(i)) => cred_lines[i],
                (Some("site"), _) => site_lines.iter().find(|(f, _)| *f == p.field).map_or(1, |(_, l)| *l),
                _ => 1,
            };
            errors.push(LineError { line, message: p.to_string() });
        }
    }
    if errors.is_empty() {
        Ok(site)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(SiteFileError::Invalid(errors))
    }
}

/// An IANA time zone name (e.g. "Asia/Ho_Chi_Minh"); the error says what is wrong in words.
pub fn parse_timezone(text: &str) -> Result<chrono_tz::Tz, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    text.trim().parse().map_err(|_| format!("unknown time zone {text:?} (an IANA name, e.g. \"Asia/Ho_Chi_Minh\")"))
}

#[derive(Serialize)]
struct FileOut<'a> {
    site: SiteOut<'a>,
    neighborhood: Vec<NeighborhoodOut<'a>>,
    camera: Vec<CameraOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    credentials: Vec<CredentialOut<'a>>,
}

#[derive(Serialize)]
struct SiteOut<'a> {
    name: &'a str,
    timezone: &'a str,
}

#[derive(Serialize)]
struct NeighborhoodOut<'a> {
    id: &'a str,
    name: &'a str,
    colour: String,
}

#[derive(Serialize)]
struct CameraOut<'a> {
    id: &'a str,
    name: &'a str,
    neighborhood: &'a str,
    main: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials: Option<&'a str>,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retain_days: Option<u32>,
}

#[derive(Serialize)]
struct CredentialOut<'a> {
    id: &'a str,
    username: &'a str,
    password: &'a str,
}

/// Writes a site as TOML that `parse_site_toml` reads back to an equal site.
pub fn site_to_toml(site: &Site) -> String {
    let out = FileOut {
        site: SiteOut { name: &site.name, timezone: site.timezone.name() },
        neighborhood: site
            .neighborhoods
            .iter()
            .map(|n| NeighborhoodOut { id: &n.id, name: &n.name, colour: n.colour.to_string() })
            .collect(),
        camera: site
            .cameras
            .iter()
            .map(|c| CameraOut {
                id: &c.id,
                name: &c.name,
                neighborhood: &c.neighborhood,
                main: &c.main_url,
                sub: c.sub_url.as_deref(),
                credentials: c.credential.as_deref(),
                enabled: c.enabled,
                record: match c.record {
                    Some(StreamProfile::Main) => None,
                    Some(StreamProfile::Sub) => Some("sub"),
                    None => Some("off"),
                },
                retain_days: c.retain_days,
            })
            .collect(),
        credentials: site.credentials.iter().map(|c| CredentialOut { id: &c.id, username: &c.username, password: &c.password }).collect(),
    };
    // Serialising plain strings, bools and vectors of tables cannot fail.
    toml::to_string_pretty(&out).unwrap_or_default()
}

/// The demo town shipped with Vigil (9 neighborhoods, 35 cameras on the simulator at 127.0.0.1:8554).
pub const DEMO_TOWN_TOML: &str = include_str!("../../assets/sites/demo-town.toml");

/// The demo town with its camera URLs moved to another simulator port.
pub fn demo_town(port: u16) -> Site {
    // The bundled file is checked by a unit test, so parsing it cannot fail at run time.
    let mut site = parse_site_toml(DEMO_TOWN_TOML).unwrap_or_default();
    if port != 8554 {
        for cam in &mut site.cameras {
            cam.main_url = cam.main_url.replace("127.0.0.1:8554", &format!("127.0.0.1:{port}"));
            if let Some(sub) = &mut cam.sub_url {
                *sub = sub.replace("127.0.0.1:8554", &format!("127.0.0.1:{port}"));
            }
        }
    }
    site
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_town_has_35_cameras_in_9_neighborhoods() {
        let site = parse_site_toml(DEMO_TOWN_TOML).expect("demo town parses");
        assert_eq!(site.neighborhoods.len(), 9);
        assert_eq!(site.cameras.len(), 35);
        for (i, n) in site.neighborhoods.iter().enumerate() {
            assert_eq!(n.name, format!("Khu phố {}", i + 1));
            let count = site.cameras_in(&n.id).count();
            assert!((3..=5).contains(&count), "{} has {count} cameras", n.name);
        }
        for c in &site.cameras {
            assert_eq!(c.main_url, format!("rtsp://127.0.0.1:8554/cam/{}/main", c.id));
            assert_eq!(c.sub_url.as_deref(), Some(format!("rtsp://127.0.0.1:8554/cam/{}/sub", c.id).as_str()));
        }
        let moved = demo_town(9000);
        assert!(moved.cameras[0].main_url.starts_with("rtsp://127.0.0.1:9000/"));
    }

    #[test]
    fn round_trip() {
        let mut site = parse_site_toml(DEMO_TOWN_TOML).unwrap();
        site.credentials.push(Credential { id: "hik".into(), username: "admin".into(), password: "p w\"".into() });
        site.cameras[3].credential = Some("hik".into());
        site.cameras[4].enabled = false;
        site.cameras[5].sub_url = None;
        let text = site_to_toml(&site);
        assert_eq!(parse_site_toml(&text).unwrap(), site);
    }

    #[test]
    fn syntax_error_names_the_line() {
        let text = "[site]\nname = \"X\"\n\n[[camera]]\nid = \"a\"\nname = oops\n";
        let err = parse_site_toml(text).unwrap_err().to_string();
        assert!(err.contains("line 6"), "{err}");
    }

    #[test]
    fn missing_field_names_the_field_and_line() {
        let text = "[site]\nname = \"X\"\n[[neighborhood]]\nid = \"kp1\"\nname = \"Khu phố 1\"\ncolour = \"#ffffff\"\n\
                    [[camera]]\nid = \"a\"\nneighborhood = \"kp1\"\nmain = \"rtsp://h/x\"\n";
        let err = parse_site_toml(text).unwrap_err().to_string();
        assert!(err.contains("missing field `name`"), "{err}");
        assert!(err.contains("line 7"), "{err}");
    }

    #[test]
    fn semantic_errors_name_line_and_field() {
        let text = "[site]\nname = \"X\"\n[[neighborhood]]\nid = \"kp1\"\nname = \"Khu phố 1\"\ncolour = \"red\"\n\
                    [[camera]]\nid = \"a\"\nname = \"A\"\nneighborhood = \"kp2\"\nmain = \"rtsp//h/x\"\n";
        let err = parse_site_toml(text).unwrap_err();
        let SiteFileError::Invalid(lines) = &err else { panic!("{err}") };
        let summary: Vec<(usize, bool)> = lines.iter().map(|l| (l.line, l.message.contains("field `"))).collect();
        assert_eq!(summary, vec![(6, true), (10, true), (11, true)], "{err}");
        assert!(lines[1].message.contains("`neighborhood`"), "{err}");
        assert!(lines[2].message.contains("malformed URL"), "{err}");
    }

    #[test]
    fn an_unknown_time_zone_is_refused_on_its_line() {
        let text = "[site]\nname = \"X\"\ntimezone = \"Asia/Hanoi\"\n";
        let err = parse_site_toml(text).unwrap_err();
        let SiteFileError::Invalid(lines) = &err else { panic!("{err}") };
        assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![3], "{err}");
        assert!(lines[0].message.contains("unknown time zone \"Asia/Hanoi\""), "{err}");
        let ok = "[site]\nname = \"X\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n";
        assert!(parse_site_toml(ok).is_ok());
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let text = "[site]\nname = \"X\"\ncolor = 3\n";
        let err = parse_site_toml(text).unwrap_err().to_string();
        assert!(err.contains("unknown field `color`"), "{err}");
    }
}
