//! Synchronized playback for the wall: named threads (`playback-<n>`, one per core, at most 4;
//! each camera belongs to one) show every camera of the wall at the timeline's instant, each
//! from its own recordings. Requests are latest-wins (a scrub sends many; only the newest is
//! worked on). A preview request decodes just the keyframe at or before the instant (nothing when
//! that keyframe is already on screen), serving the cameras that waited longest first so a big
//! wall's tiles all keep moving; an exact request decodes the GOP up to the frame at the instant.
//! Playing never lets a tile drift from the cursor ([`PlayCost`]): forward at up to 4x every
//! frame is decoded continuously (each update pushes only the frames since the last one into a
//! decoder that is never drained, a frame or two ahead so the picture at the cursor is out); a
//! camera that falls more than [`MAX_LAG_90K`] behind skips to the cursor's GOP. Faster, and
//! backwards, tiles show the keyframe nearest where the cursor will be. A tile showing fewer
//! pictures than were recorded says so ([`PlaybackTile::reduced`]). Pictures land in per-camera
//! latest-frame slots and go through the same GPU path as live video.
//! Scrub rates per wall size: `vigil bench scrub` (docs/benchmarks.md).

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::media::playback::GopDecoder;
use crate::media::{LatestFrameSlot, WakeFn};
use crate::record::reader::{RecordingReader, as_gop_frames};

use crate::core::time::{Duration90k, Time90k};

/// Why a camera's picture could not be shown (logged; the tile says "no recording").
#[derive(Debug, thiserror::Error)]
pub enum PlaybackError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Read(#[from] crate::record::reader::ReadError),
    #[error(transparent)]
    Media(#[from] crate::media::MediaError),
    #[error("no decoder for the camera")]
    NoDecoder,
}

/// Decoding threads ("lanes") of the engine: one per core, at most 4. A camera is decoded by
/// one lane (assigned at first sight to the least loaded), so its decoder state stays in one place.
pub fn lanes() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).clamp(1, 4)
}

/// What a tile shows in playback.
pub struct PlaybackTile {
    pub slot: LatestFrameSlot,
    /// UTC time (90 kHz) of the picture in the slot; `None`: no recording at the asked instant.
    shown_90k: Mutex<Option<Time90k>>,
    /// UTC time of the picture in the slot, kept through a gap (a tile holding its last picture).
    picture_90k: Mutex<Option<Time90k>>,
    /// Playing: the tile shows fewer pictures than were recorded (keyframes only, or frames
    /// skipped to keep up with the cursor).
    reduced: AtomicBool,
}

impl PlaybackTile {
    fn new() -> Self {
        Self { slot: LatestFrameSlot::new(), shown_90k: Mutex::new(None), picture_90k: Mutex::new(None), reduced: AtomicBool::new(false) }
    }

    /// Playing with fewer pictures than recorded (the tile says "reduced frame rate").
    pub fn reduced(&self) -> bool {
        self.reduced.load(Ordering::Relaxed)
    }

    fn show(&self, picture: crate::media::DecodedFrame, t_90k: Time90k) {
        self.slot.store(picture);
        self.mark_shown(t_90k);
    }

    fn show_shared(&self, picture: Arc<crate::media::DecodedFrame>, t_90k: Time90k) {
        self.slot.store_shared(picture);
        self.mark_shown(t_90k);
    }

    fn mark_shown(&self, t_90k: Time90k) {
        *self.shown_90k.lock().unwrap_or_else(|e| e.into_inner()) = Some(t_90k);
        *self.picture_90k.lock().unwrap_or_else(|e| e.into_inner()) = Some(t_90k);
    }

