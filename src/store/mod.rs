//! SQLite storage: schema, migrations and the box's cached state.
//!
//! The box keeps one database file in its state directory. This module owns
//! the schema (versioned with `PRAGMA user_version`) and every write. Today it
//! holds the last good body of each feed, so the box starts from cache when
//! the network is down, and small settings such as the last channel watched.
//! It must not import the player, the UI or GStreamer.

mod archive;
pub use archive::ArchiveHit;
mod guide_import;
mod guide_query;
mod prefs;
mod programme_row;

pub use guide_import::{GuideImport, ImportStats};
pub use guide_query::{GridCell, NowNext, ProgrammeDetails, SearchHit};
pub use programme_row::{ProgrammeRow, RowMaker};

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use thiserror::Error;

/// The size SQLite truncates the write-ahead log back to after a checkpoint
/// (`PRAGMA journal_size_limit`).
pub const WAL_LIMIT_BYTES: i64 = 64 << 20;

/// A storage failure, naming the database file.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{path}: {}", describe(source))]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: database schema version {found} is newer than this program ({supported})")]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
}

/// Whether SQLite failed for want of disk space: SQLITE_FULL when a write
/// does not fit, and SQLITE_IOERR_SHMSIZE when a WAL database cannot even
/// size its shared-memory file (the first thing an open does on a disk
/// with not a page left).
pub fn disk_full(e: &rusqlite::Error) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => {
            f.code == rusqlite::ErrorCode::DiskFull
                || f.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE
        }
        _ => false,
    }
}

/// SQLite's words for an error, led by a plain "the disk is full" when it
/// is (SQLite says "database or disk is full", or "disk I/O error").
pub fn describe(e: &rusqlite::Error) -> String {
    if disk_full(e) {
        format!("the disk is full ({e})")
    } else {
        e.to_string()
    }
}

impl StoreError {
    /// Whether this is a full disk.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::Sqlite { source, .. } if disk_full(source))
    }
}

