//! Fetching feeds: HTTP(S) through reqwest (rustls), plus local files.
//!
//! Owns timeouts and the error messages that name the URL. It does not parse
//! what it fetches and does not cache: the caller stores a good body in
//! `store` and falls back to it when a fetch fails.

use std::time::Duration;

pub mod multicast;
pub mod serve;
pub mod tls;

use thiserror::Error;

/// Why a feed could not be fetched; every variant names what was asked for.
#[derive(Debug, Error)]
pub enum NetError {
    #[error("{url}: {message}")]
    Request { url: String, message: String },
    #[error("{url}: server answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{path}: {}", crate::net::describe_io(source))]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{url}: plain HTTP is refused off loopback (use https, or list the URL in [trust] allow_plain_http)"
    )]
    PlainHttp { url: String },
}

/// Where plain (unencrypted) HTTP may be used: loopback addresses always,
/// other URLs only under a configured prefix (`[trust] allow_plain_http`).
/// Everything else must be HTTPS (rustls, the platform's roots).
#[derive(Debug, Clone, Default)]
pub struct PlainHttp {
    allowed: std::sync::Arc<Vec<String>>,
}

impl PlainHttp {
    /// Loopback, plus URLs starting with one of `prefixes`.
    pub fn new(prefixes: &[String]) -> PlainHttp {
        PlainHttp {
            allowed: std::sync::Arc::new(prefixes.to_vec()),
        }
    }

    /// Redirects followed as reqwest does (at most 10), except to a URL this
    /// policy refuses: an HTTPS feed must not be redirected to plain HTTP.
    pub fn redirect_policy(&self) -> reqwest::redirect::Policy {
        let policy = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                attempt.error("more than 10 redirects")
            } else if let Err(e) = policy.check(attempt.url().as_str()) {
                attempt.error(e)
            } else {
                attempt.follow()
            }
        })
    }

    /// Whether `url` may be fetched: every https URL, and plain http only on
    /// loopback or under an allowed prefix. An error names the URL.
    pub fn check(&self, url: &str) -> Result<(), NetError> {
        let parsed = match url::Url::parse(url) {
            Ok(u) => u,
            // reqwest names an unparsable URL itself.
            Err(_) => return Ok(()),
        };
        if parsed.scheme() != "http" {
            return Ok(());
        }
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        if loopback
            || self
                .allowed
                .iter()
                .any(|p| !p.is_empty() && url.starts_with(p.as_str()))
        {
            Ok(())
        } else {
            Err(NetError::PlainHttp {
                url: url.to_string(),
            })
        }
    }
}

/// HTTP cache validators of a fetched body (for conditional GET).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a conditional fetch.
#[derive(Debug)]
pub enum Fetched<T> {
    /// 304: what the box has is current.
    NotModified,
    /// A new body (or file), with its validators.
    New(T, Validators),
}

/// Largest feed read into memory (lineups, small feeds); guides go to disk.
/// A lineup URL pointing at a live stream by mistake must not eat the box's memory.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// An HTTP client with set-top-box timeouts.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    plain_http: PlainHttp,
}

impl HttpClient {
    /// Builds the client. Connect timeout 5 s, whole request 30 s: a dead
    /// headend must not hold the box's start-up for longer.
    pub fn new() -> Result<Self, NetError> {
        Self::build(&tls::Pins::default(), PlainHttp::default())
    }

    /// The client the configuration asks for: plain HTTP where `[trust]
    /// allow_plain_http` allows it, certificates pinned per `[trust] tls_pins`.
    pub fn configured(trust: &crate::config::TrustSettings) -> Result<Self, NetError> {
        Self::build(
            &tls::Pins::parse(&trust.tls_pins)?,
            PlainHttp::new(&trust.allow_plain_http),
        )
    }

    fn build(pins: &tls::Pins, plain_http: PlainHttp) -> Result<Self, NetError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .redirect(plain_http.redirect_policy())
            .user_agent(concat!("Hustings/", env!("CARGO_PKG_VERSION")));
        if let Some(config) = tls::client_config(pins)? {
            builder = builder.tls_backend_preconfigured(config);
        }
        let inner = builder.build().map_err(|e| NetError::Request {
            url: "the HTTP client".into(),
            message: error_chain(&e),
        })?;
        Ok(HttpClient { inner, plain_http })
    }

    /// Fetches `location`: an `http(s)://` URL, a `file://` URL or a path.
    pub async fn fetch(&self, location: &str) -> Result<Vec<u8>, NetError> {
        if is_remote(location) {
            // Without validators the server has nothing to answer 304 to.
            match self
                .conditional_response(location, &Validators::default(), Duration::from_secs(30))
                .await?
            {
                Some((resp, _)) => read_capped(resp, location).await,
                None => Err(NetError::Status {
                    url: location.to_string(),
                    status: 304,
                }),
            }
        } else {
            let path = location.strip_prefix("file://").unwrap_or(location);
            tokio::fs::read(path)
                .await
                .map_err(|source| NetError::File {
                    path: path.to_string(),
                    source,
                })
        }
    }
}