    /// Nothing recorded at the asked instant (the slot keeps the last picture).
    fn nothing(&self) {
        *self.shown_90k.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// (recorded instant shown, or `None` in a gap; time of the picture in the slot).
    pub fn shown(&self) -> (Option<Time90k>, Option<Time90k>) {
        (*self.shown_90k.lock().unwrap_or_else(|e| e.into_inner()), *self.picture_90k.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Walls with more cameras than this scrub (and show fast or backward playback) from the
/// cameras' preview tracks when recorded: a 3x3 tile is about the substream's size, and 1080p
/// keyframes for 35 tiles are more than 2 cores decode 20 times a second.
pub const PREVIEW_ABOVE_CAMERAS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
struct Request {
    /// Cameras of the whole wall (a lane's part holds only its own cameras).
    wall_size: usize,
    cameras: Vec<String>,
    t_90k: Time90k,
    exact: bool,
    /// Playing at this speed (negative: backwards); `None`: paused or scrubbing.
    playing: Option<f64>,
    /// When the cursor was at `t_90k` (playing, the lane shows pictures decoded ahead when the
    /// cursor reaches them, between requests).
    asked_at: Instant,
}

/// Playing every frame: where the cursor was at an instant, and which tracks play.
struct Clock {
    t_90k: Time90k,
    at: Instant,
    speed: f64,
    tracks: Vec<String>,
}

impl Clock {
    /// When the cursor reaches `t_90k` (`None`: it never will).
    fn reaches(&self, t_90k: Time90k) -> Option<Instant> {
        let secs = (t_90k - self.t_90k).as_secs_f64() / self.speed;
        (secs.is_finite() && secs >= 0.0).then(|| self.at + Duration::from_secs_f64(secs.min(3600.0)))
    }
}

/// How much of the recording a playing tile decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayCost {
    /// Every frame, continuously (skipping ahead only when the decoder falls behind).
    EveryFrame,
    /// The keyframe nearest the cursor (at most half a GOP away).
    KeyframesOnly,
}

/// Forward speeds up to this decode every frame; faster, or backwards, keyframes only.
pub const MAX_EVERY_FRAME_SPEED: f64 = 4.0;

impl PlayCost {
    pub fn at(speed: f64) -> Self {
        if speed > 0.0 && speed <= MAX_EVERY_FRAME_SPEED { Self::EveryFrame } else { Self::KeyframesOnly }
    }
}

/// A camera playing every frame that falls this far behind the cursor (500 ms) catches up:
/// to the cursor's GOP when its keyframe is ahead, else a few frames an update.
pub const MAX_LAG_90K: Duration90k = Duration90k::from_millis(500);

/// Keyframes only: how far past the cursor the keyframe aimed at may be (1 s, half a 2 s GOP).
const MAX_LEAD_90K: Duration90k = Duration90k::SECOND;

/// Frames pushed per update while catching up (so one camera cannot hold its lane for long).
const CATCH_UP_FRAMES: usize = 6;

/// Frames pushed past the cursor at most, so the decoder lets out the picture at the cursor.
const LOOKAHEAD_FRAMES: usize = 4;

/// How far past the last pushed frame the look-ahead reads (300 ms: 4 frames of a 15 fps track).
const LOOKAHEAD_SPAN_90K: Duration90k = Duration90k::from_millis(300);

/// A tile that skipped frames says "reduced" for this long after.
const REDUCED_HOLD: Duration = Duration::from_secs(2);

/// Continuous playback of one track.
struct Stream {
    /// Instant of the last frame pushed into the decoder (may be a little past the cursor).
    pos_90k: Time90k,
    /// Instant of the picture shown last.
    shown_90k: Option<Time90k>,
    /// Pictures decoded but not shown yet (ahead of the cursor), oldest first.
    ahead: VecDeque<(Time90k, crate::media::DecodedFrame)>,
    /// When frames were last skipped to keep up.
    skipped_at: Option<Instant>,
    /// The tile it plays on.
    tile: Arc<PlaybackTile>,
}

/// Walls with at most this many cameras keep their last GOP's pictures for backward steps
/// (a 2 s 1080p GOP is ~150 MB of pictures).
const MAX_CACHED_GOPS: usize = 4;

/// Hover thumbnails: keyframe pictures by (camera, whole second), newest last.
const THUMBNAILS_KEPT: usize = 12;

type ThumbnailEntry = ((String, i64), Option<Arc<crate::media::DecodedFrame>>);

/// Per camera: the pictures of the GOP decoded last, with their instants (a step inside it needs
/// no decoding).
type GopPictures = HashMap<String, Vec<(Time90k, Arc<crate::media::DecodedFrame>)>>;

#[derive(Default)]
struct Thumbnails {
    /// The one wanted next (latest wins).
    wanted: Option<(String, i64)>,
    /// (camera, second) → its picture (`None`: nothing recorded there), oldest first.
    cache: Vec<ThumbnailEntry>,
}

/// One decoding thread's inbox: its part of the newest request (latest wins).
struct Lane {
    next: Mutex<Option<Request>>,
    ready: Condvar,
}

struct Shared {
    lanes: Vec<Lane>,
    /// The lane of each camera seen so far.
    assigned: Mutex<HashMap<String, usize>>,
    thumbnails: Mutex<Thumbnails>,
    stop: AtomicBool,
    tiles: Mutex<HashMap<String, Arc<PlaybackTile>>>,
}

impl Shared {
    fn lane_of(&self, camera: &str) -> usize {
        let mut assigned = self.assigned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lane) = assigned.get(camera) {
            return *lane;
        }
        let mut load = vec![0usize; self.lanes.len()];
        for lane in assigned.values() {
            load[*lane] += 1;
        }
        let lane = (0..load.len()).min_by_key(|i| load[*i]).unwrap_or(0);
        assigned.insert(camera.to_string(), lane);
        lane
    }

    /// Wakes a lane (its inbox lock taken first, so a lane about to wait cannot miss it).
    fn wake_lane(&self, lane: usize) {
        if let Some(l) = self.lanes.get(lane) {
            let _guard = l.next.lock().unwrap_or_else(|e| e.into_inner());
            l.ready.notify_one();
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

pub struct PlaybackEngine {
    shared: Arc<Shared>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl PlaybackEngine {
    pub fn start(data_dir: PathBuf, wake: WakeFn) -> Self {
        let shared = Arc::new(Shared {
            lanes: (0..lanes()).map(|_| Lane { next: Mutex::new(None), ready: Condvar::new() }).collect(),
            assigned: Mutex::new(HashMap::new()),
            thumbnails: Mutex::new(Thumbnails::default()),
            stop: AtomicBool::new(false),
            tiles: Mutex::new(HashMap::new()),
        });
        let threads = (0..shared.lanes.len())
            .filter_map(|lane| {
                let (worker, dir, wake) = (shared.clone(), data_dir.clone(), wake.clone());
                std::thread::Builder::new().name(format!("playback-{lane}")).spawn(move || run(&worker, lane, &dir, &wake)).ok()
            })
            .collect();
        Self { shared, threads }
    }

    /// Asks for `cameras` at `t_90k` (replacing any request not started yet).
    pub fn show(&self, cameras: Vec<String>, t_90k: Time90k, exact: bool) {
        self.request(Request { wall_size: cameras.len(), cameras, t_90k, exact, playing: None, asked_at: Instant::now() });
    }

    /// Playing at `speed` (negative: backwards) with the cursor at `t_90k`: every frame since
    /// the last request up to 4x forward, else the keyframe nearest the cursor ([`PlayCost`]).
    pub fn play(&self, cameras: Vec<String>, t_90k: Time90k, speed: f64) {
        let exact = PlayCost::at(speed) == PlayCost::EveryFrame;
        self.request(Request { wall_size: cameras.len(), cameras, t_90k, exact, playing: Some(speed), asked_at: Instant::now() });
    }

    /// Splits a request between the lanes (a lane with none of its cameras drops what it had
    /// pending).
    fn request(&self, request: Request) {
        let mut parts: Vec<Vec<String>> = vec![Vec::new(); self.shared.lanes.len()];
        for camera in &request.cameras {
            parts[self.shared.lane_of(camera)].push(camera.clone());
        }
        for (lane, cameras) in self.shared.lanes.iter().zip(parts) {
            let part = (!cameras.is_empty()).then(|| Request { cameras, ..request.clone() });
            *lane.next.lock().unwrap_or_else(|e| e.into_inner()) = part;
            lane.ready.notify_one();
        }
    }

    /// The keyframe picture of a camera around `t_90k` for a hover thumbnail: from the cache,
    /// or `None` now and decoded in the background (the UI asks again next frame).
    /// `Some(None)`: nothing recorded there.
    pub fn thumbnail(&self, camera_id: &str, t_90k: Time90k) -> Option<Option<Arc<crate::media::DecodedFrame>>> {
        let key = (camera_id.to_string(), t_90k.unix_secs());
        let mut th = self.shared.thumbnails.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, frame)) = th.cache.iter().find(|(k, _)| *k == key) {
            return Some(frame.clone());
        }
        if th.wanted.as_ref() != Some(&key) {
            th.wanted = Some(key);
            drop(th);
            self.shared.wake_lane(self.shared.lane_of(camera_id));
        }
        None
    }

    pub fn tile(&self, camera_id: &str) -> Option<Arc<PlaybackTile>> {
        self.shared.tiles.lock().unwrap_or_else(|e| e.into_inner()).get(camera_id).cloned()
    }
}

impl Drop for PlaybackEngine {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        for lane in 0..self.shared.lanes.len() {
            self.shared.wake_lane(lane);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One lane: decodes its cameras' part of each request.
fn run(shared: &Shared, lane: usize, data_dir: &std::path::Path, wake: &WakeFn) {
    let mut reader = match RecordingReader::open(data_dir) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("playback cannot read the recordings: {e}");
            return;
        }
    };
    let mut decoders: HashMap<String, GopDecoder> = HashMap::new();
    // Continuous decoding, per track.
    let mut streams: HashMap<String, Stream> = HashMap::new();
    // The decoded pictures of the last exact seek's GOP, per camera (few cameras only): a step
    // backwards inside it needs no decoding.
    let mut gops: GopPictures = HashMap::new();
    // When each camera was last served (a count): a scrub serves the longest-waiting first, so
    // on a big wall a stream of requests cannot starve the cameras at the end of the list.
    let mut served: HashMap<String, u64> = HashMap::new();
    let mut served_count = 0u64;
    // Playing keyframes only: how long this lane's last update took (the cursor moves on
    // meanwhile, so the keyframe aimed at is where the cursor will be when it is shown).
    let mut update_time = Duration::ZERO;
    // Playing every frame: the cursor's clock, to show pictures decoded ahead on time.
    let mut clock: Option<Clock> = None;
    let inbox = &shared.lanes[lane];
    let thumbnail_wanted = || {
        let th = shared.thumbnails.lock().unwrap_or_else(|e| e.into_inner());
        th.wanted.as_ref().is_some_and(|(camera, _)| shared.lane_of(camera) == lane)
    };
    loop {
        let job = {
            let mut next = inbox.next.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if shared.stopped() {
                    return;
                }
                if let Some(r) = next.take() {
                    break Job::Request(r);
                }
                if thumbnail_wanted() {
                    break Job::Thumbnail;
                }
                match clock.as_ref().and_then(|c| next_due(c, &streams)) {
                    Some(due) if due <= Instant::now() => break Job::Present,
                    Some(due) => {
                        let wait = due.saturating_duration_since(Instant::now());
                        next = inbox.ready.wait_timeout(next, wait).unwrap_or_else(|e| e.into_inner()).0;
                    }
                    None => next = inbox.ready.wait(next).unwrap_or_else(|e| e.into_inner()),
                }
            }
        };
        let mut request = match job {
            Job::Request(r) => r,
            Job::Thumbnail => {
                make_thumbnail(shared, &mut reader, &mut decoders, &mut streams);
                continue;
            }
            Job::Present => {
                if let Some(c) = &clock {
                    present_due(c, &mut streams);
                    wake();
                }
                continue;
            }
        };
        let mut played = Vec::new();
        if !request.exact {
            request.cameras.sort_by_key(|c| served.get(c).copied().unwrap_or(0));
        }
        let update_began = Instant::now();
        for camera in &request.cameras {
            served_count += 1;
            served.insert(camera.clone(), served_count);
            let tile = shared
                .tiles
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(camera.clone())
                .or_insert_with(|| Arc::new(PlaybackTile::new()))
                .clone();
            let preview = request.wall_size > PREVIEW_ABOVE_CAMERAS;
            let shown = match request.playing {
                Some(speed) => {
                    gops.remove(camera);
                    let mut play =
                        Play { reader: &mut reader, decoders: &mut decoders, streams: &mut streams, tile: &tile, played: &mut played };
                    match PlayCost::at(speed) {
                        PlayCost::EveryFrame => play.every_frame(camera, request.t_90k, preview),
                        PlayCost::KeyframesOnly => {
                            // Aim where the cursor will be once this update is done (at most
                            // half a GOP ahead: the picture stays within a GOP of the cursor).
                            let lead_90k = Duration90k::from_secs_f64(speed * update_time.as_secs_f64()).clamp(-MAX_LEAD_90K, MAX_LEAD_90K);
                            play.keyframe(camera, request.t_90k + lead_90k, preview)
                        }
                    }
                }
                None => {
                    tile.reduced.store(false, Ordering::Relaxed);
                    streams.remove(camera);
                    streams.remove(&crate::record::preview_track(camera));
                    let cache = (request.exact && request.cameras.len() <= MAX_CACHED_GOPS).then_some(&mut gops);
                    show_one(&mut reader, &mut decoders, cache, camera, &request, &tile)
                }
            };
            match shown {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(camera = %camera, "playback: {e}");
                    tile.nothing();
                }
            }
            wake();
            // A newer request (the user is still scrubbing) wins over the rest of this one.
            if !request.exact && inbox.next.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                break;
            }
        }
        update_time = update_began.elapsed();
        clock = match request.playing {
            Some(speed) if !played.is_empty() => Some(Clock { t_90k: request.t_90k, at: request.asked_at, speed, tracks: played }),
            _ => None,
        };
    }
}

enum Job {
    Request(Request),
    Thumbnail,
    /// Show the pictures decoded ahead that the cursor has reached.
    Present,
}

/// When the cursor reaches the next picture decoded ahead on a playing track.
fn next_due(clock: &Clock, streams: &HashMap<String, Stream>) -> Option<Instant> {
    clock.tracks.iter().filter_map(|t| streams.get(t)?.ahead.front()).filter_map(|(t, _)| clock.reaches(*t)).min()
}

/// Shows, on each playing track, the newest picture decoded ahead that the cursor has reached.
fn present_due(clock: &Clock, streams: &mut HashMap<String, Stream>) {
    let now = Instant::now();
    for track in &clock.tracks {
        let Some(stream) = streams.get_mut(track) else { continue };
        // Reached by the clock exactly as `next_due` computes it (no rounding apart).
        let reached = stream.ahead.iter().take_while(|(t, _)| clock.reaches(*t).is_some_and(|at| at <= now)).last().map(|(t, _)| *t);
        if let Some(t) = reached {
            stream.show_up_to(t);
        }
    }
}

impl Stream {
    /// Shows the newest picture at or before `t_90k` (later ones wait for the cursor).
    fn show_up_to(&mut self, t_90k: Time90k) {
        let mut shown = None;
        while self.ahead.front().is_some_and(|(t, _)| *t <= t_90k) {
            shown = self.ahead.pop_front();
        }
        if let Some((t, picture)) = shown {
            self.shown_90k = Some(t);
            self.tile.show(picture, t);
        }
    }
}

/// The camera's decoder, made anew when its codec configuration changed.
fn decoder_for<'a>(
    decoders: &'a mut HashMap<String, GopDecoder>,
    camera: &str,
    config: &crate::media::CodecConfig,
) -> Result<&'a mut GopDecoder, PlaybackError> {
    if decoders.get(camera).is_none_or(|d| d.config() != config) {
        decoders.insert(camera.to_string(), GopDecoder::new(config)?);
    }
    decoders.get_mut(camera).ok_or(PlaybackError::NoDecoder)
}

