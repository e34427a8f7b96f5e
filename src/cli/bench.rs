//! `hustings bench zap`: zap times against the demo headend, multicast and
//! HLS interleaved in one run so machine noise hits both alike.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use super::runtime;
use crate::headend::{DEMO_CHANNELS, Headend, HeadendOptions, MulticastMode};
use crate::player::{self, FrameSink, PlayerCommand, PlayerEvent, PlayerOptions};

/// Percentile (nearest rank) of sorted milliseconds.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Set in the environment of the copy of the bench running in its own namespace.
const IN_NETNS: &str = "HUSTINGS_BENCH_NETNS";

/// As root, runs this same command again inside a private network namespace
/// (loopback only, multicast on), so the demo's multicast never touches a
/// real interface; returns its exit code. None: already inside, or not root
/// (then the bench uses the host's loopback with TTL 0).
pub(super) fn rerun_in_private_netns() -> anyhow::Result<Option<ExitCode>> {
    if std::env::var_os(IN_NETNS).is_some() {
        return Ok(None);
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("not root: measuring on the host's loopback (multicast TTL 0)");
        return Ok(None);
    }
    let status = std::process::Command::new("unshare")
        .args(["--net", "--", "sh", "-c"])
        .arg("ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec \"$0\" \"$@\"")
        .arg(std::env::current_exe()?)
        .args(std::env::args_os().skip(1))
        .env(IN_NETNS, "1")
        .status()
        .context("unshare (util-linux) and ip (iproute2)")?;
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        eprintln!("hustings: the bench died of signal {signal}");
    }
    Ok(Some(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }))
}

/// Who opens the stream in one measurement.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    Hustings,
    Mpv,
    GstPlay,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Hustings => "hustings",
            Tool::Mpv => "mpv",
            Tool::GstPlay => "gst-play",
        }
    }
}

/// One series of zaps.
struct Series {
    tool: Tool,
    source: &'static str,
    ms: Vec<u64>,
}

pub fn zap(rounds: usize, json: bool, tools: &[String]) -> anyhow::Result<ExitCode> {
    if let Some(unknown) = tools
        .iter()
        .find(|t| !["hustings", "mpv", "gst-play"].contains(&t.as_str()))
    {
        bail!("--tools: unknown player {unknown:?} (hustings, mpv, gst-play)");
    }
    let wanted = |t: Tool| tools.iter().any(|n| n == t.name());
    if let Some(code) = rerun_in_private_netns()? {
        return Ok(code);
    }
    let rt = runtime()?;
    let state = tempfile::tempdir().context("temporary headend state")?;
    let headend = rt
        .block_on(Headend::start(HeadendOptions {
            state_dir: Some(state.path().to_path_buf()),
            multicast: MulticastMode::Auto,
            ..Default::default()
        }))
        .context("starting the demo headend")?;
    let sink: FrameSink = Arc::new(|_| {});
    let options = PlayerOptions {
        audio: false,
        multicast_interface: Some("lo".into()),
        join_timeout: Duration::from_secs(3),
        no_picture_timeout: Duration::from_secs(20),
        ..Default::default()
    };
    let (player, mut events) = player::spawn(rt.handle(), options, sink)?;
    let base = headend.url().to_string();
    let mut mpv = wanted(Tool::Mpv)
        .then(|| super::bench_peers::Mpv::start(state.path()))
        .flatten();
    if wanted(Tool::Mpv) && mpv.is_none() {
        eprintln!("mpv is not installed: no mpv figures (apt-get install mpv)");
    }
    let gst_play = wanted(Tool::GstPlay) && super::bench_peers::gst_play_present();
    if wanted(Tool::GstPlay) && !gst_play {
        eprintln!("gst-play-1.0 is not installed: no gst-play figures");
    }
    let sources: Vec<&'static str> = if headend.multicast() {
        vec!["multicast", "neighbour", "hls"]
    } else {
        eprintln!("no loopback multicast here: HLS only");
        vec!["hls"]
    };
    let mut series: Vec<Series> = Vec::new();
    for tool in [Tool::Hustings, Tool::Mpv, Tool::GstPlay] {
        let present = match tool {
            Tool::Hustings => wanted(Tool::Hustings),
            Tool::Mpv => mpv.is_some(),
            Tool::GstPlay => gst_play,
        };
        // Only our player keeps neighbours joined.
        for source in sources
            .iter()
            .filter(|_| present)
            .filter(|s| **s != "neighbour" || tool == Tool::Hustings)
        {
            series.push(Series {
                tool,
                source,
                ms: vec![],
            });
        }
    }
    let instance = base
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse::<u16>().ok())
        .unwrap_or(0);
    // Viewers zap at random moments. Zapping again right after a first frame
    // would lock every join to the same point of the 1 s GOP (the demo channels
    // share one phase) and measure only the worst case, so each zap first waits
    // a dwell that walks evenly over one GOP (golden-ratio steps: repeatable).
    let mut phase = 0.0_f64;
    let timeout = Duration::from_secs(30);
    let url_of = |ch: &crate::headend::DemoChannel, source: &str| match source {
        "multicast" | "neighbour" => ch.multicast_url(instance),
        _ => format!("{base}hls/{}/index.m3u8", ch.id),
    };
    for round in 0..rounds {
        for (i, ch) in DEMO_CHANNELS.iter().enumerate() {
            for s in series.iter_mut() {
                let url = url_of(ch, s.source);
                // A viewer zaps from a channel that is playing: the player
                // is warm, as on a box. gst-play starts a process per stream.
                let before = &DEMO_CHANNELS[(i + DEMO_CHANNELS.len() - 1) % DEMO_CHANNELS.len()];
                let before_url = url_of(before, s.source);
                let warmed = match s.tool {
                    Tool::Hustings => {
                        hustings_first_frame(&rt, &player, &mut events, &before_url, timeout)
                            .map(|_| ())
                    }
                    Tool::Mpv => mpv.as_mut().map_or(Err("no mpv".into()), |m| {
                        m.first_frame(&before_url, timeout).map(|_| ())
                    }),
                    Tool::GstPlay => Ok(()),
                };
                warmed.map_err(|e| {
                    anyhow::anyhow!("{} warming up on {}: {e}", s.tool.name(), before.id)
                })?;
                if s.source == "neighbour" {
                    // As after a zap in the app: the next channel has been
                    // joined for a while (more than a GOP) before the viewer moves.
                    player.send(PlayerCommand::Prejoin(vec![url.clone()]));
                    std::thread::sleep(Duration::from_millis(1200));
                }
                phase = (phase + 0.618_034) % 1.0;
                std::thread::sleep(Duration::from_millis(300 + (phase * 1000.0) as u64));
                let outcome = match s.tool {
                    Tool::Hustings => {
                        hustings_first_frame(&rt, &player, &mut events, &url, timeout)
                    }
                    Tool::Mpv => mpv
                        .as_mut()
                        .map_or(Err("no mpv".into()), |m| m.first_frame(&url, timeout)),
                    Tool::GstPlay => super::bench_peers::gst_play_first_frame(&url, timeout),
                };
                // Only the player measured runs: each stops once its zap is timed.
                match s.tool {
                    Tool::Hustings => {
                        player.send(PlayerCommand::Stop);
                        player.send(PlayerCommand::Prejoin(vec![]));
                    }
                    Tool::Mpv => mpv.iter_mut().for_each(|m| m.stop()),
                    Tool::GstPlay => {}
                }
                let ms = match outcome {
                    Ok(d) => d.as_millis() as u64,
                    Err(e) => bail!("{} {url}: {e}", s.tool.name()),
                };
                s.ms.push(ms);
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "round": round, "channel": ch.id, "tool": s.tool.name(), "source": s.source, "first_frame_ms": ms })
                    );
                }
            }
        }
    }
    player.shutdown(Duration::from_secs(2));
    drop(mpv);
    report(&mut series, rounds);
    drop(headend);
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}

