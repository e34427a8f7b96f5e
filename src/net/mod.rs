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
    /// The answer is bigger than the box takes for it; the rest was not read.
    #[error("{url}: refused: larger than {}; {what}", size(*.limit))]
    TooLarge {
        url: String,
        limit: u64,
        what: String,
    },
    /// The transfer did not finish within its whole-transfer deadline.
    #[error("{url}: refused: the transfer took longer than {seconds} s ({setting})")]
    Deadline {
        url: String,
        seconds: u64,
        setting: &'static str,
    },
    /// A network setting of the configuration cannot be used.
    #[error("{setting}: {message}")]
    Setting {
        setting: &'static str,
        message: String,
    },
}

/// Where plain (unencrypted) HTTP may be used: loopback addresses always,
/// other URLs only under a configured prefix (`[trust] allow_plain_http`).
/// Everything else must be HTTPS (rustls, the platform's roots).
#[derive(Debug, Clone, Default)]
pub struct PlainHttp {
    allowed: std::sync::Arc<Vec<HttpPrefix>>,
}

/// One `allow_plain_http` entry, parsed: a prefix matches a URL with the same
/// scheme, host and port and a path that starts with the prefix's path in
/// whole segments. A raw `starts_with` would let `http://192.168.1.1` allow
/// `http://192.168.1.10.evil.example` and `/feeds` allow `/feeds-evil`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HttpPrefix {
    /// Lowercase, as `url` normalises it (IPv4 in dotted form, IPv6 in brackets).
    host: String,
    port: u16,
    /// The path's segments, without the empty one a trailing `/` leaves.
    segments: Vec<String>,
}

