//! The eframe application. For now a plain window listing the site's cameras with their live state
//! and frame rate (the video wall comes with the wall issue). Views never import GStreamer: they
//! read [`crate::media`]'s plain state types only.

mod fonts;
pub mod wall;

use std::sync::Arc;
use std::time::Duration;

use crate::core::site::{Site, StreamProfile};
use crate::media::{Ingest, StreamHandle, StreamKey, StreamSpec, StreamState, SupervisorPolicy};

/// What the window shows: the site and one live substream per enabled camera.
pub struct VigilApp {
    site: Site,
    started: std::time::Instant,
    /// Logged once: how long from start until every camera was live (cold-start figure).
    all_live_logged: bool,
    /// Logged once: every camera has a measured frame rate and size (the list is complete).
    all_streaming_logged: bool,
    /// Declared before `ingest` is dropped (shutdown joins the supervisors).
    handles: Vec<(String, Arc<StreamHandle>)>,
    tiles: Vec<wall::WallTile>,
    wall_state: wall::WallState,
    ingest: Arc<Ingest>,
}

impl VigilApp {
    /// Starts ingest of every enabled camera's substream; repaints come from the wake hook
    /// throttled by the list's refresh interval.
    pub fn new(cc: &eframe::CreationContext<'_>, site: Site) -> Result<Self, String> {
        fonts::install(&cc.egui_ctx);
        if let Some(render_state) = cc.wgpu_render_state.as_ref() {
            crate::render::install(render_state);
        }
        let ctx = cc.egui_ctx.clone();
        // New frames repaint the wall, at most about 30 times a second.
        let wake: crate::media::WakeFn = Arc::new(move || ctx.request_repaint_after(Duration::from_millis(33)));
        let (ingest, _events) = Ingest::new(wake, SupervisorPolicy::default(), 256)?;
        let ingest = Arc::new(ingest);
        let mut handles = Vec::new();
        for cam in site.cameras.iter().filter(|c| c.enabled) {
            let key = StreamKey::new(cam.id.clone(), StreamProfile::Sub);
            let mut spec = StreamSpec::new(key, cam.url(StreamProfile::Sub));
            spec.credentials =
                cam.credential.as_ref().and_then(|id| site.credential(id)).map(|c| (c.username.clone(), c.password.clone()));
            handles.push((cam.id.clone(), ingest.start(spec)));
        }
        let tiles = handles
            .iter()
            .filter_map(|(id, h)| {
                let cam = site.camera(id)?;
                Some(wall::WallTile {
                    camera_name: cam.name.clone(),
                    neighborhood: site.neighborhood(&cam.neighborhood).map_or_else(String::new, |n| n.name.clone()),
                    handle: h.clone(),
                })
            })
            .collect();
        Ok(Self { site, tiles, wall_state: wall::WallState::default(), started: std::time::Instant::now(), all_live_logged: false, all_streaming_logged: false, handles, ingest })
    }

    fn state_text(state: &StreamState) -> (String, egui::Color32) {
        match state {
            StreamState::Connecting => ("Đang kết nối…".into(), egui::Color32::GRAY),
            StreamState::Live => ("TRỰC TIẾP".into(), egui::Color32::from_rgb(60, 180, 75)),
            StreamState::Offline { reason, .. } => (format!("Mất tín hiệu: {reason}"), egui::Color32::from_rgb(230, 25, 75)),
            StreamState::Stopped => ("Đã dừng".into(), egui::Color32::GRAY),
        }
    }

    fn camera_list_ui(&self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            for n in &self.site.neighborhoods {
                self.neighborhood_ui(ui, n);
            }
        });
    }

    fn neighborhood_ui(&self, ui: &mut egui::Ui, n: &crate::core::site::Neighborhood) {
        let [r, g, b] = n.colour.rgb();
        ui.heading(egui::RichText::new(&n.name).color(egui::Color32::from_rgb(r, g, b)));
        egui::Grid::new(("cams", n.id.as_str())).striped(true).num_columns(2).show(ui, |ui| {
            for cam in self.site.cameras_in(&n.id) {
                match self.handles.iter().find(|(id, _)| *id == cam.id) {
                    Some((_, h)) => {
                        let (text, colour) = Self::state_text(&h.state());
                        let st = h.stats();
                        ui.label(egui::RichText::new("•").strong().size(18.0).color(colour)).on_hover_text(text);
                        ui.label(&cam.name).on_hover_text(format!(
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
        ui.add_space(8.0);
    }
}

impl eframe::App for VigilApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // Keep the figures fresh even when no frame arrives (offline cameras).
        ctx.request_repaint_after(Duration::from_secs(1));
        if !self.all_live_logged && !self.handles.is_empty() && self.handles.iter().all(|(_, h)| h.state().is_live()) {
            self.all_live_logged = true;
            tracing::info!(
                cameras = self.handles.len(),
                elapsed_ms = self.started.elapsed().as_millis() as u64,
                "all cameras live"
            );
        }
        if self.all_live_logged
            && !self.all_streaming_logged
            && self.handles.iter().all(|(_, h)| {
                let st = h.stats();
                st.fps > 0.0 && st.width > 0
            })
        {
            self.all_streaming_logged = true;
            tracing::info!(cameras = self.handles.len(), "all cameras streaming");
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::left("cameras").resizable(true).default_size(260.0).show(ui, |ui| {
            ui.heading(&self.site.name);
            let live = self.handles.iter().filter(|(_, h)| h.state().is_live()).count();
            ui.label(format!("{live}/{} camera trực tiếp", self.handles.len()));
            ui.separator();
            self.camera_list_ui(ui);
        });
        egui::CentralPanel::default().frame(egui::Frame::NONE.fill(egui::Color32::BLACK)).show(ui, |ui| {
            wall::wall_ui(ui, &self.tiles, &mut self.wall_state, "TRỰC TIẾP", "MẤT TÍN HIỆU");
        });
    }

    fn on_exit(&mut self) {
        // Teardown may block on dead cameras: do it on a named thread, not the UI thread.
        let ingest = self.ingest.clone();
        let _ = std::thread::Builder::new().name("ingest-shutdown".into()).spawn(move || ingest.shutdown());
    }
}

/// Opens the main window.
pub fn run(site: Site, title: &str) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_title(title).with_inner_size([1600.0, 900.0]).with_maximized(true),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    eframe::run_native(
        "vigil",
        options,
        Box::new(move |cc| Ok(Box::new(VigilApp::new(cc, site).map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?))),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}
