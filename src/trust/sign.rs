//! The publisher side: making key pairs and signing feeds
//! (`hustings keygen`, `hustings sign`, the demo headend).
//!
//! Key files are minisign's own (`NAME.pub`, `NAME.key`), so publishers can
//! use the `minisign` tool instead. A secret key is written unencrypted
//! unless a password is given (the CLI reads it from `HUSTINGS_KEY_PASSWORD`);
//! it never prompts, since headends and CI sign unattended. The box never
//! signs anything.

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{FeedComment, KeyId};

/// Signing or key handling failed.
#[derive(Debug, Error)]
pub enum SignError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} already exists; not overwriting a key")]
    Exists { path: PathBuf },
    #[error("{path}: not a usable minisign secret key ({message})")]
    BadKey { path: PathBuf, message: String },
    #[error("minisign: {0}")]
    Minisign(String),
    #[error("a trusted comment must be one line")]
    MultiLineComment,
}

fn minisign_error(e: minisign::PError) -> SignError {
    SignError::Minisign(e.to_string())
}

/// A publisher's key pair.
pub struct SigningKey {
    secret: minisign::SecretKey,
    public: minisign::PublicKey,
}

/// Where `write` put a key pair.
#[derive(Debug, Clone)]
pub struct KeyFiles {
    pub public: PathBuf,
    pub secret: PathBuf,
}

impl SigningKey {
    /// A new unencrypted key pair (in memory).
    pub fn generate() -> Result<SigningKey, SignError> {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().map_err(minisign_error)?;
        Ok(SigningKey {
            secret: pair.sk,
            public: pair.pk,
        })
    }

