//! The durable outbox: every poll answer and sign-up is committed to its own
//! SQLite file (`<state>/outbox.sqlite3`) before the screen says "Saved", and
//! sent until the server acknowledges it; then it is deleted.
//!
//! Exactly once rests on three things. The idempotency key is made before the
//! row is written and is sent with every attempt, so the server counts a
//! retry of something it already recorded once (its reply may have been lost
//! after it committed). The row is deleted only after an acknowledgement, so
//! a kill or power cut at any moment leaves either the row (sent again, same
//! key) or nothing (never "Saved"). And one answer per box per poll is kept
//! here too: `answered_polls` remembers which polls this box answered after
//! the row is gone, so a second answer is refused before it is made.
//!
//! Durability: WAL with `synchronous=FULL` makes a commit reach the disk
//! before `record` returns. Privacy: `secure_delete=ON` zeroes deleted rows
//! in place and a `wal_checkpoint(TRUNCATE)` after each deletion empties the
//! WAL, so an acknowledged form leaves no bytes in `outbox.sqlite3`, its
//! `-wal` or its `-shm`. Logs name keys and items, never payloads.
//!
//! The same file caches the last good interactive feed (see `cache.rs`) and
//! holds the box id: random per install, never derived from a MAC address or
//! a serial number. It must not import the player or the UI.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use thiserror::Error;

use super::deliver::{Outcome, Submitter};
use super::submission::NewSubmission;

/// The outbox's file name in the state directory.
pub const FILE_NAME: &str = "outbox.sqlite3";

/// Why the outbox could not do what was asked.
#[derive(Debug, Error)]
pub enum OutboxError {
    #[error("{path}: {}", crate::store::describe(source))]
    Db {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("poll {item}: this box has already answered it")]
    AlreadyAnswered { item: String },
}

/// What `record` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Committed now.
    New,
    /// This key was recorded before (OK pressed twice); nothing changed.
    AlreadyRecorded,
}

/// A submission waiting to be sent, without its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub key: String,
    pub item: String,
    pub kind: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub attempts: u32,
    /// Unix milliseconds.
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
}

/// Which rows a delivery round sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Those whose backoff has run out.
    Due,
    /// All of them (a flush asked for by a person or a script).
    All,
}

