//! Decoder choice: the board profile's ordered preference applied to the
//! GStreamer registry's ranks, so decodebin3 picks the first one present.
//!
//! What the registry holds depends on the machine (a box has v4l2 or VA-API
//! decoders, a build host none), so the decisions are made over a list of
//! [`DecoderEntry`] values: the registry's in the product
//! ([`video_decoders`]), a list the test writes in the tests.

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
    is_hardware_klass(
        factory
            .metadata(gst::ELEMENT_METADATA_KLASS)
            .unwrap_or_default(),
    )
}

/// Hardware decoders say so in their klass (`Codec/Decoder/Video/Hardware`,
/// as v4l2 and VA-API decoders do).
fn is_hardware_klass(klass: &str) -> bool {
    klass.contains("Hardware")
}

/// A video decoder as the registry describes it.
#[derive(Debug, Clone)]
pub struct DecoderEntry {
    /// The element factory's name (`avdec_h264`, `v4l2slh265dec`).
    pub name: String,
    /// Its klass (`Codec/Decoder/Video/Hardware`).
    pub klass: String,
    /// What its sink pads take.
    pub sink_caps: gst::Caps,
}

/// The video decoders this system's GStreamer registry has (rank marginal
/// and up, as decodebin3 would consider). Needs GStreamer initialised.
pub fn video_decoders() -> Vec<DecoderEntry> {
    gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER | gst::ElementFactoryType::MEDIA_VIDEO,
        gst::Rank::MARGINAL,
    )
    .iter()
    .map(|f| {
        let mut sink_caps = gst::Caps::new_empty();
        for t in f.static_pad_templates() {
            if t.direction() == gst::PadDirection::Sink {
                sink_caps.merge(t.caps());
            }
        }
        DecoderEntry {
            name: f.name().to_string(),
            klass: f
                .metadata(gst::ELEMENT_METADATA_KLASS)
                .unwrap_or_default()
                .to_string(),
            sink_caps,
        }
    })
    .collect()
}

/// Whether `decoders` hold a hardware decoder for `media` (e.g. "video/x-h265").
pub fn hardware_decoder_among(decoders: &[DecoderEntry], media: &str) -> bool {
    let caps = gst::Caps::new_empty_simple(media);
    decoders
        .iter()
        .filter(|d| is_hardware_klass(&d.klass))
        .any(|d| d.sink_caps.can_intersect(&caps))
}

/// Whether a hardware decoder for `media` (e.g. "video/x-h265") is
/// installed. Needs GStreamer initialised.
pub fn has_hardware_decoder(media: &str) -> bool {
    hardware_decoder_among(&video_decoders(), media)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, klass: &str, caps: &str) -> DecoderEntry {
        DecoderEntry {
            name: name.into(),
            klass: klass.into(),
            sink_caps: caps.parse().unwrap(),
        }
    }

    const HW: &str = "Codec/Decoder/Video/Hardware";
    const SW: &str = "Codec/Decoder/Video";

    #[test]
    fn only_a_hardware_decoder_for_the_media_counts() {
        gst::init().unwrap();
        // The decoder lists of a build host, a Raspberry Pi 4 (stateless
        // HEVC through v4l2) and an Amlogic box (stateful H.264 only).
        let host = [
            entry("avdec_h264", SW, "video/x-h264, alignment=au"),
            entry("avdec_h265", SW, "video/x-h265, alignment=au"),
        ];
        let rpi4 = [
            entry(
                "v4l2slh265dec",
                HW,
                "video/x-h265, stream-format=byte-stream",
            ),
            entry("avdec_h264", SW, "video/x-h264"),
        ];
        let amlogic = [
            entry("v4l2h264dec", HW, "video/x-h264, stream-format=byte-stream"),
            entry("avdec_h265", SW, "video/x-h265"),
        ];
        for (decoders, hevc, avc) in [
            (&host[..], false, false),
            (&rpi4[..], true, false),
            (&amlogic[..], false, true),
            (&[][..], false, false),
        ] {
            let names: Vec<&str> = decoders.iter().map(|d| d.name.as_str()).collect();
            assert_eq!(
                hardware_decoder_among(decoders, "video/x-h265"),
                hevc,
                "{names:?}"
            );
            assert_eq!(
                hardware_decoder_among(decoders, "video/x-h264"),
                avc,
                "{names:?}"
            );
        }
    }

    #[test]
    fn the_registry_list_names_its_decoders_and_what_they_take() {
        gst::init().unwrap();
        // Whatever this machine has, each entry is a real factory with sink caps
        // (avdec_h264 is installed with the build's GStreamer packages).
        let all = video_decoders();
        let avdec = all
            .iter()
            .find(|d| d.name == "avdec_h264")
            .expect("gstreamer1.0-libav is installed");
        assert!(!is_hardware_klass(&avdec.klass));
        assert!(
            avdec
                .sink_caps
                .can_intersect(&gst::Caps::new_empty_simple("video/x-h264"))
        );
    }
}
