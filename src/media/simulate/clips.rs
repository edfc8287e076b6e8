//! Pre-encoded clips for the simulated cameras.
//!
//! 2 cores cannot live-encode 35 1080p streams, so each camera's clip is encoded once, cached in the
//! data dir and served looped. Each camera has three clips per profile ([`ClipKind`]): its quiet
//! street (a still picture with sensor noise, by day or by night: see [`super::scene`]), the
//! same street with a passer-by crossing (served while the control port's `motion` lasts), and a
//! covered lens. A clip is a few GOPs ("scenes"); every frame carries the camera's name, its
//! frame number as text, and the frame number as a 16-bit barcode (see [`read_barcode`]) so tests
//! can tell which camera and which frame they are looking at.
//!
//! Generation pipeline (one per camera, profile and kind):
//! `{videotestsrc black} - {identity: paint the scene} - {textoverlay name} - {textoverlay counter}
//!  - {identity: barcode} - {x264enc|x265enc} - {parse} - {mp4mux} - {filesink}`

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use crate::core::site::StreamProfile;

/// Bumped whenever the look or encoding of clips changes, so stale caches are regenerated.
const GENERATOR_VERSION: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    H264,
    H265,
}

impl Codec {
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::H264 => "h264",
            Codec::H265 => "h265",
        }
    }
}

/// Which of a camera's clips: what the picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClipKind {
    /// The still street with sensor noise (nothing moves): what the camera normally sends.
    #[default]
    Quiet,
    /// The same street with a rider crossing it once per loop.
    Motion,
    /// A covered lens: near-black with noise (the on-screen text stays).
    Dark,
}

impl ClipKind {
    pub const ALL: [ClipKind; 3] = [ClipKind::Quiet, ClipKind::Motion, ClipKind::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            ClipKind::Quiet => "quiet",
            ClipKind::Motion => "motion",
            ClipKind::Dark => "dark",
        }
    }
}

/// What a simulated stream looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClipSpec {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub bitrate_kbps: u32,
    /// Frames per GOP (2 s at the stream's rate); each scene is one GOP.
    pub gop_frames: u32,
    pub scenes: u32,
    pub codec: Codec,
    /// B-frames between references (H.264 only; 0: none, as most cameras send). With some,
    /// x264 uses its pyramid: pictures go out of presentation order.
    pub bframes: u32,
    pub kind: ClipKind,
    /// The night variant of the street (dark, lit windows, a street lamp, more noise).
    pub night: bool,
}

impl ClipSpec {
    /// 1920x1080, 25 fps, 2 s GOP, ~4 Mb/s ceiling.
    pub fn main(codec: Codec) -> Self {
        Self {
            width: 1920,
            height: 1080,
            fps: 25,
            bitrate_kbps: 4000,
            gop_frames: 50,
            scenes: 3,
            codec,
            bframes: 0,
            kind: ClipKind::Quiet,
            night: false,
        }
    }

    /// 640x360, 15 fps, 2 s GOP, ~0.5 Mb/s ceiling.
    pub fn sub(codec: Codec) -> Self {
        Self {
            width: 640,
            height: 360,
            fps: 15,
            bitrate_kbps: 500,
            gop_frames: 30,
            scenes: 3,
            codec,
            bframes: 0,
            kind: ClipKind::Quiet,
            night: false,
        }
    }

    pub fn for_profile(profile: StreamProfile, codec: Codec) -> Self {
        match profile {
            StreamProfile::Main => Self::main(codec),
            StreamProfile::Sub => Self::sub(codec),
        }
    }

    /// The same stream showing `kind`: a quiet clip is 3 GOPs, a rider's crossing 2 (4 s), a
    /// covered lens 1.
    pub fn with_kind(self, kind: ClipKind) -> Self {
        let scenes = match kind {
            ClipKind::Quiet => 3,
            ClipKind::Motion => 2,
            ClipKind::Dark => 1,
        };
        Self { kind, scenes, ..self }
    }

