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
fn ns_to_90k(ns: u64) -> i64 {
    (i128::from(ns) * 9 / 100_000) as i64
}

/// 90 kHz ticks since the epoch → ns since the epoch (0 before the epoch).
fn ns_from_90k(t_90k: i64) -> u64 {
    (t_90k.max(0) as u64) * 100_000 / 9
}

/// Wall-clock now, 90 kHz ticks since the Unix epoch.
pub fn now_90k() -> Time90k {
    Time90k(ns_to_90k(unix_now_ns()))
}

/// An instant on the 90 kHz clock every stored time uses: ticks since the Unix epoch, UTC.
/// Frame times are the camera's (RTP), anchored to the wall clock per run; see `record::timing`.
/// Stored in SQLite as a plain integer (`store` implements the conversion). `min`, `max` and
/// `clamp` come from `Ord`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Time90k(pub i64);

/// A span of 90 kHz ticks (may be negative: a difference of two instants).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Duration90k(pub i64);

impl Time90k {
    pub const MIN: Time90k = Time90k(i64::MIN);
    pub const MAX: Time90k = Time90k(i64::MAX);

    /// Nanoseconds since the Unix epoch → the 90 kHz instant (rounded down).
    pub fn from_unix_ns(ns: u64) -> Self {
        Time90k(ns_to_90k(ns))
    }

    /// Whole seconds since the Unix epoch.
    pub fn from_unix_secs(secs: i64) -> Self {
        Time90k(secs.saturating_mul(TICKS_PER_S))
    }

    /// Nanoseconds since the Unix epoch (0 before the epoch).
    pub fn unix_ns(self) -> u64 {
        ns_from_90k(self.0)
    }

    /// Whole seconds since the Unix epoch, rounded towards the past.
    pub fn unix_secs(self) -> i64 {
        self.0.div_euclid(TICKS_PER_S)
    }

    /// Seconds since the Unix epoch with the fraction (for views and JSON).
    pub fn unix_secs_f64(self) -> f64 {
        self.0 as f64 / TICKS_PER_S as f64
    }

    /// The wall clock now.
    pub fn now() -> Self {
        now_90k()
    }

    /// Rounded down to a whole multiple of `step` since the epoch (a minute, a millisecond).
    pub fn floor_to(self, step: Duration90k) -> Self {
        Time90k(self.0.div_euclid(step.0.max(1)) * step.0.max(1))
    }
}

impl std::fmt::Display for Time90k {
    /// UTC, RFC 3339 with milliseconds (`2026-12-03T07:05:30.040Z`): for logs and errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nanos = (self.0.rem_euclid(TICKS_PER_S) * 1_000_000_000 / TICKS_PER_S) as u32;
        match chrono::DateTime::from_timestamp(self.unix_secs(), nanos) {
            Some(d) => write!(f, "{}", d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            None => write!(f, "{} (90 kHz)", self.0),
        }
    }
}

impl Duration90k {
    pub const ZERO: Duration90k = Duration90k(0);
    pub const SECOND: Duration90k = Duration90k(TICKS_PER_S);

    pub const fn from_secs(secs: i64) -> Self {
        Duration90k(secs * TICKS_PER_S)
    }

    pub const fn from_millis(ms: i64) -> Self {
        Duration90k(ms * 90)
    }

    /// Seconds with a fraction → ticks (rounded to the nearest tick).
    pub fn from_secs_f64(secs: f64) -> Self {
        Duration90k((secs * TICKS_PER_S as f64).round() as i64)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / TICKS_PER_S as f64
    }

    /// Whole milliseconds, rounded towards zero.
    pub fn as_millis(self) -> i64 {
        self.0 / 90
    }

    /// For `std::time` APIs (timeouts, sleeps); negative spans are zero.
    pub fn to_std(self) -> Duration {
        Duration::from_nanos((self.0.max(0) as u64).saturating_mul(100_000) / 9)
    }

    pub fn from_std(d: Duration) -> Self {
        Duration90k((d.as_nanos().saturating_mul(9) / 100_000).min(i64::MAX as u128) as i64)
    }

    pub fn abs(self) -> Self {
        Duration90k(self.0.abs())
    }

