//! The side panel: the site's name, how many cameras are live, the recording summary, the last
//! status line, and the camera list grouped by neighborhood (drag a camera onto a tile).

use std::sync::Arc;

use super::VigilApp;
use super::commands::enabled_ids;
use super::i18n::{Lang, Msg, reason_text, tr};
use crate::core::site::{Neighborhood, StreamProfile};
use crate::media::{StreamHandle, StreamKey, StreamState};

impl VigilApp {
    pub(super) fn side_panel_ui(&mut self, ui: &mut egui::Ui) {
        let lang = self.settings.lang;
        ui.heading(&self.site.name);
        let ids = enabled_ids(&self.site);
        let live = ids.iter().filter(|id| self.sub_handle(id).is_some_and(|h| h.state().is_live())).count();
        ui.label(format!("{live}/{} {}", ids.len(), tr(lang, Msg::CamerasLive)));
        self.recording.summary_ui(ui, &self.site, lang);
        if let Some(status) = &self.status {
            ui.label(egui::RichText::new(status).small());
        }
        ui.separator();
        egui::ScrollArea::vertical().show(ui, |ui| {
            for n in &self.site.neighborhoods {
                self.neighborhood_ui(ui, n);
            }
        });
    }

    /// A camera's substream handle (every enabled camera's substream stays connected).
    pub(super) fn sub_handle(&self, camera_id: &str) -> Option<Arc<StreamHandle>> {
        self.ingest.handle(&StreamKey::new(camera_id, StreamProfile::Sub))
    }

    fn neighborhood_ui(&self, ui: &mut egui::Ui, n: &Neighborhood) {
        let [r, g, b] = n.colour.rgb();
        let cams: Vec<_> = self.site.cameras_in(&n.id).collect();
        let live = cams.iter().filter(|c| self.sub_handle(&c.id).is_some_and(|h| h.state().is_live())).count();
        let id = ui.make_persistent_id(("neighborhood", n.id.as_str()));
        egui::collapsing_header::CollapsingState::load_with_default_open(ui.ctx(), id, true)
            .show_header(ui, |ui| {
                ui.label(egui::RichText::new(&n.name).heading().color(egui::Color32::from_rgb(r, g, b)));
                let colour = if live == cams.len() { egui::Color32::GRAY } else { egui::Color32::from_rgb(230, 25, 75) };
                ui.label(egui::RichText::new(format!("{live}/{}", cams.len())).small().color(colour));
            })
            .body(|ui| self.neighborhood_cameras_ui(ui, n));
    }

    fn neighborhood_cameras_ui(&self, ui: &mut egui::Ui, n: &Neighborhood) {
        egui::Grid::new(("cams", n.id.as_str())).striped(true).num_columns(2).show(ui, |ui| {
            for cam in self.site.cameras_in(&n.id) {
                match self.sub_handle(&cam.id) {
                    Some(h) => {
                        let (text, colour) = state_text(self.settings.lang, &h.state());
                        let st = h.stats();
                        ui.label(egui::RichText::new("•").strong().size(18.0).color(colour)).on_hover_text(text);
                        // Drag a camera from the list onto a tile of the wall.
                        let drag = ui.dnd_drag_source(
                            egui::Id::unique(("drag-camera", cam.id.as_str())),
                            super::wall::DragPayload::Camera(cam.id.clone()),
                            |ui| ui.label(&cam.name),
                        );
                        drag.inner.on_hover_text(format!(
                            "{:.1} fps · {}x{} · {} · {:.0} kbit/s · {:.1} ms/frame",
                            st.fps, st.width, st.height, st.decoder, st.bitrate_kbps, st.decode_ms
                        ));
                    }
                    None => {
                        ui.label("·");
                        ui.label(&cam.name);
                    }
                }
                ui.end_row();
            }
        });
        ui.add_space(6.0);
    }
}

/// A stream's state in words and its colour.
fn state_text(lang: Lang, state: &StreamState) -> (String, egui::Color32) {
    match state {
        StreamState::Connecting => (tr(lang, Msg::Connecting).into(), egui::Color32::GRAY),
        StreamState::Live => (tr(lang, Msg::Live).into(), egui::Color32::from_rgb(60, 180, 75)),
        StreamState::NoPicture { .. } => (tr(lang, Msg::NoNewPictureShort).into(), super::wall::NO_PICTURE_COLOUR),
        StreamState::Offline { reason, .. } => {
            (format!("{}: {}", tr(lang, Msg::Offline), reason_text(lang, reason)), egui::Color32::from_rgb(230, 25, 75))
        }
        StreamState::Stopped => (tr(lang, Msg::Stopped).into(), egui::Color32::GRAY),
    }
}
