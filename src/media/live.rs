//! Builds the live pipeline of one stream.
//!
//! `{rtspsrc latency=200 protocols=tcp} - {rtph26xdepay} - {h26xparse}
//!  - [probe: record tap, decode mode, byte/AU counters] - {decoder by rank}
//!  - {appsink NV12|I420 max-buffers=1 drop}`
//!
//! Nothing before the tap drops a unit: the jitter buffer does not drop on latency (it did,
//! whenever its thread ran late, and with B-frames, whose timestamps go back, all the time). A
//! decoder that falls behind holds up the jitter buffer's thread instead, units come late, and
//! once they are [`MAX_DECODE_LAG_NS`] late the probe skips the decoding to the next keyframe
//! (counted: `StreamHandle::decode_skipped`) instead of letting latency grow.
//!
//! The decoder's native YUV goes to the latest-frame slot; no colour conversion happens here.
//! The parser emits MP4-style units (`avc` / `hev1`, whole access units) so the recorder can
//! store them as they are; the probe hands them to the stream's record tap, if any, before the
//! decode mode drops anything.

use super::MediaError;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use super::encoded::{CodecConfig, EncodedUnit, TapMessage, UnitData, VideoCodec, h265_au_has_irap, hvcc_nal_length_size, rtp_timestamp};
use super::frame::{DecodedFrame, PixelFormat, PlaneData, YuvMatrix, YuvRange};
use super::stream::{DecodeMode, StreamHandle};
use super::{StreamSpec, WakeFn, decoder};
use crate::core::site::StreamProfile;
use crate::core::time::{unix_now_ns, unix_ns_from_ntp_ns};

/// Pixels of a decoded GStreamer buffer, kept mapped for as long as a consumer holds the frame.
struct GstPlanes(gst_video::VideoFrame<gst_video::video_frame::Readable>);

impl PlaneData for GstPlanes {
    fn plane(&self, index: usize) -> &[u8] {
        self.0.plane_data(index as u32).unwrap_or(&[])
    }
}

/// Builds (but does not start) the pipeline of a stream. Elements after rtspsrc are created when
/// the camera's SDP tells which codec it sends.
pub(crate) fn build(spec: &StreamSpec, handle: &Arc<StreamHandle>, wake: &WakeFn) -> Result<gst::Pipeline, MediaError> {
    let pipeline = gst::Pipeline::with_name(&format!("live-{}-{}", spec.key.camera_id, spec.key.profile));
    let src = gst::ElementFactory::make("rtspsrc")
        .name("src")
        .property("location", &spec.url)
        .property("latency", spec.latency_ms)
        .property("drop-on-latency", false)
        .property_from_str("protocols", "tcp")
        .property("add-reference-timestamp-meta", true)
        // Give up on an unresponsive camera after 5 s rather than rtspsrc's 20 s.
        .property("tcp-timeout", 5_000_000u64)
        .property("teardown-timeout", 100_000_000u64)
        .build()
        .map_err(|_| MediaError::MissingElement("rtspsrc".into()))?;
    if let Some((user, password)) = &spec.credentials {
        src.set_property("user-id", user);
        src.set_property("user-pw", password);
    }
    // Cameras often send audio too; only video is wanted here.
    src.connect("select-stream", false, |args| {
        let caps = args.get(2).and_then(|v| v.get::<gst::Caps>().ok());
        let is_video = caps.as_ref().and_then(|c| c.structure(0)).and_then(|s| s.get::<&str>("media").ok()).is_some_and(|m| m == "video");
        Some(is_video.to_value())
    });
    pipeline.add(&src).map_err(MediaError::gst)?;

    let pipeline_weak = pipeline.downgrade();
    let handle = handle.clone();
    let wake = wake.clone();
    let profile = spec.key.profile;
    src.connect_pad_added(move |src, pad| {
        let Some(pipeline) = pipeline_weak.upgrade() else { return };
        if let Err(message) = link_video_branch(&pipeline, pad, &handle, &wake, profile) {
            let msg = gst::message::Error::builder(gst::StreamError::CodecNotFound, &message.to_string()).src(src).build();
            let _ = src.post_message(msg);
        }
    });
    Ok(pipeline)
}

