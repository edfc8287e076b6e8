//! One named thread per stream that keeps it alive: starts the pipeline, watches its bus and a
//! data watchdog, turns failures into typed offline reasons, reconnects with exponential backoff
//! (1 s doubling to 30 s, reset once live) and tears pipelines down here — never on a UI thread,
//! since `set_state(Null)` can block on a dead camera.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::stream::{OfflineReason, StreamEvent, StreamHandle, StreamState};
use super::{StreamSpec, SupervisorPolicy, WakeFn, live};
use crate::core::site::validate_rtsp_url;
use crate::core::time::{Backoff, unix_now_ns};

pub(crate) struct Supervisor {
    pub spec: StreamSpec,
    pub handle: Arc<StreamHandle>,
    pub events: SyncSender<StreamEvent>,
    pub wake: WakeFn,
    pub policy: SupervisorPolicy,
    /// Receives a message (or disconnects) when the stream should stop.
    pub stop_rx: Receiver<()>,
}

/// How a connection attempt ended.
enum Outcome {
    Failed(OfflineReason),
    Stopped,
}

impl Supervisor {
    pub fn run(self) {
        let mut backoff = Backoff::new(self.policy.backoff_initial, self.policy.backoff_max);
        if let Err(message) = validate_rtsp_url(&self.spec.url) {
            self.publish(StreamState::Offline { reason: OfflineReason::InvalidUrl(message), retry_in_ms: None });
            // Nothing to retry: wait for the stop request.
            let _ = self.stop_rx.recv();
            self.publish(StreamState::Stopped);
            return;
        }
        let mut attempts = 0u64;
        loop {
            if self.stop_requested() {
                break;
            }
            if attempts > 0 {
                self.handle.update_stats(|s| s.reconnects += 1);
            }
            attempts += 1;
            self.publish(StreamState::Connecting);
            match self.attempt(&mut backoff) {
                Outcome::Stopped => break,
                Outcome::Failed(reason) => {
                    let delay = backoff.next_delay();
                    tracing::info!(stream = %self.spec.key, %reason, retry_in_ms = delay.as_millis() as u64, "stream offline");
                    self.publish(StreamState::Offline { reason, retry_in_ms: Some(delay.as_millis() as u64) });
                    match self.stop_rx.recv_timeout(delay) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            }
        }
        self.publish(StreamState::Stopped);
    }

    fn stop_requested(&self) -> bool {
        self.handle.stop_requested.load(Ordering::Acquire)
    }

    fn publish(&self, state: StreamState) {
        if self.handle.state() == state {
            return;
        }
        self.handle.set_state(state.clone());
        let event = StreamEvent { key: self.spec.key.clone(), state, at_unix_ns: unix_now_ns() };
        match self.events.try_send(event) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            // The consumer is behind; the state itself is always readable from the handle.
            Err(TrySendError::Full(_)) => tracing::warn!(stream = %self.spec.key, "event channel full, event dropped"),
        }
        (self.wake)();
    }

    /// One connection: build, play, watch until failure or stop, tear down.
    fn attempt(&self, backoff: &mut Backoff) -> Outcome {
        let pipeline = match live::build(&self.spec, &self.handle, &self.wake) {
            Ok(p) => p,
            Err(e) => return Outcome::Failed(OfflineReason::Other(e.to_string())),
        };
        let outcome = self.watch(&pipeline, backoff);
        // Teardown happens on this thread, whatever state the camera is in.
        let _ = pipeline.set_state(gst::State::Null);
        outcome
    }

    fn watch(&self, pipeline: &gst::Pipeline, backoff: &mut Backoff) -> Outcome {
        let Some(bus) = pipeline.bus() else { return Outcome::Failed(OfflineReason::Other("pipeline without bus".into())) };
        if pipeline.set_state(gst::State::Playing).is_err() {
            // The bus says why.
            return Outcome::Failed(first_error(&bus).unwrap_or(OfflineReason::Other("cannot start the stream".into())));
        }
        let c = &self.handle.counters;
        let started = Instant::now();
        let units_at_start = c.access_units.load(Ordering::Relaxed);
        let mut last_units = units_at_start;
        let mut last_data = Instant::now();
        let mut last_data_unix_ns = unix_now_ns();
        let mut live = false;
        let mut stale = false;
        let mut stats = StatsWindow::new(&self.handle);
        loop {
            if self.stop_requested() {
                return Outcome::Stopped;
            }
            if let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(self.policy.poll_ms)) {
                match msg.view() {
                    gst::MessageView::Error(e) => {
                        let reason = classify(&e.error(), e.debug().as_deref());
                        tracing::debug!(stream = %self.spec.key, error = %e.error(), debug = ?e.debug(), "pipeline error");
                        return Outcome::Failed(reason);
                    }
                    gst::MessageView::Eos(_) => return Outcome::Failed(OfflineReason::StreamEnded),
                    _ => {}
                }
            }
            let units = c.access_units.load(Ordering::Relaxed);
            let fresh = units != last_units;
            if fresh {
                last_units = units;
                last_data = Instant::now();
                last_data_unix_ns = unix_now_ns();
            }
            // Live once video flows: two units of this session (a camera that hangs still sends
            // the one keyframe a server needs to describe its stream; that is not flowing).
            if !live && units >= units_at_start + 2 {
                live = true;
                backoff.reset();
                // Rates are measured from the first frame, not from the connection attempt.
                stats = StatsWindow::new(&self.handle);
                self.publish(StreamState::Live);
            }
            if live && stale && fresh {
                stale = false;
                self.publish(StreamState::Live);
            }
            if live && !stale && last_data.elapsed() > self.policy.stale_after {
                stale = true;
                self.publish(StreamState::NoPicture { since_unix_ns: last_data_unix_ns });
            }
            if live && last_data.elapsed() > self.policy.no_video_timeout {
                return Outcome::Failed(OfflineReason::NoVideo);
            }
            if !live && started.elapsed() > self.policy.connect_timeout {
                return Outcome::Failed(if units == units_at_start { OfflineReason::Timeout } else { OfflineReason::NoVideo });
            }
            stats.tick(&self.handle);
        }
    }
}

