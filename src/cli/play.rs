//! `hustings play URI`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::{ClientArgs, config_from, has_display, runtime};
use crate::app::{WindowOptions, run_windowed};
use crate::player::{self, FrameSink, PlayerEvent};

pub fn run(
    args: &ClientArgs,
    uri: &str,
    headless: bool,
    json: bool,
    seconds: Option<f64>,
    fullscreen: bool,
) -> anyhow::Result<ExitCode> {
    let mut config = config_from(args)?;
    if !headless {
        if !has_display() {
            anyhow::bail!("no display (DISPLAY / WAYLAND_DISPLAY unset); use --headless");
        }
        // The window plays a one-channel lineup made of the URI.
        let dir = tempfile::tempdir().context("creating a temporary lineup")?;
        let lineup = dir.path().join("play.m3u");
        std::fs::write(&lineup, format!("#EXTM3U\n#EXTINF:-1,{uri}\n{uri}\n"))
            .context("writing the lineup")?;
        config.feeds.lineup = vec![lineup.display().to_string()];
        config.feeds.guide.clear();
        let rt = runtime()?;
        run_windowed(
            rt.handle(),
            &config,
            WindowOptions {
                fullscreen,
                print_zaps: json,
            },
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let rt = runtime()?;
    let frames = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = frames.clone();
    let sink: FrameSink = Arc::new(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    let options = crate::app::player_options(&config, true);
    let (player, mut events) = player::spawn(rt.handle(), options, sink)?;
    let started = Instant::now();
    let zap = player.play(uri);
    let limit = seconds
        .map(|s| {
            Duration::try_from_secs_f64(s)
                .map_err(|_| anyhow::anyhow!("--seconds {s}: not a number of seconds"))
        })
        .transpose()?;
    let code = rt.block_on(async {
        let mut shown = false;
        loop {
            let remaining = limit.map(|l| l.saturating_sub(started.elapsed()));
            let next = async {
                match remaining {
                    Some(r) => tokio::time::timeout(r, events.recv()).await.ok().flatten(),
                    None => events.recv().await,
                }
            };
            let event = tokio::select! {
                e = next => e,
                _ = tokio::signal::ctrl_c() => None,
            };
            let Some(event) = event else { break };
            match event {
                PlayerEvent::FirstFrame { zap: z, elapsed, decoder, url } if z == zap => {
                    shown = true;
                    let (name, hardware) = decoder.map(|d| (d.name, d.hardware)).unwrap_or_default();
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({ "first_frame_ms": elapsed.as_millis() as u64, "decoder": name, "hardware": hardware, "url": url })
                        );
                    } else {
                        println!("first frame after {} ms ({name}, {})", elapsed.as_millis(), if hardware { "hardware" } else { "software" });
                    }
                    std::io::stdout().flush().ok();
                }
                PlayerEvent::FellBack { from, to, reason, .. } => eprintln!("{from}: {reason}; trying {to}"),
                PlayerEvent::Error { error, .. } => {
                    if json {
                        println!("{}", serde_json::json!({ "error": error.message, "source": error.source, "debug": error.debug }));
                    } else {
                        eprintln!("hustings: cannot play {}: {}", error.source, error.message);
                    }
                    return ExitCode::FAILURE;
                }
                PlayerEvent::EndOfStream { .. } => break,
                PlayerEvent::Diagnostics { diagnostics: d, .. } => {
                    if json {
                        println!("{}", serde_json::json!({ "diagnostics": d }));
                    } else {
                        eprintln!(
                            "{} via {}: {} kbit/s, {} lost TS packets, {} stalls, decoder {}",
                            d.url,
                            d.via,
                            d.bitrate_kbps,
                            d.cc_errors,
                            d.stalls,
                            d.decoder.map(|d| d.name).unwrap_or_else(|| "?".into())
                        );
                    }
                }
                PlayerEvent::JoinFailed { url, failure, .. } => eprintln!("{url}: {failure}"),
                PlayerEvent::Stalled { reason, .. } => eprintln!("stalled: {reason}"),
                PlayerEvent::Recovered { after, .. } => {
                    eprintln!("picture back after {:.1} s", after.as_secs_f64())
                }
                _ => {}
            }
        }
        if shown { ExitCode::SUCCESS } else { ExitCode::FAILURE }
    });
    // Let the actor take the pipeline down to NULL before the runtime goes.
    player.shutdown(Duration::from_secs(2));
    tracing::info!(
        frames = frames.load(std::sync::atomic::Ordering::Relaxed),
        "played"
    );
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(code)
}
