//! Smart Motion Search's model: the seconds with motion in the reviewer's region (from the
//! store) grouped into moments to jump to.

use crate::core::time::{Duration90k, Time90k};
use crate::core::timeline::Span90k;

/// Seconds further apart than this are separate moments.
pub const MOMENT_GAP: Duration90k = Duration90k::from_secs(3);

/// Groups seconds with motion (start of each second, in time order) into moments: a run of
/// seconds at most [`MOMENT_GAP`] apart is one moment, from its first second to the end of its
/// last. Newest last.
pub fn moments(seconds: &[Time90k]) -> Vec<Span90k> {
    let mut out: Vec<Span90k> = Vec::new();
    for &s in seconds {
        let end = s + Duration90k::SECOND;
        match out.last_mut() {
            Some(m) if s - m.end_90k <= MOMENT_GAP - Duration90k::SECOND && s >= m.start_90k => m.end_90k = m.end_90k.max(end),
            _ => out.push(Span90k { start_90k: s, end_90k: end }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration90k = Duration90k::SECOND;

    #[test]
    fn seconds_close_together_are_one_moment() {
        let t0 = Time90k::from_unix_secs(1_800_000_000);
        let seconds = [t0, t0 + S, t0 + 3 * S, t0 + 10 * S, t0 + 11 * S, t0 + 40 * S];
        let got = moments(&seconds);
        let span = |a: Time90k, b: Time90k| Span90k { start_90k: a, end_90k: b };
        assert_eq!(got, [span(t0, t0 + 4 * S), span(t0 + 10 * S, t0 + 12 * S), span(t0 + 40 * S, t0 + 41 * S)]);
        assert!(moments(&[]).is_empty());
    }
}
