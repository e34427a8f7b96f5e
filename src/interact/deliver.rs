//! Sending one submission: an HTTP POST with its `Idempotency-Key`, and what
//! the answer means for the outbox (acknowledged, refused for good, or try
//! again later).
//!
//! The body is personal data: it is sent, never logged, and nothing from it
//! goes into an [`Outcome`]. `net::HttpClient` only GETs; the POST lives here
//! with a short timeout of its own, because a reply that never comes must
//! cost the box seconds, not the 30 s a feed may take.

use std::time::Duration;

/// What the server's answer means for one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: recorded (now or by an earlier attempt with the same key).
    Acknowledged,
    /// 409: the server already holds an answer from this box to this poll.
    AlreadyAnswered,
    /// Another 4xx: the server will never take this submission.
    Rejected { status: u16 },
    /// Network error, timeout, 408, 429 or 5xx: send again later.
    Retry { reason: String },
}

/// Why the submitter could not be built.
#[derive(Debug, thiserror::Error)]
#[error("building the HTTP client for submissions: {0}")]
pub struct SubmitterError(String);

/// An HTTP client for submissions.
#[derive(Clone)]
pub struct Submitter {
    client: reqwest::Client,
    plain_http: crate::net::PlainHttp,
}

impl Submitter {
    /// A client whose requests give up after `timeout` (connect included).
    pub fn new(timeout: Duration) -> Result<Self, SubmitterError> {
        Self::build(
            timeout,
            &crate::net::tls::Pins::default(),
            crate::net::PlainHttp::default(),
        )
    }

    /// The submitter the configuration asks for: plain HTTP only where
    /// `[trust] allow_plain_http` allows, certificates pinned per `tls_pins`.
    pub fn configured(
        timeout: Duration,
        trust: &crate::config::TrustSettings,
    ) -> Result<Self, SubmitterError> {
        let pins = crate::net::tls::Pins::parse(&trust.tls_pins)
            .map_err(|e| SubmitterError(e.to_string()))?;
        Self::build(
            timeout,
            &pins,
            crate::net::PlainHttp::new(&trust.allow_plain_http),
        )
    }

    fn build(
        timeout: Duration,
        pins: &crate::net::tls::Pins,
        plain_http: crate::net::PlainHttp,
    ) -> Result<Self, SubmitterError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .redirect(plain_http.redirect_policy())
            .user_agent(concat!("Hustings/", env!("CARGO_PKG_VERSION")));
        if let Some(config) =
            crate::net::tls::client_config(pins).map_err(|e| SubmitterError(e.to_string()))?
        {
            builder = builder.tls_backend_preconfigured(config);
        }
        let client = builder.build().map_err(|e| SubmitterError(e.to_string()))?;
        // Personal data never crosses a network in clear.
        Ok(Submitter { client, plain_http })
    }

    /// POSTs `body` (JSON) to `url` with `Idempotency-Key: key`. The reply's
    /// body is read to its end: an answer cut off halfway is not an
    /// acknowledgement (the server deduplicates the retry).
    pub async fn post(&self, url: &str, key: &str, body: String) -> Outcome {
        if let Err(e) = self.plain_http.check(url) {
            // Kept, not dropped: allowing the URL (or serving it over
            // HTTPS) sends it.
            return Outcome::Retry {
                reason: e.to_string(),
            };
        }
        let sent = self
            .client
            .post(url)
            .header("Idempotency-Key", key)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Outcome::Retry {
                    reason: crate::net::error_chain(&e),
                };
            }
        };
        let status = resp.status().as_u16();
        if let Err(e) = resp.bytes().await {
            return Outcome::Retry {
                reason: format!("{url}: reply cut off ({})", crate::net::error_chain(&e)),
            };
        }
        classify(status, url)
    }
}

/// The meaning of a reply's status.
fn classify(status: u16, url: &str) -> Outcome {
    match status {
        200..=299 => Outcome::Acknowledged,
        409 => Outcome::AlreadyAnswered,
        408 | 425 | 429 | 500..=599 => Outcome::Retry {
            reason: format!("{url}: server answered HTTP {status}"),
        },
        _ => Outcome::Rejected { status },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_acknowledgements_refusals_or_retries() {
        for (status, want) in [
            (200, Outcome::Acknowledged),
            (201, Outcome::Acknowledged),
            (409, Outcome::AlreadyAnswered),
            (400, Outcome::Rejected { status: 400 }),
            (404, Outcome::Rejected { status: 404 }),
        ] {
            assert_eq!(classify(status, "u"), want, "{status}");
        }
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(classify(status, "u"), Outcome::Retry { .. }),
                "{status}"
            );
        }
    }
}
