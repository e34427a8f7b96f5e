//! `hustings bench display`: what watching costs on each way the picture
//! can reach the screen, side by side in one run. For each path, a child
//! process (Slint's platform is set once per process) plays the
//! configuration's first channel with nothing else on screen and reports
//! the UI pictures drawn per second once the banner has gone, the CPU
//! seconds spent per minute of watching, and zap-to-screen times (on KMS:
//! to the completed page flip) alternating Channel up and down.
//!
//! Paths: on a box's display (a DRM card), video on its own plane and
//! composited by the UI on the same display; without one (a PC, CI), the
//! headless software path alone, which is what a window costs.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::{ClientArgs, config_from, runtime};
use crate::app::HeadlessSession;
use crate::config::DisplayBackend;
use crate::input::Action;

/// What one path measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct PathFigures {
    pub path: String,
    pub display: String,
    pub watched_s: f64,
    pub ui_frames_per_s: f64,
    /// Pictures that reached the screen per second (video frames committed
    /// to the plane, or UI redraws carrying them when composited).
    pub pictures_per_s: f64,
    pub cpu_s_per_min: f64,
    /// CPU milliseconds per picture shown: comparable where the machine
    /// cannot keep up with the channel (an emulated VM).
    pub cpu_ms_per_picture: f64,
    pub zap_ms: Vec<u64>,
    pub zap_p50_ms: u64,
}

/// The paths this machine can measure.
fn paths(card: &Path) -> Vec<&'static str> {
    if card.exists() {
        vec!["plane", "composited"]
    } else {
        vec!["software"]
    }
}

/// Runs every path in a child of its own and prints them side by side.
pub fn run(args: &ClientArgs, seconds: u64, zaps: usize, json: bool) -> anyhow::Result<ExitCode> {
    let config = config_from(args)?;
    let exe = std::env::current_exe().context("finding this program")?;
    let mut rows = Vec::new();
    for path in paths(&config.drm_device()) {
        let mut cmd = Command::new(&exe);
        if let Some(c) = &args.config {
            cmd.arg("--config").arg(c);
        }
        if let Some(s) = &args.state {
            cmd.arg("--state").arg(s);
        }
        if let Some(s) = &args.server {
            cmd.arg("--server").arg(s);
        }
        let out = cmd
            .args(["bench", "display", "--only", path])
            .args([
                "--seconds",
                &seconds.to_string(),
                "--zaps",
                &zaps.to_string(),
            ])
            .output()
            .with_context(|| format!("running the {path} path"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().rev().find(|l| l.starts_with('{')) else {
            bail!(
                "the {path} path reported nothing: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .rev()
                    .take(5)
                    .collect::<Vec<_>>()
                    .join(" / ")
            );
        };
        let figures: PathFigures = serde_json::from_str(line)
            .with_context(|| format!("the {path} path's report: {line}"))?;
        if json {
            println!("{line}");
        }
        rows.push(figures);
    }
    println!(
        "{:<11} {:>7} {:>9} {:>10} {:>12} {:>10}  display",
        "path", "UI fps", "pictures", "CPU s/min", "CPU ms/pic", "zap p50"
    );
    for r in &rows {
        println!(
            "{:<11} {:>7.1} {:>7.1}/s {:>10.1} {:>12.1} {:>7} ms  {}",
            r.path,
            r.ui_frames_per_s,
            r.pictures_per_s,
            r.cpu_s_per_min,
            r.cpu_ms_per_picture,
            r.zap_p50_ms,
            r.display
        );
    }
    if let [plane, composited] = &rows[..] {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        println!(
            "plane / composited: CPU per minute {:.2}, CPU per picture {:.2}, zap p50 {:.2}, UI frames {:.2}",
            ratio(plane.cpu_s_per_min, composited.cpu_s_per_min),
            ratio(plane.cpu_ms_per_picture, composited.cpu_ms_per_picture),
            ratio(plane.zap_p50_ms as f64, composited.zap_p50_ms as f64),
            ratio(plane.ui_frames_per_s, composited.ui_frames_per_s),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// CPU seconds (user + system) this process has used.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// One path, in this process: prints its figures as one JSON line.
pub fn run_path(
    args: &ClientArgs,
    path: &str,
    seconds: u64,
    zaps: usize,
) -> anyhow::Result<ExitCode> {
    let mut config = config_from(args)?;
    match path {
        "plane" | "composited" => {
            config.display.backend = DisplayBackend::Kms;
            config.display.video_plane = path == "plane";
        }
        "software" => config.display.backend = DisplayBackend::Auto,
        other => bail!("no path {other} (plane, composited, software)"),
    }
    let rt = runtime()?;
    let shots: PathBuf =
        std::env::temp_dir().join(format!("hustings-bench-display-{}", std::process::id()));
    let mut s = HeadlessSession::start(rt.handle(), &config, 1920, 1080, &shots)?;
    let step = Duration::from_secs(120);
    s.wait_until("load the lineup", step, |app| app.current_zap().is_some())?;
    s.await_zap("first picture", step)?;
    // The banner and the zap's notices go after 5 s: then only the picture changes.
    s.watch(Duration::from_secs(6));
    let (frames0, pictures0, cpu0, t0) =
        (s.ui_frames(), s.pictures(), cpu_seconds(), Instant::now());
    s.watch(Duration::from_secs(seconds));
    let watched = t0.elapsed().as_secs_f64();
    let ui_fps = (s.ui_frames() - frames0) as f64 / watched;
    let pictures = (s.pictures() - pictures0) as f64;
    let cpu = cpu_seconds() - cpu0;
    let cpu_per_min = cpu / watched * 60.0;
    let mut zap_ms = Vec::new();
    for i in 0..zaps {
        s.press(if i % 2 == 0 {
            Action::ChannelUp
        } else {
            Action::ChannelDown
        });
        let record = s.await_zap(&format!("zap {}", i + 1), step)?;
        zap_ms.push(record.first_frame_ms);
        s.watch(Duration::from_millis(1500));
    }
    let mut sorted = zap_ms.clone();
    sorted.sort_unstable();
    let figures = PathFigures {
        path: path.to_string(),
        display: s.video_path(),
        watched_s: watched,
        ui_frames_per_s: ui_fps,
        pictures_per_s: pictures / watched,
        cpu_s_per_min: cpu_per_min,
        cpu_ms_per_picture: if pictures > 0.0 {
            cpu * 1000.0 / pictures
        } else {
            f64::NAN
        },
        zap_p50_ms: sorted
            .get(sorted.len().saturating_sub(1) / 2)
            .copied()
            .unwrap_or(0),
        zap_ms,
    };
    println!("{}", serde_json::to_string(&figures)?);
    drop(s);
    let _ = std::fs::remove_dir_all(&shots);
    rt.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}
