//! The interactive feed: polls, sign-up forms and notices (schema in
//! docs/interact-feed.md), read into plain structs.
//!
//! Bad input is a value: an item that breaks the schema is left out with a
//! warning naming it (index and id) and the field; the feed as a whole is
//! refused only when it is too large or not a feed at all, and then the error
//! names its URL. Every URL is resolved against the feed's own URL and must be
//! http(s). Campaign material without a sponsor line is left out unless the
//! configuration allows it; a structured sponsor lacking what the configured
//! jurisdiction requires is left out likewise (`trust::sponsor`). This module
//! does not fetch, cache or store.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use url::Url;

use crate::trust::{Jurisdiction, Sponsor};

/// Largest feed read (a feed of polls is a few kilobytes).
pub const MAX_FEED_BYTES: usize = 1024 * 1024;
/// Caps against hostile feeds.
pub const MAX_ITEMS: usize = 1000;
pub const MAX_TEXT: usize = 4096;
const MAX_OPTIONS: usize = 32;
const MAX_FIELDS: usize = 32;
const MAX_IDS: usize = 1024;

/// A feed that cannot be used at all.
#[derive(Debug, Error)]
pub enum FeedError {
    #[error("{url}: interactive feed is larger than {limit} bytes ({size} bytes)")]
    TooLarge {
        url: String,
        size: usize,
        limit: usize,
    },
    #[error("{url}: not an interactive feed: {message}")]
    NotAFeed { url: String, message: String },
    #[error("{url}: version {found} is newer than this box reads (1)")]
    TooNew { url: String, found: u32 },
}

/// One problem with one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedWarning {
    /// Position of the item in `items`.
    pub index: usize,
    pub id: Option<String>,
    pub message: String,
}

/// What an item asks of the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Poll,
    Signup,
    Notice,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Poll => "poll",
            Kind::Signup => "signup",
            Kind::Notice => "notice",
        }
    }
}

/// Where an item applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Where {
    /// Every channel and programme.
    All,
    /// These channels (lineup/guide ids) and these programmes.
    Only {
        channels: Vec<String>,
        programmes: Vec<String>,
    },
}

/// One answer a poll offers, or one choice of a form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub label: String,
}

/// What a sign-up field holds (decides its validation and keyboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Name,
    Email,
    Phone,
    Postcode,
    Choice,
}

/// One field of a sign-up form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub kind: FieldKind,
    pub label: String,
    #[serde(default)]
    pub required: bool,
    /// For `choice` fields.
    #[serde(default)]
    pub choices: Vec<Choice>,
}

/// One poll, sign-up form or notice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub kind: Kind,
    #[serde(rename = "where")]
    pub applies: Where,
    /// In force from (Unix seconds, inclusive).
    pub start: i64,
    /// In force until (Unix seconds, exclusive).
    pub end: i64,
    pub title: String,
    pub question: Option<String>,
    /// Poll answers.
    pub options: Vec<Choice>,
    /// Poll: more than one option may be chosen.
    pub multiple: bool,
    /// Sign-up form fields.
    pub fields: Vec<Field>,
    /// Privacy notice shown at the consent step (required for sign-up).
    pub privacy: Option<String>,
    /// The sponsor line on campaign material ("Paid for by ...").
    pub sponsor: Option<Sponsor>,
    /// Poll results (`{"total", "options"}`), absolute.
    pub results: Option<String>,
    /// Where answers are POSTed, absolute.
    pub submit: Option<String>,
    /// The same form as a web page, absolute: shown as a QR code so the
    /// viewer can finish on a phone.
    pub page: Option<String>,
    /// Who signed the feed this item came from (set by the loader; the
    /// parser knows nothing of signatures).
    #[serde(skip)]
    pub badge: crate::trust::Badge,
}