fn first_error(bus: &gst::Bus) -> Option<OfflineReason> {
    let msg = bus.timed_pop_filtered(gst::ClockTime::from_seconds(1), &[gst::MessageType::Error])?;
    match msg.view() {
        gst::MessageView::Error(e) => Some(classify(&e.error(), e.debug().as_deref())),
        _ => None,
    }
}

/// Turns a GStreamer error into a reason an officer can act on.
pub(crate) fn classify(error: &gst::glib::Error, debug: Option<&str>) -> OfflineReason {
    let text = format!("{} {}", error.message(), debug.unwrap_or("")).to_ascii_lowercase();
    if let Some(kind) = error.kind::<gst::ResourceError>() {
        match kind {
            gst::ResourceError::NotAuthorized => return OfflineReason::Unauthorized,
            gst::ResourceError::NotFound => return OfflineReason::NotFound,
            _ => {}
        }
    }
    if text.contains("unauthorized") || text.contains("401") {
        return OfflineReason::Unauthorized;
    }
    if text.contains("not found") || text.contains("404") {
        return OfflineReason::NotFound;
    }
    if text.contains("refused") {
        return OfflineReason::ConnectionRefused;
    }
    if text.contains("timeout") || text.contains("timed out") {
        return OfflineReason::Timeout;
    }
    if let Some(kind) = error.kind::<gst::StreamError>()
        && matches!(kind, gst::StreamError::CodecNotFound | gst::StreamError::TypeNotFound | gst::StreamError::WrongType)
    {
        return OfflineReason::UnsupportedCodec(error.message().to_string());
    }
    if text.contains("not-negotiated") || text.contains("not negotiated") {
        return OfflineReason::UnsupportedCodec(format!("decoder output format not supported ({})", error.message()));
    }
    if text.contains("could not connect") || text.contains("could not open resource") {
        return OfflineReason::ConnectionRefused;
    }
    OfflineReason::Other(error.message().to_string())
}

/// Turns counters into per-second figures.
struct StatsWindow {
    since: Instant,
    frames: u64,
    bytes: u64,
    decode_ns: u64,
    decode_samples: u64,
}

impl StatsWindow {
    fn new(handle: &StreamHandle) -> Self {
        let c = &handle.counters;
        Self {
            since: Instant::now(),
            frames: c.frames.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
            decode_ns: c.decode_ns.load(Ordering::Relaxed),
            decode_samples: c.decode_samples.load(Ordering::Relaxed),
        }
    }

    fn tick(&mut self, handle: &StreamHandle) {
        let elapsed = self.since.elapsed();
        if elapsed < Duration::from_secs(1) {
            return;
        }
        let now = StatsWindow::new(handle);
        let secs = elapsed.as_secs_f64();
        let c = &handle.counters;
        let frame = handle.slot.latest();
        let samples = now.decode_samples - self.decode_samples;
        handle.update_stats(|s| {
            s.fps = (now.frames - self.frames) as f64 / secs;
            s.bitrate_kbps = (now.bytes - self.bytes) as f64 * 8.0 / 1000.0 / secs;
            s.decode_ms = if samples > 0 { (now.decode_ns - self.decode_ns) as f64 / samples as f64 / 1e6 } else { 0.0 };
            s.frames_decoded = now.frames;
            s.frames_dropped = c.dropped.load(Ordering::Relaxed);
            s.last_frame_unix_ns = c.last_frame_unix_ns.load(Ordering::Relaxed);
            if let Some(f) = frame {
                s.width = f.width;
                s.height = f.height;
            }
        });
        *self = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_reasons() {
        gst::init().unwrap();
        let e = gst::glib::Error::new(gst::ResourceError::NotAuthorized, "Unauthorized");
        assert_eq!(classify(&e, None), OfflineReason::Unauthorized);
        let e = gst::glib::Error::new(gst::ResourceError::OpenReadWrite, "Could not open resource for reading and writing.");
        assert_eq!(classify(&e, Some("Failed to connect. (Generic error)")), OfflineReason::ConnectionRefused);
        let e = gst::glib::Error::new(gst::ResourceError::NotFound, "Not found");
        assert_eq!(classify(&e, None), OfflineReason::NotFound);
        let e = gst::glib::Error::new(gst::StreamError::CodecNotFound, "video codec MJPEG");
        assert!(matches!(classify(&e, None), OfflineReason::UnsupportedCodec(_)));
    }
}
