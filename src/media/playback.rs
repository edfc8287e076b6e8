//! Decoding recorded video: a persistent decoder fed with whole GOPs read from the segments
//! (`appsrc` → parse → decoder → `appsink`, YUV out like live view), and an MP4 demuxer used to
//! turn the simulator's clips into recorder-style units.
//!
//! A seek pushes the GOP from the keyframe at or before the target up to the target (plus a
//! little look-ahead so the decoder releases the target); the first picture (the keyframe)
//! arrives after one decode, the exact frame after the GOP's prefix. Every GOP starts with an
//! IDR picture, so GOPs from different places can follow each other in one decoder.

use super::MediaError;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use super::encoded::{CodecConfig, VideoCodec};
use super::frame::{DecodedFrame, PixelFormat, PlaneData, YuvMatrix, YuvRange};

use crate::core::time::{Duration90k, Time90k};

/// Pixels of a decoded buffer kept mapped while the frame lives.
struct Planes(gst_video::VideoFrame<gst_video::video_frame::Readable>);

impl PlaneData for Planes {
    fn plane(&self, index: usize) -> &[u8] {
        self.0.plane_data(index as u32).unwrap_or(&[])
    }
}

/// One compressed frame to decode.
pub struct GopFrame<'a> {
    pub data: &'a [u8],
    pub keyframe: bool,
    /// Presentation time, 90 kHz (any origin; only order and distance matter).
    pub pts_90k: Time90k,
}

/// Timings of one seek.
#[derive(Debug, Clone, Copy)]
pub struct SeekTimings {
    pub first_picture: Duration,
    pub exact_frame: Duration,
}

fn caps_for(config: &CodecConfig) -> gst::Caps {
    let (media, format) = match config.codec {
        VideoCodec::H264 => ("video/x-h264", "avc"),
        VideoCodec::H265 => ("video/x-h265", "hev1"),
    };
    gst::Caps::builder(media)
        .field("stream-format", format)
        .field("alignment", "au")
        .field("codec_data", gst::Buffer::from_slice(config.codec_data.clone()))
        .field("width", config.width as i32)
        .field("height", config.height as i32)
        .build()
}

/// Decoded pictures with the moment each left the decoder.
type Arrivals = std::sync::Arc<std::sync::Mutex<Vec<(DecodedFrame, Instant)>>>;

/// A decoder for one camera's recordings, reused across seeks.
pub struct GopDecoder {
    pipeline: gst::Pipeline,
    /// Our own source pad, linked to the parser: buffers are pushed (and decoded) on the calling
    /// thread, so a drain query sent after them is answered only once they are all decoded.
    src: gst::Pad,
    arrivals: Arrivals,
    config: CodecConfig,
    /// Running time of the next pushed buffer (monotonic across seeks).
    next_ns: u64,
    /// Continuous decoding: the instant (90 kHz) that running time 0 stands for.
    stream_base_90k: Option<Time90k>,
}