    /// Scaled by a factor (a playback speed, a fraction of a window), rounded to the nearest tick.
    pub fn mul_f64(self, factor: f64) -> Self {
        Duration90k((self.0 as f64 * factor).round() as i64)
    }
}

impl std::ops::Div for Duration90k {
    /// How many times `rhs` fits in `self` (a fraction of a window, a speed).
    type Output = f64;
    fn div(self, rhs: Duration90k) -> f64 {
        self.0 as f64 / rhs.0 as f64
    }
}

impl std::ops::Sub for Time90k {
    type Output = Duration90k;
    fn sub(self, rhs: Time90k) -> Duration90k {
        Duration90k(self.0 - rhs.0)
    }
}

impl std::ops::Add<Duration90k> for Time90k {
    type Output = Time90k;
    fn add(self, rhs: Duration90k) -> Time90k {
        Time90k(self.0 + rhs.0)
    }
}

impl std::ops::Sub<Duration90k> for Time90k {
    type Output = Time90k;
    fn sub(self, rhs: Duration90k) -> Time90k {
        Time90k(self.0 - rhs.0)
    }
}

impl std::ops::AddAssign<Duration90k> for Time90k {
    fn add_assign(&mut self, rhs: Duration90k) {
        self.0 += rhs.0;
    }
}

impl std::ops::SubAssign<Duration90k> for Time90k {
    fn sub_assign(&mut self, rhs: Duration90k) {
        self.0 -= rhs.0;
    }
}

