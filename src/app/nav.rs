//! Navigation state: which screen, which channel, what has focus.
//!
//! Pure Rust, no Slint and no player: [`Nav::handle`] takes an [`Action`] and
//! returns the [`Effect`]s the controller must carry out, so every screen can
//! be driven by a list of actions in a test without a window.

use super::effect::Effect;
use super::preferences::SettingRow;
pub use super::screen::Screen;
use crate::input::Action;

/// The main menu's entries, in order.
pub const MENU: [Screen; 5] = [
    Screen::Live,
    Screen::Guide,
    Screen::Channels,
    Screen::Archive,
    Screen::Settings,
];

/// Channel rows the guide shows at once (and moves on Channel Up/Down).
pub const GUIDE_ROWS: usize = 6;
/// How far Left/Right past the visible programmes moves the guide's time.
pub const GUIDE_STEP: i64 = 90 * 60;
/// How far the colour keys jump the guide's time.
pub const GUIDE_DAY: i64 = 24 * 3600;
/// The guide browses this far back and ahead of now.
pub const GUIDE_REACH: i64 = 7 * GUIDE_DAY;
/// Digits a channel number may have.
const MAX_DIGITS: usize = 4;

/// Navigation state for the whole app.
#[derive(Debug, Clone)]
pub struct Nav {
    pub screen: Screen,
    numbers: Vec<u32>,
    pub current: Option<usize>,
    pub previous: Option<usize>,
    pub list_open: bool,
    pub list_focus: usize,
    /// The focused channel row (an index into the lineup).
    pub guide_row: usize,
    /// The first row on screen.
    pub guide_top: usize,
    /// Seconds from the half-hour before now to the start of the guide's time window.
    pub guide_shift: i64,
    pub guide_cell: usize,
    /// Programme cells of each row on screen.
    guide_cells: Vec<usize>,
    pub banner: bool,
    pub digits: String,
    pub menu_focus: usize,
    pub settings_focus: usize,
    /// The channel the banner's mini-guide shows while browsing with ◀ ▶
    /// (the picture stays on the current one).
    pub browse: Option<usize>,
}

impl Nav {
    /// A navigation state over channels with these numbers, in lineup order.
    pub fn new(numbers: Vec<u32>) -> Self {
        Nav {
            screen: Screen::Live,
            numbers,
            current: None,
            previous: None,
            list_open: false,
            list_focus: 0,
            guide_row: 0,
            guide_top: 0,
            guide_shift: 0,
            guide_cell: 0,
            guide_cells: Vec::new(),
            banner: false,
            digits: String::new(),
            menu_focus: 0,
            settings_focus: 0,
            browse: None,
        }
    }

    fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Tells the guide how many programme cells each row on screen shows
    /// (from `guide_top`).
    pub fn set_guide_cells(&mut self, cells: Vec<usize>) {
        self.guide_cells = cells;
        self.clamp_guide_cell();
    }

    fn cells_in_focused_row(&self) -> usize {
        self.guide_row
            .checked_sub(self.guide_top)
            .and_then(|i| self.guide_cells.get(i))
            .copied()
            .unwrap_or(0)
    }

    fn clamp_guide_cell(&mut self) {
        let n = self.cells_in_focused_row();
        self.guide_cell = self.guide_cell.min(n.saturating_sub(1));
    }

    /// Keeps the focused row on screen, scrolling as little as possible.
    fn scroll_guide(&mut self) {
        if self.guide_row < self.guide_top {
            self.guide_top = self.guide_row;
        } else if self.guide_row >= self.guide_top + GUIDE_ROWS {
            self.guide_top = self.guide_row + 1 - GUIDE_ROWS;
        }
        let max_top = self.len().saturating_sub(GUIDE_ROWS);
        self.guide_top = self.guide_top.min(max_top);
    }

    fn shift_guide(&mut self, by: i64) -> bool {
        let to = (self.guide_shift + by).clamp(-GUIDE_REACH, GUIDE_REACH);
        let moved = to != self.guide_shift;
        self.guide_shift = to;
        moved
    }

