//! Loading the interactive feeds: conditional GET and the trust gate through
//! `feeds::fetch`, the last
//! good body of each feed kept in the outbox database, and the rule that a
//! feed that cannot be used (unreachable, oversize, malformed) leaves the
//! previous one in force.
//!
//! Problems are returned as values naming the URL; the caller shows or
//! prints them. It does not decide what to show on screen (`schedule`).

use std::collections::HashSet;

use rusqlite::{OptionalExtension, params};
use url::Url;

use super::feed::{self, Item};
use super::outbox::{Outbox, OutboxError};
use crate::feeds::{Fresh, fetch_checked};
use crate::net::{HttpClient, Validators};
use crate::trust::{FeedKind, TrustGate};

/// The items in force from every feed, and what went wrong on the way.
#[derive(Debug, Default)]
pub struct Loaded {
    pub items: Vec<Item>,
    /// One line per problem, each naming its feed URL.
    pub problems: Vec<String>,
}

/// The cached body and validators of `url`.
fn cached(outbox: &Outbox, url: &str) -> Result<Option<(Vec<u8>, Validators)>, OutboxError> {
    outbox
        .conn()
        .query_row(
            "SELECT body, etag, last_modified FROM feed_cache WHERE url = ?1",
            [url],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    Validators {
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                    },
                ))
            },
        )
        .optional()
        .map_err(|e| outbox.db_error(e))
}

fn store(outbox: &Outbox, url: &str, body: &[u8], v: &Validators) -> Result<(), OutboxError> {
    outbox
        .conn()
        .execute(
            "INSERT OR REPLACE INTO feed_cache (url, body, etag, last_modified, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                url,
                body,
                v.etag,
                v.last_modified,
                chrono::Utc::now().timestamp()
            ],
        )
        .map(|_| ())
        .map_err(|e| outbox.db_error(e))
}

/// Refreshes every feed in `urls` and returns the items of the feeds in
/// force: the new body when it is good, else the last good one. With
/// `trust`, a new body must also pass its signature check (a rejected one
/// is treated like a malformed one), and items carry their feed's badge.
pub async fn load(
    http: &HttpClient,
    outbox: &Outbox,
    urls: &[String],
    rules: feed::SponsorRules,
    trust: Option<&TrustGate>,
) -> Loaded {
    let mut out = Loaded::default();
    let mut seen = HashSet::new();
    for url in urls {
        let feed = match load_one(http, outbox, url, rules, trust, &mut out.problems).await {
            Some(f) => f,
            None => continue,
        };
        let badge = trust
            .map(|gate| gate.badge(url))
            .unwrap_or(crate::trust::Badge::Unverified);
        for w in &feed.warnings {
            out.problems.push(format!(
                "{url}: item {} ({}): {}",
                w.index,
                w.id.as_deref().unwrap_or("no id"),
                w.message
            ));
        }
        for mut item in feed.items {
            item.badge = badge.clone();
            if seen.insert(item.id.clone()) {
                out.items.push(item);
            } else {
                out.problems.push(format!(
                    "{url}: item {:?} is also in an earlier feed; left out",
                    item.id
                ));
            }
        }
    }
    out
}

async fn load_one(
    http: &HttpClient,
    outbox: &Outbox,
    url: &str,
    rules: feed::SponsorRules,
    trust: Option<&TrustGate>,
    problems: &mut Vec<String>,
) -> Option<feed::Feed> {
    let base = match Url::parse(url) {
        Ok(b) => b,
        Err(e) => {
            problems.push(format!("{url}: not a URL ({e})"));
            return None;
        }
    };
    let previous = cached(outbox, url).unwrap_or_else(|e| {
        problems.push(e.to_string());
        None
    });
    // Validators only with a body to fall back on: a 304 must mean "keep it".
    let validators = previous
        .as_ref()
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let keep_previous = |problems: &mut Vec<String>| {
        let (body, _) = previous.as_ref()?;
        match feed::parse(body, &base, rules) {
            Ok(f) => Some(f),
            Err(e) => {
                problems.push(format!("the cached copy: {e}"));
                None
            }
        }
    };
    let saved = previous.as_ref().map(|(body, _)| body.as_slice());
    match fetch_checked(http, trust, FeedKind::Interact, url, &validators, saved).await {
        Ok(Fresh::Unchanged {
            rejected: Some(why),
        }) => {
            problems.push(format!("{url}: the saved copy is rejected: {why}"));
            None
        }
        Ok(Fresh::Unchanged { rejected: None }) => keep_previous(problems),
        Ok(Fresh::New(body, v)) => match feed::parse(&body, &base, rules) {
            Ok(f) => {
                if let Err(e) = store(outbox, url, &body, &v) {
                    problems.push(e.to_string());
                }
                Some(f)
            }
            Err(e) => {
                problems.push(format!("{e}; the previous feed stays in force"));
                keep_previous(problems)
            }
        },
        // Unreachable, oversize or rejected by the gate: the previous feed stays.
        Err(e) => {
            problems.push(format!("{e}; the previous feed stays in force"));
            keep_previous(problems)
        }
    }
}
