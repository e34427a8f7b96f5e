//! Guide records and the now/next query.

use std::collections::HashMap;

use serde::Serialize;

use super::GuideWarning;

/// A `<channel>` of the guide.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GuideChannel {
    pub id: String,
    /// Every `<display-name>`, in document order.
    pub display_names: Vec<String>,
    /// `<icon src>`.
    pub icon: Option<String>,
    /// `<lcn>`: the logical channel number.
    pub lcn: Option<u32>,
}

/// Text with its `lang` attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LangText {
    pub text: String,
    pub lang: Option<String>,
}

/// One `<credits>` entry: role (`director`, `actor`, `presenter`, `guest`, ...) and name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Credit {
    pub role: String,
    pub name: String,
}

/// A `<programme>`; times are Unix seconds (UTC).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Programme {
    pub channel: String,
    pub start: i64,
    pub stop: Option<i64>,
    /// The first `<title>` (what the UI shows).
    pub title: String,
    /// Every `<title>` with its language.
    pub titles: Vec<LangText>,
    /// The first `<sub-title>`.
    pub sub_title: Option<String>,
    /// The first `<desc>`.
    pub description: Option<String>,
    /// Every `<desc>` with its language.
    pub descriptions: Vec<LangText>,
    pub categories: Vec<String>,
    /// `<episode-num>`: the `onscreen` form if present, else the first one as written.
    pub episode_num: Option<String>,
    /// `<rating><value>`, prefixed by its system when it has one ("BBFC: 12").
    pub rating: Option<String>,
    pub icon: Option<String>,
    pub credits: Vec<Credit>,
    /// `<subtitles>` present (any type).
    pub subtitles: bool,
    /// Audio description: `<audio-described/>` (tvheadend's flag) or `<audio><described>yes`.
    pub audio_described: bool,
    /// `<previously-shown>` present.
    pub previously_shown: bool,
    /// `<premiere>` present.
    pub premiere: bool,
    /// `<live>` present (not in the DTD; some providers send it).
    pub live: bool,
}

impl Programme {
    /// Whether the programme is on air at `now` (stop missing = until the next one).
    fn covers(&self, now: i64, next_start: Option<i64>) -> bool {
        let end = self.stop.or(next_start).unwrap_or(i64::MAX);
        self.start <= now && now < end
    }
}

/// A parsed guide with programmes indexed by channel and sorted by start.
#[derive(Debug, Clone, Default)]
pub struct Guide {
    pub channels: Vec<GuideChannel>,
    programmes: HashMap<String, Vec<Programme>>,
    /// Problems the reader stepped over, with byte offsets in the source.
    pub warnings: Vec<GuideWarning>,
}

impl Guide {
    pub(crate) fn new(
        channels: Vec<GuideChannel>,
        all: Vec<Programme>,
        warnings: Vec<GuideWarning>,
    ) -> Self {
        let mut programmes: HashMap<String, Vec<Programme>> = HashMap::new();
        for p in all {
            programmes.entry(p.channel.clone()).or_default().push(p);
        }
        for list in programmes.values_mut() {
            list.sort_by_key(|p| p.start);
        }
        Guide {
            channels,
            programmes,
            warnings,
        }
    }

    /// Number of programmes held.
    pub fn programme_count(&self) -> usize {
        self.programmes.values().map(Vec::len).sum()
    }

    /// The programmes of one channel, in start order.
    pub fn programmes(&self, channel_id: &str) -> &[Programme] {
        self.programmes
            .get(channel_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Programmes of a channel that overlap `[from, to)`.
    pub fn window(&self, channel_id: &str, from: i64, to: i64) -> Vec<&Programme> {
        let list = self.programmes(channel_id);
        list.iter()
            .enumerate()
            .filter(|(i, p)| {
                let end = p
                    .stop
                    .or_else(|| list.get(i + 1).map(|n| n.start))
                    .unwrap_or(i64::MAX);
                p.start < to && end > from
            })
            .map(|(_, p)| p)
            .collect()
    }

    /// The programme on air at `now` and the one after it.
    pub fn now_next(&self, channel_id: &str, now: i64) -> (Option<&Programme>, Option<&Programme>) {
        let list = self.programmes(channel_id);
        let after = list.partition_point(|p| p.start <= now);
        let current = after
            .checked_sub(1)
            .map(|i| &list[i])
            .filter(|p| p.covers(now, list.get(after).map(|n| n.start)));
        (current, list.get(after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(start: i64, stop: Option<i64>, title: &str) -> Programme {
        Programme {
            channel: "c".into(),
            start,
            stop,
            title: title.into(),
            ..Default::default()
        }
    }

    #[test]
    fn now_next_finds_the_programme_on_air_and_the_following_one() {
        let g = Guide::new(
            vec![],
            vec![p(200, Some(300), "B"), p(100, Some(200), "A")],
            vec![],
        );
        let (now, next) = g.now_next("c", 150);
        assert_eq!(now.map(|p| p.title.as_str()), Some("A"));
        assert_eq!(next.map(|p| p.title.as_str()), Some("B"));
    }

    #[test]
    fn now_is_empty_in_a_gap_between_programmes() {
        let g = Guide::new(
            vec![],
            vec![p(100, Some(150), "A"), p(200, Some(300), "B")],
            vec![],
        );
        let (now, next) = g.now_next("c", 170);
        assert!(now.is_none());
        assert_eq!(next.unwrap().title, "B");
    }

    #[test]
    fn a_programme_without_stop_runs_until_the_next_start() {
        let g = Guide::new(vec![], vec![p(100, None, "A"), p(200, None, "B")], vec![]);
        assert_eq!(g.now_next("c", 199).0.unwrap().title, "A");
        assert_eq!(g.now_next("c", 200).0.unwrap().title, "B");
    }

    #[test]
    fn window_returns_overlapping_programmes_only() {
        let g = Guide::new(
            vec![],
            vec![
                p(0, Some(100), "A"),
                p(100, Some(200), "B"),
                p(200, Some(300), "C"),
            ],
            vec![],
        );
        let titles: Vec<_> = g
            .window("c", 150, 201)
            .iter()
            .map(|p| p.title.clone())
            .collect();
        assert_eq!(titles, ["B", "C"]);
    }
}
