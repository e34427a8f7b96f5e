//! Guide import: programmes stream in, and the new guide becomes visible all
//! at once.
//!
//! An import is one write transaction. Programmes are inserted as they are
//! parsed (nothing is held in memory but SQLite's page cache), tagged with a
//! new generation. `finish` then replaces, per channel, the previous
//! generation's programmes from the new data's first start onwards (older ones
//! stay as history until pruned), drops overlaps, prunes the history window,
//! and commits (the full-text indexes are filled as rows go in and triggers
//! follow every delete). Readers on other connections see
//! the old guide until that commit (WAL); a failed or interrupted import rolls
//! back and leaves the previous guide intact.
//!
//! Overlaps follow the guide's one rule ([`crate::guide::overlap`]): per
//! channel in start order, a programme that starts inside the last kept one
//! is trimmed to start when that one stops, or dropped if nothing is left;
//! among programmes with the same start the one imported first (earlier
//! source, earlier in its file) wins. Several sources are merged by importing them in
//! one `GuideImport`, in order of preference.

use rusqlite::{Transaction, params};
use serde::Serialize;

use super::programme_row::{DescriptionKey, ProgrammeRow, RowMaker, SEP};
use super::{Store, StoreError};
use crate::guide::{GuideChannel, Overlap, Programme, overlap};

/// Most descriptions remembered for sharing: about 2 MB, whatever the guide's size.
const DESCRIPTIONS_REMEMBERED: usize = 65_536;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportStats {
    pub channels: usize,
    pub programmes: usize,
    /// Made to start later because they began inside an earlier programme.
    pub overlaps_trimmed: usize,
    /// Dropped because nothing of them was left after an earlier programme.
    pub overlaps_dropped: usize,
    /// Removed because they ended before the history window.
    pub pruned: usize,
}

/// An import in progress. Dropping it without [`GuideImport::finish`] rolls back.
pub struct GuideImport<'a> {
    tx: Transaction<'a>,
    path: std::path::PathBuf,
    generation: i64,
    stats: ImportStats,
    /// The counts when the current source began (restored if it is taken back).
    at_source_start: ImportStats,
    /// Descriptions stored in this import, by their key.
    descriptions: std::collections::HashMap<DescriptionKey, i64>,
    rows: RowMaker,
}

impl Store {
    /// Starts a guide import (takes the write lock until finish or drop).
    pub fn begin_guide_import(&mut self) -> Result<GuideImport<'_>, StoreError> {
        let path = self.path.clone();
        let wrap = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let generation: i64 = tx
            .query_row(
                "SELECT coalesce(max(generation), 0) + 1 FROM programme",
                [],
                |r| r.get(0),
            )
            .map_err(wrap)?;
        // Inserting without the indexes and indexing once at the end is several
        // times faster than keeping them up to date row by row. (The full-text
        // indexes are filled row by row; their term hashes, 16 and 8 MB, batch
        // the work: see the v3 migration.)
        tx.execute_batch(
            "DROP INDEX IF EXISTS programme_channel_start; DROP INDEX IF EXISTS programme_description",
        )
        .map_err(wrap)?;
        Ok(GuideImport {
            tx,
            path,
            generation,
            stats: ImportStats::default(),
            at_source_start: ImportStats::default(),
            descriptions: std::collections::HashMap::with_capacity(DESCRIPTIONS_REMEMBERED),
            rows: RowMaker::new(),
        })
    }
}

