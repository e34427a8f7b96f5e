//! Interrupted and damaged downloads against a `hustings headend` process
//! of each test's own, read through the headend's request log
//! (`--request-log`: a `start` line when a request arrives, a `done` line
//! once its whole body went out).
//!
//! - The headend is SIGKILLed in the middle of a segment (it sends segments
//!   slowly, `--segment-rate`, and the kill comes at a seeded moment inside
//!   one), started again, and the download resumed: no segment is sent
//!   whole twice, the resumed run asks for none the first one completed, and
//!   the item plays from the cache (the product's player, then every frame
//!   decoded by GStreamer).
//! - The catalogue gives each segment's SHA-256; the headend damages one
//!   segment once on the way and another three times (`--damage`): the first
//!   is fetched again and kept good; the second fails the download without
//!   the item ever being marked downloaded, and the next run completes it.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};

const ITEM: &str = "price-transport";
const SEGMENTS: usize = 10;

/// The demo archive, made once for the binary and copied into each
/// headend's state (encoding it takes a while).
fn headend_state(name: &str) -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let t = common::scratch("archive-faults-template");
        gstreamer::init().unwrap();
        hustings::headend::archive::generate(&t.join("archive"), common::CLOCK_START).unwrap();
        t
    });
    let state = common::scratch(name);
    let status = Command::new("cp")
        .args(["-a", &format!("{}/.", template.display())])
        .arg(&state)
        .status()
        .unwrap();
    assert!(status.success());
    state
}

/// The headend process, killed when the test ends (even by a panic).
use common::KillOnDrop as Headend;

fn start_headend(port: u16, state: &Path, extra: &[&str]) -> Headend {
    let (child, url) = common::headend_process(&format!("127.0.0.1:{port}"), state, extra);
    let headend = Headend(child);
    let catalogue = format!("{url}archive/catalogue.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while common::get(&catalogue).0 != 200 {
        assert!(Instant::now() < deadline, "no catalogue at {catalogue}");
        std::thread::sleep(Duration::from_millis(100));
    }
    headend
}

fn hustings(port: u16, state: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hustings"));
    c.args(["--server", &format!("http://127.0.0.1:{port}/")])
        .args(["--state", state.to_str().unwrap()])
        .args(common::clock_arg())
        .args(args);
    c
}

fn segment_path(i: usize) -> String {
    format!("/archive/{ITEM}/seg{i:03}.ts")
}

