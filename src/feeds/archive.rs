//! The archive catalogue and its transcripts: fetched with conditional GET,
//! checked against its signature, read, and stored (the store keeps the last
//! good catalogue and its exact bytes; a bad or rejected one is refused and
//! the stored one stays in force).

use std::path::Path;

use url::Url;

use crate::archive::catalogue;
use crate::archive::transcript;
use crate::net::{Fetched, HttpClient, Validators};
use crate::store::Store;
use crate::trust::{Decision, FeedKind, TrustGate};

/// Refreshes the archive from `url`; returns a problem for the viewer, if
/// any. With `trust`, the catalogue is checked before it replaces the stored one.
pub async fn refresh(
    http: &HttpClient,
    db: &Path,
    url: &str,
    trust: Option<&TrustGate>,
    jurisdiction: crate::trust::Jurisdiction,
) -> Option<String> {
    let base = match Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Some(format!("{url}: not a URL ({e})")),
    };
    let (db_path, url_owned) = (db.to_path_buf(), url.to_string());
    let known = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db_path).ok()?;
        let has_items = !store.archive_items().ok()?.is_empty();
        Some(if has_items {
            store.validators(&url_owned).unwrap_or_default()
        } else {
            Validators::default()
        })
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    let (body, validators) = match http.fetch_conditional(url, &known).await {
        Ok(Fetched::NotModified) => {
            if let Some(gate) = trust {
                recheck_saved(http, gate, db, url).await;
            }
            return fetch_transcripts(http, db).await;
        }
        Ok(Fetched::New(body, validators)) => (body, validators),
        Err(e) => return Some(e.to_string()),
    };
    if let Some(gate) = trust
        && let Decision::Rejected { why } =
            gate.check(http, FeedKind::Archive, url, &body, true).await
    {
        return Some(format!("{url}: rejected: {why}; the saved archive stays"));
    }
    let text = String::from_utf8_lossy(&body);
    let parsed = match catalogue::parse_for(&text, &base, jurisdiction) {
        Ok(c) => c,
        Err(e) => return Some(format!("{e}; the saved archive stays")),
    };
    for w in parsed.warnings.iter().take(50) {
        tracing::warn!("{url}: item {} ({:?}): {}", w.index, w.id, w.message);
    }
    let (db_path, url_owned) = (db.to_path_buf(), url.to_string());
    let saved = tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&db_path)?;
        let now = chrono::Utc::now().timestamp();
        store.store_catalogue(&url_owned, &parsed.items, &body, &validators, now)
    })
    .await;
    if let Ok(Err(e)) = saved {
        return Some(format!("the archive could not be saved: {e}"));
    }
    fetch_transcripts(http, db).await
}

/// Checks the stored catalogue's bytes again (the server said "not
/// modified"): its badge after a restart, and an expiry that passed.
async fn recheck_saved(http: &HttpClient, gate: &TrustGate, db: &Path, url: &str) {
    let (db_path, url_owned) = (db.to_path_buf(), url.to_string());
    let saved = tokio::task::spawn_blocking(move || {
        Store::open(&db_path)
            .ok()?
            .load_feed(&url_owned)
            .ok()
            .flatten()
    })
    .await
    .ok()
    .flatten();
    if let Some(saved) = saved {
        gate.check(http, FeedKind::Archive, url, &saved.body, false)
            .await;
    }
}

/// Fetches the transcripts the store does not have yet.
async fn fetch_transcripts(http: &HttpClient, db: &Path) -> Option<String> {
    let db_path = db.to_path_buf();
    let missing: Vec<(String, String)> = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db_path).ok()?;
        Some(
            store
                .archive_items()
                .ok()?
                .into_iter()
                .filter(|i| !store.has_transcript(&i.id).unwrap_or(true))
                .filter_map(|i| Some((i.id, i.transcript?)))
                .collect(),
        )
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    for (id, url) in missing {
        let body = match http.fetch(&url).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("transcript of {id}: {e}");
                continue;
            }
        };
        let Some(cues) = transcript::parse(&String::from_utf8_lossy(&body)) else {
            tracing::warn!("{url}: not a WebVTT transcript");
            continue;
        };
        let db_path = db.to_path_buf();
        let saved = tokio::task::spawn_blocking(move || {
            Store::open(&db_path).and_then(|mut s| s.set_transcript(&id, &cues))
        })
        .await;
        if let Ok(Err(e)) = saved {
            tracing::warn!("transcript not saved: {e}");
        }
    }
    None
}
