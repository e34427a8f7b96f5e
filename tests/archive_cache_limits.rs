//! The download cache at its limits: a budget respected over many downloads
//! (least recently watched evicted, pinned last), a full disk (a small tmpfs
//! in a private mount namespace) stopping cleanly with what is kept, and
//! hostile playlists served over real HTTP refused naming the URL, with
//! nothing written outside the cache.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::headend;

fn hustings(server: &str, state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["--server", server, "--state", state.to_str().unwrap()])
        .args(common::clock_arg())
        .args(args)
        .output()
        .unwrap()
}

fn wait_for_catalogue() {
    let url = format!("{}archive/catalogue.json", headend().url());
    let deadline = Instant::now() + Duration::from_secs(90);
    while common::get(&url).0 != 200 {
        assert!(Instant::now() < deadline, "no catalogue at {url}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn status(state: &Path, config: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["--config", config.to_str().unwrap()])
        .args(["--state", state.to_str().unwrap()])
        .args(["cache", "status", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn many_downloads_stay_within_the_budget_and_pinned_speeches_go_last() {
    wait_for_catalogue();
    let state = common::scratch("budget-box");
    let config = state.join("config.toml");
    std::fs::write(&config, "[cache]\nbudget_mb = 4\n").unwrap();
    let budget = 4 * 1024 * 1024;
    let mut sizes = Vec::new();
    for id in ["ruiz-housing", "price-transport", "townhall-schools"] {
        let out = Command::new(env!("CARGO_BIN_EXE_hustings"))
            .args(["--config", config.to_str().unwrap()])
            .args(["--server", headend().url()])
            .args(common::clock_arg())
            .args(["--state", state.to_str().unwrap()])
            .args(["archive", "download", id, "--json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{id}: {stderr}");
        let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(done["complete"], true, "{id}");
        sizes.push(done["bytes"].as_u64().unwrap());
        let s = status(&state, &config);
        assert!(
            s["used_bytes"].as_u64().unwrap() <= budget,
            "over budget after {id}: {s}"
        );
        assert_eq!(s["budget_bytes"].as_u64(), Some(budget));
    }
    assert!(
        sizes.iter().sum::<u64>() > budget,
        "the three speeches ({sizes:?} bytes) fit the budget: nothing was evicted"
    );
    let cached = |id: &str| {
        state
            .join("cache/archive")
            .join(id)
            .join("manifest.json")
            .exists()
    };
    assert!(cached("townhall-schools"), "the newest download stays");
    assert!(cached("ruiz-housing"), "the pinned speech is evicted last");
    assert!(
        !cached("price-transport"),
        "the plain one, never watched, went first"
    );
}

#[test]
fn a_full_disk_stops_the_download_cleanly_and_says_so() {
    wait_for_catalogue();
    let state = common::scratch("fulldisk-box");
    let cache = state.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    // A 1 MiB disk for the cache, in a mount namespace of its own: a speech
    // needs about 1.7 MB.
    let script = format!(
        "mount -t tmpfs -o size=1m hustings-test {cache} || exit 90\n\
         {bin} --server {server} --state {state} --clock-start {now} archive download price-transport\n\
         echo \"exit=$?\"\n\
         ls {cache}/archive/price-transport\n\
         cat {cache}/archive/price-transport/manifest.json\n",
        cache = cache.display(),
        bin = env!("CARGO_BIN_EXE_hustings"),
        server = headend().url(),
        now = common::clock().now(),
        state = state.display(),
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(90), "no tmpfs: {stderr}");
    assert!(
        stderr.contains("the disk is full at") && stderr.contains("of 10 segments"),
        "{stderr}"
    );
    assert!(stdout.contains("exit=1"), "{stdout}");
    assert!(
        !stdout.contains(".part"),
        "a half-written file stays behind: {stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l == "index.m3u8"),
        "a partial download became playable: {stdout}"
    );
    let manifest_json = stdout.lines().last().unwrap_or_default();
    let manifest: serde_json::Value = serde_json::from_str(manifest_json).unwrap();
    assert_eq!(manifest["complete"], false);
    let kept = manifest["segments"].as_array().unwrap().len();
    assert!((1..10).contains(&kept), "{kept} segments kept");
}

/// A plain HTTP server for files in `root` (hostile content the headend would never serve).
fn serve(root: &Path) -> String {
    let listener = common::runtime()
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(root));
    common::runtime().spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

#[test]
fn hostile_playlists_are_refused_naming_the_url_and_nothing_leaves_the_cache() {
    let root = common::scratch("hostile-server");
    let dir = root.join("archive");
    std::fs::create_dir_all(&dir).unwrap();
    let head = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n";
    let mut huge = String::from(head);
    while huge.len() < 50 * 1024 * 1024 {
        huge.push_str("#EXTINF:2,\nsegment-with-a-long-name-0000000000000000.ts\n");
    }
    huge.push_str("#EXT-X-ENDLIST\n");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "nan",
            format!("{head}#EXTINF:NaN,\na.ts\n#EXT-X-ENDLIST\n"),
            "duration",
        ),
        (
            "negative",
            format!("{head}#EXTINF:-4,\na.ts\n#EXT-X-ENDLIST\n"),
            "duration",
        ),
        (
            "sequence",
            format!(
                "{head}#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n"
            ),
            "media sequence",
        ),
        (
            "climb",
            format!("{head}#EXTINF:2,\n../../escaped.ts\n#EXT-X-ENDLIST\n"),
            "climbs out",
        ),
        (
            "file",
            format!("{head}#EXTINF:2,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"),
            "not http(s)",
        ),
        ("huge", huge, "larger than"),
    ];
    let items: Vec<serde_json::Value> = cases
        .iter()
        .map(|(id, _, _)| {
            serde_json::json!({"id": id, "title": id, "date": "2026-11-20T18:00:00Z",
                               "duration": 10, "hls": format!("{id}.m3u8")})
        })
        .collect();
    for (id, text, _) in &cases {
        std::fs::write(dir.join(format!("{id}.m3u8")), text).unwrap();
    }
    std::fs::write(
        dir.join("catalogue.json"),
        serde_json::json!({"version": 1, "items": items}).to_string(),
    )
    .unwrap();
    let server = serve(&root);
    let state = common::scratch("hostile-box");
    for (id, _, says) in &cases {
        let out = hustings(&server, &state, &["archive", "download", id]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{id} was accepted");
        let url = format!("{server}archive/{id}.m3u8");
        assert!(
            stderr.contains(&url),
            "{id}: the error names no URL: {stderr}"
        );
        assert!(stderr.contains(says), "{id}: {stderr}");
        let m = state.join("cache/archive").join(id).join("manifest.json");
        assert!(
            !m.exists()
                || !std::fs::read_to_string(&m)
                    .unwrap()
                    .contains("\"complete\":true")
        );
    }
    // Nothing was written beside or above the cache.
    let mut found = Vec::new();
    let mut stack = vec![state.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let in_cache = p.starts_with(state.join("cache"));
                let state_file = p.parent() == Some(state.as_path());
                if p.ends_with("escaped.ts") || !(in_cache || state_file) {
                    found.push(p);
                }
            }
        }
    }
    assert!(found.is_empty(), "written outside the cache: {found:?}");
}

/// Runs the demo for a while with `[cache] pinned_window = window`; returns
/// the ids in its cache that are complete.
fn demo_with_window(name: &str, window: &str) -> Vec<String> {
    let state = common::scratch(&format!("{name}-state"));
    let out = common::scratch(&format!("{name}-out"));
    std::fs::write(
        out.join("config.toml"),
        format!("[cache]\npinned_window = \"{window}\"\n"),
    )
    .unwrap();
    // The demo headend's archive made beforehand (it keeps it in its state),
    // so the box's first refresh finds the catalogue.
    gstreamer::init().unwrap();
    hustings::headend::archive::generate(&state.join("headend/archive"), common::CLOCK_START)
        .unwrap();
    let run = common::demo_script(&state, &out, "wait 12000\n");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut done: Vec<String> = std::fs::read_dir(state.join("cache/archive"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|d| {
            std::fs::read_to_string(d.path().join("manifest.json"))
                .is_ok_and(|m| m.contains("\"complete\":true"))
        })
        .map(|d| d.file_name().to_string_lossy().to_string())
        .collect();
    done.sort();
    done
}

#[test]
fn pinned_speeches_are_fetched_ahead_of_time_inside_the_window_only() {
    // The window around where the demo's clock starts, in the box's time zone.
    let now = chrono::DateTime::from_timestamp(common::CLOCK_START, 0)
        .unwrap()
        .with_timezone(&chrono::Local)
        .time();
    let hhmm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    let inside = format!(
        "{}-{}",
        hhmm(now - chrono::Duration::minutes(30)),
        hhmm(now + chrono::Duration::minutes(30))
    );
    let outside = format!(
        "{}-{}",
        hhmm(now + chrono::Duration::hours(2)),
        hhmm(now + chrono::Duration::hours(3))
    );
    assert_eq!(
        demo_with_window("pinned-in", &inside),
        ["ruiz-housing"],
        "the featured speech, and only it, is fetched inside {inside}"
    );
    assert!(
        demo_with_window("pinned-out", &outside).is_empty(),
        "nothing is fetched outside {outside}"
    );
}
