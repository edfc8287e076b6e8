//! Vigil: a video wall, recorder and evidence tool for a town's security cameras.
//!
//! Module map and rules (docs/architecture.md has the longer version):
//! - [`core`]: pure models (site, layout, timeline, settings, time). Imports no other module of
//!   ours and neither egui nor GStreamer; tested headless.
//! - [`store`]: the SQLite database of a data dir (`schema.sql`, migrations, typed API, the codecs
//!   of what it stores). Never imports the recorder, the app or media.
//! - [`media`]: everything GStreamer: live ingest, decoders, the simulated town. Never imports egui,
//!   the store or the recorder.
//! - [`export`]: evidence export (remux to MP4, manifest with SHA-256) and its verifier.
//! - [`alarm`]: the alarm runner: a named thread in the process that records, feeding facts from
//!   the streams and the recorder into [`core::alarm`] and storing every transition. Never
//!   imports the recorder, the app or the CLI.
//! - [`record`]: the recorder: fragmented-MP4 segments indexed in SQLite, crash recovery, retention.
//! - [`playback`]: the egui-free playback engine (decoding lanes, scrubs, thumbnails).
//! - [`render`]: wgpu drawing of decoded frames (YUV planes in textures, WGSL conversion).
//! - [`app`]: the eframe application and its thin views. Never imports GStreamer.
//! - [`bench`]: `vigil bench …` benchmarks that print JSON.
//! - [`cli`]: the command line (`src/main.rs` only calls [`cli::main`]); clap types apart from
//!   one handler file per command family.
//!
//! `tests/architecture.rs` checks these edges.
//!
//! Threads are named; channels are bounded; blocking GStreamer calls stay off the UI thread.

pub mod alarm;
pub mod app;
pub mod bench;
pub mod cli;
pub mod core;
pub mod export;
pub mod media;
pub mod paths;
pub mod playback;
pub mod record;
pub mod render;
pub mod store;
