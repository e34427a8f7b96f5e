//! The player recovering by itself: a stream that stops and comes back, with
//! every zap phase reported. A real sender on loopback (unicast UDP), no netns needed.

mod common;

use std::time::Duration;

use common::{free_udp_port, next_event, player_with, ts_sender};
use gstreamer::prelude::*;
use hustings::player::{PlayerCommand, PlayerEvent, PlayerOptions, ZapPhase};

#[test]
fn a_stream_that_stops_is_reported_stalled_and_recovers_when_it_resumes() {
    let port = free_udp_port();
    let sender = ts_sender("127.0.0.1", port);
    let (p, mut events) = player_with(PlayerOptions {
        join_timeout: Duration::from_secs(5),
        stall_timeout: Duration::from_secs(1),
        retry_first: Duration::from_millis(500),
        retry_max: Duration::from_secs(2),
        ..Default::default()
    });
    let zap = p.tune("loopback", vec![format!("udp://127.0.0.1:{port}")]);
    let first = next_event(&mut events, Duration::from_secs(20), |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. } | PlayerEvent::Error { .. }
        )
    });
    assert!(
        matches!(first, Some(PlayerEvent::FirstFrame { zap: z, .. }) if z == zap),
        "{first:?}"
    );
    let phases = match next_event(&mut events, Duration::from_secs(5), |e| {
        matches!(e, PlayerEvent::ZapPhases { .. })
    }) {
        Some(PlayerEvent::ZapPhases { zap: z, phases }) if z == zap => phases,
        other => panic!("no zap phases: {other:?}"),
    };
    let names: Vec<ZapPhase> = phases.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        names,
        [
            ZapPhase::Command,
            ZapPhase::Join,
            ZapPhase::FirstPacket,
            ZapPhase::ProgramTables,
            ZapPhase::FirstKeyFrame,
            ZapPhase::FirstDecodedFrame,
            ZapPhase::FirstDisplayedFrame
        ],
        "every phase, once, in order: {phases:?}"
    );
    let at = |p: ZapPhase| phases.iter().find(|(q, _)| *q == p).unwrap().1;
    assert!(at(ZapPhase::FirstPacket) <= at(ZapPhase::FirstKeyFrame));
    assert!(at(ZapPhase::FirstKeyFrame) <= at(ZapPhase::FirstDecodedFrame));
    assert!(at(ZapPhase::FirstDecodedFrame) <= at(ZapPhase::FirstDisplayedFrame));

    sender.set_state(gstreamer::State::Null).unwrap();
    match next_event(&mut events, Duration::from_secs(6), |e| {
        matches!(e, PlayerEvent::Stalled { .. } | PlayerEvent::Error { .. })
    }) {
        Some(PlayerEvent::Stalled { zap: z, reason }) => {
            assert_eq!(z, zap);
            assert!(reason.contains("no data"), "{reason}");
        }
        other => panic!("no stall reported: {other:?}"),
    }
    // Long enough for the player to restart the stream at least once.
    std::thread::sleep(Duration::from_secs(2));
    // The player restarted the stream by itself during the outage.
    let retried = next_event(&mut events, Duration::from_secs(1), |e| {
        matches!(
            e,
            PlayerEvent::Tuning { .. } | PlayerEvent::Recovered { .. }
        )
    });
    assert!(
        matches!(&retried, Some(PlayerEvent::Tuning { zap: z, .. }) if *z == zap),
        "no retry during the outage: {retried:?}"
    );
    sender.set_state(gstreamer::State::Playing).unwrap();
    match next_event(&mut events, Duration::from_secs(20), |e| {
        matches!(e, PlayerEvent::Recovered { .. } | PlayerEvent::Error { .. })
    }) {
        Some(PlayerEvent::Recovered { zap: z, after }) => {
            assert_eq!(z, zap);
            assert!(
                after > Duration::ZERO && after < Duration::from_secs(20),
                "{after:?}"
            );
        }
        other => panic!("did not recover: {other:?}"),
    }
    p.send(PlayerCommand::Shutdown);
    sender.set_state(gstreamer::State::Null).unwrap();
}
