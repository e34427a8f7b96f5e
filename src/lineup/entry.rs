//! One playlist entry in the making: the `#EXTINF`, `#EXTGRP`, `#KODIPROP` and
//! `#EXTVLCOPT` lines seen since the last URL, turned into a [`Channel`] when
//! the URL arrives.
//!
//! Owns what each attribute means and how the `#EXTM3U` header's defaults are
//! inherited. Line handling and numbering live in `m3u` and `numbering`.

use std::collections::BTreeMap;

use super::attrs::{Attributes, split_attributes};
use super::catchup::{Catchup, CatchupMode, hours_to_secs, parse_days};
use super::channel::{Channel, ChannelKey, Provider};
use super::headers::{VlcOption, split_url_headers, vlc_option};
use super::multicast::Multicast;
use super::reading::{ParseOptions, ParseWarning, clip};

/// Lineup-wide defaults from the `#EXTM3U` header that entries inherit unless
/// they say otherwise.
#[derive(Debug, Default)]
pub(super) struct Defaults {
    guide_shift_secs: Option<i32>,
    catchup_mode: Option<CatchupMode>,
    catchup_source: Option<String>,
    catchup_days: Option<u32>,
    catchup_correction_secs: Option<i32>,
}

impl Defaults {
    /// Reads the defaults from header attributes; a later header line only
    /// overrides the values it gives.
    pub fn update(&mut self, a: &Attributes, line: usize, warnings: &mut Vec<ParseWarning>) {
        if let Some(v) = hours(a, "tvg-shift", line, warnings) {
            self.guide_shift_secs = Some(v);
        }
        if let Some(v) = mode(a, line, warnings) {
            self.catchup_mode = Some(v);
        }
        if let Some(v) = a.get("catchup-source") {
            self.catchup_source = Some(v.to_string());
        }
        if let Some(v) = days(a, "catchup-days", line, warnings) {
            self.catchup_days = Some(v);
        }
        if let Some(v) = hours(a, "catchup-correction", line, warnings) {
            self.catchup_correction_secs = Some(v);
        }
    }
}

/// What a finished entry needs from the playlist around it.
pub(super) struct Context<'a> {
    pub defaults: &'a Defaults,
    pub options: &'a ParseOptions,
    /// Groups of the last `#EXTGRP` seen outside an entry (Kodi treats such a
    /// line as a begin directive for the entries after it).
    pub sticky_groups: &'a [String],
    pub source: &'a str,
}

/// Directives collected since the last URL line.
#[derive(Debug, Default)]
pub(super) struct Pending {
    extinf: Option<(usize, Attributes)>,
    extgrp: Vec<String>,
    headers: Vec<(String, String)>,
    props: BTreeMap<String, String>,
    vlc_options: BTreeMap<String, String>,
    /// `#EXT-X-PLAYLIST-TYPE:VOD` inside the entry.
    vod: bool,
}

impl Pending {
    /// Marks the entry as video on demand (`#EXT-X-PLAYLIST-TYPE:VOD`).
    pub fn set_vod(&mut self) {
        self.vod = true;
    }

    /// The line of this entry's `#EXTINF`, if it has one yet.
    pub fn extinf_line(&self) -> Option<usize> {
        self.extinf.as_ref().map(|(line, _)| *line)
    }

    /// Whether any directive is waiting for a URL.
    pub fn is_empty(&self) -> bool {
        self.extinf.is_none()
            && self.extgrp.is_empty()
            && self.headers.is_empty()
            && self.props.is_empty()
            && self.vlc_options.is_empty()
    }

    /// Takes the text after `#EXTINF:`.
    pub fn set_extinf(&mut self, rest: &str, line: usize, warnings: &mut Vec<ParseWarning>) {
        let a = split_attributes(rest);
        for note in &a.notes {
            warnings.push(ParseWarning::new(line, note.clone()));
        }
        if a.name.is_none() {
            warnings.push(ParseWarning::new(line, "#EXTINF has no ',<name>'"));
        }
        self.extinf = Some((line, a));
    }

    /// Adds the groups of an `#EXTGRP` inside this entry.
    pub fn add_groups(&mut self, groups: Vec<String>) {
        self.extgrp.extend(groups);
    }

    /// Takes the text after `#KODIPROP:` (`key=value`).
    pub fn add_kodiprop(&mut self, rest: &str, line: usize, warnings: &mut Vec<ParseWarning>) {
        let Some((key, value)) = rest.split_once('=') else {
            warnings.push(ParseWarning::new(
                line,
                format!("#KODIPROP '{}' is not key=value; ignored", clip(rest)),
            ));
            return;
        };
        let mut key = key.trim().to_ascii_lowercase();
        // Kodi renamed these; store them under the current name.
        if key == "inputstreamaddon" || key == "inputstreamclass" {
            key = "inputstream".into();
        }
        self.props.insert(key, value.trim().to_string());
    }

