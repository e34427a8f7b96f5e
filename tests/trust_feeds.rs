//! Signed feeds end to end, through the real binary.
//!
//! A publisher's tools as processes: `hustings keygen`, `hustings sign`,
//! `hustings verify` (a flipped byte, a wrong kind and a missing signature
//! are refused with their reason and exit 1; a password-protected key signs
//! only with `HUSTINGS_KEY_PASSWORD`). The demo headend as a process
//! (`hustings headend`): every feed it serves has a `.minisig` next to it
//! that verifies with the key at `trust/demo.pub` (the same as in its state
//! directory, and kept across restarts), and a tampered body does not.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use hustings::trust::{Decision, FeedKind, PinnedKey, Policy, Rejection, verify_feed};

fn scratch(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn hustings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(args)
        .env_remove("HUSTINGS_KEY_PASSWORD")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn keygen_sign_and_verify_work_as_commands_and_refuse_a_flipped_byte() {
    let dir = scratch("trust-cli");
    let d = dir.to_str().unwrap();
    let keygen = hustings(&["keygen", "--out", d, "--name", "civic"]);
    assert!(keygen.status.success(), "{keygen:?}");
    let (public, secret) = (dir.join("civic.pub"), dir.join("civic.key"));
    assert!(public.exists() && secret.exists());
    assert!(stdout(&keygen).contains("key id: "), "{}", stdout(&keygen));
    // A second keygen must not overwrite the key.
    assert!(
        !hustings(&["keygen", "--out", d, "--name", "civic"])
            .status
            .success()
    );

    let feed = dir.join("catalogue.json");
    std::fs::write(&feed, b"{\"items\": []}\n").unwrap();
    let f = feed.to_str().unwrap();
    let sign = hustings(&[
        "sign",
        f,
        "--key",
        secret.to_str().unwrap(),
        "--kind",
        "archive",
        "--version",
        "42",
        "--expires",
        "2099-12-31T00:00:00Z",
    ]);
    assert!(sign.status.success(), "{sign:?}");
    let sig = std::fs::read_to_string(dir.join("catalogue.json.minisig")).unwrap();
    assert!(
        sig.contains(
            "trusted comment: hustings-feed kind=archive version=42 expires=2099-12-31T00:00:00Z"
        ),
        "{sig}"
    );

    let pubkey = public.to_str().unwrap();
    let ok = hustings(&["verify", f, "--key", pubkey, "--kind", "archive"]);
    assert!(ok.status.success(), "{ok:?}");
    assert!(
        stdout(&ok).starts_with("verified: ") && stdout(&ok).contains("version 42"),
        "{}",
        stdout(&ok)
    );
    // The base64 key from the configuration works as well as the file.
    let base64 = std::fs::read_to_string(&public).unwrap();
    let base64 = base64.lines().nth(1).unwrap();
    assert!(hustings(&["verify", f, "--key", base64]).status.success());

    let wrong_kind = hustings(&["verify", f, "--key", pubkey, "--kind", "interact"]);
    assert_eq!(wrong_kind.status.code(), Some(1));
    assert!(
        stdout(&wrong_kind).contains("signed as kind=archive, expected kind=interact"),
        "{}",
        stdout(&wrong_kind)
    );

    let mut body = std::fs::read(&feed).unwrap();
    body[3] ^= 0x01;
    std::fs::write(&feed, &body).unwrap();
    let flipped = hustings(&["verify", f, "--key", pubkey]);
    assert_eq!(flipped.status.code(), Some(1), "{flipped:?}");
    assert!(
        stdout(&flipped).starts_with("rejected: ") && stdout(&flipped).contains("bad signature"),
        "{}",
        stdout(&flipped)
    );

    std::fs::remove_file(dir.join("catalogue.json.minisig")).unwrap();
    let unsigned = hustings(&["verify", f, "--key", pubkey]);
    assert_eq!(unsigned.status.code(), Some(1));
    assert!(
        stdout(&unsigned).contains("no signature"),
        "{}",
        stdout(&unsigned)
    );
}

/// Fetches a URL's status and body (a runtime per call: the test is blocking).
fn get(url: &str) -> (u16, Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        match reqwest::get(url).await {
            Ok(r) => (
                r.status().as_u16(),
                r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            ),
            Err(_) => (0, Vec::new()),
        }
    })
}

/// `hustings headend` on a free port with `state`; returns it and its base
/// URL once the archive catalogue is served.
fn headend(state: &Path) -> (Child, String) {
    let (child, url) = common::headend_process("127.0.0.1:0", state, &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&format!("{url}archive/catalogue.json")).0 != 200 {
        assert!(Instant::now() < deadline, "no catalogue at {url}");
        std::thread::sleep(Duration::from_millis(200));
    }
    (child, url)
}

use common::KillOnDrop as Stop;

