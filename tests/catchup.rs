//! Catch-up against the demo headend: the lineup's template filled for a
//! programme, its recording played from the start, to the end of a finished one.

mod common;

use std::time::Duration;

use common::{get, headend, next_event, player};
use hustings::lineup::{CatchupProgramme, channel_catchup_url, parse_bytes};
use hustings::player::{PlayerCommand, PlayerEvent};

#[test]
fn a_programme_restarts_and_a_finished_one_plays_to_its_end() {
    let base = headend().url().to_string();
    let (_, body) = get(&format!("{base}lineup.m3u"));
    let lineup = parse_bytes(&body, "lineup.m3u").unwrap();
    let ch = lineup
        .channels
        .iter()
        .find(|c| c.guide_id.as_deref() == Some("civic-one"))
        .expect("civic-one in the lineup");
    assert!(ch.catchup.is_enabled(), "{:?}", ch.catchup);
    // Let the headend record a few seconds first.
    let (p, mut events) = player(Duration::from_secs(2));
    let live = p.play(&format!("{base}hls/civic-one/index.m3u8"));
    assert!(
        next_event(
            &mut events,
            Duration::from_secs(20),
            |e| matches!(e, PlayerEvent::FirstFrame { zap, .. } if *zap == live)
        )
        .is_some()
    );
    std::thread::sleep(Duration::from_secs(9));
    // The headend's clock (it maps catch-up times onto its recordings'
    // system-stamped times itself).
    let now = common::clock().now();

    let running = CatchupProgramme {
        start: now - 8,
        stop: now + 3600,
        catchup_id: None,
    };
    let url = channel_catchup_url(ch, &running, now).unwrap();
    assert_eq!(
        url,
        format!(
            "{base}catchup/civic-one/index.m3u8?utc={}&duration=8",
            now - 8
        ),
        "a running programme's duration is cut at now, as Kodi does"
    );
    let restart = p.tune("1 Civic One (restart)", vec![url]);
    match next_event(&mut events, Duration::from_secs(20), |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. } | PlayerEvent::Error { .. }
        )
    }) {
        Some(PlayerEvent::FirstFrame { zap, url, .. }) => {
            assert_eq!(zap, restart);
            assert!(url.contains("/catchup/civic-one/"), "{url}");
        }
        other => panic!("restart did not play: {other:?}"),
    }
    // The restart covers the programme up to the moment it was asked for
    // (Kodi's duration rule): it plays to that end and stays ended; the app
    // then returns to live.
    match next_event(&mut events, Duration::from_secs(30), |e| {
        matches!(
            e,
            PlayerEvent::EndOfStream { .. }
                | PlayerEvent::Stalled { .. }
                | PlayerEvent::Error { .. }
        )
    }) {
        Some(PlayerEvent::EndOfStream { zap }) => assert_eq!(zap, restart),
        other => panic!("the restart should play to its end: {other:?}"),
    }
    common::assert_no_event(&mut events, Duration::from_secs(3), |e| {
        matches!(e, PlayerEvent::Stalled { .. } | PlayerEvent::Tuning { .. })
    });

    let finished = CatchupProgramme {
        start: now - 8,
        stop: now - 3,
        catchup_id: None,
    };
    let url = channel_catchup_url(ch, &finished, now).unwrap();
    let zap = p.tune("1 Civic One (catch-up)", vec![url]);
    match next_event(&mut events, Duration::from_secs(30), |e| {
        matches!(
            e,
            PlayerEvent::EndOfStream { .. } | PlayerEvent::Error { .. }
        )
    }) {
        Some(PlayerEvent::EndOfStream { zap: z }) => assert_eq!(z, zap),
        other => panic!("a finished programme should play to its end: {other:?}"),
    }
    // And stays ended: no "signal lost", no replay from the start.
    common::assert_no_event(&mut events, Duration::from_secs(3), |e| {
        matches!(e, PlayerEvent::Stalled { .. } | PlayerEvent::Tuning { .. })
    });

    // A time the headend never recorded is a clear error, not a hang.
    let ancient = CatchupProgramme {
        start: now - 3600 * 20,
        stop: now - 3600 * 19,
        catchup_id: None,
    };
    let url = channel_catchup_url(ch, &ancient, now).unwrap();
    let (status, body) = get(&url);
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("nothing recorded"));
    p.send(PlayerCommand::Shutdown);
}
