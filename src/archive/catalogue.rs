//! The archive catalogue: a JSON feed of speeches, debates and town halls
//! (schema in docs/archive-catalogue.md), read into plain structs.
//!
//! Bad input is a value: an item that breaks the schema is left out with a
//! warning naming it (index and id) and the field; the feed as a whole is
//! refused only when it is not a catalogue at all. Fields this version does
//! not know (a newer publisher's) are ignored, with one warning per feed. Every URL is resolved
//! against the feed's own URL and must be http(s).

use serde::{Deserialize, Serialize};
use thiserror::Error;
use url::Url;

use crate::trust::sponsor::{self, Jurisdiction, Sponsor};

/// Caps against hostile feeds.
pub const MAX_ITEMS: usize = 10_000;
pub const MAX_TEXT: usize = 4096;
const MAX_LIST: usize = 256;

/// A catalogue that cannot be used at all.
#[derive(Debug, Error)]
pub enum CatalogueError {
    #[error("{source_name}: not an archive catalogue: {message}")]
    NotACatalogue {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: version {found} is newer than this box reads (1)")]
    TooNew { source_name: String, found: u32 },
}

/// One problem with one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueWarning {
    /// Position of the item in `items`.
    pub index: usize,
    pub id: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speaker {
    pub name: String,
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    pub title: String,
    /// Seconds from the start.
    pub start: f64,
}

/// Where an item of the archive browser comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// The archive catalogue feed.
    #[default]
    Catalogue,
    /// A video-on-demand entry of the M3U lineup.
    Lineup,
    /// A past programme of a channel with catch-up (played through the
    /// channel's catch-up template): the channel's key and the programme's times.
    CatchUp {
        channel: String,
        start: i64,
        stop: i64,
    },
}

/// One speech, debate or town hall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveItem {
    pub id: String,
    pub title: String,
    pub speakers: Vec<Speaker>,
    pub event: Option<String>,
    pub place: Option<String>,
    /// When it was given (Unix seconds).
    pub date: i64,
    /// Seconds.
    pub duration: f64,
    pub topics: Vec<String>,
    pub chapters: Vec<Chapter>,
    /// WebVTT transcript.
    pub transcript: Option<String>,
    pub thumbnail: Option<String>,
    /// HLS master (or media) playlist.
    pub hls: String,
    /// Segment -> SHA-256 hex: each key as written in the catalogue (a URI
    /// as written in its playlist) and, when it resolves, as an absolute URL
    /// against the catalogue's (the form that tells variants apart).
    pub checksums: std::collections::BTreeMap<String, String>,
    /// The sponsor line on campaign material ("Paid for by ...").
    pub sponsor: Option<Sponsor>,
    /// Downloaded ahead of time (featured).
    pub pinned: bool,
    /// The catalogue, the lineup's VOD entries or catch-up.
    #[serde(default)]
    pub origin: Origin,
}

impl ArchiveItem {
    /// Whether the item is an HLS playlist (a master or media playlist, by
    /// its path): what variant choice and downloads work on.
    pub fn is_hls(&self) -> bool {
        url::Url::parse(&self.hls).is_ok_and(|u| u.path().ends_with(".m3u8"))
    }

    /// Whether it can be kept for offline viewing (HLS, not catch-up).
    pub fn downloadable(&self) -> bool {
        self.is_hls() && !matches!(self.origin, Origin::CatchUp { .. })
    }
}

#[derive(Deserialize)]
struct RawCatalogue {
    version: u32,
    #[serde(default)]
    publisher: Option<String>,
    items: Vec<serde_json::Value>,
}

