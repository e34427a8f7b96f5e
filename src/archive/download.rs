//! Downloading a speech for offline viewing into the cache directory.
//!
//! ```text
//! <cache>/archive/<item id>/
//!     manifest.json   what is complete: variant URL, segments (name, size, sha-256), complete flag
//!     seg00000.ts …   the segments, named by us (a playlist's URI never becomes a path)
//!     index.m3u8      the VOD playlist over the local names, written last
//! ```
//!
//! Resumable at segment granularity: a segment is written as `.part` and
//! renamed when its size (and checksum, when the catalogue gives one) is
//! right, so an interrupted download — a broken connection, a kill, a
//! reboot — keeps every complete segment and starts the next one again. The
//! item counts as downloaded only once `manifest.json` says so, after every
//! segment is verified. Segment URIs must be http(s) without `..`; nothing
//! is ever written outside the item's directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use url::Url;

use super::catalogue::ArchiveItem;
use super::variants::{Capabilities, choose, variants};
use crate::net::HttpClient;

/// Most segments one item may have.
pub const MAX_SEGMENTS: usize = 20_000;

#[derive(Debug, Error)]
pub enum DownloadError {
    #[error("{url}: {message}")]
    Playlist { url: String, message: String },
    #[error("{url}: {message}")]
    Fetch { url: String, message: String },
    #[error("{path}: {source}")]
    Disk {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{url}: the segment does not match its checksum (fetched twice)")]
    Corrupt { url: String },
    #[error("the cache budget ({budget} bytes) is full; nothing more can be evicted")]
    Budget { budget: u64 },
    #[error(
        "the disk is full at {path}: stopped after {done} of {total} segments (kept; the download resumes when there is room)"
    )]
    DiskFull {
        path: PathBuf,
        done: usize,
        total: usize,
    },
}

/// The cache's disk budget and what decides eviction, for [`download`].
#[derive(Debug, Clone, Default)]
pub struct Budget {
    /// Most bytes the cache may hold.
    pub bytes: u64,
    /// When each cached item was last watched (Unix seconds), by id.
    pub watched_at: std::collections::HashMap<String, i64>,
}

/// One downloaded segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRecord {
    pub name: String,
    pub duration: f64,
    pub size: u64,
    pub sha256: String,
}

/// What is on disk for an item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub variant: String,
    pub target_duration: u64,
    pub segments: Vec<SegmentRecord>,
    pub total: usize,
    pub complete: bool,
    pub pinned: bool,
}

impl Manifest {
    pub fn bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.size).sum()
    }
}

/// The directory of an item in the cache.
pub fn item_dir(cache: &Path, id: &str) -> PathBuf {
    cache.join("archive").join(id)
}

/// The manifest of an item, if any.
pub fn manifest(cache: &Path, id: &str) -> Option<Manifest> {
    let text = std::fs::read_to_string(item_dir(cache, id).join("manifest.json")).ok()?;
    serde_json::from_str(&text).ok()
}

