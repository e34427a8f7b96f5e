//! The speech archive in SQLite: the catalogue's items (replaced as a whole,
//! in one transaction, keeping each item's resume point), transcript cues,
//! and full-text search over titles, speakers, topics and transcripts.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::guide_query::fts_query;
use super::{Store, StoreError};
use crate::archive::catalogue::ArchiveItem;
use crate::archive::transcript::Cue;

/// A search hit: an item, and the moment in it when the words are in its transcript.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveHit {
    pub id: String,
    pub title: String,
    /// Seconds into the item (a transcript hit); None for a title/speaker/topic hit.
    pub at: Option<f64>,
    /// The matching text with the hit marked by « ».
    pub snippet: String,
}

impl Store {
    /// Replaces the archive with `items` (newest catalogue wins); resume
    /// points and transcripts of items that stay are kept.
    pub fn replace_archive(&mut self, items: &[ArchiveItem]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        // A savepoint: a transaction of its own, or part of
        // `store_catalogue`'s when called from there.
        let tx = self.conn.savepoint().map_err(&err)?;
        let result = (|| {
            let keep: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
            let stale: Vec<String> = {
                let mut stmt = tx.prepare("SELECT id FROM archive_item")?;
                let ids = stmt
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                ids.into_iter()
                    .filter(|id| !keep.contains(&id.as_str()))
                    .collect()
            };
            for id in &stale {
                tx.execute("DELETE FROM archive_cue WHERE item = ?1", [id])?;
                tx.execute("DELETE FROM archive_item WHERE id = ?1", [id])?;
            }
            tx.execute("DELETE FROM archive_fts", [])?;
            for item in items {
                let json = serde_json::to_string(item).unwrap_or_default();
                tx.execute(
                    "INSERT INTO archive_item(id, item, date) VALUES (?1, ?2, ?3)
                     ON CONFLICT(id) DO UPDATE SET item = excluded.item, date = excluded.date",
                    params![item.id, json, item.date],
                )?;
                let speakers: Vec<String> = item
                    .speakers
                    .iter()
                    .map(|s| {
                        [Some(s.name.as_str()), s.party.as_deref(), s.role.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                tx.execute(
                    "INSERT INTO archive_fts(item, title, speakers, topics) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        item.id,
                        item.title,
                        speakers.join("; "),
                        item.topics.join("; ")
                    ],
                )?;
            }
            Ok(())
        })();
        result.map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// Stores a fetched catalogue as one transaction: its items (as
    /// [`replace_archive`](Self::replace_archive)), its exact bytes (so the
    /// copy in force can be checked again) and its HTTP validators. Power
    /// lost anywhere in it leaves the previous catalogue, bytes and
    /// validators together, never new items beside old bytes.
    pub fn store_catalogue(
        &mut self,
        url: &str,
        items: &[ArchiveItem],
        body: &[u8],
        validators: &crate::net::Validators,
        at: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute_batch("SAVEPOINT store_catalogue")
            .map_err(|e| self.err(e))?;
        let result = self
            .replace_archive(items)
            .and_then(|()| self.save_feed(url, body, at))
            .and_then(|()| self.set_validators(url, validators, at));
        let end = match result {
            Ok(()) => "RELEASE store_catalogue",
            Err(_) => "ROLLBACK TO store_catalogue; RELEASE store_catalogue",
        };
        let ended = self.conn.execute_batch(end).map_err(|e| self.err(e));
        result.and(ended)
    }

    /// Stores the cues of an item's transcript (replacing earlier ones).
    pub fn set_transcript(&mut self, item: &str, cues: &[Cue]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(&err)?;
        let result = (|| {
            tx.execute("DELETE FROM archive_cue WHERE item = ?1", [item])?;
            let mut insert = tx.prepare(
                "INSERT INTO archive_cue(item, start, end, text) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for c in cues {
                insert.execute(params![item, c.start, c.end, c.text])?;
            }
            Ok(())
        })();
        result.map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// Whether an item's transcript is stored.
    pub fn has_transcript(&self, item: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM archive_cue WHERE item = ?1 LIMIT 1",
                [item],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.err(e))
    }

    /// An item's transcript cues in time order (a cue stored without its
    /// end lasts until the next one starts).
    pub fn archive_cues(&self, item: &str) -> Result<Vec<Cue>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT start, end, text FROM archive_cue WHERE item = ?1 ORDER BY start",
            )
            .map_err(|e| self.err(e))?;
        let mut cues: Vec<Cue> = stmt
            .query_map([item], |r| {
                Ok(Cue {
                    start: r.get(0)?,
                    end: r.get(1)?,
                    text: r.get(2)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))?;
        for i in 0..cues.len() {
            if cues[i].end <= cues[i].start {
                let next = cues.get(i + 1).map_or(cues[i].start + 4.0, |n| n.start);
                cues[i].end = next;
            }
        }
        Ok(cues)
    }

    /// Every item, newest first.
    pub fn archive_items(&self) -> Result<Vec<ArchiveItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT item FROM archive_item ORDER BY date DESC, id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.err(e))?;
        Ok(rows
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }

    /// One item by id.
    pub fn archive_item(&self, id: &str) -> Result<Option<ArchiveItem>, StoreError> {
        self.conn
            .query_row("SELECT item FROM archive_item WHERE id = ?1", [id], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map(|json| json.and_then(|j| serde_json::from_str(&j).ok()))
            .map_err(|e| self.err(e))
    }

    /// Items whose title, speakers or topics match every word (prefixes),
    /// then moments in transcripts that do; best first.
    pub fn search_archive(&self, text: &str, limit: usize) -> Result<Vec<ArchiveHit>, StoreError> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        let run = || -> rusqlite::Result<Vec<ArchiveHit>> {
            let mut hits = Vec::new();
            let mut stmt = self.conn.prepare_cached(
                "SELECT f.item, json_extract(a.item, '$.title'),
                        snippet(archive_fts, -1, '«', '»', '…', 12)
                 FROM archive_fts f JOIN archive_item a ON a.id = f.item
                 WHERE archive_fts MATCH ?1 ORDER BY bm25(archive_fts, 0, 10, 5, 3) LIMIT ?2",
            )?;
            for row in stmt.query_map(params![query, limit as i64], |r| {
                Ok(ArchiveHit {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    at: None,
                    snippet: r.get(2)?,
                })
            })? {
                hits.push(row?);
            }
            let mut stmt = self.conn.prepare_cached(
                "SELECT c.item, json_extract(a.item, '$.title'), c.start,
                        snippet(cue_fts, 0, '«', '»', '…', 12)
                 FROM cue_fts JOIN archive_cue c ON c.id = cue_fts.rowid
                 JOIN archive_item a ON a.id = c.item
                 WHERE cue_fts MATCH ?1 ORDER BY bm25(cue_fts), c.start LIMIT ?2",
            )?;
            for row in stmt.query_map(params![query, limit as i64], |r| {
                Ok(ArchiveHit {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    at: Some(r.get(2)?),
                    snippet: r.get(3)?,
                })
            })? {
                hits.push(row?);
            }
            hits.truncate(limit);
            Ok(hits)
        };
        run().map_err(|e| self.err(e))
    }

    /// Where the viewer stopped watching an item (seconds).
    pub fn set_archive_position(&self, id: &str, seconds: f64, now: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE archive_item SET position = ?2, watched_at = ?3 WHERE id = ?1",
                params![id, seconds.max(0.0), now],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// When the viewer last watched an item (Unix seconds).
    pub fn archive_watched_at(&self, id: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT watched_at FROM archive_item WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }

    pub fn archive_position(&self, id: &str) -> Result<f64, StoreError> {
        self.conn
            .query_row(
                "SELECT position FROM archive_item WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map(|p| p.unwrap_or(0.0))
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::catalogue::{Speaker, parse};

    fn items() -> Vec<ArchiveItem> {
        let text = r#"{"version": 1, "items": [
            {"id": "s1", "title": "Housing speech", "speakers": [{"name": "Ana Ruiz", "party": "Civic"}],
             "date": "2026-11-20T18:00:00Z", "duration": 30, "topics": ["housing", "rents"], "hls": "s1/index.m3u8"},
            {"id": "s2", "title": "Transport debate", "speakers": [{"name": "Tom Price"}],
             "date": "2026-11-22T18:00:00Z", "duration": 30, "topics": ["buses"], "hls": "s2/index.m3u8"}
        ]}"#;
        parse(
            text,
            &url::Url::parse("http://h/archive/catalogue.json").unwrap(),
        )
        .unwrap()
        .items
    }

    #[test]
    fn a_catalogue_whose_bytes_cannot_be_saved_leaves_the_previous_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        let url = "http://h/archive/catalogue.json";
        let all = items();
        let old = crate::net::Validators {
            etag: Some("\"1\"".into()),
            last_modified: None,
        };
        s.store_catalogue(url, &all[..1], b"one", &old, 1).unwrap();
        // The write of the bytes fails (as a full disk would) after the
        // items of the new catalogue have gone in.
        s.conn
            .execute_batch(
                "CREATE TRIGGER no_bytes BEFORE UPDATE ON feed_cache
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
            )
            .unwrap();
        let new = crate::net::Validators {
            etag: Some("\"2\"".into()),
            last_modified: None,
        };
        let e = s.store_catalogue(url, &all, b"two", &new, 2).unwrap_err();
        assert!(e.to_string().contains("disk is full"), "{e}");
        let ids: Vec<String> = s
            .archive_items()
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(ids, ["s1"], "the previous items stay");
        assert_eq!(s.load_feed(url).unwrap().unwrap().body, b"one");
        assert_eq!(s.validators(url).unwrap(), old);
        assert!(s.search_archive("transport", 10).unwrap().is_empty());

        // Once the write works the new catalogue goes in whole.
        s.conn.execute_batch("DROP TRIGGER no_bytes").unwrap();
        s.store_catalogue(url, &all, b"two", &new, 2).unwrap();
        assert_eq!(s.archive_items().unwrap().len(), 2);
        assert_eq!(s.load_feed(url).unwrap().unwrap().body, b"two");
        assert_eq!(s.validators(url).unwrap(), new);
    }

    #[test]
    fn items_are_replaced_searched_and_keep_their_resume_point() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in(dir.path()).unwrap();
        let all = items();
        s.replace_archive(&all).unwrap();
        assert_eq!(
            s.archive_items()
                .unwrap()
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>(),
            ["s2", "s1"],
            "newest first"
        );
        s.set_transcript(
            "s1",
            &[
                Cue {
                    start: 3.0,
                    end: 5.0,
                    text: "We will cap rents.".into(),
                },
                Cue {
                    start: 12.5,
                    end: 15.0,
                    text: "And build council homes.".into(),
                },
            ],
        )
        .unwrap();
        assert!(s.has_transcript("s1").unwrap());
        let hits = s.search_archive("ruiz", 10).unwrap();
        assert_eq!((hits[0].id.as_str(), hits[0].at), ("s1", None), "a speaker");
        let hits = s.search_archive("council hom", 10).unwrap();
        assert_eq!(
            (hits[0].id.as_str(), hits[0].at),
            ("s1", Some(12.5)),
            "a transcript moment"
        );
        assert!(hits[0].snippet.contains("«council»"), "{}", hits[0].snippet);
        assert!(s.search_archive("bus", 10).unwrap()[0].id == "s2");
        s.set_archive_position("s1", 7.5, 100).unwrap();

        // The next catalogue drops s2 and changes s1's title.
        let mut next = vec![all[1].clone()];
        next[0] = ArchiveItem {
            title: "Housing speech (full)".into(),
            speakers: vec![Speaker {
                name: "Ana Ruiz".into(),
                party: None,
                role: None,
            }],
            ..all[0].clone()
        };
        s.replace_archive(&next).unwrap();
        assert_eq!(s.archive_items().unwrap().len(), 1);
        assert_eq!(s.archive_position("s1").unwrap(), 7.5, "kept");
        assert!(s.search_archive("transport", 10).unwrap().is_empty());
        assert_eq!(
            s.search_archive("full", 10).unwrap()[0].title,
            "Housing speech (full)"
        );
        assert!(s.has_transcript("s1").unwrap(), "its transcript stays");
        assert!(s.search_archive("\" * :", 10).unwrap().is_empty());
    }
}
