//! Trust: minisign signatures of feeds, the publisher keys pinned for them,
//! and the per-feed policy that decides what the box shows.
//!
//! A feed (lineup, guide, archive catalogue, interactive feed) may come with
//! a detached minisign signature fetched from `<url>.minisig`. Its trusted
//! comment carries the feed kind, a version and an expiry
//! (`hustings-feed kind=archive version=42 expires=2026-12-31T00:00:00Z`,
//! see `comment.rs` and docs/trust.md). `verify_feed` turns a body, its
//! signature, the pinned keys, the policy and the last verified version into
//! a `Decision`; `FeedTrust` wraps that with the configuration and the
//! rollback state kept in the state directory. `sign` is the publisher side
//! (`hustings keygen`, `hustings sign`, the demo headend).
//!
//! This module decides; it does not fetch feeds (that is `net`), store
//! them (`store`) or draw badges (`app`). The one fetch it makes is the
//! signature beside a feed, through `net`, in `gate.rs`: the `TrustGate`
//! every loader of the box hands its feed bodies to. It must not import the player, the UI
//! or GStreamer, and it never implements cryptography itself: verification
//! is `minisign-verify`, signing is `minisign`.

mod check;
mod comment;
mod decision;
mod gate;
mod keys;
mod policy;
mod rollback;
pub mod sign;
mod signature;
pub mod sponsor;

pub use check::{FeedTrust, TrustError};
pub use comment::{CommentError, FeedComment, format_time, parse_time};
pub use decision::{Decision, Rejection, Unverified};
pub use gate::{Badge, FeedStatus, Refusal, TrustGate};
pub use keys::{KeyError, KeyId, PinnedKey};
pub use policy::{Policy, verify_feed, verify_feed_body};
pub use rollback::{RollbackError, Seen, VersionStore};
pub use sign::{KeyFiles, PinnedKeyText, SignError, SigningKey, keygen};
pub use signature::{FeedBody, SignedFeed, verify_signed, verify_signed_body};
pub use sponsor::{Jurisdiction, Sponsor};

use std::fmt;
use std::str::FromStr;

/// The largest `.minisig` accepted: a real one is about 300 bytes; anything
/// far bigger is not a signature and is not worth parsing.
pub const MAX_SIGNATURE_BYTES: usize = 4096;

/// What a feed is; signed into its comment so one feed cannot stand in for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedKind {
    Lineup,
    Guide,
    Archive,
    Interact,
}

impl FeedKind {
    /// Every kind, in the configuration's order.
    pub const ALL: [FeedKind; 4] = [
        FeedKind::Lineup,
        FeedKind::Guide,
        FeedKind::Archive,
        FeedKind::Interact,
    ];

    /// The name used in trusted comments, the configuration and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Lineup => "lineup",
            FeedKind::Guide => "guide",
            FeedKind::Archive => "archive",
            FeedKind::Interact => "interact",
        }
    }

    /// The policy when the configuration names none: interactive items
    /// (polls, sign-ups) ask viewers to act, so they must be signed.
    pub fn default_policy(self) -> Policy {
        match self {
            FeedKind::Interact => Policy::Required,
            _ => Policy::Preferred,
        }
    }
}

impl fmt::Display for FeedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FeedKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FeedKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown feed kind {s:?} (lineup, guide, archive, interact)"))
    }
}

/// The URL of a feed's detached signature.
pub fn signature_url(feed_url: &str) -> String {
    format!("{feed_url}.minisig")
}