/// Which recording of `camera` to read at `t_90k`: its preview track (small keyframes) when
/// `prefer_preview` and the preview has a recording there, else the camera's own; with the time of
/// that track's keyframe at or before `t_90k`, `None` when it has nothing there.
fn track_at(
    reader: &RecordingReader,
    camera: &str,
    t_90k: Time90k,
    prefer_preview: bool,
) -> Result<(String, Option<Time90k>), PlaybackError> {
    let keyframe = |track: &str| -> Result<Option<Time90k>, PlaybackError> {
        let key = reader.store().keyframe_at_or_before(track, t_90k)?;
        Ok(key.map(|(_, k)| k.at_90k))
    };
    if prefer_preview {
        let preview = crate::record::preview_track(camera);
        if let Some(t) = keyframe(&preview)? {
            return Ok((preview, Some(t)));
        }
    }
    Ok((camera.to_string(), keyframe(camera)?))
}

/// Decodes the keyframe wanted for a hover thumbnail into the cache.
fn make_thumbnail(
    shared: &Shared,
    reader: &mut RecordingReader,
    decoders: &mut HashMap<String, GopDecoder>,
    streams: &mut HashMap<String, Stream>,
) {
    let Some(key) = shared.thumbnails.lock().unwrap_or_else(|e| e.into_inner()).wanted.take() else { return };
    let (camera, second) = (&key.0, key.1);
    let picture = (|| -> Result<Option<Arc<crate::media::DecodedFrame>>, PlaybackError> {
        // The preview track's small keyframe when there is one (a thumbnail is small anyway).
        let t_90k = Time90k::from_unix_secs(second);
        let (track, _) = track_at(reader, camera, t_90k, true)?;
        let Some(gop) = reader.gop_at(&track, t_90k)? else { return Ok(None) };
        let decoder = decoder_for(decoders, &track, &gop.config)?;
        // The decoder is drained after this: continuous playback of this track restarts.
        streams.remove(&track);
        let (frame, _) = decoder.decode_to(&gop.up_to(0), 0, &mut |_| {})?;
        Ok(Some(Arc::new(frame)))
    })()
    .unwrap_or_else(|e| {
        tracing::warn!(camera = %camera, "thumbnail: {e}");
        None
    });
    let mut th = shared.thumbnails.lock().unwrap_or_else(|e| e.into_inner());
    th.cache.push((key, picture));
    if th.cache.len() > THUMBNAILS_KEPT {
        th.cache.remove(0);
    }
}