#[derive(Deserialize)]
struct RawFeed {
    version: u32,
    #[serde(default)]
    publisher: Option<String>,
    items: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawWhere {
    Word(String),
    Lists(RawLists),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLists {
    #[serde(default)]
    channels: Vec<String>,
    #[serde(default)]
    programmes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    start: String,
    end: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: String,
    kind: Kind,
    #[serde(rename = "where")]
    applies: RawWhere,
    when: RawWhen,
    title: String,
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    options: Vec<Choice>,
    #[serde(default)]
    multiple: bool,
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    privacy: Option<String>,
    /// A plain line (shown verbatim) or `{name, address, on_behalf_of}`.
    #[serde(default)]
    sponsor: Option<serde_json::Value>,
    #[serde(default)]
    results: Option<String>,
    #[serde(default)]
    submit: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// A read feed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Feed {
    pub publisher: Option<String>,
    pub items: Vec<Item>,
    pub warnings: Vec<FeedWarning>,
}

/// What campaign material must carry, from the configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SponsorRules {
    /// Items without a sponsor line are shown too (`[interact]`).
    pub allow_unsponsored: bool,
    /// Whose wording structured sponsors get, and what they must name
    /// (`[transparency]`).
    pub jurisdiction: Jurisdiction,
}

impl SponsorRules {
    /// The default jurisdiction; unsponsored items allowed or not.
    pub fn allowing_unsponsored(allow_unsponsored: bool) -> Self {
        SponsorRules {
            allow_unsponsored,
            ..Default::default()
        }
    }
}

/// Reads a feed fetched from `base` (URLs in it are resolved against it).
/// Items without a sponsor line are left out unless `rules` allow them.
pub fn parse(body: &[u8], base: &Url, rules: SponsorRules) -> Result<Feed, FeedError> {
    let url = base.to_string();
    if body.len() > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge {
            url,
            size: body.len(),
            limit: MAX_FEED_BYTES,
        });
    }
    let raw: RawFeed = serde_json::from_slice(body).map_err(|e| FeedError::NotAFeed {
        url: url.clone(),
        message: e.to_string(),
    })?;
    if raw.version > 1 {
        return Err(FeedError::TooNew {
            url,
            found: raw.version,
        });
    }
    let mut out = Feed {
        publisher: raw.publisher,
        ..Default::default()
    };
    let mut seen = HashSet::new();
    for (index, value) in raw.items.into_iter().enumerate() {
        if index >= MAX_ITEMS {
            out.warnings.push(FeedWarning {
                index,
                id: None,
                message: format!("more than {MAX_ITEMS} items; the rest are left out"),
            });
            break;
        }
        let id = value.get("id").and_then(|v| v.as_str()).map(String::from);
        let warn = |message: String| FeedWarning {
            index,
            id: id.clone(),
            message,
        };
        let item = serde_json::from_value::<RawItem>(value)
            .map_err(|e| e.to_string())
            .and_then(|raw| check(raw, base, rules));
        match item {
            Ok(item) if !seen.insert(item.id.clone()) => out.warnings.push(warn(format!(
                "duplicate id {:?}; the first is kept",
                item.id
            ))),
            Ok(item) => out.items.push(item),
            Err(message) => out.warnings.push(warn(message)),
        }
    }
    Ok(out)
}

/// Ids name items and options in URLs, the outbox and the results: short,
/// plain ASCII, never a path.
fn check_id(field: &str, id: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&id.len())
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{field} {id:?} must be 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'"
        ))
    }
}

fn text(field: &str, value: &str) -> Result<(), String> {
    if value.len() > MAX_TEXT {
        return Err(format!("{field} is longer than {MAX_TEXT} bytes"));
    }
    if value.trim().is_empty() {
        return Err(format!("{field} is empty"));
    }
    Ok(())
}

fn time(field: &str, value: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.timestamp())
        .map_err(|e| format!("when.{field} {value:?} is not RFC 3339 ({e})"))
}

/// Choices with valid, distinct ids and labels.
fn check_choices(field: &str, choices: &[Choice]) -> Result<(), String> {
    if choices.len() > MAX_OPTIONS {
        return Err(format!("{field} has more than {MAX_OPTIONS} entries"));
    }
    let mut ids = HashSet::new();
    for c in choices {
        check_id(&format!("{field} id"), &c.id)?;
        text(&format!("{field} {:?} label", c.id), &c.label)?;
        if !ids.insert(c.id.as_str()) {
            return Err(format!("{field}: id {:?} appears twice", c.id));
        }
    }
    Ok(())
}

fn check_where(raw: RawWhere) -> Result<Where, String> {
    match raw {
        RawWhere::Word(w) if w == "all" => Ok(Where::All),
        RawWhere::Word(w) => Err(format!(
            "where: {w:?} is neither \"all\" nor {{\"channels\", \"programmes\"}}"
        )),
        RawWhere::Lists(l) => {
            if l.channels.is_empty() && l.programmes.is_empty() {
                return Err("where names no channel and no programme".into());
            }
            if l.channels.len() + l.programmes.len() > MAX_IDS {
                return Err(format!("where names more than {MAX_IDS} ids"));
            }
            for id in l.channels.iter().chain(&l.programmes) {
                if id.is_empty() || id.len() > 256 {
                    return Err(format!("where: id {id:?} is empty or too long"));
                }
            }
            Ok(Where::Only {
                channels: l.channels,
                programmes: l.programmes,
            })
        }
    }
}

