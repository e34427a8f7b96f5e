//! Several playlists combined into one lineup.
//!
//! Keeps playlist order and each channel's `source`. Number clashes move the
//! later channel after the highest number in use; key clashes get a `#n`
//! suffix. Each playlist's warnings are kept, prefixed with its source.

use std::collections::HashSet;

use super::m3u::{GUIDE_URL_KEYS, Lineup};
use super::numbering::unique_keys;
use super::reading::ParseWarning;

/// Combines lineups in order, resolving number and key clashes with warnings.
pub fn merge(lineups: Vec<Lineup>) -> Lineup {
    let mut out = Lineup::default();
    let mut sources = Vec::new();
    let mut guide_urls: Vec<String> = Vec::new();
    for l in lineups {
        for w in &l.warnings {
            out.warnings.push(ParseWarning::new(
                w.line,
                format!("{}: {}", l.source, w.message),
            ));
        }
        for url in l.guide_urls() {
            if !guide_urls.iter().any(|u| u == url) {
                guide_urls.push(url.to_string());
            }
        }
        for (k, v) in l.header {
            if !GUIDE_URL_KEYS.contains(&k.as_str()) {
                out.header.entry(k).or_insert(v);
            }
        }
        if !sources.contains(&l.source) {
            sources.push(l.source);
        }
        out.channels.extend(l.channels);
        out.media.extend(l.media);
    }
    if !guide_urls.is_empty() {
        out.header.insert("x-tvg-url".into(), guide_urls.join(","));
    }
    out.source = sources.join(", ");

    let mut used = HashSet::new();
    let mut highest = out.channels.iter().map(|c| c.number).max().unwrap_or(0);
    for i in 0..out.channels.len() {
        let n = out.channels[i].number;
        if used.insert(n) {
            continue;
        }
        let owner = out.channels[..i]
            .iter()
            .find(|c| c.number == n)
            .map(|c| format!("'{}' from {}", c.name, c.source))
            .unwrap_or_default();
        highest = highest.saturating_add(1);
        let ch = &mut out.channels[i];
        out.warnings.push(ParseWarning::new(
            ch.line,
            format!(
                "{}: channel number {n} already belongs to {owner}; '{}' renumbered to {highest}",
                ch.source, ch.name
            ),
        ));
        ch.number = highest;
        ch.sub_number = None;
        used.insert(highest);
    }

    let mut key_warnings = Vec::new();
    unique_keys(&mut out.channels, &mut key_warnings, |c| {
        format!("'{}' from {} line {}", c.name, c.source, c.line)
    });
    out.warnings.extend(key_warnings);
    out
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn lineup(text: &str, source: &str) -> Lineup {
        parse(text, source).expect("parses")
    }

    #[test]
    fn merge_keeps_order_sources_and_resolves_number_and_key_clashes() {
        let a = lineup(
            "#EXTM3U x-tvg-url=\"http://g/a.xml\"\n#EXTINF:-1 tvg-id=one,One\nhttp://a/1\n#EXTINF:-1 tvg-chno=5 tvg-id=five,Five\nhttp://a/5\n",
            "a.m3u",
        );
        let b = lineup(
            "#EXTM3U url-tvg=\"http://g/b.xml,http://g/a.xml\"\n#EXTINF:-1 tvg-id=one,One again\nhttp://b/1\n#EXTINF:-1 tvg-chno=9,Nine\nhttp://b/9\n",
            "b.m3u",
        );
        let m = merge(vec![a, b]);
        let got: Vec<_> = m
            .channels
            .iter()
            .map(|c| (c.key.0.as_str(), c.number, c.source.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("one", 1, "a.m3u"),
                ("five", 5, "a.m3u"),
                ("one#2", 10, "b.m3u"),
                ("Nine", 9, "b.m3u"),
            ]
        );
        assert_eq!(m.guide_urls(), ["http://g/a.xml", "http://g/b.xml"]);
        assert_eq!(m.source, "a.m3u, b.m3u");
        assert_eq!(m.warnings.len(), 2, "{:?}", m.warnings);
        assert!(m.warnings[0].message.contains("renumbered to 10"));
        assert!(m.warnings[1].message.contains("'one#2'"));
    }

    #[test]
    fn merge_prefixes_each_playlists_warnings_with_its_source() {
        let a = lineup("#EXTINF:-1,A\nhttp://a/1\n", "a.m3u");
        let m = merge(vec![a]);
        assert_eq!(m.warnings[0].message, "a.m3u: missing #EXTM3U header");
    }

    #[test]
    fn merging_nothing_gives_an_empty_lineup() {
        let m = merge(Vec::new());
        assert!(m.channels.is_empty() && m.warnings.is_empty());
    }
}
