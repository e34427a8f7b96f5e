//! The attribute tokenizer shared by `#EXTM3U` and `#EXTINF` lines.
//!
//! Splits `-1 key="v, x" key2='v2' key3=v3,Name` into attributes and the
//! display name after the first comma outside quotes. It only tokenizes: what
//! an attribute means is decided by the entry builder. It never panics and runs
//! in one pass, so a 10 MB line costs 10 MB of work and no more.

use std::collections::BTreeMap;

use super::reading::clip;

/// More attributes than any player defines (Kodi reads about thirty): the
/// rest of such a line is hostile or broken and is not kept.
const MAX_ATTRIBUTES: usize = 256;

/// Notes kept per line, so one hostile line cannot produce millions.
const MAX_NOTES: usize = 8;

/// The attributes and name of one directive line.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Attributes {
    /// Lower-cased keys; an attribute given twice keeps its first value (as
    /// Kodi's lookup does).
    pub map: BTreeMap<String, String>,
    /// The text after the first top-level comma, untrimmed; `None` when the
    /// line has no such comma.
    pub name: Option<String>,
    /// Problems worth a warning (repeated keys, an unterminated quote).
    pub notes: Vec<String>,
}

impl Attributes {
    /// The value of `key` when present and not blank (an empty attribute
    /// counts as absent).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The first non-blank value among `keys` (for aliases such as
    /// `catchup` / `catchup-type`).
    pub fn first_of(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| self.get(k))
    }
}

/// Tokenizes the text after `#EXTINF:` (or `#EXTM3U`).
pub(super) fn split_attributes(s: &str) -> Attributes {
    let mut out = Attributes::default();
    let b = s.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if c == b',' {
            out.name = Some(s[i + 1..].to_string());
            return out;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && b[i] != b'=' && b[i] != b',' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = s[start..i].to_ascii_lowercase();
        if i >= n || b[i] != b'=' {
            // A bare token (the duration, e.g. `-1`) carries no attribute.
            continue;
        }
        i += 1;
        let value = if i < n && (b[i] == b'"' || b[i] == b'\'') {
            let quote = b[i] as char;
            let vstart = i + 1;
            match s[vstart..].find(quote) {
                Some(off) => {
                    i = vstart + off + 1;
                    &s[vstart..vstart + off]
                }
                None => {
                    // Unterminated quote: like Kodi, fall back to the last
                    // comma on the line as the start of the name.
                    note(
                        &mut out,
                        format!("attribute '{}' has an unterminated quote", clip(&key)),
                    );
                    let (value, name) = match s[vstart..].rfind(',') {
                        Some(off) => (
                            &s[vstart..vstart + off],
                            Some(s[vstart + off + 1..].to_string()),
                        ),
                        None => (&s[vstart..], None),
                    };
                    insert(&mut out, key, value);
                    out.name = name;
                    return out;
                }
            }
        } else {
            let vstart = i;
            while i < n && b[i] != b',' && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            &s[vstart..i]
        };
        insert(&mut out, key, value);
    }
    out
}

fn insert(out: &mut Attributes, key: String, value: &str) {
    use std::collections::btree_map::Entry;
    if key.is_empty() {
        let text = format!("attribute without a name (value '{}') ignored", clip(value));
        note(out, text);
        return;
    }
    if out.map.len() >= MAX_ATTRIBUTES && !out.map.contains_key(&key) {
        let text = format!("more than {MAX_ATTRIBUTES} attributes; the rest are ignored");
        note(out, text);
        return;
    }
    match out.map.entry(key) {
        Entry::Occupied(e) => {
            let text = format!("attribute '{}' repeated; first value kept", clip(e.key()));
            note(out, text);
        }
        Entry::Vacant(e) => {
            e.insert(value.to_string());
        }
    }
}

/// Records a problem, up to [`MAX_NOTES`] per line, then one summary.
fn note(out: &mut Attributes, text: String) {
    if out.notes.len() < MAX_NOTES {
        out.notes.push(text);
    } else if out.notes.len() == MAX_NOTES {
        out.notes
            .push("more attribute problems on this line not listed".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_quoted_single_double_or_not_and_names_after_the_first_free_comma() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>);
        let cases: &[Case] = &[
            (
                "-1 a=\"x\" b='y' c=z,Name",
                &[("a", "x"), ("b", "y"), ("c", "z")],
                Some("Name"),
            ),
            (
                "-1 a=\"x, y\",N, with comma",
                &[("a", "x, y")],
                Some("N, with comma"),
            ),
            (
                "-1 a='it, is' b=\"q\",N",
                &[("a", "it, is"), ("b", "q")],
                Some("N"),
            ),
            ("-1 A=\"up\",N", &[("a", "up")], Some("N")),
            ("-1 a=\"x\"b=\"y\",N", &[("a", "x"), ("b", "y")], Some("N")),
            ("-1,Just a name", &[], Some("Just a name")),
            ("-1 a=\"\" b=,N", &[("a", ""), ("b", "")], Some("N")),
            ("", &[], None),
            ("-1 a=b", &[("a", "b")], None),
            (
                "-1 a=\"never closed, Name",
                &[("a", "never closed")],
                Some(" Name"),
            ),
        ];
        for (input, attrs, name) in cases {
            let got = split_attributes(input);
            let want: BTreeMap<String, String> = attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(got.map, want, "{input}");
            assert_eq!(got.name.as_deref(), *name, "{input}");
        }
    }

    #[test]
    fn empty_values_count_as_absent() {
        let a = split_attributes("-1 tvg-id=\"\" tvg-logo=\"  \" tvg-name=x,N");
        assert_eq!(a.get("tvg-id"), None);
        assert_eq!(a.get("tvg-logo"), None);
        assert_eq!(a.get("tvg-name"), Some("x"));
    }

    #[test]
    fn a_repeated_attribute_keeps_the_first_value_and_notes_it() {
        let a = split_attributes("-1 tvg-id=a tvg-id=b,N");
        assert_eq!(a.get("tvg-id"), Some("a"));
        assert_eq!(a.notes.len(), 1);
    }

    #[test]
    fn a_hostile_line_keeps_bounded_attributes_and_notes() {
        let line =
            "a=1 ".repeat(100_000) + &(0..1000).map(|i| format!("k{i}=v ")).collect::<String>();
        let a = split_attributes(&line);
        assert_eq!(a.map.len(), MAX_ATTRIBUTES);
        assert_eq!(a.notes.len(), MAX_NOTES + 1);
    }

    #[test]
    fn multibyte_text_is_split_on_character_boundaries() {
        let a = split_attributes("-1 tvg-name=\"Télé, 2\" x=ü,Ünïcode ✓");
        assert_eq!(a.get("tvg-name"), Some("Télé, 2"));
        assert_eq!(a.get("x"), Some("ü"));
        assert_eq!(a.name.as_deref(), Some("Ünïcode ✓"));
    }
}
