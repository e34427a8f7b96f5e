//! The on-screen keyboard: text typed with the arrows and OK on a grid of
//! keys, or with the number keys as on a phone (multi-tap: 2 = a b c 2,
//! pressed again within a second for the next letter).
//!
//! Pure state: [`Osk::handle`] takes an action and the time, so a test can
//! type without a window or a clock.
//!
//! [`Keyboard`] is the keyboard as a layer of the stack (`layers`): above
//! the screen or the form that opened it (with [`Effect::OpenKeyboard`]),
//! it takes the keys it knows and hands the text to whoever it types for
//! as [`Effect::Typed`]; the rest go down the stack.

use std::time::{Duration, Instant};

use slint::ComponentHandle;

use super::effect::{Effect, LayerId, TypingFor};
use super::layers::{Ctx, Handled, Layer};
use super::ui::{AppWindow, KeyboardAdapter};
use crate::input::Action;

/// The key grid, row by row. The last row's keys are commands.
pub const ROWS: [&[&str]; 5] = [
    &["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
    &["k", "l", "m", "n", "o", "p", "q", "r", "s", "t"],
    &["u", "v", "w", "x", "y", "z", "'", "-", ".", "@"],
    &["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"],
    &[SPACE, DELETE, CLEAR, DONE],
];
pub const SPACE: &str = "space";
pub const DELETE: &str = "delete";
pub const CLEAR: &str = "clear";
pub const DONE: &str = "done";

/// Letters on the number keys (ITU E.161), the digit itself last.
const MULTITAP: [&str; 10] = [
    " 0", ".,'-@1", "abc2", "def3", "ghi4", "jkl5", "mno6", "pqrs7", "tuv8", "wxyz9",
];
/// A second press of the same number within this time picks the next letter.
pub const MULTITAP_TIME: Duration = Duration::from_millis(1000);
/// Longest text typed.
pub const MAX_LEN: usize = 64;

/// What a key did to the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum OskResult {
    /// Still typing (the text or focus may have changed).
    Typing,
    /// Done: the text is final.
    Done(String),
    /// Back on an empty text: the viewer left the keyboard.
    Cancelled,
    /// Not a keyboard key.
    Ignored,
}

/// The on-screen keyboard up, and what it types for.
#[derive(Debug, Clone)]
pub struct Keyboard {
    pub osk: Osk,
    pub target: TypingFor,
}

impl Keyboard {
    pub fn new(target: TypingFor, text: &str) -> Keyboard {
        Keyboard {
            osk: Osk::new(text),
            target,
        }
    }
}

/// Every key the keyboard knows is its own: the text so far goes to the
/// target as it changes; Done (Green, or its key) hands it over and closes;
/// Back on no text closes. Other keys (Home, Info, volume) go down.
impl Layer for Keyboard {
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Handled {
        let target = self.target;
        match self.osk.handle(action, ctx.pressed) {
            OskResult::Typing => {
                Handled::Consumed(vec![Effect::Typed(target, self.osk.text.clone())])
            }
            OskResult::Done(text) => Handled::Consumed(vec![
                Effect::Typed(target, text),
                Effect::Close(LayerId::Keyboard),
            ]),
            OskResult::Cancelled => Handled::Consumed(vec![
                Effect::Typed(target, self.osk.text.clone()),
                Effect::Close(LayerId::Keyboard),
            ]),
            OskResult::Ignored => Handled::pass(),
        }
    }
}

/// Shows the on-screen keyboard (or hides it).
pub(super) fn view(ui: &AppWindow, keyboard: Option<&Osk>) {
    let k = ui.global::<KeyboardAdapter>();
    k.set_visible(keyboard.is_some());
    if let Some(osk) = keyboard {
        k.set_text(osk.text.clone().into());
        k.set_row(osk.row as i32);
        k.set_col(osk.col as i32);
    }
}

#[derive(Debug, Clone, Default)]
pub struct Osk {
    pub text: String,
    pub row: usize,
    pub col: usize,
    /// The number key last pressed, its letter index and when.
    multitap: Option<(u8, usize, Instant)>,
}

impl Osk {
    pub fn new(text: &str) -> Osk {
        Osk {
            text: text.to_string(),
            ..Default::default()
        }
    }

