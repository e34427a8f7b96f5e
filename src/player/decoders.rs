//! Decoder choice: the board profile's ordered preference applied to the
//! GStreamer registry's ranks, so decodebin3 picks the first one present.

use gstreamer as gst;
use gstreamer::prelude::*;

/// One preferred decoder and whether this system has it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecoderPreference {
    pub name: String,
    pub present: bool,
    pub hardware: bool,
}

/// Ranks `preferred` (element factory names, best first) above every other
/// decoder, in that order. Names this system lacks are reported, not fatal.
/// Needs GStreamer initialised.
pub fn apply_preference(preferred: &[String]) -> Vec<DecoderPreference> {
    set_ranks(preferred, true)
}

/// What [`apply_preference`] would find, without changing any rank (for `hustings doctor`).
pub fn check_preference(preferred: &[String]) -> Vec<DecoderPreference> {
    set_ranks(preferred, false)
}

fn set_ranks(preferred: &[String], apply: bool) -> Vec<DecoderPreference> {
    let registry = gst::Registry::get();
    let top = gst::Rank::PRIMARY + 100 + 10 * preferred.len() as i32;
    preferred
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let feature = registry.lookup_feature(name);
            let hardware = feature
                .as_ref()
                .and_then(|f| f.downcast_ref::<gst::ElementFactory>())
                .is_some_and(is_hardware);
            if let Some(f) = feature.as_ref().filter(|_| apply) {
                f.set_rank(top - 10 * i as i32);
            }
            DecoderPreference {
                name: name.clone(),
                present: feature.is_some(),
                hardware,
            }
        })
        .collect()
}

/// Sets a decoder aside (rank NONE) after it failed, so the next start picks another.
pub fn demote(name: &str) {
    if let Some(f) = gst::Registry::get().lookup_feature(name) {
        f.set_rank(gst::Rank::NONE);
    }
}

/// Whether the factory says it is a hardware decoder.
pub fn is_hardware(factory: &gst::ElementFactory) -> bool {
    factory
        .metadata(gst::ELEMENT_METADATA_KLASS)
        .is_some_and(|k| k.contains("Hardware"))
}

/// Whether a hardware decoder for `media` (e.g. "video/x-h265") is
/// installed. Needs GStreamer initialised.
pub fn has_hardware_decoder(media: &str) -> bool {
    let caps = gst::Caps::new_empty_simple(media);
    gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER | gst::ElementFactoryType::MEDIA_VIDEO,
        gst::Rank::MARGINAL,
    )
    .iter()
    .filter(|f| is_hardware(f))
    .any(|f| f.can_sink_any_caps(&caps))
}

#[cfg(test)]
mod hardware_tests {
    #[test]
    fn this_machine_has_no_hardware_hevc_decoder() {
        gstreamer::init().unwrap();
        // Recorded on this kind of machine (MACHINE-NOTES: no VA, no V4L2 codecs);
        // a box with one answers true and chooses HEVC variants.
        assert!(!super::has_hardware_decoder("video/x-h265"));
    }
}
