//! What the trust check decides about a fetched feed, and why: the values
//! the policy (`policy.rs`) returns and the signature check
//! (`signature.rs`) refuses with. A leaf of `trust`: it uses nothing of
//! the checks themselves.

use thiserror::Error;

use super::FeedKind;
use super::comment::CommentError;
use super::keys::KeyId;

/// What to do with a fetched feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Signed by a pinned key; show the verified badge with `publisher`.
    Verified {
        publisher: String,
        key_id: KeyId,
        version: u64,
        /// Unix seconds.
        expires: i64,
        /// The same version and body as the copy already verified.
        unchanged: bool,
    },
    /// Accepted, shown plainly marked as unverified.
    Unverified { why: Unverified },
    /// Not accepted: the previous verified feed stays in force.
    Rejected { why: Rejection },
}

impl Decision {
    /// Whether the feed may replace the one in force.
    pub fn accepted(&self) -> bool {
        !matches!(self, Decision::Rejected { .. })
    }
}

/// Why an accepted feed carries no verified badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Unverified {
    #[error("the feed is not signed")]
    Unsigned,
    #[error("the feed is signed, but no publisher key is pinned for {0} feeds")]
    NoPinnedKey(FeedKind),
    #[error("signature checking is off for {0} feeds")]
    CheckingOff(FeedKind),
}

/// Why a feed was rejected; the text is what the viewer reads in Diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Rejection {
    #[error("no signature, and {0} feeds must be signed")]
    MissingSignature(FeedKind),
    /// Under `preferred`: unsigned, but a key is pinned for the kind, so a
    /// signature is expected (a missing one is what stripping looks like).
    #[error("no signature, but a publisher key is pinned for {0} feeds")]
    UnsignedWithPinnedKey(FeedKind),
    /// The feed was verified before (version `version`); an unverified body
    /// never replaces it.
    #[error(
        "{why}, but version {version} of this feed was verified before: only a verified copy may replace it"
    )]
    NoLongerVerified { version: u64, why: Unverified },
    #[error("{0} feeds must be signed, but no publisher key is pinned for them")]
    NoPinnedKey(FeedKind),
    #[error("the signature file is not a minisign signature: {0}")]
    Malformed(String),
    #[error("signed with key {key_id}, which is not pinned for this feed")]
    UnknownKey { key_id: KeyId },
    #[error("bad signature (key {key_id}): the feed or its signature was altered")]
    BadSignature { key_id: KeyId },
    #[error("the signed comment `{comment}` is not a feed comment: {why}")]
    BadComment { comment: String, why: CommentError },
    #[error("signed as kind={found}, expected kind={expected}")]
    WrongKind { expected: FeedKind, found: FeedKind },
    #[error("rollback from version {from} to {to}")]
    Rollback { from: u64, to: u64 },
    #[error("version {version} was already verified with a different body")]
    VersionReused { version: u64 },
    #[error("expired at {at}")]
    Expired { at: String },
    /// The signature could not be fetched (not a 404: a network or server
    /// failure), so the feed cannot be checked.
    #[error("the signature could not be fetched: {0}")]
    SignatureUnavailable(String),
    /// The verified version could not be recorded, so rollbacks could not
    /// be refused later.
    #[error("the verified version could not be recorded: {0}")]
    State(String),
    #[error("the feed could not be read: {0}")]
    Unreadable(String),
}
