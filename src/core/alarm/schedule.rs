//! Arming schedules: when a camera's motion alarm is armed, as windows of wall-clock time in the
//! site's zone (`chrono_tz::Tz`). Text form, as stored in the rules and typed in the GUI:
//!
//! ```text
//! always | never | window ("," window)*
//! window := [days " "] HH:MM "-" HH:MM        days := daily | mon | mon-fri | fri-mon …
//! ```
//!
//! A window is half-open, `[start, end)`: "22:00-05:00" is armed at 22:00:00 and no longer at
//! 05:00:00. A window whose end is not after its start spans midnight and belongs to the day it
//! starts on ("fri 22:00-05:00" runs from Friday evening into Saturday morning). "24:00" may end
//! a window. Times are wall-clock times: on a DST change an hour that does not exist is never
//! armed and an hour that happens twice is armed twice, as a person reading the clock expects.

use chrono::{Datelike, Timelike};

use crate::core::time::Time90k;

const SECS_PER_DAY: u32 = 24 * 3_600;
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const EVERY_DAY: u8 = 0b111_1111;

/// When an alarm is armed: a union of weekly windows. Serialised as its text form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Schedule {
    windows: Vec<Window>,
}

/// One window: on the days in `days` (bit 0 Monday … bit 6 Sunday), from `start_s` to `end_s`
/// seconds after local midnight (`end_s` may be 24 h); `end_s < start_s` spans midnight into the
/// next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    days: u8,
    start_s: u32,
    end_s: u32,
}

impl Window {
    /// Whether local weekday `day` (0 = Monday) at `secs` after midnight lies in the window.
    fn covers(self, day: u32, secs: u32) -> bool {
        let on = |d: u32| self.days & (1 << d) != 0;
        if self.start_s < self.end_s {
            on(day) && (self.start_s..self.end_s).contains(&secs)
        } else {
            (on(day) && secs >= self.start_s) || (on((day + 6) % 7) && secs < self.end_s)
        }
    }
}

impl Schedule {
    /// Armed all the time.
    pub fn always() -> Self {
        Schedule { windows: vec![Window { days: EVERY_DAY, start_s: 0, end_s: SECS_PER_DAY }] }
    }

    /// Never armed.
    pub fn never() -> Self {
        Schedule { windows: Vec::new() }
    }

    /// Parses the text form (see the module comment), e.g. `"22:00-05:00"` or
    /// `"mon-fri 18:00-07:00, sat 00:00-24:00, sun 00:00-24:00"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        match text.to_ascii_lowercase().as_str() {
            "always" => return Ok(Schedule::always()),
            "never" => return Ok(Schedule::never()),
            "" => return Err("empty schedule: write \"always\", \"never\" or a window like \"22:00-05:00\"".into()),
            _ => {}
        }
        let windows = text.split(',').map(parse_window).collect::<Result<Vec<_>, _>>()?;
        Ok(Schedule { windows })
    }

    /// Whether the schedule is armed at `at`, read on the wall clock of `tz`.
    pub fn is_armed(&self, at: Time90k, tz: chrono_tz::Tz) -> bool {
        let Some(utc) = chrono::DateTime::from_timestamp(at.unix_secs(), 0) else {
            return false;
        };
        let local = utc.with_timezone(&tz);
        let day = local.weekday().num_days_from_monday();
        let secs = local.num_seconds_from_midnight();
        self.windows.iter().any(|w| w.covers(day, secs))
    }

    pub fn is_always(&self) -> bool {
        *self == Schedule::always()
    }

    pub fn is_never(&self) -> bool {
        self.windows.is_empty()
    }
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::always()
    }
}

/// `[days " "] HH:MM "-" HH:MM`; an en dash works as the hyphen.
fn parse_window(text: &str) -> Result<Window, String> {
    let text = text.trim().replace('–', "-");
    let (days, span) = if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let (days, span) = text.split_once(char::is_whitespace).unwrap_or((text.as_str(), ""));
        (parse_days(days)?, span)
    } else {
        (EVERY_DAY, text.as_str())
    };
    let (start, end) = span.split_once('-').ok_or_else(|| format!("window {text:?} must look like \"22:00-05:00\""))?;
    let start_s = parse_clock(start, false)?;
    let end_s = parse_clock(end, true)?;
    if start_s == end_s {
        return Err(format!("window {text:?} is empty (write 00:00-24:00 for a whole day)"));
    }
    Ok(Window { days, start_s, end_s })
}

