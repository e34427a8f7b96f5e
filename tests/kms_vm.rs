//! The box path on a real kernel display: `hustings` started as systemd
//! starts it (no DISPLAY, NOTIFY_SOCKET set) inside the project's VM
//! (platform/vm/hustings-vm: vkms, uinput, vivid's CEC bus), playing two
//! channels replayed from files encoded here on the host (the guest is
//! emulated, too slow to encode). tests/vm/box.sh drives the guest; this
//! file prepares its work directory and checks what it leaves: writeback
//! captures of what the display composed, the planes' state from debugfs,
//! the app's log and the notifications systemd would have received.
//!
//! Needs `make vm-setup` (which `make test` runs first).

use std::path::{Path, PathBuf};
use std::process::Command;

const W: u32 = 1024;
const H: u32 = 768;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vm() -> PathBuf {
    repo().join("platform/vm/hustings-vm")
}

/// Encodes a 4-second 320×240 H.264 TS channel with a 1 s GOP.
fn encode(out: &Path, source: &str) {
    let status = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(source.split_whitespace())
        .args(
            "num-buffers=100 ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc \
             key-int-max=25 tune=zerolatency speed-preset=ultrafast ! h264parse ! mpegtsmux ! filesink"
                .split_whitespace(),
        )
        .arg(format!("location={}", out.display()))
        .status()
        .expect("gst-launch-1.0 runs");
    assert!(status.success(), "encoding {}", out.display());
}

/// A work directory with the channels, the lineup and the configuration.
fn prepare(name: &str, plane: bool) -> PathBuf {
    prepare_with(name, plane, None)
}

/// The same, with `lineup` as the lineup instead of the two encoded channels.
fn prepare_with(name: &str, plane: bool, lineup: Option<&str>) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("kms-vm-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let lineup = lineup.map(str::to_string).unwrap_or_else(|| {
        // Channel 1: colour bars; channel 2: plain green. Both easy to tell in a capture.
        encode(&dir.join("ch1.ts"), "videotestsrc pattern=smpte");
        encode(
            &dir.join("ch2.ts"),
            "videotestsrc pattern=solid-color foreground-color=0xff00c000",
        );
        "#EXTM3U\n\
         #EXTINF:-1 tvg-id=\"one\" tvg-chno=\"1\",Civic One\nudp://@239.255.42.1:5004\n\
         #EXTINF:-1 tvg-id=\"two\" tvg-chno=\"2\",Council Live\nudp://@239.255.42.2:5006\n"
            .to_string()
    });
    std::fs::write(dir.join("lineup.m3u"), lineup).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "state_dir = \"/run/hustings-state\"\nmulticast_interface = \"lo\"\n\
             [feeds]\nlineup = [\"{}\"]\n\
             [trust.lineup]\npolicy = \"off\"\n\
             [display]\nbackend = \"kms\"\nvideo_plane = {plane}\nbanner_seconds = 0\n\
             [cec]\ndevice = \"/dev/cec1\"\n\
             [player]\njoin_timeout_ms = 30000\nno_picture_timeout_ms = 120000\nstall_timeout_ms = 20000\n",
            dir.join("lineup.m3u").display()
        ),
    )
    .unwrap();
    dir
}

