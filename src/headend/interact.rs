//! The headend's side of polls and sign-ups (API in docs/interact-api.yaml):
//! the demo feed at `interact/feed.json`, `POST api/v1/submissions` and
//! `GET api/v1/polls/{item}/results`, kept in the headend's own SQLite file.
//!
//! It deduplicates by idempotency key (a replay gets the first reply again)
//! and refuses a second answer from one box to one poll with 409. For fault
//! tests it can drop a share of its replies *after* committing
//! (`--drop-replies P`): it then holds the request without answering until
//! the client gives up, so the client sees a timeout for an answer that was
//! recorded. It must not log sign-up payloads (personal data).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Deserialize;
use serde_json::{Value, json};

/// How long a dropped reply is held before the server gives up on it
/// (far beyond any client's timeout).
const DROP_HOLD: Duration = Duration::from_secs(120);
/// Largest submission body accepted.
const MAX_BODY: usize = 64 * 1024;

/// A demo poll: id, question, options (id, label), multiple choice, where.
struct DemoPoll {
    id: &'static str,
    title: &'static str,
    question: &'static str,
    options: &'static [(&'static str, &'static str)],
    multiple: bool,
    channels: Option<&'static [&'static str]>,
}

const POLLS: &[DemoPoll] = &[
    DemoPoll {
        id: "issue-priority",
        title: "Have your say",
        question: "Which issue matters most to you?",
        options: &[
            ("housing", "Housing and rents"),
            ("transport", "Buses and trains"),
            ("schools", "Schools"),
            ("jobs", "Jobs and wages"),
        ],
        multiple: false,
        channels: None,
    },
    DemoPoll {
        id: "debate-winner",
        title: "Leaders' Debate",
        question: "Who made the stronger case tonight?",
        options: &[
            ("ruiz", "Ana Ruiz"),
            ("price", "Tom Price"),
            ("undecided", "Still undecided"),
        ],
        multiple: false,
        channels: None,
    },
    DemoPoll {
        id: "bus-lanes",
        title: "Council question",
        question: "Should the council build more bus lanes?",
        options: &[("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")],
        multiple: false,
        channels: Some(&["council-live", "civic-one"]),
    },
    DemoPoll {
        id: "events",
        title: "Get involved",
        question: "Which campaign events would you come to?",
        options: &[
            ("rally", "A rally"),
            ("townhall", "A town hall"),
            ("canvass", "Door knocking"),
            ("phonebank", "A phone bank"),
        ],
        multiple: true,
        channels: None,
    },
];

const SIGNUP_ID: &str = "volunteer";
const SPONSOR: &str = "Paid for by Civic Hustings Campaign, 1 High Street, Anytown";
const SPONSOR_NAME: &str = "Civic Hustings Campaign";
const SPONSOR_ADDRESS: &str = "1 High Street, Anytown";
const PRIVACY: &str = "Civic Hustings Campaign keeps your name, e-mail, phone number and postcode \
to contact you about volunteering, for 12 months, and shares them with no one. \
Ask us to delete them at any time: privacy@civic.example.";

