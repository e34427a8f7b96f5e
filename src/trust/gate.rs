//! `TrustGate`: the one check every feed loader of the box goes through,
//! and the record of what each feed's last check said (Settings >
//! Diagnostics, the badges, the notices).
//!
//! A loader fetches a feed, then hands the body here: the gate fetches
//! `<url>.minisig` through `net` (a 404 means "not signed"), decides with
//! [`FeedTrust`] and remembers the outcome per URL. The loader replaces the
//! feed in force only when the decision is accepted; otherwise it keeps the
//! previous one, as it does for a malformed feed. The gate is shared between
//! the feed loader and the interactive worker (`Clone`, one lock); it never
//! keeps feed bodies and logs only URLs, publishers and reasons.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Decision, FeedKind, FeedTrust, PinnedKey, Policy, Rejection, TrustError};
use crate::config::TrustSettings;
use crate::net::HttpClient;

/// The most of a `.minisig` response read; the check itself refuses
/// anything over [`super::MAX_SIGNATURE_BYTES`] with a clear reason.
const SIGNATURE_FETCH_LIMIT: usize = 64 * 1024;

/// What the viewer is told about the copy of a feed in force.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Badge {
    /// Signed by a pinned key: the publisher's name and the key id.
    Verified { publisher: String, key_id: String },
    /// Accepted without a verified signature (or not checked yet).
    #[default]
    Unverified,
}

impl Badge {
    fn of(decision: &Decision) -> Badge {
        match decision {
            Decision::Verified {
                publisher, key_id, ..
            } => Badge::Verified {
                publisher: publisher.clone(),
                key_id: key_id.to_string(),
            },
            _ => Badge::Unverified,
        }
    }
}

/// One feed's trust state: the last check and the copy in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStatus {
    pub kind: FeedKind,
    pub url: String,
    /// What the last check decided.
    pub last: Decision,
    /// The copy the box shows (after a rejection: the previous one's badge).
    pub in_force: Badge,
}

impl FeedStatus {
    /// One line for Settings > Diagnostics and the logs (English; URLs and
    /// reasons are technical detail).
    pub fn line(&self) -> String {
        let state = match &self.last {
            Decision::Verified {
                publisher,
                key_id,
                version,
                ..
            } => format!("verified by {publisher} (key {key_id}, version {version})"),
            Decision::Unverified { why } => format!("unverified: {why}"),
            Decision::Rejected { why } => {
                let kept = match &self.in_force {
                    Badge::Verified { publisher, .. } => {
                        format!("the copy verified by {publisher} stays")
                    }
                    Badge::Unverified => "the previous copy stays".to_string(),
                };
                format!("rejected: {why}; {kept}")
            }
        };
        format!("{} {}: {state}", self.kind, self.url)
    }
}

/// A feed refused since the viewer was last told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: FeedKind,
    pub url: String,
    pub why: String,
}

#[derive(Debug)]
struct GateState {
    trust: FeedTrust,
    feeds: BTreeMap<String, FeedStatus>,
    unannounced: Vec<Refusal>,
}

/// The box's feed checks; clones share one state.
#[derive(Debug, Clone)]
pub struct TrustGate(Arc<Mutex<GateState>>);

impl TrustGate {
    /// Reads the `[trust]` settings and the rollback state in `state_dir`.
    pub fn open(settings: &TrustSettings, state_dir: &Path) -> Result<TrustGate, TrustError> {
        Ok(TrustGate(Arc::new(Mutex::new(GateState {
            trust: FeedTrust::open(settings, state_dir)?,
            feeds: BTreeMap::new(),
            unannounced: Vec::new(),
        }))))
    }

    fn state(&self) -> MutexGuard<'_, GateState> {
        // A panic while holding the lock cannot leave the maps half-updated
        // in a way that matters: every update is one insert.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pins one more key for some kinds.
    pub fn pin(&self, kinds: &[FeedKind], key: PinnedKey) {
        self.state().trust.pin(kinds, key);
    }

    /// The policy in force for a kind.
    pub fn policy(&self, kind: FeedKind) -> Policy {
        self.state().trust.policy(kind)
    }

