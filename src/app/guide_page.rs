//! The guide grid's data: only the rows on screen, for any time window the
//! guide holds (history and the days ahead), read from the store when the
//! screen moves — never the whole 1,000 channels × 7 days in memory.
//!
//! The reads happen on the UI thread: a page is six channels × three hours,
//! one indexed query per channel (`hustings bench guide`: 20 channels × 4 h
//! p95 0.4 ms), on a read-only WAL connection that an import never blocks.
//! Without a database (nothing cached yet) the loaded in-memory guide serves.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use crate::guide::{Guide, Programme};
use crate::lineup::Channel;
use crate::store::Store;

/// One channel row of the page.
#[derive(Debug, Clone)]
pub struct PageRow {
    /// Index of the channel in the lineup.
    pub channel: usize,
    /// Its programmes overlapping the window, in start order, shifted by the
    /// channel's `tvg-shift`.
    pub programmes: Vec<Programme>,
    /// Their ids in the store (for details), when read from it.
    pub ids: Vec<Option<i64>>,
}

/// Reads pages of the guide.
#[derive(Default)]
pub struct GuidePager {
    store: Option<Store>,
    /// Channel key -> guide channel id.
    ids: HashMap<String, String>,
}

impl GuidePager {
    pub fn new(db: Option<&Path>, ids: HashMap<String, String>) -> GuidePager {
        let store = db.and_then(|path| match Store::open_reader(path) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!("the guide reads the loaded window only: {e}");
                None
            }
        });
        GuidePager { store, ids }
    }

    /// The programmes of `rows` of `channels` overlapping `[from, to)`.
    pub fn page(
        &self,
        channels: &[Channel],
        rows: Range<usize>,
        from: i64,
        to: i64,
        loaded: &Guide,
    ) -> Vec<PageRow> {
        let rows = rows.start.min(channels.len())..rows.end.min(channels.len());
        rows.map(|i| {
            let ch = &channels[i];
            let (programmes, ids) = match self.from_store(ch, from, to) {
                Some(rows) => rows.into_iter().map(|(p, id)| (p, Some(id))).unzip(),
                None => loaded
                    .window(&ch.key.0, from, to)
                    .into_iter()
                    .map(|p| (p.clone(), None))
                    .unzip(),
            };
            PageRow {
                channel: i,
                programmes,
                ids,
            }
        })
        .collect()
    }

    /// A programme of the page in full: description, credits, episode, rating.
    pub fn full(&self, row: &PageRow, index: usize) -> Option<Programme> {
        let mut p = row.programmes.get(index)?.clone();
        let (Some(store), Some(Some(id))) = (&self.store, row.ids.get(index)) else {
            return Some(p);
        };
        match store.programme(*id) {
            Ok(Some(d)) => {
                p.sub_title = d.sub_title;
                p.description = d.description;
                p.categories = d.categories;
                p.episode_num = d.episode;
                p.rating = d.rating;
                p.icon = d.icon;
                p.credits = d.credits;
                p.previously_shown = d.previously_shown;
                p.premiere = d.premiere;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("programme details: {e}"),
        }
        Some(p)
    }

    fn from_store(&self, ch: &Channel, from: i64, to: i64) -> Option<Vec<(Programme, i64)>> {
        let store = self.store.as_ref()?;
        let Some(id) = self.ids.get(&ch.key.0) else {
            return Some(Vec::new()); // a channel without guide data
        };
        let shift = crate::guide::ChannelShift::of(ch);
        let (stored_from, stored_to) = shift.stored_range(from, to);
        let cells = match store.grid(&[id.as_str()], stored_from, stored_to) {
            Ok(mut rows) => rows.pop().unwrap_or_default(),
            Err(e) => {
                tracing::warn!(channel = %ch.name, "guide page: {e}");
                return None;
            }
        };
        Some(
            cells
                .into_iter()
                .map(|c| {
                    let id = c.id;
                    let p = Programme {
                        channel: ch.key.0.clone(),
                        start: shift.shown(c.start),
                        stop: c.stop.map(|s| shift.shown(s)),
                        title: c.title,
                        categories: c.category.into_iter().collect(),
                        subtitles: c.subtitles,
                        audio_described: c.audio_described,
                        live: c.live,
                        ..Default::default()
                    };
                    (p, id)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loaded_window_and_the_guide_pages_shift_a_channel_the_same_way() {
        let dir = tempfile::tempdir().unwrap();
        let now = 1_800_000_000; // 2027-01-15 08:00 UTC
        let xml = dir.path().join("guide.xml");
        std::fs::write(
            &xml,
            r#"<tv><channel id="civic.one"><display-name>Civic One</display-name></channel>
<programme channel="civic.one" start="20270115080000 +0000" stop="20270115083000 +0000"><title>Council</title></programme></tv>"#,
        )
        .unwrap();
        let db = dir.path().join("hustings.sqlite3");
        crate::feeds::import_paths(&db, &[xml], crate::feeds::OnBadSource::Abort, 0).unwrap();
        let lineup = crate::lineup::parse_bytes_with(
            b"#EXTM3U\n#EXTINF:-1 tvg-id=\"civic.one\" tvg-shift=\"1\",Civic One\nhttp://h/a\n",
            "lineup.m3u",
            &crate::lineup::ParseOptions::default(),
        )
        .unwrap();
        let mut config = crate::config::Config::default();
        config.clock = crate::config::Clock::starting_at(now);
        let mut out = crate::feeds::Loaded::default();
        crate::feeds::load::assemble(&config, &db, vec![lineup], &mut out);
        let key = out.channels[0].key.0.clone();
        let held: Vec<(i64, Option<i64>)> = out
            .guide
            .window(&key, now - 7200, now + 7200)
            .iter()
            .map(|p| (p.start, p.stop))
            .collect();
        assert_eq!(held, [(now + 3600, Some(now + 5400))], "one hour later");
        let pager = GuidePager::new(Some(&db), out.guide_ids.clone());
        let page = pager.page(&out.channels, 0..1, now, now + 7200, &out.guide);
        let paged: Vec<(i64, Option<i64>)> = page[0]
            .programmes
            .iter()
            .map(|p| (p.start, p.stop))
            .collect();
        assert_eq!(paged, held, "the pages read from the store agree");
        // A page ending before the shifted start holds nothing of it.
        let before = pager.page(&out.channels, 0..1, now - 3600, now + 3600, &out.guide);
        assert!(
            before[0].programmes.is_empty(),
            "{:?}",
            before[0].programmes
        );
    }
}