impl HttpClient {
    /// Fetches a small optional file (a feed's detached signature): None when
    /// the server answers 404 or 410, or the local file does not exist; any
    /// other failure is an error naming the URL. At most `limit` bytes.
    pub async fn fetch_optional(
        &self,
        location: &str,
        limit: usize,
    ) -> Result<Option<Vec<u8>>, NetError> {
        let body = if is_remote(location) {
            self.plain_http.check(location)?;
            let resp = self
                .inner
                .get(location)
                .send()
                .await
                .map_err(|e| NetError::Request {
                    url: location.to_string(),
                    message: error_chain(&e),
                })?;
            let status = resp.status();
            if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
                return Ok(None);
            }
            if !status.is_success() {
                return Err(NetError::Status {
                    url: location.to_string(),
                    status: status.as_u16(),
                });
            }
            read_capped(resp, location).await?
        } else {
            let path = location.strip_prefix("file://").unwrap_or(location);
            match tokio::fs::read(path).await {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(source) => {
                    return Err(NetError::File {
                        path: path.to_string(),
                        source,
                    });
                }
            }
        };
        if body.len() > limit {
            return Err(NetError::Request {
                url: location.to_string(),
                message: format!("{} bytes, more than the {limit} expected", body.len()),
            });
        }
        Ok(Some(body))
    }
}

impl HttpClient {
    /// Sends a conditional GET; None when the server answers 304 Not Modified.
    async fn conditional_response(
        &self,
        url: &str,
        v: &Validators,
        timeout: Duration,
    ) -> Result<Option<(reqwest::Response, Validators)>, NetError> {
        self.plain_http.check(url)?;
        let mut req = self.inner.get(url).timeout(timeout);
        if let Some(etag) = &v.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &v.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = req.send().await.map_err(|e| NetError::Request {
            url: url.to_string(),
            message: error_chain(&e),
        })?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(NetError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let validators = validators_of(resp.headers());
        Ok(Some((resp, validators)))
    }

    /// Conditional GET of `url` into `dest`, streamed chunk by chunk (a 150 MB
    /// guide never sits in memory). The file appears under `dest` only when
    /// complete. Local paths are not fetched: callers read them directly.
    pub async fn fetch_to_file(
        &self,
        url: &str,
        v: &Validators,
        dest: &std::path::Path,
    ) -> Result<Fetched<()>, NetError> {
        use tokio::io::AsyncWriteExt;
        let request_error = |e: reqwest::Error| NetError::Request {
            url: url.to_string(),
            message: error_chain(&e),
        };
        // A big guide may take a while: an hour for the whole download, and
        // a stall timeout per chunk below.
        let Some((mut resp, validators)) = self
            .conditional_response(url, v, Duration::from_secs(3600))
            .await?
        else {
            return Ok(Fetched::NotModified);
        };
        // A private temporary file beside the destination: two fetchers of the
        // same URL never write into one file, and a failed download leaves
        // nothing behind (the temporary file is removed on drop). A process
        // killed mid-download (a power cut) cannot remove its own, so the name
        // carries the writer's pid and the next fetch removes those of the dead.
        let dir = dest.parent().unwrap_or(std::path::Path::new("."));
        let dir_error = |source| NetError::File {
            path: dir.display().to_string(),
            source,
        };
        remove_orphaned_parts(dir);
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{PART_PREFIX}{}-", std::process::id()))
            .tempfile_in(dir)
            .map_err(dir_error)?;
        let part = tmp.path().to_path_buf();
        let file_error = |source| NetError::File {
            path: part.display().to_string(),
            source,
        };
        let mut file = tokio::fs::File::from_std(tmp.reopen().map_err(file_error)?);
        loop {
            let chunk = tokio::time::timeout(Duration::from_secs(30), resp.chunk())
                .await
                .map_err(|_| NetError::Request {
                    url: url.to_string(),
                    message: "no data for 30 s".into(),
                })?
                .map_err(request_error)?;
            match chunk {
                Some(bytes) => file.write_all(&bytes).await.map_err(file_error)?,
                None => break,
            }
        }
        file.flush().await.map_err(file_error)?;
        file.sync_all().await.map_err(file_error)?;
        drop(file);
        tmp.persist(dest).map_err(|e| NetError::File {
            path: dest.display().to_string(),
            source: e.error,
        })?;
        Ok(Fetched::New((), validators))
    }

    /// Conditional GET of a small feed into memory.
    pub async fn fetch_conditional(
        &self,
        url: &str,
        v: &Validators,
    ) -> Result<Fetched<Vec<u8>>, NetError> {
        if !is_remote(url) {
            return self
                .fetch(url)
                .await
                .map(|b| Fetched::New(b, Validators::default()));
        }
        match self
            .conditional_response(url, v, Duration::from_secs(30))
            .await?
        {
            None => Ok(Fetched::NotModified),
            Some((resp, validators)) => Ok(Fetched::New(read_capped(resp, url).await?, validators)),
        }
    }
}

/// An I/O error's words, led by a plain "the disk is full" when it is.
pub fn describe_io(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::StorageFull {
        format!("the disk is full ({e})")
    } else {
        e.to_string()
    }
}

/// How the temporary file of a download in progress is named:
/// `.part-<pid>-<random>`, beside its destination.
const PART_PREFIX: &str = ".part-";

/// Removes the temporary files that downloads of processes no longer
/// running left in `dir` (killed before they could clean up). A file whose
/// writer still runs is left alone. Best effort: a failure only costs space.
fn remove_orphaned_parts(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PART_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        // /proc/<pid> exists while the process does (a reused pid keeps the
        // file a while longer, which is harmless).
        if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => tracing::info!(
                    path = %entry.path().display(),
                    "removed a download left by a process that was killed"
                ),
                Err(e) => tracing::debug!(path = %entry.path().display(), "{e}"),
            }
        }
    }
}

