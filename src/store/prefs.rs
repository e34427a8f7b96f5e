//! Viewer preferences that must survive lineup refreshes: favourite channels
//! and hidden groups, keyed by the stable channel key, never the row position.

use std::collections::HashSet;

use rusqlite::params;

use super::{Store, StoreError};

impl Store {
    /// Marks or unmarks a channel as a favourite.
    pub fn set_favourite(&self, channel_key: &str, favourite: bool) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO channel_pref (channel_key, favourite) VALUES (?1, ?2)
                 ON CONFLICT(channel_key) DO UPDATE SET favourite = excluded.favourite",
                params![channel_key, favourite],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The favourite channels' keys.
    pub fn favourites(&self) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT channel_key FROM channel_pref WHERE favourite")
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Hides or shows a channel group.
    pub fn set_group_hidden(&self, group: &str, hidden: bool) -> Result<(), StoreError> {
        let sql = if hidden {
            "INSERT OR IGNORE INTO hidden_group (name) VALUES (?1)"
        } else {
            "DELETE FROM hidden_group WHERE name = ?1"
        };
        self.conn
            .execute(sql, [group])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The hidden groups.
    pub fn hidden_groups(&self) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM hidden_group")
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn favourites_and_hidden_groups_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open_in(dir.path()).unwrap();
            s.set_favourite("civic-one", true).unwrap();
            s.set_favourite("council-live", true).unwrap();
            s.set_favourite("council-live", false).unwrap();
            s.set_group_hidden("Shopping", true).unwrap();
            s.set_group_hidden("News", true).unwrap();
            s.set_group_hidden("News", false).unwrap();
        }
        let s = Store::open_in(dir.path()).unwrap();
        assert_eq!(
            s.favourites().unwrap(),
            HashSet::from(["civic-one".to_string()])
        );
        assert_eq!(
            s.hidden_groups().unwrap(),
            HashSet::from(["Shopping".to_string()])
        );
    }
}
