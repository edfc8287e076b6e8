//! The site: neighborhoods ("khu phố"), cameras and the credentials they use. Pure data plus
//! validation; storage lives in `store`, the TOML form in `sitefile`.

use std::collections::HashSet;
use std::fmt;

/// A colour as 0xRRGGBB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u32);

impl Rgb {
    /// Parses `#rrggbb`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let hex = s.strip_prefix('#').ok_or_else(|| format!("colour {s:?} must look like \"#rrggbb\""))?;
        if hex.len() != 6 {
            return Err(format!("colour {s:?} must look like \"#rrggbb\""));
        }
        u32::from_str_radix(hex, 16).map(Rgb).map_err(|_| format!("colour {s:?} is not hexadecimal"))
    }

    pub fn rgb(self) -> [u8; 3] {
        [(self.0 >> 16) as u8, (self.0 >> 8) as u8, self.0 as u8]
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:06x}", self.0)
    }
}

/// Which of a camera's streams: the full-resolution main stream or the small substream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreamProfile {
    Main,
    Sub,
}

impl StreamProfile {
    pub const ALL: [StreamProfile; 2] = [StreamProfile::Main, StreamProfile::Sub];

    pub fn as_str(self) -> &'static str {
        match self {
            StreamProfile::Main => "main",
            StreamProfile::Sub => "sub",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "main" => Some(StreamProfile::Main),
            "sub" => Some(StreamProfile::Sub),
            _ => None,
        }
    }
}

impl fmt::Display for StreamProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighborhood {
    /// Stable identifier, `[a-z0-9_-]+`.
    pub id: String,
    /// Display name, e.g. "Khu phố 3".
    pub name: String,
    pub colour: Rgb,
}

/// A user name and password a camera asks for (RTSP basic/digest auth).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: String,
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential").field("id", &self.id).field("username", &self.username).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camera {
    /// Stable identifier, `[a-z0-9_-]+`; also the simulator's mount name.
    pub id: String,
    pub name: String,
    /// Id of the neighborhood the camera stands in.
    pub neighborhood: String,
    /// RTSP URL of the main (full-resolution) stream.
    pub main_url: String,
    /// RTSP URL of the substream, when the camera has one.
    pub sub_url: Option<String>,
    /// Id of the credential to log in with, when the camera needs one.
    pub credential: Option<String>,
    pub enabled: bool,
    /// Which stream the recorder keeps; `None` = not recorded.
    pub record: Option<StreamProfile>,
    /// Keep recordings at most this many days; `None` = until the disk quota needs room.
    pub retain_days: Option<u32>,
}

impl Camera {
    /// The URL of a profile; a camera without a substream serves its main stream for both.
    pub fn url(&self, profile: StreamProfile) -> &str {
        match profile {
            StreamProfile::Main => &self.main_url,
            StreamProfile::Sub => self.sub_url.as_deref().unwrap_or(&self.main_url),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Site {
    pub name: String,
    /// The site's IANA time zone (Asia/Ho_Chi_Minh), parsed once when the site is read: every
    /// local time on screen and in evidence is in it.
    pub timezone: chrono_tz::Tz,
    pub neighborhoods: Vec<Neighborhood>,
    pub cameras: Vec<Camera>,
    pub credentials: Vec<Credential>,
}

/// What is wrong with a site, naming the item and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item}: field `{field}`: {message}")]
pub struct SiteError {
    /// e.g. `camera "cam04"` or `neighborhood #2`.
    pub item: String,
    pub field: &'static str,
    pub message: String,
}

impl Site {
    pub fn camera(&self, id: &str) -> Option<&Camera> {
        self.cameras.iter().find(|c| c.id == id)
    }

    pub fn neighborhood(&self, id: &str) -> Option<&Neighborhood> {
        self.neighborhoods.iter().find(|n| n.id == id)
    }

    pub fn credential(&self, id: &str) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.id == id)
    }

    /// Cameras of one neighborhood, in site order.
    pub fn cameras_in<'a>(&'a self, neighborhood: &'a str) -> impl Iterator<Item = &'a Camera> + 'a {
        self.cameras.iter().filter(move |c| c.neighborhood == neighborhood)
    }

