//! Loading the lineup and guide: network first, the cached copy when the
//! network or the feed is bad, so the box always starts with what it last had.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::config::Config;
use crate::guide::{Guide, parse_xmltv_bytes};
use crate::lineup::{Channel, parse_bytes};
use crate::net::HttpClient;
use crate::store::Store;

/// What the app gets back from a load.
#[derive(Debug, Default)]
pub struct Loaded {
    pub channels: Vec<Channel>,
    pub guide: Guide,
    /// Things the viewer should know (offline, bad feed kept out, ...).
    pub notices: Vec<String>,
    /// Set when there is nothing to show at all.
    pub error: Option<String>,
    /// The channel key watched last, to start there.
    pub last_channel: Option<String>,
}

/// Fetches every configured feed, caching good bodies in the store.
pub async fn load(config: &Config, http: &HttpClient) -> Loaded {
    let mut out = Loaded::default();
    let state_dir = config.state_dir();
    let store = open_store(state_dir.clone()).await;
    let store = match store {
        Ok(s) => Some(Mutex::new(s)),
        Err(e) => {
            out.notices.push(format!("Cache unavailable: {e}"));
            None
        }
    };
    if config.feeds.lineup.is_empty() {
        out.error = Some(
            "No channel lineup configured: set [feeds] lineup in the config or pass --server URL"
                .into(),
        );
        return out;
    }
    let mut guide_urls = config.feeds.guide.clone();
    for url in &config.feeds.lineup {
        let parsed = fetch_or_cache(http, store.as_ref(), url, &mut out.notices, |b| {
            parse_bytes(b, url).map_err(|e| e.to_string())
        })
        .await;
        if let Some(lineup) = parsed {
            for w in &lineup.warnings {
                tracing::warn!("{url}: {w}");
            }
            if config.feeds.guide.is_empty() {
                guide_urls.extend(lineup.guide_url().map(String::from));
            }
            out.channels.extend(lineup.channels);
        }
    }
    if out.channels.is_empty() {
        out.error = Some(
            out.notices
                .pop()
                .unwrap_or_else(|| "The lineup lists no channels".into()),
        );
        return out;
    }
    guide_urls.dedup();
    for url in &guide_urls {
        let parsed = fetch_or_cache(http, store.as_ref(), url, &mut out.notices, |b| {
            parse_xmltv_bytes(b, url).map_err(|e| e.to_string())
        })
        .await;
        if let Some(guide) = parsed {
            // Several guides are not merged yet (issue 3); the first good one wins.
            out.guide = guide;
            break;
        }
    }
    if let Some(Ok(store)) = store.as_ref().map(Mutex::lock) {
        out.last_channel = store.setting("last_channel").ok().flatten();
    }
    out
}

async fn open_store(dir: PathBuf) -> Result<Store, String> {
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Store::open_in(&dir).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Fetches and parses `url`; on success caches the body, on failure parses
/// the cached body instead and adds a notice saying so.
async fn fetch_or_cache<T>(
    http: &HttpClient,
    store: Option<&Mutex<Store>>,
    url: &str,
    notices: &mut Vec<String>,
    parse: impl Fn(&[u8]) -> Result<T, String>,
) -> Option<T> {
    let fresh = match http.fetch(url).await {
        Ok(body) => match parse(&body) {
            Ok(v) => {
                if let Some(Ok(s)) = store.map(Mutex::lock)
                    && let Err(e) = s.save_feed(url, &body, chrono::Utc::now().timestamp())
                {
                    tracing::warn!("could not cache {url}: {e}");
                }
                return Some(v);
            }
            Err(e) => e,
        },
        Err(e) => e.to_string(),
    };
    tracing::warn!("{fresh}");
    let cached = store.and_then(|s| s.lock().ok()?.load_feed(url).ok().flatten());
    match cached.map(|c| (parse(&c.body), c.fetched_at)) {
        Some((Ok(v), at)) => {
            let when = chrono::DateTime::from_timestamp(at, 0)
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%d %b %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            notices.push(format!("{fresh}. Showing the copy saved {when}."));
            Some(v)
        }
        _ => {
            notices.push(fresh);
            None
        }
    }
}
