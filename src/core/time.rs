//! Time helpers with units in their names. Everything stored is UTC; views convert to the site's zone.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Nanoseconds between 1900-01-01 (the NTP epoch) and 1970-01-01 (the Unix epoch).
pub const NTP_UNIX_OFFSET_NS: u64 = 2_208_988_800 * 1_000_000_000;

/// Wall-clock now as nanoseconds since the Unix epoch.
pub fn unix_now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_nanos() as u64
}

/// Ticks per second of the 90 kHz clock every stored time uses (`*_90k`).
pub const TICKS_PER_S: i64 = 90_000;

/// ns since the epoch → 90 kHz ticks since the epoch.
pub fn ns_to_90k(ns: u64) -> i64 {
    (i128::from(ns) * 9 / 100_000) as i64
}

/// 90 kHz ticks since the epoch → ns since the epoch (0 before the epoch).
pub fn ns_from_90k(t_90k: i64) -> u64 {
    (t_90k.max(0) as u64) * 100_000 / 9
}

/// Wall-clock now, 90 kHz ticks since the Unix epoch.
pub fn now_90k() -> i64 {
    ns_to_90k(unix_now_ns())
}

/// Where "now" comes from: the system clock, or a fixed instant (tests and snapshot images that
/// must not change with the time of day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    #[default]
    System,
    /// Always this instant, ns since the Unix epoch.
    Fixed(u64),
}

impl Clock {
    pub fn now_unix_ns(self) -> u64 {
        match self {
            Clock::System => unix_now_ns(),
            Clock::Fixed(ns) => ns,
        }
    }

    pub fn now_90k(self) -> i64 {
        ns_to_90k(self.now_unix_ns())
    }
}

/// Converts an NTP timestamp (nanoseconds since 1900) to nanoseconds since the Unix epoch.
pub fn unix_ns_from_ntp_ns(ntp_ns: u64) -> Option<u64> {
    ntp_ns.checked_sub(NTP_UNIX_OFFSET_NS)
}

/// Exponential backoff: starts at `initial`, doubles on each failure up to `max`, resets on success.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max: max.max(initial), next: initial }
    }

    /// The delay to wait now; the following call returns twice as much (capped).
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// Called when a connection succeeded: the next failure waits `initial` again.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

impl Default for Backoff {
    /// 1 s doubling to 30 s: the reconnect policy for cameras.
    fn default() -> Self {
        Self::new(Duration::from_secs(1), Duration::from_secs(30))
    }
}

