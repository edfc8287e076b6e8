//! Writes an evidence clip: a plain (non-fragmented) MP4 that any player opens — `ftyp`, one
//! `mdat` with the frames copied byte for byte from the recorded segments (no re-encode), then
//! `moov` with the full sample table. The SHA-256 is computed while the bytes are written.

use crate::core::time::{Duration90k, Time90k};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use mp4_atom::{
    Co64, Codec, Ctts, CttsEntry, Dinf, Dref, Edts, Elst, ElstEntry, Encode, FixedPoint, Ftyp, Hdlr, Mdhd, Mdia, Minf, Moov, Mvhd, Stbl,
    Stsc, StscEntry, Stss, Stsz, StszSamples, Stts, SttsEntry, Tkhd, Trak, Url, Vmhd,
};
use sha2::{Digest, Sha256};

use super::ExportError;
use crate::record::fmp4::SampleRef;

/// Seconds between 1904-01-01 (MP4 epoch) and 1970-01-01.
const MP4_EPOCH_OFFSET_S: u64 = 2_082_844_800;

/// A continuous stretch of one camera's frames (one run, one codec configuration).
#[derive(Debug, Clone)]
pub struct ClipPart {
    pub codec: Codec,
    /// (segment file, frame) in decode order; times are relative to their segment.
    pub samples: Vec<(PathBuf, SampleRef)>,
    /// UTC time of the first frame, 90 kHz since the epoch.
    pub start_90k: Time90k,
}

impl ClipPart {
    pub fn duration_90k(&self) -> u64 {
        self.samples.iter().map(|(_, s)| u64::from(s.duration_90k)).sum()
    }

    /// Its media time as a span of the 90 kHz clock.
    pub fn duration(&self) -> Duration90k {
        Duration90k(self.samples.iter().map(|(_, s)| i64::from(s.duration_90k)).sum())
    }

    /// UTC time just after its last frame.
    pub fn end_90k(&self) -> Time90k {
        self.start_90k + self.duration()
    }

