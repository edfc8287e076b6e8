//! The alarm sound: a short two-tone chime made by GStreamer itself (no file to ship or lose), or
//! a sound file the site chose, played on the default audio output. Playing never blocks the
//! caller: each chime is a pipeline on the named thread `alarm-sound`, one at a time (a chime
//! asked for while one plays is dropped: they would only overlap).
//!
//! `{audiotestsrc 880 Hz, 0.25 s} {audiotestsrc 660 Hz, 0.25 s} x2 - {concat} - {audioconvert}
//!  - {audioresample} - {volume} - {autoaudiosink | $VIGIL_AUDIO_SINK}` (a file:
//! `{filesrc} - {decodebin} - {audioconvert} - …`). `VIGIL_AUDIO_SINK` names another sink
//! element, e.g. `fakesink` where a machine has no audio device (tests, CI).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;

use super::MediaError;

/// Longest a chime may play before it is cut (a long file).
const MAX_PLAY: Duration = Duration::from_secs(10);

/// What plays: the built-in chime or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chime {
    BuiltIn,
    File(PathBuf),
}

/// Plays chimes; cheap to clone.
#[derive(Clone, Default)]
pub struct AlarmSound {
    /// The sink element (with properties) to play on; `None`: [`default_sink`].
    sink: Option<String>,
    playing: Arc<AtomicBool>,
    /// Chimes that played to their end.
    played: Arc<AtomicU64>,
    /// Why the last chime could not play, for the GUI (no audio device, a bad file).
    last_error: Arc<std::sync::Mutex<Option<String>>>,
}

impl AlarmSound {
    pub fn new() -> Self {
        Self::default()
    }

    /// Plays on another sink element, e.g. `fakesink sync=true` where there is no device.
    pub fn with_sink(sink: &str) -> Self {
        Self { sink: Some(sink.to_string()), ..Self::default() }
    }

    /// Starts `chime` unless one is playing; returns at once.
    pub fn ring(&self, chime: &Chime) {
        if self.playing.swap(true, Ordering::AcqRel) {
            return;
        }
        let (this, chime) = (self.clone(), chime.clone());
        let spawned = std::thread::Builder::new().name("alarm-sound".into()).spawn(move || {
            let sink = this.sink.clone().unwrap_or_else(default_sink);
            let result = play_on(&chime, &sink);
            match &result {
                Ok(()) => {
                    this.played.fetch_add(1, Ordering::AcqRel);
                }
                Err(e) => tracing::warn!("the alarm sound did not play: {e}"),
            }
            *this.last_error.lock().unwrap_or_else(|e| e.into_inner()) = result.err().map(|e| e.to_string());
            this.playing.store(false, Ordering::Release);
        });
        if spawned.is_err() {
            self.playing.store(false, Ordering::Release);
        }
    }

    /// Chimes that played to their end so far.
    pub fn played(&self) -> u64 {
        self.played.load(Ordering::Acquire)
    }

    pub fn is_playing(&self) -> bool {
        self.playing.load(Ordering::Acquire)
    }

    /// Why the last chime failed (`None` after one that played).
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// `$VIGIL_AUDIO_SINK` if set, else `autoaudiosink` (the desktop's default output).
pub fn default_sink() -> String {
    std::env::var("VIGIL_AUDIO_SINK").ok().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "autoaudiosink".into())
}

fn launch_line(chime: &Chime, sink: &str) -> Result<String, MediaError> {
    let tail = format!("audioconvert ! audioresample ! volume volume=0.8 ! {sink}");
    Ok(match chime {
        // 0.25 s tones at 44.1 kHz: 11 buffers of 1 024 samples each.
        Chime::BuiltIn => {
            let tone = |hz: u32| format!("audiotestsrc wave=sine freq={hz} volume=0.5 samplesperbuffer=1024 num-buffers=11 ! c.");
            format!("concat name=c ! {tail}  {} {} {} {}", tone(880), tone(660), tone(880), tone(660))
        }
        Chime::File(path) => {
            let path = path.to_str().ok_or_else(|| MediaError::Gst(format!("sound file {} has an unreadable name", path.display())))?;
            if !std::path::Path::new(path).is_file() {
                return Err(MediaError::Gst(format!("sound file {path} does not exist")));
            }
            format!("filesrc location=\"{}\" ! decodebin ! {tail}", path.replace('"', "\\\""))
        }
    })
}

/// Plays `chime` on `sink` to its end (or [`MAX_PLAY`]); blocking.
pub fn play_on(chime: &Chime, sink: &str) -> Result<(), MediaError> {
    super::init()?;
    let pipeline = gst::parse::launch(&launch_line(chime, sink)?).map_err(|e| MediaError::Gst(format!("the alarm sound: {e}")))?;
    let bus = pipeline.bus().ok_or_else(|| MediaError::Gst("the alarm sound's pipeline has no bus".into()))?;
    let result = match pipeline.set_state(gst::State::Playing) {
        Err(_) => Err(MediaError::Gst("no audio output could be opened".into())),
        Ok(_) => match bus.timed_pop_filtered(
            gst::ClockTime::from_nseconds(MAX_PLAY.as_nanos() as u64),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        ) {
            Some(msg) => match msg.view() {
                gst::MessageView::Error(e) => Err(MediaError::Gst(format!("the alarm sound: {}", e.error()))),
                _ => Ok(()),
            },
            // Cut short: a long file has played long enough.
            None => Ok(()),
        },
    };
    let _ = pipeline.set_state(gst::State::Null);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_chime_plays_to_its_end_and_a_missing_file_is_a_clear_error() {
        // No audio device here: the same pipeline into a fakesink, synchronised as a device is.
        let sink = "fakesink sync=true";
        let started = std::time::Instant::now();
        play_on(&Chime::BuiltIn, sink).unwrap();
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(900), "four 0.25 s tones play in real time, took {took:?}");
        let err = play_on(&Chime::File("/nonexistent/chuong.wav".into()), sink).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");

        let sound = AlarmSound::with_sink(sink);
        sound.ring(&Chime::BuiltIn);
        sound.ring(&Chime::BuiltIn); // dropped: one at a time
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while sound.is_playing() {
            assert!(std::time::Instant::now() < deadline, "the chime never ended");
            std::thread::park_timeout(Duration::from_millis(20));
        }
        assert_eq!(sound.played(), 1);
        assert_eq!(sound.last_error(), None);
    }
}
