//! Synchronized playback for the wall: named threads (`playback-<n>`, one per core, at most 4;
//! each camera belongs to one) show every camera of the wall at the timeline's instant, each
//! from its own recordings. Requests are latest-wins (a scrub sends many; only the newest is
//! worked on). A preview request decodes just the keyframe at or before the instant (nothing when
//! that keyframe is already on screen), serving the cameras that waited longest first so a big
//! wall's tiles all keep moving; an exact request decodes the GOP up to the frame at the instant.
//! Playing forward at up to 4x decodes continuously: each update pushes only the frames since
//! the last one into a decoder that is never drained, so every frame is decoded once. Pictures
//! land in per-camera latest-frame slots and go through the same GPU path as live video.
//! Scrub rates per wall size: `vigil bench scrub` (docs/benchmarks.md).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crate::media::playback::GopDecoder;
use crate::media::{LatestFrameSlot, WakeFn};
use crate::record::reader::{RecordingReader, as_gop_frames};

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
    shown_90k: Mutex<Option<i64>>,
    /// UTC time of the picture in the slot, kept through a gap (a tile holding its last picture).
    picture_90k: Mutex<Option<i64>>,
}

impl PlaybackTile {
    fn new() -> Self {
        Self { slot: LatestFrameSlot::new(), shown_90k: Mutex::new(None), picture_90k: Mutex::new(None) }
    }

    fn show(&self, picture: crate::media::DecodedFrame, t_90k: i64) {
        self.slot.store(picture);
        self.mark_shown(t_90k);
    }

    fn show_shared(&self, picture: Arc<crate::media::DecodedFrame>, t_90k: i64) {
        self.slot.store_shared(picture);
        self.mark_shown(t_90k);
    }

    fn mark_shown(&self, t_90k: i64) {
        *self.shown_90k.lock().unwrap_or_else(|e| e.into_inner()) = Some(t_90k);
        *self.picture_90k.lock().unwrap_or_else(|e| e.into_inner()) = Some(t_90k);
    }

