//! Downloading a speech for offline viewing, against a headend of its own
//! (a `hustings headend` process): the headend is killed halfway through a
//! download and started again, the download resumes and completes with every
//! segment verified, and the speech then plays from the cache with the
//! headend gone. The cache reports what it holds.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `hustings headend` on `port` with `state`; returns once its
/// archive catalogue is served.
fn headend(port: u16, state: &Path) -> Child {
    let (child, _) = common::headend_process(&format!("127.0.0.1:{port}"), state, &[]);
    let url = format!("http://127.0.0.1:{port}/archive/catalogue.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while common::get(&url).0 != 200 {
        assert!(Instant::now() < deadline, "no catalogue at {url}");
        std::thread::sleep(Duration::from_millis(200));
    }
    child
}

fn hustings(port: u16, state: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hustings"));
    c.args(["--server", &format!("http://127.0.0.1:{port}/")])
        .args(["--state", state.to_str().unwrap()])
        .args(common::clock_arg())
        .args(args);
    c
}

#[test]
fn a_download_survives_the_headend_dying_and_plays_offline() {
    let port = common::free_port();
    let headend_state = common::scratch("dl-headend");
    let state = common::scratch("dl-box");
    let mut server = headend(port, &headend_state);

    // Start downloading, then kill the headend after a few segments.
    let mut dl = hustings(port, &state, &["archive", "download", "price-transport"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(dl.stderr.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("progress").unwrap();
        if line.starts_with("3/") {
            break;
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let status = dl.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let manifest_path = state.join("cache/archive/price-transport/manifest.json");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    if !status.success() {
        assert_eq!(manifest["complete"], false, "{rest:?}");
        assert!(
            !state
                .join("cache/archive/price-transport/index.m3u8")
                .exists(),
            "partial is never playable"
        );
    }

    // The headend comes back; the download resumes and completes.
    let mut server = headend(port, &headend_state);
    let out = hustings(
        port,
        &state,
        &["archive", "download", "price-transport", "--json"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["complete"], true);
    assert_eq!(done["segments"], 10, "20 s in 2 s segments");

    // Pinned and plain items, counted by the cache.
    let out = hustings(
        port,
        &state,
        &["archive", "download", "ruiz-housing", "--json"],
    )
    .output()
    .unwrap();
    assert!(out.status.success());
    let out = hustings(port, &state, &["cache", "status", "--json"])
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (s["items"].as_u64(), s["pinned"].as_u64()),
        (Some(2), Some(1)),
        "{s}"
    );
    assert!(s["used_bytes"].as_u64().unwrap() > 100_000, "{s}");

    // The headend goes away for good: the speech plays from the cache.
    server.kill().unwrap();
    server.wait().unwrap();
    let out = hustings(
        port,
        &state,
        &[
            "archive",
            "play",
            "price-transport",
            "--headless",
            "--json",
            "--seconds",
            "1",
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("from the cache"), "{stderr}");
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert!(first["first_frame_ms"].as_u64().is_some(), "{first}");

    // The TV app plays the downloaded speech from the cache too.
    let out_dir = common::scratch("dl-ui");
    let out = common::demo_script(
        &state,
        &out_dir,
        "wait 4000\nMenu\nDown\nDown\nDown\nOk\nwait 3000\nDown\nOk\nwait 2000\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("playing from the cache"),
        "the app streamed it instead: {}",
        stderr
            .lines()
            .filter(|l| l.contains("archive"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    // A damaged segment is found; the item is no longer complete.
    let seg = state.join("cache/archive/price-transport/seg00004.ts");
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[1000] ^= 0xff;
    std::fs::write(&seg, bytes).unwrap();
    let out = hustings(
        port,
        &state,
        &[
            "archive",
            "play",
            "price-transport",
            "--headless",
            "--seconds",
            "1",
        ],
    )
    .output()
    .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("from the cache"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    assert_eq!(
        manifest["complete"], false,
        "a corrupted segment unmarks the item"
    );
}
