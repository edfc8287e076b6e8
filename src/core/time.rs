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
}
