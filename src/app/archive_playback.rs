//! Watching a speech from the archive: chapters on the colour keys (Red the
//! previous, Green the next), a transcript panel (Yellow; OK jumps to the
//! line), captions drawn from the transcript (Subtitles), and seeking with
//! ◀ ▶ (10 s) and ⏪ ⏩ (30 s). Back returns to the archive. Keys it does not
//! use go on to live TV's handling (volume, Menu, Info …).
//!
//! Plain state and decisions only; the controller sends the seeks and puts
//! the result on screen.

use slint::{ComponentHandle, Model, ModelRc, VecModel};

use super::effect::Effect;
use super::layers::{Ctx, Handled, Layer};
use super::ui::{AppWindow, CueRow, PlaybackAdapter};
use crate::archive::catalogue::ArchiveItem;
use crate::archive::transcript::Cue;
use crate::input::Action;

/// Seconds into a chapter after which Red restarts it rather than going back.
const RESTART_GRACE: f64 = 3.0;

/// The speech playing and the viewer's choices about it.
#[derive(Debug, Clone)]
pub struct ArchivePlayback {
    pub item: ArchiveItem,
    pub cues: Vec<Cue>,
    /// Seconds, as the player last reported (or the last seek).
    pub position: f64,
    /// The transcript panel is open, with this cue focused.
    pub panel: Option<usize>,
    /// Captions from the transcript are on.
    pub captions: bool,
}

impl ArchivePlayback {
    pub fn new(item: ArchiveItem, cues: Vec<Cue>, at: f64, captions: bool) -> Self {
        ArchivePlayback {
            item,
            cues,
            position: at,
            panel: None,
            captions,
        }
    }

    /// The chapter playing (index), if the item has chapters.
    pub fn chapter(&self) -> Option<usize> {
        self.item
            .chapters
            .iter()
            .rposition(|c| c.start <= self.position + 0.5)
    }

    /// The cue being said at `position` (the last one started).
    pub fn cue_at(&self, position: f64) -> Option<usize> {
        self.cues.iter().rposition(|c| c.start <= position + 0.05)
    }

    /// The caption to show now (transcript captions on and a cue is being said).
    pub fn caption(&self) -> Option<&str> {
        if !self.captions {
            return None;
        }
        let i = self.cue_at(self.position)?;
        let cue = &self.cues[i];
        (self.position < cue.end).then_some(cue.text.as_str())
    }

    /// What a screen reader says: the focused transcript line, or the
    /// speech, its chapter, position and caption.
    pub fn label(&self) -> String {
        if let Some(cue) = self.panel.and_then(|i| self.cues.get(i)) {
            return format!("Transcript, {}: {}", clock(cue.start), cue.text);
        }
        let mut label = self.item.title.clone();
        if let Some(c) = self.chapter() {
            label.push_str(&format!(", chapter {}", self.item.chapters[c].title));
        }
        if self.item.duration > 0.0 {
            label.push_str(&format!(
                ", {} of {}",
                clock(self.position),
                clock(self.item.duration)
            ));
        } else {
            label.push_str(&format!(", {}", clock(self.position)));
        }
        if let Some(caption) = self.caption() {
            label.push_str(&format!(", caption: {caption}"));
        }
        label
    }

    fn seek(&mut self, to: f64) -> Handled {
        // An on-demand video of unknown length is only bounded below.
        let end = if self.item.duration > 0.0 {
            (self.item.duration - 1.0).max(0.0)
        } else {
            f64::MAX
        };
        self.position = to.clamp(0.0, end);
        Handled::Consumed(vec![Effect::Seek(self.position)])
    }

    /// Handles one key.
    pub fn handle(&mut self, action: Action) -> Handled {
        if let Some(focus) = self.panel {
            let last = self.cues.len().saturating_sub(1);
            match action {
                Action::Up => self.panel = Some(focus.saturating_sub(1)),
                Action::Down => self.panel = Some((focus + 1).min(last)),
                Action::Ok => {
                    self.panel = None;
                    return match self.cues.get(focus) {
                        Some(cue) => self.seek(cue.start),
                        None => Handled::done(),
                    };
                }
                Action::Back | Action::Yellow => self.panel = None,
                _ => return Handled::pass(),
            }
            return Handled::done();
        }
        let chapters = &self.item.chapters;
        match action {
            Action::Green => match self.chapter().map_or(0, |c| c + 1) {
                next if next < chapters.len() => self.seek(chapters[next].start),
                _ => Handled::done(),
            },
            Action::Red => match self.chapter() {
                Some(c) => {
                    let into = self.position - chapters[c].start;
                    let to = if into > RESTART_GRACE || c == 0 {
                        c
                    } else {
                        c - 1
                    };
                    self.seek(chapters[to].start)
                }
                None => self.seek(0.0),
            },
            Action::Yellow if !self.cues.is_empty() => {
                self.panel = Some(self.cue_at(self.position).unwrap_or(0));
                Handled::done()
            }
            Action::Subtitles if !self.cues.is_empty() => {
                self.captions = !self.captions;
                Handled::done()
            }
            Action::Left => self.seek(self.position - 10.0),
            Action::Right => self.seek(self.position + 10.0),
            Action::Rewind => self.seek(self.position - 30.0),
            Action::FastForward => self.seek(self.position + 30.0),
            Action::Back => Handled::Consumed(vec![Effect::LeavePlayback]),
            _ => Handled::pass(),
        }
    }
}

