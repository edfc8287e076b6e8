//! Evidence clips with the camera's name and the local date and time burned into every picture:
//! a re-encode, so clearly slower than the remux, reported with progress and cancellable.
//!
//! `{filesrc} - {qtdemux} - {h26xparse} - {decoder} - {videoconvert} - {textoverlay} -
//! {x264enc} - {h264parse} - {mp4mux} - {filesink}`; the overlay's text is set for each picture
//! from its presentation time (a pad probe), so the burned-in time is the recording's own.

use super::MediaError;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gstreamer as gst;
use gstreamer::prelude::*;

/// What to burn into a clip's pictures.
pub struct BurnIn<'a> {
    pub camera_name: &'a str,
    /// The clip's first picture, ns since the Unix epoch.
    pub start_unix_ns: u64,
    /// The clip's length, ns (for progress).
    pub duration_ns: u64,
    /// The zone the local time is shown in.
    pub tz: chrono_tz::Tz,
}

/// Re-encodes `input` (an MP4 clip) into `output` with the camera's name and the local time of
/// each picture (its offset from the start) burned in. `progress(fraction)`.
pub fn burn_in(
    input: &Path,
    output: &Path,
    what: &BurnIn<'_>,
    progress: &mut dyn FnMut(f64),
    cancel: &AtomicBool,
) -> Result<(), MediaError> {
    super::init()?;
    let BurnIn { camera_name, start_unix_ns, duration_ns, tz } = *what;
    let launch = "filesrc name=src ! qtdemux ! parsebin ! decodebin ! videoconvert ! \
         textoverlay name=overlay valignment=top halignment=left font-desc=\"Sans 28\" shaded-background=true ! \
         videoconvert ! x264enc speed-preset=veryfast bitrate=6000 key-int-max=50 ! h264parse ! mp4mux ! filesink name=sink";
    let pipeline = gst::parse::launch(launch)
        .map_err(|e| MediaError::Gst(format!("re-encode pipeline: {e}")))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| MediaError::Gst("not a pipeline".into()))?;
    let by = |n: &str| pipeline.by_name(n).ok_or_else(|| MediaError::Gst(format!("no {n}")));
    by("src")?.set_property("location", input.to_string_lossy().as_ref());
    by("sink")?.set_property("location", output.to_string_lossy().as_ref());
    let overlay = by("overlay")?;
    let pts_seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
    if let Some(pad) = overlay.static_pad("video_sink") {
        let (overlay, name, seen) = (overlay.clone(), camera_name.to_string(), pts_seen.clone());
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer()
                && let Some(pts) = buffer.pts()
            {
                let at = chrono::DateTime::from_timestamp_nanos((start_unix_ns + pts.nseconds()) as i64).with_timezone(&tz);
                overlay.set_property("text", format!("{name}\n{}", at.format("%d/%m/%Y %H:%M:%S")));
                seen.store(pts.nseconds(), Ordering::Relaxed);
            }
            gst::PadProbeReturn::Ok
        });
    }
    let bus = pipeline.bus().ok_or(MediaError::Gst("pipeline without bus".into()))?;
    pipeline.set_state(gst::State::Playing).map_err(|e| MediaError::Gst(format!("re-encode: {e}")))?;
    let result = loop {
        if cancel.load(Ordering::Relaxed) {
            break Err(MediaError::Cancelled);
        }
        progress((pts_seen.load(Ordering::Relaxed) as f64 / duration_ns.max(1) as f64).min(1.0));
        let Some(msg) = bus.timed_pop_filtered(gst::ClockTime::from_mseconds(100), &[gst::MessageType::Eos, gst::MessageType::Error])
        else {
            continue;
        };
        match msg.view() {
            gst::MessageView::Eos(_) => break Ok(()),
            gst::MessageView::Error(e) => break Err(MediaError::Gst(format!("re-encode: {} ({:?})", e.error(), e.debug()))),
            _ => {}
        }
    };
    let _ = pipeline.set_state(gst::State::Null);
    if result.is_ok() {
        progress(1.0);
    }
    result
}
