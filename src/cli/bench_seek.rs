//! `hustings bench seek`: seeking in a speech of the archive, streamed from
//! the demo headend and played from the download cache, in the same run
//! (blocks of seeks take turns), release build. A seek is timed from the
//! command to the moment the picture at the new position reaches the sink
//! (PlayerEvent::Seeked).
//!
//! The streamed speech is played as the app plays it: through the master
//! playlist of the variants this box plays well (`playable_master`; the
//! featured speech's HEVC variant is left out without a hardware decoder),
//! served from loopback, its variant playlists and segments from the
//! headend. Given the whole master, GStreamer 1.22's hlsdemux2 switches to the
//! HEVC variant once it has measured loopback's bandwidth, and the picture
//! stops a few seconds in (plain playback too); the streamed figures were then
//! stall-and-restart times, not seeks.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use super::runtime;
use crate::archive::catalogue;
use crate::archive::download;
use crate::archive::variants::{Capabilities, playable_master};
use crate::headend::{Headend, HeadendOptions, MulticastMode};
use crate::net::HttpClient;
use crate::player::{self, FrameSink, PlayerCommand, PlayerEvent, PlayerOptions};

/// Between a picture (the first, or a seek's) and the next seek: longer than
/// the player's quiet period after a preroll (300 ms), which it would
/// otherwise add to the figure.
const VIEWER_PAUSE: Duration = Duration::from_millis(500);

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    v.sort_unstable();
    let i = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

pub fn run(rounds: usize) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let tmp = tempfile::tempdir()?;
    let mut headend = rt.block_on(Headend::start(HeadendOptions {
        state_dir: Some(tmp.path().join("headend")),
        multicast: MulticastMode::Off,
        ..Default::default()
    }))?;
    rt.block_on(headend.wait_for_archive());
    let http = HttpClient::new()?;
    let catalogue_url = format!("{}archive/catalogue.json", headend.url());
    let body = rt.block_on(http.fetch(&catalogue_url))?;
    let cat = catalogue::parse(
        &String::from_utf8_lossy(&body),
        &url::Url::parse(&catalogue_url)?,
    )?;
    let item = cat
        .items
        .first()
        .context("the demo archive is empty")?
        .clone();
    let cache = tmp.path().join("cache");
    rt.block_on(download::download(
        &http,
        &cache,
        &item,
        &Default::default(),
        &download::Budget {
            bytes: u64::MAX,
            ..Default::default()
        },
        |_, _| {},
    ))?;
    // The variants the app would stream on this box (as src/app/downloads.rs).
    player::init()?;
    let caps = Capabilities {
        bandwidth: None,
        hevc_hardware: player::decoders::has_hardware_decoder("video/x-h265"),
        max_height: None,
    };
    let hls_url = url::Url::parse(&item.hls)?;
    let master = rt.block_on(http.fetch(&item.hls))?;
    let streamed = playable_master(&master, &hls_url, &caps)?;
    // The cache on loopback, as the box serves it, and the streamed master.
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let mut app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(
        download::item_dir(&cache, &item.id),
    ));
    let network = match streamed {
        Some(body) => {
            app = app.route(
                "/streamed.m3u8",
                axum::routing::get(move || async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/vnd.apple.mpegurl",
                        )],
                        body,
                    )
                }),
            );
            format!("http://{addr}/streamed.m3u8")
        }
        // A media playlist: nothing to choose.
        None => item.hls.clone(),
    };
    rt.spawn(async move { axum::serve(listener, app).await });
    let sources = [
        ("network", network),
        ("cache", format!("http://{addr}/index.m3u8")),
    ];

    let sink: FrameSink = std::sync::Arc::new(|_| {});
    let (p, mut events) = player::spawn(
        rt.handle(),
        PlayerOptions {
            audio: false,
            ..Default::default()
        },
        sink,
    )?;
    let mut wait = |f: &dyn Fn(&PlayerEvent) -> bool| -> Option<PlayerEvent> {
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(15), async {
                while let Some(e) = events.recv().await {
                    if f(&e) {
                        return Some(e);
                    }
                }
                None
            })
            .await
            .ok()
            .flatten()
        })
    };
    let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let span = (item.duration - 4.0).max(1.0);
    let mut n = 0u64;
    const BLOCK: usize = 5;
    while times.iter().any(|t| t.len() < rounds) {
        for (i, (_, url)) in sources.iter().enumerate() {
            let zap = p.play(url);
            wait(&|e| matches!(e, PlayerEvent::FirstFrame { zap: z, .. } if *z == zap))
                .with_context(|| format!("no picture from {url}"))?;
            std::thread::sleep(VIEWER_PAUSE);
            for _ in 0..BLOCK.min(rounds.saturating_sub(times[i].len())) {
                // Positions spread over the speech, the same sequence for both.
                n += 1;
                let target = 1.0 + (n as f64 * 7.3) % span;
                p.send(PlayerCommand::Seek(Duration::from_secs_f64(target)));
                match wait(&|e| matches!(e, PlayerEvent::Seeked { zap: z, .. } if *z == zap)) {
                    Some(PlayerEvent::Seeked { elapsed, .. }) => times[i].push(elapsed),
                    _ => anyhow::bail!("a seek in {url} never finished"),
                }
                // A viewer watches the new position before seeking again; the
                // player would hold a seek asked sooner (player/seeks.rs QUIET)
                // and the figure would be that wait, not the seek.
                std::thread::sleep(VIEWER_PAUSE);
            }
        }
    }
    // Leaving before the pipeline is NULL would tear the runtime down under
    // GStreamer's streaming threads.
    p.shutdown(Duration::from_secs(5));
    println!(
        "seek in \"{}\" ({:.0} s, {} seeks per source, release build)",
        item.title, item.duration, rounds
    );
    let mut p50 = [0.0; 2];
    for (i, (name, _)) in sources.iter().enumerate() {
        let (a, b) = (
            percentile(&mut times[i], 0.5),
            percentile(&mut times[i], 0.95),
        );
        p50[i] = a;
        println!("{name:8} p50 {a:7.1} ms  p95 {b:7.1} ms");
    }
    println!(
        "network p50 {:.0} ms (target <= 1500: {}); cache p50 {:.0} ms (target <= 300: {}); cache/network {:.2}",
        p50[0],
        if p50[0] <= 1500.0 { "met" } else { "NOT met" },
        p50[1],
        if p50[1] <= 300.0 { "met" } else { "NOT met" },
        p50[1] / p50[0].max(0.001)
    );
    drop(headend);
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}
