//! Delivery through the faults a submissions server has, against a
//! `hustings headend` process: a poll answer and a sign-up recorded by the
//! CLI, then delivered by the outbox through a minute of refused
//! connections (the outbox's own backoff on a simulated clock: every due
//! attempt made, none early), a 500 and a 503, and the server dying
//! between its commit and its reply (`--die-after-commit`) and coming
//! back. The server counts each once; afterwards no byte of the sign-up
//! (name, e-mail, phone, postcode) is in the outbox's files (the database,
//! its WAL and shared memory) or in any log, the CLI's and the delivery's.

mod common;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hustings::interact::{Outbox, Submitter, Which};

/// The headend process, killed when the test ends (even by a panic).
use common::KillOnDrop as Headend;

/// Logs of this process (the outbox delivering), kept for the privacy scan.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const NAME: &str = "Ana Faultline";
const EMAIL: &str = "faultline-93c1@example.org";
const PHONE: &str = "020 7946 0321";
const POSTCODE: &str = "sw1a 2aa";

fn hustings(state: &Path, server: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["--config", state.join("config.toml").to_str().unwrap()])
        .args(["--server", server, "--state", state.to_str().unwrap()])
        .args(common::clock_arg())
        .args(args)
        .env("HUSTINGS_LOG", "debug")
        .output()
        .unwrap()
}

