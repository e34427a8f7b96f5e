//! Guide queries: now/next for every channel, a grid window, programme
//! details and full-text search. Run them on a reader connection
//! ([`Store::open_reader`]) so they never wait for an import.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::programme_row::{SEP, flag};
use super::{Store, StoreError};
use crate::guide::Credit;

/// A programme as the grid and banners show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridCell {
    pub id: i64,
    pub channel: String,
    pub start: i64,
    pub stop: Option<i64>,
    pub title: String,
    /// The first category (genre colour).
    pub category: Option<String>,
    pub subtitles: bool,
    pub audio_described: bool,
    pub live: bool,
}

/// A channel's programme on air and the next one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NowNext {
    pub channel: String,
    pub now: Option<GridCell>,
    pub next: Option<GridCell>,
}

/// Everything about one programme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgrammeDetails {
    #[serde(flatten)]
    pub cell: GridCell,
    pub sub_title: Option<String>,
    pub description: Option<String>,
    pub categories: Vec<String>,
    pub episode: Option<String>,
    pub rating: Option<String>,
    pub icon: Option<String>,
    pub credits: Vec<Credit>,
    pub previously_shown: bool,
    pub premiere: bool,
}

/// A search result, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    #[serde(flatten)]
    pub cell: GridCell,
    /// The matching text with the hit marked by « ».
    pub snippet: String,
}

const CELL: &str = "p.id, p.channel, p.start, p.stop, p.title, p.categories, p.flags";

fn cell(r: &Row<'_>) -> rusqlite::Result<GridCell> {
    let categories: String = r.get(5)?;
    let flags: i64 = r.get(6)?;
    Ok(GridCell {
        id: r.get(0)?,
        channel: r.get(1)?,
        start: r.get(2)?,
        stop: r.get(3)?,
        title: r.get(4)?,
        category: categories
            .split(SEP)
            .next()
            .filter(|c| !c.is_empty())
            .map(String::from),
        subtitles: flags & flag::SUBTITLES != 0,
        audio_described: flags & flag::AUDIO_DESCRIBED != 0,
        live: flags & flag::LIVE != 0,
    })
}

/// Turns viewer text into an FTS5 query: every word must match as a prefix.
/// Quoting each word keeps FTS5 syntax (`AND`, `*`, `"`, `:`) out of user input.
pub(super) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The viewer's words, lower-cased, as the search matched them (prefixes).
fn search_terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

/// About a dozen words around the first word of `text` that starts with one
/// of `terms`, the hit marked with « ». None when no word starts with a term
/// (FTS5 also folds diacritics, which this cheap cut does not).
fn snippet(text: &str, terms: &[String]) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let hit = words.iter().position(|w| {
        let w = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        terms.iter().any(|t| w.starts_with(t.as_str()))
    })?;
    let from = hit.saturating_sub(5);
    let to = (hit + 7).min(words.len());
    let mut out: Vec<String> = words[from..to].iter().map(|w| w.to_string()).collect();
    out[hit - from] = format!("«{}»", words[hit]);
    let mut s = out.join(" ");
    if from > 0 {
        s.insert(0, '…');
    }
    if to < words.len() {
        s.push('…');
    }
    Some(s)
}