/// (start lines, done lines) for `path` in the log text.
fn count(log: &str, path: &str) -> (usize, usize) {
    let start = format!("start GET {path}");
    let done = format!("done GET {path} 200");
    (
        log.lines().filter(|l| *l == start).count(),
        log.lines().filter(|l| *l == done).count(),
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn manifest(state: &Path) -> serde_json::Value {
    let path = state.join(format!("cache/archive/{ITEM}/manifest.json"));
    serde_json::from_str(&read(&path)).unwrap_or(serde_json::Value::Null)
}

/// Decodes every video frame of the cached segments with GStreamer, as
/// fast as it can; returns how many there were.
fn decode_all(state: &Path, scratch: &Path) -> usize {
    use gstreamer::prelude::*;
    gstreamer::init().unwrap();
    let dir = state.join(format!("cache/archive/{ITEM}"));
    let mut all = Vec::new();
    for i in 0..SEGMENTS {
        all.extend(std::fs::read(dir.join(format!("seg{i:05}.ts"))).unwrap());
    }
    let file = scratch.join("whole.ts");
    std::fs::write(&file, all).unwrap();
    let pipeline = gstreamer::parse::launch(&format!(
        "filesrc location={} ! tsdemux ! h264parse ! avdec_h264 ! fakesink name=sink sync=false signal-handoffs=true",
        file.display()
    ))
    .unwrap();
    let frames = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sink = pipeline
        .downcast_ref::<gstreamer::Bin>()
        .unwrap()
        .by_name("sink")
        .unwrap();
    let f = frames.clone();
    sink.connect("handoff", false, move |_| {
        f.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        None
    });
    pipeline.set_state(gstreamer::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let msg = bus
        .timed_pop_filtered(
            gstreamer::ClockTime::from_seconds(60),
            &[gstreamer::MessageType::Eos, gstreamer::MessageType::Error],
        )
        .expect("decoding ends");
    pipeline.set_state(gstreamer::State::Null).unwrap();
    if let gstreamer::MessageView::Error(e) = msg.view() {
        panic!(
            "the downloaded speech does not decode: {} ({:?})",
            e.error(),
            e.debug()
        );
    }
    frames.load(std::sync::atomic::Ordering::SeqCst)
}

#[test]
fn a_headend_killed_inside_a_segment_costs_no_segment_twice_and_the_item_plays() {
    let seed: u64 = std::env::var("ARCHIVE_FAULTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("seed {seed} (ARCHIVE_FAULTS_SEED={seed} repeats the moment)");
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let port = common::free_port();
    let hstate = headend_state("dl-kill-headend");
    let state = common::scratch("dl-kill-box");
    let log = hstate.join("requests.log");
    let log_arg = log.to_str().unwrap();
    // 256 KB/s: a segment (100 to 250 KB) takes most of a second to send.
    const RATE: u64 = 256_000;
    let mut server = start_headend(
        port,
        &hstate,
        &[
            "--request-log",
            log_arg,
            "--segment-rate",
            &RATE.to_string(),
        ],
    );

    // The segment to die in, and when inside it.
    let k = rng.random_range(1..SEGMENTS - 1);
    let size = std::fs::metadata(hstate.join(format!("archive/{ITEM}/seg{k:03}.ts")))
        .unwrap()
        .len();
    let send_time = Duration::from_secs_f64(size as f64 / RATE as f64);
    let into = send_time.mul_f64(rng.random_range(0.15..0.85));
    eprintln!(
        "killing the headend {into:?} into segment {k} ({size} bytes, {send_time:?} to send)"
    );

    let mut dl = hustings(port, &state, &["archive", "download", ITEM])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = dl.stderr.take().unwrap();
    let progress = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let seg = segment_path(k);
    while count(&read(&log), &seg).0 == 0 {
        assert!(Instant::now() < deadline, "segment {k} was never asked for");
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(into);
    server.0.kill().unwrap(); // SIGKILL
    server.0.wait().unwrap();
    let status = dl.wait().unwrap();
    let lines = progress.join().unwrap();
    let first_run = read(&log);
    assert_eq!(
        count(&first_run, &seg),
        (1, 0),
        "the kill did not land inside segment {k}:\n{first_run}"
    );
    assert!(!status.success(), "{lines:?}");
    let m = manifest(&state);
    assert_eq!(m["complete"], false);
    assert_eq!(m["segments"].as_array().map(Vec::len), Some(k), "{m}");

    // Back, at full speed: the download resumes where it stopped.
    let _server = start_headend(port, &hstate, &["--request-log", log_arg]);
    let out = hustings(port, &state, &["archive", "download", ITEM, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["complete"], true);
    assert_eq!(done["segments"], SEGMENTS);
    let whole = read(&log);
    let resumed = &whole[first_run.len()..];
    for i in 0..SEGMENTS {
        let path = segment_path(i);
        // Sent whole exactly once over both runs.
        assert_eq!(count(&whole, &path).1, 1, "{path}:\n{whole}");
        // The resumed run asked only for what the first did not complete.
        let want = usize::from(i >= k);
        assert_eq!(count(resumed, &path).0, want, "{path}:\n{resumed}");
    }
    drop(_server);

    // It plays from the cache with the headend gone ...
    let out = hustings(
        port,
        &state,
        &[
            "archive",
            "play",
            ITEM,
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
    // ... and every one of its frames decodes, the interrupted segment's too.
    let frames = decode_all(&state, &common::scratch("dl-kill-decode"));
    assert_eq!(frames, 20 * 25, "20 s at 25 frames a second");
}

#[test]
fn a_damaged_segment_is_fetched_again_and_never_counted_as_downloaded() {
    let port = common::free_port();
    let hstate = headend_state("dl-damage-headend");
    let state = common::scratch("dl-damage-box");
    let log = hstate.join("requests.log");
    let (once, thrice) = (segment_path(3), segment_path(6));
    let _server = start_headend(
        port,
        &hstate,
        &[
            "--request-log",
            log.to_str().unwrap(),
            "--damage",
            &format!("{once}=1"),
            "--damage",
            &format!("{thrice}=3"),
        ],
    );
    // The catalogue gives the checksums the box checks against.
    let (_, body) = common::get(&format!("http://127.0.0.1:{port}/archive/catalogue.json"));
    let catalogue: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let item = catalogue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == ITEM)
        .unwrap()
        .clone();
    let sums = item["checksums"].as_object().expect("checksums").clone();
    assert_eq!(sums.len(), SEGMENTS, "{item}");

    // Segment 3 is damaged once: fetched again, and the run completes.
    // Segment 6 is damaged on both tries: the run stops there.
    let out = hustings(port, &state, &["archive", "download", ITEM])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{thrice}: the segment does not match its checksum"
        )),
        "{stderr}"
    );
    let text = read(&log);
    assert_eq!(count(&text, &once), (2, 2), "{text}");
    assert_eq!(count(&text, &thrice), (2, 2), "{text}");
    let m = manifest(&state);
    assert_eq!(m["complete"], false, "marked downloaded with a bad segment");
    assert_eq!(m["segments"].as_array().unwrap().len(), 6, "{m}");
    let dir = state.join(format!("cache/archive/{ITEM}"));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    assert!(
        !files
            .iter()
            .any(|f| f == "index.m3u8" || f.ends_with(".part") || f == "seg00006.ts"),
        "{files:?}"
    );
    // Not playable from the cache while it is wrong.
    assert!(!hustings::archive::download::verify(&state.join("cache"), ITEM).unwrap());

    // The next run: one more damaged answer, then a good one.
    let out = hustings(port, &state, &["archive", "download", ITEM, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = read(&log);
    assert_eq!(count(&text, &thrice), (4, 4), "{text}");
    assert_eq!(count(&text, &once), (2, 2), "{text}");
    let m = manifest(&state);
    assert_eq!(m["complete"], true);
    // What is on disk is what the catalogue says, segment by segment.
    for i in 0..SEGMENTS {
        use sha2::Digest;
        let bytes = std::fs::read(dir.join(format!("seg{i:05}.ts"))).unwrap();
        let hex: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            sums[&format!("{ITEM}/seg{i:03}.ts")],
            serde_json::Value::String(hex),
            "segment {i}"
        );
    }
}