    /// Switches to channel `index` (no effect if out of range).
    pub fn tune(&mut self, index: usize) -> Vec<Effect> {
        if index >= self.len() {
            return vec![];
        }
        if self.current != Some(index) {
            self.previous = self.current;
        }
        self.browse = None;
        self.current = Some(index);
        self.list_focus = index;
        self.banner = true;
        vec![Effect::Tune(index), Effect::Banner(true)]
    }

    fn step(&self, delta: isize) -> Option<usize> {
        let n = self.len() as isize;
        if n == 0 {
            return None;
        }
        let from = self.current.unwrap_or(0) as isize;
        Some((from + delta).rem_euclid(n) as usize)
    }

    fn zap(&mut self, delta: isize) -> Vec<Effect> {
        self.step(delta).map(|i| self.tune(i)).unwrap_or_default()
    }

    /// Handles one remote-control action: live TV, the guide, the menu and
    /// Settings are navigation's own screens; Home returns to live TV from
    /// any. The keys every screen shares are `layers::GlobalKeys`, and the
    /// Archive, Channels and details screens keep their own state; their
    /// keys come here only when they passed them.
    pub fn handle(&mut self, action: Action) -> Vec<Effect> {
        if action == Action::Home && self.screen != Screen::Live {
            self.screen = Screen::Live;
            return vec![Effect::Redraw];
        }
        match self.screen {
            Screen::Live => self.live(action),
            Screen::Guide => self.guide(action),
            Screen::Menu => self.menu(action),
            Screen::Settings => self.settings(action),
            Screen::Archive | Screen::Channels | Screen::Details => vec![],
        }
    }

    /// Shows `screen` (an effect or the controller chose it; the screen
    /// keeps its own focus).
    pub fn show(&mut self, screen: Screen) {
        self.screen = screen;
    }

    /// Live TV on channel `index`: the zap, with the banner.
    pub fn watch(&mut self, index: usize) -> Vec<Effect> {
        self.screen = Screen::Live;
        self.tune(index)
    }

    /// Live TV on channel `index`, played by the controller rather than by
    /// a zap of navigation's own (a past programme from the archive): the
    /// current channel, without history.
    pub fn watching(&mut self, index: usize) {
        self.screen = Screen::Live;
        self.current = Some(index);
    }

    /// A zap the box made by itself (a shared screen's schedule, the reset
    /// between viewers): not history Back returns to.
    pub fn tune_unrecorded(&mut self, index: usize) -> Vec<Effect> {
        let fx = self.tune(index);
        self.previous = None;
        fx
    }

    /// A speech starts on live TV's screen, its bar not up yet.
    pub fn play_speech(&mut self) {
        self.screen = Screen::Live;
        self.banner = false;
    }

    /// The banner up (Info, a seek in a speech).
    pub fn show_banner(&mut self) {
        self.banner = true;
    }

    /// The banner's time ran out: it goes, and the mini-guide with it.
    pub fn banner_timed_out(&mut self) {
        self.banner = false;
        self.browse = None;
    }

    /// The channel list over live TV, on the current channel.
    pub fn open_list(&mut self) {
        self.list_open = true;
        self.list_focus = self.current.unwrap_or(0);
    }

    /// Between viewers of a shared screen: live TV with nothing open, no
    /// number half typed and no history.
    pub fn reset(&mut self) {
        self.screen = Screen::Live;
        self.previous = None;
        self.digits.clear();
        self.list_open = false;
        self.browse = None;
    }

    /// Navigation over a new lineup of channels numbered `numbers`: the
    /// screen, the guide's place and the menus' focus stay; the current,
    /// previous and focused channels follow their channel (`moved` maps an
    /// old index to the new one, None when the channel has gone).
    pub fn relineup(&self, numbers: Vec<u32>, moved: impl Fn(usize) -> Option<usize>) -> Nav {
        let len = numbers.len();
        let mut nav = Nav::new(numbers);
        nav.screen = self.screen;
        nav.current = self.current.and_then(&moved);
        nav.previous = self.previous.and_then(&moved);
        nav.list_open = self.list_open;
        nav.list_focus = moved(self.list_focus).or(nav.current).unwrap_or(0);
        nav.guide_row = self.guide_row.min(len.saturating_sub(1));
        nav.guide_top = self.guide_top.min(nav.guide_row);
        nav.guide_shift = self.guide_shift;
        nav.guide_cell = self.guide_cell;
        nav.menu_focus = self.menu_focus;
        nav.settings_focus = self.settings_focus;
        nav.banner = self.banner;
        nav
    }

