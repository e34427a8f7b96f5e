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

use super::{Decision, FeedBody, FeedKind, FeedTrust, PinnedKey, Policy, Rejection, TrustError};
use crate::config::TrustSettings;
use crate::net::HttpClient;

/// The most of a `.minisig` response accepted: `net` stops reading one byte
/// past it, so a server answering with an endless "signature" costs the box
/// 4 KiB, not the 16 MiB a feed may take.
const SIGNATURE_FETCH_LIMIT: usize = super::MAX_SIGNATURE_BYTES;

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
            Decision::Rejected { .. } => {
                format!("rejected: {}", self.rejection().unwrap_or_default())
            }
        };
        format!("{} {}: {state}", self.kind, self.url)
    }

    /// After a rejection: why, and which copy stays ("bad signature (...);
    /// the copy verified by Civic TV stays"); None otherwise.
    pub fn rejection(&self) -> Option<String> {
        let Decision::Rejected { why } = &self.last else {
            return None;
        };
        let kept = match &self.in_force {
            Badge::Verified { publisher, .. } => format!("the copy verified by {publisher} stays"),
            Badge::Unverified => "the previous copy stays".to_string(),
        };
        Some(format!("{why}; {kept}"))
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
    /// "Now" for signatures' expiry and rollback (the box's clock).
    clock: crate::config::Clock,
}

/// The box's feed checks; clones share one state.
#[derive(Debug, Clone)]
pub struct TrustGate(Arc<Mutex<GateState>>);

