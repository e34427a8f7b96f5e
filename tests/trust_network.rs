//! Trust and the network against hostile servers (issue 17), over real HTTP
//! on loopback with real SQLite files:
//!
//! - a mirror that strips the signatures, then replays an older signed
//!   version, is refused for the lineup, the guide and the archive, and the
//!   last good copies stay in force (also after a restart);
//! - guide downloads that never end, are too big, are gzip bombs (as a `.gz`
//!   file and as HTTP transfer compression) or trickle a byte at a time are
//!   cut off with an error naming the URL; the previous guide stays and no
//!   large file is left on disk;
//! - a `.minisig` is read 4 KiB (and one byte) at most, a submission reply
//!   64 KiB at most;
//! - a sign-up is never redirected to another origin;
//! - a fetched lineup cannot make the box read local files as its guide.
//!
//! The hostile servers are hand-written HTTP/1.1 on a tokio `TcpListener`,
//! because they must misbehave byte by byte the way no real server library
//! lets them.

mod common;

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hustings::config::{Config, FeedTrustSettings};
use hustings::feeds::{OnBadSource, SourceOutcome, import_guides};
use hustings::net::{HttpClient, Limits};
use hustings::store::Store;
use hustings::trust::{Decision, FeedComment, FeedKind, Rejection, SigningKey, TrustGate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the raw server read it.
struct Request {
    path: String,
    body: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let len = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request { path, body })
}

/// A hand-written HTTP/1.1 server on an ephemeral loopback port: each
/// connection's request goes to `answer`, which writes the whole response
/// itself (so it can trickle, stall or never end). Returns the base URL.
fn raw_server<F, Fut>(answer: F) -> String
where
    F: Fn(Request, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let rt = common::runtime();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = Arc::new(answer);
    rt.spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                if let Some(req) = read_request(&mut stream).await {
                    answer(req, stream).await;
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}/")
}

/// Writes a whole response (with its length) and closes.
async fn respond(mut stream: TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.shutdown().await;
}

/// Writes response headers with no length: the body runs until the close.
async fn open_ended(stream: &mut TcpStream, headers: &[(&str, &str)]) -> std::io::Result<()> {
    let mut head = String::from("HTTP/1.1 200 OK\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await
}

type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// A mirror serving whatever the test puts in `files` (path -> body), 404
/// for the rest, and no validators: every GET gets the whole current body.
fn mirror() -> (String, Files) {
    let files: Files = Default::default();
    let served = files.clone();
    let base = raw_server(move |req, stream| {
        let body = served.lock().unwrap().get(&req.path).cloned();
        async move {
            match body {
                Some(b) => respond(stream, "200 OK", &[], &b).await,
                None => respond(stream, "404 Not Found", &[], b"").await,
            }
        }
    });
    (base, files)
}

/// XMLTV time of `t` (Unix seconds), UTC.
fn xmltv_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y%m%d%H%M%S +0000")
        .to_string()
}

/// A one-channel guide with one programme running now, titled `title`.
fn guide(title: &str) -> Vec<u8> {
    let now = common::clock().now();
    format!(
        "<tv><channel id=\"alpha\"><display-name>Alpha</display-name></channel>\
         <programme start=\"{}\" stop=\"{}\" channel=\"alpha\"><title>{title}</title></programme></tv>",
        xmltv_time(now - 3600),
        xmltv_time(now + 3600)
    )
    .into_bytes()
}

fn guide_titles(db: &Path, word: &str) -> Vec<String> {
    Store::open_reader(db)
        .unwrap()
        .search(word, 10)
        .unwrap()
        .into_iter()
        .map(|h| h.cell.title)
        .collect()
}

