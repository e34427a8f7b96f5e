//! Tolerant M3U reader for the playlist grammar Kodi's IPTV Simple client
//! accepts.
//!
//! Owns line handling: decoding (UTF-8 with or without BOM, else Latin-1),
//! CRLF, a missing `#EXTM3U`, which directive a line is, and the `#EXTM3U`
//! header. What an entry's attributes mean is in `entry`; numbering and key
//! uniqueness in `numbering`. Anything odd becomes a [`ParseWarning`] with its
//! line number; a bad line never costs a good neighbour its entry.

use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};

use super::attrs::split_attributes;
use super::entry::{Context, Defaults, Pending, split_groups};
use super::numbering::{number_channels, unique_keys};
use super::reading::{ParseOptions, ParseWarning};
use super::{Channel, LineupError};

/// Warnings kept per playlist; past this a summary says how many were left
/// out, so a hostile file cannot make a huge report.
const MAX_WARNINGS: usize = 1000;

/// Header attributes that name XMLTV guide URLs.
pub(super) const GUIDE_URL_KEYS: [&str; 2] = ["x-tvg-url", "url-tvg"];

/// A parsed playlist: its channels, header attributes and warnings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lineup {
    pub channels: Vec<Channel>,
    /// Video-on-demand entries (see [`Channel::media`]): for the archive,
    /// neither numbered nor zapped through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<Channel>,
    /// Attributes of the `#EXTM3U` header line (e.g. `x-tvg-url`), keys
    /// lower-cased.
    #[serde(serialize_with = "sorted")]
    pub header: HashMap<String, String>,
    pub warnings: Vec<ParseWarning>,
    /// The playlist's path or URL (several, comma-separated, after [`merge`](super::merge)).
    pub source: String,
}

impl Lineup {
    /// The first guide URL the playlist advertises (`x-tvg-url` or `url-tvg`).
    pub fn guide_url(&self) -> Option<&str> {
        self.guide_urls().into_iter().next()
    }

    /// Every guide URL the playlist advertises: `x-tvg-url` then `url-tvg`,
    /// each possibly a comma-separated list, without repeats.
    pub fn guide_urls(&self) -> Vec<&str> {
        let mut urls: Vec<&str> = Vec::new();
        for key in GUIDE_URL_KEYS {
            let values = self.header.get(key).map(String::as_str).unwrap_or("");
            for url in values.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                if !urls.contains(&url) {
                    urls.push(url);
                }
            }
        }
        urls
    }
}

fn sorted<S: Serializer>(map: &HashMap<String, String>, s: S) -> Result<S::Ok, S::Error> {
    map.iter().collect::<BTreeMap<_, _>>().serialize(s)
}

/// Parses playlist bytes with default options: UTF-8 (with or without BOM),
/// else Latin-1.
pub fn parse_bytes(bytes: &[u8], source_name: &str) -> Result<Lineup, LineupError> {
    parse_bytes_with(bytes, source_name, &ParseOptions::default())
}

/// Parses playlist bytes: UTF-8 (with or without BOM); a line that is not
/// UTF-8 is read as Latin-1 (one warning names how many and the first).
pub fn parse_bytes_with(
    bytes: &[u8],
    source_name: &str,
    options: &ParseOptions,
) -> Result<Lineup, LineupError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return parse_with(text, source_name, options);
    }
    let mut text = String::with_capacity(bytes.len());
    let mut latin1_lines = Vec::new();
    for (idx, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if idx > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(s) => text.push_str(s),
            Err(_) => {
                // Latin-1 maps each byte to the code point of the same value.
                text.extend(line.iter().map(|&b| b as char));
                latin1_lines.push(idx + 1);
            }
        }
    }
    let mut lineup = parse_with(&text, source_name, options)?;
    if let Some(&first) = latin1_lines.first() {
        let message = match latin1_lines.len() {
            1 => "not UTF-8; read as ISO-8859-1".to_string(),
            n => format!("{n} lines are not UTF-8 (this is the first); read as ISO-8859-1"),
        };
        let at = lineup.warnings.partition_point(|w| w.line < first);
        lineup
            .warnings
            .insert(at, ParseWarning::new(first, message));
    }
    Ok(lineup)
}

/// Parses playlist text with default options. `source_name` (a path or URL)
/// is used in errors and stored on each channel.
pub fn parse(text: &str, source_name: &str) -> Result<Lineup, LineupError> {
    parse_with(text, source_name, &ParseOptions::default())
}

