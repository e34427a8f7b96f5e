//! Logos and thumbnails for the screens: fetched into the download cache on
//! the runtime (they share its budget, see `archive::images`), decoded on
//! the UI thread once and kept for the session.

use std::collections::HashMap;
use std::path::PathBuf;

/// The images the screens have asked for.
#[derive(Default)]
pub struct Images {
    cache: Option<PathBuf>,
    /// Starts fetching a URL in the background; [`super::UiMsg::ImageReady`] follows.
    fetch: Option<Box<dyn Fn(String)>>,
    /// Decoded images; None while being fetched, or when it could not be had.
    loaded: HashMap<String, Option<slint::Image>>,
}

impl Images {
    pub fn new(cache: PathBuf, fetch: Box<dyn Fn(String)>) -> Self {
        Images {
            cache: Some(cache),
            fetch: Some(fetch),
            loaded: HashMap::new(),
        }
    }

    /// The image of `url`: at once when cached, else None and fetched.
    pub fn get(&mut self, url: &str) -> Option<slint::Image> {
        if let Some(known) = self.loaded.get(url) {
            return known.clone();
        }
        let on_disk = self
            .cache
            .as_deref()
            .and_then(|c| crate::archive::images::find(c, url));
        let image = match on_disk {
            Some(path) => slint::Image::load_from_path(&path)
                .map_err(|e| tracing::debug!(%url, "image not decoded: {e:?}"))
                .ok(),
            None => {
                if let Some(fetch) = &self.fetch {
                    fetch(url.to_string());
                }
                None
            }
        };
        self.loaded.insert(url.to_string(), image.clone());
        image
    }

    /// `url` is now in the cache: the next [`get`](Self::get) decodes it.
    pub fn ready(&mut self, url: &str) {
        self.loaded.remove(url);
        if let Some(c) = &self.cache
            && crate::archive::images::find(c, url).is_none()
        {
            // Evicted meanwhile: do not ask again this session.
            self.loaded.insert(url.to_string(), None);
        }
    }
}

/// Fetches images into `cache` on `rt`, saying when each is there.
pub(super) fn fetcher(
    rt: &tokio::runtime::Handle,
    cache: PathBuf,
    http: crate::net::HttpClient,
    tx: tokio::sync::mpsc::UnboundedSender<super::UiMsg>,
) -> Box<dyn Fn(String)> {
    let rt = rt.clone();
    Box::new(move |url| {
        let (cache, http, tx) = (cache.clone(), http.clone(), tx.clone());
        rt.spawn(async move {
            match crate::archive::images::fetch(&http, &cache, &url).await {
                Ok(_) => {
                    let _ = tx.send(super::UiMsg::ImageReady(url));
                }
                Err(e) => tracing::info!("image not shown: {e}"),
            }
        });
    })
}
