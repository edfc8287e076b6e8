//! The second window (an egui viewport): its own layout bar and wall, drawn from the same
//! streams and textures as the main window. Its commands act on its own wall only.

use super::commands::WallCommand;
use super::i18n::{Msg, tr};
use super::streams::TileObservation;
use super::top_bar::layout_buttons_ui;
use super::wall::{WallState, WallStreams};
use crate::core::layout::Wall;
use crate::core::site::Site;

/// Tile numbers of the second window's wall, as the stream planner sees them (apart from the
/// main wall's).
pub const SECOND_WALL_TILE_OFFSET: usize = 10_000;

/// The second window's wall and its per-tile memory.
pub struct SecondWindow {
    pub wall: Wall,
    state: WallState,
}

impl SecondWindow {
    /// Opens on a copy of `wall` (nothing maximized).
    pub fn new(wall: &Wall) -> Self {
        let mut wall = wall.clone();
        wall.maximized = None;
        Self { wall, state: WallState::default() }
    }

    /// Draws the window and applies its commands to its own wall; `false` once it was closed.
    pub fn show(&mut self, ctx: &egui::Context, streams: &WallStreams<'_>, site: &Site, observations: &mut Vec<TileObservation>) -> bool {
        let mut commands: Vec<WallCommand> = Vec::new();
        let mut close = false;
        let lang = streams.lang;
        let builder = egui::ViewportBuilder::default().with_title(tr(lang, Msg::SecondWindowTitle)).with_inner_size([1280.0, 720.0]);
        let (wall, state) = (&self.wall, &mut self.state);
        ctx.show_viewport_immediate(egui::ViewportId::from_hash_of("vigil-wall-2"), builder, |ui, _class| {
            egui::Panel::top("layouts-2").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| layout_buttons_ui(ui, wall, site, lang, &mut commands));
            });
            egui::CentralPanel::default().frame(egui::Frame::NONE.fill(egui::Color32::BLACK)).show(ui, |ui| {
                streams.wall_ui(ui, wall, SECOND_WALL_TILE_OFFSET, state, &mut commands, observations);
            });
            close = ui.ctx().input(|i| i.viewport().close_requested());
        });
        for command in commands {
            command.apply(&mut self.wall, site);
        }
        !close
    }
}
