//! Signed feeds in the box, through the real headend and real SQLite: a
//! tampered catalogue served mid-session is rejected and the previous one
//! stays in force (with its badge); in `hustings demo` the headend's key is
//! pinned, and the archive's badge is on verified items only; Settings >
//! Diagnostics lists each feed's check; the box id is renewed from Settings.

mod common;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use hustings::config::{FeedTrustSettings, TrustSettings};
use hustings::net::HttpClient;
use hustings::store::Store;
use hustings::trust::{Badge, Decision, PinnedKey, TrustGate};
use serde_json::Value;

/// The headend makes its archive in the background; wait for the catalogue.
fn wait_for_catalogue(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while common::get(url).0 != 200 {
        assert!(Instant::now() < deadline, "no catalogue at {url}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn titles(db: &Path) -> Vec<String> {
    let mut t: Vec<String> = Store::open_reader(db)
        .unwrap()
        .archive_items()
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect();
    t.sort();
    t
}

#[test]
fn a_tampered_catalogue_served_mid_session_is_rejected_and_the_previous_one_stays() {
    let headend = common::headend();
    let url = format!("{}archive/catalogue.json", headend.url());
    wait_for_catalogue(&url);
    let state = common::scratch("trust-app-tamper");
    let key = headend.demo_public_key().to_string();
    let id = PinnedKey::from_base64(&key, None, "test").unwrap().id();
    let mut settings = TrustSettings {
        archive: FeedTrustSettings {
            policy: None,
            keys: vec![key],
        },
        ..Default::default()
    };
    settings
        .publishers
        .insert(id.to_string(), "Civic TV".into());
    // The box on the headend's clock: its signatures expire by that clock.
    let gate = TrustGate::open(&settings, &state, common::clock().clone()).unwrap();
    let db = Store::path_in(&state);
    Store::open(&db).unwrap();
    let http = HttpClient::new().unwrap();
    let rt = common::runtime();

    let problem = rt.block_on(hustings::feeds::refresh_archive(
        &http,
        &db,
        &url,
        Some(&gate),
        Default::default(),
    ));
    assert_eq!(problem, None);
    let before = titles(&db);
    assert_eq!(before.len(), 3, "{before:?}");
    let verified = Badge::Verified {
        publisher: "Civic TV".into(),
        key_id: id.to_string(),
    };
    assert_eq!(gate.badge(&url), verified);

    // Mid-session the server starts serving an altered catalogue under the
    // signature of the real one (what a tampered mirror does).
    tamper(&url);

    let problem = rt
        .block_on(hustings::feeds::refresh_archive(
            &http,
            &db,
            &url,
            Some(&gate),
            Default::default(),
        ))
        .expect("the tampered catalogue is refused");
    assert!(
        problem.starts_with(&format!("{url}: rejected: bad signature (key {id})")),
        "{problem}"
    );
    assert!(problem.ends_with("the saved archive stays"), "{problem}");
    // The box still shows the verified catalogue, with its badge.
    assert_eq!(titles(&db), before);
    assert!(!titles(&db).iter().any(|t| t.contains("FORGED")));
    assert_eq!(
        gate.badge(&url),
        verified,
        "the copy in force keeps its badge"
    );
    let status = gate.statuses().into_iter().find(|s| s.url == url).unwrap();
    assert!(matches!(status.last, Decision::Rejected { .. }));
    assert!(
        status.line().ends_with(
            "the feed or its signature was altered; the copy verified by Civic TV stays"
        ),
        "{}",
        status.line()
    );
    let refusals = gate.take_refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].url, url);
    // Asked again, the same refusal is not announced twice.
    rt.block_on(hustings::feeds::refresh_archive(
        &http,
        &db,
        &url,
        Some(&gate),
        Default::default(),
    ));
    assert!(gate.take_refusals().is_empty());
}

/// Makes the shared headend serve an altered catalogue with the signature
/// of the one it served before: the signature is pinned beside the file
/// (`catalogue.json.minisig`, served as it is), then the body is changed.
fn tamper(url: &str) {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("headend-{}", std::process::id()))
        .join("archive");
    let (status, signature) = common::get(&format!("{url}.minisig"));
    assert_eq!(status, 200);
    std::fs::write(root.join("catalogue.json.minisig"), signature).unwrap();
    let file = root.join("catalogue.json");
    let body = std::fs::read_to_string(&file).unwrap();
    let forged = body.replacen("Homes for everyone", "FORGED: homes for nobody", 1);
    assert_ne!(body, forged, "the catalogue has the title to forge");
    let part = root.join("catalogue.json.forged");
    std::fs::write(&part, forged).unwrap();
    // Newer than the copy the box has (Last-Modified has one-second resolution).
    std::fs::File::options()
        .write(true)
        .open(&part)
        .unwrap()
        .set_modified(SystemTime::now() + Duration::from_secs(60))
        .unwrap();
    std::fs::rename(&part, &file).unwrap();
}

