//! `hustings doctor`: what this box has and lacks.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use serde::Serialize;

use super::doctor_board::{self, Expected};
use super::{ClientArgs, config_on, has_display};

#[derive(Debug, Serialize)]
struct Element {
    name: String,
    present: bool,
}

#[derive(Debug, Serialize)]
struct Decoder {
    name: String,
    codec: String,
    hardware: bool,
}

#[derive(Debug, Serialize)]
struct DrmCard {
    path: String,
    connectors: Option<usize>,
    crtcs: Option<usize>,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    gstreamer: String,
    board: String,
    /// Why this profile: configured, detected (by what), or generic instead of what.
    board_reason: String,
    /// What the profile and configuration expect, present or missing.
    expected: Vec<Expected>,
    /// How the profile would put video on the screen: a plane through
    /// kmssink, or composited by the UI (and why).
    video_plane: String,
    /// Where the app would draw, and how its picture would reach the screen.
    display_path: String,
    state_dir: String,
    /// The plugins whose stock 1.22.0 builds leak (README "Soak"): in use,
    /// fixed or not.
    carried_plugins: Vec<CarriedPlugin>,
    demuxers: Vec<Element>,
    sinks: Vec<Element>,
    video_decoders: Vec<Decoder>,
    hardware_decoders: usize,
    /// The board's (or configuration's) decoder preference, best first.
    preferred_decoders: Vec<crate::player::decoders::DecoderPreference>,
    display: Option<String>,
    drm: Vec<DrmCard>,
    input_devices: Vec<String>,
    cec_devices: Vec<String>,
    loopback_multicast: Result<(), String>,
}

#[derive(Debug, Serialize)]
struct CarriedPlugin {
    plugin: &'static str,
    leak: &'static str,
    in_use: Option<crate::player::plugins::PluginInUse>,
}

const DEMUXERS: &[&str] = &[
    "tsdemux",
    "hlsdemux2",
    "hlsdemux",
    "dashdemux2",
    "qtdemux",
    "matroskademux",
    "rtpmp2tdepay",
    "rtspsrc",
];
const SINKS: &[&str] = &[
    "kmssink",
    "waylandsink",
    "glimagesink",
    "xvimagesink",
    "appsink",
    "autoaudiosink",
    "alsasink",
    "pulsesink",
];

/// `root`: where the machine's files are (`/`; a sample tree in tests).
pub fn run(args: &ClientArgs, json: bool, root: &Path) -> anyhow::Result<ExitCode> {
    let config = config_on(args, root)?;
    crate::player::init()?;
    let present = |name: &&str| Element {
        name: name.to_string(),
        present: gst::ElementFactory::find(name).is_some(),
    };
    let mut video_decoders: Vec<Decoder> = gst::Registry::get()
        .features(gst::ElementFactory::static_type())
        .into_iter()
        .filter_map(|f| f.downcast::<gst::ElementFactory>().ok())
        .filter_map(|f| {
            let klass = f.metadata(gst::ELEMENT_METADATA_KLASS)?.to_string();
            (klass.contains("Decoder") && klass.contains("Video")).then(|| Decoder {
                name: f.name().to_string(),
                codec: codec_of(&f),
                hardware: klass.contains("Hardware"),
            })
        })
        .collect();
    video_decoders
        .sort_by(|a, b| (!a.hardware, &a.codec, &a.name).cmp(&(!b.hardware, &b.codec, &b.name)));
    let report = Report {
        gstreamer: gst::version_string().to_string(),
        board: config.board().name,
        board_reason: config.profile_reason.clone(),
        expected: doctor_board::expectations(&config, root),
        video_plane: doctor_board::video_plane(&config, root),
        display_path: doctor_board::display_path(&config, root),
        state_dir: config.state_dir().display().to_string(),
        carried_plugins: crate::player::plugins::CARRIED
            .iter()
            .map(|c| CarriedPlugin {
                plugin: c.plugin,
                leak: c.leak,
                in_use: crate::player::plugins::in_use(c.plugin),
            })
            .collect(),
        demuxers: DEMUXERS.iter().map(present).collect(),
        sinks: SINKS.iter().map(present).collect(),
        hardware_decoders: video_decoders.iter().filter(|d| d.hardware).count(),
        video_decoders,
        preferred_decoders: crate::player::decoders::check_preference(&config.decoders()),
        display: has_display().then(|| {
            std::env::var("WAYLAND_DISPLAY")
                .or_else(|_| std::env::var("DISPLAY"))
                .unwrap_or_default()
        }),
        drm: drm_cards(),
        input_devices: input_devices(),
        cec_devices: list_dev("cec"),
        loopback_multicast: crate::net::multicast::loopback_multicast_works(Duration::from_millis(
            300,
        )),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn codec_of(f: &gst::ElementFactory) -> String {
    for t in f.static_pad_templates() {
        if t.direction() == gst::PadDirection::Sink
            && let Some(s) = t.caps().structure(0)
        {
            return s.name().trim_start_matches("video/").to_string();
        }
    }
    String::new()
}

fn list_dev(prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir("/dev")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(prefix))
        .map(|n| format!("/dev/{n}"))
        .collect();
    out.sort();
    out
}

fn input_devices() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir("/dev/input")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("event"))
        .map(|e| {
            let node = e.file_name().to_string_lossy().to_string();
            let name = std::fs::read_to_string(format!("/sys/class/input/{node}/device/name"))
                .unwrap_or_default();
            format!("/dev/input/{node} {}", name.trim())
        })
        .collect();
    out.extend(list_dev("lirc"));
    out.sort();
    out
}

