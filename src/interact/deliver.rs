//! Sending one submission: an HTTP POST with its `Idempotency-Key`, and what
//! the answer means for the outbox (acknowledged, refused for good, or try
//! again later).
//!
//! The body is personal data: it is sent, never logged, and nothing from it
//! goes into an [`Outcome`]. `net::HttpClient` only GETs; the POST lives here
//! with a short timeout of its own, because a reply that never comes must
//! cost the box seconds, not the 30 s a feed may take.
//!
//! Personal data goes only to the origin (scheme, host, port) of the item's
//! submit URL, which came in a signed feed. A redirect is followed only when
//! it keeps that origin and the method and body (307, 308); any other is not
//! followed, and the submission stays in the outbox (see [`Outcome`]), so a
//! server cannot forward a sign-up to a host the publisher never named.
//! The reply is read up to [`MAX_REPLY`] bytes: a reply is an
//! acknowledgement, not a download.

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
    /// Network error, timeout, 408, 429 or 5xx, a reply cut off or too long,
    /// or a redirect not followed: send again later. A redirect elsewhere is
    /// kept rather than dropped: the viewer asked for the answer to reach
    /// the publisher, a redirect is not the publisher refusing it (a moved
    /// endpoint is fixed at the publisher's end, and the next attempt, after
    /// the outbox's backoff, goes to the same submit URL, nowhere else).
    /// Dropping it would let a misconfigured server lose sign-ups silently;
    /// following it would hand them to a stranger.
    Retry { reason: String },
}

/// The most of a reply read (a real one is a few hundred bytes of JSON).
pub const MAX_REPLY: usize = 64 * 1024;

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
            crate::net::PlainHttp::new(&trust.allow_plain_http)
                .map_err(|e| SubmitterError(e.to_string()))?,
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
            .redirect(same_origin_redirects(plain_http.clone()))
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
        if (300..400).contains(&status) && status != 303 {
            // Not followed (see `same_origin_redirects`): kept to send again.
            let to = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or("nowhere");
            return Outcome::Retry {
                reason: format!(
                    "{url}: server answered HTTP {status} to {to}; not followed (answers go only to the submit URL's origin)"
                ),
            };
        }
        if let Err(reason) = read_reply(resp, url).await {
            return Outcome::Retry { reason };
        }
        classify(status, url)
    }
}

/// Reads a reply to its end, [`MAX_REPLY`] bytes at most: an answer cut off
/// halfway, or one far too long to be an acknowledgement, is not one.
async fn read_reply(mut resp: reqwest::Response, url: &str) -> Result<(), String> {
    let too_long = || {
        format!(
            "{url}: reply larger than {} KiB; not an acknowledgement",
            MAX_REPLY / 1024
        )
    };
    if resp.content_length().is_some_and(|n| n > MAX_REPLY as u64) {
        return Err(too_long());
    }
    let mut read = 0usize;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len();
                if read > MAX_REPLY {
                    return Err(too_long());
                }
            }
            Ok(None) => return Ok(()),
            Err(e) => {
                return Err(format!(
                    "{url}: reply cut off ({})",
                    crate::net::error_chain(&e)
                ));
            }
        }
    }
}

/// The redirect policy of submissions: follow a 307 or 308 (which resend the
/// same POST) only to the same origin as the submit URL, and only where
/// plain HTTP is allowed; stop at every other redirect. A 301, 302 or 303
/// would turn the POST into a GET and drop the answer, so they are not
/// followed either: [`Submitter::post`] reads them.
fn same_origin_redirects(plain_http: crate::net::PlainHttp) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        let keeps_body = matches!(attempt.status().as_u16(), 307 | 308);
        if !same_origin || !keeps_body || attempt.previous().len() >= 10 {
            attempt.stop()
        } else if let Err(e) = plain_http.check(attempt.url().as_str()) {
            attempt.error(e)
        } else {
            attempt.follow()
        }
    })
}

/// The meaning of a reply's status.
fn classify(status: u16, url: &str) -> Outcome {
    match status {
        // 303 See Other: the server took the POST and points at a result page.
        200..=299 | 303 => Outcome::Acknowledged,
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
