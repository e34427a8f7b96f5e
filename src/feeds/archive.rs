//! The archive catalogue and its transcripts: fetched with conditional GET,
//! checked against its signature, read, and stored (the store keeps the last
//! good catalogue and its exact bytes; a bad or rejected one is refused and
//! the stored one stays in force).

use std::path::Path;

use url::Url;

use super::fetch::{FeedError, Fresh, fetch_checked};
use crate::archive::catalogue;
use crate::archive::transcript;
use crate::net::{HttpClient, Validators};
use crate::store::Store;
use crate::trust::{FeedKind, TrustGate};

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
    // The validators and bytes of the copy in force: validators only with
    // items to fall back on, so a 304 means "keep them".
    let (known, saved) = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db_path).ok()?;
        if store.archive_items().ok()?.is_empty() {
            return Some((Validators::default(), None));
        }
        let saved = store.load_feed(&url_owned).ok().flatten().map(|f| f.body);
        Some((store.validators(&url_owned).unwrap_or_default(), saved))
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    let (body, validators) = match fetch_checked(
        http,
        trust,
        FeedKind::Archive,
        url,
        &known,
        saved.as_deref(),
    )
    .await
    {
        Ok(Fresh::Unchanged { .. }) => return fetch_transcripts(http, db).await,
        Ok(Fresh::New(body, validators)) => (body, validators),
        Err(e @ FeedError::Rejected { .. }) => {
            return Some(format!("{e}; the saved archive stays"));
        }
        Err(e) => return Some(e.to_string()),
    };
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
