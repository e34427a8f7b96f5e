//! Tolerant M3U reader.
//!
//! Handles the common extended-M3U shape (`#EXTM3U` header attributes,
//! `#EXTINF:<duration> key="value" ...,<name>`, `#EXTGRP`, bare URLs) with a
//! UTF-8 BOM, CRLF line ends, unquoted values and commas inside quotes.
//! Anything odd becomes a [`ParseWarning`] with its line number.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use super::{Channel, ChannelKey, LineupError};

/// Something skipped or guessed while reading a playlist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParseWarning {
    /// 1-based line number in the source.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A parsed playlist: its channels, header attributes and warnings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lineup {
    pub channels: Vec<Channel>,
    /// Attributes of the `#EXTM3U` header line (e.g. `x-tvg-url`).
    pub header: HashMap<String, String>,
    pub warnings: Vec<ParseWarning>,
}

impl Lineup {
    /// The guide URL the playlist advertises (`x-tvg-url` or `url-tvg`).
    pub fn guide_url(&self) -> Option<&str> {
        self.header
            .get("x-tvg-url")
            .or_else(|| self.header.get("url-tvg"))
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// Parses playlist bytes: UTF-8 (with or without BOM), else Latin-1.
pub fn parse_bytes(bytes: &[u8], source_name: &str) -> Result<Lineup, LineupError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, source_name),
        Err(_) => {
            // Latin-1 maps each byte to the code point of the same value.
            let text: String = bytes.iter().map(|&b| b as char).collect();
            let mut lineup = parse(&text, source_name)?;
            lineup.warnings.insert(
                0,
                ParseWarning {
                    line: 1,
                    message: "not UTF-8; read as ISO-8859-1".into(),
                },
            );
            Ok(lineup)
        }
    }
}

/// Parses playlist text. `source_name` (a path or URL) is used in errors.
pub fn parse(text: &str, source_name: &str) -> Result<Lineup, LineupError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lineup = Lineup::default();
    let mut pending: Option<Pending> = None;
    let mut saw_header = false;

    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("#EXTM3U") {
            if saw_header || !lineup.channels.is_empty() || pending.is_some() {
                lineup.warn(line_no, "repeated #EXTM3U header; attributes merged");
            }
            saw_header = true;
            let (attrs, _) = split_attributes(rest);
            lineup.header.extend(attrs);
        } else if let Some(rest) = line.strip_prefix("#EXTINF:") {
            if let Some(p) = pending.take() {
                lineup.warn(p.line, "#EXTINF without a URL; entry skipped");
            }
            pending = Some(Pending::from_extinf(rest, line_no, &mut lineup));
        } else if let Some(rest) = line.strip_prefix("#EXTGRP:") {
            match pending.as_mut() {
                Some(p) => p.groups.extend(split_groups(rest)),
                None => lineup.warn(line_no, "#EXTGRP outside an entry; ignored"),
            }
        } else if line.starts_with('#') {
            // Other directives (#EXTVLCOPT, #KODIPROP, comments) are not used yet.
        } else {
            let p = pending.take().unwrap_or_else(|| Pending::bare(line_no));
            if let Some(ch) = p.finish(line, &mut lineup) {
                lineup.channels.push(ch);
            }
        }
    }
    if let Some(p) = pending {
        lineup.warn(
            p.line,
            "#EXTINF at end of file without a URL; entry skipped",
        );
    }
    if !saw_header && lineup.channels.is_empty() {
        return Err(LineupError::NotM3u {
            source_name: source_name.to_string(),
        });
    }
    if !saw_header {
        lineup.warn(1, "missing #EXTM3U header");
    }
    number_channels(&mut lineup);
    Ok(lineup)
}

impl Lineup {
    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(ParseWarning {
            line,
            message: message.into(),
        });
    }
}

/// An `#EXTINF` waiting for its URL line.
struct Pending {
    line: usize,
    name: String,
    attrs: HashMap<String, String>,
    groups: Vec<String>,
}

impl Pending {
    fn bare(line: usize) -> Self {
        Pending {
            line,
            name: String::new(),
            attrs: HashMap::new(),
            groups: Vec::new(),
        }
    }

