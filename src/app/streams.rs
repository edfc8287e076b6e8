//! Which streams run, at which decode level, for what the wall shows. Runs at the end of each
//! frame with the tiles' sizes as the wall view measured them.
//!
//! - Each tile chooses its profile for its size with hysteresis ([`choose_profile`]); a tile keeps
//!   showing the old profile's frame until the new stream has one (never a black flash).
//! - Streams are shared: one decoder per (camera, profile) whatever number of tiles show it.
//! - Tiles below 120 px decode keyframes only; streams no tile shows pause (the substream of
//!   every enabled camera stays connected, so the camera list always knows who is live).
//! - Main streams no tile needs are stopped.
//! - While the wall shows recordings (playback), live tiles are not on screen: their streams
//!   decode keyframes only (a picture at most a GOP old is ready for the return to live, and the
//!   CPU goes to playback), and main streams stay connected so that return is quick.

use std::collections::HashMap;
use std::sync::Arc;

use crate::core::layout::{DecodeNeed, choose_profile, decode_need};
use crate::core::site::{Site, StreamProfile};
use crate::media::{DecodeMode, Ingest, StreamHandle, StreamKey, StreamSpec};

/// A tile as measured by the wall view this frame.
#[derive(Debug, Clone, PartialEq)]
pub struct TileObservation {
    pub tile: usize,
    pub camera_id: String,
    /// Height on screen in physical pixels.
    pub height_px: f32,
    pub visible: bool,
    /// Digitally zoomed: wants the main stream whatever its size.
    pub zoomed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TilePlan {
    shown: StreamProfile,
    wanted: StreamProfile,
}

#[derive(Default)]
pub struct StreamPlanner {
    tiles: HashMap<usize, (String, TilePlan)>,
}

/// What to open for a camera's profile (URL and login from the site).
pub fn spec_for(site: &Site, camera_id: &str, profile: StreamProfile) -> Option<StreamSpec> {
    StreamSpec::for_camera(site, camera_id, profile)
}

impl StreamPlanner {
    /// The profile tile `tile` should draw now.
    pub fn shown(&self, tile: usize, camera_id: &str) -> StreamProfile {
        match self.tiles.get(&tile) {
            Some((cam, plan)) if cam == camera_id => plan.shown,
            _ => StreamProfile::Sub,
        }
    }

    /// Fits the streams to the tiles. `live_shown` is false while the wall shows recordings.
    pub fn update(&mut self, observations: &[TileObservation], ingest: &Ingest, site: &Site, live_shown: bool) {
        let mut needs: HashMap<StreamKey, DecodeNeed> = HashMap::new();
        let mut seen = Vec::with_capacity(observations.len());
        for obs in observations {
            seen.push(obs.tile);
            let entry = self
                .tiles
                .entry(obs.tile)
                .or_insert_with(|| (obs.camera_id.clone(), TilePlan { shown: StreamProfile::Sub, wanted: StreamProfile::Sub }));
            if entry.0 != obs.camera_id {
                *entry = (obs.camera_id.clone(), TilePlan { shown: StreamProfile::Sub, wanted: StreamProfile::Sub });
            }
            let plan = &mut entry.1;
            let sub_height = ingest
                .handle(&StreamKey::new(obs.camera_id.clone(), StreamProfile::Sub))
                .and_then(|h| h.slot.latest().map(|f| f.height))
                .unwrap_or(360);
            if obs.visible {
                plan.wanted = choose_profile(plan.wanted, obs.height_px, sub_height, obs.zoomed);
            }
            let wanted_handle = start(ingest, site, &obs.camera_id, plan.wanted);
            if plan.shown != plan.wanted && wanted_handle.is_some_and(|h| h.slot.seq() > 0) {
                plan.shown = plan.wanted;
            }
            let need = decode_need(obs.visible, obs.height_px);
            let need = if live_shown { need } else { need.min(DecodeNeed::Keyframes) };
            for profile in [plan.shown, plan.wanted] {
                let slot = needs.entry(StreamKey::new(obs.camera_id.clone(), profile)).or_insert(DecodeNeed::None);
                *slot = (*slot).max(need);
            }
        }
        self.tiles.retain(|tile, _| seen.contains(tile));
        for cam in site.cameras.iter().filter(|c| c.enabled) {
            start(ingest, site, &cam.id, StreamProfile::Sub);
        }
        for handle in ingest.handles() {
            let need = needs.get(&handle.key).copied().unwrap_or(DecodeNeed::None);
            if need == DecodeNeed::None && handle.key.profile == StreamProfile::Main && ingest.stop_unless_recorded(&handle.key) {
                continue;
            }
            let mode = match need {
                DecodeNeed::Full => DecodeMode::Full,
                DecodeNeed::Keyframes => DecodeMode::KeyframesOnly,
                DecodeNeed::None => DecodeMode::Paused,
            };
            if handle.mode() != mode {
                handle.set_mode(mode);
            }
        }
    }
}

fn start(ingest: &Ingest, site: &Site, camera_id: &str, profile: StreamProfile) -> Option<Arc<StreamHandle>> {
    let key = StreamKey::new(camera_id, profile);
    if let Some(h) = ingest.handle(&key) {
        return Some(h);
    }
    spec_for(site, camera_id, profile).map(|spec| ingest.start(spec))
}
