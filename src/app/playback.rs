//! Synchronized playback for the wall: one named thread (`playback`) shows every camera of the
//! wall at the timeline's instant, each from its own recordings. Requests are latest-wins (a
//! scrub sends many; only the newest is worked on). A preview request decodes just the keyframe
//! at or before the instant (cheap: ≥ 20 updates a second while dragging); an exact request
//! decodes the GOP up to the frame at the instant. Pictures land in per-camera latest-frame
//! slots and go through the same GPU path as live video.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use crate::media::playback::{GopDecoder, GopFrame};
use crate::media::{LatestFrameSlot, WakeFn};
use crate::record::reader::RecordingReader;

/// What a tile shows in playback.
pub struct PlaybackTile {
    pub slot: LatestFrameSlot,
    /// UTC time (90 kHz) of the picture in the slot; `None`: no recording at the asked instant.
    pub shown_90k: Mutex<Option<i64>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Request {
    cameras: Vec<String>,
    t_90k: i64,
    exact: bool,
}

struct Shared {
    next: Mutex<Option<Request>>,
    ready: Condvar,
    stop: Mutex<bool>,
    tiles: Mutex<HashMap<String, Arc<PlaybackTile>>>,
}

pub struct PlaybackEngine {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PlaybackEngine {
    pub fn start(data_dir: PathBuf, wake: WakeFn) -> Self {
        let shared = Arc::new(Shared {
            next: Mutex::new(None),
            ready: Condvar::new(),
            stop: Mutex::new(false),
            tiles: Mutex::new(HashMap::new()),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("playback".into())
            .spawn(move || run(&worker, &data_dir, &wake))
            .ok();
        Self { shared, thread }
    }

    /// Asks for `cameras` at `t_90k` (replacing any request not started yet).
    pub fn show(&self, cameras: Vec<String>, t_90k: i64, exact: bool) {
        *self.shared.next.lock().unwrap_or_else(|e| e.into_inner()) = Some(Request { cameras, t_90k, exact });
        self.shared.ready.notify_one();
    }

    pub fn tile(&self, camera_id: &str) -> Option<Arc<PlaybackTile>> {
        self.shared.tiles.lock().unwrap_or_else(|e| e.into_inner()).get(camera_id).cloned()
    }
}

impl Drop for PlaybackEngine {
    fn drop(&mut self) {
        *self.shared.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.ready.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(shared: &Shared, data_dir: &std::path::Path, wake: &WakeFn) {
    let mut reader = match RecordingReader::open(data_dir) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("playback cannot read the recordings: {e}");
            return;
        }
    };
    let mut decoders: HashMap<String, GopDecoder> = HashMap::new();
    loop {
        let request = {
            let mut next = shared.next.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if *shared.stop.lock().unwrap_or_else(|e| e.into_inner()) {
                    return;
                }
                if let Some(r) = next.take() {
                    break r;
                }
                next = shared.ready.wait(next).unwrap_or_else(|e| e.into_inner());
            }
        };
        for camera in &request.cameras {
            let tile = shared
                .tiles
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(camera.clone())
                .or_insert_with(|| Arc::new(PlaybackTile { slot: LatestFrameSlot::new(), shown_90k: Mutex::new(None) }))
                .clone();
            match show_one(&mut reader, &mut decoders, camera, request.t_90k, request.exact, &tile) {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(camera = %camera, "playback: {e}");
                    *tile.shown_90k.lock().unwrap_or_else(|e| e.into_inner()) = None;
                }
            }
            wake();
            // A newer request (the user is still scrubbing) wins over the rest of this one.
            if shared.next.lock().unwrap_or_else(|e| e.into_inner()).is_some() && !request.exact {
                break;
            }
        }
    }
}

fn show_one(
    reader: &mut RecordingReader,
    decoders: &mut HashMap<String, GopDecoder>,
    camera: &str,
    t_90k: i64,
    exact: bool,
    tile: &PlaybackTile,
) -> Result<(), String> {
    let Some(gop) = reader.gop_at(camera, t_90k).map_err(|e| e.to_string())? else {
        *tile.shown_90k.lock().unwrap_or_else(|e| e.into_inner()) = None;
        return Ok(());
    };
    if decoders.get(camera).is_none_or(|d| *d.config() != gop.config) {
        decoders.insert(camera.to_string(), GopDecoder::new(&gop.config)?);
    }
    let Some(decoder) = decoders.get_mut(camera) else { return Ok(()) };
    let target = if exact { gop.target } else { 0 };
    let frames: Vec<GopFrame<'_>> =
        gop.frames.iter().take(target + 1).map(|(p, k, d)| GopFrame { data: d, keyframe: *k, pts_90k: *p }).collect();
    let (frame, _) = decoder.decode_to(&frames, target, &mut |_| {})?;
    tile.slot.store(frame);
    *tile.shown_90k.lock().unwrap_or_else(|e| e.into_inner()) = Some(gop.frames[target].0);
    Ok(())
}
