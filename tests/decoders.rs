//! The board profile's decoder preference decides which decoder plays.
//! (Its own test binary: decoder ranks are process-wide.)

mod common;

use std::time::Duration;

use common::{hls_url, next_event, player_with};
use hustings::player::{PlayerCommand, PlayerEvent, PlayerOptions};

fn decoder_used(preference: &[&str]) -> String {
    let (p, mut events) = player_with(PlayerOptions {
        decoders: preference.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    });
    let zap = p.play(&hls_url("civic-one"));
    let e = next_event(&mut events, Duration::from_secs(20), |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. } | PlayerEvent::Error { .. }
        )
    });
    p.send(PlayerCommand::Shutdown);
    match e {
        Some(PlayerEvent::FirstFrame {
            zap: z, decoder, ..
        }) if z == zap => decoder.expect("the decoder is named").name,
        other => panic!("no picture with {preference:?}: {other:?}"),
    }
}

#[test]
fn the_first_installed_preferred_decoder_is_used() {
    // Both are software H.264 decoders present on Debian; a name this system
    // has no decoder for is skipped. (Not a real hardware decoder's name such
    // as v4l2slh264dec: v4l2codecs registers that one on a machine with the
    // device, and the test would then depend on the machine it runs on.)
    assert_eq!(
        decoder_used(&["hustingsabsenth264dec", "openh264dec", "avdec_h264"]),
        "openh264dec"
    );
    assert_eq!(decoder_used(&["avdec_h264", "openh264dec"]), "avdec_h264");
}
