//! Sign-up privacy against the real headend: without consent nothing is
//! stored on the box or sent to the server; with consent the form reaches the
//! server, and once acknowledged no byte of it is left in the box's outbox
//! files, nor in its logs.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hustings(state: &Path, args: &[&str]) -> Output {
    // The box trusts the headend's key: its interactive feed is signed, and
    // interactive feeds are refused unsigned.
    let config = state.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[trust.interact]\nkeys = [\"{}\"]\n",
            common::headend().demo_public_key()
        ),
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["--config", config.to_str().unwrap()])
        .args(["--server", common::headend().url()])
        .args(common::clock_arg())
        .args(["--state", state.to_str().unwrap()])
        .args(args)
        // Debug logs from every crate: personal data must not be in any of them.
        .env("HUSTINGS_LOG", "debug")
        .output()
        .unwrap()
}

/// Whether any of `files` (missing ones skipped) contains `needle`.
fn found_in(files: &[PathBuf], needle: &str) -> bool {
    files.iter().any(|f| {
        std::fs::read(f)
            .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            .unwrap_or(false)
    })
}

fn db_files(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| {
            let mut p = db.as_os_str().to_owned();
            p.push(s);
            PathBuf::from(p)
        })
        .collect()
}

/// The shared headend's submissions database.
fn server_db() -> Vec<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("headend-{}", std::process::id()));
    db_files(&dir.join("interact.sqlite3"))
}

fn form(email: &str) -> Vec<String> {
    [
        "name=Ana Tracer",
        &format!("email={email}"),
        "phone=020 7946 0018",
        "postcode=sw1a 1aa",
        "team=doors",
    ]
    .iter()
    .flat_map(|f| ["--field".to_string(), f.to_string()])
    .collect()
}

#[test]
fn a_signup_without_consent_is_neither_stored_nor_sent() {
    let state = common::scratch("interact-no-consent");
    let email = "no-consent-4b1d@example.org";
    let mut args = vec!["interact", "signup", "volunteer"];
    let fields = form(email);
    args.extend(fields.iter().map(String::as_str));
    let out = hustings(&state, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("consent not given") && stderr.contains("nothing was stored or sent"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Privacy notice:"),
        "the notice is shown: {stderr}"
    );

    let pending = hustings(&state, &["interact", "outbox", "--json"]);
    assert_eq!(String::from_utf8_lossy(&pending.stdout).trim(), "[]");
    let outbox = state.join("outbox.sqlite3");
    assert!(
        outbox.exists(),
        "the outbox was opened (the scan is not of nothing)"
    );
    assert!(!found_in(&db_files(&outbox), email), "stored on the box");
    assert!(!found_in(&server_db(), email), "sent to the server");
    assert!(!stderr.contains(email), "logged");
}

#[test]
fn an_invalid_form_is_refused_before_anything_is_stored() {
    let state = common::scratch("interact-invalid");
    let mut args = vec!["interact", "signup", "volunteer", "--consent"];
    let fields = form("invalid-9c2e@example.org");
    args.extend(fields.iter().map(String::as_str));
    args.extend(["--field", "postcode=75008"]);
    let out = hustings(&state, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("postcode: not a postcode of GB"),
        "{stderr}"
    );
    let pending = hustings(&state, &["interact", "outbox", "--json"]);
    assert_eq!(String::from_utf8_lossy(&pending.stdout).trim(), "[]");
    assert!(!found_in(&server_db(), "invalid-9c2e@example.org"));
}

#[test]
fn after_acknowledgement_the_personal_data_is_gone_from_the_box() {
    let state = common::scratch("interact-acked");
    let email = "acked-e5a1@example.org";
    let mut args = vec!["interact", "signup", "volunteer", "--consent"];
    let fields = form(email);
    args.extend(fields.iter().map(String::as_str));
    let out = hustings(&state, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("saved "));
    assert!(stderr.contains("the outbox is empty"), "{stderr}");

    // It reached the server (so the scans below can see such bytes) ...
    assert!(found_in(&server_db(), email), "not on the server");
    // ... and left nothing on the box: not in the database, its WAL or its
    // shared memory, not in the logs.
    assert!(!found_in(&db_files(&state.join("outbox.sqlite3")), email));
    assert!(!stderr.contains(email), "logged: {stderr}");
    assert!(!stderr.contains("Tracer"), "logged: {stderr}");
    // The phone number, as typed and in any normalised form, and the postcode.
    for needle in ["020 7946 0018", "2079460018", "7946 0018", "SW1A", "sw1a"] {
        assert!(!stderr.contains(needle), "{needle} logged: {stderr}");
    }
    // The logs were at debug level and did say something (the scan is not of nothing).
    assert!(stderr.contains("verified"), "{stderr}");
    let pending = hustings(&state, &["interact", "outbox", "--json"]);
    assert_eq!(String::from_utf8_lossy(&pending.stdout).trim(), "[]");
}