    /// Opens Settings on its first row (after the PIN, when there is one).
    pub fn open_settings(&mut self) {
        self.screen = Screen::Settings;
        self.settings_focus = 0;
    }

    /// Back to the main menu (from a screen that handles its own keys).
    pub fn back_to_menu(&mut self) -> Vec<Effect> {
        self.open_menu()
    }

    /// Opens the main menu on the entry for the screen left.
    fn open_menu(&mut self) -> Vec<Effect> {
        self.menu_focus = MENU.iter().position(|s| *s == self.screen).unwrap_or(0);
        self.screen = Screen::Menu;
        self.list_open = false;
        vec![Effect::Redraw]
    }

    fn open_guide(&mut self) -> Vec<Effect> {
        self.screen = Screen::Guide;
        self.list_open = false;
        self.guide_row = self.current.unwrap_or(0);
        self.guide_top = self.guide_row.saturating_sub(GUIDE_ROWS / 2);
        self.scroll_guide();
        self.guide_shift = 0;
        self.guide_cell = 0;
        // The controller fills the cell counts for the new window.
        self.guide_cells.clear();
        vec![Effect::Redraw]
    }

    fn menu(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Up => self.menu_focus = self.menu_focus.saturating_sub(1),
            Action::Down => self.menu_focus = (self.menu_focus + 1).min(MENU.len() - 1),
            Action::Ok => {
                return match MENU[self.menu_focus] {
                    Screen::Guide => self.open_guide(),
                    Screen::Channels => {
                        self.screen = Screen::Channels;
                        vec![Effect::OpenChannels, Effect::Redraw]
                    }
                    Screen::Settings => vec![Effect::OpenSettings],
                    Screen::Archive => {
                        self.screen = Screen::Archive;
                        vec![Effect::OpenArchive, Effect::Redraw]
                    }
                    screen => {
                        self.screen = screen;
                        vec![Effect::Redraw]
                    }
                };
            }
            Action::Back | Action::Menu => self.screen = Screen::Live,
            Action::Guide => return self.open_guide(),
            _ => return vec![],
        }
        vec![Effect::Redraw]
    }

    fn settings(&mut self, action: Action) -> Vec<Effect> {
        let last = SettingRow::ALL.len() - 1;
        let row = SettingRow::ALL[self.settings_focus.min(last)];
        match action {
            Action::Up => self.settings_focus = self.settings_focus.saturating_sub(1),
            Action::Down => self.settings_focus = (self.settings_focus + 1).min(last),
            Action::Left => return vec![Effect::ChangeSetting(row, -1), Effect::Redraw],
            Action::Right | Action::Ok => {
                return vec![Effect::ChangeSetting(row, 1), Effect::Redraw];
            }
            Action::Back | Action::Menu => return self.open_menu(),
            _ => return vec![],
        }
        vec![Effect::Redraw]
    }

    fn live(&mut self, action: Action) -> Vec<Effect> {
        let n = self.len();
        match action {
            Action::ChannelUp => self.zap(1),
            Action::ChannelDown => self.zap(-1),
            Action::Up | Action::Down if self.list_open && n > 0 => {
                let delta = if action == Action::Up { -1 } else { 1 };
                self.list_focus =
                    (self.list_focus as isize + delta).rem_euclid(n as isize) as usize;
                vec![Effect::Redraw]
            }
            Action::Up => self.zap(1),
            Action::Down => self.zap(-1),
            // The mini-guide: other channels' now and next in the banner.
            Action::Left | Action::Right if !self.list_open && n > 0 => {
                let delta = if action == Action::Right { 1 } else { -1 };
                let from = self.browse.or(self.current).unwrap_or(0) as isize;
                self.browse = Some((from + delta).rem_euclid(n as isize) as usize);
                self.banner = true;
                vec![Effect::Banner(true), Effect::Redraw]
            }
            Action::Ok if self.browse.is_some() && self.digits.is_empty() => {
                let index = self.browse.take().unwrap_or(0);
                self.tune(index)
            }
            Action::Back if self.browse.is_some() => {
                self.browse = None;
                vec![Effect::Redraw]
            }
            Action::Ok if self.list_open => {
                self.list_open = false;
                let mut fx = self.tune(self.list_focus);
                fx.push(Effect::Redraw);
                fx
            }
            Action::Green if self.list_open && n > 0 => {
                vec![Effect::ToggleFavourite(self.list_focus), Effect::Redraw]
            }
            Action::Ok if !self.digits.is_empty() => self.commit_number(),
            Action::Menu => self.open_menu(),
            Action::Ok => {
                self.list_open = true;
                self.list_focus = self.current.unwrap_or(0);
                vec![Effect::Redraw]
            }
            Action::Info => {
                self.banner = !self.banner;
                vec![Effect::Banner(self.banner)]
            }
            Action::Guide => self.open_guide(),
            Action::Back => {
                if self.list_open {
                    self.list_open = false;
                    vec![Effect::Redraw]
                } else if !self.digits.is_empty() {
                    self.digits.clear();
                    vec![Effect::NumberEntry(String::new())]
                } else if let Some(prev) = self.previous {
                    self.tune(prev)
                } else if self.banner {
                    self.banner = false;
                    vec![Effect::Banner(false)]
                } else {
                    vec![]
                }
            }
            Action::Home => {
                self.list_open = false;
                self.banner = true;
                vec![Effect::Banner(true), Effect::Redraw]
            }
            Action::Rewind => vec![Effect::Restart],
            Action::Blue if !self.list_open => vec![Effect::ToggleDiagnostics],
            Action::Digit(d) => {
                if self.digits.len() >= MAX_DIGITS {
                    self.digits.clear();
                }
                self.digits.push(char::from(b'0' + d.min(9)));
                vec![Effect::NumberEntry(self.digits.clone())]
            }
            _ => vec![],
        }
    }

    /// Tunes the channel whose number was typed (called on OK or the entry timeout).
    pub fn commit_number(&mut self) -> Vec<Effect> {
        let typed = std::mem::take(&mut self.digits);
        let mut fx = vec![Effect::NumberEntry(String::new())];
        let Ok(number) = typed.parse::<u32>() else {
            return fx;
        };
        match self.numbers.iter().position(|&n| n == number) {
            Some(i) => fx.extend(self.tune(i)),
            None => fx.push(Effect::Notice(super::messages::Message::NoChannel(number))),
        }
        fx
    }

    fn guide(&mut self, action: Action) -> Vec<Effect> {
        let rows = self.len();
        let last = rows.saturating_sub(1);
        match action {
            Action::Up => self.guide_row = self.guide_row.saturating_sub(1),
            Action::Down => self.guide_row = (self.guide_row + 1).min(last),
            // A page at a time: the whole screen moves, focus keeps its place on it.
            Action::ChannelUp => {
                let step = GUIDE_ROWS.min(self.guide_top);
                self.guide_top -= step;
                self.guide_row = self.guide_row.saturating_sub(GUIDE_ROWS);
            }
            Action::ChannelDown => {
                self.guide_top += GUIDE_ROWS;
                self.guide_row = (self.guide_row + GUIDE_ROWS).min(last);
            }
            Action::Left if self.guide_cell == 0 => {
                if self.shift_guide(-GUIDE_STEP) {
                    // The programme before, at the right of the earlier window.
                    self.guide_cell = usize::MAX;
                }
                self.guide_cells.clear();
            }
            Action::Left => self.guide_cell -= 1,
            Action::Right if self.guide_cell + 1 >= self.cells_in_focused_row() => {
                if self.shift_guide(GUIDE_STEP) {
                    self.guide_cell = 0;
                }
                self.guide_cells.clear();
            }
            Action::Right => self.guide_cell += 1,
            Action::Red | Action::Green => {
                let day = if action == Action::Red {
                    -GUIDE_DAY
                } else {
                    GUIDE_DAY
                };
                self.shift_guide(day);
                self.guide_cell = 0;
                self.guide_cells.clear();
            }
            Action::Yellow => {
                self.guide_shift = 0;
                self.guide_cell = 0;
                self.guide_cells.clear();
            }
            Action::Ok => {
                return vec![Effect::OpenProgramme {
                    row: self.guide_row,
                    cell: self.guide_cell,
                }];
            }
            Action::Back | Action::Guide => {
                self.screen = Screen::Live;
                return vec![Effect::Redraw];
            }
            Action::Menu => return self.open_menu(),
            Action::Info => return vec![Effect::OpenDetails],
            _ => return vec![],
        }
        self.scroll_guide();
        if !self.guide_cells.is_empty() {
            self.clamp_guide_cell();
        }
        vec![Effect::Redraw]
    }
}