impl TrustGate {
    /// Reads the `[trust]` settings and the rollback state in `state_dir`;
    /// signatures are checked against `clock`'s now.
    pub fn open(
        settings: &TrustSettings,
        state_dir: &Path,
        clock: crate::config::Clock,
    ) -> Result<TrustGate, TrustError> {
        Ok(TrustGate(Arc::new(Mutex::new(GateState {
            trust: FeedTrust::open(settings, state_dir)?,
            feeds: BTreeMap::new(),
            unannounced: Vec::new(),
            clock,
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
        self.check_body(http, kind, url, FeedBody::Bytes(body), fresh)
            .await
    }

    /// Like [`check`](Self::check) for a feed downloaded to a file, read in
    /// chunks (a guide of hundreds of MB is never held in memory).
    pub async fn check_file(
        &self,
        http: &HttpClient,
        kind: FeedKind,
        url: &str,
        path: &Path,
        fresh: bool,
    ) -> Decision {
        let signature = self.fetch_signature(http, kind, url).await;
        let (gate, url, path) = (self.clone(), url.to_string(), path.to_path_buf());
        // Hashing a big file is blocking work: off the runtime's threads.
        tokio::task::spawn_blocking(move || {
            gate.decide(kind, &url, FeedBody::File(&path), signature, fresh)
        })
        .await
        .unwrap_or_else(|e| Decision::Rejected {
            why: Rejection::Unreadable(e.to_string()),
        })
    }

    async fn check_body(
        &self,
        http: &HttpClient,
        kind: FeedKind,
        url: &str,
        body: FeedBody<'_>,
        fresh: bool,
    ) -> Decision {
        let signature = self.fetch_signature(http, kind, url).await;
        self.decide(kind, url, body, signature, fresh)
    }

    /// The feed's `.minisig` (None: not signed, or checking is off).
    async fn fetch_signature(
        &self,
        http: &HttpClient,
        kind: FeedKind,
        url: &str,
    ) -> Result<Option<Vec<u8>>, crate::net::NetError> {
        if self.policy(kind) == Policy::Off {
            return Ok(None);
        }
        http.fetch_optional(&super::signature_url(url), SIGNATURE_FETCH_LIMIT)
            .await
    }

    /// Decides, records the outcome and logs it.
    fn decide(
        &self,
        kind: FeedKind,
        url: &str,
        body: FeedBody<'_>,
        signature: Result<Option<Vec<u8>>, crate::net::NetError>,
        fresh: bool,
    ) -> Decision {
        let mut state = self.state();
        let now = state.clock.now();
        let decision = match signature {
            Ok(signature) => state
                .trust
                .check_body(kind, url, body, signature.as_deref(), now)
                .unwrap_or_else(|e| Decision::Rejected {
                    why: Rejection::State(e.to_string()),
                }),
            // Too big to be a signature: it is there, and it is not one.
            Err(crate::net::NetError::TooLarge { limit, .. }) => Decision::Rejected {
                why: Rejection::Malformed(format!(
                    "more than {limit} bytes, more than a signature"
                )),
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedTrustSettings;
    use crate::trust::{FeedComment, SigningKey};

    /// A feed and its signature as local files (the gate fetches `<url>.minisig`
    /// through `net`, which reads paths too).
    struct Site {
        dir: tempfile::TempDir,
        key: SigningKey,
        version: u64,
    }

    impl Site {
        fn url(&self) -> String {
            self.dir.path().join("feed.json").display().to_string()
        }

        fn publish(&mut self, body: &[u8], signed: bool) -> Vec<u8> {
            std::fs::write(self.dir.path().join("feed.json"), body).unwrap();
            let sig = self.dir.path().join("feed.json.minisig");
            if signed {
                self.version += 1;
                let c = FeedComment {
                    kind: FeedKind::Archive,
                    version: self.version,
                    expires: chrono::Utc::now().timestamp() + 3600,
                };
                std::fs::write(&sig, self.key.sign(body, &c).unwrap().into_bytes()).unwrap();
            }
            body.to_vec()
        }
    }

    fn gate(key: &SigningKey, policy: Policy, state: &Path) -> TrustGate {
        let mut settings = TrustSettings {
            archive: FeedTrustSettings {
                policy: Some(policy),
                keys: vec![key.public_key_base64()],
            },
            ..Default::default()
        };
        settings
            .publishers
            .insert(key.key_id().to_string(), "Civic TV".into());
        TrustGate::open(&settings, state, Default::default()).unwrap()
    }

    #[test]
    fn a_rejected_feed_keeps_the_badge_in_force_and_is_announced_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let http = HttpClient::new().unwrap();
        let state = tempfile::tempdir().unwrap();
        let mut site = Site {
            dir: tempfile::tempdir().unwrap(),
            key: SigningKey::generate().unwrap(),
            version: 0,
        };
        let g = gate(&site.key, Policy::Preferred, state.path());
        let url = site.url();
        let check =
            |body: &[u8], fresh| rt.block_on(g.check(&http, FeedKind::Archive, &url, body, fresh));
        let verified = Badge::Verified {
            publisher: "Civic TV".into(),
            key_id: site.key.key_id().to_string(),
        };

        assert_eq!(g.badge(&url), Badge::Unverified, "never checked");
        let good = site.publish(b"{\"items\": []}", true);
        assert!(matches!(check(&good, true), Decision::Verified { .. }));
        assert_eq!(g.badge(&url), verified);

        // The body changes under the old signature: rejected, the copy in
        // force keeps its badge, the viewer is told once.
        let forged = site.publish(b"{\"items\": [1]}", false);
        assert!(!check(&forged, true).accepted());
        assert_eq!(g.badge(&url), verified);
        assert!(!check(&forged, true).accepted());
        let refusals = g.take_refusals();
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert!(refusals[0].why.starts_with("bad signature"), "{refusals:?}");
        assert!(g.take_refusals().is_empty());
        let line = g.statuses()[0].line();
        assert!(
            line.starts_with(&format!("archive {url}: rejected: bad signature")),
            "{line}"
        );
        assert!(
            line.ends_with("the copy verified by Civic TV stays"),
            "{line}"
        );

        // The saved copy, checked again (not modified): still verified.
        assert!(matches!(
            check(&good, false),
            Decision::Verified {
                unchanged: true,
                ..
            }
        ));

        // The signature deleted (stripped) under `preferred`: the feed was
        // verified before, so the unsigned body is refused and the verified
        // copy keeps its badge.
        std::fs::remove_file(site.dir.path().join("feed.json.minisig")).unwrap();
        let unsigned = site.publish(b"{\"items\": [2]}", false);
        assert!(matches!(
            check(&unsigned, true),
            Decision::Rejected {
                why: Rejection::NoLongerVerified { .. }
            }
        ));
        assert_eq!(g.badge(&url), verified);
        let refusals = g.take_refusals();
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert!(
            refusals[0].why.contains("was verified before"),
            "{refusals:?}"
        );
    }

    #[test]
    fn a_feed_in_a_file_is_checked_in_chunks_like_one_in_memory() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let http = HttpClient::new().unwrap();
        let state = tempfile::tempdir().unwrap();
        let mut site = Site {
            dir: tempfile::tempdir().unwrap(),
            key: SigningKey::generate().unwrap(),
            version: 0,
        };
        let g = gate(&site.key, Policy::Required, state.path());
        let url = site.url();
        let file = site.dir.path().join("feed.json");
        // Several chunks' worth, so the stream is fed more than once.
        let big: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
        site.publish(&big, true);
        let d = rt.block_on(g.check_file(&http, FeedKind::Archive, &url, &file, true));
        assert!(matches!(d, Decision::Verified { .. }), "{d:?}");
        // The same version and body, in memory: unchanged (same SHA-256 recorded).
        let d = rt.block_on(g.check(&http, FeedKind::Archive, &url, &big, false));
        assert!(
            matches!(
                d,
                Decision::Verified {
                    unchanged: true,
                    ..
                }
            ),
            "{d:?}"
        );
        // One flipped byte in the file: a bad signature.
        let mut tampered = big.clone();
        tampered[700_000] ^= 1;
        std::fs::write(&file, &tampered).unwrap();
        let d = rt.block_on(g.check_file(&http, FeedKind::Archive, &url, &file, true));
        assert!(
            matches!(
                d,
                Decision::Rejected {
                    why: Rejection::BadSignature { .. }
                }
            ),
            "{d:?}"
        );
        let gone = site.dir.path().join("missing.json");
        let d = rt.block_on(g.check_file(&http, FeedKind::Archive, &url, &gone, true));
        assert!(
            matches!(
                d,
                Decision::Rejected {
                    why: Rejection::Unreadable(_)
                }
            ),
            "{d:?}"
        );
    }

    #[test]
    fn required_refuses_an_unsigned_feed_and_off_fetches_no_signature() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let http = HttpClient::new().unwrap();
        let state = tempfile::tempdir().unwrap();
        let mut site = Site {
            dir: tempfile::tempdir().unwrap(),
            key: SigningKey::generate().unwrap(),
            version: 0,
        };
        let url = site.url();
        let body = site.publish(b"{}", false);
        let required = gate(&site.key, Policy::Required, state.path());
        let d = rt.block_on(required.check(&http, FeedKind::Archive, &url, &body, true));
        assert_eq!(
            d,
            Decision::Rejected {
                why: Rejection::MissingSignature(FeedKind::Archive)
            }
        );
        // A signature that cannot be fetched (a directory, not a file) is not
        // "unsigned": the feed cannot be checked, so it is refused.
        std::fs::create_dir(site.dir.path().join("feed.json.minisig")).unwrap();
        let off = gate(&site.key, Policy::Off, state.path());
        let d = rt.block_on(off.check(&http, FeedKind::Archive, &url, &body, true));
        assert!(matches!(d, Decision::Unverified { .. }), "{d:?}");
        let preferred = gate(&site.key, Policy::Preferred, state.path());
        let d = rt.block_on(preferred.check(&http, FeedKind::Archive, &url, &body, true));
        assert!(
            matches!(
                d,
                Decision::Rejected {
                    why: Rejection::SignatureUnavailable(_)
                }
            ),
            "{d:?}"
        );
    }
}
