//! Fetching feeds: HTTP(S) through reqwest (rustls), plus local files.
//!
//! Owns timeouts and the error messages that name the URL. It does not parse
//! what it fetches and does not cache: the caller stores a good body in
//! `store` and falls back to it when a fetch fails.

use std::time::Duration;

pub mod multicast;

use thiserror::Error;

/// Why a feed could not be fetched; every variant names what was asked for.
#[derive(Debug, Error)]
pub enum NetError {
    #[error("{url}: {message}")]
    Request { url: String, message: String },
    #[error("{url}: server answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

/// An HTTP client with set-top-box timeouts.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl HttpClient {
    /// Builds the client. Connect timeout 5 s, whole request 30 s: a dead
    /// headend must not hold the box's start-up for longer.
    pub fn new() -> Result<Self, NetError> {
        let inner = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("Hustings/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NetError::Request {
                url: String::new(),
                message: e.to_string(),
            })?;
        Ok(HttpClient { inner })
    }

    /// Fetches `location`: an `http(s)://` URL, a `file://` URL or a path.
    pub async fn fetch(&self, location: &str) -> Result<Vec<u8>, NetError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            let request_error = |e: reqwest::Error| NetError::Request {
                url: location.to_string(),
                message: error_chain(&e),
            };
            let resp = self
                .inner
                .get(location)
                .send()
                .await
                .map_err(request_error)?;
            let status = resp.status();
            if !status.is_success() {
                return Err(NetError::Status {
                    url: location.to_string(),
                    status: status.as_u16(),
                });
            }
            Ok(resp.bytes().await.map_err(request_error)?.to_vec())
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

/// Joins an error with its causes ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
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
