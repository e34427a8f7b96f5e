//! The Archive screen: the catalogue newest first, or the hits of a search
//! (titles, speakers, topics, and moments in transcripts); OK plays the
//! speech, from the moment a transcript hit names or where the viewer left it.

use std::path::PathBuf;
use std::time::Instant;

use slint::{ComponentHandle, ModelRc, VecModel};

use super::osk::{Osk, OskResult};
use super::ui::{AppWindow, ArchiveAdapter, ArchiveRow};
use crate::archive::catalogue::ArchiveItem;
use crate::input::Action;
use crate::store::{ArchiveHit, Store};

/// Rows the screen shows at once.
pub const ROWS: usize = 5;

/// What OK asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayRequest {
    pub item: ArchiveItem,
    /// Seconds to start at (a transcript hit or the resume point).
    pub at: f64,
}

/// What a key did on the Archive screen.
#[derive(Debug, Clone, PartialEq)]
pub enum ArchiveOutcome {
    Redraw,
    Play(PlayRequest),
    /// Green: download the focused item for offline viewing.
    Download(ArchiveItem),
    Leave,
    Nothing,
}

#[derive(Debug, Default)]
pub struct ArchiveBrowser {
    pub items: Vec<ArchiveItem>,
    pub db: Option<PathBuf>,
    pub search: String,
    pub hits: Vec<ArchiveHit>,
    pub focus: usize,
    pub top: usize,
    pub keyboard: Option<Osk>,
}

impl ArchiveBrowser {
    /// How many rows the list has (items, or hits while searching).
    fn len(&self) -> usize {
        if self.search.is_empty() {
            self.items.len()
        } else {
            self.hits.len()
        }
    }

    fn run_search(&mut self) {
        self.hits = match (&self.db, self.search.trim().is_empty()) {
            (Some(db), false) => Store::open_reader(db)
                .and_then(|s| s.search_archive(&self.search, 50))
                .unwrap_or_else(|e| {
                    tracing::warn!("archive search: {e}");
                    Vec::new()
                }),
            _ => Vec::new(),
        };
        self.focus = 0;
        self.top = 0;
    }

    pub fn handle(&mut self, action: Action, now: Instant) -> ArchiveOutcome {
        if let Some(k) = self.keyboard.as_mut() {
            match k.handle(action, now) {
                OskResult::Typing => self.search = k.text.clone(),
                OskResult::Done(text) => {
                    self.search = text;
                    self.keyboard = None;
                }
                OskResult::Cancelled => self.keyboard = None,
                OskResult::Ignored => return ArchiveOutcome::Nothing,
            }
            self.run_search();
            return ArchiveOutcome::Redraw;
        }
        match action {
            Action::Up => self.focus = self.focus.saturating_sub(1),
            Action::Down => self.focus = (self.focus + 1).min(self.len().saturating_sub(1)),
            Action::Yellow => self.keyboard = Some(Osk::new(&self.search)),
            Action::Ok => return self.play(),
            Action::Green => {
                let id = if self.search.is_empty() {
                    self.items.get(self.focus).map(|i| i.id.clone())
                } else {
                    self.hits.get(self.focus).map(|h| h.id.clone())
                };
                return match id.and_then(|id| self.items.iter().find(|i| i.id == id)) {
                    Some(item) => ArchiveOutcome::Download(item.clone()),
                    None => ArchiveOutcome::Nothing,
                };
            }
            Action::Back if !self.search.is_empty() => {
                self.search.clear();
                self.hits.clear();
                self.focus = 0;
            }
            Action::Back | Action::Menu => return ArchiveOutcome::Leave,
            _ => return ArchiveOutcome::Nothing,
        }
        if self.focus < self.top {
            self.top = self.focus;
        } else if self.focus >= self.top + ROWS {
            self.top = self.focus + 1 - ROWS;
        }
        ArchiveOutcome::Redraw
    }