impl GuideImport<'_> {
    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Adds or replaces a guide channel.
    pub fn channel(&mut self, c: &GuideChannel) -> Result<(), StoreError> {
        let names = c.display_names.join(&SEP.to_string());
        self.tx
            .prepare_cached(
                "INSERT INTO guide_channel (guide_id, display_names, icon, lcn) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(guide_id) DO UPDATE SET display_names = excluded.display_names,
                   icon = coalesce(excluded.icon, icon), lcn = coalesce(excluded.lcn, lcn)",
            )
            .and_then(|mut s| s.execute(params![c.id, names, c.icon, c.lcn]))
            .map_err(|e| self.err(e))?;
        self.stats.channels += 1;
        Ok(())
    }

    /// Adds one programme.
    pub fn programme(&mut self, p: &Programme) -> Result<(), StoreError> {
        let row = self.rows.row(p.clone());
        self.programme_row(&row)
    }

    /// What turns programmes into rows for this import, for another thread
    /// to use (see [`RowMaker`]).
    pub fn row_maker(&self) -> RowMaker {
        self.rows.clone()
    }

    /// Adds one programme made into a row by [`GuideImport::row_maker`].
    pub fn programme_row(&mut self, row: &ProgrammeRow) -> Result<(), StoreError> {
        let description_id = match &row.description {
            Some((text, key)) => Some(self.description(text, *key)?),
            None => None,
        };
        self.tx
            .prepare_cached(
                "INSERT INTO programme (generation, channel, start, stop, title, sub_title, description_id,
                   categories, episode, rating, icon, credits, langs, flags)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    self.generation,
                    row.channel,
                    row.start,
                    row.stop,
                    row.title,
                    row.sub_title,
                    description_id,
                    row.categories,
                    row.episode,
                    row.rating,
                    row.icon,
                    row.credits,
                    row.langs,
                    row.flags
                ])
            })
            .map_err(|e| self.err(e))?;
        let id = self.tx.last_insert_rowid();
        self.tx
            .prepare_cached(
                "INSERT INTO programme_fts (rowid, title, sub_title, credits) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![id, row.title, row.sub_title, row.credits]))
            .map_err(|e| self.err(e))?;
        self.stats.programmes += 1;
        Ok(())
    }

    /// The `description` row holding `text`, stored and indexed if new.
    fn description(&mut self, text: &str, key: DescriptionKey) -> Result<i64, StoreError> {
        if let Some(id) = self.descriptions.get(&key) {
            return Ok(*id);
        }
        self.tx
            .prepare_cached("INSERT INTO description (body) VALUES (?1)")
            .and_then(|mut s| s.execute([text]))
            .map_err(|e| self.err(e))?;
        let id = self.tx.last_insert_rowid();
        self.tx
            .prepare_cached("INSERT INTO description_fts (rowid, body) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![id, text]))
            .map_err(|e| self.err(e))?;
        // Bounded: starting over costs a repeated text a second row, never correctness.
        if self.descriptions.len() >= DESCRIPTIONS_REMEMBERED {
            self.descriptions.clear();
        }
        self.descriptions.insert(key, id);
        Ok(id)
    }

    /// Applies the guide's overlap rule ([`crate::guide::overlap`]) to every
    /// channel: one pass in (channel, start, import order); only the changes
    /// are held in memory. Returns (trimmed, dropped).
    fn resolve_overlaps(&mut self) -> Result<(usize, usize), StoreError> {
        let mut trimmed = Vec::new();
        let mut doomed = Vec::new();
        {
            let mut stmt = self
                .tx
                .prepare(
                    "SELECT id, channel, start, stop FROM programme ORDER BY channel, start, id",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
            let mut channel = String::new();
            let mut kept: Option<(i64, Option<i64>)> = None;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let (id, ch, start, stop): (i64, String, i64, Option<i64>) = (
                    r.get(0).map_err(|e| self.err(e))?,
                    r.get(1).map_err(|e| self.err(e))?,
                    r.get(2).map_err(|e| self.err(e))?,
                    r.get(3).map_err(|e| self.err(e))?,
                );
                if ch != channel {
                    channel = ch;
                    kept = None;
                }
                let verdict = kept.map_or(Overlap::Clear, |(kept_start, kept_stop)| {
                    overlap(kept_start, kept_stop, start, stop)
                });
                match verdict {
                    Overlap::Clear => kept = Some((start, stop)),
                    Overlap::StartAt(end) => {
                        trimmed.push((id, end));
                        kept = Some((end, stop));
                    }
                    Overlap::Drop => doomed.push(id),
                }
            }
        }
        let err = |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        };
        let mut delete = self
            .tx
            .prepare_cached("DELETE FROM programme WHERE id = ?1")
            .map_err(err)?;
        for id in &doomed {
            delete.execute([id]).map_err(err)?;
        }
        let mut trim = self
            .tx
            .prepare_cached("UPDATE programme SET start = ?2 WHERE id = ?1")
            .map_err(err)?;
        for (id, start) in &trimmed {
            trim.execute([id, start]).map_err(err)?;
        }
        Ok((trimmed.len(), doomed.len()))
    }

    /// Marks the start of one source, so a source that fails halfway can be
    /// taken back without losing the others ([`GuideImport::end_source`]).
    pub fn begin_source(&mut self) -> Result<(), StoreError> {
        self.at_source_start = self.stats.clone();
        self.tx
            .execute_batch("SAVEPOINT guide_source")
            .map_err(|e| self.err(e))
    }

    /// Keeps (`ok`) or takes back everything since [`GuideImport::begin_source`].
    pub fn end_source(&mut self, ok: bool) -> Result<(), StoreError> {
        if !ok {
            // The counts go back with the rows, and so do descriptions
            // written since: forget them all rather than point at a lost row.
            self.stats = self.at_source_start.clone();
            self.descriptions.clear();
        }
        let sql = if ok {
            "RELEASE guide_source"
        } else {
            "ROLLBACK TO guide_source; RELEASE guide_source"
        };
        self.tx.execute_batch(sql).map_err(|e| self.err(e))
    }

    /// Programmes added so far.
    pub fn programmes_added(&self) -> usize {
        self.stats.programmes
    }

    /// Replaces the old guide with the new one, prunes programmes that ended
    /// before `history_start` (Unix seconds), and commits.
    pub fn finish(mut self, history_start: i64) -> Result<ImportStats, StoreError> {
        let mut phase = std::time::Instant::now();
        let mut lap = |name: &str| {
            tracing::debug!(
                phase = name,
                ms = phase.elapsed().as_millis() as u64,
                "guide import"
            );
            phase = std::time::Instant::now();
        };
        let g = self.generation;
        let steps = [
            "CREATE INDEX programme_channel_start ON programme(channel, start)".to_string(),
            "CREATE INDEX programme_description ON programme(description_id)".to_string(),
            // Per channel, the new data replaces the old from its first start
            // on, including an old programme still running at that moment.
            format!(
                "DELETE FROM programme WHERE generation < {g} AND coalesce(stop, start + 1) > coalesce(
                   (SELECT min(n.start) FROM programme n WHERE n.generation = {g} AND n.channel = programme.channel),
                   9223372036854775807)"
            ),
        ];
        for sql in &steps {
            self.tx.execute_batch(sql).map_err(|e| self.err(e))?;
        }
        lap("replace and index");
        (self.stats.overlaps_trimmed, self.stats.overlaps_dropped) = self.resolve_overlaps()?;
        lap("overlaps");
        self.stats.pruned = self
            .tx
            .execute(
                "DELETE FROM programme WHERE coalesce(stop, start) < ?1",
                [history_start],
            )
            .map_err(|e| self.err(e))?;
        // Descriptions no programme points at any more (replaced, dropped, pruned).
        self.tx
            .execute_batch(
                "DELETE FROM description WHERE id NOT IN
                   (SELECT description_id FROM programme WHERE description_id IS NOT NULL)",
            )
            .map_err(|e| self.err(e))?;
        lap("prune");
        let path = self.path.clone();
        self.tx
            .commit()
            .map_err(|source| StoreError::Sqlite { path, source })?;
        lap("commit");
        Ok(self.stats)
    }
}
