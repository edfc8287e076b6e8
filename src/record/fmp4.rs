//! Segment files: fragmented MP4 with one video track at a 90 kHz timescale.
//!
//! Layout: `ftyp`, `moov` (codec configuration, `mvex` with a `mehd` patched with the total
//! duration when the segment is finished), then `moof`+`mdat` fragments. A fragment starts at
//! every keyframe and at least every `fragment_90k`, and is written with one `write` call, so a
//! crash (even `kill -9`) loses at most the fragment being gathered; [`scan`] finds the last
//! complete fragment of such a file. Each keyframe begins a fragment, so the keyframe index stores
//! the byte offset of that fragment's `moof`: a reader seeks there after the `ftyp`+`moov`.
//!
//! The boxes are encoded with the `mp4-atom` crate; this module decides their contents.

use crate::core::time::Duration90k;
use crate::store::keyframe_index::KeyframeEntry;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use mp4_atom::{
    Atom, Avc1, Avcc, Codec, Decode, Dinf, Dref, Encode, Ftyp, Hdlr, Hev1, Hvcc, Mdhd, Mdia, Mehd, Mfhd, Minf, Moof, Moov, Mvex, Mvhd,
    Stbl, Stco, Stsc, Stsd, Stsz, Stts, Tfdt, Tfhd, Tkhd, Traf, Trak, Trex, Trun, TrunEntry, TrunSamples, Url, Visual, Vmhd,
};

use crate::media::{CodecConfig, UnitData, VideoCodec};

/// Ticks per second of every time in the files and the index.
pub const TIMESCALE: u32 = 90_000;
const TRACK_ID: u32 = 1;
/// `sample_depends_on = 2` (an I picture).
const FLAGS_SYNC: u32 = 0x0200_0000;
/// `sample_depends_on = 1`, `sample_is_non_sync_sample = 1`.
const FLAGS_NON_SYNC: u32 = 0x0101_0000;
/// Seconds between 1904-01-01 (MP4 epoch) and 1970-01-01.
const MP4_EPOCH_OFFSET_S: u64 = 2_082_844_800;

#[derive(Debug, thiserror::Error)]
pub enum Fmp4Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a Vigil segment: {message}")]
    Format { path: PathBuf, message: String },
    #[error("cannot encode the codec configuration: {0}")]
    Config(String),
}

impl Fmp4Error {
    /// The disk is full (ENOSPC) or the file may not grow (quota, EFBIG).
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Fmp4Error::Io { source, .. } if matches!(source.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG)))
    }
}

/// One frame to store.
pub struct Sample {
    pub duration_90k: u32,
    /// Presentation minus decode time, 90 kHz (0 without reordering).
    pub cts_offset_90k: i32,
    pub keyframe: bool,
    pub data: Box<dyn UnitData>,
}

/// What a finished (or scanned) segment holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSummary {
    pub bytes: u64,
    pub frames: u64,
    pub duration_90k: u64,
    pub keyframes: Vec<KeyframeEntry>,
    pub codec: VideoCodec,
    pub width: u32,
    pub height: u32,
}

impl SegmentSummary {
    /// The segment's media time as a span of the 90 kHz clock.
    pub fn duration(&self) -> Duration90k {
        Duration90k(i64::try_from(self.duration_90k).unwrap_or(i64::MAX))
    }
}

/// Writes one segment file.
pub struct SegmentWriter {
    file: File,
    path: PathBuf,
    codec: VideoCodec,
    width: u32,
    height: u32,
    /// Bytes of complete boxes in the file; a failed write is cut back to this.
    bytes: u64,
    /// Where the `mehd` duration (u64, big-endian) sits, to patch on finish.
    mehd_offset: u64,
    sequence: u32,
    /// Media time where the pending fragment starts.
    decode_time_90k: u64,
    pending: Vec<Sample>,
    pending_90k: u64,
    fragment_90k: u64,
    frames: u64,
    keyframes: Vec<KeyframeEntry>,
    /// Media time of the last `sync_data`.
    synced_90k: u64,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Fmp4Error + '_ {
    move |source| Fmp4Error::Io { path: path.to_path_buf(), source }
}