fn disk(path: &Path) -> impl Fn(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Disk {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` as `path.part`, then renames it; a failed write leaves
/// neither (a full disk gets its space back).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DownloadError> {
    let part = path.with_extension("part");
    if let Err(e) = std::fs::write(&part, bytes) {
        let _ = std::fs::remove_file(&part);
        return Err(disk(&part)(e));
    }
    std::fs::rename(&part, path).map_err(disk(path))
}

/// A disk error becomes [`DownloadError::DiskFull`] when the disk is full.
fn full(e: DownloadError, done: usize, total: usize) -> DownloadError {
    match e {
        DownloadError::Disk { path, source }
            if source.kind() == std::io::ErrorKind::StorageFull =>
        {
            DownloadError::DiskFull { path, done, total }
        }
        other => other,
    }
}

/// The ids of the items in the cache (complete or not).
pub fn cached_ids(cache: &Path) -> Vec<String> {
    std::fs::read_dir(cache.join("archive"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|d| d.file_name().to_string_lossy().to_string())
        .collect()
}

/// A segment as its playlist gives it: (URI as written, absolute URL, seconds).
pub type PlaylistSegment = (String, String, f64);

/// A media playlist's segments (absolute URLs and durations), checked.
pub fn segments(bytes: &[u8], url: &Url) -> Result<(u64, Vec<PlaylistSegment>), DownloadError> {
    let err = |message: String| DownloadError::Playlist {
        url: url.to_string(),
        message,
    };
    let p = m3u8_rs::parse_media_playlist_res(bytes)
        .map_err(|e| err(format!("not a media playlist: {e}")))?;
    if !p.end_list {
        return Err(err(
            "a live playlist (no #EXT-X-ENDLIST) cannot be downloaded".into(),
        ));
    }
    if p.segments.len() > MAX_SEGMENTS {
        return Err(err(format!(
            "{} segments (at most {MAX_SEGMENTS})",
            p.segments.len()
        )));
    }
    if p.media_sequence > u64::from(u32::MAX) {
        return Err(err(format!(
            "media sequence {} is not believable",
            p.media_sequence
        )));
    }
    let mut out = Vec::new();
    for s in &p.segments {
        let d = f64::from(s.duration);
        if !d.is_finite() || d <= 0.0 || d > 3600.0 {
            return Err(err(format!(
                "segment {:?} has duration {}",
                s.uri, s.duration
            )));
        }
        if s.uri.split(['/', '\\']).any(|part| part == "..") {
            return Err(err(format!(
                "segment {:?} climbs out of its directory",
                s.uri
            )));
        }
        let abs = url
            .join(&s.uri)
            .map_err(|e| err(format!("segment {:?}: {e}", s.uri)))?;
        if !matches!(abs.scheme(), "http" | "https") {
            return Err(err(format!("segment {:?} is not http(s)", s.uri)));
        }
        out.push((s.uri.clone(), abs.to_string(), d));
    }
    Ok((p.target_duration, out))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Downloads `item` into `cache` (resuming what is there), verifying every
/// segment and keeping the cache within `budget` (other items are evicted,
/// least recently watched first, before a segment that would not fit);
/// `progress(done, total)` after each segment. Returns the manifest.
pub async fn download(
    http: &HttpClient,
    cache: &Path,
    item: &ArchiveItem,
    caps: &Capabilities,
    budget: &Budget,
    mut progress: impl FnMut(usize, usize),
) -> Result<Manifest, DownloadError> {
    let dir = item_dir(cache, &item.id);
    std::fs::create_dir_all(&dir).map_err(disk(&dir))?;
    let fetch = |url: String| async move {
        http.fetch(&url).await.map_err(|e| DownloadError::Fetch {
            url: url.clone(),
            message: e.to_string(),
        })
    };
    // The variant: the one already begun, else the best for this box.
    let mut m = manifest(cache, &item.id).unwrap_or_default();
    if m.complete {
        return Ok(m);
    }
    if m.variant.is_empty() {
        let body = fetch(item.hls.clone()).await?;
        let base = Url::parse(&item.hls).map_err(|e| DownloadError::Playlist {
            url: item.hls.clone(),
            message: e.to_string(),
        })?;
        m.variant = match variants(&body, &base).map_err(|e| DownloadError::Playlist {
            url: item.hls.clone(),
            message: e.message,
        })? {
            Some(all) => choose(&all, caps)
                .map(|v| v.url.clone())
                .unwrap_or_default(),
            None => item.hls.clone(),
        };
    }
    let variant_url = Url::parse(&m.variant).map_err(|e| DownloadError::Playlist {
        url: m.variant.clone(),
        message: e.to_string(),
    })?;
    let body = fetch(m.variant.clone()).await?;
    let (target, list) = segments(&body, &variant_url)?;
    m.target_duration = target;
    m.total = list.len();
    m.pinned = item.pinned;
    // Keep only what is on disk and whole.
    m.segments
        .retain(|s| std::fs::metadata(dir.join(&s.name)).is_ok_and(|md| md.len() == s.size));
    for (i, (uri, abs, duration)) in list.iter().enumerate() {
        let name = format!("seg{i:05}.ts");
        if m.segments.iter().any(|s| s.name == name) {
            continue;
        }
        // The segment's URL (keys relative to the catalogue), else the URI
        // as its playlist writes it.
        let expected = item.checksums.get(abs).or_else(|| item.checksums.get(uri));
        let mut attempt = 0;
        let bytes = loop {
            let bytes = fetch(abs.clone()).await?;
            let sum = sha256_hex(&bytes);
            match expected {
                Some(want) if !want.eq_ignore_ascii_case(&sum) => {
                    attempt += 1;
                    tracing::warn!(%abs, "segment checksum mismatch; fetching again");
                    if attempt >= 2 {
                        return Err(DownloadError::Corrupt { url: abs.clone() });
                    }
                }
                _ => break (bytes, sum),
            }
        };
        let (bytes, sum) = bytes;
        let (done, total) = (m.segments.len(), m.total);
        if status(cache, budget.bytes).used_bytes + bytes.len() as u64 > budget.bytes {
            evict(cache, budget.bytes, bytes.len() as u64, &item.id, |id| {
                budget.watched_at.get(id).copied()
            })?;
        }
        write_atomic(&dir.join(&name), &bytes).map_err(|e| full(e, done, total))?;
        m.segments.push(SegmentRecord {
            name,
            duration: *duration,
            size: bytes.len() as u64,
            sha256: sum,
        });
        m.segments.sort_by(|a, b| a.name.cmp(&b.name));
        write_atomic(
            &dir.join("manifest.json"),
            serde_json::to_string(&m).unwrap_or_default().as_bytes(),
        )
        .map_err(|e| full(e, done, total))?;
        progress(m.segments.len(), m.total);
    }
    let mut playlist = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:0\n",
        m.target_duration.max(1)
    );
    for s in &m.segments {
        playlist.push_str(&format!("#EXTINF:{:.3},\n{}\n", s.duration, s.name));
    }
    playlist.push_str("#EXT-X-ENDLIST\n");
    let (done, total) = (m.segments.len(), m.total);
    write_atomic(&dir.join("index.m3u8"), playlist.as_bytes()).map_err(|e| full(e, done, total))?;
    m.complete = true;
    write_atomic(
        &dir.join("manifest.json"),
        serde_json::to_string(&m).unwrap_or_default().as_bytes(),
    )
    .map_err(|e| full(e, done, total))?;
    Ok(m)
}

/// Checks a downloaded item's segments against their recorded size and
/// checksum; a bad one is removed and the item marked incomplete.
pub fn verify(cache: &Path, id: &str) -> Result<bool, DownloadError> {
    let Some(mut m) = manifest(cache, id) else {
        return Ok(false);
    };
    let dir = item_dir(cache, id);
    let before = m.segments.len();
    m.segments.retain(|s| {
        std::fs::read(dir.join(&s.name))
            .is_ok_and(|b| b.len() as u64 == s.size && sha256_hex(&b) == s.sha256)
    });
    if m.segments.len() != before {
        m.complete = false;
        let _ = std::fs::remove_file(dir.join("index.m3u8"));
        write_atomic(
            &dir.join("manifest.json"),
            serde_json::to_string(&m).unwrap_or_default().as_bytes(),
        )?;
    }
    Ok(m.complete && m.segments.len() == m.total)
}

/// What the cache holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CacheStatus {
    pub used_bytes: u64,
    pub budget_bytes: u64,
    pub items: usize,
    pub pinned: usize,
}

/// Sums the cache's items (and the images, which share the budget).
pub fn status(cache: &Path, budget: u64) -> CacheStatus {
    let mut s = CacheStatus {
        budget_bytes: budget,
        used_bytes: super::images::entries(cache).iter().map(|e| e.1).sum(),
        ..Default::default()
    };
    let Ok(dirs) = std::fs::read_dir(cache.join("archive")) else {
        return s;
    };
    for d in dirs.flatten() {
        let id = d.file_name().to_string_lossy().to_string();
        if let Some(m) = manifest(cache, &id) {
            s.used_bytes += m.bytes();
            s.items += 1;
            s.pinned += usize::from(m.pinned);
        }
    }
    s
}

/// Frees space for `needed` more bytes within `budget`: removes downloaded
/// items and cached images, least recently used first (an item's
/// `watched_at` by id, never watched counting as oldest; an image's last
/// use), pinned items last, never `keep`. Returns what was removed (item ids,
/// image file names), or an error when the budget cannot be met.
pub fn evict(
    cache: &Path,
    budget: u64,
    needed: u64,
    keep: &str,
    watched_at: impl Fn(&str) -> Option<i64>,
) -> Result<Vec<String>, DownloadError> {
    let mut used = status(cache, budget).used_bytes;
    let mut candidates: Vec<(bool, i64, String, u64)> = std::fs::read_dir(cache.join("archive"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|d| {
            let id = d.file_name().to_string_lossy().to_string();
            let m = manifest(cache, &id)?;
            (id != keep).then(|| (m.pinned, watched_at(&id).unwrap_or(0), id, m.bytes()))
        })
        .collect();
    let images = super::images::entries(cache);
    for (path, bytes, used_at) in &images {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        candidates.push((false, *used_at, format!("image {name}"), *bytes));
    }
    candidates.sort();
    let mut removed = Vec::new();
    for (_, _, id, bytes) in candidates {
        if used + needed <= budget {
            break;
        }
        match id.strip_prefix("image ") {
            Some(name) => {
                let path = super::images::dir(cache).join(name);
                std::fs::remove_file(&path).map_err(disk(&path))?;
            }
            None => {
                let dir = item_dir(cache, &id);
                std::fs::remove_dir_all(&dir).map_err(disk(&dir))?;
            }
        }
        used = used.saturating_sub(bytes);
        removed.push(id);
    }
    if used + needed > budget {
        return Err(DownloadError::Budget { budget });
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("http://h/archive/s1/index.m3u8").unwrap()
    }

    #[test]
    fn hostile_playlists_are_refused_with_what_is_wrong() {
        let cases: [(&str, &str); 5] = [
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n",
                "live playlist",
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:-3,\na.ts\n#EXT-X-ENDLIST\n",
                "duration",
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n../../x.ts\n#EXT-X-ENDLIST\n",
                "climbs out",
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
                "not http(s)",
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:99999999999999\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n",
                "media sequence",
            ),
        ];
        for (text, says) in cases {
            let e = segments(text.as_bytes(), &url()).unwrap_err().to_string();
            assert!(e.starts_with("http://h/archive/s1/index.m3u8: "), "{e}");
            assert!(e.contains(says), "{text:?}: {e}");
        }
        let nan = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:NaN,\na.ts\n#EXT-X-ENDLIST\n";
        assert!(
            segments(nan.as_bytes(), &url()).is_err(),
            "NaN (read as no duration)"
        );
        let (_, ok) = segments(
            b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n",
            &url(),
        )
        .unwrap();
        assert_eq!(ok[0].1, "http://h/archive/s1/seg0.ts");
    }

    #[test]
    fn eviction_takes_the_least_recently_watched_and_pinned_last() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path();
        for (id, pinned, size) in [("a", false, 400u64), ("b", true, 400), ("c", false, 400)] {
            let d = item_dir(cache, id);
            std::fs::create_dir_all(&d).unwrap();
            let m = Manifest {
                segments: vec![SegmentRecord {
                    name: "seg00000.ts".into(),
                    duration: 2.0,
                    size,
                    sha256: String::new(),
                }],
                total: 1,
                complete: true,
                pinned,
                ..Default::default()
            };
            std::fs::write(d.join("manifest.json"), serde_json::to_string(&m).unwrap()).unwrap();
        }
        // A logo, last used between c and a, shares the budget.
        let logo = super::super::images::path(cache, "http://h/logo.svg", "svg");
        std::fs::create_dir_all(logo.parent().unwrap()).unwrap();
        std::fs::write(&logo, [b'x'; 100]).unwrap();
        std::fs::File::options()
            .append(true)
            .open(&logo)
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(150))
            .unwrap();
        assert_eq!(status(cache, 1000).used_bytes, 1300);
        let watched = |id: &str| match id {
            "a" => Some(200),
            "c" => Some(100),
            _ => Some(0),
        };
        // Room for 300 more in 1000: c (watched longest ago) goes, then the
        // logo, then a; b is pinned.
        let logo_name = logo.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(
            evict(cache, 1000, 300, "new", watched).unwrap(),
            [
                "c".to_string(),
                format!("image {logo_name}"),
                "a".to_string()
            ]
        );
        assert!(matches!(
            evict(cache, 1000, 1100, "new", watched),
            Err(DownloadError::Budget { .. })
        ));
        assert_eq!(
            status(cache, 1000).items,
            0,
            "b went too, and it still did not fit"
        );
    }
}
