//! The highest verified version of each feed (kind + URL), kept so an old,
//! validly signed feed cannot be replayed to the box (rollback).
//!
//! An entry is also the box's lasting record that the feed *was verified*:
//! from then on `policy.rs` refuses any unverified body at that URL, so a
//! mirror that deletes the signature (stripping) cannot slip in an unsigned
//! copy or an older one, even after a restart.
//!
//! A small JSON file in the state directory (`trust-versions.json`), written
//! whole to a temporary file, synced and renamed over the old one, so a power
//! cut leaves the old state or the new one, never half of either. It is a
//! file of its own rather than a table in `store`: it is tiny, written only
//! when a new version is verified, and must survive a rebuilt guide database.
//! A corrupt file is an error, not a fresh start: starting fresh would
//! re-open the door to rollbacks.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::FeedKind;

/// The file's name in the state directory.
pub const FILE_NAME: &str = "trust-versions.json";

/// The last verified copy of one feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub version: u64,
    /// SHA-256 of the body, hex (an equal version must carry the same body).
    #[serde(with = "hex32")]
    pub body_sha256: [u8; 32],
}

impl Seen {
    pub fn new(version: u64, body: &[u8]) -> Seen {
        Seen {
            version,
            body_sha256: Self::hash(body),
        }
    }

    pub fn hash(body: &[u8]) -> [u8; 32] {
        Sha256::digest(body).into()
    }
}

/// The rollback state could not be read or written.
#[derive(Debug, Error)]
pub enum RollbackError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a trust version file ({message}); move it away to start afresh")]
    Corrupt { path: PathBuf, message: String },
}

/// Verified versions by feed, persisted in one JSON file.
#[derive(Debug)]
pub struct VersionStore {
    path: PathBuf,
    /// "kind url" -> last verified copy.
    seen: BTreeMap<String, Seen>,
}

impl VersionStore {
    /// Opens `<state_dir>/trust-versions.json` (empty if it does not exist).
    pub fn open(state_dir: &Path) -> Result<VersionStore, RollbackError> {
        let path = state_dir.join(FILE_NAME);
        let seen = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| RollbackError::Corrupt {
                path: path.clone(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(RollbackError::Io { path, source }),
        };
        Ok(VersionStore { path, seen })
    }

    /// The last verified copy of the feed at `url`.
    pub fn last(&self, kind: FeedKind, url: &str) -> Option<&Seen> {
        self.seen.get(&key(kind, url))
    }

    /// Records a verified copy (only ever forwards) and writes the file.
    pub fn record(&mut self, kind: FeedKind, url: &str, seen: Seen) -> Result<(), RollbackError> {
        let k = key(kind, url);
        if self
            .seen
            .get(&k)
            .is_some_and(|old| old == &seen || old.version > seen.version)
        {
            return Ok(());
        }
        self.seen.insert(k, seen);
        self.save()
    }

    fn save(&self) -> Result<(), RollbackError> {
        let io = |source| RollbackError::Io {
            path: self.path.clone(),
            source,
        };
        let json =
            serde_json::to_vec_pretty(&self.seen).map_err(|e| io(std::io::Error::other(e)))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.path.with_extension("json.part");
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(&json).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        // The rename itself is durable only once the directory is synced.
        if let Some(dir) = self.path.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

fn key(kind: FeedKind, url: &str) -> String {
    format!("{kind} {url}")
}

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&hex)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bad = || serde::de::Error::custom(format!("`{text}` is not 64 hex digits"));
        if text.len() != 64 || !text.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new().prefix(name).tempdir().unwrap()
    }

    #[test]
    fn verified_versions_survive_a_reopen_and_only_move_forward() {
        let d = dir("trust-rollback");
        let url = "http://127.0.0.1:1/archive/catalogue.json";
        let mut s = VersionStore::open(d.path()).unwrap();
        assert_eq!(s.last(FeedKind::Archive, url), None);
        s.record(FeedKind::Archive, url, Seen::new(42, b"a"))
            .unwrap();
        s.record(FeedKind::Archive, url, Seen::new(7, b"old"))
            .unwrap();
        let s = VersionStore::open(d.path()).unwrap();
        assert_eq!(s.last(FeedKind::Archive, url), Some(&Seen::new(42, b"a")));
        assert_eq!(s.last(FeedKind::Guide, url), None, "kinds are apart");
        assert!(!d.path().join("trust-versions.json.part").exists());
    }

    #[test]
    fn a_corrupt_version_file_is_an_error_naming_it() {
        let d = dir("trust-rollback-bad");
        std::fs::write(
            d.path().join(FILE_NAME),
            b"{\"lineup x\": {\"version\": 1, \"body_sha256\": \"zz\"}}",
        )
        .unwrap();
        let err = VersionStore::open(d.path()).unwrap_err();
        assert!(err.to_string().contains("trust-versions.json"), "{err}");
    }
}