/// `daily`, a day (`mon`) or a range of days (`mon-fri`, `fri-mon` wraps over the week-end).
fn parse_days(text: &str) -> Result<u8, String> {
    let text = text.to_ascii_lowercase();
    if text == "daily" {
        return Ok(EVERY_DAY);
    }
    let day = |name: &str| {
        DAY_NAMES
            .iter()
            .position(|d| *d == name)
            .ok_or_else(|| format!("unknown day {name:?}: use mon, tue, wed, thu, fri, sat, sun or daily"))
    };
    let (first, last) = match text.split_once('-') {
        Some((a, b)) => (day(a.trim())?, day(b.trim())?),
        None => (day(&text)?, day(&text)?),
    };
    let mut days = 0u8;
    let mut d = first;
    loop {
        days |= 1 << d;
        if d == last {
            return Ok(days);
        }
        d = (d + 1) % 7;
    }
}

/// `HH:MM` → seconds after midnight; `24:00` only where `allow_24` (a window's end).
fn parse_clock(text: &str, allow_24: bool) -> Result<u32, String> {
    let bad = || format!("time {:?} must look like \"22:00\"", text.trim());
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    match (h, m) {
        (24, 0) if allow_24 => Ok(SECS_PER_DAY),
        (0..=23, 0..=59) => Ok(h * 3_600 + m * 60),
        _ => Err(bad()),
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_never() {
            return f.write_str("never");
        }
        if self.is_always() {
            return f.write_str("always");
        }
        for (i, w) in self.windows.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if w.days != EVERY_DAY {
                write_days(f, w.days)?;
                f.write_str(" ")?;
            }
            let (start, end) = (w.start_s, w.end_s);
            write!(f, "{:02}:{:02}-{:02}:{:02}", start / 3_600, start / 60 % 60, end / 3_600, end / 60 % 60)?;
        }
        Ok(())
    }
}

/// Writes a day set as `mon` or `mon-fri` (the first run of consecutive days, wrapping).
fn write_days(f: &mut std::fmt::Formatter<'_>, days: u8) -> std::fmt::Result {
    let on = |d: usize| days & (1 << (d % 7)) != 0;
    let first = (0..7).find(|&d| on(d) && !on(d + 6)).unwrap_or(0);
    let count = (0..7).take_while(|&i| on(first + i)).count();
    if count == 1 { f.write_str(DAY_NAMES[first]) } else { write!(f, "{}-{}", DAY_NAMES[first], DAY_NAMES[(first + count - 1) % 7]) }
}

impl TryFrom<String> for Schedule {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Schedule::parse(&text)
    }
}

