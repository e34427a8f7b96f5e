//! Closed captions carried in the video (CEA-608 in the H.264 SEI of the
//! headend's council channel): found, offered as a track, drawn and reported
//! only while selected.

mod common;

use std::time::Duration;

use common::{assert_no_event, hls_url, next_event, player_with};
use hustings::headend::captions::SCRIPT;
use hustings::player::captions::CC1;
use hustings::player::{PlayerCommand, PlayerEvent, PlayerOptions};

const WAIT: Duration = Duration::from_secs(20);

fn options(subtitles: bool) -> PlayerOptions {
    PlayerOptions {
        no_picture_timeout: Duration::from_secs(20),
        subtitles,
        ..Default::default()
    }
}

fn captions_offered(zap: u64) -> impl Fn(&PlayerEvent) -> bool {
    move |e| {
        matches!(e, PlayerEvent::Tracks { zap: z, tracks }
            if *z == zap && tracks.subtitles.iter().any(|t| t.id == CC1))
    }
}

fn is_captions(e: &PlayerEvent) -> bool {
    matches!(e, PlayerEvent::Captions { lines, .. } if !lines.is_empty())
}

/// The lines of the next caption, checked against what the headend sends.
fn next_caption(events: &mut tokio::sync::mpsc::UnboundedReceiver<PlayerEvent>) -> String {
    match next_event(events, WAIT, is_captions) {
        Some(PlayerEvent::Captions { lines, .. }) => {
            let text = lines.join(" ");
            assert!(
                SCRIPT.contains(&text.as_str()),
                "not in the script: {text:?}"
            );
            text
        }
        other => panic!("no captions: {other:?}"),
    }
}

#[test]
fn captions_wanted_are_shown_and_change_with_the_programme() {
    let (p, mut events) = player_with(options(true));
    let zap = p.play(&hls_url("council-live"));
    match next_event(&mut events, WAIT, captions_offered(zap)) {
        Some(PlayerEvent::Tracks { tracks, .. }) => {
            let cc = tracks.subtitles.iter().find(|t| t.id == CC1).unwrap();
            assert_eq!(cc.codec.as_deref(), Some("CEA-608"));
            assert_eq!(
                tracks.selected_subtitles.as_deref(),
                Some(CC1),
                "{tracks:?}"
            );
        }
        other => panic!("captions not offered: {other:?}"),
    }
    let first = next_caption(&mut events);
    let second = next_caption(&mut events);
    assert_ne!(first, second, "each caption replaces the last");

    // Off: nothing more is drawn or reported.
    p.send(PlayerCommand::SetSubtitles(None));
    assert!(
        next_event(&mut events, WAIT, |e| matches!(
            e,
            PlayerEvent::Tracks { tracks, .. } if tracks.selected_subtitles.is_none()
        ))
        .is_some()
    );
    assert_no_event(&mut events, Duration::from_secs(3), is_captions);
    p.send(PlayerCommand::Shutdown);
}

#[test]
fn captions_are_offered_but_off_until_chosen() {
    let (p, mut events) = player_with(options(false));
    let zap = p.play(&hls_url("council-live"));
    match next_event(&mut events, WAIT, captions_offered(zap)) {
        Some(PlayerEvent::Tracks { tracks, .. }) => {
            assert_eq!(tracks.selected_subtitles, None, "{tracks:?}")
        }
        other => panic!("captions not offered: {other:?}"),
    }
    assert_no_event(&mut events, Duration::from_secs(3), is_captions);
    p.send(PlayerCommand::SetSubtitles(Some(CC1.into())));
    next_caption(&mut events);
    p.send(PlayerCommand::Shutdown);
}

#[test]
fn a_channel_without_captions_offers_none() {
    let (p, mut events) = player_with(options(true));
    let zap = p.play(&hls_url("civic-one"));
    assert!(
        next_event(
            &mut events,
            WAIT,
            |e| matches!(e, PlayerEvent::FirstFrame { zap: z, .. } if *z == zap)
        )
        .is_some()
    );
    assert_no_event(&mut events, Duration::from_secs(3), |e| {
        captions_offered(zap)(e) || is_captions(e)
    });
    p.send(PlayerCommand::Shutdown);
}

#[test]
fn cea708_only_captions_are_decoded_too() {
    // The headend's campaign channel carries its captions as CEA-708
    // service data only, with no CEA-608 bytes.
    let (p, mut events) = player_with(options(true));
    let zap = p.play(&hls_url("campaign-news"));
    match next_event(&mut events, WAIT, captions_offered(zap)) {
        Some(PlayerEvent::Tracks { tracks, .. }) => {
            let cc = tracks.subtitles.iter().find(|t| t.id == CC1).unwrap();
            assert_eq!(cc.codec.as_deref(), Some("CEA-708"));
            assert_eq!(tracks.selected_subtitles.as_deref(), Some(CC1));
        }
        other => panic!("captions not offered: {other:?}"),
    }
    let first = next_caption(&mut events);
    let second = next_caption(&mut events);
    assert_ne!(first, second, "each caption replaces the last");
    p.send(PlayerCommand::Shutdown);
}