/// One VM at a time: the guest is emulated, and two at once on two cores
/// would each run at half the pace the guest script's limits allow for.
static ONE_VM: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs tests/vm/box.sh in the VM; returns whether it passed, with its output.
fn run_box(dir: &Path, mode: &str, vm_flags: &[&str]) -> (bool, String) {
    let _one = ONE_VM.lock().unwrap_or_else(|e| e.into_inner());
    let check = Command::new("bash").arg(vm()).arg("check").output();
    let ready = check.as_ref().is_ok_and(|o| o.status.success());
    assert!(
        ready,
        "the project's VM is not set up: run `make vm-setup` (make test does) ({:?})",
        check.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    );
    let out = Command::new("bash")
        .arg(vm())
        .arg("run")
        .args(vm_flags)
        .args([
            "--out",
            &dir.display().to_string(),
            "--timeout",
            "900",
            "--",
        ])
        .arg("bash")
        .arg(repo().join("tests/vm/box.sh"))
        .arg(dir)
        .arg(mode)
        .env("HUSTINGS_BIN", env!("CARGO_BIN_EXE_hustings"))
        .output()
        .expect("the VM runner starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

/// Everything the guest left, for a failure message.
fn evidence(dir: &Path, vm_output: &str) -> String {
    let tail = |s: String| {
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    format!(
        "--- VM\n{}\n--- app.err\n{}\n--- notify.log\n{}\n--- cec-tv.log\n{}\n--- threads.log (the app's threads and the kernel log, last sample)\n{}",
        tail(vm_output.to_string()),
        tail(read(dir, "app.err")),
        tail(read(dir, "notify.log")),
        tail(read(dir, "cec-tv.log")),
        read(dir, "threads.log")
    )
}

/// An RGB capture.
struct Shot {
    width: u32,
    pixels: Vec<u8>,
}

impl Shot {
    fn load(path: &Path) -> Shot {
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        ));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), (W, H), "the mode's size");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        Shot {
            width: info.width,
            pixels,
        }
    }

    /// The mean colour of a small square around (fx·W, fy·H).
    fn at(&self, fx: f32, fy: f32) -> [u32; 3] {
        let (cx, cy) = ((fx * W as f32) as u32, (fy * H as f32) as u32);
        let mut sum = [0u32; 3];
        let mut n = 0;
        for y in cy - 4..cy + 4 {
            for x in cx - 4..cx + 4 {
                let i = ((y * self.width + x) * 3) as usize;
                for c in 0..3 {
                    sum[c] += u32::from(self.pixels[i + c]);
                }
                n += 1;
            }
        }
        sum.map(|s| s / n)
    }

    /// Near-white pixels in the box [x0, x1) × [y0, y1) (fractions of W and H).
    fn white_in(&self, x0: f32, x1: f32, y0: f32, y1: f32) -> usize {
        let rows = (y0 * H as f32) as usize..(y1 * H as f32) as usize;
        let cols = (x0 * W as f32) as usize..(x1 * W as f32) as usize;
        rows.flat_map(|y| cols.clone().map(move |x| (y, x)))
            .filter(|&(y, x)| {
                let i = (y * W as usize + x) * 3;
                self.pixels[i..i + 3].iter().all(|&c| c > 225)
            })
            .count()
    }
}

fn is_yellow(c: [u32; 3]) -> bool {
    c[0] > 140 && c[1] > 140 && c[2] < 90
}

fn is_magenta(c: [u32; 3]) -> bool {
    c[0] > 140 && c[1] < 90 && c[2] > 140
}

fn is_green(c: [u32; 3]) -> bool {
    c[1] > 140 && c[0] < 90 && c[2] < 90
}

/// The planes that show a framebuffer, from debugfs' `dri/0/state`.
fn planes_in_use(state: &str) -> Vec<String> {
    let mut used = Vec::new();
    let mut current = None;
    for line in state.lines() {
        if let Some(rest) = line.strip_prefix("plane[") {
            current = rest.split(']').next().map(str::to_string);
        } else if let Some(fb) = line.trim().strip_prefix("fb=")
            && fb != "0"
            && let Some(p) = current.take()
        {
            used.push(p);
        }
    }
    used
}

/// Each plane showing a framebuffer in debugfs' `dri/0/state`, with the
/// lines that describe it (the framebuffer's format, its GEM objects).
fn plane_blocks(state: &str) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in state.lines() {
        if let Some(rest) = line.strip_prefix("plane[") {
            blocks.push((
                rest.split(']').next().unwrap_or("").to_string(),
                String::new(),
            ));
        } else if !line.starts_with(' ') && !line.starts_with('\t') {
            // crtc[...], connector[...]: no longer a plane's.
            blocks.push((String::new(), String::new()));
        } else if let Some((_, text)) = blocks.last_mut() {
            text.push_str(line.trim());
            text.push('\n');
        }
    }
    blocks
        .into_iter()
        .filter(|(p, text)| !p.is_empty() && !text.contains("fb=0\n"))
        .collect()
}

/// Seconds of each WATCHDOG=1 and of the hang, on the listener's clock.
fn notifications(log: &str) -> (bool, Vec<f64>, Option<f64>) {
    let mut ready = false;
    let mut pings = Vec::new();
    let mut hung = None;
    for line in log.lines() {
        let Some((t, msg)) = line.split_once(' ') else {
            continue;
        };
        let t: f64 = t.parse().unwrap_or(0.0);
        match msg {
            "READY=1" => ready = true,
            "WATCHDOG=1" => pings.push(t),
            "HUNG" => hung = Some(t),
            _ => {}
        }
    }
    (ready, pings, hung)
}

