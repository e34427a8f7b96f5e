//! The desktop keyboard as a remote control.
//!
//! Slint reports special keys as private-use characters (`slint::platform::Key`);
//! the codes are repeated here as plain `char`s so this module needs no Slint.

use super::Action;

/// Slint's codes for the special keys used below (see `slint::platform::Key`).
mod key {
    pub const BACKSPACE: char = '\u{8}';
    pub const RETURN: char = '\u{a}';
    pub const ESCAPE: char = '\u{1b}';
    pub const UP: char = '\u{F700}';
    pub const DOWN: char = '\u{F701}';
    pub const LEFT: char = '\u{F702}';
    pub const RIGHT: char = '\u{F703}';
    pub const F1: char = '\u{F704}';
    pub const F2: char = '\u{F705}';
    pub const F3: char = '\u{F706}';
    pub const F4: char = '\u{F707}';
    pub const HOME: char = '\u{F729}';
    pub const PAGE_UP: char = '\u{F72C}';
    pub const PAGE_DOWN: char = '\u{F72D}';
}

/// The key map, also shown in the README: (key, what it stands for).
pub const KEY_MAP: &[(char, Action)] = &[
    (key::UP, Action::Up),
    (key::DOWN, Action::Down),
    (key::LEFT, Action::Left),
    (key::RIGHT, Action::Right),
    (key::RETURN, Action::Ok),
    (key::ESCAPE, Action::Back),
    (key::BACKSPACE, Action::Back),
    (key::HOME, Action::Home),
    (key::PAGE_UP, Action::ChannelUp),
    (key::PAGE_DOWN, Action::ChannelDown),
    (key::F1, Action::Red),
    (key::F2, Action::Green),
    (key::F3, Action::Yellow),
    (key::F4, Action::Blue),
    ('+', Action::ChannelUp),
    ('-', Action::ChannelDown),
    ('g', Action::Guide),
    ('i', Action::Info),
    ('m', Action::Menu),
    ('h', Action::Home),
    (' ', Action::Pause),
    ('p', Action::Play),
    ('s', Action::Stop),
    ('t', Action::Subtitles),
    ('a', Action::Audio),
    ('r', Action::Rewind),
    ('f', Action::FastForward),
    (']', Action::VolumeUp),
    ('[', Action::VolumeDown),
    ('u', Action::Mute),
    ('q', Action::Power),
];

/// Maps the text of a key event to an action, if the key means one.
pub fn action_for_key(text: &str) -> Option<Action> {
    let mut chars = text.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    if let Some(d) = c.to_digit(10) {
        return Some(Action::Digit(d as u8));
    }
    let lower = c.to_ascii_lowercase();
    KEY_MAP.iter().find(|(k, _)| *k == lower).map(|(_, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_remote_actions() {
        let table = [
            ("\u{F700}", Some(Action::Up)),
            ("\n", Some(Action::Ok)),
            ("\u{1b}", Some(Action::Back)),
            ("\u{F72C}", Some(Action::ChannelUp)),
            ("7", Some(Action::Digit(7))),
            ("G", Some(Action::Guide)),
            ("\u{F704}", Some(Action::Red)),
            ("z", None),
            ("", None),
            ("ab", None),
        ];
        for (text, want) in table {
            assert_eq!(action_for_key(text), want, "key {text:?}");
        }
    }

    #[test]
    fn no_key_is_mapped_twice() {
        let mut keys: Vec<char> = KEY_MAP.iter().map(|(k, _)| *k).collect();
        keys.sort();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len());
    }
}
