//! Remote-control input: every key from every source becomes one [`Action`].
//!
//! Sources: the window's keyboard on desktops (key names in [`keyboard`]), Linux input
//! devices ([`evdev`]: IR through rc-core, USB and Bluetooth remotes), lircd
//! ([`lirc`]) and HDMI-CEC ([`cec`]; the bus itself is served by
//! [`cec_bus`]), each mapped through a [`Keymap`]
//! (`platform/keymaps/default.toml`). Held keys: arrows, channel and volume
//! keys repeat; OK and the rest act once per press ([`Press::acts`]).
//! Navigation logic lives in `app`, never here.

pub mod cec;
pub mod cec_bus;
pub mod discover;
pub mod evdev;
mod keyboard;
mod keymap;
pub mod lirc;
pub mod sources;

pub use keymap::{Keymap, KeymapError};

use serde::{Deserialize, Serialize};

/// One remote-control intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    Ok,
    Back,
    Home,
    Menu,
    Guide,
    Info,
    ChannelUp,
    ChannelDown,
    Digit(u8),
    Red,
    Green,
    Yellow,
    Blue,
    Play,
    Pause,
    Stop,
    Rewind,
    FastForward,
    Subtitles,
    Audio,
    VolumeUp,
    VolumeDown,
    Mute,
    Power,
}

/// A key from a remote: pressed, or repeated while held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Press {
    pub action: Action,
    pub repeat: bool,
}

impl Press {
    /// Whether this press acts: a first press always; a repeat only for keys
    /// that scroll or step (a held OK must not open and close things).
    pub fn acts(&self) -> bool {
        !self.repeat || self.action.repeats()
    }
}

impl Action {
    /// Keys that act again while held.
    pub fn repeats(self) -> bool {
        matches!(
            self,
            Action::Up
                | Action::Down
                | Action::Left
                | Action::Right
                | Action::ChannelUp
                | Action::ChannelDown
                | Action::VolumeUp
                | Action::VolumeDown
        )
    }
}

/// An action by name: `Up`, `ChannelUp`, ..., and `Digit0` to `Digit9`.
pub fn parse_action(name: &str) -> Option<Action> {
    if let Some(d) = name.strip_prefix("Digit") {
        return match d.parse::<u8>() {
            Ok(d) if d <= 9 => Some(Action::Digit(d)),
            _ => None,
        };
    }
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_arrows_repeat_and_a_held_ok_does_not() {
        let held = |action| Press {
            action,
            repeat: true,
        };
        assert!(held(Action::Down).acts());
        assert!(held(Action::ChannelUp).acts());
        assert!(!held(Action::Ok).acts());
        assert!(!held(Action::Red).acts());
        assert!(
            Press {
                action: Action::Ok,
                repeat: false
            }
            .acts()
        );
        assert_eq!(parse_action("Digit7"), Some(Action::Digit(7)));
        assert_eq!(parse_action("Digit12"), None);
        assert_eq!(parse_action("Guide"), Some(Action::Guide));
        assert_eq!(parse_action("guide"), None);
    }
}