fn link_video_branch(
    pipeline: &gst::Pipeline,
    pad: &gst::Pad,
    handle: &Arc<StreamHandle>,
    wake: &WakeFn,
    profile: StreamProfile,
) -> Result<(), MediaError> {
    let caps = pad.current_caps().ok_or(MediaError::Gst("the camera's stream has no caps".into()))?;
    let s = caps.structure(0).ok_or(MediaError::Gst("the camera's stream has empty caps".into()))?;
    let encoding = s.get::<&str>("encoding-name").unwrap_or("?").to_ascii_uppercase();
    let (depay, parse, media, stream_format) = match encoding.as_str() {
        "H264" => ("rtph264depay", "h264parse", "video/x-h264", "avc"),
        "H265" => ("rtph265depay", "h265parse", "video/x-h265", "hev1"),
        other => return Err(MediaError::UnsupportedCodec(other.to_string())),
    };
    let coded_caps = gst::Caps::builder(media).field("alignment", "au").field("stream-format", stream_format).build();
    let factory = decoder::choose(&coded_caps).ok_or_else(|| MediaError::NoDecoder(encoding.clone()))?;
    let make = |name: &str| gst::ElementFactory::make(name).build().map_err(|_| MediaError::MissingElement(name.into()));
    let depay = make(depay)?;
    let parse = make(parse)?;
    let dec = factory.create().build().map_err(|e| MediaError::Gst(format!("cannot create decoder {}: {e}", factory.name())))?;
    decoder::configure(&dec, profile);
    let appsink = gst_app::AppSink::builder()
        .caps(&gst_video::VideoCapsBuilder::new().format_list([gst_video::VideoFormat::Nv12, gst_video::VideoFormat::I420]).build())
        .max_buffers(1)
        .drop(true)
        .sync(false)
        .enable_last_sample(false)
        .build();
    handle.update_stats(|st| {
        st.codec = encoding.clone();
        st.decoder = factory.name().to_string();
    });

    // Decode-time bookkeeping: when each presentation time entered the decoder.
    let entered: Arc<Mutex<VecDeque<(u64, Instant)>>> = Arc::new(Mutex::new(VecDeque::with_capacity(64)));
    install_rtp_time_probe(&depay, handle);
    install_mode_probe(&parse, handle, &entered);
    install_sink_callbacks(&appsink, handle, wake, &entered);

    let elements = [&depay, &parse, &dec, appsink.upcast_ref()];
    pipeline.add_many(elements).map_err(MediaError::gst)?;
    depay.link(&parse).map_err(MediaError::gst)?;
    parse.link_filtered(&dec, &coded_caps).map_err(MediaError::gst)?;
    dec.link(&appsink).map_err(|e| MediaError::Gst(format!("decoder {} cannot produce NV12/I420: {e}", factory.name())))?;
    for e in elements {
        e.sync_state_with_parent().map_err(MediaError::gst)?;
    }
    let sinkpad = depay.static_pad("sink").ok_or(MediaError::Gst("depayloader without sink pad".into()))?;
    pad.link(&sinkpad).map_err(|e| MediaError::Gst(format!("cannot link the camera's stream: {e:?}")))?;
    Ok(())
}

/// Caps naming the reference-timestamp meta that carries a packet's RTP timestamp (as a count
/// of 90 kHz ticks in the meta's `timestamp`, not ns) from the depayloader's input to the units
/// it makes: the depayloader and the parser keep a buffer's metas.
const RTP_TIME_META: &str = "timestamp/x-vigil-rtp";

fn rtp_time_caps() -> &'static gst::Caps {
    static CAPS: std::sync::OnceLock<gst::Caps> = std::sync::OnceLock::new();
    CAPS.get_or_init(|| gst::Caps::new_empty_simple(RTP_TIME_META))
}

