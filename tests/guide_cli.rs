//! `hustings guide import|now|grid|search` on real files and the real headend.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hustings(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(common::clock_arg())
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn peer_files() -> Vec<PathBuf> {
    // $HUSTINGS_TESTDATA only (.ci/run sets it where the shared folder exists).
    let dir = std::env::var_os("HUSTINGS_TESTDATA")
        .map(PathBuf::from)
        .expect("HUSTINGS_TESTDATA is not set: point it at the shared test data folder (make conformance HUSTINGS_TESTDATA=DIR)")
        .join("xmltv-peer");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (set HUSTINGS_TESTDATA to the shared test data)",
                dir.display()
            )
        })
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
}

#[test]
#[ignore = "conformance over $HUSTINGS_TESTDATA (other projects' data): `make conformance`, run by .ci/run where it exists"]
fn every_shared_xmltv_file_imports_with_all_its_programmes() {
    let dir = common::scratch("guide-peer");
    for file in peer_files() {
        let db = dir.join(format!(
            "{}.sqlite3",
            file.file_stem().unwrap().to_string_lossy()
        ));
        let out = hustings(&[
            "guide",
            "import",
            "--json",
            "--history-hours",
            "1000000",
            "--db",
            db.to_str().unwrap(),
            file.to_str().unwrap(),
        ]);
        let v = json(&out);
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).to_string();
        let expected = text.matches("<programme").count();
        assert_eq!(
            v["programmes"].as_u64().unwrap() as usize,
            expected,
            "{}: {v}",
            file.display()
        );
    }
}

#[test]
fn import_then_query_now_grid_and_search() {
    let dir = common::scratch("guide-query");
    let db = dir.join("g.sqlite3");
    let db = db.to_str().unwrap();
    let url = format!("{}guide.xml.gz", common::headend().url());
    let v = json(&hustings(&["guide", "import", "--json", "--db", db, &url]));
    assert_eq!(v["channels"], 3);
    assert!(v["programmes"].as_u64().unwrap() > 40, "{v}");
    assert!(v["seconds"].as_f64().is_some());

    // The second refresh is a conditional GET: nothing changed, nothing imported.
    let again = json(&hustings(&["guide", "import", "--json", "--db", db, &url]));
    assert_eq!(again["imported"], false, "{again}");
    assert_eq!(again["sources"][0]["status"], "not-modified", "{again}");

    let now = json(&hustings(&["guide", "now", "--json", "--db", db]));
    let rows = now.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r["now"]["title"].is_string() && r["next"]["title"].is_string()),
        "{now}"
    );

    let grid = json(&hustings(&[
        "guide",
        "grid",
        "--json",
        "--db",
        db,
        "--channels",
        "civic-one,council-live",
        "--hours",
        "4",
    ]));
    assert_eq!(grid.as_array().unwrap().len(), 2);
    assert!(
        grid[0]["programmes"].as_array().unwrap().len() >= 3,
        "{grid}"
    );

    let hits = json(&hustings(&[
        "guide",
        "search",
        "--json",
        "--db",
        db,
        "candidates mayor",
    ]));
    assert!(!hits.as_array().unwrap().is_empty(), "{hits}");
    assert_eq!(hits[0]["title"], "Leaders' Debate");
}

