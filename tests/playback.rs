//! The player actor against the real headend: first frames, zaps, fallback, failures.

mod common;

use std::time::Duration;

use common::{headend, hls_url, next_event, player};
use hustings::player::{JoinFailure, PlayerCommand, PlayerEvent};

const PICTURE: Duration = Duration::from_secs(20);

fn is_first_frame(zap: u64) -> impl Fn(&PlayerEvent) -> bool {
    move |e| matches!(e, PlayerEvent::FirstFrame { zap: z, .. } if *z == zap)
}

#[test]
fn an_hls_channel_plays_to_a_first_decoded_frame() {
    let (p, mut events) = player(Duration::from_secs(2));
    let zap = p.play(&hls_url("civic-one"));
    let mut tracks = None;
    let e = loop {
        match next_event(&mut events, PICTURE, |e| {
            matches!(
                e,
                PlayerEvent::FirstFrame { .. }
                    | PlayerEvent::Error { .. }
                    | PlayerEvent::Tracks { .. }
            )
        }) {
            Some(PlayerEvent::Tracks { zap: z, tracks: t }) if z == zap => tracks = Some(t),
            other => break other,
        }
    };
    match e {
        Some(PlayerEvent::FirstFrame {
            zap: z,
            decoder,
            url,
            ..
        }) => {
            assert_eq!(z, zap);
            assert!(url.ends_with("civic-one/index.m3u8"));
            let d = decoder.expect("the decoder is named");
            assert!(d.name.contains("264"), "{}", d.name);
        }
        other => panic!("no first frame: {other:?}"),
    }
    // The stream's tracks are reported, with the audio playing.
    let tracks = tracks.expect("the tracks are reported before the picture");
    assert_eq!(tracks.audio.len(), 1, "{tracks:?}");
    assert_eq!(tracks.selected_audio.as_ref(), Some(&tracks.audio[0].id));
    assert!(tracks.subtitles.is_empty());
    p.send(PlayerCommand::Shutdown);
}

#[test]
fn two_zaps_give_two_first_frames() {
    let (p, mut events) = player(Duration::from_secs(2));
    let first = p.tune("1 Civic One", vec![hls_url("civic-one")]);
    assert!(
        next_event(&mut events, PICTURE, is_first_frame(first)).is_some(),
        "first zap showed nothing"
    );
    let second = p.tune("2 Council Live", vec![hls_url("council-live")]);
    match next_event(&mut events, PICTURE, |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. } | PlayerEvent::Error { .. }
        )
    }) {
        Some(PlayerEvent::FirstFrame { zap, url, .. }) => {
            assert_eq!(zap, second);
            assert!(url.contains("council-live"));
        }
        other => panic!("second zap: {other:?}"),
    }
    p.send(PlayerCommand::Shutdown);
}

#[test]
fn a_multicast_group_that_sends_nothing_falls_back_to_hls() {
    let (p, mut events) = player(Duration::from_millis(800));
    let zap = p.tune(
        "dead multicast",
        vec!["udp://@239.255.254.1:5999".into(), hls_url("campaign-news")],
    );
    match next_event(&mut events, PICTURE, |e| {
        matches!(
            e,
            PlayerEvent::JoinFailed { .. }
                | PlayerEvent::FellBack { .. }
                | PlayerEvent::Error { .. }
        )
    }) {
        Some(PlayerEvent::JoinFailed {
            zap: z,
            url,
            failure,
        }) => {
            assert_eq!(z, zap);
            assert_eq!(url, "udp://@239.255.254.1:5999");
            assert!(
                matches!(failure, JoinFailure::Silent { waited_ms } if waited_ms >= 800),
                "{failure:?}"
            );
        }
        other => panic!("expected a join failure first: {other:?}"),
    }
    match next_event(&mut events, PICTURE, |e| {
        matches!(e, PlayerEvent::FellBack { .. } | PlayerEvent::Error { .. })
    }) {
        Some(PlayerEvent::FellBack {
            zap: z, reason, to, ..
        }) => {
            assert_eq!(z, zap);
            assert!(reason.contains("no packets"), "{reason}");
            assert!(to.contains("campaign-news"));
        }
        other => panic!("expected a fallback: {other:?}"),
    }
    match next_event(&mut events, PICTURE, |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. } | PlayerEvent::Error { .. }
        )
    }) {
        Some(PlayerEvent::FirstFrame { url, .. }) => assert!(url.contains("campaign-news")),
        other => panic!("no picture after the fallback: {other:?}"),
    }
    p.send(PlayerCommand::Shutdown);
}

#[test]
fn a_stream_that_never_yields_a_frame_is_a_clear_error() {
    let (p, mut events) = player(Duration::from_millis(600));
    let missing = format!("{}hls/no-such-channel/index.m3u8", headend().url());
    for url in ["udp://@239.255.254.2:5998".to_string(), missing.clone()] {
        let zap = p.play(&url);
        match next_event(&mut events, PICTURE, |e| {
            matches!(
                e,
                PlayerEvent::FirstFrame { .. } | PlayerEvent::Error { .. }
            )
        }) {
            Some(PlayerEvent::Error { zap: z, error }) => {
                assert_eq!(z, zap);
                assert_eq!(error.source, url);
                assert!(!error.message.is_empty());
            }
            other => panic!("{url}: expected an error, got {other:?}"),
        }
    }
    // The player is still usable after failures.
    let zap = p.play(&hls_url("civic-one"));
    assert!(next_event(&mut events, PICTURE, is_first_frame(zap)).is_some());
    p.send(PlayerCommand::Shutdown);
}