/// Tunes our player and waits for its first frame.
fn hustings_first_frame(
    rt: &tokio::runtime::Runtime,
    player: &player::PlayerHandle,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<PlayerEvent>,
    url: &str,
    timeout: Duration,
) -> Result<Duration, String> {
    let zap = player.play(url);
    rt.block_on(async {
        tokio::time::timeout(timeout, async {
            while let Some(e) = events.recv().await {
                match e {
                    PlayerEvent::FirstFrame {
                        zap: z, elapsed, ..
                    } if z == zap => return Ok(elapsed),
                    PlayerEvent::Error { zap: z, error } if z == zap => {
                        return Err(error.to_string());
                    }
                    _ => {}
                }
            }
            Err("player stopped".to_string())
        })
        .await
        .unwrap_or_else(|_| Err(format!("no first frame within {timeout:?}")))
    })
}

/// Prints the table, the ratios to ours and the targets.
fn report(series: &mut [Series], rounds: usize) {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "zap to first frame, {rounds} rounds x {} channels, tools taking turns, {profile} build",
        DEMO_CHANNELS.len()
    );
    println!(
        "{:<9} {:<10} {:>4} {:>7} {:>7} {:>7}",
        "tool", "source", "n", "p50 ms", "p95 ms", "max ms"
    );
    for s in series.iter_mut() {
        s.ms.sort_unstable();
        println!(
            "{:<9} {:<10} {:>4} {:>7} {:>7} {:>7}",
            s.tool.name(),
            s.source,
            s.ms.len(),
            percentile(&s.ms, 50.0),
            percentile(&s.ms, 95.0),
            s.ms.last().copied().unwrap_or(0)
        );
    }
    let p50 = |tool: Tool, source: &str| {
        series
            .iter()
            .find(|s| s.tool == tool && s.source == source)
            .map(|s| percentile(&s.ms, 50.0))
    };
    for source in ["multicast", "neighbour", "hls"] {
        let Some(ours) = p50(Tool::Hustings, source).filter(|v| *v > 0) else {
            continue;
        };
        for peer in [Tool::Mpv, Tool::GstPlay] {
            if let Some(theirs) = p50(peer, source) {
                println!(
                    "{source:<10} p50 {}/hustings = {:.2}",
                    peer.name(),
                    theirs as f64 / ours as f64
                );
            }
        }
        let target = match source {
            "multicast" => 650,
            "neighbour" => 150,
            _ => 600,
        };
        println!(
            "{source:<10} p50 {ours} ms, target {target} ms ({})",
            if ours <= target { "met" } else { "NOT met" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let s = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(
            (
                percentile(&s, 50.0),
                percentile(&s, 90.0),
                percentile(&s, 100.0)
            ),
            (50, 90, 100)
        );
        assert_eq!(percentile(&[], 50.0), 0);
        assert_eq!(percentile(&[7], 90.0), 7);
    }
}