    /// Takes the text after `#EXTVLCOPT:` or `#EXTVLCOPT--` (`key=value`).
    pub fn add_vlcopt(&mut self, rest: &str, line: usize, warnings: &mut Vec<ParseWarning>) {
        let Some((key, value)) = rest.split_once('=') else {
            warnings.push(ParseWarning::new(
                line,
                format!("#EXTVLCOPT '{}' is not key=value; ignored", clip(rest)),
            ));
            return;
        };
        match vlc_option(key.trim().trim_start_matches([':', '-']), value) {
            VlcOption::Header(name, value) => self.headers.push((name, value)),
            VlcOption::Other(key, value) => {
                self.vlc_options.insert(key, value);
            }
        }
    }

    /// Builds the channel for `url_line`, or warns and returns `None` when the
    /// line is not a stream location.
    pub fn finish(
        self,
        url_line: &str,
        url_line_no: usize,
        ctx: &Context<'_>,
        warnings: &mut Vec<ParseWarning>,
    ) -> Option<Channel> {
        let (line, attrs) = match self.extinf {
            Some((line, a)) => (line, a),
            None => (url_line_no, Attributes::default()),
        };
        let (url, url_headers, notes) = split_url_headers(url_line);
        for note in notes {
            warnings.push(ParseWarning::new(url_line_no, note));
        }
        if !is_stream_location(&url) {
            warnings.push(ParseWarning::new(
                line,
                format!("'{}' is not a stream URL; entry skipped", clip(&url)),
            ));
            return None;
        }
        let a = &attrs;
        let guide_id = a.get("tvg-id").map(String::from);
        let guide_name = a.get("tvg-name").map(String::from);
        let name = match a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => guide_name.clone().unwrap_or_else(|| url.clone()),
        };
        let (number, sub_number) = channel_number(a, line, warnings);

        let mut groups = Vec::new();
        let own = a.get("group-title").map(split_groups).unwrap_or_default();
        let inherit = own.is_empty() && self.extgrp.is_empty();
        for g in own.into_iter().chain(self.extgrp) {
            push_unique(&mut groups, g);
        }
        if inherit {
            for g in ctx.sticky_groups {
                push_unique(&mut groups, g.clone());
            }
        }

        let mut http_headers: BTreeMap<String, String> = self.headers.into_iter().collect();
        // The URL's own suffix wins over #EXTVLCOPT, as in Kodi.
        http_headers.extend(url_headers);

        let udpxy = ctx.options.udpxy.as_deref().map(str::trim);
        let udpxy = udpxy.filter(|base| !base.is_empty());
        let (url, multicast_url) = match (udpxy, Multicast::parse(&url)) {
            (Some(base), Some(m)) => match m.udpxy_url(base) {
                Some(relay) => (relay, Some(url)),
                None => {
                    warnings.push(ParseWarning::new(
                        line,
                        "source-specific multicast cannot go through udpxy; kept as multicast",
                    ));
                    (url, None)
                }
            },
            _ => (url, None),
        };

        let fallback_urls = a
            .get("x-fallback-url")
            .map(|v| v.split_whitespace().map(String::from).collect())
            .unwrap_or_default();

        Some(Channel {
            key: ChannelKey(guide_id.clone().unwrap_or_else(|| name.clone())),
            number,
            sub_number,
            name,
            guide_id,
            guide_name,
            guide_shift_secs: hours(a, "tvg-shift", line, warnings)
                .or(ctx.defaults.guide_shift_secs)
                .unwrap_or(0),
            logo: a.get("tvg-logo").map(String::from),
            language: a.get("tvg-language").map(String::from),
            groups,
            radio: a
                .get("radio")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            media: self.vod
                || a.get("media")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
                || a.get("media-dir").is_some()
                || a.get("media-size").is_some(),
            url,
            multicast_url,
            fallback_urls,
            http_headers,
            props: self.props,
            vlc_options: self.vlc_options,
            catchup: catchup(a, ctx.defaults, line, warnings),
            provider: provider(a),
            source: ctx.source.to_string(),
            line,
        })
    }
}

/// `tvg-chno` (or `ch-number`): `7`, or `5.1` for a sub-channel. `0` means
/// "number by order" to the numbering pass.
fn channel_number(
    a: &Attributes,
    line: usize,
    warnings: &mut Vec<ParseWarning>,
) -> (u32, Option<u32>) {
    let Some(text) = a.first_of(&["tvg-chno", "ch-number"]) else {
        return (0, None);
    };
    let (major, minor) = match text.split_once('.') {
        Some((major, minor)) => (major, Some(minor)),
        None => (text, None),
    };
    let major = major.trim().parse::<u32>().ok().filter(|&n| n > 0);
    let minor = minor.map(|m| m.trim().parse::<u32>().ok());
    match (major, minor) {
        (Some(n), None) => (n, None),
        (Some(n), Some(Some(m))) => (n, Some(m)),
        _ => {
            warnings.push(ParseWarning::new(
                line,
                format!(
                    "tvg-chno '{}' is not a positive number; numbered by order",
                    clip(text)
                ),
            ));
            (0, None)
        }
    }
}

