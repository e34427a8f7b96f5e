//! A programme encoded as the `programme` table stores it.
//!
//! Encoding (joining lists, the flags, the other-language JSON, hashing the
//! description) is pure and needs no database, so a guide import does it on
//! the parsing thread and leaves the writer thread only SQLite's work.

use crate::guide::Programme;

/// Flag bits in `programme.flags`.
pub(super) mod flag {
    pub const SUBTITLES: i64 = 1;
    pub const AUDIO_DESCRIBED: i64 = 2;
    pub const PREVIOUSLY_SHOWN: i64 = 4;
    pub const PREMIERE: i64 = 8;
    pub const LIVE: i64 = 16;
}

/// Separates list items (categories) inside one column.
pub(super) const SEP: char = '\u{1f}';

/// Identifies a description text within one import: a SipHash keyed per
/// import (so a hostile guide cannot make two texts collide on purpose) and
/// the text's length.
pub(super) type DescriptionKey = (u64, usize);

/// One programme, ready to insert.
#[derive(Debug, Clone)]
pub struct ProgrammeRow {
    pub(super) channel: String,
    pub(super) start: i64,
    pub(super) stop: Option<i64>,
    pub(super) title: String,
    pub(super) sub_title: Option<String>,
    pub(super) description: Option<(String, DescriptionKey)>,
    /// Categories joined with [`SEP`].
    pub(super) categories: String,
    pub(super) episode: Option<String>,
    pub(super) rating: Option<String>,
    pub(super) icon: Option<String>,
    /// One `role SEP name` line per credit.
    pub(super) credits: String,
    /// Every title and description with its language, as JSON, only when
    /// there is more than one of either.
    pub(super) langs: Option<String>,
    pub(super) flags: i64,
}

/// Makes [`ProgrammeRow`]s for one import; cheap to clone and send to
/// another thread ([`super::GuideImport::row_maker`]).
#[derive(Debug, Clone)]
pub struct RowMaker {
    hasher: std::hash::RandomState,
}

impl RowMaker {
    pub(super) fn new() -> Self {
        RowMaker {
            hasher: std::hash::RandomState::new(),
        }
    }

    /// Encodes `p`, moving its text rather than copying it.
    pub fn row(&self, p: Programme) -> ProgrammeRow {
        let flags = [
            (p.subtitles, flag::SUBTITLES),
            (p.audio_described, flag::AUDIO_DESCRIBED),
            (p.previously_shown, flag::PREVIOUSLY_SHOWN),
            (p.premiere, flag::PREMIERE),
            (p.live, flag::LIVE),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit);
        let mut categories = String::new();
        for (i, c) in p.categories.iter().enumerate() {
            if i > 0 {
                categories.push(SEP);
            }
            categories.push_str(c);
        }
        let mut credits = String::new();
        for (i, c) in p.credits.iter().enumerate() {
            if i > 0 {
                credits.push('\n');
            }
            credits.push_str(&c.role);
            credits.push(SEP);
            credits.push_str(&c.name);
        }
        let langs = (p.titles.len() > 1 || p.descriptions.len() > 1).then(|| {
            serde_json::json!({ "titles": p.titles, "descriptions": p.descriptions }).to_string()
        });
        let description = p.description.map(|text| {
            let key = (
                std::hash::BuildHasher::hash_one(&self.hasher, &text),
                text.len(),
            );
            (text, key)
        });
        ProgrammeRow {
            channel: p.channel,
            start: p.start,
            stop: p.stop,
            title: p.title,
            sub_title: p.sub_title,
            description,
            categories,
            episode: p.episode_num,
            rating: p.rating,
            icon: p.icon,
            credits,
            langs,
            flags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::{Credit, LangText};

    #[test]
    fn lists_flags_and_other_languages_are_encoded_for_the_table() {
        let maker = RowMaker::new();
        let p = Programme {
            channel: "a".into(),
            start: 10,
            title: "Debate".into(),
            titles: vec![
                LangText {
                    text: "Debate".into(),
                    lang: Some("en".into()),
                },
                LangText {
                    text: "Dadl".into(),
                    lang: Some("cy".into()),
                },
            ],
            description: Some("Leaders debate".into()),
            categories: vec!["News".into(), "Politics".into()],
            credits: vec![
                Credit {
                    role: "presenter".into(),
                    name: "A".into(),
                },
                Credit {
                    role: "guest".into(),
                    name: "B".into(),
                },
            ],
            subtitles: true,
            live: true,
            ..Default::default()
        };
        let row = maker.row(p.clone());
        assert_eq!(row.categories, format!("News{SEP}Politics"));
        assert_eq!(row.credits, format!("presenter{SEP}A\nguest{SEP}B"));
        assert_eq!(row.flags, flag::SUBTITLES | flag::LIVE);
        assert!(row.langs.as_deref().unwrap().contains("Dadl"));
        let same = maker.row(p).description.unwrap().1;
        assert_eq!(
            row.description.as_ref().unwrap().1,
            same,
            "one key per text"
        );
        let other = maker.row(Programme {
            description: Some("Leaders debatE".into()),
            ..Default::default()
        });
        assert_ne!(
            other.description.unwrap().1,
            same,
            "same length, other text"
        );
    }
}
