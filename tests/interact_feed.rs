//! The interactive feed as a box loads it over real HTTP (a small static
//! server on loopback): a malformed or oversize feed is refused with an error
//! naming its URL and the previous feed stays in force; a good new feed
//! replaces it; an unsponsored item is shown only when configured; a
//! structured sponsor lacking what the configured jurisdiction requires is
//! refused naming the feed and the item.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

/// Serves `root` on an ephemeral loopback port.
fn serve(root: &Path) -> String {
    let listener = common::runtime()
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(root));
    common::runtime().spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/")
}

/// Writes the feed with its own modification time: the static server
/// answers conditional GETs by Last-Modified (one-second resolution), so
/// each version must look newer than the last.
fn publish(file: &Path, body: &[u8], version: u64) {
    std::fs::write(file, body).unwrap();
    let f = std::fs::File::options().write(true).open(file).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + version * 3600))
        .unwrap();
}

fn list(config: &Path, state: &Path) -> (Vec<String>, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["--config", config.to_str().unwrap()])
        .args(["--state", state.to_str().unwrap()])
        .args(["interact", "list", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    (ids, stderr)
}

/// A feed of polls, each (id, with a sponsor line).
fn feed(polls: &[(&str, bool)]) -> String {
    let items: Vec<String> = polls
        .iter()
        .map(|(id, sponsor)| {
            format!(
                r#"{{"id": "{id}", "kind": "poll", "where": "all",
                    "when": {{"start": "2020-01-01T00:00:00Z", "end": "2099-01-01T00:00:00Z"}},
                    "title": "Poll {id}", "question": "Which?",
                    "options": [{{"id": "a", "label": "A"}}, {{"id": "b", "label": "B"}}],
                    "submit": "/api/v1/submissions"{}}}"#,
                if *sponsor {
                    r#", "sponsor": "Paid for by Test""#
                } else {
                    ""
                }
            )
        })
        .collect();
    format!(r#"{{"version": 1, "items": [{}]}}"#, items.join(","))
}

#[test]
fn a_malformed_or_oversize_feed_is_refused_naming_the_url_and_the_previous_stays() {
    let root = common::scratch("interact-feed-server");
    let state = common::scratch("interact-feed-box");
    let base = serve(&root);
    let url = format!("{base}feed.json");
    let config = state.join("config.toml");
    // These feeds are unsigned: signatures are another test's subject.
    std::fs::write(
        &config,
        format!("[feeds]\ninteract = [\"{url}\"]\n[trust.interact]\npolicy = \"off\"\n"),
    )
    .unwrap();
    let file = root.join("feed.json");

    publish(&file, feed(&[("first", true)]).as_bytes(), 1);
    let (ids, stderr) = list(&config, &state);
    assert_eq!(ids, ["first"], "{stderr}");

    publish(&file, br#"{"version": 1, "items": [{"id": "x""#, 2);
    let (ids, stderr) = list(&config, &state);
    assert_eq!(ids, ["first"], "the previous feed stays in force: {stderr}");
    assert!(
        stderr.contains(&format!("{url}: not an interactive feed")),
        "{stderr}"
    );
    assert!(
        stderr.contains("the previous feed stays in force"),
        "{stderr}"
    );

    // Valid JSON, but over the 1 MB limit.
    let padding = "x".repeat(1024 * 1024);
    let big = feed(&[("big", true)]).replacen(
        "\"version\": 1,",
        &format!("\"version\": 1, \"publisher\": \"{padding}\","),
        1,
    );
    publish(&file, big.as_bytes(), 3);
    let (ids, stderr) = list(&config, &state);
    assert_eq!(ids, ["first"], "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{url}: interactive feed is larger than 1048576 bytes"
        )),
        "{stderr}"
    );

    // The headend goes away: the cached feed is still in force.
    std::fs::remove_file(&file).unwrap();
    let (ids, stderr) = list(&config, &state);
    assert_eq!(ids, ["first"], "{stderr}");
    assert!(stderr.contains("HTTP 404"), "{stderr}");

    // A good new feed replaces the old one.
    publish(
        &file,
        feed(&[("second", true), ("third", true)]).as_bytes(),
        4,
    );
    let (ids, stderr) = list(&config, &state);
    assert_eq!(ids, ["second", "third"], "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn an_unsponsored_item_is_shown_only_when_configured() {
    let root = common::scratch("interact-sponsor-server");
    let state = common::scratch("interact-sponsor-box");
    let url = format!("{}feed.json", serve(&root));
    let mixed = feed(&[("paid", true), ("unpaid", false)]);
    publish(&root.join("feed.json"), mixed.as_bytes(), 1);
    let config = state.join("config.toml");
    let unsigned = "[trust.interact]\npolicy = \"off\"\n";
    std::fs::write(
        &config,
        format!("[feeds]\ninteract = [\"{url}\"]\n{unsigned}"),
    )
    .unwrap();
    let (ids, stderr) = list(&config, &state);
    assert_eq!(ids, ["paid"], "{stderr}");
    assert!(
        stderr.contains("item 1 (unpaid): no sponsor line"),
        "{stderr}"
    );
    std::fs::write(
        &config,
        format!(
            "[feeds]\ninteract = [\"{url}\"]\n[interact]\nallow_unsponsored = true\n{unsigned}"
        ),
    )
    .unwrap();
    let (ids, _) = list(&config, &state);
    assert_eq!(ids, ["paid", "unpaid"]);
}