    /// Checks ids, references and URLs; returns every problem found, not just the first.
    pub fn validate(&self) -> Result<(), Vec<SiteError>> {
        let mut errors = Vec::new();
        let err = |item: String, field: &'static str, message: String| SiteError { item, field, message };
        if self.name.trim().is_empty() {
            errors.push(err("site".into(), "name", "must not be empty".into()));
        }
        let mut seen = HashSet::new();
        for (i, n) in self.neighborhoods.iter().enumerate() {
            let item = format!("neighborhood #{} ({:?})", i + 1, n.id);
            check_unique_id(&item, &n.id, &mut seen, &mut errors);
            if n.name.trim().is_empty() {
                errors.push(err(item, "name", "must not be empty".into()));
            }
        }
        let mut seen_cred = HashSet::new();
        for (i, c) in self.credentials.iter().enumerate() {
            let item = format!("credentials #{} ({:?})", i + 1, c.id);
            check_unique_id(&item, &c.id, &mut seen_cred, &mut errors);
            if c.username.is_empty() {
                errors.push(err(item, "username", "must not be empty".into()));
            }
        }
        let mut seen_cam = HashSet::new();
        for (i, c) in self.cameras.iter().enumerate() {
            let item = format!("camera #{} ({:?})", i + 1, c.id);
            check_unique_id(&item, &c.id, &mut seen_cam, &mut errors);
            if c.name.trim().is_empty() {
                errors.push(err(item.clone(), "name", "must not be empty".into()));
            }
            if self.neighborhood(&c.neighborhood).is_none() {
                errors.push(err(item.clone(), "neighborhood", format!("no neighborhood has id {:?}", c.neighborhood)));
            }
            if let Err(m) = validate_rtsp_url(&c.main_url) {
                errors.push(err(item.clone(), "main", m.to_string()));
            }
            if let Some(sub) = &c.sub_url
                && let Err(m) = validate_rtsp_url(sub)
            {
                errors.push(err(item.clone(), "sub", m.to_string()));
            }
            if let Some(cred) = &c.credential
                && self.credential(cred).is_none()
            {
                errors.push(err(item, "credentials", format!("no credentials have id {cred:?}")));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// A valid id not seen before in its kind of item; records a problem otherwise.
fn check_unique_id<'a>(item: &str, id: &'a str, seen: &mut HashSet<&'a str>, errors: &mut Vec<SiteError>) {
    let message = match validate_id(id) {
        Err(m) => m,
        Ok(()) if !seen.insert(id) => "is used twice".into(),
        Ok(()) => return,
    };
    errors.push(SiteError { item: item.to_string(), field: "id", message });
}

/// Ids are short, stable and safe in URLs and file names: `[a-z0-9_-]`, 1–64 characters.
pub fn validate_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 64 {
        return Err("must be 1 to 64 characters".into());
    }
    if !id.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-' || ch == '_') {
        return Err(format!("{id:?} may only contain a-z, 0-9, '-' and '_'"));
    }
    Ok(())
}

/// What is wrong with a camera's URL (the GUI says it in the officer's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not a URL at all (the parser's words).
    Unreadable(String),
    /// Another scheme than rtsp/rtsps/rtspt/rtsph.
    Scheme(String),
    NoHost,
    WhiteSpace,
}

/// A URL Vigil cannot open, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadUrl {
    /// The URL as given, any password replaced by `***` (it is shown on the wall).
    pub url: String,
    pub problem: UrlProblem,
}

impl std::fmt::Display for BadUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = &self.url;
        match &self.problem {
            UrlProblem::Unreadable(e) => write!(f, "malformed URL {url:?}: {e}"),
            UrlProblem::Scheme(other) => write!(f, "malformed URL {url:?}: scheme must be rtsp://, not {other}://"),
            UrlProblem::NoHost => write!(f, "malformed URL {url:?}: no host"),
            UrlProblem::WhiteSpace => write!(f, "malformed URL {url:?}: contains white space"),
        }
    }
}

/// `raw` with the password of its user info (`user:password@`) replaced by `***`.
pub fn redact_url(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://").map(|i| i + 3) else { return raw.to_string() };
    let rest = &raw[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &raw[..scheme_end], &rest[at..])
        }
        None => raw.to_string(),
    }
}

