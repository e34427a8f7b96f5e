//! What a viewer submits: a poll answer or a filled sign-up form, checked
//! against its item and turned into the payload the outbox keeps and sends.
//!
//! A sign-up cannot be built without a [`Consent`], which exists only once
//! the privacy notice was shown and accepted: nothing is stored or sent
//! without it. This module does no I/O.

use std::collections::BTreeMap;

use serde_json::json;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::feed::{Item, Kind};
use super::validate::{self, FieldProblem};

/// Why an answer or form cannot be submitted.
#[derive(Debug, Error)]
pub enum SubmissionError {
    #[error("{item}: not a {wanted}")]
    WrongKind { item: String, wanted: &'static str },
    #[error("{item}: not in force now")]
    NotInForce { item: String },
    #[error("{item}: no option {option:?} (options: {known})")]
    UnknownOption {
        item: String,
        option: String,
        known: String,
    },
    #[error("{item}: choose {expected}")]
    Count { item: String, expected: String },
    #[error("{item}: {}", .problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid {
        item: String,
        problems: Vec<FieldProblem>,
    },
    #[error("{item}: has no submit URL")]
    NoSubmitUrl { item: String },
}

/// A submission ready for the outbox. `payload` may hold personal data.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSubmission {
    /// Idempotency key, made when the overlay opens ([`new_key`]).
    pub key: String,
    pub item: String,
    pub kind: Kind,
    pub submit_url: String,
    pub payload: serde_json::Value,
}

/// A fresh idempotency key: 128 random bits (OS-seeded CSPRNG) written as a
/// version-4 UUID.
pub fn new_key() -> String {
    use rand::RngExt;
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Whether `key` looks like one of ours (the headend checks the same).
pub fn is_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// Proof that the viewer saw the item's privacy notice and accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// SHA-256 of the notice text, so the server knows which notice was accepted.
    privacy_sha256: String,
    at: i64,
}

impl Consent {
    /// The viewer accepted `item`'s privacy notice at `now` (Unix seconds).
    pub fn given(item: &Item, now: i64) -> Consent {
        let text = item.privacy.as_deref().unwrap_or_default();
        let digest = Sha256::digest(text.as_bytes());
        Consent {
            privacy_sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            at: now,
        }
    }
}

fn submit_url(item: &Item) -> Result<String, SubmissionError> {
    item.submit
        .clone()
        .ok_or_else(|| SubmissionError::NoSubmitUrl {
            item: item.id.clone(),
        })
}

fn in_force(item: &Item, now: i64) -> Result<(), SubmissionError> {
    if super::schedule::in_window(item, now) {
        Ok(())
    } else {
        Err(SubmissionError::NotInForce {
            item: item.id.clone(),
        })
    }
}

