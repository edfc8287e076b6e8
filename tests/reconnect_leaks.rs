//! 100 reconnects leave no file descriptors or memory behind. Its own test binary, so nothing
//! else runs in this process while descriptors are counted.

mod common;

use std::time::Duration;

use common::*;
use vigil::bench::rusage::{open_fds, rss_mb};
use vigil::core::site::StreamProfile;
use vigil::media::{OfflineReason, StreamKey, StreamSpec, StreamState, SupervisorPolicy};

#[test]
fn hundred_reconnects_leak_nothing() {
    // A port nobody listens on: every attempt is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let policy = SupervisorPolicy {
        backoff_initial: Duration::from_millis(1),
        backoff_max: Duration::from_millis(2),
        connect_timeout: Duration::from_secs(5),
        no_video_timeout: Duration::from_secs(2),
        poll_ms: 10,
    };
    let (ingest, _events, wakes) = engine(policy);
    let h = ingest.start(StreamSpec::new(
        StreamKey::new("dead", StreamProfile::Sub),
        format!("rtsp://127.0.0.1:{port}/cam/dead/sub"),
    ));
    // Warm up: GStreamer opens a few descriptors once (registry, clock) on first use.
    wakes.until(Duration::from_secs(60), "10 reconnects", || h.stats().reconnects >= 10);
    let (fds_before, rss_before) = (open_fds().unwrap(), rss_mb().unwrap());
    let start = h.stats().reconnects;
    wakes.until(Duration::from_secs(120), "100 more reconnects", || h.stats().reconnects >= start + 100);
    assert!(
        matches!(h.state(), StreamState::Offline { reason: OfflineReason::ConnectionRefused, .. } | StreamState::Connecting),
        "{:?}",
        h.state()
    );
    let (fds_after, rss_after) = (open_fds().unwrap(), rss_mb().unwrap());
    ingest.shutdown();
    assert!(fds_after <= fds_before + 2, "descriptors grew from {fds_before} to {fds_after} over 100 reconnects");
    assert!(rss_after < rss_before + 20.0, "memory grew from {rss_before:.1} MB to {rss_after:.1} MB over 100 reconnects");
}
