//! Transparency labels: the sponsor line campaign material carries, and the
//! wording of the jurisdiction the box is configured for (`[transparency]
//! jurisdiction`).
//!
//! A feed gives the sponsor either as a plain string, shown verbatim (the
//! publisher's own words, as before), or as an object `{"name", "address",
//! "on_behalf_of"}` that the box words itself: "Paid for by …" (US
//! disclaimers), "Promoted by …, address[ on behalf of …]" (UK digital
//! imprints, Elections Act 2022), "Political advertisement · Sponsor: …"
//! (EU Regulation 2024/900 transparency label). An object that lacks what
//! the jurisdiction requires (a UK imprint without an address) is refused
//! with a message naming the field; the feed parsers turn it into a warning
//! naming the feed and the item. The words themselves are translated in
//! `ui/sponsor.slint` (`@tr`); [`Sponsor::parts`] gives the kind and values,
//! [`std::fmt::Display`] the English text for logs and spoken labels (a
//! test keeps the two word for word the same). No UI, no I/O.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest sponsor text read (each of name, address, on behalf of).
const MAX_SPONSOR_TEXT: usize = 1024;

pub use crate::config::Jurisdiction;

/// The structured form a feed may give.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Parts {
    name: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    on_behalf_of: Option<String>,
}

/// A sponsor line as the box shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Sponsor {
    /// The feed's own words, shown verbatim.
    Line(String),
    /// Worded by the box for `jurisdiction` (fixed when the feed was read).
    Worded {
        jurisdiction: Jurisdiction,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
    },
}

impl From<&str> for Sponsor {
    fn from(line: &str) -> Self {
        Sponsor::Line(line.to_string())
    }
}

/// Reads a feed's `sponsor` value for `jurisdiction`; the error says what
/// is missing or wrong (the caller names the feed and the item).
pub fn from_feed(value: &serde_json::Value, jurisdiction: Jurisdiction) -> Result<Sponsor, String> {
    let checked = |field: &str, v: Option<String>| -> Result<Option<String>, String> {
        match v {
            Some(v) if v.len() > MAX_SPONSOR_TEXT => {
                Err(format!("{field} is longer than {MAX_SPONSOR_TEXT} bytes"))
            }
            Some(v) if v.trim().is_empty() => Ok(None),
            other => Ok(other),
        }
    };
    match value {
        serde_json::Value::String(line) => checked("sponsor", Some(line.clone()))?
            .map(Sponsor::Line)
            .ok_or_else(|| "sponsor is empty".to_string()),
        serde_json::Value::Object(_) => {
            let p: Parts = serde_json::from_value(value.clone())
                .map_err(|e| format!("sponsor: {e} (expected name, address, on_behalf_of)"))?;
            let name = checked("sponsor.name", Some(p.name))?
                .ok_or_else(|| "sponsor.name is empty".to_string())?;
            let address = checked("sponsor.address", p.address)?;
            let on_behalf_of = checked("sponsor.on_behalf_of", p.on_behalf_of)?;
            if jurisdiction == Jurisdiction::Uk && address.is_none() {
                return Err(format!(
                    "sponsor {name:?} has no address; the UK imprint (jurisdiction \"uk\") \
                     needs one: \"Promoted by name, address\"; not shown"
                ));
            }
            Ok(Sponsor::Worded {
                jurisdiction,
                name,
                address,
                on_behalf_of,
            })
        }
        _ => Err("sponsor must be a string or an object {name, address, on_behalf_of}".into()),
    }
}

impl Sponsor {
    /// (kind, values) for `Sponsors.text` in ui/sponsor.slint.
    pub fn parts(&self) -> (i32, [String; 3]) {
        let none = String::new;
        match self {
            Sponsor::Line(l) => (0, [l.clone(), none(), none()]),
            Sponsor::Worded {
                jurisdiction,
                name,
                address,
                on_behalf_of,
            } => match (jurisdiction, address, on_behalf_of) {
                (Jurisdiction::Us, _, _) => (1, [name.clone(), none(), none()]),
                (Jurisdiction::Uk, a, None) => {
                    (2, [name.clone(), a.clone().unwrap_or_default(), none()])
                }
                (Jurisdiction::Uk, a, Some(b)) => {
                    (3, [name.clone(), a.clone().unwrap_or_default(), b.clone()])
                }
                (Jurisdiction::Eu, None, _) => (4, [name.clone(), none(), none()]),
                (Jurisdiction::Eu, Some(a), _) => (5, [name.clone(), a.clone(), none()]),
            },
        }
    }