impl Store {
    /// Now and next for every guide channel that has programmes.
    pub fn now_next(&self, now: i64) -> Result<Vec<NowNext>, StoreError> {
        let mut out: std::collections::BTreeMap<String, NowNext> = Default::default();
        let on_air = format!(
            "SELECT {CELL} FROM programme p WHERE p.start <= ?1 AND p.start > ?1 - 86400 AND coalesce(p.stop,
               (SELECT min(n.start) FROM programme n WHERE n.channel = p.channel AND n.start > p.start),
               9223372036854775807) > ?1"
        );
        let next = format!(
            "SELECT {CELL} FROM programme p JOIN (SELECT channel, min(start) AS s FROM programme WHERE start > ?1
             GROUP BY channel) n ON p.channel = n.channel AND p.start = n.s"
        );
        for (sql, is_now) in [(on_air, true), (next, false)] {
            let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
            let rows = stmt.query_map([now], cell).map_err(|e| self.err(e))?;
            for c in rows {
                let c = c.map_err(|e| self.err(e))?;
                let entry = out.entry(c.channel.clone()).or_insert_with(|| NowNext {
                    channel: c.channel.clone(),
                    now: None,
                    next: None,
                });
                let slot = if is_now {
                    &mut entry.now
                } else {
                    &mut entry.next
                };
                slot.get_or_insert(c);
            }
        }
        Ok(out.into_values().collect())
    }

    /// Programmes of `channels` overlapping `[from, to)`, per channel in start order.
    pub fn grid(
        &self,
        channels: &[&str],
        from: i64,
        to: i64,
    ) -> Result<Vec<Vec<GridCell>>, StoreError> {
        // A programme longer than a day is not a guide entry; bounding the
        // start keeps the index range small.
        let sql = format!(
            "SELECT {CELL} FROM programme p WHERE p.channel = ?1 AND p.start < ?3 AND p.start >= ?2 - 86400
             AND coalesce(p.stop, p.start + 1) > ?2 ORDER BY p.start"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        channels
            .iter()
            .map(|ch| {
                stmt.query_map(params![ch, from, to], cell)
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                    .map_err(|e| self.err(e))
            })
            .collect()
    }

    /// One programme in full.
    pub fn programme(&self, id: i64) -> Result<Option<ProgrammeDetails>, StoreError> {
        let sql = format!(
            "SELECT {CELL}, p.sub_title, (SELECT body FROM description d WHERE d.id = p.description_id), p.episode, p.rating, p.icon, p.credits FROM programme p WHERE p.id = ?1"
        );
        self.conn
            .query_row(&sql, [id], |r| {
                let categories: String = r.get(5)?;
                let flags: i64 = r.get(6)?;
                let credits: String = r.get(12)?;
                Ok(ProgrammeDetails {
                    cell: cell(r)?,
                    sub_title: r.get(7)?,
                    description: r.get(8)?,
                    categories: categories
                        .split(SEP)
                        .filter(|c| !c.is_empty())
                        .map(String::from)
                        .collect(),
                    episode: r.get(9)?,
                    rating: r.get(10)?,
                    icon: r.get(11)?,
                    credits: credits
                        .lines()
                        .filter_map(|l| l.split_once(SEP))
                        .map(|(role, name)| Credit {
                            role: role.into(),
                            name: name.into(),
                        })
                        .collect(),
                    previously_shown: flags & flag::PREVIOUSLY_SHOWN != 0,
                    premiere: flags & flag::PREMIERE != 0,
                })
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Full-text search over title, sub-title, description and credits.
    ///
    /// In two tiers, as a viewer expects: matches in the title, sub-title or
    /// credits first, ranked by bm25 (title weighted highest); then, if there
    /// are fewer than `limit` of those, programmes whose description holds
    /// every word, unranked. Ranking every description match is what made a
    /// common word cost 100+ ms in a 7-day guide; the first tier is far
    /// smaller. (Words split between the two, a name in the credits and a
    /// topic in the description, do not match.)
    /// Only the chosen rows are then read and given a snippet.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let Some(query) = fts_query(text) else {
            return Ok(vec![]);
        };
        let mut ranked = self
            .conn
            .prepare_cached(
                "SELECT rowid FROM programme_fts WHERE programme_fts MATCH ?1
                 ORDER BY bm25(programme_fts, 10.0, 5.0, 2.0) LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut ids: Vec<i64> = ranked
            .query_map(params![query, limit as i64], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        if ids.len() < limit {
            // Programmes whose description matches (each description is
            // indexed once, however many airings share it), minus those
            // already found; at most `limit` more are read.
            let mut plain = self
                .conn
                .prepare_cached(
                    "SELECT p.id FROM programme p WHERE p.description_id IN
                       (SELECT rowid FROM description_fts WHERE description_fts MATCH ?1)
                     LIMIT ?2",
                )
                .map_err(|e| self.err(e))?;
            let more: Vec<i64> = plain
                .query_map(params![query, limit as i64], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(|e| self.err(e))?;
            for id in more {
                if ids.len() == limit {
                    break;
                }
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        // Snippets are cut here from the row: asking FTS5 for snippet() re-runs
        // the MATCH per row, which cost ~7 ms a row for common words.
        let terms = search_terms(text);
        let sql = format!(
            "SELECT {CELL}, p.sub_title, (SELECT body FROM description d WHERE d.id = p.description_id), p.credits FROM programme p WHERE p.id = ?1"
        );
        let mut one = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let mut hits = Vec::with_capacity(ids.len());
        for id in &ids {
            // An import may have committed between the two steps: skip what vanished.
            let hit = one
                .query_row([id], |r| {
                    let cell = cell(r)?;
                    let texts: [Option<String>; 3] = [r.get(7)?, r.get(8)?, r.get(9)?];
                    let snippet = std::iter::once(Some(cell.title.clone()))
                        .chain(texts)
                        .flatten()
                        .find_map(|t| snippet(&t, &terms))
                        .unwrap_or_default();
                    Ok(SearchHit { cell, snippet })
                })
                .optional()
                .map_err(|e| self.err(e))?;
            hits.extend(hit);
        }
        Ok(hits)
    }

    /// Guide channels in logical-channel-number order: (id, first display name).
    pub fn guide_channels(&self, limit: usize) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT guide_id, display_names FROM guide_channel ORDER BY lcn IS NULL, lcn, guide_id LIMIT ?1")
            .map_err(|e| self.err(e))?;
        stmt.query_map([limit as i64], |r| {
            let names: String = r.get(1)?;
            Ok((
                r.get(0)?,
                names.split(SEP).next().unwrap_or_default().to_string(),
            ))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// Every guide channel with all its display names.
    pub fn guide_channel_list(&self) -> Result<Vec<crate::guide::GuideChannel>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT guide_id, display_names, icon, lcn FROM guide_channel ORDER BY guide_id",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| {
            let names: String = r.get(1)?;
            Ok(crate::guide::GuideChannel {
                id: r.get(0)?,
                display_names: names
                    .split(SEP)
                    .filter(|n| !n.is_empty())
                    .map(String::from)
                    .collect(),
                icon: r.get(2)?,
                lcn: r.get(3)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.err(e))
    }

    /// Full programmes (for the UI's in-memory window) of `channels` overlapping `[from, to)`.
    pub fn window_programmes(
        &self,
        channels: &[&str],
        from: i64,
        to: i64,
    ) -> Result<Vec<crate::guide::Programme>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.channel, p.start, p.stop, p.title, p.sub_title, (SELECT body FROM description d WHERE d.id = p.description_id),
                   p.categories, p.episode, p.rating, p.icon, p.flags
                 FROM programme p WHERE p.channel = ?1 AND p.start < ?3 AND p.start >= ?2 - 86400
                 AND coalesce(p.stop, p.start + 1) > ?2 ORDER BY p.start",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for ch in channels {
            let rows = stmt
                .query_map(params![ch, from, to], |r| {
                    let categories: String = r.get(6)?;
                    let flags: i64 = r.get(10)?;
                    Ok(crate::guide::Programme {
                        channel: r.get(0)?,
                        start: r.get(1)?,
                        stop: r.get(2)?,
                        title: r.get(3)?,
                        sub_title: r.get(4)?,
                        description: r.get(5)?,
                        categories: categories
                            .split(SEP)
                            .filter(|c| !c.is_empty())
                            .map(String::from)
                            .collect(),
                        episode_num: r.get(7)?,
                        rating: r.get(8)?,
                        icon: r.get(9)?,
                        subtitles: flags & flag::SUBTITLES != 0,
                        audio_described: flags & flag::AUDIO_DESCRIBED != 0,
                        previously_shown: flags & flag::PREVIOUSLY_SHOWN != 0,
                        premiere: flags & flag::PREMIERE != 0,
                        live: flags & flag::LIVE != 0,
                        ..Default::default()
                    })
                })
                .map_err(|e| self.err(e))?;
            for p in rows {
                out.push(p.map_err(|e| self.err(e))?);
            }
        }
        Ok(out)
    }

    /// Number of programmes stored.
    pub fn programme_count(&self) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM programme", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::{GuideChannel, Programme};

    fn prog(channel: &str, start: i64, stop: i64, title: &str) -> Programme {
        Programme {
            channel: channel.into(),
            start,
            stop: Some(stop),
            title: title.into(),
            ..Default::default()
        }
    }

    fn import(
        store: &mut Store,
        programmes: &[Programme],
        history_start: i64,
    ) -> super::super::ImportStats {
        let mut imp = store.begin_guide_import().unwrap();
        imp.channel(&GuideChannel {
            id: "a".into(),
            display_names: vec!["Alpha".into()],
            ..Default::default()
        })
        .unwrap();
        for p in programmes {
            imp.programme(p).unwrap();
        }
        imp.finish(history_start).unwrap()
    }

    #[test]
    fn snippets_mark_the_first_matching_word_with_context() {
        let terms = search_terms("Hous");
        assert_eq!(
            snippet("Residents question the housing committee", &terms).unwrap(),
            "Residents question the «housing» committee"
        );
        let long =
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen";
        assert_eq!(
            snippet(long, &search_terms("nine")).unwrap(),
            "…four five six seven eight «nine» ten eleven twelve thirteen fourteen"
        );
        assert!(snippet("nothing here", &terms).is_none());
    }

    #[test]
    fn fts_queries_quote_every_word_as_a_prefix() {
        assert_eq!(
            fts_query("leaders' debate").as_deref(),
            Some("\"leaders\"* \"debate\"*")
        );
        assert_eq!(
            fts_query("AND OR \" * :").as_deref(),
            Some("\"AND\"* \"OR\"*")
        );
        assert_eq!(fts_query("  "), None);
    }

    #[test]
    fn now_next_grid_details_and_search_read_an_import() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        let mut town_hall = prog("a", 100, 200, "Town Hall");
        town_hall.description = Some("Residents question the housing committee".into());
        town_hall.credits = vec![Credit {
            role: "presenter".into(),
            name: "Siân Jones".into(),
        }];
        town_hall.categories = vec!["News".into(), "Politics".into()];
        town_hall.subtitles = true;
        import(
            &mut s,
            &[
                town_hall,
                prog("a", 200, 300, "Debate"),
                prog("b", 50, 150, "Rally"),
            ],
            0,
        );

        let nn = s.now_next(120).unwrap();
        assert_eq!(nn.len(), 2);
        assert_eq!(nn[0].now.as_ref().unwrap().title, "Town Hall");
        assert_eq!(nn[0].next.as_ref().unwrap().title, "Debate");
        assert!(nn[1].next.is_none());

        let grid = s.grid(&["a", "b"], 150, 250).unwrap();
        let titles: Vec<Vec<&str>> = grid
            .iter()
            .map(|r| r.iter().map(|c| c.title.as_str()).collect())
            .collect();
        assert_eq!(titles, [vec!["Town Hall", "Debate"], vec![]]);

        let hits = s.search("housing", 10).unwrap();
        assert_eq!(hits.len(), 1);
        let d = s.programme(hits[0].cell.id).unwrap().unwrap();
        assert_eq!(d.categories, ["News", "Politics"]);
        assert_eq!(d.credits[0].name, "Siân Jones");
        assert!(d.cell.subtitles);
        assert_eq!(
            s.search("sian", 10).unwrap().len(),
            1,
            "diacritics are folded"
        );
        assert!(s.search("nothing-like-this", 10).unwrap().is_empty());
    }

    #[test]
    fn a_new_import_replaces_from_its_first_start_and_keeps_older_history() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        import(
            &mut s,
            &[
                prog("a", 0, 100, "Old morning"),
                prog("a", 100, 200, "Old noon"),
            ],
            0,
        );
        import(
            &mut s,
            &[
                prog("a", 100, 200, "New noon"),
                prog("a", 200, 300, "New evening"),
            ],
            0,
        );
        let titles: Vec<_> = s.grid(&["a"], 0, 400).unwrap()[0]
            .iter()
            .map(|c| c.title.clone())
            .collect();
        assert_eq!(titles, ["Old morning", "New noon", "New evening"]);
    }

    #[test]
    fn a_rescheduled_slot_replaces_the_old_programme_still_running_at_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        import(
            &mut s,
            &[
                prog("a", 0, 100, "Old overrun"),
                prog("a", 100, 200, "Old next"),
            ],
            0,
        );
        import(
            &mut s,
            &[
                prog("a", 50, 150, "New at 50"),
                prog("a", 150, 250, "New at 150"),
            ],
            0,
        );
        let titles: Vec<_> = s.grid(&["a"], 0, 400).unwrap()[0]
            .iter()
            .map(|c| c.title.clone())
            .collect();
        assert_eq!(titles, ["New at 50", "New at 150"]);
    }

    #[test]
    fn a_source_taken_back_takes_its_counts_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        let mut imp = s.begin_guide_import().unwrap();
        imp.begin_source().unwrap();
        imp.programme(&prog("a", 0, 100, "Kept")).unwrap();
        imp.end_source(true).unwrap();
        imp.begin_source().unwrap();
        imp.programme(&prog("a", 100, 200, "Broken source"))
            .unwrap();
        imp.end_source(false).unwrap();
        let stats = imp.finish(0).unwrap();
        assert_eq!(stats.programmes, 1);
        assert_eq!(s.programme_count().unwrap(), 1);
    }

    #[test]
    fn a_programme_without_stop_is_on_air_until_the_next_one_starts() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        let mut open_ended = prog("a", 0, 0, "Open ended");
        open_ended.stop = None;
        import(&mut s, &[open_ended, prog("a", 100, 200, "Next")], 0);
        assert_eq!(
            s.now_next(50).unwrap()[0].now.as_ref().unwrap().title,
            "Open ended"
        );
        assert_eq!(
            s.now_next(150).unwrap()[0].now.as_ref().unwrap().title,
            "Next"
        );
    }

    #[test]
    fn overlaps_follow_the_guide_rule_and_history_is_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        let list = [
            prog("a", 0, 50, "Too old"),
            prog("a", 100, 200, "First source"),
            prog("a", 100, 200, "Second source"),
            prog("a", 150, 250, "Overlapping"),
            prog("a", 160, 240, "Inside"),
            prog("a", 250, 300, "Next"),
        ];
        let stats = import(&mut s, &list, 60);
        assert_eq!(
            (stats.overlaps_trimmed, stats.overlaps_dropped, stats.pruned),
            (1, 2, 1)
        );
        let slots: Vec<_> = s.grid(&["a"], 0, 400).unwrap()[0]
            .iter()
            .map(|c| (c.title.clone(), c.start))
            .collect();
        let as_in_memory = {
            let mut l = list[1..].to_vec();
            crate::guide::resolve_overlaps(&mut l);
            l.into_iter()
                .map(|p| (p.title, p.start))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            slots, as_in_memory,
            "the store and the in-memory rule agree"
        );
        assert_eq!(
            slots,
            [
                ("First source".to_string(), 100),
                ("Overlapping".to_string(), 200),
                ("Next".to_string(), 250)
            ]
        );
    }

    #[test]
    fn an_import_dropped_midway_leaves_the_previous_guide_visible() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        import(&mut s, &[prog("a", 100, 200, "Kept")], 0);
        {
            let mut imp = s.begin_guide_import().unwrap();
            imp.programme(&prog("a", 100, 200, "Never committed"))
                .unwrap();
            // dropped here: a parse error or a crash
        }
        let reader = Store::open_reader(s.path()).unwrap();
        assert_eq!(reader.grid(&["a"], 0, 400).unwrap()[0][0].title, "Kept");
        assert_eq!(reader.search("committed", 5).unwrap().len(), 0);
    }

    fn with_desc(mut p: Programme, desc: &str) -> Programme {
        p.description = Some(desc.into());
        p
    }

    fn description_rows(s: &Store) -> i64 {
        s.conn
            .query_row("SELECT count(*) FROM description", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_repeated_description_is_stored_once_and_found_for_every_airing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        let rerun = "Candidates answer questions on the county budget";
        import(
            &mut s,
            &[
                with_desc(prog("a", 0, 100, "Hustings"), rerun),
                with_desc(prog("a", 100, 200, "News"), "Headlines"),
                with_desc(prog("a", 200, 300, "Hustings"), rerun),
            ],
            0,
        );
        assert_eq!(description_rows(&s), 2);
        let hits = s.search("budget", 10).unwrap();
        assert_eq!(hits.len(), 2, "both airings of the shared description");
        assert!(hits.iter().all(|h| h.snippet.contains("«budget»")));
        let d = s.programme(hits[1].cell.id).unwrap().unwrap();
        assert_eq!(d.description.as_deref(), Some(rerun));

        // A refresh that replaces everything leaves no description behind
        // that no programme uses, in the table or in the index.
        import(
            &mut s,
            &[with_desc(prog("a", 0, 300, "Marathon"), "All day")],
            0,
        );
        assert_eq!(description_rows(&s), 1);
        assert!(s.search("budget", 10).unwrap().is_empty());
        assert_eq!(s.search("all day", 10).unwrap().len(), 1);
    }

    #[test]
    fn a_description_first_seen_in_a_source_taken_back_is_stored_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        let mut imp = s.begin_guide_import().unwrap();
        imp.begin_source().unwrap();
        imp.programme(&with_desc(prog("a", 0, 100, "Broken"), "Shared words"))
            .unwrap();
        imp.end_source(false).unwrap();
        imp.begin_source().unwrap();
        imp.programme(&with_desc(prog("a", 100, 200, "Good"), "Shared words"))
            .unwrap();
        imp.end_source(true).unwrap();
        imp.finish(0).unwrap();
        let hits = s.search("shared", 5).unwrap();
        assert_eq!(hits.len(), 1);
        let d = s.programme(hits[0].cell.id).unwrap().unwrap();
        assert_eq!(d.cell.title, "Good");
        assert_eq!(d.description.as_deref(), Some("Shared words"));
    }

    #[test]
    fn title_matches_rank_before_description_matches() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        import(
            &mut s,
            &[
                with_desc(prog("a", 0, 100, "Evening news"), "Then the budget debate"),
                prog("a", 100, 200, "Budget debate"),
            ],
            0,
        );
        let titles: Vec<_> = s
            .search("budget", 10)
            .unwrap()
            .into_iter()
            .map(|h| h.cell.title)
            .collect();
        assert_eq!(titles, ["Budget debate", "Evening news"]);
    }
}