fn catchup(a: &Attributes, d: &Defaults, line: usize, warnings: &mut Vec<ParseWarning>) -> Catchup {
    // SIPTV's `timeshift="N"` (and `tvg-rec`) predate the catchup tags: days
    // of shift-style catch-up.
    let siptv_days = ["timeshift", "tvg-rec"]
        .iter()
        .find_map(|k| days(a, k, line, warnings));
    let mode = mode(a, line, warnings)
        .or(d.catchup_mode)
        .or(siptv_days.map(|_| CatchupMode::Shift));
    Catchup {
        mode,
        source: a
            .get("catchup-source")
            .map(String::from)
            .or_else(|| d.catchup_source.clone()),
        days: days(a, "catchup-days", line, warnings)
            .or(d.catchup_days)
            .or(siptv_days),
        correction_secs: hours(a, "catchup-correction", line, warnings)
            .or(d.catchup_correction_secs)
            .unwrap_or(0),
    }
}

fn provider(a: &Attributes) -> Option<Provider> {
    let list = |k: &str| -> Vec<String> {
        a.get(k)
            .map(|v| {
                v.split([',', ';'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let p = Provider {
        name: a.get("provider").map(String::from),
        kind: a.get("provider-type").map(str::to_ascii_lowercase),
        logo: a.get("provider-logo").map(String::from),
        countries: list("provider-countries"),
        languages: list("provider-languages"),
    };
    (p != Provider::default()).then_some(p)
}

/// `catchup` or its alias `catchup-type`; an unknown mode is a warning.
fn mode(a: &Attributes, line: usize, warnings: &mut Vec<ParseWarning>) -> Option<CatchupMode> {
    let text = a.first_of(&["catchup", "catchup-type"])?;
    let mode = CatchupMode::parse(text);
    if mode.is_none() {
        warnings.push(ParseWarning::new(
            line,
            format!("unknown catchup mode '{}'; ignored", clip(text)),
        ));
    }
    mode
}

fn hours(a: &Attributes, key: &str, line: usize, warnings: &mut Vec<ParseWarning>) -> Option<i32> {
    let text = a.get(key)?;
    let secs = hours_to_secs(text);
    if secs.is_none() {
        warnings.push(ParseWarning::new(
            line,
            format!("{key} '{}' is not a number of hours; ignored", clip(text)),
        ));
    }
    secs
}

fn days(a: &Attributes, key: &str, line: usize, warnings: &mut Vec<ParseWarning>) -> Option<u32> {
    let text = a.get(key)?;
    let days = parse_days(text);
    if days.is_none() {
        warnings.push(ParseWarning::new(
            line,
            format!(
                "{key} '{}' is not a positive number of days; ignored",
                clip(text)
            ),
        ));
    }
    days
}

/// Splits `News;Local` into groups.
pub(super) fn split_groups(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(String::from)
        .collect()
}

fn push_unique(groups: &mut Vec<String>, g: String) {
    if !groups.contains(&g) {
        groups.push(g);
    }
}

/// A URL with a scheme (`http://`, `udp://`, `file://`, ...) or a local path
/// (`/x`, `./x`, `C:\x`, `\\server\x`). Control characters rule a line out:
/// they mean binary data, not a location.
fn is_stream_location(s: &str) -> bool {
    if s.is_empty() || s.chars().any(char::is_control) {
        return false;
    }
    let has_scheme = s.split_once("://").is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let drive = s.as_bytes();
    let windows_drive = drive.len() > 2
        && drive[0].is_ascii_alphabetic()
        && drive[1] == b':'
        && matches!(drive[2], b'\\' | b'/');
    has_scheme
        || s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("\\\\")
        || windows_drive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_locations_are_urls_or_local_paths() {
        let cases = [
            ("http://h/a.m3u8", true),
            ("https://h/a.ts", true),
            ("udp://@239.0.0.1:5000", true),
            ("rtp://10.0.0.1@232.0.0.1:5000", true),
            ("rtmp://h/live", true),
            ("file:///media/a.ts", true),
            ("/media/tv/a.ts", true),
            ("./a.ts", true),
            ("C:\\Videos\\a.ts", true),
            ("\\\\nas\\tv\\a.ts", true),
            ("not a url", false),
            ("://nothing", false),
            ("1http://h", false),
            ("http://", false),
            ("http://h/\u{1}x", false),
            ("", false),
        ];
        for (s, want) in cases {
            assert_eq!(is_stream_location(s), want, "{s:?}");
        }
    }
}
