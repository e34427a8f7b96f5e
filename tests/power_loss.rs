//! Power loss while the box writes: the writer is a real process killed
//! with SIGKILL at seeded random moments spread over its work, and each time
//! the database must open, pass `PRAGMA integrity_check`, and hold the
//! previous data whole (or the new data whole, when the kill came after the
//! commit), never a mixture.
//!
//! - A 1,000-channel guide (`hustings guide import` over HTTP from a
//!   loopback server of the test's own), killed at 20 moments: during the
//!   download (at a byte the server stops at until the kill) and during the
//!   import (at a time after the last byte).
//! - The archive catalogue (`hustings archive list`, which refreshes it):
//!   3,000 items and 50 transcripts.
//! - The viewer's preferences, saved by the app's settings writer in a child
//!   of this test binary (re-run with `POWER_LOSS_CHILD=settings`).
//!
//! Seeds are printed; `POWER_LOSS_SEED=N` repeats a run's moments.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};

const KILLS: usize = 20;

fn seed(what: &str) -> u64 {
    let seed = std::env::var("POWER_LOSS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("{what}: seed {seed} (POWER_LOSS_SEED={seed} repeats the moments)");
    seed
}

// ---------------------------------------------------------------------------
// A loopback HTTP server that can stop in the middle of a body.

/// What the server saw of the last request for a path.
#[derive(Debug, Default, Clone)]
struct Progress {
    requests: usize,
    /// Body bytes written for the last request.
    sent: u64,
    /// When the last request's whole body was written.
    done_at: Option<Instant>,
}

#[derive(Default)]
struct ServerState {
    files: std::collections::HashMap<String, Arc<Vec<u8>>>,
    progress: std::collections::HashMap<String, Progress>,
    /// (path, byte): stop sending that path's body there until released.
    hold: Option<(String, u64)>,
    /// The held body is at its byte.
    holding: bool,
}

#[derive(Clone)]
struct Server {
    url: String,
    state: Arc<(Mutex<ServerState>, Condvar)>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = Server {
            url,
            state: Arc::default(),
        };
        let s = server.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || s.answer(conn));
            }
        });
        server
    }

    fn put(&self, path: &str, body: Vec<u8>) {
        let mut st = self.state.0.lock().unwrap();
        st.files.insert(path.to_string(), Arc::new(body));
    }

    fn progress(&self, path: &str) -> Progress {
        let st = self.state.0.lock().unwrap();
        st.progress.get(path).cloned().unwrap_or_default()
    }

    /// Stops the next body of `path` at `byte` (None: release).
    fn hold(&self, what: Option<(&str, u64)>) {
        let (lock, cv) = &*self.state;
        let mut st = lock.lock().unwrap();
        st.hold = what.map(|(p, b)| (p.to_string(), b));
        st.holding = false;
        cv.notify_all();
    }

    /// Waits until the held body has reached its byte.
    fn wait_holding(&self, limit: Duration) -> bool {
        let (lock, cv) = &*self.state;
        let st = lock.lock().unwrap();
        let (st, _) = cv.wait_timeout_while(st, limit, |s| !s.holding).unwrap();
        st.holding
    }

    fn answer(&self, mut conn: TcpStream) {
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
        }
        let body = {
            let mut st = self.state.0.lock().unwrap();
            let body = st.files.get(&path).cloned();
            if body.is_some() {
                let p = st.progress.entry(path.clone()).or_default();
                *p = Progress {
                    requests: p.requests + 1,
                    ..Default::default()
                };
            }
            body
        };
        let Some(body) = body else {
            let _ = conn.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        if conn.write_all(head.as_bytes()).is_err() {
            return;
        }
        let mut at = 0usize;
        while at < body.len() {
            let mut end = (at + 64 * 1024).min(body.len());
            {
                let (lock, cv) = &*self.state;
                let mut st = lock.lock().unwrap();
                if let Some((p, byte)) = st.hold.clone()
                    && p == path
                {
                    let byte = byte as usize;
                    if at >= byte {
                        st.holding = true;
                        cv.notify_all();
                        let _st = cv.wait_while(st, |s| s.hold.is_some()).unwrap();
                    } else {
                        end = end.min(byte);
                    }
                }
            }
            if conn.write_all(&body[at..end]).is_err() {
                return;
            }
            at = end;
            let mut st = self.state.0.lock().unwrap();
            if let Some(p) = st.progress.get_mut(&path) {
                p.sent = at as u64;
            }
        }
        let _ = conn.flush();
        let mut st = self.state.0.lock().unwrap();
        if let Some(p) = st.progress.get_mut(&path) {
            p.done_at = Some(Instant::now());
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers on the database file.

/// Opens the database as the box would after the power came back, and
/// checks it: `integrity_check` says ok, and so do the full-text indexes.
fn open_checked(db: &Path, fts: &[&str]) -> rusqlite::Connection {
    // The box's own open first (it migrates and recovers the WAL) ...
    hustings::store::Store::open(db).unwrap_or_else(|e| panic!("the database does not open: {e}"));
    // ... then a look inside.
    let conn = rusqlite::Connection::open(db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "{}", db.display());
    for table in fts {
        conn.execute_batch(&format!(
            "INSERT INTO {table}({table}) VALUES ('integrity-check')"
        ))
        .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    conn
}

/// A digest of every row a query returns (as text).
fn digest(conn: &rusqlite::Connection, sql: &str) -> (usize, u64) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut stmt = conn.prepare(sql).unwrap();
    let columns = stmt.column_count();
    let mut rows = stmt.query([]).unwrap();
    let mut n = 0;
    while let Some(r) = rows.next().unwrap() {
        for i in 0..columns {
            let v: rusqlite::types::Value = r.get(i).unwrap();
            format!("{v:?}").hash(&mut h);
        }
        n += 1;
    }
    (n, h.finish())
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Kills `child` once `f` says so (polled), or at `limit` at the latest.
fn kill_when(child: &mut Child, limit: Duration, f: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !f() {
        if Instant::now() > deadline {
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            return false; // it finished first
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let finished = matches!(child.try_wait(), Ok(Some(_)));
    kill(child);
    !finished
}

// ---------------------------------------------------------------------------
// The guide.

fn guide_xml(seed: u64) -> Vec<u8> {
    let spec = hustings::headend::guide_gen::GuideSpec {
        seed,
        channels: 1000,
        days: 1,
        start: 1_790_000_000,
    };
    let mut out = Vec::new();
    hustings::headend::guide_gen::write_guide(&mut out, &spec).unwrap();
    // Six hours of it (a programme per line): a whole day takes the debug
    // build too long to import twenty times.
    let cutoff = chrono::DateTime::from_timestamp(spec.start / 3600 * 3600 + 6 * 3600, 0)
        .unwrap()
        .format("  <programme start=\"%Y%m%d%H%M%S")
        .to_string();
    let text = String::from_utf8(out).unwrap();
    let mut kept = String::with_capacity(text.len() / 3);
    for line in text.lines() {
        if !line.starts_with("  <programme ") || line[..cutoff.len()] < *cutoff {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    assert!(kept.trim_end().ends_with("</tv>"));
    kept.into_bytes()
}

fn import(db: &Path, url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hustings"));
    // No pruning: the generated guide lies in 2026.
    c.args(["guide", "import", "--json", "--history-hours", "100000000"])
        .args(["--db", db.to_str().unwrap(), url])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

const GUIDE_ROWS: &str = "SELECT p.channel, p.start, p.stop, p.title, p.sub_title, d.body
     FROM programme p LEFT JOIN description d ON d.id = p.description_id
     ORDER BY p.channel, p.start, p.title";

/// Temporary download files left in the guide's download directory.
fn leftovers(cache: &Path) -> Vec<String> {
    std::fs::read_dir(cache)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_guide_import_killed_at_20_moments_leaves_the_previous_guide_whole() {
    let started = Instant::now();
    let dir = common::scratch("power-guide");
    let server = Server::start();
    let (a, b) = (guide_xml(1), guide_xml(2));
    let size = b.len() as u64;
    server.put("/a.xml", a);
    server.put("/b.xml", b);
    let url = |g: char| format!("{}{g}.xml", server.url);

    // The two guides, imported cleanly (one into a scratch copy, timed).
    let db = dir.join("box/hustings.sqlite3");
    let cache = dir.join("box/guide-cache");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let out = import(&db, &url('a')).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want_a = digest(&open_checked(&db, &[]), GUIDE_ROWS);
    let measured = dir.join("measure/hustings.sqlite3");
    std::fs::create_dir_all(measured.parent().unwrap()).unwrap();
    std::fs::copy(&db, &measured).unwrap();
    let spawned = Instant::now();
    let out = import(&measured, &url('b')).output().unwrap();
    let total = spawned.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let import_time =
        (spawned + total).saturating_duration_since(server.progress("/b.xml").done_at.unwrap());
    let want_b = digest(&open_checked(&measured, &[]), GUIDE_ROWS);
    assert_ne!(want_a, want_b);
    assert!(want_a.0 > 5_000, "{want_a:?} programmes");
    eprintln!(
        "a clean import takes {:.1} s, {:.1} s of it after the download of {size} bytes",
        total.as_secs_f64(),
        import_time.as_secs_f64()
    );

    // Moment i is drawn in the i-th twentieth of the work: the first fifth
    // of the scale is the download (a byte the server stops at), the rest
    // the import (a time after the last byte, up to the measured end).
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed("guide import"));
    let mut current = ('a', want_a);
    let (mut in_download, mut in_import, mut after_commit) = (0, 0, 0);
    for i in 0..KILLS {
        let x = (i as f64 + rng.random::<f64>()) / KILLS as f64;
        let next = if current.0 == 'a' { 'b' } else { 'a' };
        let path = format!("/{next}.xml");
        let before = server.progress(&path).requests;
        if x < 0.2 {
            let byte = (x / 0.2 * size as f64) as u64;
            server.hold(Some((&path, byte)));
            let mut child = import(&db, &url(next)).spawn().unwrap();
            let held = server.wait_holding(Duration::from_secs(60));
            kill(&mut child);
            server.hold(None);
            assert!(held, "kill {i}: the download never reached byte {byte}");
            in_download += 1;
        } else {
            let after = import_time.mul_f64((x - 0.2) / 0.8);
            let mut child = import(&db, &url(next)).spawn().unwrap();
            // (An import quicker than the measured one may end first: then
            // the new guide must be there, whole.)
            kill_when(&mut child, Duration::from_secs(120), || {
                let p = server.progress(&path);
                p.requests > before && p.done_at.is_some_and(|t| t.elapsed() >= after)
            });
            in_import += 1;
        }
        let conn = open_checked(&db, &["programme_fts", "description_fts"]);
        let got = digest(&conn, GUIDE_ROWS);
        drop(conn);
        if got == current.1 {
            // The previous guide, whole.
        } else if got == if next == 'a' { want_a } else { want_b } {
            after_commit += 1;
            current = (next, got);
        } else {
            panic!(
                "kill {i} (at {x:.3} of the work) left a guide that is neither the previous one nor the new one: {got:?} programmes"
            );
        }
        assert!(
            leftovers(&cache).len() <= 1,
            "downloads of killed imports pile up: {:?}",
            leftovers(&cache)
        );
    }
    eprintln!(
        "{in_download} kills during the download, {in_import} during the import ({after_commit} after its commit)"
    );
    assert!(in_download >= 3 && in_import >= 3);

    // Power back for good: the next import completes and nothing is left over.
    let next = if current.0 == 'a' { 'b' } else { 'a' };
    let out = import(&db, &url(next)).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = digest(
        &open_checked(&db, &["programme_fts", "description_fts"]),
        GUIDE_ROWS,
    );
    assert_eq!(got, if next == 'a' { want_a } else { want_b });
    assert_eq!(
        leftovers(&cache),
        Vec::<String>::new(),
        "half downloads of killed imports are still on disk"
    );
    eprintln!("{:.1} s", started.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------
// The archive catalogue.

fn catalogue(version: &str, items: usize, transcripts: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..items)
        .map(|i| {
            let mut item = serde_json::json!({
                "id": format!("speech-{i:05}"),
                "title": format!("Speech {i} ({version}): the {} plan", ["housing", "transport", "schools"][i % 3]),
                "speakers": [{"name": format!("Speaker {}", i % 97), "party": "Civic Alliance"}],
                "date": "2026-11-22T19:00:00Z",
                "duration": 60,
                "topics": ["housing", version],
                "hls": format!("s/{i}/index.m3u8"),
            });
            if i < transcripts {
                item["transcript"] = format!("t/{i}.vtt").into();
            }
            item
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"version": 1, "items": items})).unwrap()
}

fn transcript(i: usize) -> Vec<u8> {
    let mut out = String::from("WEBVTT\n\n");
    for c in 0..40 {
        out.push_str(&format!(
            "00:00:{:02}.000 --> 00:00:{:02}.500\nSpeech {i}, line {c}: rents, buses and schools.\n\n",
            c, c
        ));
    }
    out.into_bytes()
}

const ARCHIVE_ROWS: &str = "SELECT id, item FROM archive_item ORDER BY id";
const CUE_COUNTS: &str =
    "SELECT item, count(*), max(text) FROM archive_cue GROUP BY item ORDER BY item";

#[test]
fn archive_catalogue_writes_killed_at_random_moments_leave_one_whole_catalogue() {
    let dir = common::scratch("power-archive");
    let server = Server::start();
    const ITEMS: usize = 3000;
    const TRANSCRIPTS: usize = 50;
    for i in 0..TRANSCRIPTS {
        server.put(&format!("/archive/t/{i}.vtt"), transcript(i));
    }
    let state = dir.join("box");
    std::fs::create_dir_all(&state).unwrap();
    let config = state.join("config.toml");
    let catalogue_url = format!("{}archive/catalogue.json", server.url);
    std::fs::write(
        &config,
        format!("[feeds]\narchive = [\"{catalogue_url}\"]\n[trust.archive]\npolicy = \"off\"\n"),
    )
    .unwrap();
    let list = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hustings"));
        c.args(["--config", config.to_str().unwrap()])
            .args(["--state", state.to_str().unwrap()])
            .args(["archive", "list", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    };
    let db = state.join("hustings.sqlite3");
    // Two catalogues: the same ids, other titles and topics.
    let versions = ["spring", "autumn"];
    let mut want = Vec::new();
    let mut total = Duration::ZERO;
    for v in versions {
        server.put("/archive/catalogue.json", catalogue(v, ITEMS, TRANSCRIPTS));
        let spawned = Instant::now();
        let out = list().output().unwrap();
        total = total.max(spawned.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let conn = open_checked(&db, &["archive_fts", "cue_fts"]);
        want.push(digest(&conn, ARCHIVE_ROWS));
        assert_eq!(want.last().unwrap().0, ITEMS);
        assert_eq!(digest(&conn, CUE_COUNTS).0, TRANSCRIPTS);
    }
    let full_cues = digest(&open_checked(&db, &[]), CUE_COUNTS);
    eprintln!("a catalogue refresh takes {:.2} s", total.as_secs_f64());

    // Kills while a new catalogue (and, after a kill that emptied the
    // transcripts, transcripts) are written.
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed("archive catalogue"));
    let mut current = 1;
    let mut changed = 0;
    for i in 0..KILLS {
        let next = 1 - current;
        server.put(
            "/archive/catalogue.json",
            catalogue(versions[next], ITEMS, TRANSCRIPTS),
        );
        let at = total.mul_f64((i as f64 + rng.random::<f64>()) / KILLS as f64);
        let mut child = list().spawn().unwrap();
        let spawned = Instant::now();
        kill_when(&mut child, total * 4, || spawned.elapsed() >= at);
        let conn = open_checked(&db, &["archive_fts", "cue_fts"]);
        let got = digest(&conn, ARCHIVE_ROWS);
        if got == want[next] {
            current = next;
            changed += 1;
        } else {
            assert_eq!(got, want[current], "kill {i} at {at:?}: a mixed catalogue");
        }
        // Transcripts are whole: every stored one has all its cues.
        let mut stmt = conn
            .prepare("SELECT item, count(*) FROM archive_cue GROUP BY item")
            .unwrap();
        let counts: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (item, n) in counts {
            assert_eq!(n, 40, "kill {i}: {item} has {n} of its 40 cues");
        }
        // The search index agrees with the items in force.
        let indexed: i64 = conn
            .query_row("SELECT count(*) FROM archive_fts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(indexed, ITEMS as i64, "kill {i}");
    }
    eprintln!("{changed} of {KILLS} kills came after the commit");
    let out = list().output().unwrap();
    assert!(out.status.success());
    assert_eq!(digest(&open_checked(&db, &[]), CUE_COUNTS), full_cues);
}

// ---------------------------------------------------------------------------
// The viewer's preferences.

/// The preferences of generation `n`: every one of them differs from `n - 1`'s.
fn preferences(n: u64) -> hustings::app::preferences::Preferences {
    use hustings::app::preferences::{Language, Preferences};
    Preferences {
        language: Language::ALL[(n % 3) as usize],
        large_text: n.is_multiple_of(2),
        high_contrast: n % 2 == 1,
        subtitles: n.is_multiple_of(2),
        audio_description: n % 2 == 1,
        sound_language: Some(format!("l{n}")),
        pin: Some(format!("pin-of-generation-{n}")),
    }
}

/// The child: saves generation after generation through the app's
/// settings writer until it is killed.
fn settings_child(state: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tx = hustings::app::spawn_settings_writer(rt.handle(), state.to_path_buf());
    println!("ready");
    std::io::stdout().flush().unwrap();
    for n in 1.. {
        hustings::app::save_preferences(&tx, &preferences(n));
        // Now and then let the writer catch up (a viewer does not press
        // faster than the disk).
        if n % 64 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

#[test]
fn preferences_saved_while_the_power_goes_are_the_old_set_or_the_new_one() {
    if let Some(state) = std::env::var_os("POWER_LOSS_CHILD_STATE") {
        settings_child(Path::new(&state));
        return;
    }
    let state = common::scratch("power-settings");
    let db = state.join("hustings.sqlite3");
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed("preferences"));
    let mut generations = Vec::new();
    for i in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "preferences_saved_while_the_power_goes_are_the_old_set_or_the_new_one",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("POWER_LOSS_CHILD_STATE", &state)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("ready") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "the child ended");
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(5..200)));
        kill(&mut child);
        let mut rest = Vec::new();
        let _ = out.read_to_end(&mut rest);

        let conn = open_checked(&db, &[]);
        let stored: std::collections::HashMap<String, String> = conn
            .prepare("SELECT key, value FROM setting")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let Some(pin) = stored.get("ui.pin") else {
            assert!(stored.is_empty(), "kill {i}: {stored:?}");
            continue;
        };
        let n: u64 = pin
            .strip_prefix("pin-of-generation-")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("kill {i}: pin {pin:?}"));
        for (key, value) in preferences(n).to_settings() {
            assert_eq!(
                stored.get(key),
                Some(&value),
                "kill {i}: {key} is not generation {n}'s: half of one set and half of another"
            );
        }
        generations.push(n);
    }
    eprintln!("generations found after each kill: {generations:?}");
    assert!(
        generations.len() >= KILLS / 2,
        "the writer rarely got going before the kill"
    );
}