/// Tags RTP packets entering the depayloader with their RTP timestamp (the camera's clock), while
/// the stream is recorded, so the record tap can time units by the camera instead of by arrival.
/// The depayloader gives an access unit the metas of the packets its picture came in, so two
/// packets a unit are enough: the first of each new timestamp and the last (marker bit, RFC
/// 6184/7798). Either alone falls short: rtph265depay builds a keyframe from stored parameter
/// sets first (the first packet's meta is lost), and some cameras never set the marker bit.
/// Tagging every packet made recording 30 % dearer than a gst-launch remux.
fn install_rtp_time_probe(depay: &gst::Element, handle: &Arc<StreamHandle>) {
    let Some(pad) = depay.static_pad("sink") else { return };
    let handle = handle.clone();
    let last = std::sync::atomic::AtomicU64::new(u64::MAX);
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        if handle.tap.load().is_none() {
            return gst::PadProbeReturn::Ok;
        }
        if let Some(gst::PadProbeData::Buffer(buffer)) = info.data.as_mut() {
            let header = buffer.map_readable().ok().and_then(|m| Some((rtp_timestamp(m.as_slice())?, m.as_slice()[1] & 0x80 != 0)));
            if let Some((ts, marker)) = header
                && (marker || last.swap(u64::from(ts), Ordering::Relaxed) != u64::from(ts))
            {
                gst::ReferenceTimestampMeta::add(buffer.make_mut(), rtp_time_caps(), gst::ClockTime::from_nseconds(u64::from(ts)), None);
            }
        }
        gst::PadProbeReturn::Ok
    });
}

/// The RTP timestamp a unit's packets carried (see [`install_rtp_time_probe`]): the one most of
/// its metas say (a parameter set kept from an earlier packet may carry an older one), the last
/// of them on a tie.
fn unit_rtp_timestamp(buffer: &gst::BufferRef) -> Option<u32> {
    let stamps: Vec<u32> = buffer
        .iter_meta::<gst::ReferenceTimestampMeta>()
        .filter(|m| m.reference().structure(0).is_some_and(|s| s.name() == RTP_TIME_META))
        .map(|m| m.timestamp().nseconds() as u32)
        .collect();
    let count = |ts: u32| stamps.iter().filter(|&&t| t == ts).count();
    stamps.iter().copied().max_by_key(|&ts| count(ts))
}

/// How late (running time now against the unit's time) a unit may reach the decoder before the
/// probe skips decoding to the next keyframe: 1 s.
const MAX_DECODE_LAG_NS: u64 = 1_000_000_000;

/// Counts access units and bytes, and applies the decode mode before the decoder: keyframe-only
/// drops delta units, paused drops everything; back to full waits for the next keyframe. A
/// decoder whose units come `MAX_DECODE_LAG_NS` late also waits for the next keyframe.
fn install_mode_probe(parse: &gst::Element, handle: &Arc<StreamHandle>, entered: &Arc<Mutex<VecDeque<(u64, Instant)>>>) {
    let Some(pad) = parse.static_pad("src") else { return };
    let handle = handle.clone();
    let entered = entered.clone();
    let waiting_for_keyframe = std::sync::atomic::AtomicBool::new(false);
    // The caps last announced to the record tap (a new pipeline starts with none: a new run).
    let tapped_caps: Mutex<Option<gst::Caps>> = Mutex::new(None);
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let Some(buffer) = info.buffer() else { return gst::PadProbeReturn::Ok };
        let c = &handle.counters;
        c.access_units.fetch_add(1, Ordering::Relaxed);
        c.bytes.fetch_add(buffer.size() as u64, Ordering::Relaxed);
        let mut keyframe = !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT);
        // H.265: the parser's flag is not enough (see `h265_au_has_irap`); check the picture.
        if keyframe && let Some(nal_length_size) = h265_nal_length_size(pad) {
            keyframe = buffer.map_readable().is_ok_and(|m| h265_au_has_irap(m.as_slice(), nal_length_size));
        }
        if let Some(tap) = handle.tap.load().as_ref() {
            let mut tapped = tapped_caps.lock().unwrap_or_else(|e| e.into_inner());
            feed_tap(tap, pad, buffer, keyframe, &mut tapped, &handle);
        } else {
            *tapped_caps.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        // (Not asked of a paused stream: it decodes nothing to be behind on.)
        let behind = || {
            buffer.pts().is_some_and(|pts| {
                pad.parent_element()
                    .and_then(|e| Some(e.clock()?.time().saturating_sub(e.base_time()?)))
                    .is_some_and(|running| running.nseconds() > pts.nseconds() + MAX_DECODE_LAG_NS)
            })
        };
        if handle.decode_mode() != DecodeMode::Paused && behind() {
            waiting_for_keyframe.store(true, Ordering::Relaxed);
            c.decode_skipped.fetch_add(1, Ordering::Relaxed);
            return gst::PadProbeReturn::Drop;
        }
        let pass = match handle.decode_mode() {
            DecodeMode::Full => {
                if keyframe {
                    waiting_for_keyframe.store(false, Ordering::Relaxed);
                }
                !waiting_for_keyframe.load(Ordering::Relaxed)
            }
            DecodeMode::KeyframesOnly => {
                waiting_for_keyframe.store(true, Ordering::Relaxed);
                keyframe
            }
            DecodeMode::Paused => {
                waiting_for_keyframe.store(true, Ordering::Relaxed);
                false
            }
        };
        if !pass {
            return gst::PadProbeReturn::Drop;
        }
        if let Some(pts) = buffer.pts() {
            let mut q = entered.lock().unwrap_or_else(|e| e.into_inner());
            if q.len() == q.capacity() {
                q.pop_front();
            }
            q.push_back((pts.nseconds(), Instant::now()));
        }
        gst::PadProbeReturn::Ok
    });
}