impl HttpPrefix {
    fn parse(text: &str) -> Result<HttpPrefix, String> {
        let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
        if url.scheme() != "http" {
            return Err(format!("{text:?} is not an http:// URL"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{text:?} carries a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "{text:?} has a query or fragment; give a scheme, host, port and path"
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{text:?} names no host"))?
            .to_string();
        Ok(HttpPrefix {
            host,
            port: url.port_or_known_default().unwrap_or(80),
            segments: segments(&url),
        })
    }

    fn allows(&self, url: &url::Url) -> bool {
        url.scheme() == "http"
            && url.host_str() == Some(self.host.as_str())
            && url.port_or_known_default() == Some(self.port)
            && segments(url).starts_with(&self.segments)
    }
}

/// A URL's path segments, without empty ones (`/a//b/` is `a`, `b`).
fn segments(url: &url::Url) -> Vec<String> {
    url.path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

impl PlainHttp {
    /// Loopback, plus URLs under one of `prefixes` (scheme, host and port
    /// exactly, the path by whole segments). An entry that is not an
    /// `http://` URL is an error naming it.
    pub fn new(prefixes: &[String]) -> Result<PlainHttp, NetError> {
        let allowed = prefixes
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                HttpPrefix::parse(p.trim()).map_err(|message| NetError::Setting {
                    setting: "[trust] allow_plain_http",
                    message,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PlainHttp {
            allowed: std::sync::Arc::new(allowed),
        })
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
        if loopback || self.allowed.iter().any(|p| p.allows(&parsed)) {
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

/// No byte for this long in the middle of a guide download is a dead server,
/// whatever the whole-transfer deadline still allows.
const STALL: Duration = Duration::from_secs(30);

/// The `[downloads]` limits as the client applies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Whole transfer of a small feed or a signature, connection included.
    pub feed_deadline: Duration,
    /// Whole transfer of one guide download.
    pub guide_deadline: Duration,
    /// Largest guide download, in bytes as written to disk.
    pub guide_max_bytes: u64,
    /// Largest guide once decompressed, in bytes.
    pub guide_max_xml_bytes: u64,
    /// Largest decompressed / downloaded ratio of a guide.
    pub guide_max_ratio: u64,
}

impl Limits {
    /// The limits a `[downloads]` section sets.
    pub fn from_settings(d: &crate::config::DownloadSettings) -> Limits {
        const MB: u64 = 1024 * 1024;
        Limits {
            feed_deadline: Duration::from_secs(d.feed_deadline_seconds.max(1)),
            guide_deadline: Duration::from_secs(d.guide_deadline_seconds.max(1)),
            guide_max_bytes: d.guide_max_mb.saturating_mul(MB),
            guide_max_xml_bytes: d.guide_max_xml_mb.saturating_mul(MB),
            guide_max_ratio: d.guide_max_ratio.max(1),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from_settings(&Default::default())
    }
}

/// One transfer's whole-transfer deadline: every step (connecting, the
/// headers, each chunk of the body) must finish before it, so a server that
/// trickles a byte a second is cut off as surely as a silent one.
struct Deadline<'a> {
    url: &'a str,
    at: tokio::time::Instant,
    seconds: u64,
    setting: &'static str,
}

impl<'a> Deadline<'a> {
    fn new(url: &'a str, limit: Duration, setting: &'static str) -> Deadline<'a> {
        Deadline {
            url,
            at: tokio::time::Instant::now() + limit,
            seconds: limit.as_secs(),
            setting,
        }
    }

    fn passed(&self) -> NetError {
        NetError::Deadline {
            url: self.url.to_string(),
            seconds: self.seconds,
            setting: self.setting,
        }
    }

    /// Runs `step`, failing with the deadline's error when it passes first.
    async fn within<T>(&self, step: impl std::future::Future<Output = T>) -> Result<T, NetError> {
        tokio::time::timeout_at(self.at, step)
            .await
            .map_err(|_| self.passed())
    }

    /// reqwest's own timeout for the request: a little past ours, so the
    /// clearer error above is the one seen.
    fn backstop(&self) -> Duration {
        Duration::from_secs(self.seconds.saturating_add(5))
    }
}

/// An HTTP client with set-top-box timeouts.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    plain_http: PlainHttp,
    limits: Limits,
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
            PlainHttp::new(&trust.allow_plain_http)?,
        )
    }

    /// [`configured`](Self::configured), with the `[downloads]` limits too:
    /// the client the box and the CLI fetch feeds with.
    pub fn for_config(config: &crate::config::Config) -> Result<Self, NetError> {
        Ok(Self::configured(&config.trust)?.with_limits(Limits::from_settings(&config.downloads)))
    }

    /// The same client with other download limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The download limits in force (the guide import reads its caps here).
    pub fn limits(&self) -> &Limits {
        &self.limits
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
        Ok(HttpClient {
            inner,
            plain_http,
            limits: Limits::default(),
        })
    }

    fn feed_deadline<'a>(&self, url: &'a str) -> Deadline<'a> {
        Deadline::new(
            url,
            self.limits.feed_deadline,
            "[downloads] feed_deadline_seconds",
        )
    }

    /// Fetches `location`: an `http(s)://` URL, a `file://` URL or a path.
    pub async fn fetch(&self, location: &str) -> Result<Vec<u8>, NetError> {
        if is_remote(location) {
            let deadline = self.feed_deadline(location);
            // Without validators the server has nothing to answer 304 to.
            match self
                .conditional_response(location, &Validators::default(), &deadline)
                .await?
            {
                Some((resp, _)) => read_capped(resp, &deadline, MAX_BODY).await,
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
    /// other failure is an error naming the URL. Reads `limit` bytes and one
    /// more at most: a bigger answer is refused ([`NetError::TooLarge`])
    /// without reading the rest.
    pub async fn fetch_optional(
        &self,
        location: &str,
        limit: usize,
    ) -> Result<Option<Vec<u8>>, NetError> {
        if !is_remote(location) {
            use tokio::io::AsyncReadExt;
            let path = location.strip_prefix("file://").unwrap_or(location);
            let file_error = |source| NetError::File {
                path: path.to_string(),
                source,
            };
            let file = match tokio::fs::File::open(path).await {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(source) => return Err(file_error(source)),
            };
            let mut body = Vec::new();
            file.take(limit as u64 + 1)
                .read_to_end(&mut body)
                .await
                .map_err(file_error)?;
            if body.len() > limit {
                return Err(too_large(
                    location,
                    limit as u64,
                    "not a signature (one is a few hundred bytes)",
                ));
            }
            return Ok(Some(body));
        }
        self.plain_http.check(location)?;
        let deadline = self.feed_deadline(location);
        let sent = deadline
            .within(self.inner.get(location).timeout(deadline.backstop()).send())
            .await?;
        let resp = sent.map_err(|e| NetError::Request {
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
        read_capped(resp, &deadline, limit).await.map(Some)
    }
}

impl HttpClient {
    /// Sends a conditional GET; None when the server answers 304 Not Modified.
    async fn conditional_response(
        &self,
        url: &str,
        v: &Validators,
        deadline: &Deadline<'_>,
    ) -> Result<Option<(reqwest::Response, Validators)>, NetError> {
        self.plain_http.check(url)?;
        let mut req = self.inner.get(url).timeout(deadline.backstop());
        if let Some(etag) = &v.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &v.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = deadline
            .within(req.send())
            .await?
            .map_err(|e| NetError::Request {
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
    /// The download is cut off, and nothing is left on disk, past
    /// [`Limits::guide_max_bytes`] or [`Limits::guide_deadline`].
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
        let deadline = Deadline::new(
            url,
            self.limits.guide_deadline,
            "[downloads] guide_deadline_seconds",
        );
        let max = self.limits.guide_max_bytes;
        let refuse = || too_large(url, max, "the limit is [downloads] guide_max_mb");
        let Some((mut resp, validators)) = self.conditional_response(url, v, &deadline).await?
        else {
            return Ok(Fetched::NotModified);
        };
        // An announced length over the cap is refused before a byte is written.
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(refuse());
        }
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
        let mut written: u64 = 0;
        loop {
            // A stall limit per chunk, inside the whole-transfer deadline.
            let chunk = deadline
                .within(tokio::time::timeout(STALL, resp.chunk()))
                .await?
                .map_err(|_| NetError::Request {
                    url: url.to_string(),
                    message: format!("no data for {} s", STALL.as_secs()),
                })?
                .map_err(request_error)?;
            let Some(bytes) = chunk else { break };
            written = written.saturating_add(bytes.len() as u64);
            if written > max {
                return Err(refuse());
            }
            file.write_all(&bytes).await.map_err(file_error)?;
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
        let deadline = self.feed_deadline(url);
        match self.conditional_response(url, v, &deadline).await? {
            None => Ok(Fetched::NotModified),
            Some((resp, validators)) => Ok(Fetched::New(
                read_capped(resp, &deadline, MAX_BODY).await?,
                validators,
            )),
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

/// A size for messages: whole MB as MB, else bytes.
fn size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

fn too_large(url: &str, limit: u64, what: &str) -> NetError {
    NetError::TooLarge {
        url: url.to_string(),
        limit,
        what: what.to_string(),
    }
}

/// Reads a response body into memory within `deadline`, refusing one larger
/// than `limit` as soon as a byte past it arrives (the rest is never read).
async fn read_capped(
    mut resp: reqwest::Response,
    deadline: &Deadline<'_>,
    limit: usize,
) -> Result<Vec<u8>, NetError> {
    let url = deadline.url;
    let refuse = || {
        too_large(
            url,
            limit as u64,
            if limit == MAX_BODY {
                "not a playlist (a live stream?)"
            } else {
                "not a signature (one is a few hundred bytes)"
            },
        )
    };
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(refuse());
    }
    let mut body = Vec::new();
    while let Some(chunk) = deadline
        .within(resp.chunk())
        .await?
        .map_err(|e| NetError::Request {
            url: url.to_string(),
            message: error_chain(&e),
        })?
    {
        if body.len() + chunk.len() > limit {
            return Err(refuse());
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
    use super::{Limits, PlainHttp, is_remote};
    use std::time::Duration;

    #[test]
    fn every_download_limit_comes_from_the_configuration() {
        let c = crate::config::Config::parse(
            "[downloads]\nfeed_deadline_seconds = 7\nguide_deadline_seconds = 90\n\
             guide_max_mb = 3\nguide_max_xml_mb = 40\nguide_max_ratio = 25\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap();
        const MB: u64 = 1024 * 1024;
        assert_eq!(
            Limits::from_settings(&c.downloads),
            Limits {
                feed_deadline: Duration::from_secs(7),
                guide_deadline: Duration::from_secs(90),
                guide_max_bytes: 3 * MB,
                guide_max_xml_bytes: 40 * MB,
                guide_max_ratio: 25,
            }
        );
    }

    #[test]
    fn plain_http_is_for_loopback_and_allowed_prefixes_only() {
        let policy = PlainHttp::new(&[
            "http://10.0.0.1/feeds/".to_string(),
            "http://192.168.1.1".to_string(),
            "http://Headend.LAN:8080/tv".to_string(),
        ])
        .unwrap();
        for (url, ok) in [
            ("https://tv.example.org/lineup.m3u", true),
            ("http://127.0.0.1:8080/lineup.m3u", true),
            ("http://127.5.5.5/x", true),
            ("http://[::1]:8080/x", true),
            ("http://localhost:8080/x", true),
            ("http://LOCALHOST/x", true),
            ("http://10.0.0.1/feeds/guide.xml", true),
            ("http://10.0.0.1/feeds", true),
            ("http://10.0.0.1:80/feeds/guide.xml", true),
            ("http://10.0.0.1/other/guide.xml", false),
            ("http://10.0.0.1/feeds-evil/guide.xml", false),
            ("http://10.0.0.1/feeds/../other/guide.xml", false),
            ("http://10.0.0.1:8080/feeds/guide.xml", false),
            ("http://10.0.0.10/feeds/guide.xml", false),
            ("http://192.168.1.1/anything", true),
            ("http://192.168.1.1:80/", true),
            ("http://192.168.1.10/x", false),
            ("http://192.168.1.10.evil.example/x", false),
            ("http://192.168.1.1.evil.example/x", false),
            ("http://192.168.1.1@evil.example/x", false),
            ("http://192.168.1.1:8080/x", false),
            ("http://headend.lan:8080/tv/guide.xml", true),
            ("http://HEADEND.lan:8080/tv", true),
            ("http://headend.lan:8080/tvx/guide.xml", false),
            ("http://headend.lan/tv/guide.xml", false),
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
    fn an_allow_plain_http_entry_that_is_not_an_http_url_is_an_error_naming_it() {
        for (entry, why) in [
            ("10.0.0.1/feeds", "is not a URL"),
            ("https://10.0.0.1/", "is not an http:// URL"),
            ("ftp://10.0.0.1/", "is not an http:// URL"),
            ("http://user@10.0.0.1/", "user name or password"),
            ("http://10.0.0.1/?x=1", "query or fragment"),
        ] {
            let err = PlainHttp::new(&[entry.to_string()])
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("[trust] allow_plain_http: ")
                    && err.contains(entry)
                    && err.contains(why),
                "{entry}: {err}"
            );
        }
        assert!(
            PlainHttp::new(&[String::new()]).is_ok(),
            "blank entries are skipped"
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
