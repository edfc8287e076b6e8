//! Shared fixtures: one real simulator per test binary (a small site on a free port, clips cached
//! under the cargo target dir), and helpers that wait on events with timeouts (no sleeps).
#![allow(dead_code)]

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use vigil::media::simulate::{Codec, SimCamera, SimConfig, Simulator};
use vigil::media::{Ingest, StreamEvent, StreamState, SupervisorPolicy, WakeFn};

pub const USER: &str = "officer";
pub const PASSWORD: &str = "s3cret-Pw";

/// cam-a: H.264; cam-b: H.265 main; cam-c: digest auth; cam-d, cam-e, cam-f: free for faults;
/// cam-g: H.264 with B-frames; cam-h: free for the recorder's faults.
pub fn simulator() -> Arc<Simulator> {
    static SIM: OnceLock<Arc<Simulator>> = OnceLock::new();
    SIM.get_or_init(|| {
        let cam = |id: &str, name: &str| SimCamera {
            id: id.into(),
            name: name.into(),
            neighborhood: "Khu phố 1".into(),
            main_codec: Codec::H264,
            main_bframes: 0,
            auth: None,
        };
        let mut cameras = vec![
            cam("cam-a", "Chợ trung tâm"),
            cam("cam-b", "Cầu Nậm Củm"),
            cam("cam-c", "Bến xe khách"),
            cam("cam-d", "Cổng trường"),
            cam("cam-e", "Ngã ba bưu điện"),
            cam("cam-f", "Trạm y tế"),
            cam("cam-g", "Đường Hùng Vương"),
            cam("cam-h", "Chợ đêm"),
        ];
        cameras[1].main_codec = Codec::H265;
        // H.264 main profile with 3 B-frames in a pyramid: pictures sent out of order.
        cameras[6].main_bframes = 3;
        cameras[2].auth = Some((USER.into(), PASSWORD.into()));
        Simulator::start(SimConfig {
            port: 0,
            control_port: Some(0),
            cache_dir: std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-clips"),
            cameras,
            progress: false,
            night: false,
        })
        .expect("simulator starts")
    })
    .clone()
}

/// Wakes from the ingest engine, as a channel the test can wait on.
pub struct Wakes {
    rx: Mutex<Receiver<()>>,
}

pub fn wake_channel() -> (WakeFn, Arc<Wakes>) {
    // One pending wake is enough: the waiter re-checks its condition on every wake.
    let (tx, rx): (SyncSender<()>, Receiver<()>) = sync_channel(1);
    let wake: WakeFn = Arc::new(move || {
        let _ = tx.try_send(());
    });
    (wake, Arc::new(Wakes { rx: Mutex::new(rx) }))
}

impl Wakes {
    /// Waits (on wake-ups, never by sleeping) until `done()` holds; panics after `timeout`.
    pub fn until(&self, timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + timeout;
        let rx = self.rx.lock().unwrap();
        while !done() {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out after {timeout:?} waiting for {what}");
            let _ = rx.recv_timeout(left.min(Duration::from_millis(250)));
        }
    }
}

/// Fast reconnects so fault tests take seconds, not minutes.
pub fn fast_policy() -> SupervisorPolicy {
    SupervisorPolicy {
        backoff_initial: Duration::from_millis(200),
        backoff_max: Duration::from_millis(800),
        connect_timeout: Duration::from_secs(8),
        stale_after: Duration::from_secs(1),
        no_video_timeout: Duration::from_secs(2),
        poll_ms: 50,
    }
}

pub fn engine(policy: SupervisorPolicy) -> (Ingest, Receiver<StreamEvent>, Arc<Wakes>) {
    let (wake, wakes) = wake_channel();
    let (ingest, events) = Ingest::new(wake, policy, 1024).expect("ingest starts");
    (ingest, events, wakes)
}

/// Receives events until one matches; returns it and every event seen on the way.
pub fn wait_event(
    events: &Receiver<StreamEvent>,
    timeout: Duration,
    what: &str,
    mut matches: impl FnMut(&StreamEvent) -> bool,
) -> (StreamEvent, Vec<StreamEvent>) {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(e) if matches(&e) => return (e, seen),
            Ok(e) => seen.push(e),
            Err(_) => panic!("timed out after {timeout:?} waiting for {what}; saw {seen:#?}"),
        }
    }
}

pub fn is_live(e: &StreamEvent) -> bool {
    e.state == StreamState::Live
}

/// A one-neighborhood site of the simulator's `cameras`, each recorded from its main stream.
pub fn site_of(cameras: &[&str]) -> vigil::core::site::Site {
    use vigil::core::site::{Camera, Neighborhood, Rgb, Site, StreamProfile};
    let sim = simulator();
    Site {
        name: "Thị trấn thử".into(),
        timezone: chrono_tz::Asia::Ho_Chi_Minh,
        neighborhoods: vec![Neighborhood { id: "kp1".into(), name: "Khu phố 1".into(), colour: Rgb(0x3366cc) }],
        cameras: cameras
            .iter()
            .map(|id| Camera {
                id: (*id).into(),
                name: format!("Camera {id}"),
                neighborhood: "kp1".into(),
                main_url: sim.url(id, StreamProfile::Main),
                sub_url: Some(sim.url(id, StreamProfile::Sub)),
                credential: None,
                enabled: true,
                record: Some(StreamProfile::Main),
                retain_days: None,
            })
            .collect(),
        credentials: vec![],
    }
}
