//! Picks and configures the video decoder for a stream: hardware decoders (VA-API `va*`, NVIDIA
//! `nv*`) when the registry has them — they only register when their device exists — otherwise the
//! highest-ranked software decoder (`avdec_*`), limited to one thread per substream so 35 decoders
//! do not oversubscribe the cores. `VIGIL_DECODER=<element>` forces one.

use gstreamer as gst;
use gstreamer::prelude::*;

use crate::core::site::StreamProfile;

/// The best decoder factory that accepts `caps` (e.g. `video/x-h264, alignment=au`).
pub fn choose(caps: &gst::Caps) -> Option<gst::ElementFactory> {
    if let Ok(forced) = std::env::var("VIGIL_DECODER")
        && let Some(f) = gst::ElementFactory::find(&forced)
        && f.can_sink_any_caps(caps)
    {
        return Some(f);
    }
    let mut candidates: Vec<gst::ElementFactory> =
        gst::ElementFactory::factories_with_type(gst::ElementFactoryType::DECODER | gst::ElementFactoryType::MEDIA_VIDEO, gst::Rank::NONE)
            .into_iter()
            .filter(|f| f.can_sink_any_caps(caps))
            .filter(|f| is_hardware(f) || f.rank() >= gst::Rank::MARGINAL)
            .collect();
    candidates.sort_by_key(|f| (std::cmp::Reverse(is_hardware(f)), std::cmp::Reverse(f.rank())));
    candidates.into_iter().next()
}

pub fn is_hardware(factory: &gst::ElementFactory) -> bool {
    factory.klass().contains("Hardware")
}

/// Threads: one for substreams (many run at once), two for main streams.
pub fn configure(decoder: &gst::Element, profile: StreamProfile) {
    if decoder.find_property("max-threads").is_some() {
        let threads: i32 = match profile {
            StreamProfile::Sub => 1,
            StreamProfile::Main => 2,
        };
        decoder.set_property("max-threads", threads);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoder_exists_for_h264_and_h265() {
        gst::init().unwrap();
        for media in ["video/x-h264", "video/x-h265"] {
            let caps = gst::Caps::builder(media).field("alignment", "au").build();
            let f = choose(&caps).unwrap_or_else(|| panic!("no decoder for {media}"));
            assert!(f.klass().contains("Decoder"), "{}", f.name());
        }
    }
}
