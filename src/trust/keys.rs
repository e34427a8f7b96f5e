//! Pinned publisher keys: a minisign public key, its key id and the
//! publisher name the badge shows.
//!
//! Keys come from the configuration (the base64 line of a `.pub` file) or a
//! whole `.pub` file. Nothing here verifies anything; `signature.rs` does.

use std::fmt;

use ct_codecs::{Base64, Decoder};
use thiserror::Error;

/// A key id: 8 bytes minisign puts in every key and signature, shown as 16
/// hex digits the way `minisign` prints it (a little-endian number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", u64::from_le_bytes(self.0))
    }
}

impl KeyId {
    /// The key id in minisign's binary signature or key layout
    /// (2 bytes algorithm, 8 bytes key id, then the key or signature).
    pub(super) fn from_base64_blob(line: &str, len: usize) -> Option<KeyId> {
        let bytes = Base64::decode_to_vec(line.trim(), None).ok()?;
        if bytes.len() != len {
            return None;
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(bytes.get(2..10)?);
        Some(KeyId(id))
    }
}

/// A public key that cannot be used.
#[derive(Debug, Error)]
pub enum KeyError {
    #[error("{origin}: not a minisign public key ({why})")]
    Invalid { origin: String, why: String },
    #[error("{path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// A publisher key the box trusts for some feed kinds.
#[derive(Debug, Clone)]
pub struct PinnedKey {
    key: minisign_verify::PublicKey,
    id: KeyId,
    publisher: String,
}

/// Raw public key: 2 bytes algorithm, 8 bytes key id, 32 bytes Ed25519 key.
const PUBLIC_KEY_BYTES: usize = 42;

impl PinnedKey {
    /// From the base64 line of a `.pub` file; `origin` names where it came
    /// from in errors (a config key, a file). Without a publisher name the
    /// badge shows the key id.
    pub fn from_base64(
        base64: &str,
        publisher: Option<&str>,
        origin: &str,
    ) -> Result<PinnedKey, KeyError> {
        let invalid = |why: String| KeyError::Invalid {
            origin: origin.to_string(),
            why,
        };
        let base64 = base64.trim();
        let key =
            minisign_verify::PublicKey::from_base64(base64).map_err(|e| invalid(e.to_string()))?;
        let id = KeyId::from_base64_blob(base64, PUBLIC_KEY_BYTES)
            .ok_or_else(|| invalid("no key id".into()))?;
        let publisher = publisher
            .map(str::to_string)
            .unwrap_or_else(|| format!("key {id}"));
        Ok(PinnedKey { key, id, publisher })
    }

    /// From the text of a `.pub` file (untrusted comment line, then the key),
    /// or a bare base64 key.
    pub fn from_pub_text(
        text: &str,
        publisher: Option<&str>,
        origin: &str,
    ) -> Result<PinnedKey, KeyError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("untrusted comment:"))
            .unwrap_or("");
        Self::from_base64(line, publisher, origin)
    }

    /// Reads a `.pub` file.
    pub fn from_file(
        path: &std::path::Path,
        publisher: Option<&str>,
    ) -> Result<PinnedKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_pub_text(&text, publisher, &path.display().to_string())
    }

    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The name on the verified badge.
    pub fn publisher(&self) -> &str {
        &self.publisher
    }

    pub(super) fn key(&self) -> &minisign_verify::PublicKey {
        &self.key
    }
}
