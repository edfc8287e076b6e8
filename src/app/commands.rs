//! What the views ask for, grouped by area, and where each group is applied. Views push commands
//! while they draw; [`VigilApp::apply`] runs them after the frame is laid out, so nothing changes
//! mid-frame. A wall command acts on the wall of the window that sent it (the main window's or
//! the second window's), never on whichever wall happens to be current.

use super::VigilApp;
use crate::core::layout::{Direction, Layout, Wall};
use crate::core::settings::Setting;
use crate::core::site::Site;
use crate::core::time::Time90k;
use crate::core::timeline::TimelineCommand;

/// Every change a view can ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum AppCommand {
    /// The main window's wall.
    Wall(WallCommand),
    /// Timeline, playback, selection, bookmarks, export.
    Review(ReviewCommand),
    /// A changed setting: applied, and saved in the data dir.
    Settings(Setting),
    /// Windows, panels and named layouts.
    View(ViewCommand),
    /// The alarm panel: acknowledge, hold, close, review.
    Alarm(super::alarms::AlarmCommand),
}

/// Changes to one wall (either window's): layout, tiles, selection, zoom.
#[derive(Debug, Clone, PartialEq)]
pub enum WallCommand {
    SetLayout(String),
    ShowNeighborhood(String),
    ShowAll,
    ToggleMaximized(usize),
    Select(usize),
    MoveSelection(Direction),
    MaximizeSelected,
    RemoveSelected,
    /// A camera dropped on a tile.
    Assign(usize, String),
    /// A tile dragged onto another.
    Swap(usize, usize),
    Remove(usize),
    /// Wheel over a tile: zoom by a factor around the cursor (its place in the picture, 0..1).
    Zoom(usize, f32, [f32; 2]),
    /// Drag in a zoomed tile: move the picture by tile fractions.
    Pan(usize, [f32; 2]),
    ResetZoom(usize),
    /// Switch a tile between letterbox and fill.
    ToggleFill(usize),
    /// Open the motion settings (`search: false`) or Smart Motion Search of a tile's camera
    /// (the main window's; the app opens the window, the wall is unchanged).
    OpenMotion {
        tile: usize,
        search: bool,
    },
}

/// The reviewer's commands: the timeline and what hangs off it.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewCommand {
    Timeline(TimelineCommand),
    /// Scrub (`exact: false`: the keyframe, while dragging) or jump (`exact: true`) to an instant.
    Seek {
        t_90k: Time90k,
        exact: bool,
    },
    /// One frame back (−1) or forward (+1) in playback.
    Step(i8),
    /// Jump to a date and time typed in the site's zone (`dd/mm/yyyy hh:mm:ss`, …).
    GoTo(String),
    /// In / out points of the selection at the cursor.
    MarkIn,
    MarkOut,
    OpenBookmarkForm,
    OpenExportForm,
    CloseForms,
    ToggleIncidents,
    /// Bookmark the selection on the wall's cameras.
    SaveBookmark {
        title: String,
        note: String,
        lock: bool,
    },
    /// Export as the export form says (cameras, range, officer, case, folder).
    StartExport,
    /// Jump to a bookmark: its cameras on the wall, its range selected, the cursor at its start.
    ShowBookmark(i64),
    LockBookmark(i64, bool),
}

/// Windows, panels, snapshots and named layouts.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewCommand {
    /// Esc: un-maximize the main wall's tile, else leave fullscreen.
    Restore,
    ToggleFullscreen,
    ToggleSettings,
    ToggleTimeline,
    SnapshotSelected,
    /// Save the main wall under a name.
    SaveLayout(String),
    LoadSavedLayout(String),
    DeleteSavedLayout(String),
    OpenSecondWindow,
    /// The close dialog: close, handing the recording to a background process or stopping it.
    ConfirmClose {
        keep_recording: bool,
    },
    /// The close dialog: stay open (recording goes on).
    CancelClose,
}

impl From<WallCommand> for AppCommand {
    fn from(c: WallCommand) -> Self {
        AppCommand::Wall(c)
    }
}

impl From<ReviewCommand> for AppCommand {
    fn from(c: ReviewCommand) -> Self {
        AppCommand::Review(c)
    }
}

impl From<Setting> for AppCommand {
    fn from(c: Setting) -> Self {
        AppCommand::Settings(c)
    }
}

impl From<ViewCommand> for AppCommand {
    fn from(c: ViewCommand) -> Self {
        AppCommand::View(c)
    }
}

/// The site's enabled cameras, in order.
pub(super) fn enabled_ids(site: &Site) -> Vec<String> {
    site.cameras.iter().filter(|c| c.enabled).map(|c| c.id.clone()).collect()
}