/// Validates one item and resolves its URLs.
fn check(raw: RawItem, base: &Url, rules: SponsorRules) -> Result<Item, String> {
    check_id("id", &raw.id)?;
    text("title", &raw.title)?;
    let start = time("start", &raw.when.start)?;
    let end = time("end", &raw.when.end)?;
    if end <= start {
        return Err("when.end is not after when.start".into());
    }
    let applies = check_where(raw.applies)?;
    for (field, value) in [("question", &raw.question), ("privacy", &raw.privacy)] {
        if let Some(v) = value {
            text(field, v)?;
        }
    }
    let sponsor = match &raw.sponsor {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(crate::trust::sponsor::from_feed(v, rules.jurisdiction)?),
    };
    if sponsor.is_none() && !rules.allow_unsponsored {
        return Err("no sponsor line (\"paid for by\"); not shown".into());
    }
    match raw.kind {
        Kind::Poll => {
            if raw.question.is_none() {
                return Err("a poll needs a question".into());
            }
            if raw.options.len() < 2 {
                return Err("a poll needs at least two options".into());
            }
            check_choices("options", &raw.options)?;
            if !raw.fields.is_empty() {
                return Err("fields: only sign-up forms have fields".into());
            }
        }
        Kind::Signup => {
            if raw.fields.is_empty() || raw.fields.len() > MAX_FIELDS {
                return Err(format!("a sign-up form needs 1 to {MAX_FIELDS} fields"));
            }
            let mut ids = HashSet::new();
            for f in &raw.fields {
                check_id("field id", &f.id)?;
                text(&format!("field {:?} label", f.id), &f.label)?;
                if !ids.insert(f.id.as_str()) {
                    return Err(format!("fields: id {:?} appears twice", f.id));
                }
                match f.kind {
                    FieldKind::Choice if f.choices.is_empty() => {
                        return Err(format!("field {:?}: a choice field needs choices", f.id));
                    }
                    FieldKind::Choice => check_choices(&format!("field {:?}", f.id), &f.choices)?,
                    _ if !f.choices.is_empty() => {
                        return Err(format!("field {:?}: only choice fields have choices", f.id));
                    }
                    _ => {}
                }
            }
            if raw.privacy.is_none() {
                return Err("a sign-up form needs a privacy notice".into());
            }
            if !raw.options.is_empty() || raw.results.is_some() {
                return Err("options and results belong to polls".into());
            }
        }
        Kind::Notice => {
            if !raw.options.is_empty() || !raw.fields.is_empty() || raw.submit.is_some() {
                return Err("a notice takes no options, fields or submit URL".into());
            }
        }
    }
    if raw.kind != Kind::Notice && raw.submit.is_none() {
        return Err(format!(
            "a {} needs a submit URL",
            match raw.kind {
                Kind::Poll => "poll",
                _ => "sign-up form",
            }
        ));
    }
    Ok(Item {
        submit: raw
            .submit
            .map(|s| crate::net::resolve_http(base, "submit", &s))
            .transpose()?,
        page: raw
            .page
            .map(|s| crate::net::resolve_http(base, "page", &s))
            .transpose()?,
        results: raw
            .results
            .map(|s| crate::net::resolve_http(base, "results", &s))
            .transpose()?,
        id: raw.id,
        kind: raw.kind,
        applies,
        start,
        end,
        title: raw.title,
        question: raw.question,
        options: raw.options,
        multiple: raw.multiple,
        fields: raw.fields,
        privacy: raw.privacy,
        sponsor,
        badge: crate::trust::Badge::Unverified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:8080/interact/feed.json").unwrap()
    }

    const WHEN: &str =
        r#""when": {"start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"}"#;

    fn poll(extra: &str) -> String {
        format!(
            r#"{{"id": "p1", "kind": "poll", "where": "all", {WHEN}, "title": "Poll",
                "question": "Which?", "options": [{{"id": "a", "label": "A"}}, {{"id": "b", "label": "B"}}],
                "submit": "../api/v1/submissions", "results": "../api/v1/polls/p1/results"{extra}}}"#
        )
    }

    fn feed(items: &[String]) -> String {
        format!(
            r#"{{"version": 1, "publisher": "Civic", "items": [{}]}}"#,
            items.join(",")
        )
    }

    #[test]
    fn a_good_poll_and_signup_are_read_with_urls_resolved() {
        let signup = format!(
            r#"{{"id": "s1", "kind": "signup", "where": {{"channels": ["civic-one"]}}, {WHEN},
                "title": "Volunteer", "fields": [{{"id": "email", "kind": "email", "label": "E-mail", "required": true}},
                {{"id": "team", "kind": "choice", "label": "Team", "choices": [{{"id": "door", "label": "Doors"}}]}}],
                "privacy": "We keep it 6 months.", "sponsor": "Paid for by Civic", "submit": "https://example.org/s"}}"#
        );
        let f = parse(
            feed(&[poll(r#", "sponsor": "Paid for by Civic""#), signup]).as_bytes(),
            &base(),
            SponsorRules::default(),
        )
        .unwrap();
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
        let p = &f.items[0];
        assert_eq!(
            p.submit.as_deref(),
            Some("http://127.0.0.1:8080/api/v1/submissions")
        );
        assert_eq!(
            p.results.as_deref(),
            Some("http://127.0.0.1:8080/api/v1/polls/p1/results")
        );
        assert_eq!(p.start, 1_793_491_200);
        assert_eq!(p.applies, Where::All);
        let s = &f.items[1];
        assert_eq!(s.fields[1].choices[0].id, "door");
        assert!(matches!(&s.applies, Where::Only { channels, .. } if channels == &["civic-one"]));
    }

    #[test]
    fn bad_items_are_left_out_naming_the_item_and_field() {
        let sp = r#", "sponsor": "Paid for by Civic""#;
        let cases: Vec<(String, &str)> = vec![
            (poll(""), "no sponsor line"),
            (
                poll(&format!("{sp}, \"colour\": \"red\"")),
                "unknown field `colour`",
            ),
            (
                poll(sp).replace("../api/v1/submissions", "file:///etc/passwd"),
                "submit: file: URLs are not allowed",
            ),
            (
                poll(sp).replace("2026-12-01T00:00:00Z", "soon"),
                "when.end \"soon\" is not RFC 3339",
            ),
            (
                poll(sp).replace("2026-12-01", "2026-10-01"),
                "when.end is not after",
            ),
            (
                poll(sp).replace("\"p1\"", "\"../p\""),
                "id \"../p\" must be",
            ),
            (
                poll(sp).replace(
                    r#"{"id": "b", "label": "B"}"#,
                    r#"{"id": "a", "label": "B"}"#,
                ),
                "options: id \"a\" appears twice",
            ),
            (
                poll(sp).replace(r#", {"id": "b", "label": "B"}"#, ""),
                "at least two options",
            ),
            (
                poll(sp).replace("\"all\"", "\"everywhere\""),
                "where: \"everywhere\"",
            ),
            (poll(sp).replace("\"all\"", "{}"), "names no channel"),
            (
                poll(sp).replace("\"submit\": \"../api/v1/submissions\",", ""),
                "needs a submit URL",
            ),
            (
                poll(sp).replace("\"kind\": \"poll\"", "\"kind\": \"signup\""),
                "needs 1 to 32 fields",
            ),
            (
                poll(sp).replace("\"kind\": \"poll\"", "\"kind\": \"quiz\""),
                "unknown variant",
            ),
            (poll(sp).replace("\"Poll\"", "\"  \""), "title is empty"),
        ];
        for (item, want) in &cases {
            let f = parse(
                feed(std::slice::from_ref(item)).as_bytes(),
                &base(),
                SponsorRules::default(),
            )
            .unwrap();
            assert!(f.items.is_empty(), "{want}: kept");
            let w = &f.warnings[0];
            assert!(
                w.message.contains(want),
                "wanted {want:?}, got {:?}",
                w.message
            );
            assert_eq!(w.index, 0);
        }
        let f = parse(
            feed(&[poll(sp), poll(sp)]).as_bytes(),
            &base(),
            SponsorRules::default(),
        )
        .unwrap();
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.warnings[0].index, 1);
        assert_eq!(f.warnings[0].id.as_deref(), Some("p1"));
        assert!(f.warnings[0].message.contains("duplicate id"));
    }

    #[test]
    fn an_unsponsored_item_is_kept_only_when_allowed() {
        let text = feed(&[poll("")]);
        assert!(
            parse(text.as_bytes(), &base(), SponsorRules::default())
                .unwrap()
                .items
                .is_empty()
        );
        assert_eq!(
            parse(
                text.as_bytes(),
                &base(),
                SponsorRules::allowing_unsponsored(true)
            )
            .unwrap()
            .items
            .len(),
            1
        );
    }

    #[test]
    fn a_signup_needs_a_privacy_notice_and_choice_fields_need_choices() {
        let form = |fields: &str, privacy: &str| {
            format!(
                r#"{{"id": "s", "kind": "signup", "where": "all", {WHEN}, "title": "T", "fields": [{fields}],
                    "sponsor": "Paid for by X", "submit": "/s"{privacy}}}"#
            )
        };
        let name = r#"{"id": "n", "kind": "name", "label": "Name"}"#;
        for (item, want) in [
            (form(name, ""), "privacy notice"),
            (
                form(
                    r#"{"id": "c", "kind": "choice", "label": "C"}"#,
                    r#", "privacy": "P""#,
                ),
                "needs choices",
            ),
            (
                form(
                    r#"{"id": "n", "kind": "name", "label": "N", "choices": [{"id": "x", "label": "X"}]}"#,
                    r#", "privacy": "P""#,
                ),
                "only choice fields",
            ),
            (
                form(&format!("{name},{name}"), r#", "privacy": "P""#),
                "appears twice",
            ),
        ] {
            let f = parse(feed(&[item]).as_bytes(), &base(), SponsorRules::default()).unwrap();
            assert!(f.items.is_empty());
            assert!(f.warnings[0].message.contains(want), "{:?}", f.warnings);
        }
    }

    #[test]
    fn an_oversize_or_malformed_or_newer_feed_is_refused_naming_the_url() {
        let big = vec![b' '; MAX_FEED_BYTES + 1];
        let e = parse(&big, &base(), SponsorRules::default()).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "http://127.0.0.1:8080/interact/feed.json: interactive feed is larger"
            ),
            "{e}"
        );
        let e = parse(
            b"{\"version\": 1, \"items\": [",
            &base(),
            SponsorRules::default(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("http://127.0.0.1:8080/interact/feed.json: not an interactive feed"),
            "{e}"
        );
        let e = parse(
            br#"{"version": 2, "items": []}"#,
            &base(),
            SponsorRules::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("version 2"), "{e}");
    }

    #[test]
    fn a_structured_sponsor_is_worded_per_jurisdiction_and_refused_when_incomplete() {
        let named = r#", "sponsor": {"name": "Civic"}"#;
        let full =
            r#", "sponsor": {"name": "Civic", "address": "1 High St", "on_behalf_of": "Ana Ruiz"}"#;
        let line = r#", "sponsor": "Vote Civic (paid for by Civic)""#;
        use Jurisdiction::*;
        // (jurisdiction, unsponsored allowed, sponsor, the line shown or the warning)
        let table: &[(Jurisdiction, bool, &str, Result<&str, &str>)] = &[
            (Us, false, named, Ok("Paid for by Civic")),
            (
                Uk,
                false,
                full,
                Ok("Promoted by Civic, 1 High St on behalf of Ana Ruiz"),
            ),
            (Uk, false, named, Err("has no address; the UK imprint")),
            // Allowing unsponsored items does not let an incomplete imprint through.
            (Uk, true, named, Err("has no address")),
            (
                Eu,
                false,
                named,
                Ok("Political advertisement · Sponsor: Civic"),
            ),
            (Uk, false, line, Ok("Vote Civic (paid for by Civic)")),
            (
                Us,
                false,
                r#", "sponsor": {"name": ""}"#,
                Err("sponsor.name is empty"),
            ),
        ];
        for (j, allow, sponsor, want) in table {
            let rules = SponsorRules {
                allow_unsponsored: *allow,
                jurisdiction: *j,
            };
            let f = parse(feed(&[poll(sponsor)]).as_bytes(), &base(), rules).unwrap();
            match want {
                Ok(line) => {
                    assert!(f.warnings.is_empty(), "{j:?}: {:?}", f.warnings);
                    let shown = f.items[0].sponsor.as_ref().map(|s| s.to_string());
                    assert_eq!(shown.as_deref(), Some(*line), "{j:?}");
                }
                Err(words) => {
                    assert!(f.items.is_empty(), "{j:?}: kept");
                    assert_eq!(f.warnings[0].id.as_deref(), Some("p1"));
                    assert!(f.warnings[0].message.contains(words), "{:?}", f.warnings);
                }
            }
        }
    }
}