#[test]
fn a_uk_box_refuses_a_sponsor_without_an_address_naming_the_feed_and_the_item() {
    let root = common::scratch("interact-imprint-server");
    let state = common::scratch("interact-imprint-box");
    let url = format!("{}feed.json", serve(&root));
    let body = feed(&[("addressed", true), ("nameonly", true)])
        .replacen(
            r#""sponsor": "Paid for by Test""#,
            r#""sponsor": {"name": "Test", "address": "1 High St"}"#,
            1,
        )
        .replacen(
            r#""sponsor": "Paid for by Test""#,
            r#""sponsor": {"name": "Test"}"#,
            1,
        );
    publish(&root.join("feed.json"), body.as_bytes(), 1);
    let config = state.join("config.toml");
    let write = |extra: &str| {
        std::fs::write(
            &config,
            format!("[feeds]\ninteract = [\"{url}\"]\n[trust.interact]\npolicy = \"off\"\n{extra}"),
        )
        .unwrap()
    };
    // (configuration, the items shown)
    let table: &[(&str, &[&str])] = &[
        ("", &["addressed", "nameonly"]),
        ("[transparency]\njurisdiction = \"uk\"\n", &["addressed"]),
        (
            "[transparency]\njurisdiction = \"uk\"\n[interact]\nallow_unsponsored = true\n",
            &["addressed"],
        ),
    ];
    for (extra, want) in table {
        write(extra);
        let (ids, stderr) = list(&config, &state);
        assert_eq!(&ids, want, "{extra}: {stderr}");
        if want.len() == 1 {
            let line = format!("{url}: item 1 (nameonly): sponsor \"Test\" has no address");
            assert!(stderr.contains(&line), "{extra}: {stderr}");
        }
    }
}

#[test]
fn an_unsigned_or_forged_feed_is_refused_by_default_naming_the_url_and_a_signed_one_is_shown() {
    use hustings::trust::{FeedComment, FeedKind, SigningKey};
    let root = common::scratch("interact-signed-server");
    let state = common::scratch("interact-signed-box");
    let url = format!("{}feed.json", serve(&root));
    let key = SigningKey::generate().unwrap();
    let config = state.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[feeds]\ninteract = [\"{url}\"]\n[trust.interact]\nkeys = [\"{}\"]\n",
            key.public_key_base64()
        ),
    )
    .unwrap();
    let file = root.join("feed.json");
    let sign = |body: &[u8], version: u64| {
        let comment = FeedComment {
            kind: FeedKind::Interact,
            version,
            expires: chrono::Utc::now().timestamp() + 3600,
        };
        std::fs::write(
            root.join("feed.json.minisig"),
            key.sign(body, &comment).unwrap().into_bytes(),
        )
        .unwrap();
    };

    // Unsigned: interactive feeds are `required` unless configured otherwise.
    publish(&file, feed(&[("unsigned", true)]).as_bytes(), 1);
    let (ids, stderr) = list(&config, &state);
    assert!(ids.is_empty(), "{ids:?}");
    assert!(
        stderr.contains(&format!(
            "{url}: rejected: no signature, and interact feeds must be signed"
        )),
        "{stderr}"
    );

    let good = feed(&[("signed", true)]);
    publish(&file, good.as_bytes(), 2);
    sign(good.as_bytes(), 2);
    let (ids, stderr) = list(&config, &state);
    assert_eq!(ids, ["signed"], "{stderr}");

    // A forged body under the old signature: refused, the signed one stays.
    publish(&file, feed(&[("forged", true)]).as_bytes(), 3);
    let (ids, stderr) = list(&config, &state);
    assert_eq!(ids, ["signed"], "{stderr}");
    assert!(
        stderr.contains(&format!("{url}: rejected: bad signature")),
        "{stderr}"
    );
    assert!(
        stderr.contains("the previous feed stays in force"),
        "{stderr}"
    );
}