/// A poll answer: `options` are option ids (one unless the poll is multiple choice).
pub fn poll_answer(
    item: &Item,
    options: &[String],
    key: String,
    now: i64,
) -> Result<NewSubmission, SubmissionError> {
    let id = || item.id.clone();
    if item.kind != Kind::Poll {
        return Err(SubmissionError::WrongKind {
            item: id(),
            wanted: "poll",
        });
    }
    in_force(item, now)?;
    let mut chosen: Vec<String> = Vec::new();
    for o in options {
        if !item.options.iter().any(|c| &c.id == o) {
            return Err(SubmissionError::UnknownOption {
                item: id(),
                option: o.clone(),
                known: item
                    .options
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        if !chosen.contains(o) {
            chosen.push(o.clone());
        }
    }
    let count_ok = if item.multiple {
        !chosen.is_empty()
    } else {
        chosen.len() == 1
    };
    if !count_ok {
        return Err(SubmissionError::Count {
            item: id(),
            expected: if item.multiple {
                "at least one option".into()
            } else {
                "exactly one option".into()
            },
        });
    }
    Ok(NewSubmission {
        key,
        item: id(),
        kind: Kind::Poll,
        submit_url: submit_url(item)?,
        payload: json!({ "options": chosen }),
    })
}

/// A filled sign-up form, validated (phone numbers and postcodes of `country`).
pub fn signup(
    item: &Item,
    answers: &BTreeMap<String, String>,
    country: &str,
    consent: Consent,
    key: String,
    now: i64,
) -> Result<NewSubmission, SubmissionError> {
    if item.kind != Kind::Signup {
        return Err(SubmissionError::WrongKind {
            item: item.id.clone(),
            wanted: "sign-up form",
        });
    }
    in_force(item, now)?;
    let fields = validate::form(&item.fields, answers, country).map_err(|problems| {
        SubmissionError::Invalid {
            item: item.id.clone(),
            problems,
        }
    })?;
    Ok(NewSubmission {
        key,
        item: item.id.clone(),
        kind: Kind::Signup,
        submit_url: submit_url(item)?,
        payload: json!({
            "fields": fields,
            "consent": { "privacy_sha256": consent.privacy_sha256, "at": consent.at },
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interact::feed::parse;

    fn items() -> Vec<Item> {
        let feed = r#"{"version": 1, "items": [
          {"id": "p", "kind": "poll", "where": "all", "when": {"start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"},
           "title": "T", "question": "Q?", "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
           "sponsor": "Paid for by X", "submit": "/s"},
          {"id": "m", "kind": "poll", "multiple": true, "where": "all", "when": {"start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"},
           "title": "T", "question": "Q?", "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
           "sponsor": "Paid for by X", "submit": "/s"},
          {"id": "s", "kind": "signup", "where": "all", "when": {"start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"},
           "title": "T", "fields": [{"id": "email", "kind": "email", "label": "E-mail", "required": true}],
           "privacy": "We keep it.", "sponsor": "Paid for by X", "submit": "/s"}
        ]}"#;
        let base = url::Url::parse("http://127.0.0.1/f.json").unwrap();
        parse(feed.as_bytes(), &base, Default::default())
            .unwrap()
            .items
    }

    const NOW: i64 = 1_790_000_000;

    #[test]
    fn poll_answers_are_checked_against_the_options_and_the_window() {
        let items = items();
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = poll_answer(&items[0], &s(&["b"]), new_key(), NOW).unwrap();
        assert_eq!(ok.payload, json!({"options": ["b"]}));
        assert_eq!(ok.submit_url, "http://127.0.0.1/s");
        for (item, chosen, want) in [
            (0, &["c"][..], "no option \"c\" (options: a, b)"),
            (0, &["a", "b"][..], "choose exactly one option"),
            (0, &[][..], "choose exactly one option"),
            (1, &[][..], "choose at least one option"),
            (2, &["a"][..], "not a poll"),
        ] {
            let e = poll_answer(&items[item], &s(chosen), new_key(), NOW).unwrap_err();
            assert!(e.to_string().contains(want), "{e}");
        }
        let m = poll_answer(&items[1], &s(&["a", "b", "a"]), new_key(), NOW).unwrap();
        assert_eq!(m.payload, json!({"options": ["a", "b"]}));
        let late = poll_answer(&items[0], &s(&["a"]), new_key(), 1_900_000_000).unwrap_err();
        assert!(late.to_string().contains("not in force"), "{late}");
    }

    #[test]
    fn a_signup_carries_validated_fields_and_which_notice_was_accepted() {
        let items = items();
        let consent = Consent::given(&items[2], NOW);
        let mut answers = BTreeMap::new();
        answers.insert("email".to_string(), "nope".to_string());
        let e = signup(&items[2], &answers, "GB", consent.clone(), new_key(), NOW).unwrap_err();
        assert_eq!(e.to_string(), "s: email: not an e-mail address");
        answers.insert("email".to_string(), " ana@example.org".to_string());
        let ok = signup(&items[2], &answers, "GB", consent, new_key(), NOW).unwrap();
        assert_eq!(ok.payload["fields"]["email"], "ana@example.org");
        assert_eq!(ok.payload["consent"]["at"], NOW);
        assert_eq!(
            ok.payload["consent"]["privacy_sha256"]
                .as_str()
                .map(str::len),
            Some(64)
        );
    }

    #[test]
    fn keys_are_random_version_4_uuids() {
        let a = new_key();
        let b = new_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(is_key(&a));
        assert!(!is_key("../../etc"));
    }
}
