//! The windowed app under a virtual X server (Xvfb): it opens, plays the first
//! channel and reports the zap once its first frame is drawn.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

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
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
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
