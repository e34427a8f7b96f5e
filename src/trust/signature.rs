//! Checking one feed body against its detached `.minisig` and the pinned
//! keys: the signature, then what its trusted comment says (kind, expiry,
//! version against the last verified one).
//!
//! Verification is `minisign-verify`'s (pre-hashed Ed25519 over BLAKE2b,
//! and the global signature over the trusted comment); this file only picks
//! the key and names the failure. Policy (what to do without a signature)
//! is `policy.rs`.

use super::comment::format_time;
use super::keys::KeyId;
use super::policy::Rejection;
use super::rollback::Seen;
use super::{FeedComment, FeedKind, MAX_SIGNATURE_BYTES, PinnedKey};

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
    key.key().verify(body, &sig, false).map_err(|e| match e {
        minisign_verify::Error::InvalidSignature => Rejection::BadSignature { key_id },
        other => Rejection::Malformed(other.to_string()),
    })?;

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
            if last.body_sha256 != Seen::hash(body) {
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
