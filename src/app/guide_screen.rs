//! The Guide screen: the page of the grid on screen (read through the
//! pager), drawn again only when the page or what marks its cells changed,
//! and what its focus says. Navigation (`Nav`) moves the focus; this holds
//! what the focus is on.

use super::guide::{self, CellState};
use super::guide_page::{GuidePager, PageRow};
use super::live;
use super::nav::{GUIDE_ROWS, Nav};
use super::session::Session;
use super::ui::AppWindow;
use crate::guide::Programme;
use crate::lineup::Channel;

/// What a drawn page was built from: top row, window start, minute,
/// reminders, channels. The same key: only the focus moved.
type PageKey = (usize, i64, i64, usize, usize);

/// The guide grid's page and where it is read from.
#[derive(Default)]
pub struct GuideScreen {
    pager: GuidePager,
    /// The rows on screen.
    page: Vec<PageRow>,
    drawn: Option<PageKey>,
}

impl GuideScreen {
    /// New feeds: pages are read through `pager` from now on.
    pub fn load(&mut self, pager: GuidePager) {
        self.pager = pager;
        self.drawn = None;
    }

    /// The look changed (language, text size): the page is drawn again.
    pub fn redraw(&mut self) {
        self.drawn = None;
    }

    /// The programme at the focused cell, if the cell has one.
    pub fn focused(&self, nav: &Nav) -> Option<&Programme> {
        guide::programme_at(&self.page, nav)
    }

    /// The focused programme in full (description, credits, rating), for its details.
    pub fn focused_in_full(&self, nav: &Nav) -> Option<Programme> {
        let row = self.page.iter().find(|r| r.channel == nav.guide_row)?;
        self.pager.full(row, nav.guide_cell)
    }

    /// Reads the page the focus is on (when it changed) and paints it; tells
    /// navigation how many cells each row has.
    pub fn view(&mut self, ui: &AppWindow, nav: &mut Nav, session: &Session, now: i64) {
        let from = guide::window_start(nav, now);
        let top = nav.guide_top;
        let key = (
            top,
            from,
            now / 60,
            session.reminders.len(),
            session.channels.len(),
        );
        let rebuild = self.drawn != Some(key);
        self.drawn = Some(key);
        if rebuild {
            self.page = self.pager.page(
                &session.channels,
                top..top + GUIDE_ROWS,
                from,
                from + guide::WINDOW,
                &session.guide,
            );
        }
        nav.set_guide_cells(self.page.iter().map(|r| r.programmes.len()).collect());
        // A focus move within the page repaints the details, not the cells.
        let state = |ch: &Channel, p: &Programme| cell_state(session, ch, p, now);
        guide::update(
            ui,
            nav,
            &session.channels,
            &self.page,
            now,
            state,
            session.language(),
            rebuild,
        );
    }

    /// What a screen reader says for the focused cell.
    pub fn focus_label(&self, nav: &Nav, session: &Session, now: i64) -> String {
        let p = self.focused(nav);
        let day = guide::day_label(
            p.map_or(guide::window_start(nav, now), |p| p.start),
            session.language(),
        );
        match (p, session.channels.get(nav.guide_row)) {
            (Some(p), Some(ch)) => {
                let state = cell_state(session, ch, p, now);
                let mut label = format!("{}, {}, {day}", p.title, live::span(p));
                if state.catchup {
                    label.push_str(", catch-up");
                }
                if state.reminder {
                    label.push_str(", reminder set");
                }
                label
            }
            (None, Some(ch)) => format!("{} {}, no programme information", ch.number, ch.name),
            (_, None) => String::new(),
        }
    }
}

/// A cell's marks: past, playable from catch-up, reminded.
fn cell_state(session: &Session, ch: &Channel, p: &Programme, now: i64) -> CellState {
    let past = p.stop.is_some_and(|stop| stop <= now);
    CellState {
        past,
        catchup: past && crate::guide::has_catchup(ch, p, now),
        reminder: session.reminded(&ch.key.0, p.start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineup::ChannelKey;

    const NOW: i64 = 1_772_618_820; // 4 March 2026, 10:07 UTC

    fn session() -> Session {
        let mut s = Session::default();
        let mut ch = Channel {
            key: ChannelKey("council".into()),
            name: "Council Live".into(),
            number: 1,
            ..Default::default()
        };
        ch.catchup.mode = Some(crate::lineup::CatchupMode::Default);
        s.channels.push(ch);
        s
    }

    fn programme(start: i64, stop: i64, title: &str) -> Programme {
        Programme {
            channel: "council".into(),
            start,
            stop: Some(stop),
            title: title.into(),
            ..Default::default()
        }
    }

    fn screen_with(programmes: Vec<Programme>) -> GuideScreen {
        GuideScreen {
            page: vec![PageRow {
                channel: 0,
                ids: vec![None; programmes.len()],
                programmes,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_focused_cell_says_its_programme_catch_up_and_reminder() {
        let mut s = session();
        let screen = screen_with(vec![
            programme(NOW - 3600, NOW - 600, "Budget"),
            programme(NOW + 600, NOW + 1800, "Debate"),
        ]);
        let mut nav = Nav::new(vec![1]);
        let label = screen.focus_label(&nav, &s, NOW);
        assert!(label.starts_with("Budget, "), "{label}");
        assert!(label.ends_with(", catch-up"), "{label}");

        nav.guide_cell = 1;
        s.reminders.push(super::super::session::Reminder {
            channel: "council".into(),
            start: NOW + 600,
            title: "Debate".into(),
        });
        let label = screen.focus_label(&nav, &s, NOW);
        assert!(label.starts_with("Debate, "), "{label}");
        assert!(label.ends_with(", reminder set"), "{label}");
        assert_eq!(screen.focused(&nav).map(|p| p.start), Some(NOW + 600));
    }

    #[test]
    fn a_channel_without_programmes_says_so() {
        let screen = screen_with(vec![]);
        let nav = Nav::new(vec![1]);
        assert_eq!(
            screen.focus_label(&nav, &session(), NOW),
            "1 Council Live, no programme information"
        );
        assert!(screen.focused_in_full(&nav).is_none());
    }
}