    pub fn payload_bytes(&self) -> u64 {
        self.samples.iter().map(|(_, s)| u64::from(s.size)).sum()
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    pub bytes: u64,
    pub sha256: String,
}

/// A writer that hashes everything it writes.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `part` to `out` (created; must not exist). `progress(done_bytes)` is called as frames
/// are copied; `cancel` stops the copy (the caller removes the file).
pub fn write_clip(out: &Path, part: &ClipPart, progress: &mut dyn FnMut(u64), cancel: &AtomicBool) -> Result<WrittenFile, ExportError> {
    let io = |source: std::io::Error| ExportError::Io { path: out.to_path_buf(), source };
    let file = File::options().write(true).create_new(true).open(out).map_err(io)?;
    let mut w = Hashing { inner: BufWriter::with_capacity(1 << 20, file), hash: Sha256::new(), bytes: 0 };

    let mut head = Vec::new();
    Ftyp { major_brand: b"isom".into(), minor_version: 512, compatible_brands: vec![b"isom".into(), b"iso2".into(), b"mp41".into()] }
        .encode(&mut head)
        .map_err(|e| ExportError::Format(e.to_string()))?;
    let payload = part.payload_bytes();
    // 64-bit mdat header: size = 1, type, largesize.
    head.extend_from_slice(&1u32.to_be_bytes());
    head.extend_from_slice(b"mdat");
    head.extend_from_slice(&(payload + 16).to_be_bytes());
    let data_start = head.len() as u64;
    w.write_all(&head).map_err(io)?;

    // Frames, copied in order; segment files are opened once each.
    let mut current: Option<(PathBuf, File)> = None;
    let mut buf = Vec::new();
    let mut done = 0u64;
    for (path, s) in &part.samples {
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        if current.as_ref().is_none_or(|(p, _)| p != path) {
            let f = File::open(path).map_err(|source| ExportError::Io { path: path.clone(), source })?;
            current = Some((path.clone(), f));
        }
        let Some((_, f)) = current.as_mut() else { continue };
        buf.resize(s.size as usize, 0);
        f.seek(SeekFrom::Start(s.offset))
            .and_then(|_| f.read_exact(&mut buf))
            .map_err(|source| ExportError::Io { path: path.clone(), source })?;
        w.write_all(&buf).map_err(io)?;
        done += u64::from(s.size);
        progress(done);
    }

    let moov = sample_table(part, data_start)?;
    let mut tail = Vec::new();
    moov.encode(&mut tail).map_err(|e| ExportError::Format(e.to_string()))?;
    w.write_all(&tail).map_err(io)?;
    w.flush().map_err(io)?;
    let Hashing { inner, hash, bytes } = w;
    let file = inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(WrittenFile { bytes, sha256: hex(&hash.finalize()) })
}

fn sample_table(part: &ClipPart, data_start: u64) -> Result<Moov, ExportError> {
    let n = part.samples.len() as u32;
    // Recordings of B-frame streams carry signed composition offsets (decode time = the i-th
    // presentation time). Plain players expect unsigned ones: every offset is raised by the
    // most negative, and an edit list starts the presentation that much into the media, so the
    // first picture is still shown at the clip's start.
    let shift = part.samples.iter().map(|(_, s)| -i64::from(s.cts_90k)).max().unwrap_or(0).max(0);
    let mut stts: Vec<SttsEntry> = Vec::new();
    let mut ctts: Vec<CttsEntry> = Vec::new();
    let mut keyframes = Vec::new();
    let mut sizes = Vec::with_capacity(part.samples.len());
    for (i, (_, s)) in part.samples.iter().enumerate() {
        match stts.last_mut() {
            Some(e) if e.sample_delta == s.duration_90k => e.sample_count += 1,
            _ => stts.push(SttsEntry { sample_count: 1, sample_delta: s.duration_90k }),
        }
        let offset = i64::from(s.cts_90k) + shift;
        match ctts.last_mut() {
            Some(e) if e.sample_offset == offset => e.sample_count += 1,
            _ => ctts.push(CttsEntry { sample_count: 1, sample_offset: offset }),
        }
        if s.keyframe {
            keyframes.push(i as u32 + 1);
        }
        sizes.push(s.size);
    }
    let with_ctts = ctts.iter().any(|e| e.sample_offset != 0);
    let duration = part.duration_90k();
    let mp4_time = part.start_90k.unix_secs().max(0) as u64 + MP4_EPOCH_OFFSET_S;
    let (width, height) = match &part.codec {
        Codec::Avc1(a) => (a.visual.width, a.visual.height),
        Codec::Hev1(h) => (h.visual.width, h.visual.height),
        _ => (0, 0),
    };
    Ok(Moov {
        mvhd: Mvhd {
            creation_time: mp4_time,
            modification_time: mp4_time,
            timescale: 90_000,
            duration,
            next_track_id: 2,
            ..Default::default()
        },
        trak: vec![Trak {
            tkhd: Tkhd {
                creation_time: mp4_time,
                modification_time: mp4_time,
                track_id: 1,
                duration,
                enabled: true,
                in_movie: true,
                width: width.into(),
                height: height.into(),
                ..Default::default()
            },
            edts: (shift > 0).then(|| Edts {
                elst: Some(Elst {
                    entries: vec![ElstEntry {
                        segment_duration: duration,
                        media_time: Some(shift as u64),
                        media_rate: FixedPoint::new(1, 0),
                    }],
                }),
            }),
            mdia: Mdia {
                mdhd: Mdhd { creation_time: mp4_time, modification_time: mp4_time, timescale: 90_000, duration, language: "und".into() },
                hdlr: Hdlr { handler: b"vide".into(), name: "Vigil evidence video".into() },
                minf: Minf {
                    vmhd: Some(Vmhd::default()),
                    dinf: Dinf { dref: Dref { entries: vec![Url::default().into()] } },
                    stbl: Stbl {
                        stsd: mp4_atom::Stsd { codecs: vec![part.codec.clone()] },
                        stts: Stts { entries: stts },
                        ctts: with_ctts.then_some(Ctts { entries: ctts }),
                        stss: Some(Stss { entries: keyframes }),
                        stsc: Stsc { entries: vec![StscEntry { first_chunk: 1, samples_per_chunk: n, sample_description_index: 1 }] },
                        stsz: Stsz { samples: StszSamples::Different { sizes } },
                        stco: None,
                        co64: Some(Co64 { entries: vec![data_start] }),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            },
            ..Default::default()
        }],
        ..Default::default()
    })
}
