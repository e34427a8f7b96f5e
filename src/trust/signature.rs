//! Checking one feed body against its detached `.minisig` and the pinned
//! keys: the signature, then what its trusted comment says (kind, expiry,
//! version against the last verified one).
//!
//! Verification is `minisign-verify`'s (pre-hashed Ed25519 over BLAKE2b,
//! and the global signature over the trusted comment); this file only picks
//! the key and names the failure. Policy (what to do without a signature)
//! is `policy.rs`.

use super::comment::format_time;
use super::decision::Rejection;
use super::keys::KeyId;
use super::rollback::Seen;
use super::{FeedComment, FeedKind, MAX_SIGNATURE_BYTES, PinnedKey};

/// A feed body to check: in memory, or a file read in chunks (a guide of
/// hundreds of MB is verified without holding it: minisign signatures are
/// over a BLAKE2b hash of the file, which streams).
#[derive(Debug, Clone, Copy)]
pub enum FeedBody<'a> {
    Bytes(&'a [u8]),
    File(&'a std::path::Path),
}

/// Bytes read from a file at a time.
const CHUNK: usize = 64 * 1024;

impl FeedBody<'_> {
    /// Hands the body to `f` in chunks.
    fn for_each_chunk(&self, mut f: impl FnMut(&[u8])) -> std::io::Result<()> {
        match self {
            FeedBody::Bytes(b) => {
                f(b);
                Ok(())
            }
            FeedBody::File(path) => {
                use std::io::Read;
                let mut file = std::fs::File::open(path)?;
                let mut buf = vec![0u8; CHUNK];
                loop {
                    match file.read(&mut buf)? {
                        0 => return Ok(()),
                        n => f(&buf[..n]),
                    }
                }
            }
        }
    }

    /// SHA-256 of the body (what the rollback state remembers).
    pub fn sha256(&self) -> std::io::Result<[u8; 32]> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        self.for_each_chunk(|c| h.update(c))?;
        Ok(h.finalize().into())
    }

    fn unreadable(&self, e: std::io::Error) -> Rejection {
        match self {
            FeedBody::File(p) => Rejection::Unreadable(format!("{}: {e}", p.display())),
            FeedBody::Bytes(_) => Rejection::Unreadable(e.to_string()),
        }
    }
}

/// A feed whose signature and comment checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedFeed {
    /// The publisher name of the key that signed it.
    pub publisher: String,
    pub key_id: KeyId,
    pub comment: FeedComment,
    /// Same version and same body as the last verified copy.
    pub unchanged: bool,
}

/// Raw signature line: 2 bytes algorithm, 8 bytes key id, 64 bytes Ed25519.
const SIGNATURE_BYTES: usize = 74;

/// Verifies `body` against `signature` (the `.minisig` file's bytes) with
/// whichever pinned key made it. `kind` None accepts any kind (`hustings
/// verify` without `--kind`); `last` is the last verified copy of this feed.
pub fn verify_signed(
    body: &[u8],
    signature: &[u8],
    kind: Option<FeedKind>,
    keys: &[PinnedKey],
    last: Option<&Seen>,
    now: i64,
) -> Result<SignedFeed, Rejection> {
    verify_signed_body(FeedBody::Bytes(body), signature, kind, keys, last, now)
}

/// [`verify_signed`] for a body in memory or in a file.
pub fn verify_signed_body(
    body: FeedBody<'_>,
    signature: &[u8],
    kind: Option<FeedKind>,
    keys: &[PinnedKey],
    last: Option<&Seen>,
    now: i64,
) -> Result<SignedFeed, Rejection> {
    if signature.len() > MAX_SIGNATURE_BYTES {
        return Err(Rejection::Malformed(format!(
            "{} bytes, more than a signature",
            signature.len()
        )));
    }
    let text = std::str::from_utf8(signature)
        .map_err(|_| Rejection::Malformed("not UTF-8 text".into()))?;
    let sig = minisign_verify::Signature::decode(text)
        .map_err(|e| Rejection::Malformed(e.to_string()))?;
    let key_id = text
        .lines()
        .nth(1)
        .and_then(|line| KeyId::from_base64_blob(line, SIGNATURE_BYTES))
        .ok_or_else(|| Rejection::Malformed("no key id".into()))?;
    let key = keys
        .iter()
        .find(|k| k.id() == key_id)
        .ok_or(Rejection::UnknownKey { key_id })?;
    let refused = |e| match e {
        minisign_verify::Error::InvalidSignature => Rejection::BadSignature { key_id },
        other => Rejection::Malformed(other.to_string()),
    };
    match body {
        FeedBody::Bytes(b) => key.key().verify(b, &sig, false).map_err(refused)?,
        FeedBody::File(_) => {
            // Legacy (not pre-hashed) signatures are refused either way.
            let mut stream = key.key().verify_stream(&sig).map_err(refused)?;
            body.for_each_chunk(|c| stream.update(c))
                .map_err(|e| body.unreadable(e))?;
            stream.finalize().map_err(refused)?;
        }
    }

    let comment_text = sig.trusted_comment();
    let comment = FeedComment::parse(comment_text).map_err(|why| Rejection::BadComment {
        comment: comment_text.chars().take(120).collect(),
        why,
    })?;
    if let Some(expected) = kind
        && comment.kind != expected
    {
        return Err(Rejection::WrongKind {
            expected,
            found: comment.kind,
        });
    }
    if comment.expires <= now {
        return Err(Rejection::Expired {
            at: format_time(comment.expires),
        });
    }
    let unchanged = match last {
        Some(last) if comment.version < last.version => {
            return Err(Rejection::Rollback {
                from: last.version,
                to: comment.version,
            });
        }
        Some(last) if comment.version == last.version => {
            if last.body_sha256 != body.sha256().map_err(|e| body.unreadable(e))? {
                return Err(Rejection::VersionReused {
                    version: comment.version,
                });
            }
            true
        }
        _ => false,
    };
    Ok(SignedFeed {
        publisher: key.publisher().to_string(),
        key_id,
        comment,
        unchanged,
    })
}
