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

pub fn zap(rounds: usize, json: bool) -> anyhow::Result<ExitCode> {
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
    let mut kinds: Vec<(&str, Vec<u64>)> = vec![("hls", vec![])];
    if headend.multicast() {
        kinds.insert(0, ("multicast", vec![]));
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
    for round in 0..rounds {
        for ch in DEMO_CHANNELS {
            for (kind, samples) in kinds.iter_mut() {
                let url = match *kind {
                    "multicast" => ch.multicast_url(instance),
                    _ => format!("{base}hls/{}/index.m3u8", ch.id),
                };
                phase = (phase + 0.618_034) % 1.0;
                std::thread::sleep(Duration::from_millis(300 + (phase * 1000.0) as u64));
                let zap = player.play(&url);
                let outcome = rt.block_on(async {
                    tokio::time::timeout(Duration::from_secs(30), async {
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
                });
                let ms = match outcome {
                    Ok(Ok(d)) => d.as_millis() as u64,
                    Ok(Err(e)) => bail!("{url}: {e}"),
                    Err(_) => bail!("{url}: no first frame within 30 s"),
                };
                samples.push(ms);
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "round": round, "channel": ch.id, "source": kind, "first_frame_ms": ms })
                    );
                }
            }
        }
    }
    player.send(PlayerCommand::Shutdown);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "zap to first decoded frame, {rounds} rounds x {} channels, {profile} build",
        DEMO_CHANNELS.len()
    );
    println!(
        "{:<10} {:>5} {:>8} {:>8} {:>8}",
        "source", "n", "p50 ms", "p90 ms", "max ms"
    );
    let mut p50s = vec![];
    for (kind, samples) in kinds.iter_mut() {
        samples.sort_unstable();
        let (p50, p90, max) = (
            percentile(samples, 50.0),
            percentile(samples, 90.0),
            *samples.last().unwrap_or(&0),
        );
        println!("{kind:<10} {:>5} {p50:>8} {p90:>8} {max:>8}", samples.len());
        p50s.push((*kind, p50));
    }
    if let [(a, pa), (b, pb)] = p50s[..]
        && pb > 0
    {
        println!("ratio p50 {a}/{b} = {:.2}", pa as f64 / pb as f64);
    }
    drop(headend);
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
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