    pub fn frames(&self) -> u32 {
        self.gop_frames * self.scenes
    }

    pub fn frame_duration_ns(&self) -> u64 {
        1_000_000_000 / u64::from(self.fps)
    }

    /// Side of one barcode block in pixels.
    pub fn barcode_block(&self) -> u32 {
        (self.height / 45).max(4)
    }
}

/// One encoded access unit of a clip, in decode order (also presentation order unless the clip
/// has B-frames).
pub struct ClipFrame {
    /// Annex-B access unit; keyframes carry their parameter sets in front.
    pub buffer: gst::Buffer,
    pub keyframe: bool,
    /// Presentation minus decode time (0 without B-frames).
    pub pts_offset_ns: u64,
}

/// A clip loaded into memory, ready to be served.
pub struct Clip {
    pub spec: ClipSpec,
    pub frames: Vec<ClipFrame>,
    /// Caps for an appsrc serving it (byte-stream, one access unit per buffer).
    pub caps: gst::Caps,
}

/// A clip to make: which camera, which profile, with what text.
#[derive(Debug, Clone)]
pub struct ClipJob {
    pub camera_id: String,
    pub camera_name: String,
    pub profile: StreamProfile,
    pub spec: ClipSpec,
}

impl ClipJob {
    /// Cache file name: changes when anything that shows in the clip changes.
    pub fn file_name(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (GENERATOR_VERSION, &self.camera_name, self.spec).hash(&mut h);
        let (kind, light) = (self.spec.kind.as_str(), if self.spec.night { "night" } else { "day" });
        format!("{}-{}-{}-{kind}-{light}-{:016x}.mp4", self.camera_id, self.profile, self.spec.codec.as_str(), h.finish())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClipError {
    #[error("GStreamer element {0} is missing; install the packages in packaging/install-deps.sh")]
    MissingElement(String),
    #[error("encoding the clip of camera {camera} failed: {message}")]
    Encode { camera: String, message: String },
    #[error("reading clip {path}: {message}")]
    Load { path: PathBuf, message: String },
    #[error("clip cache {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Makes sure every job's clip exists in `cache_dir` (encoding the missing ones on all cores, with a
/// progress line on stderr), then loads them. Returns the clips in job order.
pub fn ensure_clips(cache_dir: &Path, jobs: &[ClipJob], progress: bool) -> Result<Vec<Arc<Clip>>, ClipError> {
    // The cache lives in a data dir: a new one is created private, as the store would.
    if let Some(data_dir) = cache_dir.parent() {
        crate::paths::create_data_dir(data_dir).map_err(|source| ClipError::Io { path: data_dir.into(), source })?;
    }
    std::fs::create_dir_all(cache_dir).map_err(|source| ClipError::Io { path: cache_dir.into(), source })?;
    let missing: VecDeque<ClipJob> = jobs.iter().filter(|j| !cache_dir.join(j.file_name()).exists()).cloned().collect();
    if !missing.is_empty() {
        encode_all(cache_dir, missing, progress)?;
    }
    jobs.iter().map(|j| load_clip(&cache_dir.join(j.file_name()), j.spec).map(Arc::new)).collect()
}

fn encode_all(cache_dir: &Path, missing: VecDeque<ClipJob>, progress: bool) -> Result<(), ClipError> {
    let total = missing.len();
    let queue = Arc::new(Mutex::new(missing));
    let done = Arc::new(AtomicUsize::new(0));
    let first_error: Arc<Mutex<Option<ClipError>>> = Arc::default();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(total);
    let started = std::time::Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|i| {
            let (queue, done, first_error, dir) = (queue.clone(), done.clone(), first_error.clone(), cache_dir.to_path_buf());
            std::thread::Builder::new()
                .name(format!("sim-encode-{i}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                        let Some(job) = job else { break };
                        if let Err(e) = encode_clip(&dir, &job) {
                            first_error.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(e);
                            break;
                        }
                        let n = done.fetch_add(1, Ordering::AcqRel) + 1;
                        if progress {
                            eprint!("\rvigil simulate: encoding camera clips {n}/{total} ({:.0} s)   ", started.elapsed().as_secs_f64());
                            if n == total {
                                eprintln!();
                            }
                        }
                    }
                })
                .expect("spawning an encoder thread")
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    match first_error.lock().unwrap_or_else(|e| e.into_inner()).take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn make(factory: &str) -> Result<gst::Element, ClipError> {
    gst::ElementFactory::make(factory).build().map_err(|_| ClipError::MissingElement(factory.into()))
}

/// Pseudo-random but stable per camera: picks colours and motions.
pub(super) fn camera_seed(id: &str) -> u32 {
    id.bytes().fold(2166136261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16777619))
}

fn encode_clip(dir: &Path, job: &ClipJob) -> Result<(), ClipError> {
    let spec = job.spec;
    let err = |message: String| ClipError::Encode { camera: job.camera_id.clone(), message };
    let pipeline = gst::Pipeline::with_name(&format!("sim-encode-{}-{}", job.camera_id, job.profile));
    let raw_caps = gst_video::VideoCapsBuilder::new()
        .format(gst_video::VideoFormat::I420)
        .width(spec.width as i32)
        .height(spec.height as i32)
        .framerate(gst::Fraction::new(spec.fps as i32, 1))
        .build();
    let src = make("videotestsrc")?;
    src.set_property("num-buffers", spec.frames() as i32);
    src.set_property_from_str("pattern", "black");
    let caps = gst::ElementFactory::make("capsfilter")
        .property("caps", &raw_caps)
        .build()
        .map_err(|_| ClipError::MissingElement("capsfilter".into()))?;
    let paint = make("identity")?;
    pipeline.add_many([&src, &caps, &paint]).map_err(|e| err(e.to_string()))?;
    gst::Element::link_many([&src, &caps, &paint]).map_err(|e| err(e.to_string()))?;
    if let Some(pad) = paint.static_pad("sink") {
        let info =
            gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, spec.width, spec.height).build().map_err(|e| err(e.to_string()))?;
        let painter = Mutex::new((super::scene::ScenePainter::new(&spec, camera_seed(&job.camera_id)), 0u32));
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, probe| {
            if let Some(gst::PadProbeData::Buffer(buffer)) = probe.data.as_mut() {
                let mut guard = painter.lock().unwrap_or_else(|e| e.into_inner());
                let (painter, n) = &mut *guard;
                paint_frame(buffer.make_mut(), &info, painter, *n);
                *n += 1;
            }
            gst::PadProbeReturn::Ok
        });
    }
    let font_px = spec.height / 20;
    let name = make("textoverlay")?;
    name.set_property("text", &job.camera_name);
    name.set_property("font-desc", format!("Sans Bold {font_px}px"));
    name.set_property_from_str("valignment", "top");
    name.set_property_from_str("halignment", "left");
    name.set_property("shaded-background", true);
    let counter = make("textoverlay")?;
    counter.set_property("font-desc", format!("Monospace Bold {font_px}px"));
    counter.set_property_from_str("valignment", "bottom");
    counter.set_property_from_str("halignment", "right");
    counter.set_property("shaded-background", true);
    let stamp = make("identity")?;
    // One segment with continuous timestamps across the concatenated scenes: with B-frames the
    // encoder's decode times are otherwise computed per scene, and the file is unplayable.
    stamp.set_property("single-segment", true);
    let (encoder, parser) = match spec.codec {
        Codec::H264 => {
            let enc = make("x264enc")?;
            enc.set_property_from_str("speed-preset", "ultrafast");
            if spec.bframes == 0 {
                enc.set_property_from_str("tune", "zerolatency");
            } else {
                // Main profile with a fixed B-frame pyramid, as some cameras send.
                enc.set_property("b-adapt", false);
                enc.set_property("b-pyramid", true);
            }
            enc.set_property("bitrate", spec.bitrate_kbps);
            enc.set_property("key-int-max", spec.gop_frames);
            enc.set_property("bframes", spec.bframes);
            enc.set_property("threads", 1u32);
            (enc, make("h264parse")?)
        }
        Codec::H265 => {
            let enc = make("x265enc")?;
            enc.set_property_from_str("speed-preset", "ultrafast");
            enc.set_property_from_str("tune", "zerolatency");
            enc.set_property("bitrate", spec.bitrate_kbps);
            enc.set_property("key-int-max", spec.gop_frames as i32);
            (enc, make("h265parse")?)
        }
    };
    let mux = make("mp4mux")?;
    let sink = make("filesink")?;
    let final_path = dir.join(job.file_name());
    let tmp_path = dir.join(format!(".{}.partial", job.file_name()));
    sink.set_property("location", tmp_path.to_string_lossy().as_ref());
    let chain = [&name, &counter, &stamp, &encoder, &parser, &mux, &sink];
    pipeline.add_many(chain).map_err(|e| err(e.to_string()))?;
    paint.link(&name).map_err(|e| err(e.to_string()))?;
    gst::Element::link_many(chain).map_err(|e| err(e.to_string()))?;

    // Frame number as text, set just before the counter overlay draws the frame.
    let frame_no = Arc::new(AtomicUsize::new(0));
    if let Some(pad) = counter.static_pad("video_sink") {
        let (counter, frame_no) = (counter.clone(), frame_no.clone());
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            let n = frame_no.load(Ordering::Acquire);
            counter.set_property("text", format!("#{n:05}"));
            gst::PadProbeReturn::Ok
        });
    }
    // Frame number as a barcode in the luma plane, then count the frame.
    if let Some(pad) = stamp.static_pad("sink") {
        let (block, width, height) = (spec.barcode_block() as usize, spec.width as usize, spec.height as usize);
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let n = frame_no.fetch_add(1, Ordering::AcqRel) as u32;
            if let Some(gst::PadProbeData::Buffer(buffer)) = info.data.as_mut() {
                draw_barcode(buffer.make_mut(), n, block, width, height);
            }
            gst::PadProbeReturn::Ok
        });
    }

    let bus = pipeline.bus().ok_or_else(|| err("pipeline without bus".into()))?;
    pipeline.set_state(gst::State::Playing).map_err(|e| err(e.to_string()))?;
    let result = match bus.timed_pop_filtered(gst::ClockTime::from_seconds(600), &[gst::MessageType::Eos, gst::MessageType::Error]) {
        Some(msg) => match msg.view() {
            gst::MessageView::Eos(_) => Ok(()),
            gst::MessageView::Error(e) => Err(err(format!("{} ({:?})", e.error(), e.debug()))),
            _ => Err(err("unexpected message".into())),
        },
        None => Err(err("timed out after 600 s".into())),
    };
    let _ = pipeline.set_state(gst::State::Null);
    result?;
    std::fs::rename(&tmp_path, &final_path).map_err(|source| ClipError::Io { path: final_path.clone(), source })?;
    Ok(())
}