#[test]
fn the_box_boots_to_picture_on_kms_with_video_on_its_own_plane() {
    let dir = prepare("plane", true);
    let (ok, output) = run_box(
        &dir,
        "plane",
        &["--overlay", "--writeback", "--uinput", "--cec"],
    );
    let why = evidence(&dir, &output);
    assert!(ok, "the guest script failed\n{why}");
    let log = read(&dir, "app.err");
    assert!(
        log.contains("video: video on plane"),
        "the video plane path is in force\n{why}"
    );

    // Boot to picture: the channel's bars, and the channel list (opened by the
    // remote's OK) drawn over them from the UI's plane.
    let first = Shot::load(&dir.join("first.png"));
    assert!(
        is_magenta(first.at(4.5 / 7.0, 0.3)),
        "the bars' magenta where the video shows: {:?}\n{why}",
        first.at(4.5 / 7.0, 0.3)
    );
    let panel = first.at(0.1, 0.5);
    assert!(
        panel.iter().all(|&c| c < 120),
        "the channel list's panel darkens the bars' white on the left: {panel:?}\n{why}"
    );
    let text = first.white_in(0.05, 0.35, 0.1, 0.25);
    assert!(text > 100, "the list's white text ({text} pixels)\n{why}");
    let used = planes_in_use(&read(&dir, "first.state"));
    assert!(
        used.len() >= 2,
        "video and UI on different planes: {used:?}\n{}",
        read(&dir, "first.state")
    );

    // The remote (uinput) zapped to channel 2, and the zap's first frame was reported.
    let remote = Shot::load(&dir.join("remote.png"));
    assert!(
        is_green(remote.at(0.5, 0.3)),
        "channel 2's green after the remote's Channel up: {:?}\n{why}",
        remote.at(0.5, 0.3)
    );
    // The zap's banner, drawn by the UI plane over the video plane at the
    // bottom (it stays: banner_seconds = 0, since emulated zaps are slow).
    let band = remote.at(0.5, 0.88);
    assert!(
        !is_green(band) && band.iter().all(|&c| c < 120),
        "the banner's panel darkens the green at the bottom: {band:?}\n{why}"
    );
    let title = remote.white_in(0.12, 0.6, 0.74, 0.86);
    assert!(
        title > 100,
        "the banner's white title ({title} pixels)\n{why}"
    );
    let zaps: Vec<&str> = log.lines().filter(|l| l.contains("zap {")).collect();
    assert!(zaps.len() >= 3, "a figure per zap\n{why}");
    assert!(
        zaps[1].contains("\"number\":2") && zaps[1].contains("first_frame_ms"),
        "the remote's zap to 2: {}",
        zaps[1]
    );

    // The TV's remote over CEC zapped back; the box announced itself as the active source.
    let cec = Shot::load(&dir.join("cec.png"));
    assert!(
        is_yellow(cec.at(1.5 / 7.0, 0.3)),
        "channel 1's bars after the TV's Channel down: {:?}\n{why}",
        cec.at(1.5 / 7.0, 0.3)
    );
    assert!(zaps[2].contains("\"number\":1"), "{}", zaps[2]);
    let tv = read(&dir, "cec-tv.log");
    assert!(
        tv.contains("ACTIVE_SOURCE"),
        "the box said it is the active source at its first picture\n{why}"
    );

    // The TV went to standby: playback stopped, the picture is gone.
    let standby = Shot::load(&dir.join("standby.png"));
    assert!(
        !is_yellow(standby.at(1.5 / 7.0, 0.3)),
        "no picture after the TV's standby: {:?}\n{why}",
        standby.at(1.5 / 7.0, 0.3)
    );

    // systemd's view: ready at the first picture, pings while the loop runs, none once it hangs.
    let (ready, pings, hung) = notifications(&read(&dir, "notify.log"));
    assert!(ready, "READY=1\n{why}");
    assert!(
        !log.contains("no picture after"),
        "READY=1 came with the first picture, not by the time limit\n{why}"
    );
    let hung = hung.expect("the hang was marked");
    assert!(
        pings.iter().filter(|&&t| t < hung).count() >= 2,
        "WATCHDOG=1 while the loop runs: {pings:?}\n{why}"
    );
    let after: Vec<&f64> = pings.iter().filter(|&&t| t > hung).collect();
    assert!(
        after.is_empty(),
        "no WATCHDOG=1 once the main loop hangs (8 s, 2 s interval): {after:?}"
    );
}