fn run(state: &Path, out: &Path, config: &str, script: &str) -> Vec<Value> {
    std::fs::write(out.join("config.toml"), config).unwrap();
    let run = common::demo_script(state, out, script);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_demo_pins_its_headend_and_the_badge_is_on_verified_items_only() {
    let state = common::scratch("trust-demo-state");
    let out = common::scratch("trust-demo-out");
    common::demo_archive(&state);
    // The lineup is not checked here, so what comes from it (catch-up, VOD)
    // is unverified; the catalogue is signed by the demo headend.
    let config = "[cache]\npinned_window = \"off\"\n[trust.lineup]\npolicy = \"off\"\n";
    // Info on the first item (a signed speech), twelve items down, Info on
    // the last (catch-up, from the unchecked lineup).
    let mut script = String::from("wait 4000\nMenu\nDown\nDown\nDown\nOk\nwait 4000\nInfo\n");
    for _ in 0..12 {
        script.push_str("Down\n");
    }
    script.push_str("Info\n");
    // Settings: Signed feeds (row 9), then the box id (row 10), renewed.
    script.push_str("Menu\nDown\nOk\n");
    for _ in 0..9 {
        script.push_str("Down\n");
    }
    script.push_str("Down\nOk\nwait 1500\nUp\nDown\n");
    let lines = run(&state, &out, config, &script);
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    assert_eq!(lines[4]["screen"], "Archive");

    let archive: Vec<String> = [4].into_iter().chain(6..18).map(focus).collect();
    let demo = "verified by Hustings demo headend";
    let (mut signed, mut unsigned) = (0, 0);
    for label in &archive {
        let from_lineup = label.contains("catch-up") || label.contains("video on demand");
        if from_lineup {
            assert!(label.ends_with(", unverified"), "{label}");
            unsigned += 1;
        } else {
            assert!(label.ends_with(demo), "{label}");
            signed += 1;
        }
    }
    assert!(signed >= 3 && unsigned >= 1, "{archive:#?}");

    // Why am I seeing this? The publisher and its key; unverified plainly.
    let key = PinnedKey::from_file(&state.join("headend/trust/demo.pub"), None).unwrap();
    let notice = |i: usize| lines[i]["notice"].as_str().unwrap().to_string();
    assert_eq!(lines[5]["action"], "Info");
    assert!(
        notice(5).starts_with(&format!(
            "Why am I seeing this? Published and signed by Hustings demo headend, signing key {}.",
            key.id()
        )),
        "{}",
        notice(5)
    );
    assert_eq!(lines[18]["action"], "Info");
    assert!(focus(18).contains("catch-up"), "{}", focus(18));
    assert_eq!(
        notice(18),
        "Why am I seeing this? No publisher this box trusts has signed it."
    );

    let diagnostics = lines
        .iter()
        .map(|l| l["focus"].as_str().unwrap())
        .find(|f| f.starts_with("Signed feeds: "))
        .expect("the Signed feeds row");
    assert!(
        diagnostics.contains("/archive/catalogue.json: verified by Hustings demo headend"),
        "{diagnostics}"
    );
    assert!(
        diagnostics.contains("/interact/feed.json: verified by Hustings demo headend"),
        "{diagnostics}"
    );
    assert!(
        diagnostics.contains("/lineup.m3u: unverified: signature checking is off for lineup feeds"),
        "{diagnostics}"
    );
    assert!(!diagnostics.contains("rejected"), "{diagnostics}");

    // The box id: random, shown, renewed by OK and kept by the outbox.
    let ids: Vec<String> = lines
        .iter()
        .filter_map(|l| l["focus"].as_str()?.strip_prefix("Box id: "))
        .map(str::to_string)
        .collect();
    let (first, last) = (ids.first().unwrap(), ids.last().unwrap());
    assert!(first.len() >= 32, "{ids:?}");
    assert_ne!(first, last, "OK made a new id: {ids:?}");
    let outbox = rusqlite::Connection::open(state.join("outbox.sqlite3")).unwrap();
    let stored: String = outbox
        .query_row(
            "SELECT value FROM settings WHERE name = 'box_id'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(&stored, last);
}

#[test]
fn a_refused_catalogue_is_announced_and_listed_in_diagnostics() {
    let state = common::scratch("trust-refused-state");
    let out = common::scratch("trust-refused-out");
    common::demo_archive(&state);
    // The headend serves this file as the catalogue's signature: not one.
    std::fs::write(
        state.join("headend/archive/catalogue.json.minisig"),
        "untrusted comment: forged\nnot a signature\n",
    )
    .unwrap();
    let config = "[cache]\npinned_window = \"off\"\n";
    // No wait first: the notice stays 6 s from the first channel's picture,
    // however slow the start, so it is there when the script starts.
    let mut script = String::from("Menu\nDown\nDown\nDown\nOk\n");
    script.push_str("Menu\nDown\nOk\n");
    for _ in 0..9 {
        script.push_str("Down\n");
    }
    let lines = run(&state, &out, config, &script);
    let notices: Vec<&str> = lines
        .iter()
        .map(|l| l["notice"].as_str().unwrap())
        .collect();
    assert!(
        notices.iter().any(|n| n.starts_with("Not shown: http://")
            && n.contains("/archive/catalogue.json failed its signature check (the signature file is not a minisign signature")
            && n.ends_with("The last verified copy stays.")),
        "{notices:#?}"
    );
    // No speech from the refused catalogue; the lineup's items are there.
    assert_eq!(lines[4]["screen"], "Archive");
    let first = lines[4]["focus"].as_str().unwrap();
    assert!(
        first.contains("video on demand") || first.contains("catch-up"),
        "{first}"
    );
    let diagnostics = lines.last().unwrap()["focus"].as_str().unwrap();
    assert!(
        diagnostics.starts_with("Signed feeds: ")
            && diagnostics.contains(
                "/archive/catalogue.json: rejected: the signature file is not a minisign signature"
            )
            && diagnostics.contains("/lineup.m3u: verified by Hustings demo headend"),
        "{diagnostics}"
    );
}