/// Paints frame `n` of the scene into an I420 buffer laid out as `info` says.
fn paint_frame(buffer: &mut gst::BufferRef, info: &gst_video::VideoInfo, painter: &mut super::scene::ScenePainter, n: u32) {
    let Ok(mut map) = buffer.map_writable() else { return };
    let data = map.as_mut_slice();
    let (offsets, strides) = (info.offset(), info.stride());
    let (o1, o2) = (offsets[1], offsets[2]);
    if data.len() < info.size() || o1 >= o2 {
        return;
    }
    let (y, rest) = data.split_at_mut(o1);
    let (u, v) = rest.split_at_mut(o2 - o1);
    painter.paint([y, u, v], [strides[0] as usize, strides[1] as usize, strides[2] as usize], n);
}

/// Writes `n` (16 bits, most significant first) as white/black blocks along the bottom-left of the
/// luma plane, one `block`-pixel square per bit, with a white block before and after as markers.
fn draw_barcode(buffer: &mut gst::BufferRef, n: u32, block: usize, width: usize, height: usize) {
    // The frame is I420 at this point of the pipeline, in GStreamer's default layout: plane 0 is
    // the first rows of the buffer, each `width` rounded up to 4 bytes.
    let Ok(mut map) = buffer.map_writable() else { return };
    let data = map.as_mut_slice();
    let stride = (width + 3) & !3;
    if data.len() < stride * height {
        return;
    }
    let y0 = height.saturating_sub(block * 2);
    for bit in 0..18usize {
        let on = match bit {
            0 | 17 => true,
            b => (n >> (16 - b)) & 1 == 1,
        };
        let value = if on { 235u8 } else { 16u8 };
        for row in y0..(y0 + block).min(height) {
            let start = row * stride + block + bit * block;
            let end = (start + block).min(row * stride + width);
            if start < end {
                data[start..end].fill(value);
            }
        }
    }
}

