//! Shared test fixtures: one real headend per test binary, on an ephemeral
//! loopback port, and a runtime to run it on; and the tests' clock.
//!
//! No test depends on where the wall clock stands: the headends and the
//! apps the tests start read a clock started at [`CLOCK_START`] (10:07:00 of
//! a fixed day), so the demo guide's programmes are the same whenever the
//! tests run, and the next boundary (10:30) is 23 minutes away.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use hustings::config::Clock;
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

/// Where the tests' clocks start: Wednesday 4 March 2026, 10:07:00 UTC.
/// In the demo guide civic-one shows "Campaign Trail" from 10:00 to 10:30,
/// then "Town Hall: Housing and Rents" (a programme in the future).
pub const CLOCK_START: i64 = 1_772_618_820;

/// The clock of this test binary's in-process headends (started at
/// [`CLOCK_START`] when first asked for).
pub fn clock() -> &'static Clock {
    static CLOCK: OnceLock<Clock> = OnceLock::new();
    CLOCK.get_or_init(|| Clock::starting_at(CLOCK_START))
}

/// `--clock-start` for a `hustings` process working with [`headend`]: the
/// shared clock's time now, so the two agree.
pub fn clock_arg() -> [String; 2] {
    ["--clock-start".into(), clock().now().to_string()]
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
            clock: clock().clone(),
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
        ..Default::default()
    };
    player::spawn(runtime().handle(), options, sink).expect("the player starts")
}

/// A headless player with these options (sound off, frames dropped).
pub fn player_with(options: PlayerOptions) -> (PlayerHandle, UnboundedReceiver<PlayerEvent>) {
    let sink: FrameSink = std::sync::Arc::new(|_| {});
    player::spawn(
        runtime().handle(),
        PlayerOptions {
            audio: false,
            ..options
        },
        sink,
    )
    .expect("the player starts")
}

/// A live MPEG-TS sender (H.264 with a 1 s GOP) to `host:port` over UDP,
/// built like the headend's channels. Multicast hosts go out of `lo` with TTL 0.
/// Paused (Null) and resumed (Playing) by the caller to cut and restore the signal.
pub fn ts_sender(host: &str, port: u16) -> gstreamer::Element {
    sender(host, port, false, None)
}

/// Like [`ts_sender`], in RTP (RFC 2250, payload type 33) when `rtp`, and
/// sending from `from` (a loopback address) when given.
pub fn sender(host: &str, port: u16, rtp: bool, from: Option<&str>) -> gstreamer::Element {
    use gstreamer::prelude::*;
    player::init().unwrap();
    let pay = if rtp { "! rtpmp2tpay " } else { "" };
    let bind = from
        .map(|a| format!(" bind-address={a}"))
        .unwrap_or_default();
    let line = format!(
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=180,framerate=25/1 \
         ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=300 key-int-max=25 \
         ! h264parse config-interval=-1 ! mpegtsmux alignment=7 {pay}\
         ! udpsink host={host} port={port} sync=false multicast-iface=lo ttl-mc=0 auto-multicast=true{bind}"
    );
    let pipeline = gstreamer::parse::launch(&line).expect("sender pipeline");
    pipeline
        .set_state(gstreamer::State::Playing)
        .expect("sender plays");
    pipeline
}

/// A free UDP port on loopback.
pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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

/// How a tune ended up: its first frame, a join failure or an error.
pub fn outcome(
    events: &mut UnboundedReceiver<PlayerEvent>,
    timeout: Duration,
) -> Option<PlayerEvent> {
    next_event(events, timeout, |e| {
        matches!(
            e,
            PlayerEvent::FirstFrame { .. }
                | PlayerEvent::Error { .. }
                | PlayerEvent::JoinFailed { .. }
        )
    })
}

/// Asserts that no event matching `f` comes within `duration`, and that the
/// player is still alive at the end (a dead actor would also send nothing).
pub fn assert_no_event(
    events: &mut UnboundedReceiver<PlayerEvent>,
    duration: Duration,
    f: impl Fn(&PlayerEvent) -> bool,
) {
    let seen = runtime().block_on(async {
        tokio::time::timeout(duration, async {
            while let Some(e) = events.recv().await {
                if f(&e) {
                    return Ok(e);
                }
            }
            Err("the player ended")
        })
        .await
    });
    match seen {
        Err(_elapsed) => {}
        Ok(Ok(e)) => panic!("unexpected event: {e:?}"),
        Ok(Err(why)) => panic!("{why}"),
    }
}

/// Fetches a URL's body as bytes.
pub fn get(url: &str) -> (u16, Vec<u8>) {
    runtime().block_on(async {
        let r = reqwest::get(url).await.expect("request");
        (r.status().as_u16(), r.bytes().await.expect("body").to_vec())
    })
}

/// Runs `hustings --state STATE demo --multicast off --headless OUT --script`
/// with `script` written to OUT/script.txt, its clock started at
/// [`CLOCK_START`]; each later run on the same STATE (a restart) starts two
/// minutes later than the one before, as a restart comes after the run it
/// follows (the box refuses a signed feed older than one it has seen).
pub fn demo_script(
    state: &std::path::Path,
    out: &std::path::Path,
    script: &str,
) -> std::process::Output {
    let file = out.join("script.txt");
    std::fs::write(&file, script).unwrap();
    // Pinned speeches are not fetched by themselves unless the test says so
    // (a download racing the script would change what plays).
    let config = out.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "[cache]\npinned_window = \"off\"\n").unwrap();
    }
    let runs_file = state.join("test-clock-runs");
    let runs: i64 = std::fs::read_to_string(&runs_file)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    std::fs::write(&runs_file, (runs + 1).to_string()).unwrap();
    let start = CLOCK_START + 120 * runs;
    std::process::Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["--config", config.to_str().unwrap()])
        .args(["--clock-start", &start.to_string()])
        .args([
            "--state",
            state.to_str().unwrap(),
            "demo",
            "--multicast",
            "off",
        ])
        .args(["--headless", out.to_str().unwrap(), "--script"])
        .arg(&file)
        .output()
        .unwrap()
}

/// A free TCP port on loopback (for a headend that must come back on the same one).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `hustings headend --multicast off --bind BIND --state STATE EXTRA...`
/// as a process, on the tests' clock ([`clock_arg`]); returns it and its base
/// URL once it has printed its first line.
pub fn headend_process(
    bind: &str,
    state: &std::path::Path,
    extra: &[&str],
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["headend", "--multicast", "off", "--bind", bind])
        .args(["--state", state.to_str().unwrap()])
        .args(clock_arg())
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let line: serde_json::Value =
        serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
    let url = line["url"].as_str().expect("url").to_string();
    (child, url)
}

/// A child process (a headend) killed and reaped when the test ends, even by
/// a panic: a failed test must not leave it running under the tests after it.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Makes the demo headend's archive in `state` beforehand (the headend keeps
/// it), so the catalogue is there from the box's first refresh.
pub fn demo_archive(state: &std::path::Path) {
    gstreamer::init().unwrap();
    hustings::headend::archive::generate(&state.join("headend/archive"), CLOCK_START).unwrap();
}