#[test]
fn without_overlay_planes_the_picture_is_composited_and_scripts_capture_the_display() {
    let dir = prepare("composited", true);
    // vkms without enable_overlay: a primary plane and a cursor, nothing to put video under the UI.
    let (ok, output) = run_box(&dir, "composited", &["--writeback"]);
    let why = evidence(&dir, &output);
    assert!(ok, "the guest script failed\n{why}");
    let log = read(&dir, "app.err");
    assert!(
        log.contains("video: composited by the UI"),
        "the composited path, with its reason\n{why}"
    );
    let first = Shot::load(&dir.join("first.png"));
    assert!(
        is_yellow(first.at(1.5 / 7.0, 0.3)),
        "the picture is still there, drawn by the UI: {:?}\n{why}",
        first.at(1.5 / 7.0, 0.3)
    );
    assert_eq!(
        planes_in_use(&read(&dir, "first.state")).len(),
        1,
        "one plane: {}",
        read(&dir, "first.state")
    );
    let (ready, _, _) = notifications(&read(&dir, "notify.log"));
    assert!(ready, "READY=1\n{why}");

    // `hustings script` on the box path: its shots are the display's own
    // (writeback, the mode's 1024×768), the list drawn over the picture.
    let tour = format!("{why}\n--- tour.err\n{}", read(&dir, "tour.err"));
    let live = Shot::load(&dir.join("tour/live.png"));
    assert!(
        is_yellow(live.at(1.5 / 7.0, 0.3)),
        "the scripted shot shows the picture: {:?}\n{tour}",
        live.at(1.5 / 7.0, 0.3)
    );
    let list = Shot::load(&dir.join("tour/list.png"));
    assert!(
        list.at(0.1, 0.5).iter().all(|&c| c < 120) && is_magenta(list.at(4.5 / 7.0, 0.3)),
        "the channel list over the picture: {:?}\n{tour}",
        list.at(0.1, 0.5)
    );
}

/// A capture card as a channel (`v4l2://`, vivid's HDMI input at the
/// screen's size in BGRx): v4l2src hands out DMA-BUFs that the kernel's
/// vb2 exported, as a hardware decoder's v4l2 driver does, and the display
/// imports them: the video plane shows a framebuffer on an imported GEM
/// object (not one of our dumb buffers), the capture shows the card's bars,
/// and the log says frames are imported.
#[test]
fn a_capture_cards_dma_bufs_are_imported_onto_the_video_plane() {
    let dir = prepare_with(
        "import",
        true,
        Some("#EXTM3U\n#EXTINF:-1 tvg-chno=\"1\",Council Camera\nv4l2:///dev/video0\n"),
    );
    let (ok, output) = run_box(&dir, "import", &["--overlay", "--writeback"]);
    let why = format!(
        "{}\n--- vivid.log\n{}",
        evidence(&dir, &output),
        read(&dir, "vivid.log")
    );
    assert!(ok, "the guest script failed\n{why}");
    let log = read(&dir, "app.err");
    assert!(
        log.contains("video: frames imported from the decoder's DMA-BUFs (XRGB8888, zero-copy)"),
        "the import path is in force\n{why}"
    );
    assert!(
        !log.contains("cannot import"),
        "no import was refused\n{why}"
    );
    let state = read(&dir, "first.state");
    let blocks = plane_blocks(&state);
    let imported: Vec<_> = blocks
        .iter()
        .filter(|(_, b)| b.contains("imported=yes"))
        .collect();
    assert_eq!(
        imported.len(),
        1,
        "one plane shows an imported buffer: {blocks:?}\n{state}"
    );
    assert!(
        imported[0].1.contains("format=XR24") && imported[0].1.contains("size=1024x768"),
        "the capture's BGRx frame at its own size: {}",
        imported[0].1
    );
    assert!(
        blocks
            .iter()
            .any(|(_, b)| b.contains("format=AR24") && b.contains("imported=no")),
        "the UI on our own dumb buffer above it: {blocks:?}"
    );
    let shot = Shot::load(&dir.join("first.png"));
    // vivid's eight bars: white, yellow, cyan, green, magenta, red, blue, black.
    assert!(
        is_yellow(shot.at(1.5 / 8.0, 0.4)) && is_magenta(shot.at(4.5 / 8.0, 0.4)),
        "vivid's 75% bars on screen: {:?} {:?}\n{why}",
        shot.at(1.5 / 8.0, 0.4),
        shot.at(4.5 / 8.0, 0.4)
    );
}
