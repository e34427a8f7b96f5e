//! A channel's HTTP headers from the lineup reach the server: a portal that
//! refuses requests without its User-Agent and Referer plays only with them.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::{next_event, player, scratch};
use gstreamer::prelude::*;
use hustings::player::{PlayerCommand, PlayerEvent};

/// Three seconds of H.264 in MPEG-TS, written by a real GStreamer pipeline.
fn ts_clip() -> Vec<u8> {
    hustings::player::init().unwrap();
    let path = scratch("headers-clip").join("clip.ts");
    let pipeline = gstreamer::parse::launch(&format!(
        "videotestsrc num-buffers=75 ! video/x-raw,width=320,height=180,framerate=25/1 \
         ! x264enc key-int-max=25 speed-preset=ultrafast ! h264parse ! mpegtsmux \
         ! filesink location={}",
        path.display()
    ))
    .unwrap();
    pipeline.set_state(gstreamer::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    bus.timed_pop_filtered(
        gstreamer::ClockTime::from_seconds(30),
        &[gstreamer::MessageType::Eos, gstreamer::MessageType::Error],
    )
    .expect("the clip is written");
    pipeline.set_state(gstreamer::State::Null).unwrap();
    std::fs::read(path).unwrap()
}

/// Serves `body` to requests that carry both headers; 403 to the others.
fn portal(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/live/clip.ts", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line.to_ascii_lowercase());
            }
            let allowed = head.contains("user-agent: hustingstest/1\r\n")
                && head.contains("referer: http://portal.example/\r\n");
            let mut stream = reader.into_inner();
            let _ = if allowed {
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .and_then(|_| stream.write_all(&body))
            } else {
                write!(
                    stream,
                    "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            };
        }
    });
    url
}

#[test]
fn the_lineup_headers_are_sent_and_without_them_the_portal_refuses() {
    let url = portal(ts_clip());
    let (p, mut events) = player(Duration::from_secs(2));
    let headers = vec![
        ("User-Agent".to_string(), "HustingsTest/1".to_string()),
        ("Referer".to_string(), "http://portal.example/".to_string()),
    ];
    let zap = p.tune_with_headers("portal", vec![url.clone()], headers);
    let e = next_event(&mut events, Duration::from_secs(20), |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. } | PlayerEvent::Error { .. }
        )
    });
    assert!(
        matches!(&e, Some(PlayerEvent::FirstFrame { zap: z, .. }) if *z == zap),
        "{e:?}"
    );

    let zap = p.tune("portal without headers", vec![url]);
    let e = next_event(&mut events, Duration::from_secs(20), |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. } | PlayerEvent::Error { .. }
        )
    });
    match e {
        Some(PlayerEvent::Error { zap: z, error }) => {
            assert_eq!(z, zap);
            assert!(
                error.message.contains("403") || error.message.to_lowercase().contains("forbidden"),
                "{error:?}"
            );
        }
        other => panic!("expected the portal to refuse: {other:?}"),
    }
    p.send(PlayerCommand::Shutdown);
}
