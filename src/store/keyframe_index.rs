//! The keyframe index blob of a segment row (`segment.keyframe_index`): per keyframe, LEB128
//! varints of the time since the previous keyframe and the byte offset of its fragment since the
//! previous one (~8 bytes a keyframe). The store owns the codecs of what it stores.

use crate::core::time::{Duration90k, Time90k};

/// A keyframe as the blob codes it: its time since the segment start and the byte offset of its fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyframeEntry {
    pub time_90k: u64,
    pub offset: u64,
}

impl KeyframeEntry {
    /// This keyframe of a segment that starts at `segment_start_90k`, in absolute time.
    pub fn in_segment(self, segment_start_90k: Time90k) -> Keyframe {
        Keyframe { at_90k: segment_start_90k + Duration90k(self.time_90k as i64), offset: self.offset }
    }
}

/// A keyframe of a recording: when it was shot and the byte offset of its fragment in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyframe {
    pub at_90k: Time90k,
    pub offset: u64,
}

/// Encodes a keyframe list as the index blob: per entry, LEB128 varints of the time since the
/// previous keyframe and the byte offset since the previous one.
pub fn encode_keyframe_index(entries: &[KeyframeEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 5);
    let (mut t, mut o) = (0u64, 0u64);
    for e in entries {
        put_varint(&mut out, e.time_90k.saturating_sub(t));
        put_varint(&mut out, e.offset.saturating_sub(o));
        (t, o) = (e.time_90k, e.offset);
    }
    out
}

/// The inverse of [`encode_keyframe_index`]; `None` for a malformed blob.
pub fn decode_keyframe_index(blob: &[u8]) -> Option<Vec<KeyframeEntry>> {
    let mut out = Vec::new();
    let (mut t, mut o) = (0u64, 0u64);
    let mut rest = blob;
    while !rest.is_empty() {
        let (dt, r) = get_varint(rest)?;
        let (doff, r) = get_varint(r)?;
        rest = r;
        t += dt;
        o += doff;
        out.push(KeyframeEntry { time_90k: t, offset: o });
    }
    Some(out)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn get_varint(buf: &[u8]) -> Option<(u64, &[u8])> {
    let mut v = 0u64;
    for (i, b) in buf.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, &buf[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_index_round_trips_and_is_compact() {
        let entries: Vec<_> = (0..30).map(|i| KeyframeEntry { time_90k: i * 180_000, offset: 700 + i * 1_000_000 }).collect();
        let blob = encode_keyframe_index(&entries);
        assert_eq!(decode_keyframe_index(&blob).unwrap(), entries);
        // 30 keyframes a minute (2 s GOP): well under 5 KB per camera-minute.
        assert!(blob.len() < 30 * 8, "{} bytes", blob.len());
        assert_eq!(decode_keyframe_index(&[0x80]), None, "a truncated varint is malformed");
    }
}