/// Ordered migrations; entry N brings the schema from version N to N+1.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE feed_cache (
        url TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        fetched_at INTEGER NOT NULL
    );
    CREATE TABLE setting (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );",
    // 2: the programme guide (see guide_import.rs), validators for conditional GET,
    // and per-channel viewer preferences keyed by the stable channel key.
    "CREATE TABLE feed_validator (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        checked_at INTEGER NOT NULL
    );
    CREATE TABLE guide_channel (
        guide_id TEXT PRIMARY KEY,
        display_names TEXT NOT NULL,
        icon TEXT,
        lcn INTEGER
    );
    CREATE TABLE programme (
        id INTEGER PRIMARY KEY,
        generation INTEGER NOT NULL,
        channel TEXT NOT NULL,
        start INTEGER NOT NULL,
        stop INTEGER,
        title TEXT NOT NULL,
        sub_title TEXT,
        description TEXT,
        categories TEXT NOT NULL,
        episode TEXT,
        rating TEXT,
        icon TEXT,
        credits TEXT NOT NULL,
        langs TEXT,
        flags INTEGER NOT NULL
    );
    CREATE INDEX programme_channel_start ON programme(channel, start);
    CREATE VIRTUAL TABLE programme_fts USING fts5(
        title, sub_title, description, credits,
        content = 'programme', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TABLE channel_pref (
        channel_key TEXT PRIMARY KEY,
        favourite INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE hidden_group (
        name TEXT PRIMARY KEY
    );",
    // v3: the full-text index is filled as programmes go in (overlapping the
    // parser) instead of rebuilt after them, and a description is stored and
    // indexed once however many programmes share it (guides repeat them
    // across a week's airings). Both indexes are contentless (display text
    // comes from the tables; bm25 needs only the sizes FTS5 keeps), and
    // triggers follow every delete.
    "DROP TABLE programme_fts;
    CREATE TABLE description (
        id INTEGER PRIMARY KEY,
        body TEXT NOT NULL
    );
    INSERT INTO description (body)
        SELECT DISTINCT description FROM programme WHERE description IS NOT NULL;
    CREATE INDEX description_body ON description(body);
    ALTER TABLE programme ADD COLUMN description_id INTEGER;
    UPDATE programme SET description_id = (SELECT id FROM description WHERE body = programme.description);
    DROP INDEX description_body;
    ALTER TABLE programme DROP COLUMN description;
    CREATE INDEX programme_description ON programme(description_id);
    CREATE VIRTUAL TABLE programme_fts USING fts5(
        title, sub_title, credits,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE description_fts USING fts5(
        body,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO programme_fts(programme_fts, rank) VALUES ('hashsize', 16777216);
    INSERT INTO description_fts(description_fts, rank) VALUES ('hashsize', 8388608);
    INSERT INTO programme_fts(rowid, title, sub_title, credits)
        SELECT id, title, sub_title, credits FROM programme;
    INSERT INTO description_fts(rowid, body) SELECT id, body FROM description;
    CREATE TRIGGER programme_fts_delete AFTER DELETE ON programme BEGIN
        DELETE FROM programme_fts WHERE rowid = old.id;
    END;
    CREATE TRIGGER description_fts_delete AFTER DELETE ON description BEGIN
        DELETE FROM description_fts WHERE rowid = old.id;
    END;",
    // v4: the speech archive (archive.rs): items as fetched (JSON), the
    // viewer's resume point, transcript cues, and full-text indexes over
    // titles/speakers/topics and over the cues.
    "CREATE TABLE archive_item (
        id TEXT PRIMARY KEY,
        item TEXT NOT NULL,
        date INTEGER NOT NULL,
        position REAL NOT NULL DEFAULT 0,
        watched_at INTEGER
    );
    CREATE TABLE archive_cue (
        id INTEGER PRIMARY KEY,
        item TEXT NOT NULL REFERENCES archive_item(id) ON DELETE CASCADE,
        start REAL NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX archive_cue_item ON archive_cue(item, start);
    CREATE VIRTUAL TABLE archive_fts USING fts5(
        item UNINDEXED, title, speakers, topics,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE cue_fts USING fts5(
        text, content = 'archive_cue', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER archive_cue_insert AFTER INSERT ON archive_cue BEGIN
        INSERT INTO cue_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER archive_cue_delete AFTER DELETE ON archive_cue BEGIN
        INSERT INTO cue_fts(cue_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;",
    // v5: when each cue ends, for captions drawn from the transcript (0 in
    // rows stored before: read as "until the next cue").
    "ALTER TABLE archive_cue ADD COLUMN end REAL NOT NULL DEFAULT 0;",
];

/// A feed body as last fetched successfully.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedFeed {
    pub body: Vec<u8>,
    /// Unix seconds of the successful fetch.
    pub fetched_at: i64,
}

/// The database handle. One `Store` is the one writer.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// The database file inside a state directory.
    pub fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join("hustings.sqlite3")
    }

    /// Opens (creating if needed) `state_dir/hustings.sqlite3` and migrates it.
    pub fn open_in(state_dir: &Path) -> Result<Self, StoreError> {
        Self::open(&Self::path_in(state_dir))
    }

    /// Opens the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        // SQLite answers BUSY without waiting in a few cases the busy timeout
        // does not cover (a new file switching to WAL while another
        // connection migrates it); those pass in milliseconds, so try again.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match Self::open_once(path) {
                Err(StoreError::Sqlite { source, .. })
                    if source.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Self, StoreError> {
        let path = path.to_path_buf();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(wrap)?;
        // WAL keeps readers off the writer's back; NORMAL is durable across an
        // application crash, which is what a feed cache needs.
        // Writers may wait for a guide import holding the lock (seconds, not minutes).
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(wrap)?;
        // 16 KiB pages suit rows of a few hundred bytes to kilobytes (guide
        // programmes) better than the 4 KiB default; it only applies to a new file.
        conn.pragma_update(None, "page_size", 16384).map_err(wrap)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(wrap)?;
        // A guide import is one transaction, so the WAL grows to the size of
        // the whole guide (about 220 MB for 1,000 channels x 7 days) and
        // SQLite keeps the file at its largest for reuse; this truncates it
        // after each checkpoint that resets it.
        conn.pragma_update(None, "journal_size_limit", WAL_LIMIT_BYTES)
            .map_err(wrap)?;
        let supported = MIGRATIONS.len() as i64;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(wrap)?;
        if version > supported {
            return Err(StoreError::TooNew {
                path,
                found: version,
                supported,
            });
        }
        if version == supported {
            // Up to date: no write lock, so opening never waits for an import.
            return Ok(Store { conn, path });
        }
        // IMMEDIATE takes the write lock before reading the version again, so
        // two connections opening a new file at once cannot both migrate.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(wrap)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(wrap)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(wrap)?;
        }
        tx.commit().map_err(wrap)?;
        Ok(Store { conn, path })
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Copies the write-ahead log into the database and truncates it, as
    /// after a guide import: the WAL would otherwise keep the import's size
    /// (`hustings bench soak`: 220 MB) until the next automatic checkpoint
    /// got to reset it. Readers in the middle of a query may keep part of it;
    /// that is reported as busy and left for the next checkpoint.
    pub fn checkpoint_wal(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|busy| busy == 0)
            .map_err(|e| self.err(e))
    }

    /// Opens a read-only connection for queries; it never blocks the writer (WAL).
    pub fn open_reader(path: &Path) -> Result<Self, StoreError> {
        let path = path.to_path_buf();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(wrap)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(wrap)?;
        Ok(Store { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a feed body that parsed correctly.
    pub fn save_feed(&self, url: &str, body: &[u8], fetched_at: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO feed_cache (url, body, fetched_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(url) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
                params![url, body, fetched_at],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The last good body of a feed, if any.
    pub fn load_feed(&self, url: &str) -> Result<Option<CachedFeed>, StoreError> {
        self.conn
            .query_row(
                "SELECT body, fetched_at FROM feed_cache WHERE url = ?1",
                [url],
                |r| {
                    Ok(CachedFeed {
                        body: r.get(0)?,
                        fetched_at: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The validators (ETag, Last-Modified) of the last good fetch of `url`.
    pub fn validators(&self, url: &str) -> Result<crate::net::Validators, StoreError> {
        self.conn
            .query_row(
                "SELECT etag, last_modified FROM feed_validator WHERE url = ?1",
                [url],
                |r| {
                    Ok(crate::net::Validators {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err(e))
    }

    /// Remembers the validators of a good fetch of `url`.
    pub fn set_validators(
        &self,
        url: &str,
        v: &crate::net::Validators,
        checked_at: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO feed_validator (url, etag, last_modified, checked_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                   checked_at = excluded.checked_at",
                params![url, v.etag, v.last_modified, checked_at],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Stores a small setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Stores several settings in one transaction: all of them or none.
    pub fn set_settings(&mut self, pairs: &[(String, String)]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(&err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO setting (key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                )
                .map_err(&err)?;
            for (key, value) in pairs {
                stmt.execute(params![key, value]).map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }

    /// Gives the disk back the space a rolled-back transaction took in the
    /// WAL (SQLite keeps the file at its largest): after a guide import that
    /// failed, on a disk it may just have filled. Best effort.
    pub fn release_wal(&self) {
        if let Err(e) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        {
            tracing::debug!(path = %self.path.display(), "WAL checkpoint: {e}");
        }
    }

    /// Reads a small setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_feed_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open_in(dir.path()).unwrap();
            s.save_feed("http://h/l.m3u", b"old", 1).unwrap();
            s.save_feed("http://h/l.m3u", b"#EXTM3U", 2).unwrap();
            s.set_setting("last_channel", "a.1").unwrap();
        }
        let s = Store::open_in(dir.path()).unwrap();
        assert_eq!(
            s.load_feed("http://h/l.m3u").unwrap(),
            Some(CachedFeed {
                body: b"#EXTM3U".to_vec(),
                fetched_at: 2
            })
        );
        assert_eq!(s.load_feed("http://other").unwrap(), None);
        assert_eq!(s.setting("last_channel").unwrap().as_deref(), Some("a.1"));
    }

    #[test]
    fn two_connections_opening_a_new_file_at_once_both_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let p = path.clone();
                std::thread::spawn(move || Store::open(&p).map(|_| ()).map_err(|e| e.to_string()))
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = Store::open(&path).err().expect("refused");
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn a_version_2_guide_keeps_its_descriptions_and_search_after_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
            for (id, start, desc) in [
                (1, 0, Some("Rally in the square")),
                (2, 100, Some("Rally in the square")),
                (3, 200, None),
            ] {
                conn.execute(
                    "INSERT INTO programme (id, generation, channel, start, stop, title, description, categories, credits, flags)
                     VALUES (?1, 1, 'a', ?2, ?2 + 100, 'Live', ?3, '', '', 0)",
                    rusqlite::params![id, start, desc],
                )
                .unwrap();
            }
        }
        let s = Store::open(&path).unwrap();
        let d = s.programme(2).unwrap().unwrap();
        assert_eq!(d.description.as_deref(), Some("Rally in the square"));
        assert_eq!(s.programme(3).unwrap().unwrap().description, None);
        assert_eq!(s.search("square", 10).unwrap().len(), 2);
        assert_eq!(s.search("live", 10).unwrap().len(), 3);
    }
}