/// An RTSP URL Vigil can open: scheme rtsp/rtsps/rtspt/rtsph, a host, no spaces.
pub fn validate_rtsp_url(raw: &str) -> Result<(), BadUrl> {
    let bad = |problem| BadUrl { url: redact_url(raw), problem };
    let parsed = url::Url::parse(raw).map_err(|e| bad(UrlProblem::Unreadable(e.to_string())))?;
    match parsed.scheme() {
        "rtsp" | "rtsps" | "rtspt" | "rtsph" => {}
        other => return Err(bad(UrlProblem::Scheme(other.to_string()))),
    }
    match parsed.host_str() {
        Some(h) if !h.is_empty() => {}
        _ => return Err(bad(UrlProblem::NoHost)),
    }
    if raw.chars().any(char::is_whitespace) {
        return Err(bad(UrlProblem::WhiteSpace));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_site() -> Site {
        Site {
            name: "Test".into(),
            timezone: chrono_tz::Asia::Ho_Chi_Minh,
            neighborhoods: vec![Neighborhood { id: "kp1".into(), name: "Khu phố 1".into(), colour: Rgb(0xff0000) }],
            cameras: vec![Camera {
                id: "cam01".into(),
                name: "Chợ".into(),
                neighborhood: "kp1".into(),
                main_url: "rtsp://127.0.0.1:8554/cam/cam01/main".into(),
                sub_url: Some("rtsp://127.0.0.1:8554/cam/cam01/sub".into()),
                credential: None,
                enabled: true,
                record: Some(StreamProfile::Main),
                retain_days: None,
            }],
            credentials: vec![],
        }
    }

    #[test]
    fn a_good_site_validates() {
        assert_eq!(small_site().validate(), Ok(()));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut site = small_site();
        site.cameras.push(site.cameras[0].clone());
        site.cameras[0].main_url = "http://x/y".into();
        site.cameras[0].neighborhood = "kp9".into();
        site.cameras[1].credential = Some("nobody".into());
        let errors = site.validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["neighborhood", "main", "id", "credentials"], "{errors:?}");
        assert!(errors[1].message.contains("scheme must be rtsp://"), "{}", errors[1]);
        assert!(errors[2].item.contains("camera #2"), "{}", errors[2]);
    }

    #[test]
    fn urls_are_checked() {
        assert!(validate_rtsp_url("rtsp://10.0.0.5:554/Streaming/Channels/101").is_ok());
        assert!(validate_rtsp_url("rtsp://user:pw@cam.local/live").is_ok());
        assert!(validate_rtsp_url("rtsp//missing-colon").is_err());
        assert!(validate_rtsp_url("rtsp://").is_err());
        assert!(validate_rtsp_url("rtsp://host/a b").is_err());
        assert_eq!(validate_rtsp_url("rtsp://").unwrap_err().problem, UrlProblem::NoHost);
        assert_eq!(validate_rtsp_url("http://cam/x").unwrap_err().problem, UrlProblem::Scheme("http".into()));
        // A password never reaches the wall.
        let e = validate_rtsp_url("rtsp://admin:secret@cam/a b").unwrap_err();
        assert_eq!((e.url.as_str(), &e.problem), ("rtsp://admin:***@cam/a b", &UrlProblem::WhiteSpace));
        assert!(!e.to_string().contains("secret"));
        assert_eq!(redact_url("rtsp://cam.local/live"), "rtsp://cam.local/live");
        assert!(validate_rtsp_url("").is_err());
    }

    #[test]
    fn ids_and_colours() {
        assert!(validate_id("kp-1_a").is_ok());
        assert!(validate_id("Khu Pho").is_err());
        assert!(validate_id("").is_err());
        assert_eq!(Rgb::parse("#0a0B0c"), Ok(Rgb(0x0a0b0c)));
        assert!(Rgb::parse("0a0b0c").is_err());
        assert!(Rgb::parse("#0a0b0").is_err());
        assert_eq!(Rgb(0x0a0b0c).to_string(), "#0a0b0c");
    }

    #[test]
    fn a_camera_without_substream_serves_main_for_both() {
        let mut cam = small_site().cameras.remove(0);
        cam.sub_url = None;
        assert_eq!(cam.url(StreamProfile::Sub), cam.main_url);
    }
}