/// The NAL length size of the pad's H.265 units (from its `hvcC`), or `None` for another codec.
fn h265_nal_length_size(pad: &gst::Pad) -> Option<usize> {
    let caps = pad.current_caps()?;
    let s = caps.structure(0)?;
    if s.name() != "video/x-h265" {
        return None;
    }
    let hvcc = s.get::<gst::Buffer>("codec_data").ok();
    Some(hvcc.and_then(|b| b.map_readable().ok().map(|m| hvcc_nal_length_size(m.as_slice()))).unwrap_or(4))
}

/// Mapped compressed bytes, kept alive for as long as the recorder holds the unit.
struct GstUnit(gst::MappedBuffer<gst::buffer::Readable>);

impl UnitData for GstUnit {
    fn bytes(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// What the recorder needs from the parser's caps: codec, `avcC`/`hvcC`, size.
pub(crate) fn codec_config(caps: &gst::CapsRef) -> Option<CodecConfig> {
    let s = caps.structure(0)?;
    let codec = match s.name().as_str() {
        "video/x-h264" => VideoCodec::H264,
        "video/x-h265" => VideoCodec::H265,
        _ => return None,
    };
    let codec_data = s.get::<gst::Buffer>("codec_data").ok()?.map_readable().ok()?.as_slice().to_vec();
    let width = s.get::<i32>("width").ok()?.max(0) as u32;
    let height = s.get::<i32>("height").ok()?.max(0) as u32;
    Some(CodecConfig { codec, codec_data, width, height })
}

/// Hands one access unit to the record tap without blocking the streaming thread.
fn feed_tap(
    tap: &super::RecordTap,
    pad: &gst::Pad,
    buffer: &gst::Buffer,
    keyframe: bool,
    tapped_caps: &mut Option<gst::Caps>,
    handle: &StreamHandle,
) {
    let Some(caps) = pad.current_caps() else { return };
    if tapped_caps.as_ref() != Some(&caps) {
        let Some(config) = codec_config(&caps) else { return };
        if tap.try_send(TapMessage::Start(config)).is_err() {
            handle.tap_dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        *tapped_caps = Some(caps);
    }
    let Some(rtp_timestamp) = unit_rtp_timestamp(buffer) else {
        // Not expected from a depayloader; a unit that cannot be timed by the camera is not
        // recorded (counted with the dropped ones).
        handle.tap_dropped.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(stream = %handle.key, "an access unit without its RTP timestamp; not recorded");
        return;
    };
    // Arrival on the wall clock, as it is: it anchors a run and is weighed against the camera's
    // clock (a jitter buffer's own estimate bends toward the references of a B-frame stream).
    let arrival_unix_ns = unix_now_ns();
    let Ok(mapped) = buffer.clone().into_mapped_buffer_readable() else { return };
    let unit = EncodedUnit { rtp_timestamp, arrival_unix_ns, keyframe, data: Box::new(GstUnit(mapped)) };
    if tap.try_send(TapMessage::Unit(unit)).is_err() {
        handle.tap_dropped.fetch_add(1, Ordering::Relaxed);
    }
}

fn install_sink_callbacks(
    appsink: &gst_app::AppSink,
    handle: &Arc<StreamHandle>,
    wake: &WakeFn,
    entered: &Arc<Mutex<VecDeque<(u64, Instant)>>>,
) {
    let handle = handle.clone();
    let wake = wake.clone();
    let entered = entered.clone();
    let mut info_cache: Option<(gst::Caps, gst_video::VideoInfo)> = None;
    let mut last_pts_ns: Option<u64> = None;
    appsink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let (Some(buffer), Some(caps)) = (sample.buffer_owned(), sample.caps_owned()) else {
                    return Ok(gst::FlowSuccess::Ok);
                };
                if info_cache.as_ref().is_none_or(|(c, _)| *c != caps) {
                    let info = gst_video::VideoInfo::from_caps(&caps).map_err(|_| gst::FlowError::NotNegotiated)?;
                    info_cache = Some((caps, info));
                }
                let Some((_, info)) = info_cache.as_ref() else { return Ok(gst::FlowSuccess::Ok) };
                let c = &handle.counters;
                let pts_ns = buffer.pts().map(gst::ClockTime::nseconds);

                // Latency from the camera's RTCP sender-report clock to now (loopback: same clock).
                for meta in buffer.iter_meta::<gst::ReferenceTimestampMeta>() {
                    if meta.reference().structure(0).is_some_and(|s| s.name() == "timestamp/x-ntp")
                        && let Some(capture_ns) = unix_ns_from_ntp_ns(meta.timestamp().nseconds())
                    {
                        let ms = unix_now_ns().saturating_sub(capture_ns) as f64 / 1e6;
                        handle.push_latency(ms);
                    }
                }
                if let Some(pts) = pts_ns {
                    let mut q = entered.lock().unwrap_or_else(|e| e.into_inner());
                    while let Some(&(p, t)) = q.front() {
                        if p > pts {
                            break;
                        }
                        q.pop_front();
                        if p == pts {
                            c.decode_ns.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                            c.decode_samples.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    // Frames lost on the way: a gap of more than 1.5 frame durations while decoding fully.
                    let fps = info.fps();
                    if handle.decode_mode() == DecodeMode::Full && fps.numer() > 0 {
                        let frame_ns = 1_000_000_000u64 * fps.denom() as u64 / fps.numer() as u64;
                        if let Some(last) = last_pts_ns
                            && pts > last + frame_ns * 3 / 2
                        {
                            c.dropped.fetch_add((pts - last + frame_ns / 2) / frame_ns - 1, Ordering::Relaxed);
                        }
                        last_pts_ns = Some(pts);
                    } else {
                        last_pts_ns = None;
                    }
                }

                let format = match info.format() {
                    gst_video::VideoFormat::Nv12 => PixelFormat::Nv12,
                    _ => PixelFormat::I420,
                };
                let colorimetry = info.colorimetry();
                let matrix = match colorimetry.matrix() {
                    gst_video::VideoColorMatrix::Bt601 => YuvMatrix::Bt601,
                    _ => YuvMatrix::Bt709,
                };
                let range = match colorimetry.range() {
                    gst_video::VideoColorRange::Range0_255 => YuvRange::Full,
                    _ => YuvRange::Limited,
                };
                let (width, height) = (info.width(), info.height());
                let strides = info.stride();
                let strides = [0, 1, 2].map(|i| strides.get(i).copied().unwrap_or(0).max(0) as usize);
                let mapped = gst_video::VideoFrame::from_buffer_readable(buffer, info).map_err(|_| gst::FlowError::Error)?;
                let frame = DecodedFrame::new(format, width, height, strides, matrix, range, pts_ns, Box::new(GstPlanes(mapped)));
                handle.slot.store(frame);
                c.frames.fetch_add(1, Ordering::Relaxed);
                c.last_frame_unix_ns.store(unix_now_ns(), Ordering::Relaxed);
                (wake)();
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
}