impl GopDecoder {
    pub fn new(config: &CodecConfig) -> Result<Self, MediaError> {
        super::init()?;
        let caps = caps_for(config);
        let factory = super::decoder::choose(&caps).ok_or_else(|| MediaError::NoDecoder(config.codec.to_string()))?;
        let parse = match config.codec {
            VideoCodec::H264 => "h264parse",
            VideoCodec::H265 => "h265parse",
        };
        let pipeline = gst::Pipeline::with_name("playback");
        let parse = gst::ElementFactory::make(parse).build().map_err(|_| MediaError::MissingElement(parse.into()))?;
        let dec = factory.create().build().map_err(MediaError::gst)?;
        if dec.has_property("max-threads") {
            dec.set_property("max-threads", 2i32);
        }
        let sink = gst_app::AppSink::builder()
            .caps(&gst_video::VideoCapsBuilder::new().format_list([gst_video::VideoFormat::Nv12, gst_video::VideoFormat::I420]).build())
            .sync(false)
            .enable_last_sample(false)
            .build();
        // No preroll: with an async sink the first buffer (and the first after every flush)
        // would wait on this very thread for the pipeline to reach PLAYING — a deadlock waiting
        // to happen, since we push from the thread that asked for the state change.
        sink.set_property("async", false);
        let arrivals: Arrivals = Arrivals::default();
        let into = arrivals.clone();
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let frame = to_frame(&sample).map_err(|_| gst::FlowError::Error)?;
                    into.lock().unwrap_or_else(|e| e.into_inner()).push((frame, Instant::now()));
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        pipeline.add_many([&parse, &dec, sink.upcast_ref()]).map_err(MediaError::gst)?;
        gst::Element::link_many([&parse, &dec, sink.upcast_ref()]).map_err(MediaError::gst)?;
        let src = gst::Pad::builder(gst::PadDirection::Src).name("feed").build();
        let parse_sink = parse.static_pad("sink").ok_or(MediaError::Gst("parser without sink pad".into()))?;
        src.link(&parse_sink).map_err(|e| MediaError::Gst(format!("{e:?}")))?;
        pipeline.set_state(gst::State::Playing).map_err(|e| MediaError::Gst(format!("playback pipeline: {e}")))?;
        let (changed, _, _) = pipeline.state(gst::ClockTime::from_seconds(5));
        changed.map_err(|e| MediaError::Gst(format!("playback pipeline did not start: {e}")))?;
        src.set_active(true).map_err(MediaError::gst)?;
        src.push_event(gst::event::StreamStart::new("vigil-playback"));
        src.push_event(gst::event::Caps::new(&caps));
        src.push_event(gst::event::Segment::new(&gst::FormattedSegment::<gst::ClockTime>::new()));
        Ok(Self { pipeline, src, arrivals, config: config.clone(), next_ns: 0, stream_base_90k: None })
    }

    pub fn config(&self) -> &CodecConfig {
        &self.config
    }