/// Parses playlist text. `source_name` (a path or URL) is used in errors and
/// stored on each channel.
pub fn parse_with(
    text: &str,
    source_name: &str,
    options: &ParseOptions,
) -> Result<Lineup, LineupError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Classic Mac OS line ends (CR alone) would make the file one line.
    let cr_only;
    let text = if text.contains('\r') && !text.contains('\n') {
        cr_only = text.replace('\r', "\n");
        cr_only.as_str()
    } else {
        text
    };
    let mut lineup = Lineup {
        source: source_name.to_string(),
        ..Lineup::default()
    };
    let mut warnings = Vec::new();
    let mut defaults = Defaults::default();
    let mut pending = Pending::default();
    let mut sticky_groups: Vec<String> = Vec::new();
    let mut saw_header = false;

    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = directive(line, "#EXTM3U") {
            if saw_header || !lineup.channels.is_empty() || !pending.is_empty() {
                warnings.push(ParseWarning::new(
                    line_no,
                    "repeated #EXTM3U header; attributes merged",
                ));
            }
            saw_header = true;
            let attrs = split_attributes(rest);
            for note in &attrs.notes {
                warnings.push(ParseWarning::new(line_no, note.clone()));
            }
            defaults.update(&attrs, line_no, &mut warnings);
            lineup.header.extend(attrs.map);
        } else if let Some(rest) = directive(line, "#EXTINF") {
            // `#EXTINF -1,Name` (no colon) is a common slip; read it anyway.
            let rest = rest.strip_prefix(':').unwrap_or(rest);
            if let Some(prev) = pending.extinf_line() {
                warnings.push(ParseWarning::new(
                    prev,
                    "#EXTINF without a URL; entry skipped",
                ));
                pending = Pending::default();
            }
            pending.set_extinf(rest, line_no, &mut warnings);
        } else if let Some(rest) = directive(line, "#EXTGRP:") {
            if pending.extinf_line().is_some() {
                pending.add_groups(split_groups(rest));
            } else {
                // Before an entry, Kodi treats #EXTGRP as a begin directive
                // for the entries that follow; an empty one ends it. Unlike
                // Kodi, an entry with its own groups does not also take these
                // (Kodi's list leaks between entries there).
                sticky_groups = split_groups(rest);
            }
        } else if let Some(rest) = directive(line, "#KODIPROP:") {
            pending.add_kodiprop(rest, line_no, &mut warnings);
        } else if let Some(rest) =
            directive(line, "#EXTVLCOPT:").or_else(|| directive(line, "#EXTVLCOPT--"))
        {
            pending.add_vlcopt(rest, line_no, &mut warnings);
        } else if let Some(rest) = directive(line, "#EXT-X-PLAYLIST-TYPE:") {
            if rest.trim().eq_ignore_ascii_case("VOD") {
                pending.set_vod();
            }
        } else if line.starts_with('#') {
            // Comments and directives we do not use (#EXT-X-*, #PLAYLIST).
        } else {
            let ctx = Context {
                defaults: &defaults,
                options,
                sticky_groups: &sticky_groups,
                source: source_name,
            };
            let entry = std::mem::take(&mut pending);
            if let Some(ch) = entry.finish(line, line_no, &ctx, &mut warnings) {
                lineup.channels.push(ch);
            }
        }
    }
    if let Some(line) = pending.extinf_line() {
        warnings.push(ParseWarning::new(
            line,
            "#EXTINF at end of file without a URL; entry skipped",
        ));
    }
    if !saw_header && lineup.channels.is_empty() {
        return Err(LineupError::NotM3u {
            source_name: source_name.to_string(),
        });
    }
    if !saw_header {
        warnings.insert(0, ParseWarning::new(1, "missing #EXTM3U header"));
    }
    let (media, channels) = std::mem::take(&mut lineup.channels)
        .into_iter()
        .partition(|c| c.media);
    lineup.channels = channels;
    lineup.media = media;
    number_channels(&mut lineup.channels, options.start_number, &mut warnings);
    unique_keys(&mut lineup.channels, &mut warnings, |c| {
        format!("the channel on line {}", c.line)
    });
    warnings.sort_by_key(|w| w.line);
    if warnings.len() > MAX_WARNINGS {
        let left_out = warnings.split_off(MAX_WARNINGS - 1);
        warnings.push(ParseWarning::new(
            left_out[0].line,
            format!("{} more warnings from here on not listed", left_out.len()),
        ));
    }
    lineup.warnings = warnings;
    Ok(lineup)
}

/// The text after `prefix` when `line` starts with it, ignoring ASCII case.
fn directive<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &line[prefix.len()..])
}

#[cfg(test)]
#[path = "m3u_tests.rs"]
mod tests;
