//! The demo headend signs what it serves: a demo key pair kept in its state
//! directory (`trust/demo.key`, `trust/demo.pub`, made on first start) and a
//! `<feed>.minisig` route next to every feed, plus `trust/demo.pub` for
//! boxes to pin (`hustings demo` pins it; `Headend::demo_public_key`).
//!
//! The guide and the interactive feed are generated per request around
//! "now", so signatures are made on request over the exact bytes the feed
//! route serves at that moment, and cached per feed by body hash: the same
//! body keeps the same signature (and version) until it changes or half its
//! validity has passed. Versions are the Unix time of signing, bumped so they
//! only ever increase. Must stay in step with the bodies `http.rs` and
//! `interact.rs` serve (the `trust_feeds` test checks every feed).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::feeds;
use crate::trust::{FeedComment, FeedKind, SignError, SigningKey};

/// How long a demo signature is valid.
const VALIDITY_SECONDS: i64 = 2 * 86_400;
/// The key pair's file name in `<state>/trust/`.
const KEY_NAME: &str = "demo";

/// The demo key could not be read, made or used.
#[derive(Debug, Error)]
pub enum SigningError {
    #[error("demo signing key: {0}")]
    Key(#[from] SignError),
}

struct Signed {
    body_sha256: [u8; 32],
    signed_at: i64,
    text: Arc<str>,
}

/// The demo key and the signatures made with it.
pub struct Signer {
    key: SigningKey,
    public_text: String,
    /// Per feed path: the last signature made.
    cache: Mutex<(u64, HashMap<&'static str, Signed>)>,
}

impl Signer {
    /// Loads `<state>/trust/demo.key`, or makes and keeps a new pair there.
    pub fn load_or_create(state_dir: &Path) -> Result<Signer, SigningError> {
        let dir = state_dir.join("trust");
        let secret = dir.join(format!("{KEY_NAME}.key"));
        let key = if secret.exists() {
            SigningKey::load(&secret, None)?
        } else {
            let key = SigningKey::generate()?;
            key.write(&dir, KEY_NAME)?;
            tracing::info!(key = %key.key_id(), "made the demo headend's signing key in {}", dir.display());
            key
        };
        Ok(Signer {
            public_text: key.public_key_file_text(),
            key,
            cache: Mutex::new((0, HashMap::new())),
        })
    }

    /// The public key, base64 (what a box pins).
    pub fn public_key_base64(&self) -> String {
        self.key.public_key_base64()
    }

    /// The `.minisig` text for `body` served at `feed`.
    fn signature(
        &self,
        feed: &'static str,
        kind: FeedKind,
        body: &[u8],
        now: i64,
    ) -> Result<Arc<str>, SignError> {
        let hash: [u8; 32] = Sha256::digest(body).into();
        // A poisoned lock only means another request panicked mid-insert;
        // the map is still a valid cache.
        let mut guard = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let (last_version, cache) = &mut *guard;
        if let Some(s) = cache.get(feed)
            && s.body_sha256 == hash
            && now < s.signed_at + VALIDITY_SECONDS / 2
        {
            return Ok(s.text.clone());
        }
        let version = (*last_version + 1).max(u64::try_from(now).unwrap_or(0));
        let comment = FeedComment {
            kind,
            version,
            expires: now + VALIDITY_SECONDS,
        };
        let text: Arc<str> = self.key.sign(body, &comment)?.into();
        *last_version = version;
        cache.insert(
            feed,
            Signed {
                body_sha256: hash,
                signed_at: now,
                text: text.clone(),
            },
        );
        Ok(text)
    }
}

/// What the signature routes need to rebuild each feed's body.
#[derive(Clone)]
pub struct SigningSite {
    pub signer: Arc<Signer>,
    pub base_url: String,
    pub multicast: Option<u16>,
    pub archive_root: PathBuf,
    /// "Now" for the feeds signed and the signatures' times.
    pub clock: crate::config::Clock,
}

/// `<feed>.minisig` for every feed, and `trust/demo.pub`.
pub fn router(site: SigningSite) -> Router {
    Router::new()
        .route("/trust/demo.pub", get(public_key))
        .route("/lineup.m3u.minisig", get(lineup))
        .route("/lineup-unicast.m3u.minisig", get(lineup_unicast))
        .route("/guide.xml.minisig", get(guide))
        .route("/guide.xml.gz.minisig", get(guide_gz))
        .route("/archive/catalogue.json.minisig", get(catalogue))
        .route("/interact/feed.json.minisig", get(interact))
        .with_state(site)
}

async fn public_key(State(site): State<SigningSite>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        site.signer.public_text.clone(),
    )
        .into_response()
}

fn respond(
    site: &SigningSite,
    headers: &HeaderMap,
    feed: &'static str,
    kind: FeedKind,
    body: &[u8],
) -> Response {
    let now = site.clock.now();
    match site.signer.signature(feed, kind, body, now) {
        Ok(text) => super::http::conditional(
            headers,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        ),
        Err(e) => {
            tracing::error!("signing {feed}: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("signing {feed}: {e}\n"),
            )
                .into_response()
        }
    }
}

async fn lineup(State(site): State<SigningSite>, headers: HeaderMap) -> Response {
    let body = feeds::lineup(&site.base_url, site.multicast);
    respond(
        &site,
        &headers,
        "lineup.m3u",
        FeedKind::Lineup,
        body.as_bytes(),
    )
}

async fn lineup_unicast(State(site): State<SigningSite>, headers: HeaderMap) -> Response {
    let body = feeds::lineup(&site.base_url, None);
    respond(
        &site,
        &headers,
        "lineup-unicast.m3u",
        FeedKind::Lineup,
        body.as_bytes(),
    )
}

async fn guide(State(site): State<SigningSite>, headers: HeaderMap) -> Response {
    let body = feeds::xmltv(site.clock.now());
    respond(
        &site,
        &headers,
        "guide.xml",
        FeedKind::Guide,
        body.as_bytes(),
    )
}

async fn guide_gz(State(site): State<SigningSite>, headers: HeaderMap) -> Response {
    let body = feeds::gzip(feeds::xmltv(site.clock.now()).as_bytes());
    respond(&site, &headers, "guide.xml.gz", FeedKind::Guide, &body)
}

async fn interact(State(site): State<SigningSite>, headers: HeaderMap) -> Response {
    let body = super::interact::demo_feed(site.clock.now()).to_string();
    respond(
        &site,
        &headers,
        "interact/feed.json",
        FeedKind::Interact,
        body.as_bytes(),
    )
}

/// The catalogue is a file the archive generator writes (atomically, by
/// rename). A `catalogue.json.minisig` file beside it is served as it is
/// instead of a fresh signature: a catalogue signed elsewhere (by its
/// publisher, with `hustings sign`) is published with its own signature,
/// and a test can serve a stale signature with an altered body, which is
/// what a tampered mirror looks like.
async fn catalogue(State(site): State<SigningSite>, headers: HeaderMap) -> Response {
    let own = site.archive_root.join("catalogue.json.minisig");
    if let Ok(text) = tokio::fs::read(&own).await {
        return super::http::conditional(&headers, "text/plain; charset=utf-8", text);
    }
    let path = site.archive_root.join("catalogue.json");
    match tokio::fs::read(&path).await {
        Ok(body) => respond(
            &site,
            &headers,
            "archive/catalogue.json",
            FeedKind::Archive,
            &body,
        ),
        Err(e) => (StatusCode::NOT_FOUND, format!("{}: {e}\n", path.display())).into_response(),
    }
}