impl Layer for ArchivePlayback {
    fn handle(&mut self, action: Action, _: &Ctx) -> Handled {
        ArchivePlayback::handle(self, action)
    }
}

/// Puts the speech playing (or none) on screen.
pub fn update(ui: &AppWindow, playback: Option<&ArchivePlayback>, info: bool) {
    let a = ui.global::<PlaybackAdapter>();
    a.set_active(playback.is_some());
    let Some(p) = playback else {
        return;
    };
    let duration = p.item.duration.max(1.0);
    let new_item =
        a.get_title() != p.item.title.as_str() || a.get_cues().row_count() != p.cues.len();
    a.set_info_visible(info || p.panel.is_some());
    a.set_title(p.item.title.as_str().into());
    a.set_chapter(
        p.chapter()
            .map(|c| p.item.chapters[c].title.clone())
            .unwrap_or_default()
            .into(),
    );
    if p.item.duration > 0.0 {
        a.set_position(format!("{} / {}", clock(p.position), clock(duration)).into());
        a.set_progress((p.position / duration) as f32);
    } else {
        a.set_position(clock(p.position).into());
        a.set_progress(0.0);
    }
    a.set_has_chapters(p.item.chapters.len() > 1);
    a.set_has_transcript(!p.cues.is_empty());
    a.set_sponsor(super::trust_view::sponsor_text(p.item.sponsor.as_ref()));
    a.set_caption(p.caption().unwrap_or_default().into());
    a.set_panel_visible(p.panel.is_some());
    if let Some(focus) = p.panel {
        a.set_panel_focus(focus as i32);
        a.set_panel_current(p.cue_at(p.position).map_or(-1, |c| c as i32));
    }
    if new_item {
        let rows: Vec<CueRow> = p
            .cues
            .iter()
            .map(|c| CueRow {
                time: clock(c.start).into(),
                text: c.text.as_str().into(),
            })
            .collect();
        a.set_cues(ModelRc::new(VecModel::from(rows)));
    }
}

/// "m:ss" for a position in seconds.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::catalogue::Chapter;

    fn playback() -> ArchivePlayback {
        let item = ArchiveItem {
            id: "s".into(),
            title: "Speech".into(),
            speakers: vec![],
            event: None,
            place: None,
            date: 0,
            duration: 60.0,
            topics: vec![],
            chapters: [("Welcome", 0.0), ("Rents", 20.0), ("Homes", 40.0)]
                .into_iter()
                .map(|(t, s)| Chapter {
                    title: t.into(),
                    start: s,
                })
                .collect(),
            transcript: None,
            thumbnail: None,
            hls: "http://h/s.m3u8".into(),
            checksums: Default::default(),
            sponsor: None,
            pinned: false,
            origin: Default::default(),
        };
        let cues = (0..6)
            .map(|i| Cue {
                start: f64::from(i) * 10.0,
                end: f64::from(i) * 10.0 + 4.0,
                text: format!("line {i}"),
            })
            .collect();
        ArchivePlayback::new(item, cues, 25.0, false)
    }

    #[test]
    fn colour_keys_step_through_chapters() {
        let mut p = playback();
        assert_eq!(
            p.handle(Action::Green),
            Handled::Consumed(vec![Effect::Seek(40.0)])
        );
        assert_eq!(
            p.handle(Action::Green),
            Handled::done(),
            "no chapter after the last"
        );
        p.position = 45.0;
        assert_eq!(
            p.handle(Action::Red),
            Handled::Consumed(vec![Effect::Seek(40.0)]),
            "well into it: its start"
        );
        p.position = 41.0;
        assert_eq!(
            p.handle(Action::Red),
            Handled::Consumed(vec![Effect::Seek(20.0)]),
            "just begun: the previous"
        );
        p.position = 1.0;
        assert_eq!(
            p.handle(Action::Red),
            Handled::Consumed(vec![Effect::Seek(0.0)])
        );
    }

    #[test]
    fn the_transcript_panel_jumps_to_a_line_and_captions_follow_the_cues() {
        let mut p = playback();
        assert_eq!(p.handle(Action::Yellow), Handled::done());
        assert_eq!(p.panel, Some(2), "opens on the line being said");
        p.handle(Action::Down);
        p.handle(Action::Down);
        assert_eq!(
            p.handle(Action::Ok),
            Handled::Consumed(vec![Effect::Seek(40.0)])
        );
        assert_eq!(p.panel, None);
        assert_eq!(p.caption(), None, "captions off");
        p.handle(Action::Subtitles);
        assert_eq!(p.caption(), Some("line 4"));
        p.position = 45.0;
        assert_eq!(p.caption(), None, "between cues");
        assert_eq!(
            p.handle(Action::Back),
            Handled::Consumed(vec![Effect::LeavePlayback])
        );
        assert_eq!(p.handle(Action::VolumeUp), Handled::pass());
    }

    #[test]
    fn seeks_stay_inside_the_speech() {
        let mut p = playback();
        assert_eq!(
            p.handle(Action::Rewind),
            Handled::Consumed(vec![Effect::Seek(0.0)])
        );
        assert_eq!(
            p.handle(Action::Right),
            Handled::Consumed(vec![Effect::Seek(10.0)])
        );
        p.position = 55.0;
        assert_eq!(
            p.handle(Action::FastForward),
            Handled::Consumed(vec![Effect::Seek(59.0)])
        );
    }
}