/// One version of the three feeds: a lineup with one channel named `name`,
/// a guide with a programme titled `name`, a catalogue with a speech titled
/// "`name` speech".
fn feeds(name: &str) -> [(&'static str, FeedKind, Vec<u8>); 3] {
    let lineup = format!(
        "#EXTM3U\n#EXTINF:-1 tvg-id=\"alpha\" tvg-chno=\"1\",{name}\nhttp://127.0.0.1:9/{name}.ts\n"
    );
    let catalogue = serde_json::json!({
        "version": 1,
        "publisher": "Civic TV",
        "items": [{
            "id": name.to_lowercase(),
            "title": format!("{name} speech"),
            "date": "2026-11-22T19:00:00Z",
            "duration": 20,
            "hls": format!("{}/index.m3u8", name.to_lowercase()),
        }]
    });
    [
        ("/lineup.m3u", FeedKind::Lineup, lineup.into_bytes()),
        ("/guide.xml", FeedKind::Guide, guide(name)),
        (
            "/archive/catalogue.json",
            FeedKind::Archive,
            catalogue.to_string().into_bytes(),
        ),
    ]
}

/// Puts one version on the mirror: signed as `version` by `key`, or with
/// no signature at all (`None`: the mirror stripped it).
fn publish(
    files: &Files,
    feeds: &[(&'static str, FeedKind, Vec<u8>)],
    signed: Option<(&SigningKey, u64)>,
) {
    let mut files = files.lock().unwrap();
    for (path, kind, body) in feeds {
        files.insert(path.to_string(), body.clone());
        let sig = format!("{path}.minisig");
        match signed {
            Some((key, version)) => {
                let comment = FeedComment {
                    kind: *kind,
                    version,
                    expires: common::clock().now() + 86_400,
                };
                files.insert(sig, key.sign(body, &comment).unwrap().into_bytes());
            }
            None => {
                files.remove(&sig);
            }
        }
    }
}

/// The box's configuration for the mirror at `base`, with `key` pinned for
/// the lineup, the guide and the archive under the default (`preferred`) policy.
fn config(base: &str, state: &Path, key: &SigningKey) -> Config {
    let mut c = Config::default();
    c.clock = common::clock().clone();
    c.feeds.lineup = vec![format!("{base}lineup.m3u")];
    c.feeds.guide = vec![format!("{base}guide.xml")];
    c.feeds.archive = vec![format!("{base}archive/catalogue.json")];
    c.state_dir = Some(state.to_path_buf());
    let pinned = FeedTrustSettings {
        policy: None,
        keys: vec![key.public_key_base64()],
    };
    c.trust.lineup = pinned.clone();
    c.trust.guide = pinned.clone();
    c.trust.archive = pinned;
    c.trust
        .publishers
        .insert(key.key_id().to_string(), "Civic TV".into());
    c
}

/// What the box shows after one refresh: channel names, whether the guide
/// and the archive hold `word`, and the notices.
struct Shown {
    channels: Vec<String>,
    notices: Vec<String>,
    error: Option<String>,
}

fn refresh(config: &Config, gate: &TrustGate) -> Shown {
    let http = HttpClient::for_config(config).unwrap();
    let loaded = common::runtime().block_on(hustings::app::load(config, &http, Some(gate)));
    Shown {
        channels: loaded.channels.iter().map(|c| c.name.clone()).collect(),
        notices: loaded.notices,
        error: loaded.error,
    }
}

fn archive_titles(db: &Path) -> Vec<String> {
    Store::open_reader(db)
        .unwrap()
        .archive_items()
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect()
}

/// The last decision of the gate on each of the three feeds.
fn rejections(gate: &TrustGate) -> Vec<(FeedKind, Rejection)> {
    gate.statuses()
        .into_iter()
        .filter_map(|s| match s.last {
            Decision::Rejected { why } => Some((s.kind, why)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stripped_signature_and_a_replayed_older_version_are_refused_and_the_last_good_feeds_stay() {
    let (base, files) = mirror();
    let state = common::scratch("trust-net-strip");
    let key = SigningKey::generate().unwrap();
    let config = config(&base, &state, &key);
    let db = Store::path_in(&state);
    let gate = TrustGate::open(&config.trust, &state, common::clock().clone()).unwrap();

    // Version 1, then version 2, both signed: each is taken.
    let v1 = feeds("Amber");
    publish(&files, &v1, Some((&key, 1)));
    let shown = refresh(&config, &gate);
    assert_eq!(shown.channels, ["Amber"], "{:?}", shown.notices);
    let v2 = feeds("Bramble");
    publish(&files, &v2, Some((&key, 2)));
    let shown = refresh(&config, &gate);
    assert_eq!(shown.channels, ["Bramble"], "{:?}", shown.notices);
    assert_eq!(guide_titles(&db, "Bramble"), ["Bramble"]);
    assert_eq!(archive_titles(&db), ["Bramble speech"]);
    assert!(rejections(&gate).is_empty(), "{:?}", rejections(&gate));

    // The mirror deletes the signatures and serves other bodies: refused,
    // version 2 stays in force everywhere.
    let forged = feeds("Crimson");
    publish(&files, &forged, None);
    let shown = refresh(&config, &gate);
    let kept = |shown: &Shown, why: &str| {
        assert_eq!(shown.channels, ["Bramble"], "{why}: {:?}", shown.notices);
        assert_eq!(guide_titles(&db, "Bramble"), ["Bramble"], "{why}");
        assert!(guide_titles(&db, "Crimson").is_empty(), "{why}");
        assert!(guide_titles(&db, "Amber").is_empty(), "{why}");
        assert_eq!(archive_titles(&db), ["Bramble speech"], "{why}");
    };
    kept(&shown, "stripped");
    let refused = rejections(&gate);
    assert_eq!(refused.len(), 3, "{refused:?}");
    for (kind, why) in &refused {
        assert!(
            matches!(why, Rejection::NoLongerVerified { version: 2, .. }),
            "{kind}: {why:?}"
        );
    }
    assert!(
        shown
            .notices
            .iter()
            .any(|n| n.contains("lineup.m3u: rejected: the feed is not signed, but version 2")),
        "{:?}",
        shown.notices
    );

    // Then it replays version 1 with its genuine signatures: a rollback.
    publish(&files, &v1, Some((&key, 1)));
    kept(&refresh(&config, &gate), "replayed");
    for (kind, why) in rejections(&gate) {
        assert_eq!(why, Rejection::Rollback { from: 2, to: 1 }, "{kind}");
    }

    // A restarted box remembers that these feeds were verified.
    publish(&files, &forged, None);
    let gate = TrustGate::open(&config.trust, &state, common::clock().clone()).unwrap();
    kept(&refresh(&config, &gate), "stripped, after a restart");
    assert_eq!(rejections(&gate).len(), 3);

    // A box that never saw a verified copy, with keys pinned: an unsigned
    // lineup is refused too (nothing to show rather than a forged lineup).
    let fresh = common::scratch("trust-net-strip-fresh");
    let config = self::config(&base, &fresh, &key);
    let gate = TrustGate::open(&config.trust, &fresh, common::clock().clone()).unwrap();
    let shown = refresh(&config, &gate);
    assert!(shown.channels.is_empty());
    let error = shown.error.unwrap_or_default();
    assert!(
        error.contains(
            "lineup.m3u: rejected: no signature, but a publisher key is pinned for lineup feeds"
        ),
        "{error}"
    );
}

/// Bytes in the files under `dir` (recursively).
fn bytes_under(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        total += if path.is_dir() {
            bytes_under(&path)
        } else {
            entry.metadata().map(|m| m.len()).unwrap_or(0)
        };
    }
    total
}

/// A gzip bomb: a guide that starts like XMLTV and goes on with 1 GiB of
/// comments, compressed while it is generated (about a megabyte).
fn gzip_bomb() -> &'static [u8] {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<?xml version=\"1.0\"?>\n<tv>\n").unwrap();
        let mut unit = b"<!-- ".to_vec();
        unit.resize(1024 - 4, b'x');
        unit.extend_from_slice(b"-->\n");
        let block = unit.repeat(1024); // 1 MiB
        for _ in 0..1024 {
            gz.write_all(&block).unwrap();
        }
        gz.finish().unwrap()
    })
}

#[test]
fn oversized_endless_bombed_and_trickling_guides_are_cut_off_and_the_previous_guide_stays() {
    // What the guide URL serves, switched by the test.
    let mode = Arc::new(AtomicUsize::new(0));
    let serving = mode.clone();
    let base = raw_server(move |_req, mut stream| {
        let mode = serving.load(Ordering::SeqCst);
        async move {
            match mode {
                0 => respond(stream, "200 OK", &[], &guide("Steadfast")).await,
                // 64 MiB of guide, announced.
                1 => {
                    let mut body = b"<tv>".to_vec();
                    body.resize(64 << 20, b' ');
                    respond(stream, "200 OK", &[], &body).await
                }
                // Endless, unannounced: until the box hangs up.
                2 => {
                    if open_ended(&mut stream, &[]).await.is_ok() {
                        let block = vec![b' '; 64 * 1024];
                        while stream.write_all(&block).await.is_ok() {}
                    }
                }
                // The bomb as a .gz file.
                3 => respond(stream, "200 OK", &[], gzip_bomb()).await,
                // The bomb as HTTP transfer compression (reqwest inflates it).
                4 => {
                    let headers = [("Content-Encoding", "gzip")];
                    respond(stream, "200 OK", &headers, gzip_bomb()).await
                }
                // One byte every 200 ms, forever.
                _ => {
                    if open_ended(&mut stream, &[]).await.is_ok() {
                        loop {
                            if stream.write_all(b" ").await.is_err() {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                }
            }
        }
    });
    let url = format!("{base}guide.xml");
    let state = common::scratch("trust-net-guide-caps");
    let db = Store::path_in(&state);
    Store::open(&db).unwrap();
    let cache = state.join("guide-cache");
    let mut config = Config::default();
    config.clock = common::clock().clone();
    config.downloads.guide_max_mb = 16;
    let http = HttpClient::for_config(&config).unwrap();
    config.downloads.guide_deadline_seconds = 2;
    let impatient = HttpClient::for_config(&config).unwrap();
    assert_eq!(impatient.limits().guide_deadline, Duration::from_secs(2));
    assert_eq!(
        http.limits().guide_max_ratio,
        Limits::default().guide_max_ratio
    );

    let import = |http: &HttpClient| {
        let run = import_guides(
            http,
            &db,
            &cache,
            std::slice::from_ref(&url),
            OnBadSource::Skip,
            0,
            None,
        );
        // A bound on the test itself: before the fix an endless or
        // trickling guide was read for up to an hour.
        common::runtime()
            .block_on(async { tokio::time::timeout(Duration::from_secs(120), run).await })
            .expect("the import ends")
            .expect("the import runs")
    };
    mode.store(0, Ordering::SeqCst);
    let report = import(&http);
    assert!(report.imported, "{:?}", report.sources);
    assert_eq!(guide_titles(&db, "Steadfast"), ["Steadfast"]);

    for (m, what, client, why) in [
        (
            1,
            "64 MiB announced",
            &http,
            "larger than 16 MB; the limit is [downloads] guide_max_mb",
        ),
        (
            2,
            "endless",
            &http,
            "larger than 16 MB; the limit is [downloads] guide_max_mb",
        ),
        (
            3,
            "a gzip bomb file",
            &http,
            "gzip data expands more than 100 times",
        ),
        (
            4,
            "a gzip bomb in transfer",
            &http,
            "larger than 16 MB; the limit is [downloads] guide_max_mb",
        ),
        (
            5,
            "a trickle",
            &impatient,
            "the transfer took longer than 2 s ([downloads] guide_deadline_seconds)",
        ),
    ] {
        mode.store(m, Ordering::SeqCst);
        let report = import(client);
        let message = match &report.sources[0].outcome {
            SourceOutcome::Failed { message } => message.clone(),
            other => panic!("{what}: {other:?}"),
        };
        assert!(
            message.starts_with(&format!("{url}: refused: ")) && message.contains(why),
            "{what}: {message}"
        );
        assert_eq!(
            guide_titles(&db, "Steadfast"),
            ["Steadfast"],
            "{what}: the previous guide stays"
        );
        let left = bytes_under(&state);
        assert!(
            left < 8 << 20,
            "{what}: {left} bytes left under {}",
            state.display()
        );
    }
}

/// A trust gate in a new state directory `name`, with a (fresh) publisher
/// key pinned for the archive catalogue, and a client to fetch with.
fn gate_with_a_pinned_archive_key(name: &str) -> (TrustGate, HttpClient) {
    let key = SigningKey::generate().unwrap();
    let mut settings = hustings::config::TrustSettings::default();
    settings.archive.keys = vec![key.public_key_base64()];
    let gate = TrustGate::open(&settings, &common::scratch(name), common::clock().clone()).unwrap();
    (gate, HttpClient::new().unwrap())
}

#[test]
fn a_signature_is_read_4_kib_at_most_and_a_longer_one_is_refused_without_the_rest() {
    let base = raw_server(|req, mut stream| async move {
        if req.path.ends_with(".minisig") {
            // 4 KiB and one byte, then nothing more, ever: only a reader
            // that stops at the cap answers.
            if open_ended(&mut stream, &[]).await.is_ok() {
                let _ = stream.write_all(&[b'A'; 4097]).await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        } else {
            respond(stream, "200 OK", &[], b"{\"items\": []}").await;
        }
    });
    let url = format!("{base}archive/catalogue.json");
    let (gate, http) = gate_with_a_pinned_archive_key("trust-net-sig-cap");
    let decision = common::runtime()
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(20),
                gate.check(&http, FeedKind::Archive, &url, b"{\"items\": []}", true),
            )
            .await
        })
        .expect("decided without waiting for the rest of the signature");
    assert_eq!(
        decision,
        Decision::Rejected {
            why: Rejection::Malformed("more than 4096 bytes, more than a signature".into())
        }
    );
}

#[test]
fn a_signature_the_server_fails_to_give_is_a_rejection_where_a_key_is_pinned() {
    // The feed is there; its signature answers 500 (a mirror that breaks the
    // signature instead of deleting it).
    let base = raw_server(|req, stream| async move {
        if req.path.ends_with(".minisig") {
            respond(stream, "500 Internal Server Error", &[], b"").await;
        } else {
            respond(stream, "200 OK", &[], b"{\"items\": []}").await;
        }
    });
    let url = format!("{base}archive/catalogue.json");
    let (gate, http) = gate_with_a_pinned_archive_key("trust-net-sig-500");
    let decision = common::runtime().block_on(gate.check(
        &http,
        FeedKind::Archive,
        &url,
        b"{\"items\": []}",
        true,
    ));
    match decision {
        Decision::Rejected {
            why: Rejection::SignatureUnavailable(why),
        } => assert!(why.contains("500"), "{why}"),
        other => panic!("a signature answered by HTTP 500: {other:?}"),
    }
}

/// A sign-up for `submit_url`, recorded in a new outbox under `dir`.
fn outbox_with_signup(dir: &Path, submit_url: &str) -> hustings::interact::Outbox {
    let mut outbox =
        hustings::interact::Outbox::open(&hustings::interact::Outbox::path_in(dir)).unwrap();
    let submission = hustings::interact::NewSubmission {
        key: hustings::interact::new_key(),
        item: "volunteer".into(),
        kind: hustings::interact::Kind::Signup,
        submit_url: submit_url.to_string(),
        payload: serde_json::json!({"fields": {"name": "Ana Ruiz", "email": "ana@example.org", "phone": "+447700900123"}}),
    };
    outbox.record(&submission, 1_000).unwrap();
    outbox
}

#[test]
fn a_signup_is_never_redirected_to_another_origin_and_stays_in_the_outbox() {
    // The second origin: counts what reaches it.
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = reached.clone();
    let elsewhere = raw_server(move |_req, stream| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move { respond(stream, "200 OK", &[], b"{}").await }
    });
    // The submit URL's origin: redirects elsewhere (307 and 308 would re-send
    // the sign-up, 301 and 302 turn a POST into a GET, 303 points at a
    // result page), or within
    // itself (307 to /signup-here, which records the body it got).
    let bodies: Arc<Mutex<Vec<usize>>> = Default::default();
    let got = bodies.clone();
    let target = format!("{elsewhere}collect");
    let location = target.clone();
    let home = raw_server(move |req, stream| {
        let (target, got) = (location.clone(), got.clone());
        async move {
            match req.path.as_str() {
                away if away.starts_with("/away-") => {
                    let status = match &away[6..] {
                        "301" => "301 Moved Permanently",
                        "302" => "302 Found",
                        "303" => "303 See Other",
                        "307" => "307 Temporary Redirect",
                        _ => "308 Permanent Redirect",
                    };
                    respond(stream, status, &[("Location", &target)], b"").await
                }
                "/moved" => {
                    respond(
                        stream,
                        "307 Temporary Redirect",
                        &[("Location", "/signup-here")],
                        b"",
                    )
                    .await
                }
                _ => {
                    got.lock().unwrap().push(req.body.len());
                    respond(stream, "200 OK", &[], b"{}").await
                }
            }
        }
    });
    let submitter = hustings::interact::Submitter::new(Duration::from_secs(10)).unwrap();
    for path in ["away-301", "away-302", "away-307", "away-308"] {
        let dir = common::scratch(&format!("trust-net-redirect-{path}"));
        let mut outbox = outbox_with_signup(&dir, &format!("{home}{path}"));
        let d = common::runtime()
            .block_on(outbox.deliver_pending(&submitter, 2_000, hustings::interact::Which::All))
            .unwrap();
        assert_eq!(
            (d.delivered, d.failed, d.pending),
            (0, 1, 1),
            "{path}: {d:?}"
        );
        let pending = outbox.pending().unwrap();
        let why = pending[0].last_error.clone().unwrap_or_default();
        assert!(
            why.starts_with(&format!("{home}{path}: server answered HTTP 30"))
                && why.contains(&target)
                && why.contains("not followed"),
            "{path}: {why}"
        );
    }
    // A 303 See Other says the POST was taken and points at a result page:
    // delivered, and the page elsewhere is not fetched.
    let dir = common::scratch("trust-net-redirect-away-303");
    let mut outbox = outbox_with_signup(&dir, &format!("{home}away-303"));
    let d = common::runtime()
        .block_on(outbox.deliver_pending(&submitter, 2_000, hustings::interact::Which::All))
        .unwrap();
    assert_eq!((d.delivered, d.pending), (1, 0), "away-303: {d:?}");
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "nothing reached the other origin"
    );

    // Within the same origin a 307 is followed, with the answer re-sent.
    let dir = common::scratch("trust-net-redirect-same");
    let mut outbox = outbox_with_signup(&dir, &format!("{home}moved"));
    let d = common::runtime()
        .block_on(outbox.deliver_pending(&submitter, 2_000, hustings::interact::Which::All))
        .unwrap();
    assert_eq!((d.delivered, d.pending), (1, 0), "{d:?}");
    let bodies = bodies.lock().unwrap().clone();
    assert!(bodies.len() == 1 && bodies[0] > 0, "{bodies:?}");
}

#[test]
fn a_submission_reply_is_read_64_kib_at_most() {
    let base = raw_server(|_req, mut stream| async move {
        // An acknowledgement that goes on past 64 KiB, then stalls.
        if open_ended(&mut stream, &[]).await.is_ok() {
            let _ = stream.write_all(&vec![b' '; 64 * 1024 + 1]).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
    let submitter = hustings::interact::Submitter::new(Duration::from_secs(30)).unwrap();
    let url = format!("{base}answers");
    let outcome = common::runtime()
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(20),
                submitter.post(&url, &hustings::interact::new_key(), "{}".into()),
            )
            .await
        })
        .expect("answered without waiting for the rest of the reply");
    assert_eq!(
        outcome,
        hustings::interact::Outcome::Retry {
            reason: format!("{url}: reply larger than 64 KiB; not an acknowledgement")
        }
    );
}

#[test]
fn a_fetched_lineup_cannot_make_the_box_read_a_local_guide() {
    // A local XMLTV file the server knows the path of.
    let state = common::scratch("trust-net-local-guide");
    let local = state.join("local-guide.xml");
    std::fs::write(&local, guide("Secretive")).unwrap();
    let local = local.display().to_string();
    let (base, files) = mirror();
    let refs = [
        local.clone(),
        format!("file://{local}"),
        "/etc/passwd".to_string(),
    ];
    files.lock().unwrap().insert(
        "/lineup.m3u".into(),
        format!(
            "#EXTM3U x-tvg-url=\"{}\"\n#EXTINF:-1 tvg-id=\"alpha\",Alpha\nhttp://127.0.0.1:9/a.ts\n",
            refs.join(",")
        )
        .into_bytes(),
    );
    let mut config = Config::default();
    config.clock = common::clock().clone();
    let lineup_url = format!("{base}lineup.m3u");
    config.feeds.lineup = vec![lineup_url.clone()];
    config.state_dir = Some(state.clone());
    let http = HttpClient::for_config(&config).unwrap();
    let loaded = common::runtime().block_on(hustings::app::load(&config, &http, None));
    assert_eq!(loaded.channels.len(), 1, "{:?}", loaded.notices);
    for r in &refs {
        assert!(
            loaded.notices.iter().any(|n| n.starts_with(&lineup_url)
                && n.contains(&format!("{r:?}"))
                && n.contains("must be an http(s) URL")),
            "{r}: {:?}",
            loaded.notices
        );
    }
    assert!(
        guide_titles(&Store::path_in(&state), "Secretive").is_empty(),
        "the local file was not imported"
    );
}

#[test]
fn the_cli_fetches_feeds_within_the_configured_feed_deadline() {
    // A feed server that answers the headers, then trickles forever.
    let base = raw_server(|_req, mut stream| async move {
        if open_ended(&mut stream, &[]).await.is_ok() {
            loop {
                if stream.write_all(b"#").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
    let state = common::scratch("trust-net-cli-deadline");
    let config = state.join("config.toml");
    let (lineup, catalogue) = (format!("{base}lineup.m3u"), format!("{base}archive.json"));
    std::fs::write(
        &config,
        format!("[downloads]\nfeed_deadline_seconds = 1\n\n[feeds]\narchive = [\"{catalogue}\"]\n"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hustings"))
            .args(["--config", config.to_str().unwrap()])
            .args(["--state", state.to_str().unwrap()])
            .args(common::clock_arg())
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    // Without the setting each would wait out the client's 30 s backstop and
    // say something else.
    for (args, url) in [
        (vec!["lineup", "check", lineup.as_str()], &lineup),
        (vec!["archive", "list"], &catalogue),
    ] {
        let stderr = run(&args);
        assert!(
            stderr.contains(&format!(
                "{url}: refused: the transfer took longer than 1 s ([downloads] feed_deadline_seconds)"
            )),
            "{args:?}: {stderr}"
        );
    }
}
