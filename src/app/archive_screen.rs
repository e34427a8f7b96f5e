//! The Archive screen: the catalogue newest first, or the hits of a search
//! (titles, speakers, topics, and moments in transcripts); OK plays the
//! speech, from the moment a transcript hit names or where the viewer left it.

use std::path::PathBuf;

use slint::{ComponentHandle, ModelRc, VecModel};

use super::effect::{Effect, PlayRequest, TypingFor};
use super::layers::{Ctx, Handled, Layer};
use super::ui::{AppWindow, ArchiveAdapter, ArchiveRow};
use crate::archive::catalogue::ArchiveItem;
use crate::input::Action;
use crate::store::{ArchiveHit, Store};
use crate::trust::{Badge, FeedKind, TrustGate};

/// Rows the screen shows at once.
pub const ROWS: usize = 5;

/// Info on an item says why it is there: its publisher's signature and any
/// sponsor; the rest is [`ArchiveBrowser::handle`].
impl Layer for ArchiveBrowser {
    fn handle(&mut self, action: Action, _: &Ctx) -> Handled {
        if action == Action::Info
            && let Some(item) = self.focused_item()
        {
            let why = super::trust_view::why(self.badge(item), item.sponsor.as_ref());
            return Handled::Consumed(vec![Effect::Notice(why)]);
        }
        ArchiveBrowser::handle(self, action)
    }
}

#[derive(Debug, Default)]
pub struct ArchiveBrowser {
    pub items: Vec<ArchiveItem>,
    pub db: Option<PathBuf>,
    pub search: String,
    pub hits: Vec<ArchiveHit>,
    pub focus: usize,
    pub top: usize,
    /// The badge of the archive catalogue in force (its items').
    pub catalogue_badge: Badge,
    /// The badge of the lineup in force (VOD and catch-up items come from it).
    pub lineup_badge: Badge,
}

impl ArchiveBrowser {
    /// Takes the badges of the feeds its items come from.
    pub(super) fn take_badges(&mut self, trust: Option<&TrustGate>) {
        let Some(gate) = trust else { return };
        self.catalogue_badge = gate.kind_badge(FeedKind::Archive);
        self.lineup_badge = gate.kind_badge(FeedKind::Lineup);
    }

    /// The badge an item shows: its feed's.
    pub fn badge(&self, item: &ArchiveItem) -> &Badge {
        match item.origin {
            crate::archive::catalogue::Origin::Catalogue => &self.catalogue_badge,
            _ => &self.lineup_badge,
        }
    }

