//! The demo headend over real HTTP on loopback, and the CLI conventions around it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{get, headend};
use hustings::headend::DEMO_CHANNELS;

#[test]
fn lineup_lists_every_demo_channel_with_a_unicast_fallback() {
    let (status, body) = get(&format!("{}lineup.m3u", headend().url()));
    assert_eq!(status, 200);
    let lineup = hustings::lineup::parse_bytes(&body, "lineup.m3u").unwrap();
    assert!(lineup.warnings.is_empty(), "{:?}", lineup.warnings);
    let names: Vec<_> = lineup.channels.iter().map(|c| c.name.as_str()).collect();
    let expected: Vec<_> = DEMO_CHANNELS.iter().map(|c| c.name).collect();
    assert_eq!(names, expected);
    for ch in &lineup.channels {
        let hls = ch
            .urls()
            .find(|u| u.ends_with("index.m3u8"))
            .expect("an HLS URL");
        assert!(hls.starts_with(headend().url()));
        if headend().multicast() {
            assert!(ch.url.starts_with("udp://@239.255."), "{}", ch.url);
        }
    }
    assert_eq!(
        lineup.guide_url(),
        Some(format!("{}guide.xml.gz", headend().url()).as_str())
    );
}

#[test]
fn unicast_lineup_offers_hls_only() {
    let (_, body) = get(&format!("{}lineup-unicast.m3u", headend().url()));
    let lineup = hustings::lineup::parse_bytes(&body, "lineup-unicast.m3u").unwrap();
    assert!(
        lineup
            .channels
            .iter()
            .all(|c| c.url.starts_with("http://") && c.fallback_urls.is_empty())
    );
}

#[test]
fn guide_has_now_and_next_for_every_channel() {
    let (status, body) = get(&format!("{}guide.xml.gz", headend().url()));
    assert_eq!(status, 200);
    let guide = hustings::guide::parse_xmltv_bytes(&body, "guide.xml.gz").unwrap();
    let now = common::clock().now();
    for ch in DEMO_CHANNELS {
        let (on_air, next) = guide.now_next(ch.id, now);
        assert!(on_air.is_some() && next.is_some(), "{}", ch.id);
    }
    // The guide the tests' clock gives (common::CLOCK_START, 10:07): the
    // programme on air began at 10:00 and the next one begins at 10:30, 23
    // minutes away, so "the next programme is in the future" holds in every test.
    let (on_air, next) = guide.now_next("civic-one", now);
    let (on_air, next) = (on_air.unwrap(), next.unwrap());
    assert_eq!(on_air.title, "Campaign Trail");
    assert_eq!(on_air.start, common::CLOCK_START - 7 * 60);
    assert_eq!(next.start, common::CLOCK_START + 23 * 60);
    assert_eq!(next.title, "Town Hall: Housing and Rents");
}

#[test]
fn every_channel_serves_a_live_hls_playlist_with_segments() {
    for ch in DEMO_CHANNELS {
        let url = common::hls_url(ch.id);
        let (status, body) = get(&url);
        assert_eq!(status, 200, "{url}");
        let p = hustings::archive::summarize_media_playlist(&body, &url).unwrap();
        assert!(
            p.live && p.segments >= 2 && p.target_duration_s == 1,
            "{url}: {p:?}"
        );
    }
}

#[test]
fn logos_are_svg_and_unknown_ones_are_404() {
    let (status, body) = get(&format!("{}logos/civic-one.svg", headend().url()));
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).starts_with("<svg"));
    assert_eq!(get(&format!("{}logos/nope.svg", headend().url())).0, 404);
}

#[test]
fn headend_command_prints_its_url_first_and_serves_there() {
    let state = common::scratch("headend-cli");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args([
            "headend",
            "--bind",
            "127.0.0.1:0",
            "--multicast",
            "off",
            "--state",
        ])
        .arg(&state)
        .args(common::clock_arg())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&first).expect("first line is JSON");
    let url = v["url"].as_str().expect("url").to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );
    let (status, body) = get(&format!("{url}lineup.m3u"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("hls/civic-one/index.m3u8"));
}

#[test]
fn lineup_check_reads_the_headend_lineup_as_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args([
            "lineup",
            "check",
            "--json",
            &format!("{}lineup.m3u", headend().url()),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["channels"].as_array().unwrap().len(), DEMO_CHANNELS.len());
}

#[test]
fn lineup_check_names_the_file_or_url_it_cannot_use() {
    let dir = common::scratch("lineup-check");
    let html = dir.join("page.html");
    std::fs::write(&html, "<html><body>not a playlist</body></html>").unwrap();
    let dead = "http://127.0.0.1:9/lineup.m3u";
    for (source, needle) in [
        (html.display().to_string(), "not an M3U playlist"),
        (dead.to_string(), ""),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_hustings"))
            .args(["lineup", "check", &source])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{source} should fail");
        assert!(
            stderr.contains(&source) && stderr.contains(needle),
            "{stderr}"
        );
    }
}
