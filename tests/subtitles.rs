//! Subtitle streams: DVB subtitles in MPEG-TS (bitmaps drawn on the picture)
//! and WebVTT in HLS (text, drawn and reported), chosen from preferences and
//! switched off by command. The streams are made here with GStreamer's own
//! encoders (dvbsubenc, hlssink2).

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{assert_no_event, next_event, runtime, scratch};
use hustings::player::{self, FrameSink, PlayerCommand, PlayerEvent, PlayerOptions};

const WAIT: Duration = Duration::from_secs(20);

fn run(line: &str) {
    use gstreamer::prelude::*;
    player::init().unwrap();
    let pipeline = gstreamer::parse::launch(line).expect("fixture pipeline");
    pipeline.set_state(gstreamer::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let msg = bus
        .timed_pop_filtered(
            gstreamer::ClockTime::from_seconds(60),
            &[gstreamer::MessageType::Eos, gstreamer::MessageType::Error],
        )
        .expect("the fixture finishes");
    assert!(
        matches!(msg.view(), gstreamer::MessageView::Eos(_)),
        "{msg:?}"
    );
    pipeline.set_state(gstreamer::State::Null).unwrap();
}

/// Ten seconds of black picture with a white DVB subtitle at the bottom.
fn dvb_stream(dir: &Path) -> String {
    let file = dir.join("dvb.ts");
    run(&format!(
        "videotestsrc pattern=black num-buffers=250 ! video/x-raw,width=320,height=180,framerate=25/1 \
         ! x264enc key-int-max=25 speed-preset=ultrafast ! h264parse ! mpegtsmux name=mux ! filesink location={} \
         videotestsrc pattern=solid-color foreground-color=0x00000000 num-buffers=25 \
         ! video/x-raw,format=AYUV,width=320,height=180,framerate=5/2 \
         ! textoverlay text=SUBTITLE valignment=bottom font-desc=\"Sans Bold 28\" color=0xffffffff \
         ! dvbsubenc ! mux.",
        file.display()
    ));
    format!("file://{}", file.display())
}

/// A VOD HLS stream with an English WebVTT subtitle rendition.
fn webvtt_stream(dir: &Path) -> String {
    run(&format!(
        "videotestsrc num-buffers=150 ! video/x-raw,width=320,height=180,framerate=25/1 \
         ! x264enc key-int-max=25 speed-preset=ultrafast ! h264parse \
         ! hlssink2 target-duration=1 playlist-length=0 location={}/seg%03d.ts playlist-location={}/video.m3u8",
        dir.display(),
        dir.display()
    ));
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write(
        "subs.m3u8",
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n\
         #EXTINF:6,\nsubs0.vtt\n#EXT-X-ENDLIST\n",
    );
    write(
        "subs0.vtt",
        "WEBVTT\n\n00:00:00.000 --> 00:00:10.000\n<i>Hello</i> from the town hall\n",
    );
    write(
        "master.m3u8",
        "#EXTM3U\n\
         #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"English\",LANGUAGE=\"en\",AUTOSELECT=YES,URI=\"subs.m3u8\"\n\
         #EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=320x180,SUBTITLES=\"subs\"\nvideo.m3u8\n",
    );
    format!("{}/master.m3u8", serve(dir))
}

/// Serves `dir` over HTTP on loopback (hlsdemux2 fetches only over HTTP).
fn serve(dir: &Path) -> String {
    let listener = runtime()
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(dir));
    runtime().spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A player whose frames are checked for white pixels (the subtitle on a
/// black picture); returns the count of frames that had some.
fn player(
    subtitles: bool,
) -> (
    player::PlayerHandle,
    tokio::sync::mpsc::UnboundedReceiver<PlayerEvent>,
    Arc<AtomicU64>,
) {
    let white = Arc::new(AtomicU64::new(0));
    let count = white.clone();
    let sink: FrameSink = Arc::new(move |f| {
        if f.pixels
            .rgba()
            .unwrap_or_default()
            .chunks_exact(4)
            .filter(|p| p[0] > 200 && p[1] > 200 && p[2] > 200)
            .count()
            > 50
        {
            count.fetch_add(1, Ordering::Relaxed);
        }
    });
    let options = PlayerOptions {
        audio: false,
        subtitles,
        subtitle_languages: vec!["eng".into()],
        no_picture_timeout: WAIT,
        ..Default::default()
    };
    let (p, events) = player::spawn(runtime().handle(), options, sink).unwrap();
    (p, events, white)
}

fn tracks_with_subtitles(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<PlayerEvent>,
) -> hustings::player::Tracks {
    match next_event(
        events,
        WAIT,
        |e| matches!(e, PlayerEvent::Tracks { tracks, .. } if !tracks.subtitles.is_empty()),
    ) {
        Some(PlayerEvent::Tracks { tracks, .. }) => tracks,
        other => panic!("no subtitle track: {other:?}"),
    }
}

fn frames(events: &mut tokio::sync::mpsc::UnboundedReceiver<PlayerEvent>, n: usize) {
    let _ = next_event(events, WAIT, |e| {
        matches!(e, PlayerEvent::FirstFrame { .. })
    })
    .expect("a first frame");
    for _ in 0..n {
        next_event(events, WAIT, |e| {
            matches!(e, PlayerEvent::Diagnostics { .. })
        })
        .expect("the stream plays on");
    }
}

#[test]
fn dvb_subtitles_are_drawn_when_wanted_and_not_otherwise() {
    let url = dvb_stream(&scratch("dvb"));

    let (p, mut events, white) = player(true);
    p.play(&url);
    let tracks = tracks_with_subtitles(&mut events);
    let dvb = &tracks.subtitles[0];
    assert!(
        dvb.codec.as_deref().unwrap_or("").contains("DVB"),
        "{tracks:?}"
    );
    frames(&mut events, 3);
    assert!(white.load(Ordering::Relaxed) > 0, "no subtitle was drawn");
    p.send(PlayerCommand::Shutdown);

    let (p, mut events, white) = player(false);
    p.play(&url);
    let tracks = tracks_with_subtitles(&mut events);
    assert_eq!(tracks.selected_subtitles, None);
    frames(&mut events, 3);
    assert_eq!(
        white.load(Ordering::Relaxed),
        0,
        "a subtitle was drawn while off"
    );
    p.send(PlayerCommand::Shutdown);
}

#[test]
fn webvtt_in_hls_is_chosen_by_language_and_reported() {
    let url = webvtt_stream(&scratch("webvtt"));
    let (p, mut events, _) = player(true);
    p.play(&url);
    let tracks = tracks_with_subtitles(&mut events);
    let en = &tracks.subtitles[0];
    assert_eq!(en.language.as_deref(), Some("en"), "{tracks:?}");
    match next_event(&mut events, WAIT, |e| {
        matches!(e, PlayerEvent::Captions { .. })
    }) {
        Some(PlayerEvent::Captions { lines, .. }) => {
            assert_eq!(lines, vec!["Hello from the town hall".to_string()])
        }
        other => panic!("the subtitle was not shown: {other:?}"),
    }
    p.send(PlayerCommand::SetSubtitles(None));
    assert_no_event(&mut events, Duration::from_secs(2), |e| {
        matches!(e, PlayerEvent::Captions { .. })
    });
    p.send(PlayerCommand::Shutdown);
}