    /// The focused item (of the list, or of the search hits).
    pub fn focused_item(&self) -> Option<&ArchiveItem> {
        if self.search.is_empty() {
            self.items.get(self.focus)
        } else {
            let hit = self.hits.get(self.focus)?;
            self.items.iter().find(|i| i.id == hit.id)
        }
    }

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
        // VOD entries and catch-up programmes are not in the catalogue's
        // index: their titles, channels and topics are matched here.
        let words: Vec<String> = self
            .search
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        if !words.is_empty() {
            let others = self.items.iter().filter(|i| {
                i.origin != crate::archive::catalogue::Origin::Catalogue && {
                    let text = format!(
                        "{} {} {}",
                        i.title,
                        i.event.as_deref().unwrap_or_default(),
                        i.topics.join(" ")
                    )
                    .to_lowercase();
                    words.iter().all(|w| text.contains(w.as_str()))
                }
            });
            let extra: Vec<ArchiveHit> = others
                .take(50)
                .map(|i| ArchiveHit {
                    id: i.id.clone(),
                    title: i.title.clone(),
                    at: None,
                    snippet: i.title.clone(),
                })
                .collect();
            self.hits.extend(extra);
        }
        self.focus = 0;
        self.top = 0;
    }

    /// The search typed on the keyboard: its hits, from the top.
    pub fn set_search(&mut self, text: String) {
        self.search = text;
        self.run_search();
    }

    pub fn handle(&mut self, action: Action) -> Handled {
        match action {
            Action::Up => self.focus = self.focus.saturating_sub(1),
            Action::Down => self.focus = (self.focus + 1).min(self.len().saturating_sub(1)),
            Action::Yellow => {
                return Handled::Consumed(vec![Effect::OpenKeyboard(
                    TypingFor::ArchiveSearch,
                    self.search.clone(),
                )]);
            }
            Action::Ok => return self.play(),
            Action::Green => {
                let id = if self.search.is_empty() {
                    self.items.get(self.focus).map(|i| i.id.clone())
                } else {
                    self.hits.get(self.focus).map(|h| h.id.clone())
                };
                return match id.and_then(|id| self.items.iter().find(|i| i.id == id)) {
                    Some(item) => Handled::Consumed(vec![Effect::Download(item.clone())]),
                    None => Handled::done(),
                };
            }
            Action::Back if !self.search.is_empty() => {
                self.search.clear();
                self.hits.clear();
                self.focus = 0;
            }
            Action::Back | Action::Menu => return Handled::Consumed(vec![Effect::BackToMenu]),
            _ => return Handled::pass(),
        }
        if self.focus < self.top {
            self.top = self.focus;
        } else if self.focus >= self.top + ROWS {
            self.top = self.focus + 1 - ROWS;
        }
        Handled::done()
    }

    fn play(&self) -> Handled {
        let (id, at) = if self.search.is_empty() {
            match self.items.get(self.focus) {
                Some(i) => (i.id.clone(), None),
                None => return Handled::done(),
            }
        } else {
            match self.hits.get(self.focus) {
                Some(h) => (h.id.clone(), h.at),
                None => return Handled::done(),
            }
        };
        let Some(item) = self.items.iter().find(|i| i.id == id).cloned() else {
            return Handled::done();
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
        Handled::Consumed(vec![Effect::PlayArchive(PlayRequest {
            at: at.unwrap_or(resume),
            item,
        })])
    }

    /// The focused row's spoken label.
    pub fn focus_label(&self) -> String {
        if self.search.is_empty() {
            return self
                .items
                .get(self.focus)
                .map(|i| {
                    // Speakers for a speech; the channel for catch-up, the group for VOD.
                    let who = match speakers(i) {
                        s if s.is_empty() => i.event.clone().unwrap_or_default(),
                        s => s,
                    };
                    let badge = super::trust_view::badge_label(self.badge(i));
                    match &i.origin {
                        crate::archive::catalogue::Origin::Catalogue => {
                            format!("{}, {who}, {badge}", i.title)
                        }
                        crate::archive::catalogue::Origin::Lineup => {
                            format!("{}, video on demand, {who}, {badge}", i.title)
                        }
                        crate::archive::catalogue::Origin::CatchUp { .. } => {
                            format!("{}, {who}, catch-up, {badge}", i.title)
                        }
                    }
                })
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

/// "1:05" for 65 seconds, "1:00:00" for an hour.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn row(
    i: &ArchiveItem,
    badge: &Badge,
    hit: Option<&ArchiveHit>,
    language: &str,
    cache: Option<&std::path::Path>,
    image: &mut dyn FnMut(&str) -> Option<slint::Image>,
) -> ArchiveRow {
    let thumbnail = i.thumbnail.as_deref().and_then(image);
    use crate::archive::catalogue::Origin;
    let date = match &i.origin {
        // A past programme: the day and its time, marked as catch-up.
        Origin::CatchUp { .. } => format!(
            "{} {} · ↺",
            super::guide::day_label(i.date, language),
            super::live::hm(i.date)
        ),
        Origin::Lineup => "VOD".to_string(),
        Origin::Catalogue => super::guide::day_label(i.date, language),
    };
    let place: Vec<&str> = [i.event.as_deref(), i.place.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    ArchiveRow {
        title: i.title.clone().into(),
        speakers: speakers(i).into(),
        where_when: format!("{} · {date}", place.join(" · ")).into(),
        duration: if i.duration > 0.0 {
            clock(i.duration)
        } else {
            String::new()
        }
        .into(),
        sponsor: super::trust_view::sponsor_text(i.sponsor.as_ref()),
        verified_by: match badge {
            Badge::Verified { publisher, .. } => publisher.clone(),
            Badge::Unverified => String::new(),
        }
        .into(),
        moment: hit.and_then(|h| h.at).map(clock).unwrap_or_default().into(),
        snippet: hit
            .filter(|h| h.at.is_some())
            .map(|h| h.snippet.clone())
            .unwrap_or_default()
            .into(),
        pinned: i.pinned,
        has_thumbnail: thumbnail.is_some(),
        thumbnail: thumbnail.unwrap_or_default(),
        downloaded: cache
            .and_then(|c| crate::archive::download::manifest(c, &i.id))
            .is_some_and(|m| m.complete),
    }
}

/// Fills the Archive screen (the rows on screen only).
pub(super) fn update(
    ui: &AppWindow,
    b: &ArchiveBrowser,
    language: &str,
    cache: Option<&std::path::Path>,
    image: &mut dyn FnMut(&str) -> Option<slint::Image>,
) {
    let a = ui.global::<ArchiveAdapter>();
    let rows: Vec<ArchiveRow> = if b.search.is_empty() {
        b.items
            .iter()
            .skip(b.top)
            .take(ROWS)
            .map(|i| row(i, b.badge(i), None, language, cache, image))
            .collect()
    } else {
        b.hits
            .iter()
            .skip(b.top)
            .take(ROWS)
            .filter_map(|h| {
                let item = b.items.iter().find(|i| i.id == h.id)?;
                Some(row(item, b.badge(item), Some(h), language, cache, image))
            })
            .collect()
    };
    a.set_rows(ModelRc::new(VecModel::from(rows)));
    a.set_focus(b.focus.saturating_sub(b.top) as i32);
    a.set_count(b.len() as i32);
    a.set_search(b.search.clone().into());
}
