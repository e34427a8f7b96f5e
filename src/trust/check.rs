//! `FeedTrust`: the configuration's pinned keys and policies plus the
//! rollback state, behind one `check` per fetched feed.
//!
//! The app calls `check` after fetching a feed and its `.minisig`, and
//! replaces the feed in force only when the decision is accepted. It does
//! not fetch, log feed bodies or keep feeds.

use std::collections::HashMap;
use std::path::Path;

use thiserror::Error;

use super::rollback::{RollbackError, Seen, VersionStore};
use super::signature::FeedBody;
use super::{Decision, FeedKind, KeyError, PinnedKey, Policy, verify_feed_body};
use crate::config::TrustSettings;

/// The trust settings or state could not be used.
#[derive(Debug, Error)]
pub enum TrustError {
    #[error("[trust.{kind}] keys: {source}")]
    Key { kind: FeedKind, source: KeyError },
    #[error("trust state: {0}")]
    State(#[from] RollbackError),
    #[error("the feed could not be read: {0}")]
    Body(String),
}

/// Pinned keys, policies and verified versions for every feed kind.
#[derive(Debug)]
pub struct FeedTrust {
    keys: HashMap<FeedKind, Vec<PinnedKey>>,
    policies: HashMap<FeedKind, Policy>,
    versions: VersionStore,
}

impl FeedTrust {
    /// Reads the `[trust]` settings (a bad key is an error naming its
    /// section) and the rollback state in `state_dir`.
    pub fn open(settings: &TrustSettings, state_dir: &Path) -> Result<FeedTrust, TrustError> {
        let mut keys = HashMap::new();
        let mut policies = HashMap::new();
        for kind in FeedKind::ALL {
            let feed = match kind {
                FeedKind::Lineup => &settings.lineup,
                FeedKind::Guide => &settings.guide,
                FeedKind::Archive => &settings.archive,
                FeedKind::Interact => &settings.interact,
            };
            let mut pinned = Vec::new();
            for (i, text) in feed.keys.iter().enumerate() {
                let origin = format!("key {}", i + 1);
                let key = PinnedKey::from_base64(text, None, &origin)
                    .map_err(|source| TrustError::Key { kind, source })?;
                let name = settings.publishers.get(&key.id().to_string());
                pinned.push(match name {
                    Some(name) => PinnedKey::from_base64(text, Some(name), &origin)
                        .map_err(|source| TrustError::Key { kind, source })?,
                    None => key,
                });
            }
            keys.insert(kind, pinned);
            policies.insert(kind, feed.policy.unwrap_or(kind.default_policy()));
        }
        Ok(FeedTrust {
            keys,
            policies,
            versions: VersionStore::open(state_dir)?,
        })
    }

    /// Pins one more key for some kinds (`hustings demo` pins its headend's key).
    pub fn pin(&mut self, kinds: &[FeedKind], key: PinnedKey) {
        for kind in kinds {
            let keys = self.keys.entry(*kind).or_default();
            if !keys.iter().any(|k| k.id() == key.id()) {
                keys.push(key.clone());
            }
        }
    }

    /// The policy in force for a kind.
    pub fn policy(&self, kind: FeedKind) -> Policy {
        self.policies
            .get(&kind)
            .copied()
            .unwrap_or(kind.default_policy())
    }

    /// Decides on the feed fetched from `url` (with its `.minisig`, if one was
    /// served) and, when verified, records its version so that older ones
    /// are refused from now on. Errors only when the state cannot be written.
    pub fn check(
        &mut self,
        kind: FeedKind,
        url: &str,
        body: &[u8],
        signature: Option<&[u8]>,
        now: i64,
    ) -> Result<Decision, TrustError> {
        self.check_body(kind, url, FeedBody::Bytes(body), signature, now)
    }

    /// [`check`](Self::check) for a body in memory or in a file.
    pub fn check_body(
        &mut self,
        kind: FeedKind,
        url: &str,
        body: FeedBody<'_>,
        signature: Option<&[u8]>,
        now: i64,
    ) -> Result<Decision, TrustError> {
        let keys = self.keys.get(&kind).map(Vec::as_slice).unwrap_or(&[]);
        let last = self.versions.last(kind, url);
        let decision = verify_feed_body(body, signature, kind, keys, self.policy(kind), last, now);
        if let Decision::Verified { version, .. } = &decision {
            let body_sha256 = body.sha256().map_err(|e| TrustError::Body(e.to_string()))?;
            let seen = Seen {
                version: *version,
                body_sha256,
            };
            self.versions.record(kind, url, seen)?;
        }
        Ok(decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedTrustSettings;
    use crate::trust::{FeedComment, Rejection, SigningKey};

    #[test]
    fn a_replayed_older_feed_is_refused_after_a_newer_one_was_verified() {
        let dir = tempfile::Builder::new()
            .prefix("trust-check")
            .tempdir()
            .unwrap();
        let key = SigningKey::generate().unwrap();
        let mut settings = TrustSettings {
            archive: FeedTrustSettings {
                policy: Some(Policy::Required),
                keys: vec![key.public_key_base64()],
            },
            ..Default::default()
        };
        settings
            .publishers
            .insert(key.key_id().to_string(), "Civic TV".into());
        let url = "http://127.0.0.1:1/archive/catalogue.json";
        let now = 1_790_000_000;
        let signed = |version, body: &[u8]| {
            let c = FeedComment {
                kind: FeedKind::Archive,
                version,
                expires: now + 3600,
            };
            key.sign(body, &c).unwrap().into_bytes()
        };
        let (old, new) = (b"old".as_slice(), b"new".as_slice());
        let (old_sig, new_sig) = (signed(1, old), signed(2, new));

        let mut t = FeedTrust::open(&settings, dir.path()).unwrap();
        let d = t
            .check(FeedKind::Archive, url, new, Some(&new_sig), now)
            .unwrap();
        assert!(
            matches!(&d, Decision::Verified { publisher, version: 2, .. } if publisher == "Civic TV"),
            "{d:?}"
        );
        // A restarted box still remembers version 2.
        let mut t = FeedTrust::open(&settings, dir.path()).unwrap();
        assert_eq!(
            t.check(FeedKind::Archive, url, old, Some(&old_sig), now)
                .unwrap(),
            Decision::Rejected {
                why: Rejection::Rollback { from: 2, to: 1 }
            }
        );
        assert!(matches!(
            t.check(FeedKind::Archive, url, new, Some(&new_sig), now)
                .unwrap(),
            Decision::Verified {
                unchanged: true,
                ..
            }
        ));
        // Interactive feeds are `required` by default: unsigned is refused.
        assert_eq!(t.policy(FeedKind::Interact), Policy::Required);
        assert_eq!(t.policy(FeedKind::Lineup), Policy::Preferred);
    }

    #[test]
    fn a_bad_pinned_key_is_an_error_naming_its_section() {
        let settings = TrustSettings {
            guide: FeedTrustSettings {
                policy: None,
                keys: vec!["not a key".into()],
            },
            ..Default::default()
        };
        let dir = tempfile::Builder::new()
            .prefix("trust-check")
            .tempdir()
            .unwrap();
        let err = FeedTrust::open(&settings, dir.path()).unwrap_err();
        assert!(
            err.to_string().starts_with("[trust.guide] keys: key 1:"),
            "{err}"
        );
    }
}