fn drm_cards() -> Vec<DrmCard> {
    let dir = Path::new("/dev/dri");
    let mut cards: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("card"))
        .map(|e| e.path())
        .collect();
    cards.sort();
    cards
        .into_iter()
        .map(|path| match crate::platform::drm_read::read_card(&path) {
            Ok(r) => DrmCard {
                path: path.display().to_string(),
                connectors: Some(r.connectors.len()),
                crtcs: Some(r.crtcs.len()),
                error: None,
            },
            Err(e) => DrmCard {
                path: path.display().to_string(),
                connectors: None,
                crtcs: None,
                error: Some(e),
            },
        })
        .collect()
}

fn print_human(r: &Report) {
    let mark = |b: bool| if b { "yes" } else { "NO " };
    println!("GStreamer        {}", r.gstreamer);
    doctor_board::print(
        &r.board,
        &r.board_reason,
        &r.expected,
        &r.video_plane,
        &r.display_path,
    );
    println!("plugins with known leaks or hangs");
    for c in &r.carried_plugins {
        match &c.in_use {
            Some(p) if p.fixed => println!(
                "  yes {} {} ({})",
                c.plugin,
                p.version,
                p.file
                    .as_deref()
                    .map(|f| f.display().to_string())
                    .unwrap_or_default()
            ),
            Some(p) => println!(
                "  NO  {} {} is the stock build: {}; platform/gstreamer/build-fixed-plugins.sh builds the fixed one",
                c.plugin, p.version, c.leak
            ),
            None => println!("  NO  {} is missing", c.plugin),
        }
    }
    println!("demuxers/sources");
    for e in &r.demuxers {
        println!("  {} {}", mark(e.present), e.name);
    }
    println!("sinks");
    for e in &r.sinks {
        println!("  {} {}", mark(e.present), e.name);
    }
    println!(
        "video decoders   {} ({} hardware)",
        r.video_decoders.len(),
        r.hardware_decoders
    );
    for d in r.video_decoders.iter().filter(|d| {
        ["h264", "x-h264", "x-h265", "x-vp9", "x-av1", "mpeg"]
            .iter()
            .any(|c| d.codec.contains(c))
    }) {
        println!(
            "  {:<8} {:<24} {}",
            if d.hardware { "hardware" } else { "software" },
            d.name,
            d.codec
        );
    }
    if r.preferred_decoders.is_empty() {
        println!("decoder choice   GStreamer's ranks (the board profile names none)");
    } else {
        println!("decoder choice   the board profile's, best first");
        for d in &r.preferred_decoders {
            let state = if d.present { "present" } else { "MISSING" };
            println!("  {state:<8} {}", d.name);
        }
    }
    println!(
        "display          {}",
        r.display.as_deref().unwrap_or("none (use --headless)")
    );
    if r.drm.is_empty() {
        println!("DRM/KMS          no /dev/dri/card*");
    }
    for c in &r.drm {
        match &c.error {
            None => println!(
                "DRM/KMS          {}: {} connectors, {} CRTCs",
                c.path,
                c.connectors.unwrap_or(0),
                c.crtcs.unwrap_or(0)
            ),
            Some(e) => println!("DRM/KMS          {e}"),
        }
    }
    println!(
        "input devices    {}",
        if r.input_devices.is_empty() {
            "none".to_string()
        } else {
            r.input_devices.join(", ")
        }
    );
    println!(
        "HDMI-CEC         {}",
        if r.cec_devices.is_empty() {
            "none".to_string()
        } else {
            r.cec_devices.join(", ")
        }
    );
    match &r.loopback_multicast {
        Ok(()) => println!("loopback multicast works"),
        Err(e) => println!("loopback multicast FAILS: {e}"),
    }
}