/// What a delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Acknowledged and deleted.
    pub delivered: usize,
    /// The server already had an answer from this box to the poll; deleted.
    pub already_answered: usize,
    /// Refused for good (another 4xx); deleted.
    pub rejected: usize,
    /// Failed this time; rescheduled.
    pub failed: usize,
    /// Still in the outbox afterwards.
    pub pending: usize,
    /// The earliest next attempt (Unix milliseconds), when any is pending.
    pub next_attempt_at: Option<i64>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS submissions (
    key TEXT PRIMARY KEY,
    box_id TEXT NOT NULL,
    item TEXT NOT NULL,
    kind TEXT NOT NULL,
    submit_url TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS answered_polls (
    item TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    answered_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS feed_cache (
    url TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    etag TEXT,
    last_modified TEXT,
    fetched_at INTEGER NOT NULL
) STRICT;
";

/// The outbox database of one box.
pub struct Outbox {
    conn: Connection,
    path: PathBuf,
    box_id: String,
}

/// One row as sent.
struct Row {
    key: String,
    box_id: String,
    item: String,
    kind: String,
    submit_url: String,
    payload: String,
    created_at: i64,
    attempts: u32,
}

impl Outbox {
    /// The outbox file in a state directory.
    pub fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join(FILE_NAME)
    }

    /// Opens (or creates) the outbox at `path`, making the box id on first use.
    pub fn open(path: &Path) -> Result<Outbox, OutboxError> {
        let db = |source| OutboxError::Db {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| OutboxError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(db)?;
        // A second process (the UI and a script) may hold the write lock briefly.
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        let fresh = super::submission::new_key();
        conn.execute(
            "INSERT OR IGNORE INTO settings (name, value) VALUES ('box_id', ?1)",
            [&fresh],
        )
        .map_err(db)?;
        let box_id: String = conn
            .query_row(
                "SELECT value FROM settings WHERE name = 'box_id'",
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
        let outbox = Outbox {
            conn,
            path: path.to_path_buf(),
            box_id,
        };
        // A kill between a deletion and its checkpoint left the old frames
        // in the WAL: empty it now.
        outbox.checkpoint();
        Ok(outbox)
    }

    /// This box's random id (sent with every submission).
    pub fn box_id(&self) -> &str {
        &self.box_id
    }

    /// Replaces the box's id with a new random one (the viewer's choice in
    /// Settings): later answers cannot be linked to earlier ones by it.
    /// Answers already waiting keep the id they were given under.
    pub fn new_box_id(&mut self) -> Result<(), OutboxError> {
        let fresh = super::submission::new_key();
        self.conn
            .execute(
                "UPDATE settings SET value = ?1 WHERE name = 'box_id'",
                [&fresh],
            )
            .map_err(|e| self.db_error(e))?;
        self.box_id = fresh;
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(super) fn db_error(&self, source: rusqlite::Error) -> OutboxError {
        OutboxError::Db {
            path: self.path.clone(),
            source,
        }
    }

    /// Whether this box has answered poll `item` (delivered or not).
    pub fn has_answered(&self, item: &str) -> Result<bool, OutboxError> {
        self.conn
            .query_row(
                "SELECT 1 FROM answered_polls WHERE item = ?1",
                [item],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.db_error(e))
    }

    /// Commits `s` to disk; when this returns Ok the submission survives a
    /// kill or power cut. A second answer to a poll is refused.
    pub fn record(&mut self, s: &NewSubmission, now_ms: i64) -> Result<Recorded, OutboxError> {
        let path = self.path.clone();
        let db = |source| OutboxError::Db {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let known_key = tx
            .query_row("SELECT 1 FROM submissions WHERE key = ?1", [&s.key], |_| {
                Ok(())
            })
            .optional()
            .map_err(db)?
            .is_some()
            || tx
                .query_row(
                    "SELECT 1 FROM answered_polls WHERE key = ?1",
                    [&s.key],
                    |_| Ok(()),
                )
                .optional()
                .map_err(db)?
                .is_some();
        if known_key {
            return Ok(Recorded::AlreadyRecorded);
        }
        let kind = s.kind.as_str();
        if s.kind == super::feed::Kind::Poll {
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO answered_polls (item, key, answered_at) VALUES (?1, ?2, ?3)",
                    params![s.item, s.key, now_ms],
                )
                .map_err(db)?;
            if inserted == 0 {
                return Err(OutboxError::AlreadyAnswered {
                    item: s.item.clone(),
                });
            }
        }
        tx.execute(
            "INSERT INTO submissions (key, box_id, item, kind, submit_url, payload, created_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![
                s.key,
                self.box_id,
                s.item,
                kind,
                s.submit_url,
                s.payload.to_string(),
                now_ms
            ],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        tracing::info!(key = %s.key, item = %s.item, kind, "submission recorded");
        Ok(Recorded::New)
    }

    /// What waits to be sent, oldest first (no payloads).
    pub fn pending(&self) -> Result<Vec<Pending>, OutboxError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT key, item, kind, created_at, attempts, next_attempt_at, last_error
                 FROM submissions ORDER BY created_at, key",
            )
            .map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Pending {
                    key: r.get(0)?,
                    item: r.get(1)?,
                    kind: r.get(2)?,
                    created_at: r.get(3)?,
                    attempts: r.get(4)?,
                    next_attempt_at: r.get(5)?,
                    last_error: r.get(6)?,
                })
            })
            .map_err(|e| self.db_error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.db_error(e))
    }

    fn rows(&self, which: Which, now_ms: i64) -> Result<Vec<Row>, OutboxError> {
        let due = match which {
            Which::Due => now_ms,
            Which::All => i64::MAX,
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT key, box_id, item, kind, submit_url, payload, created_at, attempts
                 FROM submissions WHERE next_attempt_at <= ?1 ORDER BY created_at, key",
            )
            .map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map([due], |r| {
                Ok(Row {
                    key: r.get(0)?,
                    box_id: r.get(1)?,
                    item: r.get(2)?,
                    kind: r.get(3)?,
                    submit_url: r.get(4)?,
                    payload: r.get(5)?,
                    created_at: r.get(6)?,
                    attempts: r.get(7)?,
                })
            })
            .map_err(|e| self.db_error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.db_error(e))
    }

    /// Deletes an acknowledged submission and empties the WAL, so its
    /// personal data is gone from every file of the database.
    pub fn acknowledge(&mut self, key: &str) -> Result<(), OutboxError> {
        self.conn
            .execute("DELETE FROM submissions WHERE key = ?1", [key])
            .map_err(|e| self.db_error(e))?;
        self.checkpoint();
        Ok(())
    }

    /// Copies the WAL into the database and truncates it. Best effort: a
    /// reader in another process can make it busy, and the next deletion or
    /// open tries again.
    fn checkpoint(&self) {
        let busy = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            });
        match busy {
            Ok(0) => {}
            Ok(_) => {
                tracing::debug!(path = %self.path.display(), "WAL checkpoint busy; retried later")
            }
            Err(e) => tracing::warn!(path = %self.path.display(), "WAL checkpoint failed: {e}"),
        }
    }

    fn reschedule(
        &mut self,
        key: &str,
        attempts: u32,
        next_ms: i64,
        reason: &str,
    ) -> Result<(), OutboxError> {
        self.conn
            .execute(
                "UPDATE submissions SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE key = ?1",
                params![key, attempts, next_ms, reason],
            )
            .map(|_| ())
            .map_err(|e| self.db_error(e))
    }

    /// Sends the rows `which` selects, one by one; deletes what the server
    /// acknowledges (or refuses for good) and reschedules the rest with
    /// exponential backoff and jitter. `now_ms` is the Unix time in ms.
    pub async fn deliver_pending(
        &mut self,
        http: &Submitter,
        now_ms: i64,
        which: Which,
    ) -> Result<Delivery, OutboxError> {
        let started = Instant::now();
        let mut d = Delivery::default();
        for row in self.rows(which, now_ms)? {
            let created = chrono::DateTime::from_timestamp_millis(row.created_at)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default();
            let payload: serde_json::Value =
                serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
            let body = serde_json::json!({
                "key": row.key,
                "box": row.box_id,
                "item": row.item,
                "kind": row.kind,
                "payload": payload,
                "created_at": created,
            });
            match http.post(&row.submit_url, &row.key, body.to_string()).await {
                Outcome::Acknowledged => {
                    self.acknowledge(&row.key)?;
                    tracing::info!(key = %row.key, item = %row.item, "submission acknowledged");
                    d.delivered += 1;
                }
                Outcome::AlreadyAnswered => {
                    self.acknowledge(&row.key)?;
                    tracing::warn!(key = %row.key, item = %row.item, "the server already holds this box's answer to the poll");
                    d.already_answered += 1;
                }
                Outcome::Rejected { status } => {
                    self.acknowledge(&row.key)?;
                    tracing::warn!(key = %row.key, item = %row.item, status, "submission refused by the server");
                    d.rejected += 1;
                }
                Outcome::Retry { reason } => {
                    let attempts = row.attempts.saturating_add(1);
                    let now = now_ms.saturating_add(started.elapsed().as_millis() as i64);
                    let wait = super::backoff::random_delay(attempts).as_millis() as i64;
                    self.reschedule(&row.key, attempts, now.saturating_add(wait), &reason)?;
                    tracing::info!(key = %row.key, item = %row.item, attempts, "delivery failed; retried in {wait} ms: {reason}");
                    d.failed += 1;
                }
            }
        }
        let left = self.pending()?;
        d.pending = left.len();
        d.next_attempt_at = left.iter().map(|p| p.next_attempt_at).min();
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interact::feed::Kind;

    fn tmp() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("hustings-outbox-")
            .tempdir()
            .unwrap()
    }

    fn submission(key: &str, item: &str, kind: Kind, payload: serde_json::Value) -> NewSubmission {
        NewSubmission {
            key: key.into(),
            item: item.into(),
            kind,
            submit_url: "http://127.0.0.1:9/api/v1/submissions".into(),
            payload,
        }
    }

    #[test]
    fn the_box_id_is_random_per_install_and_kept() {
        let (a, b) = (tmp(), tmp());
        let id = Outbox::open(&Outbox::path_in(a.path()))
            .unwrap()
            .box_id()
            .to_string();
        assert_eq!(
            Outbox::open(&Outbox::path_in(a.path())).unwrap().box_id(),
            id
        );
        assert_ne!(
            Outbox::open(&Outbox::path_in(b.path())).unwrap().box_id(),
            id
        );
    }

    #[test]
    fn a_poll_is_answered_once_per_box_and_a_repeated_key_changes_nothing() {
        let dir = tmp();
        let mut o = Outbox::open(&Outbox::path_in(dir.path())).unwrap();
        let first = submission(
            "k1",
            "poll",
            Kind::Poll,
            serde_json::json!({"options": ["a"]}),
        );
        assert_eq!(o.record(&first, 1).unwrap(), Recorded::New);
        assert_eq!(o.record(&first, 2).unwrap(), Recorded::AlreadyRecorded);
        let second = submission(
            "k2",
            "poll",
            Kind::Poll,
            serde_json::json!({"options": ["b"]}),
        );
        let e = o.record(&second, 3).unwrap_err();
        assert!(matches!(e, OutboxError::AlreadyAnswered { .. }), "{e}");
        // Still refused once the first answer was delivered and deleted.
        o.acknowledge("k1").unwrap();
        assert!(o.pending().unwrap().is_empty());
        assert!(o.has_answered("poll").unwrap());
        assert!(matches!(
            o.record(&second, 4),
            Err(OutboxError::AlreadyAnswered { .. })
        ));
        assert_eq!(o.record(&first, 5).unwrap(), Recorded::AlreadyRecorded);
        // Sign-ups are not limited.
        for key in ["s1", "s2"] {
            let s = submission(key, "form", Kind::Signup, serde_json::json!({}));
            assert_eq!(o.record(&s, 6).unwrap(), Recorded::New);
        }
        let pending = o.pending().unwrap();
        assert_eq!(pending.len(), 2);
        assert_eq!((pending[0].attempts, pending[0].next_attempt_at), (0, 6));
    }

    #[test]
    fn an_acknowledged_form_leaves_no_bytes_in_any_database_file() {
        let dir = tmp();
        let path = Outbox::path_in(dir.path());
        let mut o = Outbox::open(&path).unwrap();
        let email = "tracer-7f3a@example.org";
        let s = submission(
            "k",
            "form",
            Kind::Signup,
            serde_json::json!({"fields": {"email": email}}),
        );
        o.record(&s, 1).unwrap();
        // Let the row reach the main file too, as an automatic checkpoint would.
        o.checkpoint();
        let scan = || {
            ["", "-wal", "-shm"].iter().any(|suffix| {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                std::fs::read(&p)
                    .map(|b| b.windows(email.len()).any(|w| w == email.as_bytes()))
                    .unwrap_or(false)
            })
        };
        assert!(scan(), "the tracer is written before acknowledgement");
        o.acknowledge("k").unwrap();
        // The connection stays open: the files are scanned as they are on a
        // running box, not after SQLite's clean close.
        assert!(!scan(), "personal data left in the database files");
    }
}