impl WallCommand {
    /// Applies the command to `wall` (the wall of the window it came from).
    pub fn apply(self, wall: &mut Wall, site: &Site) {
        match self {
            WallCommand::SetLayout(name) => {
                if let Some(layout) = Layout::standard(&name) {
                    wall.set_layout(layout);
                }
            }
            WallCommand::ShowNeighborhood(id) => {
                let ids: Vec<String> = site.cameras_in(&id).filter(|c| c.enabled).map(|c| c.id.clone()).collect();
                *wall = Wall::new(Layout::fitting(ids.len()), &ids);
            }
            WallCommand::ShowAll => {
                let ids = enabled_ids(site);
                *wall = Wall::new(Layout::fitting(ids.len()), &ids);
            }
            WallCommand::ToggleMaximized(tile) => {
                wall.selected = Some(tile);
                wall.toggle_maximized(tile);
            }
            WallCommand::Select(tile) => {
                tracing::debug!(tile, "tile selected");
                wall.selected = Some(tile);
            }
            WallCommand::MoveSelection(direction) => wall.move_selection(direction),
            WallCommand::MaximizeSelected => {
                if let Some(tile) = wall.selected {
                    wall.toggle_maximized(tile);
                }
            }
            WallCommand::RemoveSelected => {
                if let Some(tile) = wall.selected {
                    wall.remove(tile);
                }
            }
            WallCommand::Assign(tile, camera) => wall.assign(tile, &camera),
            WallCommand::Swap(a, b) => wall.swap(a, b),
            WallCommand::Remove(tile) => wall.remove(tile),
            WallCommand::Zoom(tile, factor, cursor) => wall.zoom_at(tile, factor, cursor),
            WallCommand::Pan(tile, delta) => {
                if wall.zoom(tile).is_zoomed() {
                    wall.pan(tile, delta);
                }
            }
            WallCommand::ResetZoom(tile) => wall.reset_zoom(tile),
            WallCommand::ToggleFill(tile) => wall.toggle_fill(tile),
            WallCommand::OpenMotion { .. } => {}
        }
    }
}

impl VigilApp {
    /// Applies one command (at the end of a frame).
    pub(super) fn apply(&mut self, ctx: &egui::Context, command: AppCommand) {
        match command {
            AppCommand::Wall(WallCommand::OpenMotion { tile, search }) => self.open_motion_window(tile, search),
            AppCommand::Wall(c) => c.apply(&mut self.wall, &self.site),
            AppCommand::Review(c) => self.apply_review(c),
            AppCommand::Settings(s) => self.apply_setting(s),
            AppCommand::View(c) => self.apply_view(ctx, c),
            AppCommand::Alarm(c) => self.apply_alarm(c),
        }
    }

    fn apply_view(&mut self, ctx: &egui::Context, command: ViewCommand) {
        match command {
            ViewCommand::Restore => {
                if self.wall.maximized.is_some() {
                    self.wall.maximized = None;
                } else if self.ui.fullscreen {
                    self.ui.fullscreen = false;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(false));
                }
            }
            ViewCommand::ToggleFullscreen => {
                self.ui.fullscreen = !self.ui.fullscreen;
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(self.ui.fullscreen));
            }
            ViewCommand::ToggleSettings => self.ui.settings_open = !self.ui.settings_open,
            ViewCommand::ToggleTimeline => self.ui.timeline_open = !self.ui.timeline_open,
            ViewCommand::SnapshotSelected => {
                tracing::debug!("snapshot requested");
                self.snapshot_selected();
            }
            ViewCommand::SaveLayout(name) => {
                let saved = crate::store::SavedLayout {
                    name: name.trim().to_string(),
                    layout: self.wall.layout.name.clone(),
                    cameras: self.wall.cameras.clone(),
                };
                if let Some(store) = &mut self.store
                    && let Err(e) = store.save_layout(&saved)
                {
                    self.status = Some(e.to_string());
                    return;
                }
                self.saved_layouts.retain(|l| l.name != saved.name);
                self.saved_layouts.push(saved);
                self.ui.layout_name.clear();
            }
            ViewCommand::LoadSavedLayout(name) => {
                if let Some(saved) = self.saved_layouts.iter().find(|l| l.name == name)
                    && let Some(layout) = Layout::standard(&saved.layout)
                {
                    let mut wall = Wall::new(layout, &[]);
                    for (tile, camera) in saved.cameras.iter().enumerate() {
                        // Cameras removed from the site since are left out.
                        if let Some(id) = camera.as_deref().filter(|id| self.site.camera(id).is_some()) {
                            wall.assign(tile, id);
                        }
                    }
                    self.wall = wall;
                }
            }
            ViewCommand::DeleteSavedLayout(name) => {
                if let Some(store) = &mut self.store
                    && let Err(e) = store.delete_layout(&name)
                {
                    self.status = Some(e.to_string());
                    return;
                }
                self.saved_layouts.retain(|l| l.name != name);
            }
            ViewCommand::OpenSecondWindow => {
                if self.second.is_none() {
                    self.second = Some(super::second_window::SecondWindow::new(&self.wall));
                }
            }
            ViewCommand::ConfirmClose { keep_recording } => self.confirm_close(ctx, keep_recording),
            ViewCommand::CancelClose => self.ui.close_asked = false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sitefile::demo_town;

    #[test]
    fn wall_commands_act_on_the_wall_they_are_given() {
        let site = demo_town(8554);
        let mut main = Wall::new(Layout::fitting(4), &enabled_ids(&site)[..4]);
        let mut second = main.clone();
        WallCommand::SetLayout("1".into()).apply(&mut second, &site);
        WallCommand::ShowNeighborhood(site.neighborhoods[1].id.clone()).apply(&mut second, &site);
        assert_eq!(main.layout.name, "2x2", "the other wall is untouched");
        let in_second: Vec<_> = second.cameras.iter().flatten().cloned().collect();
        assert!(in_second.iter().all(|c| site.camera(c).is_some_and(|c| c.neighborhood == site.neighborhoods[1].id)));
        WallCommand::ToggleMaximized(2).apply(&mut main, &site);
        assert_eq!((main.maximized, main.selected), (Some(2), Some(2)));
        assert_eq!(second.maximized, None);
    }
}