impl From<Schedule> for String {
    fn from(s: Schedule) -> String {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::{Asia::Ho_Chi_Minh, Europe::Berlin};

    /// A wall-clock time in `tz` (must exist and be unambiguous).
    fn local(tz: chrono_tz::Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Time90k {
        let t = tz.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("a valid local time");
        Time90k::from_unix_secs(t.timestamp())
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Time90k {
        local(chrono_tz::UTC, y, mo, d, h, mi, s)
    }

    #[test]
    fn night_window_edges_in_saigon() {
        let s = Schedule::parse("22:00-05:00").unwrap();
        let at = |d, h, m, sec| s.is_armed(local(Ho_Chi_Minh, 2026, 12, d, h, m, sec), Ho_Chi_Minh);
        assert!(!at(3, 21, 59, 59));
        assert!(at(3, 22, 0, 0), "exactly 22:00 is armed");
        assert!(at(3, 23, 59, 59));
        assert!(at(4, 0, 0, 0), "across midnight");
        assert!(at(4, 4, 59, 59));
        assert!(!at(4, 5, 0, 0), "exactly 05:00 is not armed");
        assert!(!at(4, 12, 0, 0));
        // 22:00 in Saigon is 15:00 UTC.
        assert!(s.is_armed(utc(2026, 12, 3, 15, 0, 0), Ho_Chi_Minh));
        assert!(!s.is_armed(utc(2026, 12, 3, 15, 0, 0), chrono_tz::UTC));
    }

    #[test]
    fn night_window_across_spring_dst_in_berlin() {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST. Saturday 22:00 CET = 21:00 UTC.
        let s = Schedule::parse("22:00-05:00").unwrap();
        assert!(!s.is_armed(utc(2026, 3, 28, 20, 59, 59), Berlin));
        assert!(s.is_armed(utc(2026, 3, 28, 21, 0, 0), Berlin));
        assert!(s.is_armed(utc(2026, 3, 29, 0, 59, 59), Berlin), "01:59:59 CET");
        assert!(s.is_armed(utc(2026, 3, 29, 1, 0, 0), Berlin), "03:00 CEST");
        assert!(s.is_armed(utc(2026, 3, 29, 2, 59, 59), Berlin), "04:59:59 CEST");
        assert!(!s.is_armed(utc(2026, 3, 29, 3, 0, 0), Berlin), "05:00 CEST");
        let missing_hour = Schedule::parse("02:00-03:00").unwrap();
        assert!(!missing_hour.is_armed(utc(2026, 3, 29, 0, 59, 59), Berlin));
        assert!(!missing_hour.is_armed(utc(2026, 3, 29, 1, 0, 0), Berlin), "02:00-03:00 does not exist that night");
    }

    #[test]
    fn night_window_across_autumn_dst_in_berlin() {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET; 05:00 CET = 04:00 UTC.
        let s = Schedule::parse("22:00-05:00").unwrap();
        assert!(s.is_armed(utc(2026, 10, 24, 20, 0, 0), Berlin), "22:00 CEST");
        assert!(s.is_armed(utc(2026, 10, 25, 3, 59, 59), Berlin), "04:59:59 CET");
        assert!(!s.is_armed(utc(2026, 10, 25, 4, 0, 0), Berlin), "05:00 CET");
        let twice = Schedule::parse("02:00-03:00").unwrap();
        assert!(twice.is_armed(utc(2026, 10, 25, 0, 30, 0), Berlin), "02:30 CEST");
        assert!(twice.is_armed(utc(2026, 10, 25, 1, 30, 0), Berlin), "02:30 CET, the second time");
    }

    #[test]
    fn days_and_several_windows() {
        let s = Schedule::parse("fri 22:00-05:00, sat-sun 12:00-13:00").unwrap();
        let at = |d, h| s.is_armed(local(Ho_Chi_Minh, 2026, 12, d, h, 0, 0), Ho_Chi_Minh);
        // 2026-12-04 is a Friday.
        assert!(at(4, 23) && at(5, 4), "Friday night into Saturday");
        assert!(!at(4, 4), "Friday early morning belongs to Thursday's night");
        assert!(!at(6, 4), "no Saturday night window");
        assert!(at(5, 12) && at(6, 12) && !at(7, 12), "week-end noon only");
        let weekend = Schedule::parse("fri-mon 00:00-24:00").unwrap();
        assert!(weekend.is_armed(local(Ho_Chi_Minh, 2026, 12, 7, 9, 0, 0), Ho_Chi_Minh), "Monday");
        assert!(!weekend.is_armed(local(Ho_Chi_Minh, 2026, 12, 8, 9, 0, 0), Ho_Chi_Minh), "Tuesday");
    }

    #[test]
    fn always_and_never() {
        let t = utc(2026, 12, 3, 7, 0, 0);
        assert!(Schedule::always().is_armed(t, Berlin));
        assert!(Schedule::parse("00:00-24:00").unwrap().is_always());
        assert!(!Schedule::never().is_armed(t, Berlin));
        assert!(Schedule::parse(" Never ").unwrap().is_never());
        assert_eq!(Schedule::default(), Schedule::always());
    }

    #[test]
    fn text_round_trips() {
        for text in [
            "always",
            "never",
            "22:00-05:00",
            "mon-fri 18:00-07:00, sat 00:00-24:00",
            "fri-mon 08:30-09:00",
            "sun 23:00-24:00",
            "22:00-00:00",
        ] {
            let s = Schedule::parse(text).unwrap();
            assert_eq!(s.to_string(), text);
            assert_eq!(Schedule::parse(&s.to_string()).unwrap(), s);
        }
        assert_eq!(Schedule::parse("22:00–05:00").unwrap().to_string(), "22:00-05:00", "en dash");
        assert_eq!(Schedule::parse("daily 07:00-08:00").unwrap().to_string(), "07:00-08:00");
        assert_eq!(Schedule::parse("Mon-Fri  22:00 - 05:00").unwrap().to_string(), "mon-fri 22:00-05:00");
    }

    #[test]
    fn bad_text_is_an_error() {
        for text in ["", "22:00", "22-05", "25:00-05:00", "22:00-05:60", "24:00-05:00", "10:00-10:00", "xyz 10:00-11:00", "10:00-11:00,"] {
            assert!(Schedule::parse(text).is_err(), "{text:?}");
        }
    }
}