#[test]
fn an_unusable_guide_is_refused_and_the_database_stays_as_it_was() {
    let dir = common::scratch("guide-bad");
    let db = dir.join("g.sqlite3");
    let db_s = db.to_str().unwrap();
    let good = dir.join("good.xml");
    std::fs::write(&good, r#"<tv><channel id="a"><display-name>A</display-name></channel><programme start="20300101100000 +0000" stop="20300101110000 +0000" channel="a"><title>Kept</title></programme></tv>"#).unwrap();
    json(&hustings(&[
        "guide",
        "import",
        "--json",
        "--db",
        db_s,
        good.to_str().unwrap(),
    ]));

    let garbage = dir.join("garbage.xml");
    let mut bytes = b"<tv><programme start=\"20300101110000 +0000\" channel=\"a\"><title>Lost</title></programme>".to_vec();
    bytes.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
    std::fs::write(&garbage, &bytes).unwrap();
    let truncated = dir.join("truncated.xml.gz");
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&std::fs::read(&good).unwrap()).unwrap();
        let mut v = e.finish().unwrap();
        v.truncate(v.len() / 2);
        v
    };
    std::fs::write(&truncated, gz).unwrap();
    for bad in [&garbage, &truncated, &dir.join("missing.xml")] {
        let out = hustings(&[
            "guide",
            "import",
            "--db",
            db_s,
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{} was accepted", bad.display());
        assert!(
            stderr.contains(bad.to_str().unwrap()),
            "the error names the file: {stderr}"
        );
        let hits = json(&hustings(&[
            "guide", "search", "--json", "--db", db_s, "kept",
        ]));
        assert_eq!(
            hits.as_array().unwrap().len(),
            1,
            "the previous guide is intact after {}",
            bad.display()
        );
        let lost = json(&hustings(&[
            "guide", "search", "--json", "--db", db_s, "lost",
        ]));
        assert!(lost.as_array().unwrap().is_empty());
    }
}

#[test]
fn guide_import_checks_the_pinned_keys_and_no_verify_is_the_way_out() {
    let dir = common::scratch("guide-verify");
    let state = dir.join("state");
    let config = dir.join("config.toml");
    let url = format!("{}guide.xml.gz", common::headend().url());
    let import = |db: &Path, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hustings"))
            .args(["--config", config.to_str().unwrap()])
            .args(["--state", state.to_str().unwrap()])
            .args(common::clock_arg())
            .args(["guide", "import", "--json", "--db", db.to_str().unwrap()])
            .args(extra)
            .arg(&url)
            .output()
            .unwrap()
    };
    let pin = |key: &str| {
        std::fs::write(&config, format!("[trust.guide]\nkeys = [\"{key}\"]\n")).unwrap();
    };

    // A key is pinned for guides, and the headend signs with another.
    let other = hustings::trust::SigningKey::generate().unwrap();
    pin(&other.public_key_base64());
    let db = dir.join("refused.sqlite3");
    let refused = import(&db, &[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "accepted: {stderr}");
    assert!(
        stderr.contains(&format!("{url}: rejected: signed with key"))
            && stderr.contains("which is not pinned for this feed"),
        "{stderr}"
    );
    let db_s = db.to_str().unwrap();
    let none = json(&hustings(&[
        "guide", "search", "--json", "--db", db_s, "Debate",
    ]));
    assert!(
        none.as_array().unwrap().is_empty(),
        "nothing imported: {none}"
    );

    // The headend's key pinned, and the guide from a mirror that dropped its
    // signature: refused, not imported as unverified.
    pin(common::headend().demo_public_key());
    let mirror = dir.join("mirror");
    std::fs::create_dir_all(&mirror).unwrap();
    let (status, guide) = common::get(&url);
    assert_eq!(status, 200);
    std::fs::write(mirror.join("guide.xml.gz"), guide).unwrap();
    let listener = common::runtime()
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let stripped = format!("http://{}/guide.xml.gz", listener.local_addr().unwrap());
    common::runtime().spawn(hustings::net::serve::serve_dir(listener, mirror));
    let out = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["--config", config.to_str().unwrap()])
        .args(["--state", state.to_str().unwrap()])
        .args(common::clock_arg())
        .args(["guide", "import", "--json", "--db", db.to_str().unwrap()])
        .arg(&stripped)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "accepted: {stderr}");
    assert!(
        stderr.contains(&format!(
            "{stripped}: rejected: no signature, but a publisher key is pinned for guide feeds"
        )),
        "{stderr}"
    );

    // --no-verify: the explicit way out.
    let skipped = json(&import(&db, &["--no-verify"]));
    assert!(skipped["programmes"].as_u64().unwrap() > 40, "{skipped}");

    // The headend's own key pinned: verified and imported. (The headend's
    // clock starts at 10:07, so its guide does not change under the test.)
    let db = dir.join("verified.sqlite3");
    let verified = json(&import(&db, &[]));
    assert!(verified["programmes"].as_u64().unwrap() > 40, "{verified}");
}