impl std::ops::Add for Duration90k {
    type Output = Duration90k;
    fn add(self, rhs: Duration90k) -> Duration90k {
        Duration90k(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Duration90k {
    type Output = Duration90k;
    fn sub(self, rhs: Duration90k) -> Duration90k {
        Duration90k(self.0 - rhs.0)
    }
}

impl std::ops::AddAssign for Duration90k {
    fn add_assign(&mut self, rhs: Duration90k) {
        self.0 += rhs.0;
    }
}

impl std::ops::SubAssign for Duration90k {
    fn sub_assign(&mut self, rhs: Duration90k) {
        self.0 -= rhs.0;
    }
}

impl std::ops::Neg for Duration90k {
    type Output = Duration90k;
    fn neg(self) -> Duration90k {
        Duration90k(-self.0)
    }
}

impl std::ops::Mul<i64> for Duration90k {
    type Output = Duration90k;
    fn mul(self, rhs: i64) -> Duration90k {
        Duration90k(self.0 * rhs)
    }
}

impl std::ops::Mul<Duration90k> for i64 {
    type Output = Duration90k;
    fn mul(self, rhs: Duration90k) -> Duration90k {
        Duration90k(self * rhs.0)
    }
}

impl std::ops::Div<i64> for Duration90k {
    type Output = Duration90k;
    fn div(self, rhs: i64) -> Duration90k {
        Duration90k(self.0 / rhs)
    }
}

impl std::iter::Sum for Duration90k {
    fn sum<I: Iterator<Item = Duration90k>>(iter: I) -> Duration90k {
        Duration90k(iter.map(|d| d.0).sum())
    }
}

impl std::fmt::Display for Duration90k {
    /// Seconds with three decimals (`12.345 s`): for logs and error messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3} s", self.as_secs_f64())
    }
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

    pub fn now_90k(self) -> Time90k {
        Time90k::from_unix_ns(self.now_unix_ns())
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
pub fn parse_local_instant(text: &str, tz: chrono_tz::Tz, now_90k: Time90k) -> Result<Time90k, LocalTimeError> {
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
            let today =
                chrono::DateTime::from_timestamp(now_90k.unix_secs(), 0).ok_or(LocalTimeError::Format)?.with_timezone(&tz).date_naive();
            today.and_time(time_of(first)?)
        }
    };
    let at = tz.from_local_datetime(&local).earliest().ok_or(LocalTimeError::NoSuchTime)?;
    Ok(Time90k::from_unix_secs(at.timestamp()))
}

/// `dd/mm/yyyy hh:mm:ss.ff` in the zone: the hundredths tell frames apart (a 25 fps camera's
/// frames are 4 apart).
pub fn local_date_time_hundredths(t_90k: Time90k, tz: chrono_tz::Tz) -> String {
    let secs = t_90k.unix_secs();
    let hundredths = t_90k.0.rem_euclid(TICKS_PER_S) / 900;
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| format!("{}.{hundredths:02}", d.with_timezone(&tz).format("%d/%m/%Y %H:%M:%S")))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_and_spans_convert_and_compose() {
        let t = Time90k::from_unix_secs(1_800_000_000);
        assert_eq!(t.unix_ns(), 1_800_000_000 * 1_000_000_000);
        assert_eq!(Time90k::from_unix_ns(t.unix_ns()), t);
        assert_eq!(t + Duration90k::from_millis(1_500) - t, Duration90k(135_000));
        assert_eq!((t - Duration90k::SECOND).unix_secs(), 1_799_999_999);
        assert_eq!(Time90k(-1).unix_secs(), -1, "rounded towards the past");
        assert_eq!(Duration90k::from_secs_f64(0.5), Duration90k(45_000));
        assert_eq!(Duration90k::from_secs(2).mul_f64(-1.5), Duration90k::from_secs(-3));
        assert_eq!(Duration90k::from_secs(3) / Duration90k::from_secs(2), 1.5);
        assert_eq!(Duration90k::from_millis(40).to_std(), Duration::from_millis(40));
        assert_eq!(Duration90k(-5).to_std(), Duration::ZERO);
        assert_eq!(Duration90k::from_std(Duration::from_millis(40)), Duration90k(3_600));
        assert_eq!(Duration90k::from_secs(90).to_string(), "90.000 s");
        assert_eq!([Duration90k(1), Duration90k(2)].into_iter().sum::<Duration90k>(), Duration90k(3));
        assert_eq!(serde_json::to_string(&t).unwrap(), "162000000000000");
        assert_eq!((t + Duration90k(150)).floor_to(Duration90k::from_millis(1)), t + Duration90k(90));
        assert_eq!(t.to_string(), "2027-01-15T08:00:00.000Z");
    }

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
        let want = chrono::DateTime::parse_from_rfc3339("2026-12-03T07:05:30Z").unwrap().timestamp();
        let want = Time90k::from_unix_secs(want);
        let now = want + Duration90k::from_secs(3 * 3_600);
        for text in ["03/12/2026 14:05:30", " 3/12/2026 14:05:30 ", "03-12-2026 14:05:30", "03.12.2026T14:05:30", "14:05:30"] {
            assert_eq!(parse_local_instant(text, tz, now), Ok(want), "{text}");
        }
        assert_eq!(parse_local_instant("03/12/2026 14:05", tz, now), Ok(want - Duration90k::from_secs(30)));
        assert_eq!(parse_local_instant("03/12/2026", tz, now), Ok(want - Duration90k::from_secs(14 * 3_600 + 5 * 60 + 30)), "midnight");
        // "Today" is the site's day: at 23:30 UTC on 02/12 it is already 03/12 in Hanoi.
        let late_utc = Time90k::from_unix_secs(chrono::DateTime::parse_from_rfc3339("2026-12-02T23:30:00Z").unwrap().timestamp());
        assert_eq!(parse_local_instant("14:05:30", tz, late_utc), Ok(want));
        for bad in ["", "hôm qua", "32/12/2026 10:00:00", "03/12/2026 25:00", "03/12/26x", "03/12/2026 10:00 extra"] {
            assert_eq!(parse_local_instant(bad, tz, now), Err(LocalTimeError::Format), "{bad:?}");
        }
    }

    #[test]
    fn hundredths_tell_the_frames_of_a_second_apart() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let t = Time90k::from_unix_secs(chrono::DateTime::parse_from_rfc3339("2026-12-03T07:05:30Z").unwrap().timestamp());
        assert_eq!(local_date_time_hundredths(t, tz), "03/12/2026 14:05:30.00");
        assert_eq!(local_date_time_hundredths(t + Duration90k(3_600), tz), "03/12/2026 14:05:30.04");
        assert_eq!(local_date_time_hundredths(t + Duration90k(24 * 3_600), tz), "03/12/2026 14:05:30.96");
    }
}