    /// Decodes `frames` (a GOP from its keyframe) and returns the picture of `frames[target]`;
    /// `first(picture)` gets the keyframe's picture. The decoder is drained at the end (every
    /// picture out), which is why each call starts at a keyframe.
    pub fn decode_to(
        &mut self,
        frames: &[GopFrame<'_>],
        target: usize,
        first: &mut dyn FnMut(&DecodedFrame),
    ) -> Result<(DecodedFrame, SeekTimings), MediaError> {
        let (mut all, timings) = self.decode_all_to(frames, target, first)?;
        let frame = all.pop().map(|(_, f)| f).ok_or(MediaError::Gst("the decoder did not return the target frame".into()))?;
        Ok((frame, timings))
    }

    /// Like [`GopDecoder::decode_to`], but returns every picture from the keyframe to the target
    /// (in order, with their instants): a backward frame step then needs no decoding.
    pub fn decode_all_to(
        &mut self,
        frames: &[GopFrame<'_>],
        target: usize,
        first: &mut dyn FnMut(&DecodedFrame),
    ) -> Result<(Vec<(Time90k, DecodedFrame)>, SeekTimings), MediaError> {
        let started = Instant::now();
        if frames.is_empty() || target >= frames.len() || !frames[0].keyframe {
            return Err(MediaError::BadInput("a GOP starts with a keyframe and holds the target"));
        }
        // After continuous decoding the decoder still holds frames of that stream (never
        // drained), with running times of their own: drop them, or they would come out with
        // (and hide) this GOP's pictures.
        if self.stream_base_90k.take().is_some() {
            self.flush();
        }
        self.arrivals.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let base = frames[0].pts_90k;
        let origin_ns = self.next_ns;
        let mut target_ns = origin_ns;
        // Only up to the target: the drain below gives out every picture without look-ahead.
        for (i, f) in frames.iter().enumerate().take(target + 1) {
            let ns = origin_ns + (f.pts_90k - base).to_std().as_nanos() as u64;
            if i == target {
                target_ns = ns;
            }
            self.push_frame(f, ns)?;
        }
        self.next_ns = target_ns + 1_000_000_000;
        self.drain()?;
        let mut arrivals = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        let pictures: Vec<(DecodedFrame, Instant)> = arrivals.drain(..).filter(|(f, _)| f.pts_ns.is_some_and(|p| p >= origin_ns)).collect();
        drop(arrivals);
        let (first_frame, first_at) = pictures.first().ok_or(MediaError::Gst("the decoder returned no picture".into()))?;
        first(first_frame);
        let first_picture = first_at.duration_since(started);
        let at = pictures
            .iter()
            .find(|(f, _)| f.pts_ns == Some(target_ns))
            .map(|(_, at)| *at)
            .ok_or(MediaError::Gst("the decoder did not return the target frame".into()))?;
        let all = pictures
            .into_iter()
            .filter(|(f, _)| f.pts_ns.is_some_and(|p| p <= target_ns))
            .map(|(f, _)| (base + Duration90k::from_std(Duration::from_nanos(f.pts_ns.unwrap_or(0) - origin_ns)), f))
            .collect();
        Ok((all, SeekTimings { first_picture, exact_frame: at.duration_since(started) }))
    }

    /// Pushes one compressed frame at running time `ns` (decoded on this thread).
    fn push_frame(&self, f: &GopFrame<'_>, ns: u64) -> Result<(), MediaError> {
        let mut buffer = gst::Buffer::from_slice(f.data.to_vec());
        if let Some(b) = buffer.get_mut() {
            b.set_pts(gst::ClockTime::from_nseconds(ns));
            b.set_dts(gst::ClockTime::from_nseconds(ns));
            if !f.keyframe {
                b.set_flags(gst::BufferFlags::DELTA_UNIT);
            }
        }
        self.src.push(buffer).map(|_| ()).map_err(|e| MediaError::Gst(format!("decoder input: {e:?}")))
    }

    /// Starts continuous decoding at a keyframe at `base_90k` (drops whatever the decoder held).
    pub fn restart_stream(&mut self, base_90k: Time90k) {
        self.flush();
        self.arrivals.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.stream_base_90k = Some(base_90k);
    }

    /// Continuous decoding (playback): pushes frames that follow the ones before, without
    /// draining, and returns the pictures the decoder gave out meanwhile with their instants
    /// (90 kHz). Pictures lag the input by the decoder's delay (a frame or two).
    pub fn push_stream(&mut self, frames: &[GopFrame<'_>]) -> Result<Vec<(Time90k, DecodedFrame)>, MediaError> {
        let base = self.stream_base_90k.ok_or(MediaError::BadInput("continuous decoding was not started"))?;
        for f in frames {
            let ns = (f.pts_90k - base).to_std().as_nanos() as u64;
            self.push_frame(f, ns)?;
        }
        let out = self
            .arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .map(|(f, _)| (base + Duration90k::from_std(Duration::from_nanos(f.pts_ns.unwrap_or(0))), f))
            .collect();
        Ok(out)
    }

    fn flush(&self) {
        self.src.push_event(gst::event::FlushStart::new());
        self.src.push_event(gst::event::FlushStop::new(true));
        self.src.push_event(gst::event::Segment::new(&gst::FormattedSegment::<gst::ClockTime>::new()));
    }

    /// Makes the decoder give out every picture it holds: an end-of-stream (decoders finish their
    /// pending frames on it; everything runs on this thread, so when the push returns the
    /// pictures are out), then a flush and a new segment so the decoder takes the next GOP.
    fn drain(&self) -> Result<(), MediaError> {
        if !self.src.push_event(gst::event::Eos::new()) {
            return Err(MediaError::Gst("the decoder refused end-of-stream".into()));
        }
        self.flush();
        Ok(())
    }
}

impl Drop for GopDecoder {
    fn drop(&mut self) {
        let _ = self.src.set_active(false);
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

fn to_frame(sample: &gst::Sample) -> Result<DecodedFrame, MediaError> {
    let caps = sample.caps().ok_or(MediaError::Gst("no caps".into()))?;
    let info = gst_video::VideoInfo::from_caps(caps).map_err(MediaError::gst)?;
    let buffer = sample.buffer_owned().ok_or(MediaError::Gst("no buffer".into()))?;
    let pts = buffer.pts().map(gst::ClockTime::nseconds);
    let format = match info.format() {
        gst_video::VideoFormat::Nv12 => PixelFormat::Nv12,
        _ => PixelFormat::I420,
    };
    let matrix = match info.colorimetry().matrix() {
        gst_video::VideoColorMatrix::Bt601 => YuvMatrix::Bt601,
        _ => YuvMatrix::Bt709,
    };
    let range = match info.colorimetry().range() {
        gst_video::VideoColorRange::Range0_255 => YuvRange::Full,
        _ => YuvRange::Limited,
    };
    let strides = info.stride();
    let strides = [0, 1, 2].map(|i| strides.get(i).copied().unwrap_or(0).max(0) as usize);
    let (w, h) = (info.width(), info.height());
    let mapped = gst_video::VideoFrame::from_buffer_readable(buffer, &info).map_err(|_| MediaError::Gst("cannot map a frame".into()))?;
    Ok(DecodedFrame::new(format, w, h, strides, matrix, range, pts, Box::new(Planes(mapped))))
}

/// Compressed units in MP4 sample form, each with its keyframe flag.
pub type Mp4Units = Vec<(Vec<u8>, bool)>;

/// The video units of an MP4 file in MP4 sample form, with its codec configuration:
/// `{filesrc} - {qtdemux} - {h26xparse} - {avc|hev1, au} - {appsink}`.
pub fn read_mp4_units(path: &std::path::Path) -> Result<(CodecConfig, Mp4Units), MediaError> {
    super::init()?;
    let err = |m: String| MediaError::File { path: path.to_path_buf(), message: m };
    // The parser is picked from the demuxer's caps: parsebin would keep the file's `hvc1` form,
    // which cannot link to the `hev1` wanted here.
    let launch = "filesrc name=src ! qtdemux name=demux capsfilter name=caps ! appsink name=sink sync=false";
    let pipeline = gst::parse::launch(launch)
        .map_err(|e| err(e.to_string()))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| err("not a pipeline".into()))?;
    let by = |n: &str| pipeline.by_name(n).ok_or_else(|| err(format!("no {n}")));
    by("src")?.set_property("location", path.to_string_lossy().as_ref());
    let filter = gst::Caps::builder_full()
        .structure(gst::Structure::builder("video/x-h264").field("stream-format", "avc").field("alignment", "au").build())
        .structure(gst::Structure::builder("video/x-h265").field("stream-format", "hev1").field("alignment", "au").build())
        .build();
    let capsfilter = by("caps")?;
    capsfilter.set_property("caps", &filter);
    let pipeline_weak = pipeline.downgrade();
    by("demux")?.connect_pad_added(move |demux, pad| {
        let parser = match pad.current_caps().as_ref().and_then(|c| c.structure(0)).map(|s| s.name().to_string()) {
            Some(name) if name == "video/x-h264" => "h264parse",
            Some(name) if name == "video/x-h265" => "h265parse",
            _ => return, // audio or anything else: not wanted
        };
        let (Some(pipeline), Ok(parse)) = (pipeline_weak.upgrade(), gst::ElementFactory::make(parser).build()) else {
            let msg = gst::message::Error::builder(gst::CoreError::MissingPlugin, &format!("{parser} missing")).src(demux).build();
            let _ = demux.post_message(msg);
            return;
        };
        let linked = pipeline.add(&parse).is_ok()
            && parse.sync_state_with_parent().is_ok()
            && parse.link(&capsfilter).is_ok()
            && parse.static_pad("sink").is_some_and(|sink| pad.link(&sink).is_ok());
        if !linked {
            let msg = gst::message::Error::builder(gst::CoreError::Negotiation, "cannot link the video track").src(demux).build();
            let _ = demux.post_message(msg);
        }
    });
    let sink = by("sink")?.downcast::<gst_app::AppSink>().map_err(|_| err("no appsink".into()))?;
    let bus = pipeline.bus().ok_or_else(|| err("no bus".into()))?;
    pipeline.set_state(gst::State::Playing).map_err(|e| err(e.to_string()))?;
    let mut units = Vec::new();
    let mut config = None;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let result = loop {
        if let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error])
            && let gst::MessageView::Error(e) = msg.view()
        {
            break Err(err(e.error().to_string()));
        }
        match sink.try_pull_sample(gst::ClockTime::from_mseconds(200)) {
            Some(sample) => {
                if config.is_none() {
                    config = sample.caps().and_then(super::live::codec_config);
                }
                if let Some(buffer) = sample.buffer() {
                    let keyframe = !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT);
                    let map = buffer.map_readable().map_err(|_| err("unreadable buffer".into()))?;
                    units.push((map.as_slice().to_vec(), keyframe));
                }
            }
            None if sink.is_eos() => break Ok(()),
            None if std::time::Instant::now() >= deadline => break Err(err("timed out reading".into())),
            None => {}
        }
    };
    let _ = pipeline.set_state(gst::State::Null);
    result?;
    Ok((config.ok_or_else(|| err("no codec configuration".into()))?, units))
}