const FEEDS: &[(&str, FeedKind)] = &[
    ("lineup.m3u", FeedKind::Lineup),
    ("lineup-unicast.m3u", FeedKind::Lineup),
    ("guide.xml.gz", FeedKind::Guide),
    ("guide.xml", FeedKind::Guide),
    ("archive/catalogue.json", FeedKind::Archive),
    ("interact/feed.json", FeedKind::Interact),
];

#[test]
fn the_demo_headend_signs_every_feed_with_a_key_it_keeps() {
    let state = scratch("trust-headend");
    let (child, url) = headend(&state);
    let server = Stop(child);

    let (status, served_key) = get(&format!("{url}trust/demo.pub"));
    assert_eq!(status, 200);
    let on_disk = std::fs::read(state.join("trust/demo.pub")).unwrap();
    assert_eq!(served_key, on_disk, "the served key is the kept one");
    let key = PinnedKey::from_pub_text(
        std::str::from_utf8(&served_key).unwrap(),
        Some("Hustings demo headend"),
        "trust/demo.pub",
    )
    .unwrap();
    // The headend runs on the tests' clock (10:07 of a fixed day), so its
    // guide cannot change between the body and its signature: the guide
    // changes on the half hour only.
    let now = common::clock().now();

    for (feed, kind) in FEEDS {
        let (s1, body) = get(&format!("{url}{feed}"));
        let (s2, sig) = get(&format!("{url}{feed}.minisig"));
        assert_eq!((s1, s2), (200, 200), "{feed}");
        let d = verify_feed(
            &body,
            Some(&sig),
            *kind,
            std::slice::from_ref(&key),
            Policy::Required,
            None,
            now,
        );
        match &d {
            Decision::Verified {
                publisher,
                key_id,
                version,
                expires,
                ..
            } => {
                assert_eq!(publisher, "Hustings demo headend", "{feed}");
                assert_eq!(*key_id, key.id(), "{feed}");
                assert!(*version >= now as u64 - 120, "{feed}: version {version}");
                assert!(*expires > now, "{feed}");
            }
            other => panic!("{feed}: {other:?}"),
        }
        // A tampered body (one byte) is refused with the reason.
        let mut tampered = body.clone();
        let at = tampered.len() / 2;
        tampered[at] ^= 0x20;
        let d = verify_feed(
            &tampered,
            Some(&sig),
            *kind,
            std::slice::from_ref(&key),
            Policy::Required,
            None,
            now,
        );
        assert_eq!(
            d,
            Decision::Rejected {
                why: Rejection::BadSignature { key_id: key.id() }
            },
            "{feed}"
        );
    }
    // The catalogue's signature is not a lineup's.
    let (_, body) = get(&format!("{url}archive/catalogue.json"));
    let (_, sig) = get(&format!("{url}archive/catalogue.json.minisig"));
    let d = verify_feed(
        &body,
        Some(&sig),
        FeedKind::Lineup,
        std::slice::from_ref(&key),
        Policy::Required,
        None,
        now,
    );
    assert!(
        matches!(
            d,
            Decision::Rejected {
                why: Rejection::WrongKind { .. }
            }
        ),
        "{d:?}"
    );

    // Restarted on the same state, the headend signs with the same key.
    drop(server);
    let (child, url) = headend(&state);
    let _server = Stop(child);
    assert_eq!(get(&format!("{url}trust/demo.pub")).1, on_disk);
}

#[test]
fn a_password_protected_key_signs_only_with_its_password() {
    let dir = scratch("trust-cli-password");
    let d = dir.to_str().unwrap();
    let with_password = |args: &[&str], password: &str| {
        Command::new(env!("CARGO_BIN_EXE_hustings"))
            .args(args)
            .env("HUSTINGS_KEY_PASSWORD", password)
            .output()
            .unwrap()
    };
    let keygen = with_password(&["keygen", "--out", d, "--name", "locked"], "s3cret");
    assert!(keygen.status.success(), "{keygen:?}");
    assert!(stdout(&keygen).contains("(password-protected)"));
    let feed = dir.join("lineup.m3u");
    std::fs::write(&feed, b"#EXTM3U\n").unwrap();
    let key = dir.join("locked.key");
    let sign = [
        "sign",
        feed.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--kind",
        "lineup",
        "--version",
        "1",
        "--expires",
        "2099-01-01T00:00:00Z",
    ];
    let no_password = hustings(&sign);
    assert!(!no_password.status.success());
    assert!(
        String::from_utf8_lossy(&no_password.stderr).contains("HUSTINGS_KEY_PASSWORD"),
        "{no_password:?}"
    );
    assert!(!with_password(&sign, "wrong").status.success());
    assert!(with_password(&sign, "s3cret").status.success());
    let pubkey = dir.join("locked.pub");
    let verify = hustings(&[
        "verify",
        feed.to_str().unwrap(),
        "--key",
        pubkey.to_str().unwrap(),
    ]);
    assert!(verify.status.success(), "{verify:?}");
}
