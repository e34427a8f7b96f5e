//! The archive browser's other sources beside the catalogue: the lineup's
//! video-on-demand entries and the past programmes of channels with
//! catch-up, as archive items (newest first with the catalogue's), so one
//! screen lists everything that can be watched again.

use crate::archive::catalogue::{ArchiveItem, Origin};
use crate::guide::Programme;
use crate::lineup::Channel;

/// Most catch-up programmes listed (the newest).
pub const MAX_CATCHUP: usize = 300;

/// A stable id for a cache directory or a resume point: letters and digits.
fn id(prefix: &str, text: &str) -> String {
    format!("{prefix}-{:08x}", crc32fast::hash(text.as_bytes()))
}

/// The lineup's VOD entries (no date: listed after dated items).
pub fn lineup_items(media: &[Channel]) -> Vec<ArchiveItem> {
    media
        .iter()
        .map(|c| ArchiveItem {
            id: id("vod", &c.url),
            title: c.name.clone(),
            speakers: vec![],
            event: c.groups.first().cloned(),
            place: None,
            date: 0,
            duration: 0.0,
            topics: c.groups.clone(),
            chapters: vec![],
            transcript: None,
            thumbnail: c.logo.clone(),
            hls: c.url.clone(),
            checksums: Default::default(),
            sponsor: None,
            pinned: false,
            origin: Origin::Lineup,
        })
        .collect()
}

/// Ended programmes within their channel's catch-up window, newest first
/// (at most [`MAX_CATCHUP`]); `programmes` pairs a channel with one of its
/// programmes.
pub fn catchup_items<'a>(
    programmes: impl IntoIterator<Item = (&'a Channel, &'a Programme)>,
    now: i64,
) -> Vec<ArchiveItem> {
    let mut items: Vec<ArchiveItem> = programmes
        .into_iter()
        .filter(|(ch, p)| {
            p.stop.is_some_and(|stop| stop <= now) && crate::guide::has_catchup(ch, p, now)
        })
        .map(|(ch, p)| {
            let stop = p.stop.unwrap_or(p.start);
            ArchiveItem {
                id: id("catchup", &format!("{}@{}", ch.key.0, p.start)),
                title: p.title.clone(),
                speakers: vec![],
                event: Some(ch.name.clone()),
                place: p.sub_title.clone(),
                date: p.start,
                duration: (stop - p.start) as f64,
                topics: p.categories.clone(),
                chapters: vec![],
                transcript: None,
                thumbnail: p.icon.clone(),
                hls: String::new(),
                checksums: Default::default(),
                sponsor: None,
                pinned: false,
                origin: Origin::CatchUp {
                    channel: ch.key.0.clone(),
                    start: p.start,
                    stop,
                },
            }
        })
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.date));
    items.truncate(MAX_CATCHUP);
    items
}

/// Everything for the browser: the catalogue's speeches first, then the
/// lineup's videos, then catch-up (which can run to hundreds of programmes
/// and must not bury the speeches), each newest first.
pub fn merge(mut all: Vec<ArchiveItem>) -> Vec<ArchiveItem> {
    let rank = |i: &ArchiveItem| match i.origin {
        Origin::Catalogue => 0,
        Origin::Lineup => 1,
        Origin::CatchUp { .. } => 2,
    };
    all.sort_by(|a, b| rank(a).cmp(&rank(b)).then(b.date.cmp(&a.date)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineup::{Catchup, ChannelKey};

    #[test]
    fn ended_programmes_inside_the_catchup_window_become_items_newest_first() {
        let now = 1_800_000_000;
        let ch = Channel {
            key: ChannelKey("civic1".into()),
            name: "Civic One".into(),
            url: "http://h/c1.m3u8".into(),
            catchup: Catchup {
                mode: Some(crate::lineup::CatchupMode::Default),
                source: Some("http://h/c1?utc={utc}".into()),
                days: Some(1),
                ..Default::default()
            },
            ..Default::default()
        };
        let p = |start: i64, stop: i64, title: &str| Programme {
            channel: "civic1".into(),
            start,
            stop: Some(stop),
            title: title.into(),
            ..Default::default()
        };
        let progs = [
            p(now - 3 * 86_400, now - 3 * 86_400 + 1800, "too old"),
            p(now - 7200, now - 3600, "earlier"),
            p(now - 3600, now - 60, "latest"),
            p(now - 60, now + 1800, "on air"),
        ];
        let items = catchup_items(progs.iter().map(|p| (&ch, p)), now);
        let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["latest", "earlier"]);
        assert_eq!(items[0].duration, 3540.0);
        assert_eq!(items[0].event.as_deref(), Some("Civic One"));
        assert!(
            matches!(&items[0].origin, Origin::CatchUp { channel, start, .. } if channel == "civic1" && *start == now - 3600)
        );
        let mut plain = ch.clone();
        plain.catchup = Catchup::default();
        assert!(catchup_items(progs.iter().map(|p| (&plain, p)), now).is_empty());
    }

    #[test]
    fn vod_entries_keep_their_url_and_group_and_list_after_the_catalogue() {
        let vod = Channel {
            name: "Budget speech".into(),
            url: "http://h/vod/budget.m3u8".into(),
            groups: vec!["Speeches".into()],
            media: true,
            ..Default::default()
        };
        let items = lineup_items(&[vod]);
        assert_eq!(items[0].hls, "http://h/vod/budget.m3u8");
        assert_eq!(items[0].event.as_deref(), Some("Speeches"));
        assert!(items[0].id.starts_with("vod-"));
        let mut speech = items[0].clone();
        speech.id = "speech".into();
        speech.origin = Origin::Catalogue;
        let mut past = items[0].clone();
        past.id = "past".into();
        past.date = 5;
        past.origin = Origin::CatchUp {
            channel: "c".into(),
            start: 5,
            stop: 6,
        };
        let merged = merge(vec![past, items[0].clone(), speech]);
        let ids: Vec<&str> = merged.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["speech", items[0].id.as_str(), "past"]);
    }
}