#[test]
fn play_command_prints_the_first_frame_as_json() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args([
            "play",
            "--headless",
            "--json",
            "--seconds",
            "1.5",
            &hls_url("council-live"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let v: serde_json::Value = serde_json::from_str(&first).expect(&first);
    assert!(v["first_frame_ms"].as_u64().is_some());
    assert_eq!(v["hardware"], false);
    assert!(v["decoder"].as_str().unwrap().contains("264"));
}

#[test]
fn hlsdemux2_stopped_right_after_it_starts_does_not_hang() {
    use gstreamer::prelude::*;
    hustings::player::init().unwrap();
    // Starting hlsdemux2 starts its download thread; stopping it at once
    // used to lose the stop (GLib's g_main_loop_run() undoes a quit that
    // came before it) and wait for that thread for ever: once in about
    // 1,100 zaps of the soak, nearly every time here without the fix.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // In a streams-aware bin, as uridecodebin3 holds it.
        let bin = gstreamer::Bin::new();
        bin.set_bin_flags(gstreamer::BinFlags::STREAMS_AWARE);
        let demux = gstreamer::ElementFactory::make("hlsdemux2")
            .build()
            .unwrap();
        bin.add(&demux).unwrap();
        let cycles = (0..500)
            .take_while(|_| {
                bin.set_state(gstreamer::State::Paused).is_ok()
                    && bin.set_state(gstreamer::State::Null).is_ok()
            })
            .count();
        let _ = done.send(cycles);
    });
    let plugin = hustings::player::plugins::in_use(hustings::player::plugins::ADAPTIVE_DEMUX);
    match finished.recv_timeout(Duration::from_secs(60)) {
        Ok(cycles) => assert_eq!(cycles, 500, "a state change failed"),
        Err(e) => panic!(
            "500 starts and stops of hlsdemux2 did not end within 60 s ({e}: hung in \
             downloadhelper_stop?); plugin from {plugin:?}"
        ),
    }
}

#[test]
fn a_stop_while_a_udp_stream_is_being_typed_does_not_hang() {
    use gstreamer::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    hustings::player::init().unwrap();
    // urisourcebin, finding the type of a source with no caps of its own
    // (udpsrc), sets up parsebin from its streaming thread and took the
    // bin's state lock to do it; a stop holds that lock while it waits for
    // the same thread: once in about 1,000 soak zaps (platform/gstreamer/
    // patches/gst-plugins-base/0002 to 0004). Here stops land at and
    // around that moment, hundreds of times, with MPEG-TS arriving.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sending = std::sync::Arc::new(AtomicBool::new(true));
    let sender = {
        let sending = sending.clone();
        std::thread::spawn(move || {
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            // Seven null packets (PID 0x1fff) per datagram, as IPTV sends them.
            let mut datagram = Vec::with_capacity(7 * 188);
            for _ in 0..7 {
                datagram.extend_from_slice(&[0x47, 0x1f, 0xff, 0x10]);
                datagram.resize(datagram.len() + 184, 0xff);
            }
            while sending.load(Ordering::Relaxed) {
                let _ = socket.send_to(&datagram, ("127.0.0.1", port));
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };
    const CYCLES: usize = 400;
    let (done, finished) = std::sync::mpsc::channel();
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = progress.clone();
    std::thread::spawn(move || {
        let playbin = gstreamer::ElementFactory::make("playbin3")
            .property("uri", format!("udp://127.0.0.1:{port}"))
            .property(
                "video-sink",
                gstreamer::ElementFactory::make("fakesink").build().unwrap(),
            )
            .property(
                "audio-sink",
                gstreamer::ElementFactory::make("fakesink").build().unwrap(),
            )
            .build()
            .unwrap();
        let cycles = (0..CYCLES)
            .take_while(|i| {
                let started = playbin.set_state(gstreamer::State::Playing).is_ok();
                // 0 to 3 ms: the stream's type is found about 1 ms in.
                std::thread::sleep(Duration::from_micros(250 * (*i as u64 % 13)));
                counted.fetch_add(1, Ordering::Relaxed);
                started && playbin.set_state(gstreamer::State::Null).is_ok()
            })
            .count();
        let _ = done.send(cycles);
    });
    let outcome = finished.recv_timeout(Duration::from_secs(90));
    sending.store(false, Ordering::Relaxed);
    sender.join().unwrap();
    let plugin = hustings::player::plugins::in_use("playback");
    match outcome {
        Ok(cycles) => assert_eq!(cycles, CYCLES, "a state change failed"),
        Err(e) => panic!(
            "{CYCLES} starts and stops of a UDP stream did not end within 90 s ({e}): \
             stuck in stop {} (urisourcebin deadlocked?); playback from {plugin:?}",
            progress.load(Ordering::Relaxed)
        ),
    }
}