/// The demo feed around `now`: four polls, a sign-up form and a notice, in
/// force from two days before to a week after (whole days, so the body and
/// its ETag change once a day).
pub fn demo_feed(now: i64) -> Value {
    let day = now.div_euclid(86_400) * 86_400;
    let rfc = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let when = json!({"start": rfc(day - 2 * 86_400), "end": rfc(day + 7 * 86_400)});
    let mut items: Vec<Value> = POLLS
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "kind": "poll",
                "where": match p.channels {
                    None => json!("all"),
                    Some(c) => json!({"channels": c}),
                },
                "when": when,
                "title": p.title,
                "question": p.question,
                "options": p.options.iter().map(|(id, label)| json!({"id": id, "label": label})).collect::<Vec<_>>(),
                "multiple": p.multiple,
                "privacy": "Your answer is counted anonymously; this box's random id is kept only to count one answer per box.",
                "sponsor": SPONSOR,
                "results": format!("../api/v1/polls/{}/results", p.id),
                "submit": "../api/v1/submissions",
            })
        })
        .collect();
    items.push(json!({
        "id": SIGNUP_ID,
        "kind": "signup",
        "where": "all",
        "when": when,
        "title": "Volunteer for the campaign",
        "question": "Leave your details and a local organiser will be in touch.",
        "fields": [
            {"id": "name", "kind": "name", "label": "Your name", "required": true},
            {"id": "email", "kind": "email", "label": "E-mail", "required": true},
            {"id": "phone", "kind": "phone", "label": "Phone", "required": false},
            {"id": "postcode", "kind": "postcode", "label": "Postcode", "required": true},
            {"id": "team", "kind": "choice", "label": "I can help with", "required": false,
             "choices": [{"id": "doors", "label": "Knocking on doors"}, {"id": "phones", "label": "Phoning"},
                         {"id": "events", "label": "Events"}]}
        ],
        "privacy": PRIVACY,
        "sponsor": SPONSOR,
        "submit": "../api/v1/submissions",
        "page": "volunteer.html",
    }));
    items.push(json!({
        "id": "polling-day",
        "kind": "notice",
        "where": {"channels": ["campaign-news"]},
        "when": when,
        "title": "Polling day is Thursday",
        "question": "Polling stations are open from 7am to 10pm. Bring photo ID.",
        // The structured form: the box words it for its jurisdiction
        // (it names an address, so a "uk" box shows it too).
        "sponsor": {"name": SPONSOR_NAME, "address": SPONSOR_ADDRESS},
    }));
    json!({"version": 1, "publisher": "Civic Hustings Campaign", "items": items})
}

/// Why the interactive store could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct StoreError {
    pub path: PathBuf,
    pub source: rusqlite::Error,
}

/// The server side: submissions in SQLite, and the faults it can be asked
/// to cause (dropped replies, error answers, a crash after a commit).
pub struct Server {
    db: Mutex<Connection>,
    drop_replies: f64,
    /// Statuses still to answer instead of storing (`--fail-submissions`).
    fail: Mutex<std::collections::VecDeque<u16>>,
    /// Die after committing this many new submissions (`--die-after-commit`).
    die_after_commit: Option<u32>,
    committed: std::sync::atomic::AtomicU32,
    /// "Now" for the feed's schedule and submissions' receipt times.
    clock: crate::config::Clock,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    key TEXT PRIMARY KEY,
    box_id TEXT NOT NULL,
    item TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    client_created_at TEXT,
    response TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS one_answer_per_box_and_poll
    ON submissions (box_id, item) WHERE kind = 'poll';
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
";

/// What storing one submission came to.
enum Stored {
    New(String),
    Replay(String),
    AlreadyAnswered,
    KeyReused,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Submission {
    key: String,
    #[serde(rename = "box")]
    box_id: String,
    item: String,
    kind: String,
    payload: Value,
    #[serde(default)]
    created_at: Option<String>,
}

impl Server {
    /// Opens (or creates) the store at `path`; the feed is made around `clock`'s now.
    pub fn open(
        path: &Path,
        drop_replies: f64,
        clock: crate::config::Clock,
    ) -> Result<Arc<Server>, StoreError> {
        Self::open_with(path, drop_replies, clock, &super::faults::Faults::default())
    }

    /// Opens the store at `path` with the submission faults of `faults`.
    pub fn open_with(
        path: &Path,
        drop_replies: f64,
        clock: crate::config::Clock,
        faults: &super::faults::Faults,
    ) -> Result<Arc<Server>, StoreError> {
        let err = |source| StoreError {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Arc::new(Server {
            db: Mutex::new(conn),
            drop_replies: if drop_replies.is_finite() {
                drop_replies.clamp(0.0, 1.0)
            } else {
                0.0
            },
            fail: Mutex::new(faults.fail_submissions.iter().copied().collect()),
            die_after_commit: faults.die_after_commit,
            committed: std::sync::atomic::AtomicU32::new(0),
            clock,
        }))
    }

    fn with_db<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        // A panic while holding the lock cannot leave a half transaction
        // (SQLite rolls it back when the Transaction drops): go on.
        let mut conn = self.db.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }

