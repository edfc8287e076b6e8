//! What can go wrong in a GStreamer pipeline of ours, typed so that callers can tell a missing
//! plugin from a broken file from a timeout; GStreamer's own words are kept where they are all
//! there is to say.

use std::path::PathBuf;

#[derive(Debug, Clone, thiserror::Error)]
pub enum MediaError {
    #[error("GStreamer failed to initialise: {0}")]
    Init(String),
    /// A plugin is not installed (`make deps` installs them).
    #[error("the GStreamer element {0} is missing (install the GStreamer plugins: make deps)")]
    MissingElement(String),
    #[error("no decoder installed for {0}")]
    NoDecoder(String),
    #[error("video codec {0} (only H.264 and H.265 are supported)")]
    UnsupportedCodec(String),
    /// The caller handed in something the pipeline cannot take (e.g. a GOP without its keyframe).
    #[error("{0}")]
    BadInput(&'static str),
    #[error("timed out {0}")]
    Timeout(&'static str),
    #[error("cancelled")]
    Cancelled,
    /// A file being read or written, and what went wrong with it.
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// GStreamer's own message (a pipeline, link, state change or stream error).
    #[error("{0}")]
    Gst(String),
}

impl MediaError {
    /// GStreamer's own error, in its words.
    pub(crate) fn gst(e: impl std::fmt::Display) -> Self {
        MediaError::Gst(e.to_string())
    }
}
