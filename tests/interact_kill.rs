//! Exactly once under fire: 50 boxes (each its own state directory) answer
//! the headend's 4 demo polls, 200 answers in all, while `hustings interact
//! answer` and `flush` processes are killed with SIGKILL at random moments
//! and the headend (`--drop-replies 0.2`) drops a fifth of its replies after
//! committing them. Afterwards every outbox is empty and the server's results
//! hold exactly the answers given: none twice, none missing.

mod common;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};

const BOXES: usize = 50;
const WORKERS: usize = 5;
/// (poll, options, multiple choice): the headend's demo polls.
const POLLS: &[(&str, &[&str], bool)] = &[
    (
        "issue-priority",
        &["housing", "transport", "schools", "jobs"],
        false,
    ),
    ("debate-winner", &["ruiz", "price", "undecided"], false),
    ("bus-lanes", &["yes", "no", "unsure"], false),
    (
        "events",
        &["rally", "townhall", "canvass", "phonebank"],
        true,
    ),
];

/// The headend process, killed when the test ends (even by a panic).
use common::KillOnDrop as Headend;

fn start_headend(port: u16, state: &Path) -> Headend {
    let bind = format!("127.0.0.1:{port}");
    Headend(common::headend_process(&bind, state, &["--drop-replies", "0.2"]).0)
}

struct Box {
    state: PathBuf,
    config: PathBuf,
}

impl Box {
    fn command(&self, server: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hustings"));
        c.args(["--config", self.config.to_str().unwrap()])
            .args(["--server", server, "--state", self.state.to_str().unwrap()])
            .args(common::clock_arg())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    }
}

#[derive(Default)]
struct Tally {
    /// (poll, option) -> answers given.
    expected: BTreeMap<(String, String), u64>,
    /// Processes that SIGKILL ended before they finished.
    killed: usize,
}

/// Answers every poll from one box, killing some of its processes on the way.
fn run_box(server: &str, b: &Box, rng: &mut rand_pcg::Pcg64, tally: &Mutex<Tally>) {
    for (poll, options, multiple) in POLLS {
        let chosen: Vec<&str> = if *multiple {
            let mut c: Vec<&str> = options
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.5))
                .collect();
            if c.is_empty() {
                c.push(options[0]);
            }
            c
        } else {
            vec![options[rng.random_range(0..options.len())]]
        };
        let mut args = vec!["interact", "answer", poll];
        args.extend(&chosen);
        loop {
            let mut child = b.command(server, &args).spawn().unwrap();
            if rng.random_bool(0.4) {
                std::thread::sleep(Duration::from_millis(rng.random_range(0..500)));
                let _ = child.kill();
            }
            let out = child.wait_with_output().unwrap();
            // 0: recorded now; 3: recorded by an earlier run that was killed
            // after its commit. Either way the box holds this one answer.
            if out.status.success() || out.status.code() == Some(3) {
                break;
            }
            assert_eq!(
                out.status.signal(),
                Some(9),
                "{poll}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            tally.lock().unwrap().killed += 1;
        }
        let mut t = tally.lock().unwrap();
        for c in &chosen {
            *t.expected
                .entry((poll.to_string(), c.to_string()))
                .or_default() += 1;
        }
        drop(t);
        // A flush killed halfway (perhaps after the server committed).
        if rng.random_bool(0.3) {
            let mut child = b.command(server, &["interact", "flush"]).spawn().unwrap();
            std::thread::sleep(Duration::from_millis(rng.random_range(0..800)));
            let _ = child.kill();
            if child.wait().unwrap().signal() == Some(9) {
                tally.lock().unwrap().killed += 1;
            }
        }
    }
}

fn get_json(url: &str) -> serde_json::Value {
    let (status, body) = common::get(url);
    assert_eq!(status, 200, "{url}");
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn answers_survive_sigkill_and_dropped_replies_exactly_once() {
    let started = Instant::now();
    let root = common::scratch("interact-kill");
    let port = common::free_port();
    let _headend = start_headend(port, &root.join("headend"));
    let server = format!("http://127.0.0.1:{port}/");
    // The boxes trust the headend's demo key (its feeds are signed with it).
    let key = std::fs::read_to_string(root.join("headend/trust/demo.pub")).unwrap();
    let key = key
        .lines()
        .nth(1)
        .expect("a minisign .pub file")
        .trim()
        .to_string();

    let boxes: Vec<Box> = (0..BOXES)
        .map(|i| {
            let state = root.join(format!("box{i:02}"));
            std::fs::create_dir_all(&state).unwrap();
            let config = state.join("config.toml");
            // A short reply timeout: a dropped reply costs a second, not ten.
            std::fs::write(
                &config,
                format!(
                    "[interact]\nsubmit_timeout_ms = 1000\n[trust.interact]\nkeys = [\"{key}\"]\n"
                ),
            )
            .unwrap();
            Box { state, config }
        })
        .collect();
    let seed: u64 = std::env::var("INTERACT_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("seed {seed} (INTERACT_KILL_SEED={seed} repeats the choices)");

    let tally = Mutex::new(Tally::default());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..WORKERS {
            let (boxes, tally, next, server) = (&boxes, &tally, &next, &server);
            s.spawn(move || {
                let mut rng = rand_pcg::Pcg64::seed_from_u64(seed.wrapping_add(w as u64));
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(b) = boxes.get(i) else { break };
                    run_box(server, b, &mut rng, tally);
                }
            });
        }
    });

    // Deliver what is left, box by box, without killing; every outbox empties.
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            let (boxes, next, server) = (&boxes, &next, &server);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(b) = boxes.get(i) else { break };
                    let out = b
                        .command(server, &["interact", "flush", "--timeout", "60"])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "box {i}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    let pending = b
                        .command(server, &["interact", "outbox", "--json"])
                        .stdout(Stdio::piped())
                        .output()
                        .unwrap();
                    assert_eq!(String::from_utf8_lossy(&pending.stdout).trim(), "[]");
                }
            });
        }
    });

    let tally = tally.into_inner().unwrap();
    for (poll, options, _) in POLLS {
        let got = get_json(&format!("{server}api/v1/polls/{poll}/results"));
        assert_eq!(got["total"], BOXES as u64, "{poll}: {got}");
        for o in *options {
            let want = tally
                .expected
                .get(&(poll.to_string(), o.to_string()))
                .copied()
                .unwrap_or(0);
            assert_eq!(got["options"][o], want, "{poll}/{o}: {got}");
        }
    }
    let stats = get_json(&format!("{server}api/v1/stats"));
    eprintln!(
        "{stats}; {} processes killed; {:.1} s",
        tally.killed,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        stats["submissions"],
        (BOXES * POLLS.len()) as u64,
        "{stats}"
    );
    // No box sent a second answer under a new key, nor reused a key.
    assert_eq!(stats["conflicts"], 0, "{stats}");
    assert_eq!(stats["key_reused"], 0, "{stats}");
    // The faults happened: replies were dropped and then replayed, and
    // processes died mid-way.
    assert!(stats["dropped"].as_u64() > Some(0), "{stats}");
    assert!(stats["replays"].as_u64() > Some(0), "{stats}");
    assert!(tally.killed > 0);
}
