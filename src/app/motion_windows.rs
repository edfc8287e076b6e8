//! The two motion windows of the app (opened from a tile's menu): a camera's motion settings
//! ([`super::motion_edit`]) and Smart Motion Search ([`super::motion_search`]). The views draw;
//! here their actions are carried out (rules saved, the store searched, playback moved).

use std::sync::Arc;

use super::VigilApp;
use super::commands::{AppCommand, ReviewCommand, WallCommand};
use super::motion_edit::{MotionEdit, MotionEditAction, motion_edit_ui};
use super::motion_search::{MAX_MOMENTS, MotionSearch, SearchAction, motion_search_ui};
use crate::core::alarm::MotionRule;
use crate::core::settings::Setting;
use crate::core::site::StreamProfile;
use crate::core::time::{Duration90k, Time90k};
use crate::core::timeline::Span90k;
use crate::media::{DecodedFrame, StreamKey};

/// A moment is played from a little before it.
const MOMENT_PRE_ROLL: Duration90k = Duration90k::from_secs(2);

/// Which motion windows are open.
#[derive(Default)]
pub(super) struct MotionWindows {
    pub edit: Option<MotionEdit>,
    pub search: Option<MotionSearch>,
}

impl VigilApp {
    /// Opens a motion window for the camera on `tile` (`search`: Smart Motion Search, else its
    /// motion settings).
    pub(super) fn open_motion_window(&mut self, tile: usize, search: bool) {
        let Some(camera) = self.wall.cameras.get(tile).and_then(|c| c.clone()) else { return };
        if search {
            self.motion.search = Some(MotionSearch::new(&camera));
            // The moments found are played on the wall: the timeline shows where they are.
            self.ui.timeline_open = true;
        } else {
            self.motion.edit = Some(MotionEdit::new(&camera, &self.settings.alarm_rules));
        }
        self.wall.selected = Some(tile);
    }

    /// The camera's newest live picture (its substream where it has one).
    fn motion_frame(&self, camera: &str) -> Option<(Arc<DecodedFrame>, u64)> {
        [StreamProfile::Sub, StreamProfile::Main].into_iter().find_map(|p| {
            let h = self.ingest.handle(&StreamKey::new(camera, p))?;
            Some((h.slot.latest()?, h.slot.seq()))
        })
    }

    pub(super) fn motion_windows_ui(&mut self, ctx: &egui::Context) {
        let lang = self.settings.lang;
        let name = |app: &VigilApp, id: &str| app.site.camera(id).map_or_else(|| id.to_string(), |c| c.name.clone());
        if let Some(mut edit) = self.motion.edit.take() {
            let (camera_name, frame) = (name(self, &edit.camera), self.motion_frame(&edit.camera));
            match motion_edit_ui(ctx, &mut edit, &camera_name, frame, lang) {
                Some(MotionEditAction::Save(camera, rule)) => self.save_motion_rule(&camera, rule),
                Some(MotionEditAction::Close) => {}
                None => self.motion.edit = Some(edit),
            }
        }
        if let Some(mut search) = self.motion.search.take() {
            let (camera_name, frame) = (name(self, &search.camera), self.motion_frame(&search.camera));
            let tz = self.site.timezone;
            let format_time = |t: Time90k| crate::core::time::local_date_time_hundredths(t, tz).chars().take(19).collect::<String>();
            match motion_search_ui(ctx, &mut search, &camera_name, frame, lang, &format_time) {
                Some(SearchAction::Search) => {
                    self.run_motion_search(&mut search);
                    self.motion.search = Some(search);
                }
                Some(SearchAction::Seek(at)) => {
                    self.play_camera_from(Some(&search.camera), at - MOMENT_PRE_ROLL);
                    self.motion.search = Some(search);
                }
                Some(SearchAction::Close) => {}
                None => self.motion.search = Some(search),
            }
        }
    }

    /// The camera's rule in the alarm rules as stored now (another process may have changed
    /// others since this window read them), saved; the recorder's runner takes it within seconds.
    fn save_motion_rule(&mut self, camera: &str, rule: MotionRule) {
        let mut rules = match &self.store {
            Some(store) => store.settings().map(|s| s.alarm_rules).unwrap_or_else(|_| self.settings.alarm_rules.clone()),
            None => self.settings.alarm_rules.clone(),
        };
        rules.motion.insert(camera.to_string(), rule);
        tracing::info!(camera, "motion settings saved");
        self.commands.push(AppCommand::Settings(Setting::AlarmRules(Box::new(rules))));
    }

    /// Searches the timeline's window for seconds with motion in the region.
    fn run_motion_search(&mut self, search: &mut MotionSearch) {
        let Some(store) = &self.store else {
            search.error = Some("no recordings here".into());
            return;
        };
        let (start, span) = self.review.timeline.view();
        let range = Span90k { start_90k: start, end_90k: start + span };
        match store.motion_in_region(&search.camera, range.start_90k, range.end_90k, search.region) {
            Ok(seconds) => {
                let mut moments = crate::core::motion_search::moments(&seconds);
                let extra = moments.len().saturating_sub(MAX_MOMENTS);
                moments.drain(..extra);
                tracing::info!(camera = search.camera, moments = moments.len(), "motion search");
                search.found = Some((moments, range));
            }
            Err(e) => search.error = Some(e.to_string()),
        }
    }

    /// The camera on a tile (the one it is on, else the selected one) and playback from `at`,
    /// the timeline open: an alarm's review and a found moment of motion alike.
    pub(super) fn play_camera_from(&mut self, camera: Option<&str>, at: Time90k) {
        if let Some(camera) = camera {
            let on_wall = self.wall.cameras.iter().position(|c| c.as_deref() == Some(camera));
            let tile = on_wall.or(self.wall.selected).unwrap_or(0);
            if self.wall.cameras.get(tile).is_none_or(|c| c.as_deref() != Some(camera)) {
                WallCommand::Assign(tile, camera.to_string()).apply(&mut self.wall, &self.site);
            }
            self.wall.selected = Some(tile);
        }
        self.ui.timeline_open = true;
        self.commands.push(ReviewCommand::Seek { t_90k: at, exact: true }.into());
    }
}
