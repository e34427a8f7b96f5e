//! Channel numbers and keys made unique, deterministically.
//!
//! Within one playlist: explicit `tvg-chno` numbers are kept (the first
//! holder of a number keeps it), the rest get the next free number from the
//! start number in playlist order. Keys that clash get `#2`, `#3`, ...
//! Every change is a warning on the channel's line.

use std::collections::{HashMap, HashSet};

use super::channel::{Channel, ChannelKey};
use super::reading::ParseWarning;

/// Numbers a freshly parsed playlist. `number == 0` marks "by order".
pub(super) fn number_channels(
    channels: &mut [Channel],
    start: u32,
    warnings: &mut Vec<ParseWarning>,
) {
    let start = start.max(1);
    let mut used = HashSet::new();
    for ch in channels.iter_mut() {
        if ch.number != 0 && !used.insert(ch.number) {
            warnings.push(ParseWarning::new(
                ch.line,
                format!("channel number {} used twice; renumbered", ch.number),
            ));
            ch.number = 0;
            ch.sub_number = None;
        }
    }
    let mut next = start;
    for ch in channels.iter_mut().filter(|c| c.number == 0) {
        while used.contains(&next) {
            next = next.saturating_add(1);
        }
        ch.number = next;
        used.insert(next);
    }
}

/// Gives later holders of a clashing key `<key>#2`, `<key>#3`, ... avoiding
/// every key already in the list. `describe` names a channel in warnings.
pub(super) fn unique_keys(
    channels: &mut [Channel],
    warnings: &mut Vec<ParseWarning>,
    describe: impl Fn(&Channel) -> String,
) {
    let mut taken: HashSet<String> = channels.iter().map(|c| c.key.0.clone()).collect();
    let mut first: HashMap<String, String> = HashMap::new();
    for ch in channels.iter_mut() {
        let key = ch.key.0.clone();
        match first.get(&key) {
            None => {
                first.insert(key, describe(ch));
            }
            Some(owner) => {
                let mut n = 2u64;
                let fresh = loop {
                    let candidate = format!("{key}#{n}");
                    if !taken.contains(&candidate) {
                        break candidate;
                    }
                    n += 1;
                };
                warnings.push(ParseWarning::new(
                    ch.line,
                    format!("key '{key}' already belongs to {owner}; this channel is '{fresh}'"),
                ));
                taken.insert(fresh.clone());
                ch.key = ChannelKey(fresh);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ParseOptions;
    use super::super::parse_with;

    fn numbers(text: &str, start: u32) -> Vec<u32> {
        let opts = ParseOptions {
            start_number: start,
            ..ParseOptions::default()
        };
        let l = parse_with(text, "t.m3u", &opts).expect("parses");
        l.channels.iter().map(|c| c.number).collect()
    }

    #[test]
    fn numbering_by_order_starts_at_the_start_number_and_skips_explicit_ones() {
        let e = |chno: &str| format!("#EXTINF:-1 tvg-chno=\"{chno}\",X\nhttp://h/{chno}\n");
        let plain = "#EXTINF:-1,X\nhttp://h/p\n";
        let cases: Vec<(String, u32, Vec<u32>)> = vec![
            (format!("#EXTM3U\n{plain}{plain}{plain}"), 1, vec![1, 2, 3]),
            (
                format!("#EXTM3U\n{plain}{plain}{plain}"),
                100,
                vec![100, 101, 102],
            ),
            (format!("#EXTM3U\n{plain}{plain}{plain}"), 0, vec![1, 2, 3]),
            (
                format!("#EXTM3U\n{}{plain}{plain}", e("101")),
                100,
                vec![101, 100, 102],
            ),
            (
                format!("#EXTM3U\n{}{}{plain}", e("5"), e("5")),
                1,
                vec![5, 1, 2],
            ),
            (format!("#EXTM3U\n{}{}", e("abc"), e("-3")), 1, vec![1, 2]),
            (format!("#EXTM3U\n{}{}", e("5.1"), e("5.2")), 1, vec![5, 1]),
        ];
        for (text, start, want) in cases {
            assert_eq!(numbers(&text, start), want, "{text}");
        }
    }

    #[test]
    fn clashing_keys_get_deterministic_suffixes_that_avoid_existing_keys() {
        let text = "#EXTM3U\n#EXTINF:-1 tvg-id=a,A\nhttp://h/1\n#EXTINF:-1 tvg-id=a,A\nhttp://h/2\n#EXTINF:-1 tvg-id=a#2,B\nhttp://h/3\n#EXTINF:-1 tvg-id=a,A\nhttp://h/4\n";
        let l = super::super::parse(text, "t.m3u").expect("parses");
        let keys: Vec<_> = l.channels.iter().map(|c| c.key.0.as_str()).collect();
        assert_eq!(keys, ["a", "a#3", "a#2", "a#4"]);
        let lines: Vec<_> = l.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [4, 8]);
    }
}
