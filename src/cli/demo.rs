//! `hustings demo` and `hustings headend`: only with the `headend` feature
//! (the box build carries no demo headend).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::{ClientArgs, config_from, runtime};
use crate::app::{
    TourOptions, WindowOptions, choose_backend, run_interactive, run_script, run_tour,
};
use crate::headend::{Headend, HeadendOptions, MulticastMode};

/// `hustings demo`: the headend in-process, then the app (window or tour).
pub fn run_demo(
    args: &ClientArgs,
    headless: Option<PathBuf>,
    script: Option<PathBuf>,
    multicast: MulticastMode,
    fullscreen: bool,
) -> anyhow::Result<ExitCode> {
    let mut config = config_from(args)?;
    // A bad script fails before anything starts.
    let steps = match &script {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the script {}", path.display()))?;
            Some(crate::app::script::parse(&text, path)?)
        }
        None => None,
    };
    if headless.is_none() {
        choose_backend(&config)?;
    }
    let rt = runtime()?;
    let headend_state = config.state_dir().join("headend");
    let headend = rt
        .block_on(Headend::start(HeadendOptions {
            state_dir: Some(headend_state),
            multicast,
            // The box and its headend keep one time (`--clock-start`).
            clock: config.clock.clone(),
            ..Default::default()
        }))
        .context("starting the demo headend")?;
    eprintln!(
        "demo headend at {} (multicast {})",
        headend.url(),
        if headend.multicast() { "on" } else { "off" }
    );
    config.use_server(headend.url());
    pin_demo_key(&mut config, headend.demo_public_key())?;
    // The demo headend sends on loopback, so that is where to join.
    config.multicast_interface = Some("lo".into());
    let result = match headless {
        Some(dir) if steps.is_some() => {
            let steps = steps.unwrap_or_default();
            let (reports, shots) =
                run_script(rt.handle(), &config, TourOptions::new(dir.clone()), &steps)?;
            eprintln!(
                "script complete: {} actions, {} screenshots in {}",
                reports.len(),
                shots.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Some(dir) => {
            let report = run_tour(rt.handle(), &config, TourOptions::new(dir.clone()))?;
            let worst = report
                .zaps
                .iter()
                .map(|z| z.first_frame_ms)
                .max()
                .unwrap_or(0);
            eprintln!(
                "tour complete: {} zaps (slowest {worst} ms), {} screenshots in {}",
                report.zaps.len(),
                report.screenshots.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        None => {
            run_interactive(
                rt.handle(),
                &config,
                WindowOptions {
                    fullscreen,
                    print_zaps: true,
                },
            )?;
            ExitCode::SUCCESS
        }
    };
    drop(headend);
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(result)
}

/// The name on the demo headend's verified badges.
pub const DEMO_PUBLISHER: &str = "Hustings demo headend";

/// Pins the demo headend's key for every feed kind, under its own name:
/// the demo's feeds are all signed with it, and interactive feeds are
/// refused unsigned (their default policy is `required`).
pub fn pin_demo_key(config: &mut crate::config::Config, key: &str) -> anyhow::Result<()> {
    let pinned = crate::trust::PinnedKey::from_base64(key, None, "the demo headend's key")?;
    let t = &mut config.trust;
    for feed in [&mut t.lineup, &mut t.guide, &mut t.archive, &mut t.interact] {
        if !feed.keys.iter().any(|k| k.trim() == key) {
            feed.keys.push(key.to_string());
        }
    }
    t.publishers
        .entry(pinned.id().to_string())
        .or_insert_with(|| DEMO_PUBLISHER.to_string());
    Ok(())
}

/// `hustings headend`: serve until SIGINT or SIGTERM.
pub fn run_headend(
    args: &ClientArgs,
    bind: SocketAddr,
    multicast: MulticastMode,
    drop_replies: f64,
    faults: crate::headend::faults::Faults,
) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        let headend = Headend::start(HeadendOptions {
            bind,
            state_dir: args.state.clone(),
            multicast,
            drop_replies,
            faults,
            clock: super::clock(args),
        })
        .await?;
        println!(
            "{}",
            serde_json::json!({ "url": headend.url(), "multicast": headend.multicast() })
        );
        std::io::stdout().flush().ok();
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("installing the SIGTERM handler")?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
        drop(headend);
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