/// Reads a response body into memory, refusing one larger than [`MAX_BODY`].
async fn read_capped(mut resp: reqwest::Response, url: &str) -> Result<Vec<u8>, NetError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| NetError::Request {
        url: url.to_string(),
        message: error_chain(&e),
    })? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(NetError::Request {
                url: url.to_string(),
                message: format!(
                    "larger than {} MB: not a playlist (a live stream?)",
                    MAX_BODY >> 20
                ),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn validators_of(headers: &reqwest::header::HeaderMap) -> Validators {
    let get = |h| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    Validators {
        etag: get(reqwest::header::ETAG),
        last_modified: get(reqwest::header::LAST_MODIFIED),
    }
}

/// Whether a location is fetched over HTTP(S) (else it is a local path).
pub fn is_remote(location: &str) -> bool {
    let lower = location.get(..8).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Joins an error with its causes ("error sending request: connection refused").
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let part = s.to_string();
        if !msg.contains(&part) {
            msg.push_str(": ");
            msg.push_str(&part);
        }
        cur = s.source();
    }
    msg
}

/// `value` resolved against `base`, when it is an http(s) URL; else why not,
/// naming `field` (a feed's URLs must never point at local files).
pub fn resolve_http(base: &url::Url, field: &str, value: &str) -> Result<String, String> {
    let url = base
        .join(value)
        .map_err(|e| format!("{field}: {value:?} is not a URL ({e})"))?;
    match url.scheme() {
        "http" | "https" => Ok(url.to_string()),
        other => Err(format!(
            "{field}: {other}: URLs are not allowed ({value:?})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{PlainHttp, is_remote};

    #[test]
    fn plain_http_is_for_loopback_and_allowed_prefixes_only() {
        let policy = PlainHttp::new(&["http://10.0.0.1/feeds/".to_string()]);
        for (url, ok) in [
            ("https://tv.example.org/lineup.m3u", true),
            ("http://127.0.0.1:8080/lineup.m3u", true),
            ("http://127.5.5.5/x", true),
            ("http://[::1]:8080/x", true),
            ("http://localhost:8080/x", true),
            ("http://LOCALHOST/x", true),
            ("http://10.0.0.1/feeds/guide.xml", true),
            ("http://10.0.0.1/other/guide.xml", false),
            ("http://tv.example.org/lineup.m3u", false),
            ("http://127.0.0.1.example.org/x", false),
            ("http://192.168.1.2/x", false),
        ] {
            let got = policy.check(url);
            assert_eq!(got.is_ok(), ok, "{url}: {got:?}");
            if let Err(e) = got {
                assert!(e.to_string().starts_with(url), "{e}");
            }
        }
        assert!(
            PlainHttp::default()
                .check("http://10.0.0.1/feeds/x")
                .is_err()
        );
    }

    #[test]
    fn remote_locations_are_http_or_https_in_any_case() {
        for (loc, remote) in [
            ("http://h/l.m3u", true),
            ("HTTPS://h/l.m3u", true),
            ("/var/lib/l.m3u", false),
            ("file:///l.m3u", false),
            ("htt", false),
            ("", false),
        ] {
            assert_eq!(is_remote(loc), remote, "{loc}");
        }
    }
}
