//! Shared test fixtures: one real headend per test binary, on an ephemeral
//! loopback port, and a runtime to run it on.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use hustings::headend::{Headend, HeadendOptions, MulticastMode};
use hustings::player::{self, FrameSink, PlayerEvent, PlayerHandle, PlayerOptions};
use tokio::runtime::Runtime;
use tokio::sync::mpsc::UnboundedReceiver;

pub fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// A scratch directory under the target's test tmpdir.
pub fn scratch(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary's shared headend (multicast as the host allows).
pub fn headend() -> &'static Headend {
    static HE: OnceLock<Headend> = OnceLock::new();
    HE.get_or_init(|| {
        let options = HeadendOptions {
            state_dir: Some(scratch("headend")),
            multicast: MulticastMode::Auto,
            ..Default::default()
        };
        runtime()
            .block_on(Headend::start(options))
            .expect("the demo headend starts")
    })
}

/// The HLS URL of a demo channel on the shared headend.
pub fn hls_url(channel: &str) -> String {
    format!("{}hls/{channel}/index.m3u8", headend().url())
}

/// A headless player (no sound) whose frames are dropped.
pub fn player(join_timeout: Duration) -> (PlayerHandle, UnboundedReceiver<PlayerEvent>) {
    let sink: FrameSink = std::sync::Arc::new(|_| {});
    let options = PlayerOptions {
        audio: false,
        multicast_interface: Some("lo".into()),
        join_timeout,
        no_picture_timeout: Duration::from_secs(20),
    };
    player::spawn(runtime().handle(), options, sink).expect("the player starts")
}

/// Waits for the next event matching `f`, up to `timeout`.
pub fn next_event(
    events: &mut UnboundedReceiver<PlayerEvent>,
    timeout: Duration,
    f: impl Fn(&PlayerEvent) -> bool,
) -> Option<PlayerEvent> {
    runtime().block_on(async {
        tokio::time::timeout(timeout, async {
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
}

/// Fetches a URL's body as bytes.
pub fn get(url: &str) -> (u16, Vec<u8>) {
    runtime().block_on(async {
        let r = reqwest::get(url).await.expect("request");
        (r.status().as_u16(), r.bytes().await.expect("body").to_vec())
    })
}