/// One item as published. Fields this box does not know (a newer
/// publisher's) are kept aside in `unknown` and ignored, with one warning
/// per feed: the item itself still plays.
#[derive(Deserialize)]
struct RawItem {
    id: String,
    title: String,
    #[serde(default)]
    speakers: Vec<Speaker>,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    place: Option<String>,
    date: String,
    duration: f64,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    chapters: Vec<Chapter>,
    #[serde(default)]
    transcript: Option<String>,
    #[serde(default)]
    thumbnail: Option<String>,
    hls: String,
    #[serde(default)]
    checksums: std::collections::BTreeMap<String, String>,
    /// A plain line (shown verbatim) or `{name, address, on_behalf_of}`.
    #[serde(default)]
    sponsor: Option<serde_json::Value>,
    #[serde(default)]
    pinned: bool,
    #[serde(flatten)]
    unknown: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A read catalogue.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalogue {
    pub publisher: Option<String>,
    pub items: Vec<ArchiveItem>,
    pub warnings: Vec<CatalogueWarning>,
}

/// Reads a catalogue with the default jurisdiction's sponsor wording (tools
/// and tests; the box uses [`parse_for`] with its configuration's).
pub fn parse(text: &str, base: &Url) -> Result<Catalogue, CatalogueError> {
    parse_for(text, base, Jurisdiction::default())
}

/// Reads a catalogue fetched from `base` (URLs in it are resolved against
/// it); structured sponsors are worded, and checked, for `jurisdiction`.
pub fn parse_for(
    text: &str,
    base: &Url,
    jurisdiction: Jurisdiction,
) -> Result<Catalogue, CatalogueError> {
    let source_name = base.to_string();
    let raw: RawCatalogue =
        serde_json::from_str(text).map_err(|e| CatalogueError::NotACatalogue {
            source_name: source_name.clone(),
            message: e.to_string(),
        })?;
    if raw.version > 1 {
        return Err(CatalogueError::TooNew {
            source_name,
            found: raw.version,
        });
    }
    let mut out = Catalogue {
        publisher: raw.publisher,
        ..Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    // Fields no item of this box's version has: (name, first item carrying it).
    let mut unknown: std::collections::BTreeMap<String, usize> = Default::default();
    for (index, value) in raw.items.into_iter().enumerate() {
        if index >= MAX_ITEMS {
            out.warnings.push(CatalogueWarning {
                index,
                id: None,
                message: format!("more than {MAX_ITEMS} items; the rest are left out"),
            });
            break;
        }
        let id = value.get("id").and_then(|v| v.as_str()).map(String::from);
        let warn = |message: String| CatalogueWarning {
            index,
            id: id.clone(),
            message,
        };
        let item = serde_json::from_value::<RawItem>(value)
            .map_err(|e| e.to_string())
            .and_then(|raw| {
                for field in raw.unknown.keys() {
                    unknown.entry(field.clone()).or_insert(index);
                }
                check(raw, base, jurisdiction)
            });
        match item {
            Ok(item) if !seen.insert(item.id.clone()) => out.warnings.push(warn(format!(
                "duplicate id {:?}; the first is kept",
                item.id
            ))),
            Ok(item) => out.items.push(item),
            Err(message) => out.warnings.push(warn(message)),
        }
    }
    if let Some(&first) = unknown.values().min() {
        let names: Vec<String> = unknown.keys().map(|k| format!("{k:?}")).collect();
        out.warnings.push(CatalogueWarning {
            index: first,
            id: None,
            message: format!(
                "fields this box does not know are ignored: {}",
                names.join(", ")
            ),
        });
    }
    Ok(out)
}

fn text(field: &str, value: &str) -> Result<(), String> {
    if value.len() > MAX_TEXT {
        return Err(format!("{field} is longer than {MAX_TEXT} bytes"));
    }
    Ok(())
}

/// Validates one item and resolves its URLs.
fn check(raw: RawItem, base: &Url, jurisdiction: Jurisdiction) -> Result<ArchiveItem, String> {
    // The id names the item's cache directory: letters, digits, '.', '_'
    // and '-' only, not starting with '.', so it can never be `..` or a path.
    let id_ok = (1..=128).contains(&raw.id.len())
        && !raw.id.starts_with('.')
        && raw
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !id_ok {
        return Err(format!(
            "id {:?} must be 1 to 128 letters, digits, '.', '_' or '-', not starting with '.'",
            raw.id
        ));
    }
    text("title", &raw.title)?;
    if raw.title.trim().is_empty() {
        return Err("title is empty".into());
    }
    if !raw.duration.is_finite() || raw.duration <= 0.0 || raw.duration > 86_400.0 * 7.0 {
        return Err(format!(
            "duration {} is not a length in seconds",
            raw.duration
        ));
    }
    let date = chrono::DateTime::parse_from_rfc3339(&raw.date)
        .map_err(|e| format!("date {:?} is not RFC 3339 ({e})", raw.date))?
        .timestamp();
    for (field, len) in [
        ("speakers", raw.speakers.len()),
        ("topics", raw.topics.len()),
        ("chapters", raw.chapters.len()),
        ("checksums", raw.checksums.len()),
    ] {
        if len > MAX_LIST && field != "checksums" {
            return Err(format!("{field} has more than {MAX_LIST} entries"));
        }
    }
    let mut chapters = raw.chapters;
    for c in &chapters {
        text("chapter title", &c.title)?;
        if !c.start.is_finite() || c.start < 0.0 || c.start > raw.duration {
            return Err(format!(
                "chapter {:?} starts outside the item ({})",
                c.title, c.start
            ));
        }
    }
    chapters.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut checksums = std::collections::BTreeMap::new();
    for (uri, sum) in raw.checksums {
        if sum.len() != 64 || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("checksum of {uri:?} is not SHA-256 hex"));
        }
        // Relative to the catalogue, like every other URL in it: a master
        // playlist's variants each have a `seg000.ts`, and only the resolved
        // form says which one is meant.
        if let Ok(abs) = base.join(&uri)
            && matches!(abs.scheme(), "http" | "https")
        {
            checksums.insert(abs.to_string(), sum.clone());
        }
        checksums.insert(uri, sum);
    }
    for s in &raw.speakers {
        text("speaker", &s.name)?;
    }
    // Not every speech is campaign material: no sponsor (or "") is fine.
    let sponsor = match &raw.sponsor {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
        Some(v) => Some(sponsor::from_feed(v, jurisdiction)?),
    };
    Ok(ArchiveItem {
        hls: crate::net::resolve_http(base, "hls", &raw.hls)?,
        transcript: raw
            .transcript
            .map(|t| crate::net::resolve_http(base, "transcript", &t))
            .transpose()?,
        thumbnail: raw
            .thumbnail
            .map(|t| crate::net::resolve_http(base, "thumbnail", &t))
            .transpose()?,
        id: raw.id,
        title: raw.title,
        speakers: raw.speakers,
        event: raw.event,
        place: raw.place,
        date,
        duration: raw.duration,
        topics: raw.topics,
        chapters,
        checksums,
        sponsor,
        pinned: raw.pinned,
        origin: Origin::Catalogue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:8080/archive/catalogue.json").unwrap()
    }

    const GOOD: &str = r#"{"version": 1, "publisher": "Civic TV", "items": [
        {"id": "s1", "title": "Housing speech", "speakers": [{"name": "Ana Ruiz", "party": "Civic", "role": "Mayor"}],
         "date": "2026-11-20T18:00:00Z", "duration": 30, "topics": ["housing"],
         "chapters": [{"title": "Rents", "start": 12}, {"title": "Opening", "start": 0}],
         "transcript": "s1/transcript.vtt", "hls": "s1/index.m3u8", "sponsor": "Paid for by Civic"}
    ]}"#;

    #[test]
    fn a_good_item_is_read_with_urls_resolved_and_chapters_in_order() {
        let c = parse(GOOD, &base()).unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let i = &c.items[0];
        assert_eq!(i.hls, "http://127.0.0.1:8080/archive/s1/index.m3u8");
        assert_eq!(i.chapters[0].title, "Opening");
        assert_eq!(i.date, 1_795_197_600);
        assert_eq!(c.publisher.as_deref(), Some("Civic TV"));
    }

    #[test]
    fn bad_items_are_left_out_naming_the_item_and_field() {
        let text = r#"{"version": 1, "items": [
            {"id": "a", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": -5, "hls": "a.m3u8"},
            {"id": "b", "title": "T", "date": "yesterday", "duration": 5, "hls": "b.m3u8"},
            {"id": "c", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "file:///etc/passwd"},
            {"id": "../d", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "d.m3u8"},
            {"id": "..", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "d.m3u8"},
            {"id": "e", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "e.m3u8", "colour": "red"},
            {"id": "f", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "f.m3u8"},
            {"id": "f", "title": "T2", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "f.m3u8"},
            "not an object"
        ]}"#;
        let c = parse(text, &base()).unwrap();
        // "e" carries a field this box does not know: kept, and said once.
        let ids: Vec<&str> = c.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["e", "f"]);
        let said: Vec<(usize, &str)> = c
            .warnings
            .iter()
            .map(|w| (w.index, w.message.as_str()))
            .collect();
        assert!(said[0].1.contains("duration -5"), "{said:?}");
        assert!(said[1].1.contains("RFC 3339"), "{said:?}");
        assert!(said[2].1.contains("file: URLs are not allowed"), "{said:?}");
        assert!(said[3].1.contains("not starting with '.'"), "{said:?}");
        assert!(said[4].1.contains("\"..\" must be"), "{said:?}");
        assert!(said[5].1.contains("duplicate id"), "{said:?}");
        assert_eq!(said[6].0, 8);
        assert_eq!(
            said[7],
            (5, "fields this box does not know are ignored: \"colour\"")
        );
        assert_eq!(said.len(), 8);
        assert_eq!(c.warnings[0].id.as_deref(), Some("a"));
    }

    #[test]
    fn fields_a_newer_publisher_added_are_ignored_with_one_warning_per_feed() {
        let item = |id: &str, extra: &str| {
            format!(
                r#"{{"id": "{id}", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "{id}.m3u8"{extra}}}"#
            )
        };
        let text = format!(
            r#"{{"version": 1, "items": [{}, {}, {}]}}"#,
            item("a", ""),
            item("b", r#", "signLanguage": true, "rating": {"age": 12}"#),
            item("c", r#", "signLanguage": false"#)
        );
        let c = parse(&text, &base()).unwrap();
        assert_eq!(c.items.len(), 3, "{:?}", c.warnings);
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert_eq!(
            c.warnings[0].message,
            "fields this box does not know are ignored: \"rating\", \"signLanguage\""
        );
    }

    #[test]
    fn not_a_catalogue_or_too_new_is_refused_naming_the_source() {
        let e = parse("<html>", &base()).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "http://127.0.0.1:8080/archive/catalogue.json: not an archive catalogue"
            )
        );
        let e = parse(r#"{"version": 2, "items": []}"#, &base()).unwrap_err();
        assert!(e.to_string().contains("version 2"));
    }

    #[test]
    fn a_structured_sponsor_is_worded_for_the_jurisdiction_or_refused_naming_the_item() {
        let text = r#"{"version": 1, "items": [
            {"id": "a", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "a.m3u8",
             "sponsor": {"name": "Civic", "address": "1 High St"}},
            {"id": "b", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "b.m3u8",
             "sponsor": {"name": "Green Way"}},
            {"id": "c", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "c.m3u8",
             "sponsor": "Paid for by Civic"},
            {"id": "d", "title": "T", "date": "2026-11-20T18:00:00Z", "duration": 5, "hls": "d.m3u8"}
        ]}"#;
        // (jurisdiction, the lines shown by id, the refused ids)
        type Case<'a> = (
            Jurisdiction,
            &'a [(&'a str, Option<&'a str>)],
            &'a [&'a str],
        );
        let table: &[Case] = &[
            (
                Jurisdiction::Us,
                &[
                    ("a", Some("Paid for by Civic")),
                    ("b", Some("Paid for by Green Way")),
                    ("c", Some("Paid for by Civic")),
                    ("d", None),
                ],
                &[],
            ),
            (
                Jurisdiction::Uk,
                &[
                    ("a", Some("Promoted by Civic, 1 High St")),
                    ("c", Some("Paid for by Civic")),
                    ("d", None),
                ],
                &["b"],
            ),
        ];
        for (j, shown, refused) in table {
            let c = parse_for(text, &base(), *j).unwrap();
            let got: Vec<(&str, Option<String>)> = c
                .items
                .iter()
                .map(|i| (i.id.as_str(), i.sponsor.as_ref().map(|s| s.to_string())))
                .collect();
            let want: Vec<(&str, Option<String>)> = shown
                .iter()
                .map(|(id, l)| (*id, l.map(String::from)))
                .collect();
            assert_eq!(got, want, "{j:?}");
            let ids: Vec<&str> = c.warnings.iter().filter_map(|w| w.id.as_deref()).collect();
            assert_eq!(ids, *refused, "{j:?}");
            for w in &c.warnings {
                assert!(w.message.contains("has no address"), "{}", w.message);
            }
        }
    }
}
