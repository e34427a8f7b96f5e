//! `hustings bench ui`: the 10-foot UI with the 1,000-channel × 7-day guide
//! loaded, driven by remote keys through the guide at 1920×1080 with Slint's
//! software renderer: frame time, key-to-frame latency and the whole app's
//! resident memory.
//!
//! The lineup's streams point at a closed loopback port, so the player fails
//! fast and sends nothing anywhere; the guide is the generator's, imported
//! through the box's own refresh path.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::runtime;
use crate::app::HeadlessSession;
use crate::config::Config;
use crate::headend::guide_gen::{GuideSpec, write_guide};
use crate::input::Action;

const CHANNELS: usize = 1000;

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    v.sort_unstable();
    let i = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

/// Keys a viewer browsing the guide would press.
fn script() -> Vec<Action> {
    use Action::*;
    let mut keys = vec![Guide];
    for round in 0..3 {
        keys.extend([Down; 40]);
        keys.extend([ChannelDown; 10]);
        keys.extend([Right; 12]);
        keys.extend([Up; 30]);
        keys.extend([ChannelUp; 5]);
        keys.extend([Left; 12]);
        keys.push(if round % 2 == 0 { Green } else { Red });
        keys.push(Yellow);
    }
    keys.extend([Back, Guide, Back]);
    keys
}

pub fn run(json: bool, keep: Option<&Path>) -> anyhow::Result<ExitCode> {
    let tmp = tempfile::tempdir().context("temporary directory")?;
    let dir = keep.unwrap_or(tmp.path());
    std::fs::create_dir_all(dir)?;
    let spec = GuideSpec {
        channels: CHANNELS,
        days: 7,
        start: chrono::Utc::now().timestamp() - 86_400,
        ..Default::default()
    };
    let xml = dir.join("guide.xml");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&xml)?);
        write_guide(&mut out, &spec)?;
        std::io::Write::flush(&mut out)?;
    }
    let m3u = dir.join("lineup.m3u");
    let mut lineup = String::from("#EXTM3U\n");
    for c in 0..CHANNELS {
        lineup.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"ch{c}.civic\" tvg-chno=\"{n}\" group-title=\"Civic\" catchup=\"default\" catchup-source=\"http://127.0.0.1:9/{c}?utc={{utc}}\",Civic {c}\nhttp://127.0.0.1:9/{c}.ts\n",
            n = c + 1
        ));
    }
    std::fs::write(&m3u, lineup)?;
    let mut config = Config::default();
    config.feeds.lineup = vec![m3u.display().to_string()];
    config.feeds.guide = vec![xml.display().to_string()];
    config.feeds.refresh_minutes = 24 * 60;
    config.state_dir = Some(dir.join("state"));

    let rt = runtime()?;
    let before = rss_mb();
    let mut s = HeadlessSession::start(rt.handle(), &config, 1920, 1080, &dir.join("shots"))?;
    let t = Instant::now();
    s.wait_until(
        "import the guide and load the lineup",
        Duration::from_secs(600),
        |app| app.channels().len() == CHANNELS,
    )?;
    let loaded_in = t.elapsed();
    // Let the first tune fail and the screen settle.
    let _ = s.wait_until("settle", Duration::from_secs(3), |_| false);
    s.settle();

    let keys = script();
    let mut frames = Vec::with_capacity(keys.len());
    let mut latencies = Vec::with_capacity(keys.len());
    for key in &keys {
        let (latency, frame) = s.press_timed(*key);
        latencies.push(latency);
        frames.push(frame);
    }
    s.screenshot("guide-after-bench")?;
    let rss = rss_mb();
    let (f50, f99) = (percentile(&mut frames, 0.5), percentile(&mut frames, 0.99));
    let (k50, k95) = (
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.95),
    );
    let kmax = percentile(&mut latencies, 1.0);
    if json {
        println!(
            "{}",
            serde_json::json!({
                "frame_ms": {"p50": f50, "p99": f99},
                "key_to_frame_ms": {"p50": k50, "p95": k95},
                "rss_mb": rss,
            })
        );
    }
    println!(
        "UI with {CHANNELS} channels x 7 days (guide imported and loaded in {:.1} s), {} keys at 1920x1080, software renderer",
        loaded_in.as_secs_f64(),
        keys.len()
    );
    println!(
        "frame time      p50 {f50:.2} ms  p99 {f99:.2} ms   (target p99 <= 8 ms: {})",
        met(f99 <= 8.0)
    );
    println!(
        "key to frame    p50 {k50:.2} ms  p95 {k95:.2} ms  max {kmax:.2} ms   (target <= 50 ms: {})",
        met(k95 <= 50.0)
    );
    println!(
        "resident memory {rss:.0} MB (process before the app: {before:.0} MB)   (target <= 150 MB: {})",
        met(rss <= 150.0)
    );
    drop(s);
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}