fn stats(server: &str) -> serde_json::Value {
    let (status, body) = common::get(&format!("{server}api/v1/stats"));
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
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

#[test]
fn a_signup_goes_through_refusals_errors_and_a_crash_after_commit_exactly_once() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let root = common::scratch("interact-faults");
    let port = common::free_port();
    let bind = format!("127.0.0.1:{port}");
    let server = format!("http://{bind}/");
    let hstate = root.join("headend");
    let state = root.join("box");
    std::fs::create_dir_all(&state).unwrap();

    // The headend once, for the box to keep its signed feed.
    let headend = Headend(common::headend_process(&bind, &hstate, &[]).0);
    let key = std::fs::read_to_string(hstate.join("trust/demo.pub")).unwrap();
    let key = key.lines().nth(1).unwrap().trim().to_string();
    std::fs::write(
        state.join("config.toml"),
        format!("[interact]\nsubmit_timeout_ms = 2000\n[trust.interact]\nkeys = [\"{key}\"]\n"),
    )
    .unwrap();
    let out = hustings(&state, &server, &["interact", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut logs = String::from_utf8_lossy(&out.stderr).to_string();
    drop(headend);

    // The server is gone: the answers are saved, not sent.
    let out = hustings(&state, &server, &["interact", "answer", "bus-lanes", "yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    logs.push_str(&String::from_utf8_lossy(&out.stderr));
    let mut args = vec!["interact", "signup", "volunteer", "--consent"];
    let fields = [
        format!("name={NAME}"),
        format!("email={EMAIL}"),
        format!("phone={PHONE}"),
        format!("postcode={POSTCODE}"),
    ];
    for f in &fields {
        args.extend(["--field", f]);
    }
    let out = hustings(&state, &server, &args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 pending"), "{stderr}");
    logs.push_str(&stderr);

    // A minute of refused connections, on a simulated clock: each round
    // sends what is due, then the clock jumps to the next attempt.
    let rt = common::runtime();
    let mut outbox = Outbox::open(&Outbox::path_in(&state)).unwrap();
    let submitter = Submitter::new(Duration::from_secs(2)).unwrap();
    // The CLI tried each once already; the clock starts at the first retry.
    let t0 = outbox
        .pending()
        .unwrap()
        .iter()
        .map(|p| p.next_attempt_at)
        .min()
        .unwrap();
    let mut now = t0;
    let mut rounds = 0;
    while now - t0 < 60_000 {
        // Just before the next attempt is due, nothing goes.
        let early = rt
            .block_on(outbox.deliver_pending(&submitter, now - 1, Which::Due))
            .unwrap();
        assert_eq!(early.failed + early.delivered, 0, "sent before its time");
        let d = rt
            .block_on(outbox.deliver_pending(&submitter, now, Which::Due))
            .unwrap();
        assert!(d.failed > 0 && d.delivered == 0, "{d:?}");
        now = d.next_attempt_at.unwrap();
        rounds += 1;
    }
    // 1 s doubling, half of each delay random (1/2..1, 1..2, 2..4, ... s):
    // with the first, made by the CLI, a minute holds 6 or 7 of them.
    let pending = outbox.pending().unwrap();
    assert_eq!(pending.len(), 2);
    for p in &pending {
        assert!(
            (5..=8).contains(&p.attempts),
            "{rounds} rounds: {pending:?}"
        );
    }
    assert!(
        pending.iter().all(|p| p
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("127.0.0.1"))),
        "{pending:?}"
    );

    // While it waits, the sign-up is in the outbox's files (the scan at
    // the end can see it).
    let in_outbox = db_files(&Outbox::path_in(&state)).iter().any(|f| {
        std::fs::read(f).is_ok_and(|b| b.windows(EMAIL.len()).any(|w| w == EMAIL.as_bytes()))
    });
    assert!(
        in_outbox,
        "the pending sign-up is not in the outbox's files"
    );

    // The server is back, answers 500, then 503, then commits the first
    // submission it stores and dies before replying.
    let mut headend = Headend(
        common::headend_process(
            &bind,
            &hstate,
            &["--fail-submissions", "500,503", "--die-after-commit", "1"],
        )
        .0,
    );
    let mut errors = Vec::new();
    loop {
        let d = rt
            .block_on(outbox.deliver_pending(&submitter, now, Which::Due))
            .unwrap();
        errors.extend(
            outbox
                .pending()
                .unwrap()
                .into_iter()
                .filter_map(|p| p.last_error),
        );
        now = d.next_attempt_at.unwrap_or(now);
        if headend.0.try_wait().unwrap().is_some() {
            break;
        }
        assert!(errors.len() < 20, "the headend never died: {errors:?}");
    }
    let status = headend.0.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "it died of SIGKILL");
    assert!(errors.iter().any(|e| e.contains("HTTP 500")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("HTTP 503")), "{errors:?}");
    assert_eq!(
        outbox.pending().unwrap().len(),
        2,
        "nothing was acknowledged"
    );

    // It restarts; the outbox sends both again with their keys.
    let _headend = Headend(common::headend_process(&bind, &hstate, &[]).0);
    let committed = stats(&server);
    assert_eq!(
        committed["submissions"], 1,
        "the one it died after: {committed}"
    );
    let mut rounds = 0;
    while !outbox.pending().unwrap().is_empty() {
        let d = rt
            .block_on(outbox.deliver_pending(&submitter, now, Which::Due))
            .unwrap();
        now = d.next_attempt_at.unwrap_or(now);
        rounds += 1;
        assert!(rounds < 10, "{d:?}");
    }
    let s = stats(&server);
    assert_eq!(s["submissions"], 2, "each once: {s}");
    assert_eq!(
        s["replays"], 1,
        "the one committed before the crash came again: {s}"
    );
    assert_eq!(s["conflicts"], 0, "{s}");
    let (_, body) = common::get(&format!("{server}api/v1/polls/bus-lanes/results"));
    let results: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(results["total"], 1, "{results}");
    // The sign-up reached the server (so the scan below can see such bytes).
    let server_db = db_files(&hstate.join("interact.sqlite3"));
    let on_server = server_db.iter().any(|f| {
        std::fs::read(f).is_ok_and(|b| b.windows(EMAIL.len()).any(|w| w == EMAIL.as_bytes()))
    });
    assert!(on_server, "the sign-up is not on the server");

    // Nothing of the sign-up is left on the box: not in the outbox's files
    // (the connection still open, as on a running box) ...
    let out = hustings(&state, &server, &["interact", "outbox", "--json"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    logs.push_str(&String::from_utf8_lossy(&out.stderr));
    let delivery_logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).to_string();
    assert!(
        delivery_logs.contains("submission acknowledged"),
        "the delivery logged nothing: the scan would be of nothing"
    );
    let needles = [
        NAME,
        "Faultline",
        EMAIL,
        "faultline-93c1",
        PHONE,
        "2079460321",
        "7946 0321",
        "79460321",
        POSTCODE,
        "SW1A 2AA",
        "sw1a",
        "SW1A",
    ];
    for file in db_files(&Outbox::path_in(&state)) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for n in needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_bytes()),
                "{n:?} is still in {}",
                file.display()
            );
        }
    }
    // ... nor in the logs.
    for n in needles {
        assert!(!logs.contains(n), "{n:?} in the CLI's logs");
        assert!(!delivery_logs.contains(n), "{n:?} in the delivery's logs");
    }
}
