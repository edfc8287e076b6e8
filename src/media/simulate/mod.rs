//! The simulated town: a real RTSP server (gst-rtsp-server) on loopback serving every camera of a
//! site at `rtsp://127.0.0.1:PORT/cam/<camera-id>/{main,sub}` from pre-encoded looped clips.
//!
//! Serving pipeline per (camera, profile), shared by all clients of that URL:
//! `{appsrc is-live} - {rtph264pay|rtph265pay name=pay0}`
//!
//! When the appsrc wants data it gets the clip's next access unit, stamped one frame duration
//! after the previous one (starting at the pipeline's running time), so timestamps stay continuous
//! and monotonic however often the clip loops; the server's sinks sync on them, which paces each
//! stream in its own streaming thread without any extra thread. Faults and events for tests
//! (a camera offline, a stalled stream, a frozen picture, a covered lens, a passer-by, digest
//! auth) are driven through [`Simulator`]'s methods or the control port (see [`control`] and
//! docs/simulator.md). A switch of picture (motion, a covered lens) starts the other clip at its
//! first keyframe at once (at the next GOP for a B-frame stream, whose pictures are reordered);
//! a frozen camera repeats the keyframe it last sent, bit for bit, as a hung encoder does.

mod auth;
pub mod clips;
pub mod control;
mod scene;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_rtsp as gst_rtsp;
use gstreamer_rtsp_server as rtsp;
use gstreamer_rtsp_server::prelude::*;

use crate::core::site::{Site, StreamProfile};
pub use clips::{Clip, ClipJob, ClipKind, ClipSpec, Codec, read_barcode};

/// One camera of the simulated town.
#[derive(Debug, Clone)]
pub struct SimCamera {
    pub id: String,
    pub name: String,
    pub neighborhood: String,
    /// Codec of the main stream (the substream is always H.264, as on most cameras).
    pub main_codec: Codec,
    /// B-frames in the main stream (H.264 only; 0 for none, as most cameras).
    pub main_bframes: u32,
    /// When set, both streams require RTSP digest auth with this user and password.
    pub auth: Option<(String, String)>,
}

