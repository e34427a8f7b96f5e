//! The Settings PIN: on a shared screen (hotel room, community centre) a PIN
//! keeps viewers out of Settings. Typed with the number keys, shown as dots,
//! stored only as an Argon2 hash.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::input::Action;

/// Digits in a PIN.
pub const PIN_DIGITS: usize = 4;

/// Why the PIN is being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinPurpose {
    /// To open Settings.
    Unlock,
    /// Kiosk mode: to open the Channels screen.
    Channels,
    /// Kiosk mode: to open live TV's channel list.
    ChannelList,
    /// A new PIN (an empty entry confirmed with OK takes the PIN off).
    Set,
}

/// A PIN being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinEntry {
    pub purpose: PinPurpose,
    pub digits: String,
}

/// What a key did to the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinResult {
    Typing,
    /// The digits are complete (or, when setting, OK on none: no PIN).
    Entered(String),
    Cancelled,
}

impl PinEntry {
    pub fn new(purpose: PinPurpose) -> PinEntry {
        PinEntry {
            purpose,
            digits: String::new(),
        }
    }

    pub fn handle(&mut self, action: Action) -> PinResult {
        match action {
            Action::Digit(d) => {
                self.digits.push(char::from(b'0' + d.min(9)));
                if self.digits.len() == PIN_DIGITS {
                    return PinResult::Entered(std::mem::take(&mut self.digits));
                }
            }
            Action::Ok if self.purpose == PinPurpose::Set && self.digits.is_empty() => {
                return PinResult::Entered(String::new());
            }
            Action::Back if self.digits.is_empty() => return PinResult::Cancelled,
            Action::Back => {
                self.digits.pop();
            }
            _ => {}
        }
        PinResult::Typing
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
        let mut e = PinEntry::new(PinPurpose::Set);
        for d in [1, 9, 8] {
            assert_eq!(e.handle(Action::Digit(d)), PinResult::Typing);
        }
        e.handle(Action::Back);
        e.handle(Action::Digit(4));
        assert_eq!(
            e.handle(Action::Digit(7)),
            PinResult::Entered("1947".into())
        );
        let stored = hash("1947").unwrap();
        assert!(!stored.contains("1947"));
        assert!(verify("1947", &stored));
        assert!(!verify("1948", &stored));
        assert!(!verify("1947", "not a hash"));
        assert_eq!(
            PinEntry::new(PinPurpose::Set).handle(Action::Ok),
            PinResult::Entered(String::new())
        );
        assert_eq!(
            PinEntry::new(PinPurpose::Unlock).handle(Action::Back),
            PinResult::Cancelled
        );
    }
}
