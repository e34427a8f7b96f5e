//! The Settings PIN: on a shared screen (hotel room, community centre) a PIN
//! keeps viewers out of Settings. Typed with the number keys, shown as dots,
//! stored only as an Argon2 hash.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::effect::{Effect, LayerId, PinPurpose};
use super::layers::{Ctx, Handled, Layer};
use crate::input::Action;

/// Digits in a PIN.
pub const PIN_DIGITS: usize = 4;

/// A PIN being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinEntry {
    pub purpose: PinPurpose,
    pub digits: String,
}

impl PinEntry {
    pub fn new(purpose: PinPurpose) -> PinEntry {
        PinEntry {
            purpose,
            digits: String::new(),
        }
    }

    /// One key: digits are typed, Back rubs one out (or, with none, closes
    /// the pad); the fourth digit (or OK on none, when setting) enters the
    /// PIN. Home closes the pad and goes on home; the pad takes every other key.
    pub fn handle(&mut self, action: Action) -> Handled {
        let close = Effect::Close(LayerId::PinPad);
        match action {
            Action::Digit(d) => {
                self.digits.push(char::from(b'0' + d.min(9)));
                if self.digits.len() == PIN_DIGITS {
                    let pin = std::mem::take(&mut self.digits);
                    return Handled::Consumed(vec![close, Effect::PinEntered(self.purpose, pin)]);
                }
            }
            Action::Ok if self.purpose == PinPurpose::Set && self.digits.is_empty() => {
                return Handled::Consumed(vec![
                    close,
                    Effect::PinEntered(self.purpose, String::new()),
                ]);
            }
            Action::Back if self.digits.is_empty() => return Handled::Consumed(vec![close]),
            Action::Back => {
                self.digits.pop();
            }
            Action::Home => return Handled::Ignored(vec![close]),
            _ => {}
        }
        Handled::done()
    }
}

impl Layer for PinEntry {
    fn handle(&mut self, action: Action, _: &Ctx) -> Handled {
        PinEntry::handle(self, action)
    }
}

/// Paints the PIN pad: up or not, what it is for, and how many digits are typed.
pub(super) fn view(ui: &super::ui::AppWindow, entry: Option<&PinEntry>) {
    use slint::ComponentHandle;
    let pin = ui.global::<super::ui::PinAdapter>();
    pin.set_visible(entry.is_some());
    if let Some(e) = entry {
        pin.set_purpose(if e.purpose == PinPurpose::Set { 1 } else { 0 });
        pin.set_typed(e.digits.len() as i32);
    }
}

/// The stored form of a PIN.
pub fn hash(pin: &str) -> Option<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}

/// Whether `pin` matches the stored hash.
pub fn verify(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_typed_hashed_and_checked() {
        let entered = |purpose, pin: &str| {
            Handled::Consumed(vec![
                Effect::Close(LayerId::PinPad),
                Effect::PinEntered(purpose, pin.into()),
            ])
        };
        let mut e = PinEntry::new(PinPurpose::Set);
        for d in [1, 9, 8] {
            assert_eq!(e.handle(Action::Digit(d)), Handled::done());
        }
        e.handle(Action::Back);
        e.handle(Action::Digit(4));
        assert_eq!(e.handle(Action::Digit(7)), entered(PinPurpose::Set, "1947"));
        let stored = hash("1947").unwrap();
        assert!(!stored.contains("1947"));
        assert!(verify("1947", &stored));
        assert!(!verify("1948", &stored));
        assert!(!verify("1947", "not a hash"));
        assert_eq!(
            PinEntry::new(PinPurpose::Set).handle(Action::Ok),
            entered(PinPurpose::Set, "")
        );
        assert_eq!(
            PinEntry::new(PinPurpose::Unlock).handle(Action::Back),
            Handled::Consumed(vec![Effect::Close(LayerId::PinPad)])
        );
    }

    #[test]
    fn the_pad_takes_every_key_but_home_which_closes_it_and_goes_on() {
        let mut e = PinEntry::new(PinPurpose::Unlock);
        for a in [Action::Ok, Action::Menu, Action::ChannelUp, Action::Red] {
            assert_eq!(e.handle(a), Handled::done(), "{a:?}");
        }
        assert_eq!(
            e.handle(Action::Home),
            Handled::Ignored(vec![Effect::Close(LayerId::PinPad)])
        );
    }
}
