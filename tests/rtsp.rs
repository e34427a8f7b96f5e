//! RTSP sources (IP cameras, chamber encoders, some IPTV middleware): the
//! player plays the headend's RTSP service to a first frame, and zaps from
//! it to HLS and back.

mod common;

use std::time::Duration;

use common::{headend, hls_url, next_event, player};
use hustings::player::{PlayerCommand, PlayerEvent};

const PICTURE: Duration = Duration::from_secs(20);

fn first_frame(events: &mut tokio::sync::mpsc::UnboundedReceiver<PlayerEvent>, zap: u64) -> String {
    match next_event(
        events,
        PICTURE,
        |e| matches!(e, PlayerEvent::FirstFrame { zap: z, .. } | PlayerEvent::Error { zap: z, .. } if *z == zap),
    ) {
        Some(PlayerEvent::FirstFrame { url, decoder, .. }) => {
            let d = decoder.expect("the decoder is named");
            assert!(d.name.contains("264"), "{}", d.name);
            url
        }
        other => panic!("zap {zap}: no first frame: {other:?}"),
    }
}

#[test]
fn an_rtsp_channel_plays_and_zaps_to_hls_and_back() {
    let rtsp = headend()
        .rtsp_url("council-live")
        .expect("the headend serves RTSP");
    let (p, mut events) = player(Duration::from_secs(2));
    let zap = p.tune("RTSP", vec![rtsp.clone()]);
    assert_eq!(first_frame(&mut events, zap), rtsp);
    let zap = p.tune("HLS", vec![hls_url("civic-one")]);
    assert!(first_frame(&mut events, zap).ends_with("civic-one/index.m3u8"));
    let zap = p.tune("RTSP again", vec![rtsp.clone()]);
    assert_eq!(first_frame(&mut events, zap), rtsp);
    p.send(PlayerCommand::Shutdown);
}