/// Percentile (0..=100) of a sample by nearest rank; `None` for an empty sample.
pub fn percentile(samples: &[f64], pct: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Why a typed date and time could not be read (the view says it in the officer's language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTimeError {
    /// Not `dd/mm/yyyy hh:mm:ss` (nor one of the shorter forms).
    Format,
    /// A time that does not exist in the zone (a clock change skipped it).
    NoSuchTime,
}

/// An instant typed in the site's zone, UTC 90 kHz: `dd/mm/yyyy hh:mm:ss`, `dd/mm/yyyy hh:mm`,
/// `dd/mm/yyyy` (midnight), or `hh:mm:ss` / `hh:mm` (today, as `now_90k` is in that zone).
/// `-`, `.` and `T` are taken for the separators people also type.
pub fn parse_local_instant(text: &str, tz: chrono_tz::Tz, now_90k: i64) -> Result<i64, LocalTimeError> {
    use chrono::TimeZone;
    let text = text.trim().replace(['-', '.'], "/").replace('T', " ");
    let mut words = text.split_whitespace();
    let (first, second) = (words.next().ok_or(LocalTimeError::Format)?, words.next());
    if words.next().is_some() {
        return Err(LocalTimeError::Format);
    }
    let time_of = |t: &str| {
        chrono::NaiveTime::parse_from_str(t, "%H:%M:%S")
            .or_else(|_| chrono::NaiveTime::parse_from_str(t, "%H:%M"))
            .map_err(|_| LocalTimeError::Format)
    };
    let date_of = |d: &str| chrono::NaiveDate::parse_from_str(d, "%d/%m/%Y").map_err(|_| LocalTimeError::Format);
    let local = match second {
        Some(t) => date_of(first)?.and_time(time_of(t)?),
        None if first.contains('/') => date_of(first)?.and_time(chrono::NaiveTime::MIN),
        None => {
            let today = chrono::DateTime::from_timestamp(now_90k.div_euclid(TICKS_PER_S), 0)
                .ok_or(LocalTimeError::Format)?
                .with_timezone(&tz)
                .date_naive();
            today.and_time(time_of(first)?)
        }
    };
    let at = tz.from_local_datetime(&local).earliest().ok_or(LocalTimeError::NoSuchTime)?;
    Ok(at.timestamp() * TICKS_PER_S)
}

/// `dd/mm/yyyy hh:mm:ss.ff` in the zone: the hundredths tell frames apart (a 25 fps camera's
/// frames are 4 apart).
pub fn local_date_time_hundredths(t_90k: i64, tz: chrono_tz::Tz) -> String {
    let secs = t_90k.div_euclid(TICKS_PER_S);
    let hundredths = t_90k.rem_euclid(TICKS_PER_S) / 900;
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| format!("{}.{hundredths:02}", d.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_cap_and_resets() {
        let mut b = Backoff::default();
        let secs: Vec<u64> = (0..7).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 30, 30]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn percentile_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn ntp_conversion() {
        assert_eq!(unix_ns_from_ntp_ns(NTP_UNIX_OFFSET_NS + 5), Some(5));
        assert_eq!(unix_ns_from_ntp_ns(3), None);
    }

    #[test]
    fn a_typed_local_time_is_read_in_the_sites_zone_in_every_form_people_type() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        // 03/12/2026 14:05:30 in Hanoi (UTC+7) is 07:05:30 UTC.
        let want = chrono::DateTime::parse_from_rfc3339("2026-12-03T07:05:30Z").unwrap().timestamp() * TICKS_PER_S;
        let now = want + 3 * 3_600 * TICKS_PER_S;
        for text in ["03/12/2026 14:05:30", " 3/12/2026 14:05:30 ", "03-12-2026 14:05:30", "03.12.2026T14:05:30", "14:05:30"] {
            assert_eq!(parse_local_instant(text, tz, now), Ok(want), "{text}");
        }
        assert_eq!(parse_local_instant("03/12/2026 14:05", tz, now), Ok(want - 30 * TICKS_PER_S));
        assert_eq!(parse_local_instant("03/12/2026", tz, now), Ok(want - (14 * 3_600 + 5 * 60 + 30) * TICKS_PER_S), "midnight");
        // "Today" is the site's day: at 23:30 UTC on 02/12 it is already 03/12 in Hanoi.
        let late_utc = chrono::DateTime::parse_from_rfc3339("2026-12-02T23:30:00Z").unwrap().timestamp() * TICKS_PER_S;
        assert_eq!(parse_local_instant("14:05:30", tz, late_utc), Ok(want));
        for bad in ["", "hôm qua", "32/12/2026 10:00:00", "03/12/2026 25:00", "03/12/26x", "03/12/2026 10:00 extra"] {
            assert_eq!(parse_local_instant(bad, tz, now), Err(LocalTimeError::Format), "{bad:?}");
        }
    }

    #[test]
    fn hundredths_tell_the_frames_of_a_second_apart() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let t = chrono::DateTime::parse_from_rfc3339("2026-12-03T07:05:30Z").unwrap().timestamp() * TICKS_PER_S;
        assert_eq!(local_date_time_hundredths(t, tz), "03/12/2026 14:05:30.00");
        assert_eq!(local_date_time_hundredths(t + 3_600, tz), "03/12/2026 14:05:30.04");
        assert_eq!(local_date_time_hundredths(t + 24 * 3_600, tz), "03/12/2026 14:05:30.96");
    }
}