impl SimCamera {
    /// Every camera of a site, H.264, without auth.
    pub fn from_site(site: &Site) -> Vec<SimCamera> {
        site.cameras
            .iter()
            .map(|c| SimCamera {
                id: c.id.clone(),
                name: c.name.clone(),
                neighborhood: site.neighborhood(&c.neighborhood).map_or_else(|| c.neighborhood.clone(), |n| n.name.clone()),
                main_codec: Codec::H264,
                main_bframes: 0,
                auth: None,
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    /// TCP port of the RTSP server; 0 picks a free one (see [`Simulator::port`]).
    pub port: u16,
    /// Loopback TCP port of the line-based control surface; `None` disables it, 0 picks a free one.
    pub control_port: Option<u16>,
    /// Where encoded clips are cached (normally `<data-dir>/sim-clips`).
    pub cache_dir: PathBuf,
    pub cameras: Vec<SimCamera>,
    /// Print a progress line while encoding clips.
    pub progress: bool,
    /// Serve the night variant of every street (dark, lit windows, more noise).
    pub night: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Clip(#[from] clips::ClipError),
    #[error("cannot start the RTSP server on 127.0.0.1:{port}: {message} (is another simulator running? try --port)")]
    Bind { port: u16, message: String },
    #[error("control port: {0}")]
    Control(std::io::Error),
    #[error("no simulated camera has id {0:?}")]
    UnknownCamera(String),
    #[error("GStreamer: {0}")]
    Gst(String),
}

/// Runtime switches of one simulated camera.
#[derive(Default)]
struct CamSwitches {
    offline: AtomicBool,
    stalled: AtomicBool,
    /// Frames keep coming, the picture does not change.
    frozen: AtomicBool,
    /// The lens is covered.
    dark: AtomicBool,
    /// Until when a passer-by crosses the scene (`None`: nobody).
    motion_until: Mutex<Option<std::time::Instant>>,
}

impl CamSwitches {
    /// Which clip the camera should show now.
    fn kind(&self) -> ClipKind {
        if self.dark.load(Ordering::Acquire) {
            ClipKind::Dark
        } else if self.motion_until.lock().unwrap_or_else(|e| e.into_inner()).is_some_and(|t| std::time::Instant::now() < t) {
            ClipKind::Motion
        } else {
            ClipKind::Quiet
        }
    }
}

/// One stream's clips, by [`ClipKind`].
#[derive(Clone)]
struct StreamClips {
    quiet: Arc<Clip>,
    motion: Arc<Clip>,
    dark: Arc<Clip>,
}

impl StreamClips {
    fn get(&self, kind: ClipKind) -> &Arc<Clip> {
        match kind {
            ClipKind::Quiet => &self.quiet,
            ClipKind::Motion => &self.motion,
            ClipKind::Dark => &self.dark,
        }
    }
}

/// A stream being served to at least one client: its appsrc asks for data and gets the clip's
/// next access unit.
struct Feed {
    camera_id: String,
    profile: StreamProfile,
    appsrc: glib::WeakRef<gst_app::AppSrc>,
    clips: StreamClips,
    /// The clip being served and its kind.
    clip: Arc<Clip>,
    kind: ClipKind,
    switches: Arc<CamSwitches>,
    next_index: usize,
    /// The last keyframe sent (what a frozen camera repeats).
    last_keyframe: Option<usize>,
    next_pts_ns: Option<u64>,
    /// Whether the first access unit went out: the server needs it (for the SDP) before any
    /// client can even DESCRIBE, so a stalled camera still sends its first keyframe.
    pushed_any: bool,
    /// After a stall the stream resumes at a keyframe, as a camera would.
    needs_keyframe: bool,
}

struct Shared {
    feeds: Mutex<Vec<Arc<Mutex<Feed>>>>,
    shutdown: AtomicBool,
    frames_pushed: AtomicUsize,
}

struct CamEntry {
    camera: SimCamera,
    switches: Arc<CamSwitches>,
    factories: Vec<(String, rtsp::RTSPMediaFactory)>,
}

/// A running simulated town. Dropping it stops the server.
pub struct Simulator {
    port: u16,
    control_port: Option<u16>,
    server: rtsp::RTSPServer,
    main_loop: glib::MainLoop,
    cameras: HashMap<String, CamEntry>,
    order: Vec<String>,
    shared: Arc<Shared>,
    threads: Vec<std::thread::JoinHandle<()>>,
    control: Option<control::ControlServer>,
}

/// The cells of the 16x9 motion grid the simulator's own on-screen text covers: the frame counter
/// (bottom right) and the barcode (bottom left) change with every frame, as a camera's clock
/// overlay does; a site of simulated cameras ignores motion there, as a real site masks the
/// clock. (The name, top left, never changes.)
pub fn osd_mask() -> crate::core::motion_mask::MotionMask {
    let mut mask = crate::core::motion_mask::MotionMask::EMPTY;
    for col in 10..16 {
        mask.set(col, 7, true);
        mask.set(col, 8, true);
    }
    for col in 0..4 {
        mask.set(col, 8, true);
    }
    mask
}

/// The mount path of a camera's stream.
pub fn mount_path(camera_id: &str, profile: StreamProfile) -> String {
    format!("/cam/{camera_id}/{profile}")
}

impl Simulator {
    /// Encodes missing clips (progress on stderr), then starts serving. Returns once the server
    /// listens.
    pub fn start(config: SimConfig) -> Result<Arc<Simulator>, SimError> {
        gst::init().map_err(|e| SimError::Gst(e.to_string()))?;
        let mut jobs = Vec::new();
        for cam in &config.cameras {
            for profile in StreamProfile::ALL {
                let (codec, bframes) = match profile {
                    StreamProfile::Main => (cam.main_codec, cam.main_bframes),
                    StreamProfile::Sub => (Codec::H264, 0),
                };
                for kind in ClipKind::ALL {
                    jobs.push(ClipJob {
                        camera_id: cam.id.clone(),
                        camera_name: cam.name.clone(),
                        profile,
                        spec: ClipSpec { bframes, night: config.night, ..ClipSpec::for_profile(profile, codec) }.with_kind(kind),
                    });
                }
            }
        }
        let loaded = clips::ensure_clips(&config.cache_dir, &jobs, config.progress)?;
        let per_camera = StreamProfile::ALL.len() * ClipKind::ALL.len();

        let context = glib::MainContext::new();
        let main_loop = glib::MainLoop::new(Some(&context), false);
        let server = rtsp::RTSPServer::new();
        server.set_address("127.0.0.1");
        server.set_service(&config.port.to_string());
        let shared =
            Arc::new(Shared { feeds: Mutex::new(Vec::new()), shutdown: AtomicBool::new(false), frames_pushed: AtomicUsize::new(0) });

        let protected: Vec<&SimCamera> = config.cameras.iter().filter(|c| c.auth.is_some()).collect();
        if !protected.is_empty() {
            let open: Vec<&str> = config.cameras.iter().filter(|c| c.auth.is_none()).map(|c| c.id.as_str()).collect();
            let auth = auth::SimAuth::new(&open);
            auth.set_supported_methods(gst_rtsp::RTSPAuthMethod::Digest);
            for cam in &protected {
                if let Some((user, pass)) = &cam.auth {
                    let token = rtsp::RTSPToken::builder().field(rtsp::RTSP_TOKEN_MEDIA_FACTORY_ROLE, role_of(&cam.id)).build();
                    auth.add_digest(user, pass, &token);
                }
            }
            server.set_auth(Some(&auth));
        }

        let mounts = server.mount_points().ok_or_else(|| SimError::Gst("server without mount points".into()))?;
        let mut cameras = HashMap::new();
        let mut order = Vec::new();
        for (i, cam) in config.cameras.iter().enumerate() {
            let switches = Arc::new(CamSwitches::default());
            let mut factories = Vec::new();
            for (j, profile) in StreamProfile::ALL.into_iter().enumerate() {
                let at = i * per_camera + j * ClipKind::ALL.len();
                let clips = StreamClips { quiet: loaded[at].clone(), motion: loaded[at + 1].clone(), dark: loaded[at + 2].clone() };
                let factory = make_factory(cam, profile, clips, switches.clone(), shared.clone(), !protected.is_empty());
                let path = mount_path(&cam.id, profile);
                mounts.add_factory(&path, factory.clone());
                factories.push((path, factory));
            }
            order.push(cam.id.clone());
            cameras.insert(cam.id.clone(), CamEntry { camera: cam.clone(), switches, factories });
        }

        // Each client gets its own thread (up to 64): a DESCRIBE that waits for a slow media must
        // not hold up every other camera's clients (the default is one thread for all).
        if let Some(pool) = server.thread_pool() {
            pool.set_max_threads(64);
        }
        server.attach(Some(&context)).map_err(|e| SimError::Bind { port: config.port, message: e.to_string() })?;
        let port = u16::try_from(server.bound_port()).unwrap_or(config.port);

        let mut threads = Vec::new();
        {
            let main_loop = main_loop.clone();
            threads.push(
                std::thread::Builder::new()
                    .name("sim-rtsp".into())
                    .spawn(move || {
                        // The context is owned by this thread for the server's lifetime.
                        let ctx = main_loop.context();
                        let _guard = ctx.acquire();
                        main_loop.run();
                    })
                    .map_err(|e| SimError::Gst(e.to_string()))?,
            );
        }
        let mut sim = Simulator { port, control_port: None, server, main_loop, cameras, order, shared, threads, control: None };
        let sim = match config.control_port {
            Some(control_port) => {
                let listener = std::net::TcpListener::bind(("127.0.0.1", control_port)).map_err(SimError::Control)?;
                sim.control_port = listener.local_addr().ok().map(|a| a.port());
                Arc::new_cyclic(|weak| {
                    sim.control = Some(control::ControlServer::spawn(listener, weak.clone()));
                    sim
                })
            }
            None => Arc::new(sim),
        };
        tracing::info!(port, cameras = sim.order.len(), "simulator serving");
        Ok(sim)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn control_port(&self) -> Option<u16> {
        self.control_port
    }

    pub fn url(&self, camera_id: &str, profile: StreamProfile) -> String {
        format!("rtsp://127.0.0.1:{}{}", self.port, mount_path(camera_id, profile))
    }

    pub fn camera_ids(&self) -> &[String] {
        &self.order
    }

    fn entry(&self, camera_id: &str) -> Result<&CamEntry, SimError> {
        self.cameras.get(camera_id).ok_or_else(|| SimError::UnknownCamera(camera_id.into()))
    }

    /// Takes a camera off the network (its URLs answer 404 and its clients are disconnected) or
    /// brings it back.
    pub fn set_offline(&self, camera_id: &str, offline: bool) -> Result<(), SimError> {
        let entry = self.entry(camera_id)?;
        let was = entry.switches.offline.swap(offline, Ordering::AcqRel);
        if was == offline {
            return Ok(());
        }
        let mounts = self.server.mount_points().ok_or_else(|| SimError::Gst("no mount points".into()))?;
        let paths: Vec<&str> = entry.factories.iter().map(|(p, _)| p.as_str()).collect();
        if offline {
            for path in &paths {
                mounts.remove_factory(path);
            }
            self.disconnect_clients_of(&paths);
        } else {
            for (path, factory) in &entry.factories {
                mounts.add_factory(path, factory.clone());
            }
        }
        tracing::info!(camera = camera_id, offline, "simulated camera switched");
        Ok(())
    }

    /// A stalled camera keeps its RTSP sessions open but sends no video (a hung encoder).
    pub fn set_stalled(&self, camera_id: &str, stalled: bool) -> Result<(), SimError> {
        self.entry(camera_id)?.switches.stalled.store(stalled, Ordering::Release);
        Ok(())
    }

    /// A frozen camera keeps sending frames of one unchanging picture (its last keyframe).
    pub fn set_frozen(&self, camera_id: &str, frozen: bool) -> Result<(), SimError> {
        self.entry(camera_id)?.switches.frozen.store(frozen, Ordering::Release);
        Ok(())
    }

    /// A covered lens: the camera sends a near-black picture (its on-screen text stays).
    pub fn set_dark(&self, camera_id: &str, dark: bool) -> Result<(), SimError> {
        self.entry(camera_id)?.switches.dark.store(dark, Ordering::Release);
        Ok(())
    }

    /// A passer-by crosses the camera's scene, again and again for `seconds` (0 stops it).
    pub fn set_motion(&self, camera_id: &str, seconds: f64) -> Result<(), SimError> {
        let entry = self.entry(camera_id)?;
        let until = (seconds > 0.0).then(|| std::time::Instant::now() + Duration::from_secs_f64(seconds.min(86_400.0)));
        *entry.switches.motion_until.lock().unwrap_or_else(|e| e.into_inner()) = until;
        Ok(())
    }

    /// What a camera shows now: `quiet`, `motion` or `dark`, and whether it is frozen.
    pub fn picture(&self, camera_id: &str) -> Result<(ClipKind, bool), SimError> {
        let s = &self.entry(camera_id)?.switches;
        Ok((s.kind(), s.frozen.load(Ordering::Acquire)))
    }

    pub fn is_offline(&self, camera_id: &str) -> Result<bool, SimError> {
        Ok(self.entry(camera_id)?.switches.offline.load(Ordering::Acquire))
    }

    pub fn is_stalled(&self, camera_id: &str) -> Result<bool, SimError> {
        Ok(self.entry(camera_id)?.switches.stalled.load(Ordering::Acquire))
    }

    /// Number of serving pipelines of a stream right now: 1 while any client watches it, however
    /// many (media are shared), 0 otherwise.
    pub fn active_pipelines(&self, camera_id: &str, profile: StreamProfile) -> usize {
        let feeds = self.shared.feeds.lock().unwrap_or_else(|e| e.into_inner());
        feeds
            .iter()
            .filter(|f| {
                let f = f.lock().unwrap_or_else(|e| e.into_inner());
                f.camera_id == camera_id && f.profile == profile && f.appsrc.upgrade().is_some()
            })
            .count()
    }

    /// Serving pipelines alive now, all streams together.
    pub fn pipelines(&self) -> usize {
        let feeds = self.shared.feeds.lock().unwrap_or_else(|e| e.into_inner());
        feeds.iter().filter(|f| f.lock().unwrap_or_else(|e| e.into_inner()).appsrc.upgrade().is_some()).count()
    }

    /// Access units pushed to clients since start, all streams together.
    pub fn frames_pushed(&self) -> usize {
        self.shared.frames_pushed.load(Ordering::Relaxed)
    }

    /// Camera description for `--list` and the control port's `status`.
    pub fn cameras(&self) -> impl Iterator<Item = &SimCamera> {
        self.order.iter().filter_map(|id| self.cameras.get(id).map(|e| &e.camera))
    }

    fn disconnect_clients_of(&self, paths: &[&str]) {
        self.server.client_filter(Some(&mut |_server, client| {
            let mut uses = false;
            client.session_filter(Some(&mut |_client, session| {
                session.filter(Some(&mut |_session, media| {
                    if paths.iter().any(|p| media.matches(p).is_some()) {
                        uses = true;
                    }
                    rtsp::RTSPFilterResult::Keep
                }));
                rtsp::RTSPFilterResult::Keep
            }));
            if uses {
                client.close();
            }
            rtsp::RTSPFilterResult::Keep
        }));
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::Release);
        if let Some(control) = self.control.take() {
            control.stop();
        }
        self.server.client_filter(Some(&mut |_s, client| {
            client.close();
            rtsp::RTSPFilterResult::Remove
        }));
        self.main_loop.quit();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // Remaining media pipelines go down with the feeds.
        self.shared.feeds.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn role_of(camera_id: &str) -> String {
    format!("camera-{camera_id}")
}

fn make_factory(
    cam: &SimCamera,
    profile: StreamProfile,
    clips: StreamClips,
    switches: Arc<CamSwitches>,
    shared: Arc<Shared>,
    with_auth: bool,
) -> rtsp::RTSPMediaFactory {
    let factory = rtsp::RTSPMediaFactory::new();
    let clip = clips.quiet.clone();
    let pay = match clip.spec.codec {
        Codec::H264 => "rtph264pay",
        Codec::H265 => "rtph265pay",
    };
    factory.set_launch(&format!("( appsrc name=src is-live=true format=time ! {pay} name=pay0 pt=96 )"));
    factory.set_shared(true);
    if with_auth {
        // Protected cameras admit only their own login's role; open ones admit anonymous clients.
        let role = match &cam.auth {
            Some(_) => role_of(&cam.id),
            None => auth::ANONYMOUS_ROLE.to_string(),
        };
        {
            let perms = gst::Structure::builder(role.as_str())
                .field(rtsp::RTSP_PERM_MEDIA_FACTORY_ACCESS, true)
                .field(rtsp::RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, true)
                .build();
            factory.add_role_from_structure(&perms);
        }
    }
    let camera_id = cam.id.clone();
    factory.connect_media_configure(move |_factory, media| {
        let element = media.element();
        let Some(appsrc) =
            element.downcast_ref::<gst::Bin>().and_then(|bin| bin.by_name("src")).and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        else {
            tracing::error!(camera = camera_id, "simulator media without appsrc");
            return;
        };
        appsrc.set_caps(Some(&clip.caps));
        appsrc.set_max_bytes(4 << 20);
        // Cameras start at different scenes (each scene begins with a keyframe), so their
        // counters differ.
        let first_scene = (clips::camera_seed(&camera_id) % clip.spec.scenes) as usize;
        let kind = switches.kind();
        let start = clips.get(kind).clone();
        let feed = Arc::new(Mutex::new(Feed {
            camera_id: camera_id.clone(),
            profile,
            appsrc: appsrc.downgrade(),
            clips: clips.clone(),
            next_index: if kind == ClipKind::Quiet { first_scene * clip.spec.gop_frames as usize } else { 0 },
            clip: start,
            kind,
            switches: switches.clone(),
            last_keyframe: None,
            next_pts_ns: None,
            pushed_any: false,
            needs_keyframe: false,
        }));
        shared.feeds.lock().unwrap_or_else(|e| e.into_inner()).push(feed.clone());
        let shared = shared.clone();
        appsrc.set_callbacks(
            gst_app::AppSrcCallbacks::builder()
                .need_data(move |appsrc, _| {
                    let mut feed = feed.lock().unwrap_or_else(|e| e.into_inner());
                    feed_one(&mut feed, appsrc, &shared);
                })
                .build(),
        );
    });
    factory
}

/// Pushes the feed's next access unit, timestamped one frame after the previous one. The RTSP
/// server's sinks sync on these timestamps, which paces the stream in this streaming thread.
fn feed_one(feed: &mut Feed, appsrc: &gst_app::AppSrc, shared: &Shared) {
    let frame_ns = feed.clip.spec.frame_duration_ns();
    // A stalled camera: hold the streaming thread (no data) until resumed or torn down.
    while feed.pushed_any && feed.switches.stalled.load(Ordering::Acquire) {
        feed.needs_keyframe = true;
        feed.next_pts_ns = None;
        if shared.shutdown.load(Ordering::Acquire) || appsrc.pending_state() != gst::State::VoidPending {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Another picture: its clip from the first keyframe, at once (a B-frame stream at its next
    // keyframe, so no reordered picture is cut off).
    let kind = feed.switches.kind();
    if kind != feed.kind && (feed.clip.spec.bframes == 0 || feed.clip.frames[feed.next_index].keyframe) {
        feed.kind = kind;
        feed.clip = feed.clips.get(kind).clone();
        feed.next_index = 0;
        feed.last_keyframe = None;
    }
    if feed.needs_keyframe {
        while !feed.clip.frames[feed.next_index].keyframe {
            feed.next_index = (feed.next_index + 1) % feed.clip.frames.len();
        }
        feed.needs_keyframe = false;
    }
    // A frozen camera repeats its last keyframe (from its first one on).
    let frozen = feed.switches.frozen.load(Ordering::Acquire) && feed.last_keyframe.is_some();
    if frozen {
        feed.needs_keyframe = true;
    }
    let now_ns = appsrc.current_running_time().map(gst::ClockTime::nseconds);
    let pts_ns = match (feed.next_pts_ns, now_ns) {
        // Far behind the clock (after a stall): continue from now.
        (Some(next), Some(now)) if now > next + 1_000_000_000 => now,
        (Some(next), _) => next,
        (None, now) => now.unwrap_or(0),
    };
    let index = match feed.last_keyframe {
        Some(k) if frozen => k,
        _ => feed.next_index,
    };
    let frame = &feed.clip.frames[index];
    let mut buffer = frame.buffer.copy();
    {
        let b = buffer.make_mut();
        // Paced by decode time; a B-frame clip's pictures are presented out of that order.
        b.set_dts(gst::ClockTime::from_nseconds(pts_ns));
        b.set_pts(gst::ClockTime::from_nseconds(pts_ns + frame.pts_offset_ns));
        b.set_duration(gst::ClockTime::from_nseconds(frame_ns));
    }
    let keyframe = frame.keyframe;
    if appsrc.push_buffer(buffer).is_ok() {
        feed.pushed_any = true;
        shared.frames_pushed.fetch_add(1, Ordering::Relaxed);
    }
    feed.next_pts_ns = Some(pts_ns + frame_ns);
    if !frozen {
        if keyframe {
            feed.last_keyframe = Some(index);
        }
        feed.next_index = (feed.next_index + 1) % feed.clip.frames.len();
    }
}