/// The bottom of the layer stack: every key no layer above consumed.
impl super::layers::Layer for Nav {
    fn handle(&mut self, action: Action, _: &super::layers::Ctx) -> super::layers::Handled {
        super::layers::Handled::Consumed(Nav::handle(self, action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    fn nav3() -> Nav {
        let mut n = Nav::new(vec![1, 2, 3]);
        n.tune(0);
        n
    }

    fn run(nav: &mut Nav, actions: &[Action]) -> Vec<Effect> {
        actions.iter().flat_map(|a| nav.handle(*a)).collect()
    }

    #[test]
    fn a_new_lineup_keeps_the_screen_and_follows_the_channels() {
        let mut n = nav3();
        n.tune(2); // previous 0, current 2
        n.screen = Screen::Guide;
        n.guide_row = 2;
        n.guide_top = 1;
        n.list_focus = 1;
        // Channel 0 has gone; 1 and 2 are now 0 and 1.
        let moved = |i: usize| i.checked_sub(1);
        let m = n.relineup(vec![2, 3], moved);
        assert_eq!(m.screen, Screen::Guide);
        assert_eq!((m.current, m.previous, m.list_focus), (Some(1), None, 0));
        assert_eq!((m.guide_row, m.guide_top), (1, 1));
        assert!(m.banner);
    }

    #[test]
    fn a_zap_the_box_made_is_not_history_and_the_reset_clears_what_was_open() {
        let mut n = nav3();
        n.tune(1);
        assert_eq!(n.previous, Some(0));
        assert_eq!(n.tune_unrecorded(2)[0], Effect::Tune(2));
        assert_eq!((n.current, n.previous), (Some(2), None));
        n.tune(0);
        n.screen = Screen::Menu;
        n.digits = "1".into();
        n.list_open = true;
        n.browse = Some(1);
        n.reset();
        assert_eq!(n.screen, Screen::Live);
        assert_eq!((n.previous, n.browse, n.list_open), (None, None, false));
        assert!(n.digits.is_empty());
    }

    #[test]
    fn channel_up_wraps_around_the_lineup() {
        let mut n = nav3();
        let fx = run(&mut n, &[ChannelUp, ChannelUp, ChannelUp]);
        let tunes: Vec<_> = fx
            .iter()
            .filter_map(|e| {
                if let Effect::Tune(i) = e {
                    Some(*i)
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(tunes, [1, 2, 0]);
        assert_eq!(run(&mut n, &[ChannelDown])[0], Effect::Tune(2));
    }

    #[test]
    fn back_returns_to_the_previous_channel() {
        let mut n = nav3();
        run(&mut n, &[ChannelUp, ChannelUp]);
        assert_eq!(run(&mut n, &[Back])[0], Effect::Tune(1));
        assert_eq!(run(&mut n, &[Back])[0], Effect::Tune(2));
    }

    #[test]
    fn ok_opens_the_list_and_ok_again_tunes_the_focused_channel() {
        let mut n = nav3();
        run(&mut n, &[Ok, Down, Down]);
        assert!(n.list_open);
        assert_eq!(n.list_focus, 2);
        assert_eq!(run(&mut n, &[Ok])[0], Effect::Tune(2));
        assert!(!n.list_open);
        run(&mut n, &[Ok]);
        assert_eq!(run(&mut n, &[Back]), [Effect::Redraw]);
        assert!(!n.list_open);
    }

    #[test]
    fn green_in_the_channel_list_toggles_the_focused_favourite() {
        let mut n = nav3();
        assert!(run(&mut n, &[Green]).is_empty(), "no list, no favourite");
        run(&mut n, &[Ok, Down]);
        assert_eq!(run(&mut n, &[Green])[0], Effect::ToggleFavourite(1));
    }

    #[test]
    fn typed_numbers_tune_or_say_there_is_no_such_channel() {
        let mut n = nav3();
        assert_eq!(run(&mut n, &[Digit(3)]), [Effect::NumberEntry("3".into())]);
        assert!(run(&mut n, &[Ok]).contains(&Effect::Tune(2)));
        run(&mut n, &[Digit(9)]);
        assert!(
            n.commit_number()
                .contains(&Effect::Notice(crate::app::messages::Message::NoChannel(9)))
        );
    }

    #[test]
    fn guide_opens_on_the_current_channel_and_ok_opens_the_focused_programme() {
        let mut n = nav3();
        run(&mut n, &[ChannelUp, Guide]);
        assert_eq!((n.screen, n.guide_row, n.guide_top), (Screen::Guide, 1, 0));
        n.set_guide_cells(vec![3, 3, 1]);
        run(&mut n, &[Right, Right]);
        assert_eq!(n.guide_cell, 2);
        run(&mut n, &[Down]);
        assert_eq!((n.guide_row, n.guide_cell), (2, 0));
        let fx = run(&mut n, &[Ok]);
        assert_eq!(fx, [Effect::OpenProgramme { row: 2, cell: 0 }]);
        assert_eq!(
            n.screen,
            Screen::Guide,
            "the controller decides where OK leads"
        );
        assert_eq!(n.handle(Back), [Effect::Redraw]);
        assert_eq!(run(&mut n, &[Rewind]), [Effect::Restart]);
        assert_eq!(run(&mut n, &[Blue]), [Effect::ToggleDiagnostics]);
    }

    #[test]
    fn every_screen_has_a_way_back_to_live() {
        let mut n = nav3();
        for a in [Guide, Back] {
            n.handle(a);
        }
        assert_eq!(n.screen, Screen::Live);
        n.handle(Guide);
        n.handle(Home);
        assert_eq!(n.screen, Screen::Live);
    }

    #[test]
    fn the_guide_scrolls_by_rows_pages_and_time() {
        let mut n = Nav::new((1..=1000).collect());
        n.tune(500);
        run(&mut n, &[Guide]);
        assert_eq!(
            (n.guide_row, n.guide_top),
            (500, 497),
            "opens with the channel mid-screen"
        );
        n.set_guide_cells(vec![2; GUIDE_ROWS]);
        run(&mut n, &[Down, Down, Down]);
        assert_eq!(
            (n.guide_row, n.guide_top),
            (503, 498),
            "scrolls one row at a time"
        );
        run(&mut n, &[ChannelDown]);
        assert_eq!(
            (n.guide_row, n.guide_top),
            (509, 504),
            "a page keeps the focus's place"
        );
        run(&mut n, &[Up; 7]);
        assert_eq!((n.guide_row, n.guide_top), (502, 502));
        for _ in 0..200 {
            n.handle(ChannelDown);
        }
        assert_eq!(
            (n.guide_row, n.guide_top),
            (999, 994),
            "the end, no empty rows"
        );
        // Time: Right past the last programme moves the window on.
        n.set_guide_cells(vec![2; GUIDE_ROWS]);
        run(&mut n, &[Right]);
        assert_eq!((n.guide_cell, n.guide_shift), (1, 0));
        run(&mut n, &[Right]);
        assert_eq!((n.guide_cell, n.guide_shift), (0, GUIDE_STEP));
        n.set_guide_cells(vec![2; GUIDE_ROWS]);
        run(&mut n, &[Left]);
        assert_eq!(n.guide_shift, 0, "Left at the first programme moves back");
        n.set_guide_cells(vec![4; GUIDE_ROWS]);
        assert_eq!(
            n.guide_cell, 3,
            "onto the last programme of the earlier window"
        );
        run(&mut n, &[Green, Green]);
        assert_eq!(n.guide_shift, 2 * GUIDE_DAY);
        for _ in 0..20 {
            n.handle(Red);
        }
        assert_eq!(
            n.guide_shift, -GUIDE_REACH,
            "no further back than the reach"
        );
        run(&mut n, &[Yellow]);
        assert_eq!(n.guide_shift, 0, "Yellow: back to now");
    }

    #[test]
    fn menu_reaches_every_screen_and_back_leads_home() {
        let mut n = nav3();
        run(&mut n, &[Menu]);
        assert_eq!((n.screen, n.menu_focus), (Screen::Menu, 0));
        assert_eq!(
            run(&mut n, &[Down, Down, Down, Down, Down, Ok])
                .last()
                .cloned(),
            Some(Effect::OpenSettings),
            "the last entry, clamped; the controller opens it"
        );
        n.open_settings();
        assert_eq!(n.screen, Screen::Settings);
        run(&mut n, &[Down, Down]);
        assert_eq!(
            run(&mut n, &[Left]),
            [
                Effect::ChangeSetting(SettingRow::Contrast, -1),
                Effect::Redraw
            ]
        );
        run(&mut n, &[Back]);
        assert_eq!(
            (n.screen, n.menu_focus),
            (Screen::Menu, 4),
            "back to its entry"
        );
        run(&mut n, &[Up, Ok]);
        assert_eq!(n.screen, Screen::Archive);
        assert_eq!(run(&mut n, &[Back]), [], "the Archive screen's own key");
        assert_eq!(n.screen, Screen::Archive);
        n.back_to_menu();
        run(&mut n, &[Up]);
        assert_eq!(run(&mut n, &[Ok]), [Effect::OpenChannels, Effect::Redraw]);
        assert_eq!(n.screen, Screen::Channels);
        assert_eq!(run(&mut n, &[Down]), [], "the Channels screen's own key");
        run(&mut n, &[Home, Menu, Down, Ok]);
        assert_eq!((n.screen, n.guide_row), (Screen::Guide, 0));
        run(&mut n, &[Menu, Up, Up, Ok]);
        assert_eq!(n.screen, Screen::Live);
        for screen in [
            Screen::Guide,
            Screen::Menu,
            Screen::Settings,
            Screen::Archive,
            Screen::Channels,
        ] {
            n.screen = screen;
            run(&mut n, &[Home]);
            assert_eq!(n.screen, Screen::Live, "Home from {screen:?}");
        }
    }

    #[test]
    fn the_mini_guide_browses_without_zapping_and_ok_tunes() {
        let mut n = nav3();
        assert_eq!(
            run(&mut n, &[Right]),
            [Effect::Banner(true), Effect::Redraw]
        );
        run(&mut n, &[Right]);
        assert_eq!(
            (n.browse, n.current),
            (Some(2), Some(0)),
            "the picture stays"
        );
        run(&mut n, &[Left, Left, Left]);
        assert_eq!(n.browse, Some(2), "wraps");
        assert_eq!(run(&mut n, &[Ok])[0], Effect::Tune(2));
        assert_eq!(n.browse, None);
        run(&mut n, &[Right]);
        run(&mut n, &[Back]);
        assert_eq!(
            (n.browse, n.current),
            (None, Some(2)),
            "Back leaves the mini-guide only"
        );
    }

    #[test]
    fn an_empty_lineup_never_panics() {
        let mut n = Nav::new(vec![]);
        for a in [
            ChannelUp,
            ChannelDown,
            Up,
            Down,
            Ok,
            Down,
            Ok,
            Back,
            Guide,
            Down,
            Right,
            Ok,
            Digit(1),
            Ok,
            Menu,
            Down,
            Down,
            Down,
            Ok,
            Right,
            Back,
            Back,
        ] {
            n.handle(a);
        }
        assert_eq!(n.current, None);
    }
}
