//! `hustings doctor`'s board part: the profile in force and why, and each
//! thing it (or the configuration) expects, present or missing: decoder
//! elements, the video sink element, the DRM card, the CEC adapter, the
//! remote-control devices, the multicast interface, writable state and
//! cache directories. Device paths are looked up under `--root`.

use std::path::Path;

use gstreamer as gst;
use serde::Serialize;

use crate::config::Config;
use crate::platform::board::under;

/// One expected thing.
#[derive(Debug, Serialize)]
pub struct Expected {
    /// What kind of thing: "decoder (h264)", "video sink", "DRM device", ...
    pub what: String,
    /// Its name or path.
    pub name: String,
    pub present: bool,
    /// "hardware"/"software" for decoders, why for the rest when missing.
    pub note: String,
}

fn item(what: &str, name: &str, present: bool, note: impl Into<String>) -> Expected {
    Expected {
        what: what.to_string(),
        name: name.to_string(),
        present,
        note: note.into(),
    }
}

fn decoder(what: &str, name: &str) -> Expected {
    let factory = gst::ElementFactory::find(name);
    let note = match &factory {
        Some(f) if crate::player::decoders::is_hardware(f) => "hardware",
        Some(_) => "software",
        None if name.starts_with("avdec_") => "software (gstreamer1.0-libav)",
        None => "",
    };
    item(what, name, factory.is_some(), note)
}

/// What the adapter says: its HDMI physical address, or why it cannot be used.
fn cec_note(node: &Path) -> String {
    use crate::platform::cec_linux::{Adapter, PHYS_ADDR_INVALID};
    match Adapter::open(node).and_then(|a| a.physical_address()) {
        Ok(PHYS_ADDR_INVALID) => "no physical address: is the TV connected?".to_string(),
        Ok(pa) => format!(
            "physical address {}.{}.{}.{}",
            pa >> 12,
            (pa >> 8) & 0xf,
            (pa >> 4) & 0xf,
            pa & 0xf
        ),
        Err(e) => format!("not usable as a CEC adapter: {e}"),
    }
}

/// Whether a file can be created in `dir` (made if missing).
fn writable(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    tempfile::tempfile_in(dir)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Everything the profile in force and the configuration expect. Needs
/// GStreamer initialised.
pub fn expectations(config: &Config, root: &Path) -> Vec<Expected> {
    let board = config.board();
    let mut out = Vec::new();
    if config.player.decoders.is_empty() {
        for (codec, list) in [("h264", &board.video.h264), ("hevc", &board.video.hevc)] {
            for name in list {
                out.push(decoder(&format!("decoder ({codec})"), name));
            }
        }
    } else {
        for name in &config.player.decoders {
            out.push(decoder("decoder (configured)", name));
        }
    }
    let sink = board.video.sink_element();
    out.push(item(
        "video sink",
        sink,
        gst::ElementFactory::find(sink).is_some(),
        "",
    ));
    if board.video.sink == "kms" {
        let card = board.video.drm_device();
        out.push(item(
            "DRM device",
            &card.display().to_string(),
            under(root, &card).exists(),
            "",
        ));
    }
    if let Some(cec) = config.cec_device() {
        let node = under(root, &cec);
        let note = if node.exists() {
            cec_note(&node)
        } else {
            String::new()
        };
        out.push(item(
            "HDMI-CEC device",
            &cec.display().to_string(),
            node.exists(),
            note,
        ));
    }
    for dev in &config.input.evdev {
        out.push(item(
            "input device",
            &dev.display().to_string(),
            under(root, dev).exists(),
            "",
        ));
    }
    if let Some(lirc) = &config.input.lirc {
        out.push(item(
            "lircd socket",
            &lirc.display().to_string(),
            under(root, lirc).exists(),
            "",
        ));
    }
    if let Some(iface) = config.multicast_interface() {
        let present = std::ffi::CString::new(iface.as_str())
            // SAFETY: a valid NUL-terminated string; if_nametoindex only reads it.
            .is_ok_and(|name| unsafe { libc::if_nametoindex(name.as_ptr()) } != 0);
        out.push(item("multicast interface", &iface, present, ""));
    }
    for (what, dir) in [
        ("state directory", config.state_dir()),
        ("cache directory", config.cache_dir()),
    ] {
        let result = writable(&dir);
        out.push(item(
            &format!("{what} (writable)"),
            &dir.display().to_string(),
            result.is_ok(),
            result.err().unwrap_or_default(),
        ));
    }
    out
}

/// How the profile in force would put video on a plane of its own
/// (kmssink's view of the board; see `display_path` for what the app does).
pub fn video_plane(config: &Config, root: &Path) -> String {
    crate::platform::video_output::on_machine(&config.board(), root).to_string()
}

/// Where the app would draw and how its picture would reach the screen: a
/// window (composited), or the box's display with video on a plane of its
/// own under the UI, or composited there and why; or what is missing.
pub fn display_path(config: &Config, root: &Path) -> String {
    use crate::app::{Backend, backend_for};
    use crate::platform::kms_display::{plan, plane_formats};
    let card = config.drm_device();
    let on_disk = crate::platform::board::under(root, &card);
    match backend_for(
        config.display.backend,
        crate::app::has_window_system(),
        cfg!(feature = "window"),
        &card,
        on_disk.exists(),
    ) {
        Err(e) => e,
        Ok(Backend::Window) => {
            "a window (DISPLAY or WAYLAND_DISPLAY is set): composited by the UI".into()
        }
        Ok(Backend::Kms) => {
            let wanted = crate::platform::planes::Wanted {
                video_formats: plane_formats(),
                ..crate::platform::video_output::wanted(&config.board())
            };
            let path = crate::platform::drm_read::read_card(&on_disk)
                .and_then(|res| plan(&res, &wanted, config.display.video_plane));
            match path {
                Ok(p @ crate::platform::kms_display::VideoPath::Plane { .. }) => format!(
                    "KMS on {}: {p}; frames in DMA-BUF memory imported (zero-copy), \
                     others in a format the plane takes copied once, the rest converted \
                     on the CPU and copied (the log and Settings > Diagnostics say which)",
                    card.display()
                ),
                Ok(p) => format!("KMS on {}: {p}", card.display()),
                Err(e) => format!("KMS on {}: cannot be used: {e}", card.display()),
            }
        }
    }
}

/// The human-readable lines.
pub fn print(board: &str, reason: &str, expected: &[Expected], video_plane: &str, display: &str) {
    println!("board profile    {board}: {reason}");
    let missing = expected.iter().filter(|e| !e.present).count();
    println!(
        "expected         {} item(s), {missing} missing",
        expected.len()
    );
    for e in expected {
        let state = if e.present { "present" } else { "MISSING" };
        let note = if e.note.is_empty() {
            String::new()
        } else {
            format!("  ({})", e.note)
        };
        println!("  {state:<8} {:<28} {}{note}", e.what, e.name);
    }
    println!("video plane      {video_plane}");
    println!("display          {display}");
}
