//! Regression: seeking in a streamed speech at once after its first picture.
//!
//! `hustings bench seek` crashed GStreamer 1.22's hlsdemux2 about once in six
//! runs. The first picture is reported from the video sink's preroll, before
//! the pipeline's ASYNC_DONE; a seek sent then took that ASYNC_DONE for its
//! own end, so `Seeked` came before the seek had done anything and the next
//! seek overlapped it (adaptivedemux2 then lost track of its downloads, and
//! the watchdog restarted the pipeline in the middle of a seek). A seek now
//! goes out only once the pipeline has settled, and `Seeked` comes only
//! after the picture at the new position has reached the sink.
//!
//! The speech is played as the app plays it: the master playlist of the
//! variants this box plays well, served on loopback.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{headend, next_event, runtime};
use hustings::archive::catalogue;
use hustings::archive::variants::{Capabilities, playable_master};
use hustings::player::{self, FrameSink, PlayerCommand, PlayerEvent, PlayerOptions};

/// The first speech of the headend's archive, as the app would stream it here.
fn streamed_speech() -> (String, f64) {
    let base = headend().url().to_string();
    let catalogue_url = format!("{base}archive/catalogue.json");
    let deadline = Instant::now() + Duration::from_secs(120);
    while common::get(&catalogue_url).0 != 200 {
        assert!(Instant::now() < deadline, "no catalogue at {catalogue_url}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (_, body) = common::get(&catalogue_url);
    let cat = catalogue::parse(
        &String::from_utf8_lossy(&body),
        &url::Url::parse(&catalogue_url).unwrap(),
    )
    .unwrap();
    let item = cat.items.first().expect("the demo archive has speeches");
    let (status, master) = common::get(&item.hls);
    assert_eq!(status, 200, "{}", item.hls);
    player::init().unwrap();
    let caps = Capabilities {
        bandwidth: None,
        hevc_hardware: player::decoders::has_hardware_decoder("video/x-h265"),
        max_height: None,
    };
    let Some(master) =
        playable_master(&master, &url::Url::parse(&item.hls).unwrap(), &caps).unwrap()
    else {
        return (item.hls.clone(), item.duration);
    };
    let listener = runtime()
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/streamed.m3u8",
        axum::routing::get(move || async move {
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "application/vnd.apple.mpegurl",
                )],
                master,
            )
        }),
    );
    runtime().spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/streamed.m3u8"), item.duration)
}

/// The demo speeches' key-frame interval (x264enc key-int-max=50 at 25 fps).
const KEY_FRAME_INTERVAL: Duration = Duration::from_secs(2);
/// What a position query may be off by (a frame or two played since).
const LANDING_SLACK: Duration = Duration::from_millis(500);

#[test]
fn a_seek_sent_right_after_the_first_picture_ends_only_once_it_has_landed() {
    let (url, duration) = streamed_speech();
    // Frames delivered to the screen, ever: a seek's end needs one of its own.
    let frames = Arc::new(AtomicU64::new(0));
    let counted = frames.clone();
    let sink: FrameSink = Arc::new(move |_| {
        counted.fetch_add(1, Ordering::SeqCst);
    });
    let (p, mut events) = player::spawn(
        runtime().handle(),
        PlayerOptions {
            audio: false,
            ..Default::default()
        },
        sink,
    )
    .expect("the player starts");
    let span = (duration - 4.0).max(1.0);
    let mut n = 0u64;
    for round in 0..5 {
        let zap = p.play(&url);
        let first = next_event(
            &mut events,
            Duration::from_secs(20),
            |e| matches!(e, PlayerEvent::FirstFrame { zap: z, .. } | PlayerEvent::Error { zap: z, .. } if *z == zap),
        );
        assert!(
            matches!(first, Some(PlayerEvent::FirstFrame { .. })),
            "round {round}: {first:?}"
        );
        for _ in 0..3 {
            n += 1;
            let target = Duration::from_secs_f64(1.0 + (n as f64 * 7.3) % span);
            let before = frames.load(Ordering::SeqCst);
            p.send(PlayerCommand::Seek(target));
            // Nothing may restart or stall the stream while it seeks.
            let end = next_event(&mut events, Duration::from_secs(15), |e| {
                matches!(
                    e,
                    PlayerEvent::Seeked { .. }
                        | PlayerEvent::Stalled { .. }
                        | PlayerEvent::Tuning { .. }
                        | PlayerEvent::Error { .. }
                )
            });
            match end {
                Some(PlayerEvent::Seeked {
                    zap: z,
                    target: asked,
                    position,
                    ..
                }) => {
                    assert_eq!(z, zap);
                    assert_eq!(asked, target);
                    // Where the pipeline says it is (a position query), not
                    // the target echoed back: a key-unit seek lands on the key
                    // frame at or before the target, and the demo speeches
                    // have one every 2 s (headend/archive.rs). The targets
                    // jump 7.3 s at a time, back and forth, so a seek that
                    // did not move the stream lands far outside this.
                    let position = position.unwrap_or_else(|| {
                        panic!("round {round}: no position after the seek to {target:?}")
                    });
                    assert!(
                        position <= target + LANDING_SLACK
                            && position + KEY_FRAME_INTERVAL + LANDING_SLACK >= target,
                        "round {round}: seek to {target:?} landed at {position:?}"
                    );
                    // The picture at the new position reached the sink before
                    // the seek was reported done.
                    assert!(
                        frames.load(Ordering::SeqCst) > before,
                        "round {round}: seek to {target:?} reported done before any picture of it"
                    );
                }
                other => panic!("round {round}: seek to {target:?} ended with {other:?}"),
            }
        }
    }
    p.send(PlayerCommand::Shutdown);
    let stopped = next_event(&mut events, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::Stopped)
    });
    assert!(stopped.is_some(), "the player stops cleanly");
}
