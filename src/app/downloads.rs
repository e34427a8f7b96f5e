//! The archive's background work for the app, on the runtime: downloads for
//! offline viewing (the viewer's, and pinned speeches fetched ahead of time
//! in the configured window), choosing what to stream for an item, and the
//! loopback server that plays the cache with no network. Results come back to
//! the UI thread as [`UiMsg`]s.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;

use super::UiMsg;
use super::effect::PlayRequest;
use crate::archive::catalogue::ArchiveItem;
use crate::archive::download::{self, Budget, Manifest};
use crate::archive::variants::{Capabilities, playable_master};
use crate::config::Config;
use crate::net::HttpClient;

/// What this box decodes well (HEVC only with a hardware decoder).
fn capabilities() -> Capabilities {
    Capabilities {
        bandwidth: None,
        hevc_hardware: crate::player::decoders::has_hardware_decoder("video/x-h265"),
        max_height: None,
    }
}

/// Downloads `item` into `cache` within `budget` bytes: over-budget items go
/// first (least recently watched, pinned last), then the download evicts as
/// it goes.
async fn fetch_item(
    cache: &Path,
    budget: u64,
    db: &Path,
    item: &ArchiveItem,
    http: &HttpClient,
) -> Result<Manifest, String> {
    let (evict_cache, db, id) = (cache.to_path_buf(), db.to_path_buf(), item.id.clone());
    let budget = tokio::task::spawn_blocking(move || {
        let store = crate::store::Store::open_reader(&db).ok();
        let watched = |other: &str| store.as_ref()?.archive_watched_at(other).ok()?;
        download::evict(&evict_cache, budget, 0, &id, watched)?;
        Ok::<_, download::DownloadError>(Budget {
            bytes: budget,
            watched_at: download::cached_ids(&evict_cache)
                .into_iter()
                .filter_map(|o| Some((o.clone(), watched(&o)?)))
                .collect(),
        })
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    download::download(http, cache, item, &capabilities(), &budget, |_, _| {})
        .await
        .map_err(|e| e.to_string())
}

/// Downloads an item for offline viewing in the background; the result comes
/// back as [`UiMsg::Downloaded`].
pub(super) fn downloader(
    rt: &tokio::runtime::Handle,
    config: &Config,
    tx: mpsc::UnboundedSender<UiMsg>,
) -> Box<dyn Fn(ArchiveItem)> {
    let (rt, cache, budget, db) = (
        rt.clone(),
        config.cache_dir(),
        config.cache_budget(),
        crate::store::Store::path_in(&config.state_dir()),
    );
    let http = HttpClient::for_config(config);
    Box::new(move |item| {
        let (tx, cache, db) = (tx.clone(), cache.clone(), db.clone());
        let http = http
            .as_ref()
            .map(HttpClient::clone)
            .map_err(|e| e.to_string());
        rt.spawn(async move {
            let result = match http {
                Ok(http) => fetch_item(&cache, budget, &db, &item, &http)
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            };
            let _ = tx.send(UiMsg::Downloaded {
                title: item.title,
                result,
            });
        });
    })
}

/// Fetches the catalogue's pinned speeches ahead of time, one at a time,
/// whenever the clock is inside `[cache] pinned_window`: checked after each
/// feed refresh (`refreshed` is notified) and every ten minutes; a failure is
/// logged and tried again at the next check.
pub(super) fn fetch_pinned(
    rt: &tokio::runtime::Handle,
    config: &Config,
    refreshed: std::sync::Arc<tokio::sync::Notify>,
    tx: mpsc::UnboundedSender<UiMsg>,
) {
    let window = match crate::archive::schedule::Window::parse(&config.cache.pinned_window) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!("{e}; pinned speeches are not fetched ahead of time");
            return;
        }
    };
    let clock = config.clock.clone();
    let (cache, budget, db) = (
        config.cache_dir(),
        config.cache_budget(),
        crate::store::Store::path_in(&config.state_dir()),
    );
    let http = match HttpClient::for_config(config) {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("pinned speeches will not be fetched: {e}");
            return;
        }
    };
    if window == crate::archive::schedule::Window::Never {
        return;
    }
    rt.spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = refreshed.notified() => {}
            }
            if !window.contains(clock.local().time()) {
                continue;
            }
            let reader_db = db.clone();
            let pinned = tokio::task::spawn_blocking(move || {
                crate::store::Store::open_reader(&reader_db)
                    .and_then(|s| s.archive_items())
                    .unwrap_or_default()
            })
            .await
            .unwrap_or_default();
            for item in pinned.into_iter().filter(|i| i.pinned) {
                if download::manifest(&cache, &item.id).is_some_and(|m| m.complete) {
                    continue;
                }
                match fetch_item(&cache, budget, &db, &item, &http).await {
                    Ok(_) => {
                        tracing::info!(id = %item.id, "pinned speech fetched for offline viewing");
                        if tx.send(UiMsg::CacheChanged).is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!(id = %item.id, "pinned speech not fetched: {e}"),
                }
            }
        }
    });
}

/// What to stream for an archive item that is not downloaded: its master
/// playlist cut to the variants this box plays well (the chosen one first,
/// hlsdemux2 switching among the rest by measured bandwidth), written into
/// the cache and served on loopback. Anything that fails plays the item's own
/// URL, where the player reports what is wrong.
pub(super) fn archive_resolver(
    rt: &tokio::runtime::Handle,
    cache: PathBuf,
    base: Option<String>,
    http: HttpClient,
    tx: mpsc::UnboundedSender<UiMsg>,
) -> Box<dyn Fn(PlayRequest)> {
    let caps = capabilities();
    let rt = rt.clone();
    Box::new(move |request| {
        let (tx, cache, base, caps) = (tx.clone(), cache.clone(), base.clone(), caps.clone());
        let http = http.clone();
        rt.spawn(async move {
            let hls = request.item.hls.clone();
            let chosen = async {
                // Only an HLS playlist has variants (a VOD file is played as it is).
                if !request.item.is_hls() {
                    return None;
                }
                let base = base?;
                let body = http.fetch(&hls).await.ok()?;
                let parsed = url::Url::parse(&hls).ok()?;
                let master = match playable_master(&body, &parsed, &caps) {
                    Ok(m) => m?,
                    Err(e) => {
                        tracing::warn!("{e}");
                        return None;
                    }
                };
                let dir = cache.join("variants");
                let name = format!("{}.m3u8", request.item.id);
                let part = dir.join(format!("{name}.part"));
                tokio::fs::create_dir_all(&dir).await.ok()?;
                tokio::fs::write(&part, master).await.ok()?;
                tokio::fs::rename(&part, dir.join(&name)).await.ok()?;
                tracing::info!(id = %request.item.id, "streaming the variants this box plays well");
                Some(format!("{base}/variants/{name}"))
            }
            .await;
            let url = chosen.unwrap_or(hls);
            let _ = tx.send(UiMsg::ArchiveResolved { request, url });
        });
    })
}

/// Serves the download cache on loopback, so downloaded speeches play with
/// no network (hlsdemux2 reads playlists over HTTP only). Returns its base URL.
pub(super) fn serve_cache(rt: &tokio::runtime::Handle, cache: &Path) -> Option<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
    let addr = listener.local_addr().ok()?;
    listener.set_nonblocking(true).ok()?;
    let dir = cache.to_path_buf();
    rt.spawn(async move {
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
            return;
        };
        crate::net::serve::serve_dir(listener, dir).await;
    });
    Some(format!("http://{addr}"))
}