/// One playing update of one camera.
struct Play<'a> {
    reader: &'a mut RecordingReader,
    decoders: &'a mut HashMap<String, GopDecoder>,
    streams: &'a mut HashMap<String, Stream>,
    tile: &'a Arc<PlaybackTile>,
    /// Tracks played every frame in this request.
    played: &'a mut Vec<String>,
}

impl Play<'_> {
    /// Every frame up to `t_90k`, continuing from the last update (skipping ahead when behind).
    fn every_frame(&mut self, camera: &str, t_90k: Time90k, preview: bool) -> Result<(), PlaybackError> {
        let (track, key_90k) = track_at(self.reader, camera, t_90k, preview)?;
        let Some(key_90k) = key_90k else {
            self.streams.remove(&track);
            self.tile.reduced.store(false, Ordering::Relaxed);
            self.tile.nothing();
            return Ok(());
        };
        let mut stream = self.streams.remove(&track);
        // Carry on from the last update unless the cursor went back or jumped far ahead (a seek).
        if stream.as_ref().is_some_and(|s| {
            t_90k < s.shown_90k.unwrap_or(Time90k::MIN)
                || t_90k - s.pos_90k > Duration90k::from_secs(4)
                || !self.decoders.contains_key(&track)
        }) {
            stream = None;
        }
        let result = self.advance(&track, stream, key_90k, t_90k);
        if let Err(e) = &result {
            tracing::debug!(track = %track, "continuous playback restarts: {e}");
        }
        result
    }

    fn advance(&mut self, track: &str, stream: Option<Stream>, key_90k: Time90k, t_90k: Time90k) -> Result<(), PlaybackError> {
        let mut stream = match stream {
            // Behind by more than the allowed lag, with the cursor's GOP beyond what was pushed:
            // skip to it (its keyframe and a few frames now, the rest in later updates).
            Some(s) if t_90k - s.pos_90k > MAX_LAG_90K && key_90k > s.pos_90k => {
                let mut fresh = self.restart(track, t_90k, CATCH_UP_FRAMES)?;
                fresh.skipped_at = Some(Instant::now());
                fresh
            }
            Some(mut s) => {
                let behind = t_90k - s.pos_90k > MAX_LAG_90K;
                let (frames, continuous) = self.reader.frames_after(track, s.pos_90k, t_90k)?;
                if !continuous || frames.first().is_some_and(|f| f.0 - s.pos_90k > Duration90k::from_millis(300)) {
                    // A new run or a hole in the recording: start again at the cursor.
                    self.restart(track, t_90k, usize::MAX)?
                } else {
                    let frames = if behind {
                        s.skipped_at = Some(Instant::now());
                        &frames[..frames.len().min(CATCH_UP_FRAMES)]
                    } else {
                        &frames[..]
                    };
                    if let Some(last) = frames.last() {
                        let pictures = self.decoder(track)?.push_stream(&as_gop_frames(frames))?;
                        s.pos_90k = last.0;
                        s.ahead.extend(pictures);
                    }
                    s
                }
            }
            None => self.restart(track, t_90k, usize::MAX)?,
        };
        self.look_ahead(track, &mut stream, t_90k)?;
        stream.show_up_to(t_90k);
        self.played.push(track.to_string());
        self.tile.reduced.store(stream.skipped_at.is_some_and(|at| at.elapsed() < REDUCED_HOLD), Ordering::Relaxed);
        self.streams.insert(track.to_string(), stream);
        Ok(())
    }

    /// Starts decoding at the GOP holding `t_90k`, pushing at most `limit` of its frames up to
    /// the instant.
    fn restart(&mut self, track: &str, t_90k: Time90k, limit: usize) -> Result<Stream, PlaybackError> {
        let Some(gop) = self.reader.gop_at(track, t_90k)? else {
            return Err(PlaybackError::Read(crate::record::reader::ReadError::File(format!("{track}: nothing recorded at the cursor"))));
        };
        let decoder = decoder_for(self.decoders, track, &gop.config)?;
        decoder.restart_stream(gop.frames[0].0);
        let last = gop.target.min(limit.saturating_sub(1));
        let pictures = decoder.push_stream(&gop.up_to(last))?;
        Ok(Stream { pos_90k: gop.frames[last].0, shown_90k: None, ahead: pictures.into(), skipped_at: None, tile: self.tile.clone() })
    }

    /// Pushes frames past the cursor, one at a time, until the decoder has let out a picture
    /// past it (a decoder holds a frame or two back): the lane shows it when the cursor gets
    /// there, so a tile never waits for the next request to move on.
    fn look_ahead(&mut self, track: &str, stream: &mut Stream, t_90k: Time90k) -> Result<(), PlaybackError> {
        let ready = |s: &Stream| s.ahead.back().is_some_and(|(t, _)| *t > t_90k);
        if ready(stream) {
            return Ok(());
        }
        let (frames, continuous) = self.reader.frames_after(track, stream.pos_90k, stream.pos_90k + LOOKAHEAD_SPAN_90K)?;
        if !continuous {
            return Ok(());
        }
        for frame in frames.iter().take(LOOKAHEAD_FRAMES) {
            let pictures = self.decoder(track)?.push_stream(&as_gop_frames(std::slice::from_ref(frame)))?;
            stream.pos_90k = frame.0;
            stream.ahead.extend(pictures);
            if ready(stream) {
                break;
            }
        }
        Ok(())
    }

    fn decoder(&mut self, track: &str) -> Result<&mut GopDecoder, PlaybackError> {
        self.decoders.get_mut(track).ok_or(PlaybackError::NoDecoder)
    }

    /// The keyframe nearest `t_90k` (fast or backward playback).
    fn keyframe(&mut self, camera: &str, t_90k: Time90k, preview: bool) -> Result<(), PlaybackError> {
        self.tile.reduced.store(true, Ordering::Relaxed);
        let (track, _) = track_at(self.reader, camera, t_90k, preview)?;
        self.streams.remove(&track);
        let Some(key_90k) = self.reader.store().keyframe_nearest(&track, t_90k)? else {
            self.tile.nothing();
            return Ok(());
        };
        if self.tile.shown().0 == Some(key_90k) {
            return Ok(());
        }
        let Some(gop) = self.reader.gop_at(&track, key_90k)? else {
            self.tile.nothing();
            return Ok(());
        };
        let decoder = decoder_for(self.decoders, &track, &gop.config)?;
        let (frame, _) = decoder.decode_to(&gop.up_to(0), 0, &mut |_| {})?;
        self.tile.show(frame, gop.frames[0].0);
        Ok(())
    }
}

