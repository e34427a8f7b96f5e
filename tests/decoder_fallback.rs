//! A hardware decoder that fails is set aside once and the stream restarted
//! in software, and the player says so. There is no hardware decoder here,
//! so the test registers a stand-in: a real GStreamer video decoder element
//! that declares itself hardware (klass `Codec/Decoder/Video/Hardware`, as
//! v4l2 and VA-API decoders do) and fails on its first frame, as a broken
//! driver does.

mod common;

use std::sync::LazyLock;
use std::time::Duration;

use common::{hls_url, next_event, player_with};
use gstreamer as gst;
use gstreamer::prelude::*;
use hustings::player::{PlayerCommand, PlayerEvent, PlayerOptions};

const FAKE: &str = "hustingsbrokenhwh264dec";

mod imp {
    use super::*;
    use gstreamer::subclass::prelude::*;
    use gstreamer_video as gst_video;
    use gstreamer_video::subclass::prelude::*;

    #[derive(Default)]
    pub struct BrokenHwDec;

    #[glib::object_subclass]
    impl ObjectSubclass for BrokenHwDec {
        const NAME: &'static str = "HustingsBrokenHwDec";
        type Type = super::BrokenHwDec;
        type ParentType = gst_video::VideoDecoder;
    }

    impl ObjectImpl for BrokenHwDec {}
    impl GstObjectImpl for BrokenHwDec {}

    impl ElementImpl for BrokenHwDec {
        fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
            static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
                gst::subclass::ElementMetadata::new(
                    "Broken hardware H.264 decoder (test stand-in)",
                    "Codec/Decoder/Video/Hardware",
                    "Fails on the first frame, as a broken driver does",
                    "Hustings tests",
                )
            });
            Some(&*META)
        }

        fn pad_templates() -> &'static [gst::PadTemplate] {
            static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
                let sink = gst::Caps::builder("video/x-h264")
                    .field("stream-format", "byte-stream")
                    .field("alignment", "au")
                    .build();
                let src = gst::Caps::builder("video/x-raw")
                    .field("format", "I420")
                    .build();
                vec![
                    gst::PadTemplate::new(
                        "sink",
                        gst::PadDirection::Sink,
                        gst::PadPresence::Always,
                        &sink,
                    )
                    .unwrap(),
                    gst::PadTemplate::new(
                        "src",
                        gst::PadDirection::Src,
                        gst::PadPresence::Always,
                        &src,
                    )
                    .unwrap(),
                ]
            });
            TEMPLATES.as_ref()
        }
    }

    impl VideoDecoderImpl for BrokenHwDec {
        fn handle_frame(
            &self,
            _frame: gst_video::VideoCodecFrame,
        ) -> Result<gst::FlowSuccess, gst::FlowError> {
            gst::element_imp_error!(
                self,
                gst::StreamError::Decode,
                ["the device stopped answering"]
            );
            Err(gst::FlowError::Error)
        }
    }
}

glib::wrapper! {
    pub struct BrokenHwDec(ObjectSubclass<imp::BrokenHwDec>)
        @extends gstreamer_video::VideoDecoder, gst::Element, gst::Object;
}

#[test]
fn a_failing_hardware_decoder_is_set_aside_and_software_takes_over() {
    gst::init().unwrap();
    gst::Element::register(None, FAKE, gst::Rank::PRIMARY, BrokenHwDec::static_type()).unwrap();
    // The board's preference puts the "hardware" decoder first, as a real
    // profile would (v4l2slh264dec before avdec_h264).
    let (p, mut events) = player_with(PlayerOptions {
        decoders: vec![FAKE.into(), "avdec_h264".into()],
        no_picture_timeout: Duration::from_secs(20),
        ..Default::default()
    });
    let zap = p.play(&hls_url("civic-one"));
    match next_event(&mut events, Duration::from_secs(20), |e| {
        matches!(
            e,
            PlayerEvent::DecoderFailed { .. }
                | PlayerEvent::FirstFrame { .. }
                | PlayerEvent::Error { .. }
        )
    }) {
        Some(PlayerEvent::DecoderFailed {
            zap: z,
            decoder,
            reason,
        }) => {
            assert_eq!(z, zap);
            assert_eq!(decoder, FAKE);
            assert!(reason.contains("decode"), "{reason}");
        }
        other => panic!("the broken decoder was not reported: {other:?}"),
    }
    match next_event(&mut events, Duration::from_secs(20), |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. }
                | PlayerEvent::Error { .. }
                | PlayerEvent::DecoderFailed { .. }
        )
    }) {
        Some(PlayerEvent::FirstFrame {
            zap: z, decoder, ..
        }) => {
            assert_eq!(z, zap);
            let d = decoder.expect("the decoder is named");
            assert_eq!(d.name, "avdec_h264", "software took over");
            assert!(!d.hardware);
        }
        other => panic!("no picture after the retry: {other:?}"),
    }
    p.send(PlayerCommand::Shutdown);
}
