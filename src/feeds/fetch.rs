//! The first half of every small feed's refresh, written once: a
//! conditional GET against the validators of the copy in force, then the
//! trust gate. What comes back is a body to read and store, "the copy in
//! force is current" (checked again, for its badge after a restart and an
//! expiry that passed), or one [`FeedError`] naming the URL. Reading and
//! storing stay with each feed's owner; whatever fails, the caller keeps
//! the copy in force.

use thiserror::Error;

use crate::net::{Fetched, HttpClient, NetError, Validators};
use crate::trust::{Decision, FeedKind, Rejection, TrustGate};

/// What a refresh fetched.
#[derive(Debug)]
pub enum Fresh {
    /// A new body that passed the gate (or no gate was asked), with its validators.
    New(Vec<u8>, Validators),
    /// 304: the copy in force is current. `rejected` is set when the gate,
    /// checking it again, refuses it now (an expiry that passed).
    Unchanged { rejected: Option<Rejection> },
}

/// Why a refresh got nothing new to use.
#[derive(Debug, Error)]
pub enum FeedError {
    /// The network or server failed (the error names the URL).
    #[error(transparent)]
    Fetch(#[from] NetError),
    /// The gate refused the new body.
    #[error("{url}: rejected: {why}")]
    Rejected { url: String, why: Rejection },
}

/// Fetches `url` of `kind` if it changed since `known`, and checks a new
/// body with `trust`. `saved` is the copy in force, checked again on a 304.
/// Pass `known` only with a saved copy to fall back on: a 304 must mean
/// "keep what you have".
pub async fn fetch_checked(
    http: &HttpClient,
    trust: Option<&TrustGate>,
    kind: FeedKind,
    url: &str,
    known: &Validators,
    saved: Option<&[u8]>,
) -> Result<Fresh, FeedError> {
    match http.fetch_conditional(url, known).await? {
        Fetched::NotModified => {
            let rejected = match (trust, saved) {
                (Some(gate), Some(body)) => match gate.check(http, kind, url, body, false).await {
                    Decision::Rejected { why } => Some(why),
                    _ => None,
                },
                _ => None,
            };
            Ok(Fresh::Unchanged { rejected })
        }
        Fetched::New(body, validators) => {
            if let Some(gate) = trust
                && let Decision::Rejected { why } = gate.check(http, kind, url, &body, true).await
            {
                return Err(FeedError::Rejected {
                    url: url.to_string(),
                    why,
                });
            }
            Ok(Fresh::New(body, validators))
        }
    }
}