    /// Nothing recorded at the asked instant (the slot keeps the last picture).
    fn nothing(&self) {
        *self.shown_90k.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// (recorded instant shown, or `None` in a gap; time of the picture in the slot).
    pub fn shown(&self) -> (Option<i64>, Option<i64>) {
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
    t_90k: i64,
    exact: bool,
    /// Playing forward: continue decoding from where the last request stopped.
    continuous: bool,
}

/// Walls with at most this many cameras keep their last GOP's pictures for backward steps
/// (a 2 s 1080p GOP is ~150 MB of pictures).
const MAX_CACHED_GOPS: usize = 4;

/// Hover thumbnails: keyframe pictures by (camera, whole second), newest last.
const THUMBNAILS_KEPT: usize = 12;

type ThumbnailEntry = ((String, i64), Option<Arc<crate::media::DecodedFrame>>);

/// Per camera: the pictures of the GOP decoded last, with their instants (a step inside it needs
/// no decoding).
type GopPictures = HashMap<String, Vec<(i64, Arc<crate::media::DecodedFrame>)>>;

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
    pub fn show(&self, cameras: Vec<String>, t_90k: i64, exact: bool) {
        self.request(Request { wall_size: cameras.len(), cameras, t_90k, exact, continuous: false });
    }

    /// Playing forward: shows `t_90k`, decoding only the frames since the last request.
    pub fn play_to(&self, cameras: Vec<String>, t_90k: i64) {
        self.request(Request { wall_size: cameras.len(), cameras, t_90k, exact: true, continuous: true });
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
    pub fn thumbnail(&self, camera_id: &str, t_90k: i64) -> Option<Option<Arc<crate::media::DecodedFrame>>> {
        let key = (camera_id.to_string(), t_90k.div_euclid(90_000));
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
    // Continuous decoding: the instant of the last frame pushed, per camera.
    let mut positions: HashMap<String, i64> = HashMap::new();
    // The decoded pictures of the last exact seek's GOP, per camera (few cameras only): a step
    // backwards inside it needs no decoding.
    let mut gops: GopPictures = HashMap::new();
    // When each camera was last served (a count): a scrub serves the longest-waiting first, so
    // on a big wall a stream of requests cannot starve the cameras at the end of the list.
    let mut served: HashMap<String, u64> = HashMap::new();
    let mut served_count = 0u64;
    let inbox = &shared.lanes[lane];
    let thumbnail_wanted = || {
        let th = shared.thumbnails.lock().unwrap_or_else(|e| e.into_inner());
        th.wanted.as_ref().is_some_and(|(camera, _)| shared.lane_of(camera) == lane)
    };
    loop {
        let request = {
            let mut next = inbox.next.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if shared.stopped() {
                    return;
                }
                if let Some(r) = next.take() {
                    break Some(r);
                }
                if thumbnail_wanted() {
                    break None;
                }
                next = inbox.ready.wait(next).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Some(mut request) = request else {
            make_thumbnail(shared, &mut reader, &mut decoders, &mut positions);
            continue;
        };
        if !request.exact {
            request.cameras.sort_by_key(|c| served.get(c).copied().unwrap_or(0));
        }
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
            let shown = if request.continuous {
                gops.remove(camera);
                play_one(&mut reader, &mut decoders, &mut positions, camera, request.t_90k, &tile)
            } else {
                positions.remove(camera);
                let cache = (request.exact && request.cameras.len() <= MAX_CACHED_GOPS).then_some(&mut gops);
                show_one(&mut reader, &mut decoders, cache, camera, &request, &tile)
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
fn track_at(reader: &RecordingReader, camera: &str, t_90k: i64, prefer_preview: bool) -> Result<(String, Option<i64>), PlaybackError> {
    let keyframe = |track: &str| -> Result<Option<i64>, PlaybackError> {
        let key = reader.store().keyframe_at_or_before(track, t_90k)?;
        Ok(key.map(|(_, k)| k.time_90k as i64))
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
    positions: &mut HashMap<String, i64>,
) {
    let Some(key) = shared.thumbnails.lock().unwrap_or_else(|e| e.into_inner()).wanted.take() else { return };
    let (camera, second) = (&key.0, key.1);
    let picture = (|| -> Result<Option<Arc<crate::media::DecodedFrame>>, PlaybackError> {
        // The preview track's small keyframe when there is one (a thumbnail is small anyway).
        let t_90k = second * 90_000;
        let (track, _) = track_at(reader, camera, t_90k, true)?;
        let Some(gop) = reader.gop_at(&track, t_90k)? else { return Ok(None) };
        let decoder = decoder_for(decoders, &track, &gop.config)?;
        // The decoder is drained after this: continuous playback of this camera restarts.
        positions.remove(camera);
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

/// Continuous playback of one camera up to `t_90k`.
fn play_one(
    reader: &mut RecordingReader,
    decoders: &mut HashMap<String, GopDecoder>,
    positions: &mut HashMap<String, i64>,
    camera: &str,
    t_90k: i64,
    tile: &PlaybackTile,
) -> Result<(), PlaybackError> {
    const FRAME: i64 = 3_600;
    if let Some(&pos) = positions.get(camera)
        && t_90k > pos
        && t_90k - pos < 4 * 90_000
        && let Some(decoder) = decoders.get_mut(camera)
    {
        let (frames, continuous) = reader.frames_after(camera, pos, t_90k)?;
        if frames.is_empty() {
            if reader.store().segment_at(camera, t_90k)?.is_none() {
                positions.remove(camera);
                tile.nothing();
            }
            return Ok(());
        }
        if continuous && frames[0].0 - pos <= 3 * FRAME {
            let pushed = as_gop_frames(&frames);
            let pictures = decoder.push_stream(&pushed)?;
            positions.insert(camera.to_string(), frames[frames.len() - 1].0);
            if let Some((t, picture)) = pictures.into_iter().last() {
                tile.show(picture, t);
            }
            return Ok(());
        }
    }
    // Start (or restart after a gap) at the GOP holding the instant.
    let Some(gop) = reader.gop_at(camera, t_90k)? else {
        positions.remove(camera);
        tile.nothing();
        return Ok(());
    };
    let decoder = decoder_for(decoders, camera, &gop.config)?;
    decoder.restart_stream(gop.frames[0].0);
    let pushed = gop.up_to(gop.target);
    let pictures = decoder.push_stream(&pushed)?;
    positions.insert(camera.to_string(), gop.frames[gop.target].0);
    if let Some((t, picture)) = pictures.into_iter().last() {
        tile.show(picture, t);
    }
    Ok(())
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
        let pictures: Vec<(i64, Arc<crate::media::DecodedFrame>)> = pictures.into_iter().map(|(t, f)| (t, Arc::new(f))).collect();
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
