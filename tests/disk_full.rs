//! A full disk for the outbox and for the guide import (the archive's is in
//! `archive_cache_limits.rs`): the state directory is a small tmpfs in a
//! mount namespace of the test's own (`unshare -m`, root as on CI), filled
//! with a file. The box says the disk is full, loses nothing it had
//! committed, and works again once the file is gone.

mod common;

use std::path::Path;
use std::process::Command;

/// Runs `script` (sh) in a private mount namespace with a tmpfs of `size`
/// mounted on `dir`; returns (stdout, stderr). Exit 90: no tmpfs here.
fn in_namespace(dir: &Path, size: &str, script: &str) -> (String, String) {
    std::fs::create_dir_all(dir).unwrap();
    let script = format!(
        "mount -t tmpfs -o size={size} hustings-test {dir} || exit 90\n{script}",
        dir = dir.display()
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert_ne!(out.status.code(), Some(90), "no tmpfs: {stderr}");
    (stdout, stderr)
}

/// The value printed as `name=VALUE` on a line of its own.
fn value<'a>(stdout: &'a str, name: &str) -> &'a str {
    let prefix = format!("{name}=");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {name}= in {stdout}"))
}

/// The stderr lines between `>>> name` and the next `>>>` marker.
fn section<'a>(stderr: &'a str, name: &str) -> &'a str {
    let start = stderr
        .find(&format!(">>> {name}\n"))
        .unwrap_or_else(|| panic!("no section {name} in {stderr}"));
    let rest = &stderr[start..];
    let end = rest[4..].find(">>> ").map(|e| e + 4).unwrap_or(rest.len());
    &rest[..end]
}

/// Fills the disk under `$STATE`: a file as big as what is left.
const FILL: &str = "dd if=/dev/zero of=\"$STATE/filler\" bs=4096 2>/dev/null; sync";
/// Fills the disk under `$STATE` but for `$LEAVE` bytes.
const FILL_BUT: &str = "head -c $(( $(df --output=avail -B1 \"$STATE\" | tail -1) - LEAVE )) /dev/zero > \"$STATE/filler\"";
#[test]
fn a_full_disk_refuses_an_answer_clearly_keeps_the_one_saved_and_recovers() {
    let root = common::scratch("disk-full-outbox");
    let state = root.join("state");
    let port = common::free_port();
    let bind = format!("127.0.0.1:{port}");
    // The first two submissions are refused with 503, so the first answer
    // is still in the outbox when the disk fills.
    let (headend, _) = common::headend_process(
        &bind,
        &root.join("headend"),
        &["--fail-submissions", "503,503"],
    );
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _headend = Kill(headend);
    let key = std::fs::read_to_string(root.join("headend/trust/demo.pub")).unwrap();
    let key = key.lines().nth(1).unwrap().trim().to_string();
    let config = root.join("config.toml");
    std::fs::write(&config, format!("[trust.interact]\nkeys = [\"{key}\"]\n")).unwrap();
    let bin = format!(
        "{} --config {} --server http://{bind}/ --state \"$STATE\" {}",
        env!("CARGO_BIN_EXE_hustings"),
        config.display(),
        common::clock_arg().join(" ")
    );
    let script = format!(
        "STATE={state}\n\
         echo '>>> first' >&2; {bin} interact answer issue-priority housing; echo first=$?\n\
         {FILL}\n\
         echo '>>> full' >&2; {bin} interact answer debate-winner ruiz; echo full=$?\n\
         rm \"$STATE/filler\"\n\
         echo '>>> pending' >&2; {bin} interact outbox --json | tr -d '\\n'; echo\n\
         echo '>>> again' >&2; {bin} interact answer debate-winner ruiz; echo again=$?\n\
         echo '>>> flush' >&2; {bin} interact flush --timeout 30; echo flush=$?\n\
         echo left=$({bin} interact outbox --json)\n",
        state = state.display(),
    );
    let (stdout, stderr) = in_namespace(&state, "4m", &script);
    assert_eq!(value(&stdout, "first"), "0", "{stderr}");
    // The second answer is refused, saying why.
    assert_ne!(
        value(&stdout, "full"),
        "0",
        "saved on a full disk?\n{stderr}"
    );
    let full = section(&stderr, "full");
    assert!(full.contains("the disk is full"), "{full}");
    // Space is back: the first is still there, whole.
    let pending: serde_json::Value = serde_json::from_str(
        stdout
            .lines()
            .find(|l| l.starts_with('['))
            .unwrap_or_else(|| panic!("{stdout}\n{stderr}")),
    )
    .unwrap();
    let items: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["issue-priority"], "{stdout}");
    // The second answer is saved now, and both are delivered.
    assert_eq!(
        value(&stdout, "again"),
        "0",
        "{}",
        section(&stderr, "again")
    );
    assert_eq!(
        value(&stdout, "flush"),
        "0",
        "{}",
        section(&stderr, "flush")
    );
    assert_eq!(value(&stdout, "left"), "[]");
    let (_, body) = common::get(&format!("http://{bind}/api/v1/stats"));
    let stats: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(stats["submissions"], 2, "{stats}");
}

fn guide(seed: u64, path: &Path) {
    let spec = hustings::headend::guide_gen::GuideSpec {
        seed,
        channels: 100,
        days: 1,
        start: 1_790_000_000,
    };
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    hustings::headend::guide_gen::write_guide(&mut f, &spec).unwrap();
}