    /// The English source string of a kind, with `{}` for the values.
    pub fn template(kind: i32) -> &'static str {
        match kind {
            1 => "Paid for by {}",
            2 => "Promoted by {}, {}",
            3 => "Promoted by {}, {} on behalf of {}",
            4 => "Political advertisement · Sponsor: {}",
            5 => "Political advertisement · Sponsor: {}, {}",
            _ => "{}",
        }
    }

    /// Highest kind number.
    pub const LAST_KIND: i32 = 5;
}

impl fmt::Display for Sponsor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, values) = self.parts();
        let mut values = values.into_iter();
        let mut rest = Sponsor::template(kind);
        while let Some(at) = rest.find("{}") {
            f.write_str(&rest[..at])?;
            f.write_str(&values.next().unwrap_or_default())?;
            rest = &rest[at + 2..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_jurisdiction_words_the_sponsor_its_way_or_says_what_is_missing() {
        let full = json!({"name": "Civic Party", "address": "1 High St, Anytown", "on_behalf_of": "Ana Ruiz"});
        let named = json!({"name": "Civic Party"});
        let addressed = json!({"name": "Civic Party", "address": "1 High St"});
        let line = json!("Paid for by Civic, 1 High St");
        use Jurisdiction::*;
        // (jurisdiction, feed value, the English line or the error's words)
        let table: &[(Jurisdiction, &serde_json::Value, Result<&str, &str>)] = &[
            (Us, &named, Ok("Paid for by Civic Party")),
            (Us, &full, Ok("Paid for by Civic Party")),
            (Us, &line, Ok("Paid for by Civic, 1 High St")),
            (Uk, &addressed, Ok("Promoted by Civic Party, 1 High St")),
            (
                Uk,
                &full,
                Ok("Promoted by Civic Party, 1 High St, Anytown on behalf of Ana Ruiz"),
            ),
            (Uk, &named, Err("has no address; the UK imprint")),
            (
                Uk,
                &json!({"name": "C", "address": "  "}),
                Err("has no address"),
            ),
            (Uk, &line, Ok("Paid for by Civic, 1 High St")),
            (
                Eu,
                &named,
                Ok("Political advertisement · Sponsor: Civic Party"),
            ),
            (
                Eu,
                &addressed,
                Ok("Political advertisement · Sponsor: Civic Party, 1 High St"),
            ),
            (Eu, &line, Ok("Paid for by Civic, 1 High St")),
            (Us, &json!({"name": " "}), Err("sponsor.name is empty")),
            (
                Eu,
                &json!({"address": "1 High St"}),
                Err("missing field `name`"),
            ),
            (
                Us,
                &json!({"name": "C", "party": "X"}),
                Err("unknown field `party`"),
            ),
            (Us, &json!(""), Err("sponsor is empty")),
            (Us, &json!(42), Err("must be a string or an object")),
            (
                Us,
                &json!({"name": "x".repeat(MAX_SPONSOR_TEXT + 1)}),
                Err("sponsor.name is longer"),
            ),
        ];
        for (j, value, want) in table {
            let got = from_feed(value, *j).map(|s| s.to_string());
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(g, w, "{j:?} {value}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{j:?} {value}: {g}"),
                _ => panic!("{j:?} {value}: wanted {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn a_worded_sponsor_survives_the_store_and_an_old_plain_line_still_reads() {
        let s = from_feed(
            &json!({"name": "Civic", "address": "1 High St"}),
            Jurisdiction::Uk,
        )
        .unwrap();
        let stored = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Sponsor>(&stored).unwrap(), s);
        assert_eq!(
            serde_json::from_str::<Sponsor>("\"Paid for by X\"").unwrap(),
            Sponsor::Line("Paid for by X".into())
        );
    }

    #[test]
    fn every_kind_is_worded_in_the_slint_file_as_here() {
        let slint = include_str!("../../ui/sponsor.slint");
        for kind in 1..=Sponsor::LAST_KIND {
            let template = Sponsor::template(kind);
            let line = format!("if (s.kind == {kind}) {{ return @tr(\"{template}\"");
            assert!(slint.contains(&line), "ui/sponsor.slint lacks: {line}");
        }
    }
}