    /// Reads a secret key file; `password` for one made with a password.
    pub fn load(path: &Path, password: Option<String>) -> Result<SigningKey, SignError> {
        let text = std::fs::read_to_string(path).map_err(|source| SignError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |e: minisign::PError| SignError::BadKey {
            path: path.to_path_buf(),
            message: if password.is_none() {
                format!("{e}; if it has a password, set HUSTINGS_KEY_PASSWORD")
            } else {
                e.to_string()
            },
        };
        let key_box = minisign::SecretKeyBox::from_string(&text).map_err(bad)?;
        let secret = match &password {
            Some(p) => minisign::SecretKey::from_box(key_box, Some(p.clone())),
            None => minisign::SecretKey::from_unencrypted_box(key_box),
        }
        .map_err(bad)?;
        let public = minisign::PublicKey::from_secret_key(&secret).map_err(bad)?;
        Ok(SigningKey { secret, public })
    }

    /// Writes `NAME.pub` and the unencrypted `NAME.key` (mode 0600) into
    /// `dir`, refusing to overwrite either.
    pub fn write(&self, dir: &Path, name: &str) -> Result<KeyFiles, SignError> {
        let secret = self
            .secret
            .to_box(Some(
                "hustings secret key, NOT password-protected; keep it private",
            ))
            .map_err(minisign_error)?
            .into_string();
        write_pair(dir, name, &self.public, &secret)
    }

    /// The public key as one base64 line (what `[trust]` pins).
    pub fn public_key_base64(&self) -> String {
        self.public.to_base64()
    }

    /// The public key as a `.pub` file's text.
    pub fn public_key_file_text(&self) -> String {
        self.public
            .to_box()
            .map(|b| b.into_string())
            .unwrap_or_else(|_| {
                format!(
                    "untrusted comment: minisign public key\n{}\n",
                    self.public_key_base64()
                )
            })
    }

    pub fn key_id(&self) -> KeyId {
        let mut id = [0u8; 8];
        id.copy_from_slice(&self.public.keynum()[..8]);
        KeyId(id)
    }

    /// Signs a feed body: the text of its `.minisig`.
    pub fn sign(&self, body: &[u8], comment: &FeedComment) -> Result<String, SignError> {
        self.sign_with_comment(body, &comment.to_text())
    }

    /// Signs with any one-line trusted comment (tests of malformed comments).
    pub fn sign_with_comment(&self, body: &[u8], trusted: &str) -> Result<String, SignError> {
        if trusted.contains(['\n', '\r']) {
            return Err(SignError::MultiLineComment);
        }
        let untrusted = format!("hustings feed signature, key {}", self.key_id());
        let sig = minisign::sign(
            Some(&self.public),
            &self.secret,
            body,
            Some(trusted),
            Some(&untrusted),
        )
        .map_err(minisign_error)?;
        Ok(sig.into_string())
    }
}

/// `hustings keygen`: a new key pair written as `NAME.pub` and `NAME.key`
/// in `dir`. With a password the secret key is encrypted (minisign's scrypt
/// parameters: deliberately slow, and about 1 GiB of memory).
pub fn keygen(
    dir: &Path,
    name: &str,
    password: Option<String>,
) -> Result<(KeyFiles, PinnedKeyText), SignError> {
    let (public, secret) = match password {
        Some(p) => {
            let pair =
                minisign::KeyPair::generate_encrypted_keypair(Some(p)).map_err(minisign_error)?;
            let secret = pair
                .sk
                .to_box(Some("hustings secret key, password-protected"))
                .map_err(minisign_error)?
                .into_string();
            (pair.pk, secret)
        }
        None => {
            let key = SigningKey::generate()?;
            let files = key.write(dir, name)?;
            let text = PinnedKeyText {
                base64: key.public_key_base64(),
                key_id: key.key_id(),
            };
            return Ok((files, text));
        }
    };
    let files = write_pair(dir, name, &public, &secret)?;
    let mut id = [0u8; 8];
    id.copy_from_slice(&public.keynum()[..8]);
    Ok((
        files,
        PinnedKeyText {
            base64: public.to_base64(),
            key_id: KeyId(id),
        },
    ))
}

/// A public key as the configuration pins it.
#[derive(Debug, Clone)]
pub struct PinnedKeyText {
    pub base64: String,
    pub key_id: KeyId,
}

fn write_pair(
    dir: &Path,
    name: &str,
    public: &minisign::PublicKey,
    secret_text: &str,
) -> Result<KeyFiles, SignError> {
    let files = KeyFiles {
        public: dir.join(format!("{name}.pub")),
        secret: dir.join(format!("{name}.key")),
    };
    for path in [&files.public, &files.secret] {
        if path.exists() {
            return Err(SignError::Exists { path: path.clone() });
        }
    }
    std::fs::create_dir_all(dir).map_err(|source| SignError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let public_text = public.to_box().map_err(minisign_error)?.into_string();
    write_new(&files.secret, secret_text.as_bytes(), 0o600)?;
    write_new(&files.public, public_text.as_bytes(), 0o644)?;
    Ok(files)
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), SignError> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| SignError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::{FeedKind, PinnedKey, verify_signed};

    #[test]
    fn a_written_key_pair_loads_back_and_its_signatures_verify() {
        let dir = tempfile::Builder::new()
            .prefix("trust-sign")
            .tempdir()
            .unwrap();
        let key = SigningKey::generate().unwrap();
        let files = key.write(dir.path(), "civic").unwrap();
        assert!(matches!(
            key.write(dir.path(), "civic"),
            Err(SignError::Exists { .. })
        ));
        let loaded = SigningKey::load(&files.secret, None).unwrap();
        assert_eq!(loaded.key_id(), key.key_id());
        let pinned = PinnedKey::from_file(&files.public, None).unwrap();
        assert_eq!(pinned.id(), key.key_id());
        let comment = FeedComment {
            kind: FeedKind::Lineup,
            version: 3,
            expires: 2_000_000_000,
        };
        let sig = loaded.sign(b"#EXTM3U\n", &comment).unwrap();
        let ok = verify_signed(b"#EXTM3U\n", sig.as_bytes(), None, &[pinned], None, 0).unwrap();
        assert_eq!(ok.comment, comment);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files.secret)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