/// Reads the frame number drawn by [`draw_barcode`] from a decoded luma plane; `None` when the
/// markers are not there (not a simulator frame, or badly damaged).
pub fn read_barcode(luma: &[u8], stride: usize, width: usize, height: usize, block: usize) -> Option<u32> {
    let row = height.checked_sub(block * 2)? + block / 2;
    let sample = |bit: usize| -> Option<bool> {
        let x = block + bit * block + block / 2;
        if x >= width {
            return None;
        }
        Some(luma[row * stride + x] > 128)
    };
    if sample(0)? && sample(17)? {
        let mut n = 0u32;
        for bit in 1..17 {
            n = (n << 1) | u32::from(sample(bit)?);
        }
        Some(n)
    } else {
        None
    }
}

/// Loads a cached clip into memory as Annex-B access units with parameter sets before keyframes.
///
/// Gives each frame its presentation offset from its decode slot, the same on every loop of the
/// clip: frame `i` in decode order, shown `p` frames into the clip, is presented `p - i + D`
/// frames after it is sent, with `D` the clip's reorder delay (0 without B-frames). The file's
/// own offsets cannot be used as they are: its edit list shifts the first GOP apart from the
/// others, and a looped stream would show two pictures at one time.
fn set_presentation_offsets(frames: &mut [ClipFrame], frame_ns: u64) -> Result<(), String> {
    let pts: Vec<u64> =
        frames.iter().map(|f| f.buffer.pts().map(gst::ClockTime::nseconds)).collect::<Option<_>>().ok_or("a frame without pts")?;
    let first = pts.iter().copied().min().unwrap_or(0);
    let shown: Vec<i64> = pts.iter().map(|p| ((p - first + frame_ns / 2) / frame_ns) as i64).collect();
    let mut sorted = shown.clone();
    sorted.sort_unstable();
    if sorted.iter().enumerate().any(|(i, &p)| p != i as i64) {
        return Err("the clip's presentation times are not one per frame".into());
    }
    let delay = shown.iter().enumerate().map(|(i, &p)| i as i64 - p).max().unwrap_or(0).max(0);
    for (i, (f, p)) in frames.iter_mut().zip(shown).enumerate() {
        f.pts_offset_ns = (p - i as i64 + delay) as u64 * frame_ns;
    }
    Ok(())
}

