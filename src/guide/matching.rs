//! Which guide channel feeds which lineup channel.
//!
//! Passes, each only for channels still unmatched, first match wins:
//! 1. an explicit override, keyed by channel key or channel name, naming a
//!    guide channel id that exists in the guide;
//! 2. the guide channel whose `id` equals the channel's `tvg-id`;
//! 3. a `display-name` equal (ignoring case and outer spaces) to the
//!    channel's `tvg-name` (`Channel::guide_name`);
//! 4. a `display-name` equal, ignoring case, to the channel name.
//!
//! When several guide channels share a display name, the first in the guide wins.

use std::collections::HashMap;

use super::GuideChannel;
use crate::lineup::Channel;

/// One matching pass: the guide id it finds for a channel.
type Pass<'a> = dyn Fn(&Channel) -> Option<String> + 'a;

/// Maps `ChannelKey.0` of each matched lineup channel to a guide channel id.
pub fn match_channels(
    channels: &[Channel],
    guide_channels: &[GuideChannel],
    overrides: &HashMap<String, String>,
) -> HashMap<String, String> {
    let ids: HashMap<&str, &str> = guide_channels
        .iter()
        .map(|g| (g.id.as_str(), g.id.as_str()))
        .collect();
    let mut by_name: HashMap<String, &str> = HashMap::new();
    for g in guide_channels {
        for name in &g.display_names {
            by_name.entry(fold(name)).or_insert(g.id.as_str());
        }
    }
    let passes: [&Pass; 4] = [
        &|c| {
            overrides
                .get(&c.key.0)
                .or_else(|| overrides.get(&c.name))
                .filter(|id| ids.contains_key(id.as_str()))
                .cloned()
        },
        &|c| {
            c.guide_id
                .as_deref()
                .and_then(|id| ids.get(id))
                .map(|id| id.to_string())
        },
        &|c| {
            c.guide_name
                .as_deref()
                .and_then(|n| by_name.get(&fold(n)))
                .map(|id| id.to_string())
        },
        &|c| by_name.get(&fold(&c.name)).map(|id| id.to_string()),
    ];
    let mut matched = HashMap::new();
    for pass in passes {
        for c in channels {
            if matched.contains_key(&c.key.0) {
                continue;
            }
            if let Some(id) = pass(c) {
                matched.insert(c.key.0.clone(), id);
            }
        }
    }
    matched
}

fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineup::ChannelKey;

    fn channel(key: &str, name: &str, tvg_id: Option<&str>) -> Channel {
        Channel {
            key: ChannelKey(key.into()),
            number: 1,
            name: name.into(),
            guide_id: tvg_id.map(String::from),
            url: "http://x/".into(),
            line: 1,
            ..Default::default()
        }
    }

    #[test]
    fn tvg_name_matches_a_display_name_before_the_channel_name() {
        let mut c = channel("k", "BBC One HD", None);
        c.guide_name = Some("bbc one".into());
        let g = [
            guide("hd.bbc1", &["BBC One HD"]),
            guide("bbc1", &["BBC One"]),
        ];
        assert_eq!(match_channels(&[c], &g, &HashMap::new())["k"], "bbc1");
    }

    fn guide(id: &str, names: &[&str]) -> GuideChannel {
        GuideChannel {
            id: id.into(),
            display_names: names.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn passes_apply_in_order_override_id_then_name() {
        let guides = [
            guide("one.tv", &["One"]),
            guide("two.tv", &["Two", "Channel Two"]),
            guide("three.tv", &["Three"]),
            guide("dup.tv", &["One"]),
        ];
        let overrides: HashMap<String, String> = [
            ("k-over".to_string(), "three.tv".to_string()),
            ("By Name Override".to_string(), "two.tv".to_string()),
            ("k-missing".to_string(), "nowhere.tv".to_string()),
        ]
        .into();
        let cases = [
            (channel("k-over", "One", Some("one.tv")), Some("three.tv")),
            (channel("k-n", "By Name Override", None), Some("two.tv")),
            (channel("k-id", "Something", Some("two.tv")), Some("two.tv")),
            (channel("k-name", "  channel TWO ", None), Some("two.tv")),
            (
                channel("k-first", "one", Some("unknown.tv")),
                Some("one.tv"),
            ),
            (channel("k-missing", "Nobody", None), None),
            (channel("k-none", "Nobody", Some("ONE.TV")), None),
        ];
        let lineup: Vec<Channel> = cases.iter().map(|(c, _)| c.clone()).collect();
        let matched = match_channels(&lineup, &guides, &overrides);
        for (c, expected) in &cases {
            assert_eq!(
                matched.get(&c.key.0).map(String::as_str),
                *expected,
                "{}",
                c.key.0
            );
        }
    }
}