    /// Checks a feed fetched from `url`. `fresh`: the body is new and will
    /// replace the copy in force when accepted; false: it is the saved copy
    /// already in force (the server said "not modified"), checked again so
    /// its badge is known after a restart and an expired one is noticed.
    pub async fn check(
        &self,
        http: &HttpClient,
        kind: FeedKind,
        url: &str,
        body: &[u8],
        fresh: bool,
    ) -> Decision {
        let signature = if self.policy(kind) == Policy::Off {
            Ok(None)
        } else {
            http.fetch_optional(&super::signature_url(url), SIGNATURE_FETCH_LIMIT)
                .await
        };
        let now = chrono::Utc::now().timestamp();
        let mut state = self.state();
        let decision = match signature {
            Ok(signature) => state
                .trust
                .check(kind, url, body, signature.as_deref(), now)
                .unwrap_or_else(|e| Decision::Rejected {
                    why: Rejection::State(e.to_string()),
                }),
            Err(e) => Decision::Rejected {
                why: Rejection::SignatureUnavailable(e.to_string()),
            },
        };
        let previous = state.feeds.get(url).cloned();
        let in_force = match (&decision, fresh) {
            (Decision::Rejected { .. }, true) => previous
                .as_ref()
                .map(|p| p.in_force.clone())
                .unwrap_or(Badge::Unverified),
            (d, _) => Badge::of(d),
        };
        log(kind, url, &decision, previous.as_ref().map(|p| &p.last));
        if let Decision::Rejected { why } = &decision
            && previous.as_ref().map(|p| &p.last) != Some(&decision)
        {
            state.unannounced.push(Refusal {
                kind,
                url: url.to_string(),
                why: why.to_string(),
            });
        }
        state.feeds.insert(
            url.to_string(),
            FeedStatus {
                kind,
                url: url.to_string(),
                last: decision.clone(),
                in_force,
            },
        );
        decision
    }

    /// Like [`check`](Self::check) for a feed downloaded to a file.
    pub async fn check_file(
        &self,
        http: &HttpClient,
        kind: FeedKind,
        url: &str,
        path: &Path,
        fresh: bool,
    ) -> Decision {
        // Read whole: the signature covers the exact bytes served. A guide
        // of a few hundred MB would want minisign's streaming verifier.
        match tokio::fs::read(path).await {
            Ok(body) => self.check(http, kind, url, &body, fresh).await,
            Err(e) => Decision::Rejected {
                why: Rejection::State(format!("{}: {e}", path.display())),
            },
        }
    }

    /// The badge of the copy of `url` in force (unverified when never checked).
    pub fn badge(&self, url: &str) -> Badge {
        self.state()
            .feeds
            .get(url)
            .map(|f| f.in_force.clone())
            .unwrap_or(Badge::Unverified)
    }

    /// The badge of the first feed of `kind` checked (the box shows one
    /// archive catalogue and one lineup's items as one list).
    pub fn kind_badge(&self, kind: FeedKind) -> Badge {
        self.state()
            .feeds
            .values()
            .find(|f| f.kind == kind)
            .map(|f| f.in_force.clone())
            .unwrap_or(Badge::Unverified)
    }

    /// Every feed checked so far, by URL.
    pub fn statuses(&self) -> Vec<FeedStatus> {
        self.state().feeds.values().cloned().collect()
    }

    /// Refusals not yet shown to the viewer, oldest first; a feed refused
    /// again for the same reason is not announced twice.
    pub fn take_refusals(&self) -> Vec<Refusal> {
        std::mem::take(&mut self.state().unannounced)
    }
}

fn log(kind: FeedKind, url: &str, decision: &Decision, previous: Option<&Decision>) {
    match decision {
        Decision::Verified {
            unchanged: true, ..
        } => {}
        Decision::Verified {
            publisher,
            key_id,
            version,
            ..
        } => tracing::info!(
            "{kind} feed {url}: verified, signed by {publisher} (key {key_id}), version {version}"
        ),
        // Checking turned off is the operator's choice, not news.
        Decision::Unverified {
            why: super::Unverified::CheckingOff(_),
        } => {}
        Decision::Unverified { why } if previous != Some(decision) => {
            tracing::info!("{kind} feed {url}: shown unverified: {why}")
        }
        Decision::Unverified { .. } => {}
        Decision::Rejected { why } => tracing::error!(
            "{kind} feed {url} rejected: {why}; the previous verified feed stays in force"
        ),
    }
}