    fn play(&self) -> ArchiveOutcome {
        let (id, at) = if self.search.is_empty() {
            match self.items.get(self.focus) {
                Some(i) => (i.id.clone(), None),
                None => return ArchiveOutcome::Nothing,
            }
        } else {
            match self.hits.get(self.focus) {
                Some(h) => (h.id.clone(), h.at),
                None => return ArchiveOutcome::Nothing,
            }
        };
        let Some(item) = self.items.iter().find(|i| i.id == id).cloned() else {
            return ArchiveOutcome::Nothing;
        };
        // A transcript hit starts where the words are; otherwise where the
        // viewer stopped last time (unless that was the end).
        let resume = self
            .db
            .as_ref()
            .and_then(|db| Store::open_reader(db).ok())
            .and_then(|s| s.archive_position(&item.id).ok())
            .filter(|p| *p < item.duration - 5.0)
            .unwrap_or(0.0);
        ArchiveOutcome::Play(PlayRequest {
            at: at.unwrap_or(resume),
            item,
        })
    }

    /// The focused row's spoken label.
    pub fn focus_label(&self) -> String {
        if let Some(k) = &self.keyboard {
            return format!("Search: {}, key {}", k.text, k.focused());
        }
        if self.search.is_empty() {
            return self
                .items
                .get(self.focus)
                .map(|i| format!("{}, {}", i.title, speakers(i)))
                .unwrap_or_else(|| "No speeches".into());
        }
        self.hits
            .get(self.focus)
            .map(|h| match h.at {
                Some(at) => format!("{} at {}: {}", h.title, clock(at), h.snippet),
                None => h.title.clone(),
            })
            .unwrap_or_else(|| "No matches".into())
    }
}

fn speakers(i: &ArchiveItem) -> String {
    i.speakers
        .iter()
        .map(|s| match (&s.party, &s.role) {
            (Some(p), Some(r)) => format!("{} ({p}), {r}", s.name),
            (Some(p), None) => format!("{} ({p})", s.name),
            (None, Some(r)) => format!("{}, {r}", s.name),
            (None, None) => s.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// "1:05" for 65 seconds.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn row(
    i: &ArchiveItem,
    hit: Option<&ArchiveHit>,
    language: &str,
    cache: Option<&std::path::Path>,
) -> ArchiveRow {
    let date = super::guide::day_label(i.date, language);
    let place: Vec<&str> = [i.event.as_deref(), i.place.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    ArchiveRow {
        title: i.title.clone().into(),
        speakers: speakers(i).into(),
        where_when: format!("{} · {date}", place.join(" · ")).into(),
        duration: clock(i.duration).into(),
        sponsor: i.sponsor.clone().unwrap_or_default().into(),
        moment: hit.and_then(|h| h.at).map(clock).unwrap_or_default().into(),
        snippet: hit
            .filter(|h| h.at.is_some())
            .map(|h| h.snippet.clone())
            .unwrap_or_default()
            .into(),
        pinned: i.pinned,
        downloaded: cache
            .and_then(|c| crate::archive::download::manifest(c, &i.id))
            .is_some_and(|m| m.complete),
    }
}

/// Fills the Archive screen (the rows on screen only) and its keyboard.
pub(super) fn update(
    ui: &AppWindow,
    b: &ArchiveBrowser,
    language: &str,
    cache: Option<&std::path::Path>,
) {
    let a = ui.global::<ArchiveAdapter>();
    let rows: Vec<ArchiveRow> = if b.search.is_empty() {
        b.items
            .iter()
            .skip(b.top)
            .take(ROWS)
            .map(|i| row(i, None, language, cache))
            .collect()
    } else {
        b.hits
            .iter()
            .skip(b.top)
            .take(ROWS)
            .filter_map(|h| {
                let item = b.items.iter().find(|i| i.id == h.id)?;
                Some(row(item, Some(h), language, cache))
            })
            .collect()
    };
    a.set_rows(ModelRc::new(VecModel::from(rows)));
    a.set_focus(b.focus.saturating_sub(b.top) as i32);
    a.set_count(b.len() as i32);
    a.set_search(b.search.clone().into());
    super::channels_screen::show_keyboard(ui, b.keyboard.as_ref());
}
