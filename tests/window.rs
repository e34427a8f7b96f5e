//! The windowed app under a virtual X server (Xvfb): it opens, plays the first
//! channel and reports the zap once its first frame is drawn.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The app's stdout, a line at a time, read on a thread of its own.
fn lines_of(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn demo_opens_a_window_and_draws_the_first_channel() {
    let state = common::scratch("window-state");
    let xvfb = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .unwrap();
    assert!(
        xvfb.status.success(),
        "xvfb-run is missing: `make test` installs the xvfb package"
    );
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_hustings"))
        .args(["--state", state.to_str().unwrap(), "demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    let line = rx.recv_timeout(Duration::from_secs(60));
    // xvfb-run runs the app as a child; stop the whole group.
    let _ = Command::new("pkill")
        .args(["-TERM", "-P", &child.id().to_string()])
        .status();
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("the window reported no zap within 60 s");
    let v: serde_json::Value = serde_json::from_str(&line).expect(&line);
    assert_eq!(v["channel"], "Civic One");
    assert!(v["first_frame_ms"].as_u64().is_some());
}

#[test]
fn the_windows_keys_go_through_the_configured_key_map() {
    let state = common::scratch("window-keys");
    let dir = common::scratch("window-keys-config");
    // A key the built-in map leaves out: only the configured map makes it zap.
    let keys = dir.join("keys.toml");
    std::fs::write(&keys, "[keyboard]\nx = \"ChannelUp\"\n").unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[input]\nkeymap = {:?}\n", keys.display().to_string()),
    )
    .unwrap();
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .args([
            "sh",
            "-c",
            "echo \"X $DISPLAY $XAUTHORITY\" >&2; exec \"$0\" \"$@\"",
        ])
        .arg(env!("CARGO_BIN_EXE_hustings"))
        .args(["--config", config.to_str().unwrap()])
        .args(["--state", state.to_str().unwrap(), "demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut stderr_lines = stderr.lines().map_while(Result::ok);
    let x = stderr_lines
        .find(|l| l.starts_with("X "))
        .expect("xvfb-run started no display");
    std::thread::spawn(move || stderr_lines.for_each(drop));
    let mut x = x.split(' ').skip(1);
    let (display, xauthority) = (
        x.next().unwrap().to_string(),
        x.next().unwrap_or("").to_string(),
    );
    let rx = lines_of(child.stdout.take().unwrap());
    let channel = |line: Result<String, mpsc::RecvTimeoutError>| {
        line.ok().map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l).expect(&l);
            v["channel"].as_str().unwrap_or_default().to_string()
        })
    };
    let first = channel(rx.recv_timeout(Duration::from_secs(60)));
    let press = || {
        Command::new("xdotool")
            .args([
                "search",
                "--sync",
                "--name",
                "Hustings",
                "windowfocus",
                "--sync",
                "key",
                "x",
            ])
            .env("DISPLAY", &display)
            .env("XAUTHORITY", &xauthority)
            .output()
            .expect("xdotool is missing: `make test` installs it")
    };
    let pressed = press();
    let second = channel(rx.recv_timeout(Duration::from_secs(60)));
    let _ = Command::new("pkill")
        .args(["-TERM", "-P", &child.id().to_string()])
        .status();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(first.as_deref(), Some("Civic One"), "the first channel");
    assert!(
        pressed.status.success(),
        "xdotool: {}",
        String::from_utf8_lossy(&pressed.stderr)
    );
    assert_eq!(
        second.as_deref(),
        Some("Council Live"),
        "x (ChannelUp in the configured map) zapped to the next channel"
    );
}