    fn store(&self, s: &Submission, now: i64) -> rusqlite::Result<Stored> {
        self.with_db(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let payload = s.payload.to_string();
            let earlier: Option<(String, String, String, String, String)> = tx
                .query_row(
                    "SELECT box_id, item, kind, payload, response FROM submissions WHERE key = ?1",
                    [&s.key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let bump = |tx: &rusqlite::Transaction, name: &str| {
                tx.execute(
                    "INSERT INTO counters (name, value) VALUES (?1, 1)
                     ON CONFLICT (name) DO UPDATE SET value = value + 1",
                    [name],
                )
            };
            let outcome = match earlier {
                Some((b, i, k, p, response)) => {
                    if (b, i, k, p) == (s.box_id.clone(), s.item.clone(), s.kind.clone(), payload) {
                        bump(&tx, "replays")?;
                        Stored::Replay(response)
                    } else {
                        bump(&tx, "key_reused")?;
                        Stored::KeyReused
                    }
                }
                None => {
                    let answered = s.kind == "poll"
                        && tx
                            .query_row(
                                "SELECT 1 FROM submissions WHERE box_id = ?1 AND item = ?2 AND kind = 'poll'",
                                [&s.box_id, &s.item],
                                |_| Ok(()),
                            )
                            .optional()?
                            .is_some();
                    if answered {
                        bump(&tx, "conflicts")?;
                        Stored::AlreadyAnswered
                    } else {
                        let response = json!({
                            "key": s.key,
                            "item": s.item,
                            "status": "recorded",
                            "received_at": now,
                        })
                        .to_string();
                        tx.execute(
                            "INSERT INTO submissions (key, box_id, item, kind, payload, received_at, client_created_at, response)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            params![s.key, s.box_id, s.item, s.kind, payload, now, s.created_at, response],
                        )?;
                        Stored::New(response)
                    }
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
    }

    fn count(&self, name: &str) -> rusqlite::Result<i64> {
        self.with_db(|c| {
            c.query_row("SELECT value FROM counters WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .map(|v| v.unwrap_or(0))
        })
    }
}

/// The routes, with their own state (merged into the headend's router).
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/interact/feed.json", get(feed))
        .route("/interact/volunteer.html", get(volunteer_page))
        .route("/api/v1/submissions", post(submit))
        .route("/api/v1/polls/{item}/results", get(results))
        .route("/api/v1/stats", get(stats))
        .with_state(server)
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        axum::Json(json!({"error": code, "message": message})),
    )
        .into_response()
}

async fn feed(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let body = demo_feed(server.clock.now()).to_string().into_bytes();
    super::http::conditional(&headers, "application/json", body)
}

/// The sign-up form as a web page (the QR code on the TV points here), for
/// a viewer who would rather type on a phone. It posts nothing by itself in
/// the demo; it shows the same fields and privacy notice.
async fn volunteer_page() -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Volunteer for the campaign</title><h1>Volunteer for the campaign</h1>\
         <form><label>Your name <input name=\"name\" required></label><br><label>E-mail <input name=\"email\" type=\"email\" required></label><br>\
         <label>Phone <input name=\"phone\" type=\"tel\"></label><br><label>Postcode <input name=\"postcode\" required></label><br>\
         <p>{PRIVACY}</p><label><input type=\"checkbox\" required> I agree</label><br><button>Send</button></form><p><small>{SPONSOR}</small></p></html>"
    );
    (
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// Why a submission is refused: status, error code, message.
type Refusal = (StatusCode, &'static str, String);

/// Checks a submission against the demo feed.
fn check(s: &Submission, headers: &HeaderMap) -> Result<(), Refusal> {
    let bad = |code, message: String| Err((StatusCode::UNPROCESSABLE_ENTITY, code, message));
    if !crate::interact::submission::is_key(&s.key) {
        return bad("bad_key", "key must be 16 to 64 hex digits or '-'".into());
    }
    match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => {}
        Some(Ok(h)) if h == s.key => {}
        Some(_) => {
            return bad(
                "bad_key",
                "the Idempotency-Key header differs from key".into(),
            );
        }
    }
    if !crate::interact::submission::is_key(&s.box_id) {
        return bad("bad_box", "box must be 16 to 64 hex digits or '-'".into());
    }
    if let Some(poll) = POLLS.iter().find(|p| p.id == s.item) {
        if s.kind != "poll" {
            return bad("wrong_kind", format!("{} is a poll", s.item));
        }
        let chosen: Vec<&str> = s.payload["options"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let known = chosen
            .iter()
            .all(|c| poll.options.iter().any(|(id, _)| id == c));
        let count_ok = if poll.multiple {
            !chosen.is_empty()
        } else {
            chosen.len() == 1
        };
        if !known || !count_ok {
            return bad(
                "invalid_answer",
                format!("not an answer to poll {}", s.item),
            );
        }
        return Ok(());
    }
    if s.item == SIGNUP_ID {
        if s.kind != "signup" {
            return bad("wrong_kind", format!("{} is a sign-up form", s.item));
        }
        if !s.payload["fields"].is_object() || !s.payload["consent"].is_object() {
            return bad("invalid_form", "a sign-up needs fields and consent".into());
        }
        return Ok(());
    }
    Err((
        StatusCode::NOT_FOUND,
        "unknown_item",
        format!("no poll or sign-up form {:?}", s.item),
    ))
}

async fn submit(State(server): State<Arc<Server>>, headers: HeaderMap, body: Bytes) -> Response {
    if body.len() > MAX_BODY {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("a submission is at most {MAX_BODY} bytes"),
        );
    }
    let s: Submission = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    if let Err((status, code, message)) = check(&s, &headers) {
        return error(status, code, message);
    }
    let failure = server
        .fail
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .pop_front();
    if let Some(status) = failure.and_then(|s| StatusCode::from_u16(s).ok()) {
        tracing::info!(key = %s.key, %status, "failing this submission (--fail-submissions)");
        return error(
            status,
            "fault",
            "failed on purpose (--fail-submissions)".into(),
        );
    }
    let now = server.clock.now();
    let srv = server.clone();
    let stored = tokio::task::spawn_blocking(move || srv.store(&s, now).map(|o| (o, s))).await;
    let (outcome, s) = match stored {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            tracing::error!("interact store: {e}");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "store",
                "try again later".into(),
            );
        }
        Err(e) => {
            tracing::error!("interact store task: {e}");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "store",
                "try again later".into(),
            );
        }
    };
    if matches!(outcome, Stored::New(_))
        && let Some(n) = server.die_after_commit
        && server
            .committed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1
            == n
    {
        // A crash between the commit (synchronous=FULL, on disk) and the
        // reply: the client never hears that its submission was recorded.
        tracing::warn!(key = %s.key, "dying after the commit (--die-after-commit)");
        // SAFETY: kill(2) on our own pid has no memory-safety preconditions.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
    let reply = match outcome {
        Stored::New(r) | Stored::Replay(r) => {
            ([(axum::http::header::CONTENT_TYPE, "application/json")], r).into_response()
        }
        Stored::AlreadyAnswered => error(
            StatusCode::CONFLICT,
            "already_answered",
            format!("box {} has already answered poll {}", s.box_id, s.item),
        ),
        Stored::KeyReused => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "key_reused",
            format!("key {} was used for a different submission", s.key),
        ),
    };
    if server.drop_replies > 0.0 && {
        use rand::RngExt;
        rand::rng().random_bool(server.drop_replies)
    } {
        tracing::info!(key = %s.key, "dropping the reply (--drop-replies)");
        let srv = server.clone();
        let _ = tokio::task::spawn_blocking(move || {
            srv.with_db(|c| {
                c.execute(
                    "INSERT INTO counters (name, value) VALUES ('dropped', 1)
                     ON CONFLICT (name) DO UPDATE SET value = value + 1",
                    [],
                )
            })
        })
        .await;
        tokio::time::sleep(DROP_HOLD).await;
        return error(
            StatusCode::GATEWAY_TIMEOUT,
            "dropped",
            "this reply was dropped on purpose (--drop-replies)".into(),
        );
    }
    reply
}

async fn results(State(server): State<Arc<Server>>, UrlPath(item): UrlPath<String>) -> Response {
    let Some(poll) = POLLS.iter().find(|p| p.id == item) else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown_poll",
            format!("no poll {item:?}"),
        );
    };
    let counted = tokio::task::spawn_blocking(move || {
        server.with_db(|c| {
            let total: i64 = c.query_row(
                "SELECT count(*) FROM submissions WHERE item = ?1 AND kind = 'poll'",
                [poll.id],
                |r| r.get(0),
            )?;
            let mut options = serde_json::Map::new();
            for (id, _) in poll.options {
                options.insert(id.to_string(), json!(0));
            }
            let mut stmt = c.prepare(
                "SELECT j.value, count(*) FROM submissions, json_each(submissions.payload, '$.options') AS j
                 WHERE submissions.item = ?1 AND submissions.kind = 'poll' GROUP BY j.value",
            )?;
            let rows = stmt.query_map([poll.id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (option, n) = row?;
                options.insert(option, json!(n));
            }
            Ok(json!({"total": total, "options": options}))
        })
    })
    .await;
    match counted {
        Ok(Ok(v)) => axum::Json(v).into_response(),
        _ => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "store",
            "try again later".into(),
        ),
    }
}

