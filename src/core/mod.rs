//! Pure domain models: no egui, GStreamer or wgpu imports here (a test in `tests/architecture.rs`
//! checks it). Everything in `core` is tested headless.

pub mod alarm;
pub mod html;
pub mod layout;
pub mod motion_mask;
pub mod motion_search;
pub mod settings;
pub mod site;
pub mod sitefile;
pub mod time;
pub mod timeline;