/// A plain HTTP server for the files in `root`.
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
fn a_full_disk_stops_a_guide_import_clearly_keeps_the_old_guide_and_recovers() {
    let root = common::scratch("disk-full-guide");
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    guide(1, &files.join("a.xml"));
    guide(2, &files.join("b.xml"));
    let url = serve(&files);
    let state = root.join("state");
    let import = format!(
        "{} guide import --json --history-hours 100000000 --db \"$STATE/g.sqlite3\"",
        env!("CARGO_BIN_EXE_hustings")
    );
    let count = "sqlite3 \"$STATE/g.sqlite3\" 'PRAGMA integrity_check; SELECT count(*) FROM programme; SELECT min(title) FROM programme'";
    let script = format!(
        "STATE={state}\n\
         echo '>>> a' >&2; {import} {files}/a.xml > /dev/null; echo a=$?\n\
         echo before=$({count} | tr '\\n' ' ')\n\
         LEAVE=1048576; {FILL_BUT}\n\
         echo '>>> download' >&2; {import} {url}b.xml; echo download=$?\n\
         echo '>>> local' >&2; {import} {files}/b.xml; echo local=$?\n\
         dd if=/dev/zero of=\"$STATE/filler2\" bs=4096 2>/dev/null\n\
         echo '>>> full' >&2; {import} {files}/b.xml; echo full=$?\n\
         echo junk=$(ls -A \"$STATE/guide-cache\" | grep -c '^\\.')\n\
         rm \"$STATE/filler\" \"$STATE/filler2\"\n\
         echo after=$({count} | tr '\\n' ' ')\n\
         echo '>>> again' >&2; {import} {url}b.xml > /dev/null; echo again=$?\n\
         echo b=$({count} | tr '\\n' ' ')\n",
        state = state.display(),
        files = files.display(),
    );
    let (stdout, stderr) = in_namespace(&state, "48m", &script);
    assert_eq!(value(&stdout, "a"), "0", "{}", section(&stderr, "a"));
    let before = value(&stdout, "before");
    assert!(before.starts_with("ok "), "{before}");
    // Each way of failing says the disk is full, and changes nothing: a
    // download that does not fit, an import that does not fit in the WAL,
    // and a disk without a page left (SQLite cannot even open it).
    for (name, what) in [
        ("download", "downloading"),
        ("local", "importing"),
        ("full", "opening"),
    ] {
        assert_ne!(value(&stdout, name), "0", "{what} on a full disk?");
        let said = section(&stderr, name);
        assert!(
            said.contains("the disk is full") && said.contains("the database is unchanged"),
            "{what}: {said}"
        );
    }
    // Space is back: the old guide is there, whole.
    assert_eq!(value(&stdout, "after"), before, "the old guide changed");
    assert_eq!(value(&stdout, "junk"), "0", "a half download is left");
    // And the new guide goes in.
    assert_eq!(
        value(&stdout, "again"),
        "0",
        "{}",
        section(&stderr, "again")
    );
    let b = value(&stdout, "b");
    assert!(b.starts_with("ok ") && b != before, "{b}");
}

/// Bytes free on the disk holding `dir`.
fn avail(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap()
}

/// The child, inside the namespace: the app's connection open, a guide
/// import that does not fit, and the space before and after.
fn wal_child(state: &Path, files: &Path) {
    use hustings::feeds::{OnBadSource, import_paths};
    use std::io::Write;
    let db = state.join("g.sqlite3");
    import_paths(&db, &[files.join("a.xml")], OnBadSource::Abort, 0).unwrap();
    // The app keeps connections open (its settings writer, the guide's
    // readers), so the WAL file outlives the import.
    let _app = hustings::store::Store::open(&db).unwrap();
    let leave = 768 << 10;
    let mut filler = std::fs::File::create(state.join("filler")).unwrap();
    let chunk = vec![0u8; 256 << 10];
    while avail(state) > leave + chunk.len() as u64 {
        filler.write_all(&chunk).unwrap();
    }
    filler.sync_all().unwrap();
    let before = avail(state);
    let err = import_paths(&db, &[files.join("b.xml")], OnBadSource::Abort, 0)
        .expect_err("the guide fits in a megabyte?");
    println!("error={err}");
    println!("free_before={before}");
    println!("free_after={}", avail(state));
}

#[test]
fn a_guide_import_that_fills_the_disk_gives_the_space_back_while_the_app_runs() {
    if let (Some(state), Some(files)) = (
        std::env::var_os("DISK_FULL_CHILD_STATE"),
        std::env::var_os("DISK_FULL_CHILD_FILES"),
    ) {
        wal_child(Path::new(&state), Path::new(&files));
        return;
    }
    let root = common::scratch("disk-full-wal");
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    guide(1, &files.join("a.xml"));
    guide(2, &files.join("b.xml"));
    let state = root.join("state");
    let script = format!(
        "DISK_FULL_CHILD_STATE={state} DISK_FULL_CHILD_FILES={files} {exe} --exact {name} --nocapture --test-threads 1\n",
        state = state.display(),
        files = files.display(),
        exe = std::env::current_exe().unwrap().display(),
        name = "a_guide_import_that_fills_the_disk_gives_the_space_back_while_the_app_runs",
    );
    let (stdout, stderr) = in_namespace(&state, "48m", &script);
    let error = stdout
        .lines()
        .find_map(|l| l.split_once("error=").map(|(_, e)| e))
        .unwrap_or_else(|| panic!("{stdout}\n{stderr}"));
    assert!(error.contains("the disk is full"), "{error}");
    let (before, after): (u64, u64) = (
        value(&stdout, "free_before").parse().unwrap(),
        value(&stdout, "free_after").parse().unwrap(),
    );
    eprintln!("{before} bytes free before the import, {after} after it failed");
    assert!(
        after + 64 * 1024 >= before,
        "the failed import keeps {} bytes of the disk in its WAL",
        before.saturating_sub(after)
    );
}