/// `ftyp` + `moov` for a codec configuration; returns the bytes and the offset of the `mehd`
/// duration field within them.
fn init_segment(config: &CodecConfig, creation_unix_s: u64) -> Result<(Vec<u8>, u64), Fmp4Error> {
    let visual = Visual {
        data_reference_index: 1,
        width: config.width.min(u16::MAX as u32) as u16,
        height: config.height.min(u16::MAX as u32) as u16,
        ..Default::default()
    };
    let codec: Codec = match config.codec {
        VideoCodec::H264 => {
            let avcc = Avcc::decode_body(&mut config.codec_data.as_slice()).map_err(|e| Fmp4Error::Config(format!("avcC: {e}")))?;
            Avc1 { visual, avcc, btrt: None, colr: None, pasp: None, taic: None, fiel: None, spatial: None }.into()
        }
        VideoCodec::H265 => {
            let hvcc = Hvcc::decode_body(&mut config.codec_data.as_slice()).map_err(|e| Fmp4Error::Config(format!("hvcC: {e}")))?;
            Hev1 { visual, hvcc, lhvc: None, btrt: None, colr: None, pasp: None, taic: None, fiel: None, spatial: None }.into()
        }
    };
    let mp4_time = creation_unix_s + MP4_EPOCH_OFFSET_S;
    let moov = Moov {
        mvhd: Mvhd {
            creation_time: mp4_time,
            modification_time: mp4_time,
            timescale: TIMESCALE,
            next_track_id: TRACK_ID + 1,
            ..Default::default()
        },
        mvex: Some(Mvex {
            mehd: Some(Mehd { fragment_duration: 0 }),
            trex: vec![Trex { track_id: TRACK_ID, default_sample_description_index: 1, ..Default::default() }],
        }),
        trak: vec![Trak {
            tkhd: Tkhd {
                creation_time: mp4_time,
                modification_time: mp4_time,
                track_id: TRACK_ID,
                enabled: true,
                in_movie: true,
                width: (config.width.min(u16::MAX as u32) as u16).into(),
                height: (config.height.min(u16::MAX as u32) as u16).into(),
                ..Default::default()
            },
            mdia: Mdia {
                mdhd: Mdhd {
                    creation_time: mp4_time,
                    modification_time: mp4_time,
                    timescale: TIMESCALE,
                    duration: 0,
                    language: "und".into(),
                },
                hdlr: Hdlr { handler: b"vide".into(), name: "Vigil video".into() },
                minf: Minf {
                    vmhd: Some(Vmhd::default()),
                    dinf: Dinf { dref: Dref { entries: vec![Url::default().into()] } },
                    stbl: Stbl {
                        stsd: Stsd { codecs: vec![codec] },
                        stts: Stts::default(),
                        stsc: Stsc::default(),
                        stsz: Stsz::default(),
                        stco: Some(Stco::default()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            },
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut buf = Vec::with_capacity(1024);
    Ftyp { major_brand: b"iso6".into(), minor_version: 0, compatible_brands: vec![b"iso6".into(), b"mp41".into()] }
        .encode(&mut buf)
        .map_err(|e| Fmp4Error::Config(e.to_string()))?;
    moov.encode(&mut buf).map_err(|e| Fmp4Error::Config(e.to_string()))?;
    // mehd: size(4) 'mehd'(4) version+flags(4) duration(8, version 1).
    let at = buf.windows(4).position(|w| w == b"mehd").ok_or_else(|| Fmp4Error::Config("no mehd".into()))?;
    Ok((buf, (at + 8) as u64))
}

impl SegmentWriter {
    /// Creates the file (and its directory) and writes the init segment.
    pub fn create(path: &Path, config: &CodecConfig, creation_unix_s: u64, fragment_90k: u64) -> Result<Self, Fmp4Error> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let (init, mehd_offset) = init_segment(config, creation_unix_s)?;
        let mut file = OpenOptions::new().write(true).create_new(true).open(path).map_err(io_err(path))?;
        if let Err(e) = file.write_all(&init) {
            drop(file);
            let _ = std::fs::remove_file(path);
            return Err(io_err(path)(e));
        }
        Ok(Self {
            file,
            path: path.to_path_buf(),
            codec: config.codec,
            width: config.width,
            height: config.height,
            bytes: init.len() as u64,
            mehd_offset,
            sequence: 0,
            decode_time_90k: 0,
            pending: Vec::new(),
            pending_90k: 0,
            fragment_90k: fragment_90k.max(1),
            frames: 0,
            keyframes: Vec::new(),
            synced_90k: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Media time written or pending so far.
    pub fn duration_90k(&self) -> u64 {
        self.decode_time_90k + self.pending_90k
    }

    /// [`SegmentWriter::duration_90k`] as a span of the 90 kHz clock.
    pub fn duration(&self) -> Duration90k {
        Duration90k(i64::try_from(self.duration_90k()).unwrap_or(i64::MAX))
    }

    /// Bytes in complete fragments so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Media time in complete fragments so far.
    pub fn written_90k(&self) -> u64 {
        self.decode_time_90k
    }

    /// What the complete fragments written so far hold (pending frames not counted): what a
    /// reader of the growing file can see, for indexing a segment while it is still open.
    pub fn written(&self) -> SegmentSummary {
        SegmentSummary {
            bytes: self.bytes,
            frames: self.frames,
            duration_90k: self.decode_time_90k,
            keyframes: self.keyframes.clone(),
            codec: self.codec,
            width: self.width,
            height: self.height,
        }
    }

    /// Adds a frame; a keyframe first flushes the pending fragment so it starts one of its own.
    pub fn push(&mut self, sample: Sample) -> Result<(), Fmp4Error> {
        if sample.keyframe && !self.pending.is_empty() {
            self.flush()?;
        }
        self.pending_90k += u64::from(sample.duration_90k);
        self.pending.push(sample);
        if self.pending_90k >= self.fragment_90k {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the pending frames as one fragment. On error the file is cut back to its last
    /// complete fragment and the pending frames are lost.
    pub fn flush(&mut self) -> Result<(), Fmp4Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let samples = std::mem::take(&mut self.pending);
        let duration = std::mem::take(&mut self.pending_90k);
        let fragment = self.encode_fragment(&samples)?;
        let offset = self.bytes;
        if let Err(e) = self.file.write_all(&fragment) {
            let _ = self.file.set_len(offset);
            let _ = self.file.seek(SeekFrom::Start(offset));
            return Err(io_err(&self.path)(e));
        }
        if samples[0].keyframe {
            self.keyframes.push(KeyframeEntry { time_90k: self.decode_time_90k, offset });
        }
        self.bytes += fragment.len() as u64;
        self.frames += samples.len() as u64;
        self.decode_time_90k += duration;
        // Bound what a power cut can take (a kill -9 loses nothing written): sync every ~5 s.
        if self.decode_time_90k - self.synced_90k >= 5 * u64::from(TIMESCALE) {
            self.file.sync_data().map_err(io_err(&self.path))?;
            self.synced_90k = self.decode_time_90k;
        }
        Ok(())
    }

    fn encode_fragment(&mut self, samples: &[Sample]) -> Result<Vec<u8>, Fmp4Error> {
        self.sequence += 1;
        let with_cts = samples.iter().any(|s| s.cts_offset_90k != 0);
        let entries = samples
            .iter()
            .map(|s| TrunEntry {
                duration: Some(s.duration_90k),
                size: Some(s.data.bytes().len() as u32),
                flags: Some(if s.keyframe { FLAGS_SYNC } else { FLAGS_NON_SYNC }),
                cts: with_cts.then_some(i64::from(s.cts_offset_90k)),
            })
            .collect();
        let mut moof = Moof {
            mfhd: Mfhd { sequence_number: self.sequence },
            traf: vec![Traf {
                tfhd: Tfhd { track_id: TRACK_ID, default_base_is_moof: true, ..Default::default() },
                tfdt: Some(Tfdt { base_media_decode_time: self.decode_time_90k }),
                trun: vec![Trun { data_offset: Some(0), samples: TrunSamples::Explicit(entries) }],
                ..Default::default()
            }],
        };
        let enc = |m: &Moof| -> Result<Vec<u8>, Fmp4Error> {
            let mut v = Vec::new();
            m.encode(&mut v).map_err(|e| Fmp4Error::Config(e.to_string()))?;
            Ok(v)
        };
        let moof_len = enc(&moof)?.len();
        moof.traf[0].trun[0].data_offset = Some((moof_len + 8) as i32);
        let mut out = enc(&moof)?;
        let payload: usize = samples.iter().map(|s| s.data.bytes().len()).sum();
        out.reserve(payload + 8);
        out.extend_from_slice(&((payload + 8) as u32).to_be_bytes());
        out.extend_from_slice(b"mdat");
        for s in samples {
            out.extend_from_slice(s.data.bytes());
        }
        Ok(out)
    }

    /// Flushes, records the total duration in `mehd`, and makes the file durable (file and its
    /// directory fsynced): after this returns the segment may be indexed.
    pub fn finish(mut self) -> Result<SegmentSummary, Fmp4Error> {
        self.flush()?;
        patch_mehd(&mut self.file, self.mehd_offset, self.decode_time_90k).map_err(io_err(&self.path))?;
        self.file.sync_all().map_err(io_err(&self.path))?;
        sync_dir_of(&self.path)?;
        Ok(SegmentSummary {
            bytes: self.bytes,
            frames: self.frames,
            duration_90k: self.decode_time_90k,
            keyframes: self.keyframes,
            codec: self.codec,
            width: self.width,
            height: self.height,
        })
    }
}

fn patch_mehd(file: &mut File, offset: u64, duration_90k: u64) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(&duration_90k.to_be_bytes())?;
    file.seek(SeekFrom::End(0))?;
    Ok(())
}

/// fsyncs the directory holding `path`, so a new or removed name survives a power cut.
pub fn sync_dir_of(path: &Path) -> Result<(), Fmp4Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))
}

/// A top-level box header: kind and total size (header included).
fn read_header(file: &mut File, at: u64, file_len: u64) -> std::io::Result<Option<([u8; 4], u64, u64)>> {
    if at + 8 > file_len {
        return Ok(None);
    }
    let mut h = [0u8; 16];
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(&mut h[..8])?;
    let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
    let kind = [h[4], h[5], h[6], h[7]];
    let (size, header) = match size32 {
        1 => {
            if at + 16 > file_len {
                return Ok(None);
            }
            file.read_exact(&mut h[8..16])?;
            (u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]), 16)
        }
        0 => (file_len - at, 8),
        s => (s, 8),
    };
    if size < header {
        return Ok(Some((kind, 0, header)));
    }
    Ok(Some((kind, size, header)))
}

/// What [`scan`] found in a file.
#[derive(Debug)]
pub struct ScanResult {
    pub summary: SegmentSummary,
    /// Length of the file's valid part (init + complete fragments).
    pub valid_bytes: u64,
    /// The file had bytes past its last complete fragment (a crash mid-write).
    pub had_tail: bool,
}

/// Reads a segment file written by [`SegmentWriter`], up to its last complete fragment.
pub fn scan(path: &Path) -> Result<ScanResult, Fmp4Error> {
    let bad = |message: String| Fmp4Error::Format { path: path.to_path_buf(), message };
    let mut file = File::open(path).map_err(io_err(path))?;
    let file_len = file.metadata().map_err(io_err(path))?.len();
    let mut at = 0u64;
    let mut moov: Option<Moov> = None;
    let mut saw_ftyp = false;
    let mut frames = 0u64;
    let mut duration = 0u64;
    let mut keyframes = Vec::new();
    let mut valid = 0u64;
    // A moof waiting for its mdat: (offset, samples, duration, starts with keyframe, data bytes).
    let mut open_moof: Option<(u64, u64, u64, bool, u64)> = None;
    while let Some((kind, size, _header)) = read_header(&mut file, at, file_len).map_err(io_err(path))? {
        if size == 0 || at + size > file_len {
            break;
        }
        match &kind {
            b"ftyp" => saw_ftyp = true,
            b"moov" => {
                let body = read_box(&mut file, at, size).map_err(io_err(path))?;
                moov = Some(Moov::decode(&mut body.as_slice()).map_err(|e| bad(format!("moov: {e}")))?);
                valid = at + size;
            }
            b"moof" => {
                let body = read_box(&mut file, at, size).map_err(io_err(path))?;
                let Ok(moof) = Moof::decode(&mut body.as_slice()) else { break };
                let (mut n, mut d, mut key, mut data) = (0u64, 0u64, false, 0u64);
                for traf in &moof.traf {
                    for trun in &traf.trun {
                        for (i, e) in trun.samples.iter().enumerate() {
                            if n == 0 && i == 0 {
                                key = e.flags.unwrap_or(FLAGS_NON_SYNC) & 0x0001_0000 == 0;
                            }
                            n += 1;
                            d += u64::from(e.duration.unwrap_or(0));
                            data += u64::from(e.size.unwrap_or(0));
                        }
                    }
                }
                open_moof = Some((at, n, d, key, data));
            }
            b"mdat" => {
                let Some((moof_at, n, d, key, data)) = open_moof.take() else { break };
                if size < data + 8 {
                    break;
                }
                if key {
                    keyframes.push(KeyframeEntry { time_90k: duration, offset: moof_at });
                }
                frames += n;
                duration += d;
                valid = at + size;
            }
            _ => {}
        }
        at += size;
    }
    if !saw_ftyp {
        return Err(bad("no ftyp box".into()));
    }
    let moov = moov.ok_or_else(|| bad("no complete moov box".into()))?;
    let trak = moov.trak.first().ok_or_else(|| bad("no track".into()))?;
    if trak.mdia.mdhd.timescale != TIMESCALE {
        return Err(bad(format!("timescale {} (expected {TIMESCALE})", trak.mdia.mdhd.timescale)));
    }
    let (codec, width, height) = match trak.mdia.minf.stbl.stsd.codecs.first() {
        Some(Codec::Avc1(a)) => (VideoCodec::H264, a.visual.width, a.visual.height),
        Some(Codec::Hev1(h)) => (VideoCodec::H265, h.visual.width, h.visual.height),
        _ => return Err(bad("not H.264/H.265".into())),
    };
    Ok(ScanResult {
        summary: SegmentSummary {
            bytes: valid,
            frames,
            duration_90k: duration,
            keyframes,
            codec,
            width: u32::from(width),
            height: u32::from(height),
        },
        valid_bytes: valid,
        had_tail: valid < file_len,
    })
}

/// One stored frame of a segment file: where its bytes are and when it plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleRef {
    /// Byte offset of the sample's data in the file.
    pub offset: u64,
    pub size: u32,
    /// Decode time since the segment start, 90 kHz.
    pub time_90k: u64,
    pub duration_90k: u32,
    /// Presentation minus decode time, 90 kHz.
    pub cts_90k: i32,
    pub keyframe: bool,
}

impl SampleRef {
    /// Its decode time in a segment that starts at `segment_start_90k`.
    pub fn at(&self, segment_start_90k: crate::core::time::Time90k) -> crate::core::time::Time90k {
        segment_start_90k + Duration90k(self.time_90k as i64)
    }
}

/// The codec configuration and every complete frame of a segment file.
#[derive(Debug)]
pub struct SegmentSamples {
    pub codec: Codec,
    pub samples: Vec<SampleRef>,
}

/// The codec configuration a decoder needs, from a segment's sample entry.
pub fn codec_config(codec: &Codec) -> Option<CodecConfig> {
    let mut data = Vec::new();
    let (codec, width, height) = match codec {
        Codec::Avc1(a) => {
            a.avcc.encode_body(&mut data).ok()?;
            (VideoCodec::H264, a.visual.width, a.visual.height)
        }
        Codec::Hev1(h) => {
            h.hvcc.encode_body(&mut data).ok()?;
            (VideoCodec::H265, h.visual.width, h.visual.height)
        }
        _ => return None,
    };
    Some(CodecConfig { codec, codec_data: data, width: u32::from(width), height: u32::from(height) })
}

/// Reads a segment's sample table (complete fragments only) without reading the frames.
pub fn read_samples(path: &Path) -> Result<SegmentSamples, Fmp4Error> {
    let bad = |message: String| Fmp4Error::Format { path: path.to_path_buf(), message };
    let mut file = File::open(path).map_err(io_err(path))?;
    let file_len = file.metadata().map_err(io_err(path))?.len();
    let mut at = 0u64;
    let mut codec: Option<Codec> = None;
    let mut samples = Vec::new();
    let mut pending: Vec<SampleRef> = Vec::new();
    while let Some((kind, size, _)) = read_header(&mut file, at, file_len).map_err(io_err(path))? {
        if size == 0 || at + size > file_len {
            break;
        }
        match &kind {
            b"moov" => {
                let body = read_box(&mut file, at, size).map_err(io_err(path))?;
                let moov = Moov::decode(&mut body.as_slice()).map_err(|e| bad(format!("moov: {e}")))?;
                codec = moov.trak.first().and_then(|t| t.mdia.minf.stbl.stsd.codecs.first().cloned());
            }
            b"moof" => {
                let body = read_box(&mut file, at, size).map_err(io_err(path))?;
                let Ok(moof) = Moof::decode(&mut body.as_slice()) else { break };
                pending.clear();
                for traf in &moof.traf {
                    let mut t = traf.tfdt.as_ref().map_or(0, |d| d.base_media_decode_time);
                    for trun in &traf.trun {
                        let mut offset = at + trun.data_offset.unwrap_or(0).max(0) as u64;
                        for e in trun.samples.iter() {
                            let size = e.size.unwrap_or(0);
                            let duration = e.duration.unwrap_or(0);
                            pending.push(SampleRef {
                                offset,
                                size,
                                time_90k: t,
                                duration_90k: duration,
                                cts_90k: e.cts.unwrap_or(0) as i32,
                                keyframe: e.flags.unwrap_or(FLAGS_NON_SYNC) & 0x0001_0000 == 0,
                            });
                            offset += u64::from(size);
                            t += u64::from(duration);
                        }
                    }
                }
            }
            // The fragment counts once its data is all there.
            b"mdat" if pending.iter().all(|s| s.offset + u64::from(s.size) <= at + size) => samples.append(&mut pending),
            b"mdat" => {}
            _ => {}
        }
        at += size;
    }
    let codec = codec.ok_or_else(|| bad("no codec configuration".into()))?;
    Ok(SegmentSamples { codec, samples })
}

fn read_box(file: &mut File, at: u64, size: u64) -> std::io::Result<Vec<u8>> {
    let mut v = vec![0u8; size as usize];
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(&mut v)?;
    Ok(v)
}

/// Makes a scanned file whole: cuts any incomplete tail, writes the duration into `mehd`, fsyncs.
pub fn repair(path: &Path, scanned: &ScanResult) -> Result<(), Fmp4Error> {
    let mut file = OpenOptions::new().write(true).open(path).map_err(io_err(path))?;
    if scanned.had_tail {
        file.set_len(scanned.valid_bytes).map_err(io_err(path))?;
    }
    // Find mehd in the init segment (it sits early, before the first fragment).
    let mut head = vec![0u8; scanned.valid_bytes.min(4096) as usize];
    let mut reader = File::open(path).map_err(io_err(path))?;
    reader.read_exact(&mut head).map_err(io_err(path))?;
    if let Some(at) = head.windows(4).position(|w| w == b"mehd") {
        patch_mehd(&mut file, (at + 8) as u64, scanned.summary.duration_90k).map_err(io_err(path))?;
    }
    file.sync_all().map_err(io_err(path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real avcC (High profile 1920x1080, from x264) so the init segment encodes.
    pub(crate) const AVCC: &[u8] = &[
        0x01, 0x64, 0x00, 0x28, 0xff, 0xe1, 0x00, 0x19, // version, High, level 4.0, 4-byte lengths, 1 SPS of 25 bytes
        0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00,
        0xc8, 0x3c, 0x60, // SPS
        0x01, 0x00, 0x04, 0x68, 0xeb, 0xe3, 0xcb, // 1 PPS of 4 bytes
        0xfd, 0xf8, 0xf8, 0x00, // High-profile extension: 4:2:0, 8-bit, no SPS ext
    ];

    fn config() -> CodecConfig {
        CodecConfig { codec: VideoCodec::H264, codec_data: AVCC.to_vec(), width: 1920, height: 1080 }
    }

    fn sample(key: bool, len: usize) -> Sample {
        Sample { duration_90k: 3600, cts_offset_90k: 0, keyframe: key, data: Box::new(vec![0xAB; len]) }
    }

    #[test]
    fn a_written_segment_scans_back_to_the_same_summary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/seg.mp4");
        let mut w = SegmentWriter::create(&path, &config(), 1_764_300_000, 45_000).unwrap();
        for i in 0..100 {
            w.push(sample(i % 50 == 0, 1000 + i)).unwrap();
        }
        let summary = w.finish().unwrap();
        assert_eq!(summary.frames, 100);
        assert_eq!(summary.duration_90k, 100 * 3600);
        assert_eq!(summary.keyframes.len(), 2);
        assert_eq!(summary.keyframes[1].time_90k, 50 * 3600);
        assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());
        let scanned = scan(&path).unwrap();
        assert!(!scanned.had_tail);
        assert_eq!(scanned.summary, summary);
        // The keyframe offset points at a moof.
        let bytes = std::fs::read(&path).unwrap();
        let at = summary.keyframes[1].offset as usize;
        assert_eq!(&bytes[at + 4..at + 8], b"moof");
    }

    #[test]
    fn a_torn_tail_is_found_and_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg.mp4");
        let mut w = SegmentWriter::create(&path, &config(), 0, 45_000).unwrap();
        for i in 0..40 {
            w.push(sample(i % 20 == 0, 500)).unwrap();
        }
        w.flush().unwrap();
        let good = w.bytes();
        drop(w); // like a crash: no finish
        // Half a fragment more, as if killed mid-write.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[0, 0, 0x10, 0, b'm', b'o', b'o', b'f', 1, 2, 3]).unwrap();
        drop(f);
        let scanned = scan(&path).unwrap();
        assert!(scanned.had_tail);
        assert_eq!(scanned.valid_bytes, good);
        assert_eq!(scanned.summary.frames, 40);
        repair(&path, &scanned).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good);
        let again = scan(&path).unwrap();
        assert!(!again.had_tail);
        assert_eq!(again.summary.duration_90k, 40 * 3600);
    }

    #[test]
    fn garbage_is_not_a_segment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.mp4");
        std::fs::write(&path, b"this is not an mp4 file at all").unwrap();
        let err = scan(&path).unwrap_err();
        assert!(matches!(err, Fmp4Error::Format { .. }), "{err}");
        assert!(err.to_string().contains("junk.mp4"), "{err}");
    }
}
