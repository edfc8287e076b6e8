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

/// One compressed picture in MP4 sample form (length-prefixed NAL units), in decode order.
pub struct EncodedUnit {
    /// The camera's presentation time of the picture: the RTP timestamp of its packets, 90 kHz
    /// as sent (it wraps at 2^32). A recorded frame's time comes from here, never from arrival.
    pub rtp_timestamp: u32,
    /// When it left the parser, ns since the Unix epoch (UTC). Anchors a recording run and
    /// checks the camera's clock against the local one; never a frame's time.
    pub arrival_unix_ns: u64,
    pub keyframe: bool,
    pub data: Box<dyn UnitData>,
}

impl fmt::Debug for EncodedUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncodedUnit")
            .field("rtp_timestamp", &self.rtp_timestamp)
            .field("keyframe", &self.keyframe)
            .field("bytes", &self.data.bytes().len())
            .finish()
    }
}

/// The RTP timestamp of a packet (RFC 3550 fixed header), or `None` for anything shorter or
/// of another version.
pub fn rtp_timestamp(packet: &[u8]) -> Option<u32> {
    let header = packet.get(..12)?;
    (header[0] >> 6 == 2).then(|| u32::from_be_bytes([header[4], header[5], header[6], header[7]]))
}

#[derive(Debug)]
pub enum TapMessage {
    /// A (new) connection or codec configuration: what follows belongs to a new run.
    Start(CodecConfig),
    Unit(EncodedUnit),
}

/// Where a stream's access units go when someone records it.
pub type RecordTap = SyncSender<TapMessage>;

/// Whether an H.265 access unit in length-prefixed (`hvc1`/`hev1`) form holds an IRAP picture
/// (NAL types 16–21: BLA, IDR, CRA), i.e. one a decoder can start from. h265parse flags the first
/// unit after joining a running stream as a keyframe when the depayloader put the parameter sets
/// in front of it, even when its picture is a trailing one; a recording or a keyframe-only tile
/// that started there would show garbage until the next real keyframe.
pub fn h265_au_has_irap(data: &[u8], nal_length_size: usize) -> bool {
    let n = nal_length_size.clamp(1, 4);
    let mut i = 0;
    while i + n < data.len() {
        let len = data[i..i + n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        let nal_type = (data[i + n] >> 1) & 0x3f;
        if (16..=21).contains(&nal_type) {
            return true;
        }
        i += n + len;
    }
    false
}

/// NAL length size (1, 2 or 4 bytes) from an `hvcC` record; 4 when the record is too short.
pub fn hvcc_nal_length_size(hvcc: &[u8]) -> usize {
    hvcc.get(21).map_or(4, |b| usize::from(b & 3) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn au(nals: &[&[u8]]) -> Vec<u8> {
        nals.iter().flat_map(|n| (n.len() as u32).to_be_bytes().into_iter().chain(n.iter().copied())).collect()
    }

    #[test]
    fn an_h265_unit_is_a_keyframe_only_with_an_irap_picture() {
        // VPS (32), SPS (33), PPS (34) headers: type << 1.
        let (vps, sps, pps) = (&[0x40, 0x01, 0xaa][..], &[0x42, 0x01, 0xbb][..], &[0x44, 0x01, 0xcc][..]);
        let idr = &[0x28, 0x01, 1, 2, 3][..]; // IDR_N_LP (20)
        let cra = &[0x2a, 0x01, 4, 5][..]; // CRA (21)
        let trail = &[0x02, 0x01, 6, 7, 8][..]; // TRAIL_R (1)
        assert!(h265_au_has_irap(&au(&[vps, sps, pps, idr]), 4));
        assert!(h265_au_has_irap(&au(&[vps, sps, pps, cra]), 4));
        // What h265parse flagged as a keyframe when joining mid-GOP: parameter sets + a trailing picture.
        assert!(!h265_au_has_irap(&au(&[vps, sps, pps, trail]), 4));
        assert!(!h265_au_has_irap(&au(&[trail]), 4));
        // Truncated or empty units are not keyframes (and do not panic).
        assert!(!h265_au_has_irap(&[], 4));
        assert!(!h265_au_has_irap(&[0, 0, 0, 200, 0x02], 4));
        let mut hvcc = vec![0u8; 23];
        hvcc[21] = 0xfc | 3;
        assert_eq!(hvcc_nal_length_size(&hvcc), 4);
        hvcc[21] = 0xfc | 1;
        assert_eq!(hvcc_nal_length_size(&hvcc), 2);
        assert_eq!(hvcc_nal_length_size(&[1, 2]), 4);
    }

    #[test]
    fn the_rtp_timestamp_is_read_from_the_fixed_header() {
        let mut packet = vec![0x80, 0x60, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 0x65];
        assert_eq!(rtp_timestamp(&packet), Some(0xdead_beef));
        packet[0] = 0x40; // version 1
        assert_eq!(rtp_timestamp(&packet), None);
        assert_eq!(rtp_timestamp(&[0x80; 11]), None);
    }
}
