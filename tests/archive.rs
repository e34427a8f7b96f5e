//! The speech archive against the real headend: the catalogue and
//! transcripts imported, searched by words said, and a speech played; the
//! command line `hustings archive list|search|play`.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::headend;

fn hustings(state: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args([
            "--server",
            headend().url(),
            "--state",
            state.to_str().unwrap(),
        ])
        .args(common::clock_arg())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The headend makes its archive in the background; wait for the catalogue.
fn wait_for_catalogue() {
    let url = format!("{}archive/catalogue.json", headend().url());
    let deadline = Instant::now() + Duration::from_secs(60);
    while common::get(&url).0 != 200 {
        assert!(Instant::now() < deadline, "no catalogue at {url}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_catalogue_is_imported_searched_and_played() {
    wait_for_catalogue();
    let state = common::scratch("archive-cli");
    let (ok, out, err) = hustings(&state, &["archive", "list", "--json"]);
    assert!(ok, "{err}");
    let items: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["townhall-schools", "price-transport", "ruiz-housing"],
        "newest first"
    );
    assert_eq!(
        items[2]["sponsor"],
        "Paid for by Civic Alliance, 12 High Street"
    );

    // Words said, found in the transcript at the moment they were said.
    let (ok, out, err) = hustings(&state, &["archive", "search", "council control", "--json"]);
    assert!(ok, "{err}");
    let hits: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let hit = hits
        .iter()
        .find(|h| h["at"].is_number())
        .unwrap_or_else(|| panic!("no transcript hit: {out}"));
    assert_eq!(hit["id"], "price-transport");
    assert_eq!(hit["at"], 8.0);
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap()
            .contains("«council» «control»"),
        "{hit}"
    );
    let (ok, out, _) = hustings(&state, &["archive", "search", "ruiz", "--json"]);
    assert!(ok);
    assert!(out.contains("ruiz-housing"), "a speaker: {out}");

    // The second refresh is a 304 and changes nothing.
    let (ok, out, _) = hustings(&state, &["archive", "list"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 3);

    let (ok, out, err) = hustings(
        &state,
        &[
            "archive",
            "play",
            "ruiz-housing",
            "--headless",
            "--json",
            "--seconds",
            "1",
        ],
    );
    assert!(ok, "{err}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert!(first["first_frame_ms"].as_u64().is_some(), "{first}");

    let (ok, _, err) = hustings(&state, &["archive", "play", "nope", "--headless"]);
    assert!(!ok);
    assert!(err.contains("no archive item \"nope\""), "{err}");
}
