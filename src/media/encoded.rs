//! Compressed access units as they leave the parser, handed to the recorder without copying and
//! without GStreamer types in the public API.
//!
//! A stream's [`RecordTap`] is a bounded channel. The live pipeline's parser probe sends
//! [`TapMessage::Start`] once per connection (and whenever the codec configuration changes), then
//! one [`TapMessage::Unit`] per access unit. A full channel never blocks the streaming thread: the
//! unit is dropped and counted (`StreamHandle::tap_dropped`).

use std::fmt;
use std::sync::mpsc::SyncSender;

/// Video codecs the recorder stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoCodec {
    H264,
    H265,
}

impl VideoCodec {
    pub fn as_str(self) -> &'static str {
        match self {
            VideoCodec::H264 => "H264",
            VideoCodec::H265 => "H265",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "H264" => Some(VideoCodec::H264),
            "H265" => Some(VideoCodec::H265),
            _ => None,
        }
    }
}

impl fmt::Display for VideoCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a decoder (or an MP4 sample entry) needs to know before the first unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecConfig {
    pub codec: VideoCodec,
    /// The `avcC` / `hvcC` record (ISO/IEC 14496-15), as the parser put it in its caps.
    pub codec_data: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Owner of an access unit's bytes (a mapped GStreamer buffer, or a `Vec` in tests).
pub trait UnitData: Send {
    fn bytes(&self) -> &[u8];
}

impl UnitData for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// One compressed picture in MP4 sample form (length-prefixed NAL units).
pub struct EncodedUnit {
    /// Presentation time in the pipeline's running time, ns.
    pub pts_ns: u64,
    /// Decode time, ns; equals `pts_ns` when the stream has no reordering (typical of cameras).
    pub dts_ns: u64,
    pub keyframe: bool,
    /// Wall-clock time of `pts_ns`, ns since the Unix epoch (UTC): arrival time corrected by how
    /// long the unit waited in the jitter buffer.
    pub wall_unix_ns: u64,
    pub data: Box<dyn UnitData>,
}

impl fmt::Debug for EncodedUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedUnit")
            .field("pts_ns", &self.pts_ns)
            .field("dts_ns", &self.dts_ns)
            .field("keyframe", &self.keyframe)
            .field("bytes", &self.data.bytes().len())
            .finish()
    }
}

#[derive(Debug)]
pub enum TapMessage {
    /// A (new) connection or codec configuration: what follows belongs to a new run.
    Start(CodecConfig),
    Unit(EncodedUnit),
}

/// Where a stream's access units go when someone records it.
pub type RecordTap = SyncSender<TapMessage>;