fn show_one(
    reader: &mut RecordingReader,
    decoders: &mut HashMap<String, GopDecoder>,
    mut cache: Option<&mut GopPictures>,
    camera: &str,
    request: &Request,
    tile: &PlaybackTile,
) -> Result<(), PlaybackError> {
    let (t_90k, exact) = (request.t_90k, request.exact);
    let preview = request.wall_size > PREVIEW_ABOVE_CAMERAS;
    // A step inside the GOP decoded last: its picture is already there.
    if let Some(pictures) = cache.as_ref().and_then(|c| c.get(camera))
        && let (Some(first), Some(last)) = (pictures.first(), pictures.last())
        && t_90k >= first.0
        && t_90k <= last.0
        && let Some((t, picture)) = pictures.iter().rev().find(|(t, _)| *t <= t_90k)
    {
        tile.show_shared(picture.clone(), *t);
        return Ok(());
    }
    // Which recording to show: a big wall scrubs from the camera's preview track (its substream:
    // small keyframes) where it has one at that instant; an exact frame comes from the camera's own.
    let mut track = camera.to_string();
    if !exact {
        let (scrubbed, key_90k) = track_at(reader, camera, t_90k, preview)?;
        // Scrubbing: the keyframe on screen already is the one wanted, nothing to decode.
        if key_90k.is_some() && tile.shown().0 == key_90k {
            return Ok(());
        }
        track = scrubbed;
    }
    let Some(gop) = reader.gop_at(&track, t_90k)? else {
        tile.nothing();
        return Ok(());
    };
    let decoder = decoder_for(decoders, &track, &gop.config)?;
    let target = if exact { gop.target } else { 0 };
    let frames = gop.up_to(target);
    if let Some(cache) = cache.as_mut() {
        let (pictures, _) = decoder.decode_all_to(&frames, target, &mut |_| {})?;
        let pictures: Vec<(Time90k, Arc<crate::media::DecodedFrame>)> = pictures.into_iter().map(|(t, f)| (t, Arc::new(f))).collect();
        if let Some((t, picture)) = pictures.last() {
            tile.show_shared(picture.clone(), *t);
        }
        cache.insert(camera.to_string(), pictures);
        return Ok(());
    }
    let (frame, _) = decoder.decode_to(&frames, target, &mut |_| {})?;
    tile.show(frame, gop.frames[target].0);
    Ok(())
}