async fn stats(State(server): State<Arc<Server>>) -> Response {
    let counted = tokio::task::spawn_blocking(move || -> rusqlite::Result<Value> {
        let submissions: i64 = server
            .with_db(|c| c.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)))?;
        Ok(json!({
            "submissions": submissions,
            "replays": server.count("replays")?,
            "conflicts": server.count("conflicts")?,
            "key_reused": server.count("key_reused")?,
            "dropped": server.count("dropped")?,
        }))
    })
    .await;
    match counted {
        Ok(Ok(v)) => axum::Json(v).into_response(),
        _ => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "store",
            "try again later".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_feed_parses_with_every_item_in_force_now() {
        let now = 1_790_000_000;
        let body = demo_feed(now).to_string();
        let base = url::Url::parse("http://127.0.0.1:1/interact/feed.json").unwrap();
        let f = crate::interact::feed::parse(body.as_bytes(), &base, Default::default()).unwrap();
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
        assert_eq!(f.items.len(), POLLS.len() + 2);
        assert!(f.items.iter().all(|i| i.start <= now && now < i.end));
        assert_eq!(
            f.items[0].submit.as_deref(),
            Some("http://127.0.0.1:1/api/v1/submissions")
        );
        assert_eq!(demo_feed(now + 60), demo_feed(now), "stable within a day");
        let notice = f.items.last().unwrap();
        assert_eq!(
            notice.sponsor.as_ref().map(|s| s.to_string()).as_deref(),
            Some("Paid for by Civic Hustings Campaign"),
            "the notice's structured sponsor, worded for the default jurisdiction"
        );
    }

    #[test]
    fn the_store_dedupes_by_key_and_refuses_a_second_answer_per_box_and_poll() {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::open(&dir.path().join("i.sqlite3"), 0.0, Default::default()).unwrap();
        let sub = |key: &str, option: &str| Submission {
            key: key.into(),
            box_id: "b0b0b0b0b0b0b0b0".into(),
            item: "issue-priority".into(),
            kind: "poll".into(),
            payload: json!({"options": [option]}),
            created_at: None,
        };
        let first = match server.store(&sub("k000000000000001", "jobs"), 1).unwrap() {
            Stored::New(r) => r,
            _ => panic!("not new"),
        };
        assert!(matches!(
            server.store(&sub("k000000000000001", "jobs"), 2).unwrap(),
            Stored::Replay(r) if r == first
        ));
        assert!(matches!(
            server
                .store(&sub("k000000000000002", "housing"), 3)
                .unwrap(),
            Stored::AlreadyAnswered
        ));
        assert!(matches!(
            server
                .store(&sub("k000000000000001", "housing"), 4)
                .unwrap(),
            Stored::KeyReused
        ));
        assert_eq!(server.count("replays").unwrap(), 1);
        assert_eq!(server.count("conflicts").unwrap(), 1);
    }
}