    /// The focused key's label.
    pub fn focused(&self) -> &'static str {
        ROWS[self.row][self.col.min(ROWS[self.row].len() - 1)]
    }

    pub(super) fn handle(&mut self, action: Action, now: Instant) -> OskResult {
        if !matches!(action, Action::Digit(_)) {
            self.multitap = None;
        }
        match action {
            Action::Up => self.row = self.row.saturating_sub(1),
            Action::Down => self.row = (self.row + 1).min(ROWS.len() - 1),
            Action::Left => self.col = self.col.saturating_sub(1),
            Action::Right => self.col = (self.col + 1).min(ROWS[self.row].len() - 1),
            Action::Ok => return self.press(),
            Action::Back if self.text.is_empty() => return OskResult::Cancelled,
            Action::Back => {
                self.text.pop();
            }
            Action::Digit(d) => self.multitap(d, now),
            Action::Green => return OskResult::Done(self.text.clone()),
            _ => return OskResult::Ignored,
        }
        self.col = self.col.min(ROWS[self.row].len() - 1);
        OskResult::Typing
    }

    fn press(&mut self) -> OskResult {
        match self.focused() {
            DONE => return OskResult::Done(self.text.clone()),
            DELETE => {
                self.text.pop();
            }
            CLEAR => self.text.clear(),
            SPACE => self.push(' '),
            key => key.chars().for_each(|c| self.push(c)),
        }
        OskResult::Typing
    }

    fn push(&mut self, c: char) {
        if self.text.chars().count() < MAX_LEN {
            self.text.push(c);
        }
    }

    fn multitap(&mut self, digit: u8, now: Instant) {
        let letters: Vec<char> = MULTITAP[usize::from(digit.min(9))].chars().collect();
        match self.multitap {
            Some((d, i, at)) if d == digit && now.duration_since(at) < MULTITAP_TIME => {
                // The same key again: replace the letter with the next one.
                let next = (i + 1) % letters.len();
                self.text.pop();
                self.text.push(letters[next]);
                self.multitap = Some((digit, next, now));
            }
            _ => {
                if self.text.chars().count() < MAX_LEN {
                    self.text.push(letters[0]);
                    self.multitap = Some((digit, 0, now));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::layers::tests::with_ctx;
    use crate::app::screen::Screen;
    use Action::*;

    #[test]
    fn arrows_and_ok_type_and_done_finishes() {
        let t = Instant::now();
        let mut k = Osk::default();
        for a in [Right, Right, Ok, Down, Ok, Down, Down, Down, Ok] {
            assert_eq!(k.handle(a, t), OskResult::Typing);
        }
        // c, m, then the command row: col 2 is "clear".
        assert_eq!(k.text, "");
        for a in [Up, Up, Up, Up, Left, Left, Ok, Ok, Right, Right, Right, Ok] {
            k.handle(a, t);
        }
        assert_eq!(k.text, "aad");
        assert_eq!(k.handle(Back, t), OskResult::Typing);
        assert_eq!(k.text, "aa");
        for _ in 0..6 {
            k.handle(Down, t);
        }
        assert_eq!(
            k.focused(),
            DONE,
            "the column is kept within the shorter row"
        );
        assert_eq!(k.handle(Ok, t), OskResult::Done("aa".into()));
    }

    #[test]
    fn number_keys_multi_tap_like_a_phone() {
        let t = Instant::now();
        let ms = |n| t + Duration::from_millis(n);
        let mut k = Osk::default();
        k.handle(Digit(6), ms(0));
        k.handle(Digit(6), ms(300));
        k.handle(Digit(6), ms(600)); // m n o
        k.handle(Digit(2), ms(900)); // a (another key)
        k.handle(Digit(2), ms(2500)); // a again (too late to cycle)
        k.handle(Digit(7), ms(2600));
        for i in 1..=4 {
            k.handle(Digit(7), ms(2600 + i * 200)); // p q r s 7
        }
        k.handle(Digit(0), ms(4000));
        assert_eq!(k.text, "oaa7 ");
        assert_eq!(k.handle(Back, ms(4100)), OskResult::Typing);
        assert_eq!(k.text, "oaa7");
    }

    #[test]
    fn the_keyboard_layer_hands_its_text_over_and_closes_on_done_or_back() {
        let key = |k: &mut Keyboard, a| with_ctx(Screen::Channels, |ctx| k.handle(a, ctx));
        let mut k = Keyboard::new(TypingFor::ChannelSearch, "co");
        assert_eq!(
            key(&mut k, Ok),
            Handled::Consumed(vec![Effect::Typed(TypingFor::ChannelSearch, "coa".into())])
        );
        assert_eq!(key(&mut k, Home), Handled::pass(), "Home goes down");
        assert_eq!(key(&mut k, Info), Handled::pass());
        assert_eq!(
            key(&mut k, Green),
            Handled::Consumed(vec![
                Effect::Typed(TypingFor::ChannelSearch, "coa".into()),
                Effect::Close(LayerId::Keyboard),
            ])
        );

        let mut k = Keyboard::new(TypingFor::FormField, "a");
        let typed = |t: &str| Effect::Typed(TypingFor::FormField, t.into());
        assert_eq!(key(&mut k, Back), Handled::Consumed(vec![typed("")]));
        assert_eq!(
            key(&mut k, Back),
            Handled::Consumed(vec![typed(""), Effect::Close(LayerId::Keyboard)]),
            "Back on no text leaves"
        );
    }

    #[test]
    fn back_on_nothing_leaves_and_text_is_bounded() {
        let t = Instant::now();
        let mut k = Osk::default();
        assert_eq!(k.handle(Back, t), OskResult::Cancelled);
        for i in 0..100 {
            k.handle(Digit(5), t + MULTITAP_TIME * (i + 1));
        }
        assert_eq!(k.text.len(), MAX_LEN);
        assert_eq!(k.handle(Red, t), OskResult::Ignored);
    }
}