    fn from_extinf(rest: &str, line: usize, lineup: &mut Lineup) -> Self {
        let (attrs, name) = split_attributes(rest);
        let name = match name {
            Some(n) => n.trim().to_string(),
            None => {
                lineup.warn(line, "#EXTINF has no ',<name>'");
                String::new()
            }
        };
        let groups = attrs
            .get("group-title")
            .map(|g| split_groups(g))
            .unwrap_or_default();
        Pending {
            line,
            name,
            attrs,
            groups,
        }
    }

    fn finish(self, url_line: &str, lineup: &mut Lineup) -> Option<Channel> {
        let url = url_line.trim().to_string();
        if !url.contains("://") && !url.starts_with('/') {
            lineup.warn(
                self.line,
                format!("'{url}' is not a stream URL; entry skipped"),
            );
            return None;
        }
        let non_empty = |k: &str| self.attrs.get(k).filter(|v| !v.is_empty()).cloned();
        let guide_id = non_empty("tvg-id");
        let name = if self.name.is_empty() {
            non_empty("tvg-name").unwrap_or_else(|| url.clone())
        } else {
            self.name
        };
        let number = match non_empty("tvg-chno").map(|n| n.parse::<u32>()) {
            Some(Ok(n)) if n > 0 => n,
            Some(_) => {
                lineup.warn(
                    self.line,
                    "tvg-chno is not a positive number; numbered by order",
                );
                0
            }
            None => 0,
        };
        let fallback_urls = non_empty("x-fallback-url")
            .map(|v| {
                v.split(' ')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        Some(Channel {
            key: ChannelKey(guide_id.clone().unwrap_or_else(|| name.clone())),
            number,
            name,
            guide_id,
            logo: non_empty("tvg-logo"),
            groups: self.groups,
            url,
            fallback_urls,
            line: self.line,
        })
    }
}

/// Gives every channel without a valid `tvg-chno` the next free number in
/// playlist order, and moves explicit duplicates after the highest number.
fn number_channels(lineup: &mut Lineup) {
    let mut used = std::collections::HashSet::new();
    let mut next = 1;
    let mut dups = Vec::new();
    for (i, ch) in lineup.channels.iter().enumerate() {
        if ch.number != 0 && !used.insert(ch.number) {
            dups.push(i);
        }
    }
    for i in dups {
        let line = lineup.channels[i].line;
        let n = lineup.channels[i].number;
        lineup.warn(line, format!("channel number {n} used twice; renumbered"));
        lineup.channels[i].number = 0;
    }
    for ch in lineup.channels.iter_mut().filter(|c| c.number == 0) {
        while used.contains(&next) {
            next += 1;
        }
        ch.number = next;
        used.insert(next);
    }
}

fn split_groups(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(String::from)
        .collect()
}

/// Splits `-1 key="v, x" key2=v2,Name` into the attributes and the name after
/// the first comma that is outside quotes.
fn split_attributes(s: &str) -> (HashMap<String, String>, Option<String>) {
    let mut attrs = HashMap::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        match chars[i] {
            ',' => {
                let name: String = chars[i + 1..].iter().collect();
                return (attrs, Some(name));
            }
            c if c.is_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < n && chars[i] != '=' && chars[i] != ',' && !chars[i].is_whitespace() {
                    i += 1;
                }
                let key: String = chars[start..i]
                    .iter()
                    .collect::<String>()
                    .to_ascii_lowercase();
                if i < n && chars[i] == '=' {
                    i += 1;
                    let value = if i < n && (chars[i] == '"' || chars[i] == '\'') {
                        let quote = chars[i];
                        i += 1;
                        let vstart = i;
                        while i < n && chars[i] != quote {
                            i += 1;
                        }
                        let v: String = chars[vstart..i].iter().collect();
                        i = (i + 1).min(n);
                        v
                    } else {
                        let vstart = i;
                        while i < n && chars[i] != ',' && !chars[i].is_whitespace() {
                            i += 1;
                        }
                        chars[vstart..i].iter().collect()
                    };
                    attrs.insert(key, value);
                }
                // A bare token (the duration, e.g. `-1`) carries no attribute.
            }
        }
    }
    (attrs, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Lineup {
        parse(text, "test.m3u").expect("parses")
    }

    #[test]
    fn extinf_attributes_and_name_are_read() {
        let l = ok(
            "#EXTM3U x-tvg-url=\"http://g/guide.xml\"\n#EXTINF:-1 tvg-id=\"a.1\" tvg-chno=\"7\" tvg-logo=\"http://l/a.png\" group-title=\"News;Local\",Alpha TV\nudp://@239.0.0.1:5000\n",
        );
        assert_eq!(l.guide_url(), Some("http://g/guide.xml"));
        let c = &l.channels[0];
        assert_eq!(
            (c.name.as_str(), c.number, c.url.as_str()),
            ("Alpha TV", 7, "udp://@239.0.0.1:5000")
        );
        assert_eq!(c.guide_id.as_deref(), Some("a.1"));
        assert_eq!(c.groups, vec!["News", "Local"]);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn commas_inside_quotes_do_not_end_the_attributes() {
        let l = ok(
            "#EXTM3U\n#EXTINF:-1 tvg-name=\"A, B\" group-title=x,Name, with comma\nhttp://h/s.m3u8\n",
        );
        assert_eq!(l.channels[0].name, "Name, with comma");
        assert_eq!(l.channels[0].groups, vec!["x"]);
    }

    #[test]
    fn bom_crlf_and_missing_header_are_tolerated() {
        let l = ok("\u{feff}#EXTINF:-1,One\r\nhttp://h/1.ts\r\n");
        assert_eq!(l.channels.len(), 1);
        assert_eq!(l.channels[0].name, "One");
        assert_eq!(l.warnings[0].message, "missing #EXTM3U header");
    }

    #[test]
    fn a_bad_entry_keeps_its_good_neighbours_and_warns_with_its_line() {
        let l = ok(
            "#EXTM3U\n#EXTINF:-1,Good 1\nhttp://h/1\n#EXTINF:-1,Broken\nnot a url\n#EXTINF:-1,Good 2\nhttp://h/2\n",
        );
        let names: Vec<_> = l.channels.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Good 1", "Good 2"]);
        assert_eq!(l.warnings.len(), 1);
        assert_eq!(l.warnings[0].line, 4);
    }

    #[test]
    fn numbers_follow_order_and_skip_explicit_ones() {
        let l = ok(
            "#EXTM3U\n#EXTINF:-1 tvg-chno=2,B\nhttp://h/b\n#EXTINF:-1,A\nhttp://h/a\n#EXTINF:-1,C\nhttp://h/c\n#EXTINF:-1 tvg-chno=2,D\nhttp://h/d\n",
        );
        let nums: Vec<_> = l
            .channels
            .iter()
            .map(|c| (c.name.as_str(), c.number))
            .collect();
        assert_eq!(nums, [("B", 2), ("A", 1), ("C", 3), ("D", 4)]);
        assert!(l.warnings.iter().any(|w| w.line == 8));
    }

    #[test]
    fn text_that_is_not_a_playlist_is_an_error_naming_the_file() {
        let err = parse("<html>hello</html>\n", "http://x/lineup.m3u").unwrap_err();
        assert!(err.to_string().contains("http://x/lineup.m3u"));
    }

    #[test]
    fn latin1_bytes_are_decoded() {
        let l = parse_bytes(b"#EXTM3U\n#EXTINF:-1,T\xe9l\xe9\nhttp://h/t\n", "t.m3u").unwrap();
        assert_eq!(l.channels[0].name, "Télé");
    }

    #[test]
    fn fallback_urls_are_listed_after_the_primary() {
        let l = ok(
            "#EXTM3U\n#EXTINF:-1 x-fallback-url=\"http://h/a.m3u8 http://h/b.m3u8\",A\nudp://@239.1.1.1:5000\n",
        );
        let urls: Vec<_> = l.channels[0].urls().collect();
        assert_eq!(
            urls,
            [
                "udp://@239.1.1.1:5000",
                "http://h/a.m3u8",
                "http://h/b.m3u8"
            ]
        );
    }

    #[test]
    fn the_shared_legislative_playlist_reads_every_entry() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/testdata/m3u-peer/legislative.m3u"
        );
        let Ok(bytes) = std::fs::read(path) else {
            panic!("{path} missing: the shared test data must sit beside the project");
        };
        let text = String::from_utf8_lossy(&bytes);
        let urls = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        let l = parse_bytes(&bytes, path).unwrap();
        assert_eq!(l.channels.len(), urls);
        assert!(l.channels.iter().all(|c| c.guide_id.as_deref() != Some("")));
    }
}
