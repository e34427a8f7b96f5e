//! Logos, thumbnails and posters in the download cache: fetched once,
//! kept under `<cache>/images/` by a hash of their URL, counted in the same
//! disk budget as downloaded speeches and evicted by the same rule (least
//! recently used first; see [`super::download::evict`]).
//!
//! An image must be PNG, JPEG, WebP or SVG by its first bytes (a server's
//! error page is never kept as a logo) and at most [`MAX_IMAGE`] bytes.
//! Nothing is written outside the images directory: the file name is ours.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::net::HttpClient;

/// Largest image kept (a poster at TV resolution fits easily).
pub const MAX_IMAGE: usize = 4 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum ImageError {
    #[error("{url}: {message}")]
    Fetch { url: String, message: String },
    #[error("{url}: not an image (PNG, JPEG, WebP or SVG)")]
    NotAnImage { url: String },
    #[error("{url}: {len} bytes (at most {MAX_IMAGE})")]
    TooLarge { url: String, len: usize },
    #[error("{path}: {source}")]
    Disk {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The images directory of a cache.
pub fn dir(cache: &Path) -> PathBuf {
    cache.join("images")
}

/// The kinds kept, as file extensions (image loaders go by them).
const KINDS: [&str; 4] = ["png", "jpeg", "webp", "svg"];

/// Where the image of `url` is kept when it is of `kind` (see [`kind`]).
pub fn path(cache: &Path, url: &str, kind: &str) -> PathBuf {
    dir(cache).join(format!("{:08x}.{kind}", crc32fast::hash(url.as_bytes())))
}

/// The cached file of `url`, if it is there.
pub fn find(cache: &Path, url: &str) -> Option<PathBuf> {
    KINDS
        .iter()
        .map(|k| path(cache, url, k))
        .find(|p| p.exists())
}

/// The image's kind by its first bytes, if it is one.
pub fn kind(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(512)];
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("jpeg")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("webp")
    } else {
        let text = String::from_utf8_lossy(head);
        let text = text.trim_start_matches('\u{feff}').trim_start();
        (text.starts_with("<svg") || (text.starts_with("<?xml") && text.contains("<svg")))
            .then_some("svg")
    }
}

/// The cached file for `url`, fetching it first when it is not there; a use
/// marks it recently used.
pub async fn fetch(http: &HttpClient, cache: &Path, url: &str) -> Result<PathBuf, ImageError> {
    if let Some(found) = find(cache, url) {
        // Recently used: eviction goes by modification time.
        if let Ok(file) = std::fs::File::options().append(true).open(&found) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
        return Ok(found);
    }
    if !crate::net::is_remote(url) {
        return Err(ImageError::Fetch {
            url: url.into(),
            message: "only http(s) images are fetched".into(),
        });
    }
    let bytes = http.fetch(url).await.map_err(|e| ImageError::Fetch {
        url: url.into(),
        message: e.to_string(),
    })?;
    if bytes.len() > MAX_IMAGE {
        return Err(ImageError::TooLarge {
            url: url.into(),
            len: bytes.len(),
        });
    }
    let Some(kind) = kind(&bytes) else {
        return Err(ImageError::NotAnImage { url: url.into() });
    };
    let target = path(cache, url, kind);
    let dir = dir(cache);
    let disk = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ImageError::Disk { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(disk(&dir))?;
    let part = target.with_extension("part");
    if let Err(e) = std::fs::write(&part, &bytes) {
        let _ = std::fs::remove_file(&part);
        return Err(disk(&part)(e));
    }
    std::fs::rename(&part, &target).map_err(disk(&target))?;
    Ok(target)
}

/// The cached images: (path, bytes, last used as Unix seconds).
pub fn entries(cache: &Path) -> Vec<(PathBuf, u64, i64)> {
    std::fs::read_dir(dir(cache))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| KINDS.iter().any(|k| x == *k))
        })
        .filter_map(|e| {
            let md = e.metadata().ok()?;
            let used = md
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_secs() as i64;
            Some((e.path(), md.len(), used))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_first_bytes_not_their_name() {
        assert_eq!(kind(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(kind(&[0xff, 0xd8, 0xff, 0xe0]), Some("jpeg"));
        assert_eq!(kind(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(
            kind(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Some("svg")
        );
        assert_eq!(kind(b"<?xml version='1.0'?>\n<svg/>"), Some("svg"));
        assert_eq!(kind(b"<html><body>404</body></html>"), None);
        assert_eq!(kind(b""), None);
    }

    #[test]
    fn an_image_url_never_names_the_file() {
        let p = path(Path::new("/c"), "http://h/../../etc/passwd", "svg");
        assert!(p.starts_with("/c/images"));
        assert_eq!(p.extension().unwrap(), "svg");
    }
}