/// `{filesrc} - {qtdemux} - {h26xparse config-interval=-1} - {appsink}`
fn load_clip(path: &Path, spec: ClipSpec) -> Result<Clip, ClipError> {
    let err = |message: String| ClipError::Load { path: path.to_path_buf(), message };
    let (parse, media) = match spec.codec {
        Codec::H264 => ("h264parse", "video/x-h264"),
        Codec::H265 => ("h265parse", "video/x-h265"),
    };
    let launch = format!(
        "filesrc name=src ! qtdemux ! {parse} config-interval=-1 ! \
         {media},stream-format=byte-stream,alignment=au ! appsink name=sink sync=false"
    );
    let pipeline = gst::parse::launch(&launch)
        .map_err(|e| err(e.to_string()))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| err("not a pipeline".into()))?;
    let src = pipeline.by_name("src").ok_or_else(|| err("no filesrc".into()))?;
    src.set_property("location", path.to_string_lossy().as_ref());
    let sink = pipeline.by_name("sink").and_then(|s| s.downcast::<gst_app::AppSink>().ok()).ok_or_else(|| err("no appsink".into()))?;
    pipeline.set_state(gst::State::Playing).map_err(|e| err(e.to_string()))?;
    let mut frames = Vec::with_capacity(spec.frames() as usize);
    let mut caps = None;
    let result = loop {
        match sink.try_pull_sample(gst::ClockTime::from_seconds(30)) {
            Some(sample) => {
                if caps.is_none() {
                    caps = sample.caps_owned();
                }
                if let Some(buffer) = sample.buffer_owned() {
                    let keyframe = !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT);
                    frames.push(ClipFrame { buffer, keyframe, pts_offset_ns: 0 });
                }
            }
            None if sink.is_eos() => break Ok(()),
            None => break Err(err("timed out reading".into())),
        }
    };
    let bus_error = pipeline.bus().and_then(|bus| bus.pop_filtered(&[gst::MessageType::Error]));
    let _ = pipeline.set_state(gst::State::Null);
    result?;
    if let Some(msg) = bus_error
        && let gst::MessageView::Error(e) = msg.view()
    {
        return Err(err(e.error().to_string()));
    }
    if frames.len() != spec.frames() as usize || !frames.first().is_some_and(|f| f.keyframe) {
        return Err(err(format!("expected {} frames starting with a keyframe, found {}", spec.frames(), frames.len())));
    }
    set_presentation_offsets(&mut frames, spec.frame_duration_ns()).map_err(err)?;
    let caps = caps.ok_or_else(|| err("no caps".into()))?;
    // Drop fields that describe the file rather than the stream (e.g. codec_data in avc form).
    let mut serving = gst::Caps::builder(media)
        .field("stream-format", "byte-stream")
        .field("alignment", "au")
        .field("width", spec.width as i32)
        .field("height", spec.height as i32)
        .field("framerate", gst::Fraction::new(spec.fps as i32, 1))
        .build();
    if let Some(s) = caps.structure(0)
        && let Ok(profile) = s.get::<&str>("profile")
        && let Some(sc) = serving.make_mut().structure_mut(0)
    {
        sc.set("profile", profile);
    }
    Ok(Clip { spec, frames, caps: serving })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcode_round_trips() {
        let (w, h) = (640usize, 360usize);
        let stride = w;
        let len = stride * h + 2 * (w / 2) * (h / 2);
        gst::init().unwrap();
        for n in [0u32, 1, 1234, 65535] {
            let mut buffer = gst::Buffer::with_size(len).unwrap();
            buffer.get_mut().unwrap().map_writable().unwrap().as_mut_slice().fill(90);
            draw_barcode(buffer.get_mut().unwrap(), n, 8, w, h);
            let map = buffer.map_readable().unwrap();
            assert_eq!(read_barcode(&map, stride, w, h, 8), Some(n));
        }
        assert_eq!(read_barcode(&vec![90u8; len], stride, w, h, 8), None);
    }

    #[test]
    fn cache_names_change_with_content() {
        let job =
            ClipJob {
                camera_id: "cam01".into(), camera_name: "Chợ".into(), profile: StreamProfile::Sub, spec: ClipSpec::sub(Codec::H264)
            };
        let mut renamed = job.clone();
        renamed.camera_name = "Cầu".into();
        assert_ne!(job.file_name(), renamed.file_name());
        assert!(job.file_name().starts_with("cam01-sub-h264-"));
    }
}
