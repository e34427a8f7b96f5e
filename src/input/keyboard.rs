//! The keyboard as a remote control: the names of the keys a key map's
//! `[keyboard]` section may use, as the characters a window reports them by.
//!
//! Slint reports special keys as private-use characters (`slint::platform::Key`);
//! the codes are repeated here as plain `char`s so this module needs no Slint.
//! What each key means is the key map's (`platform/keymaps/default.toml`), as
//! for every other source.

/// Key names and the characters Slint reports them by (see `slint::platform::Key`).
const NAMES: &[(&str, char)] = &[
    ("Backspace", '\u{8}'),
    ("Tab", '\u{9}'),
    ("Return", '\u{a}'),
    ("Escape", '\u{1b}'),
    ("Space", ' '),
    ("Delete", '\u{7f}'),
    ("Up", '\u{F700}'),
    ("Down", '\u{F701}'),
    ("Left", '\u{F702}'),
    ("Right", '\u{F703}'),
    ("F1", '\u{F704}'),
    ("F2", '\u{F705}'),
    ("F3", '\u{F706}'),
    ("F4", '\u{F707}'),
    ("F5", '\u{F708}'),
    ("F6", '\u{F709}'),
    ("F7", '\u{F70A}'),
    ("F8", '\u{F70B}'),
    ("F9", '\u{F70C}'),
    ("F10", '\u{F70D}'),
    ("F11", '\u{F70E}'),
    ("F12", '\u{F70F}'),
    ("Insert", '\u{F727}'),
    ("Home", '\u{F729}'),
    ("End", '\u{F72B}'),
    ("PageUp", '\u{F72C}'),
    ("PageDown", '\u{F72D}'),
];

/// The character a key map's `[keyboard]` entry stands for: a key name
/// (`"PageUp"`, `"F1"`, case-insensitive) or one character, letters
/// lower-cased (a key means the same with Shift).
pub fn key_char(entry: &str) -> Option<char> {
    if let Some((_, c)) = NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(entry)) {
        return Some(*c);
    }
    let mut chars = entry.chars();
    let c = chars.next()?;
    chars.next().is_none().then(|| c.to_ascii_lowercase())
}

/// The one character of a window's key event, lower-cased; None for a
/// composed text of several.
pub fn event_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then(|| c.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_characters_are_read_as_the_window_reports_them() {
        assert_eq!(key_char("PageUp"), Some('\u{F72C}'));
        assert_eq!(key_char("pageup"), Some('\u{F72C}'));
        assert_eq!(key_char("F1"), Some('\u{F704}'));
        assert_eq!(key_char("G"), Some('g'));
        assert_eq!(key_char("+"), Some('+'));
        assert_eq!(key_char("Jump"), None);
        assert_eq!(key_char(""), None);
        assert_eq!(event_char("\u{F700}"), Some('\u{F700}'));
        assert_eq!(event_char("G"), Some('g'));
        assert_eq!(event_char("ab"), None);
    }

    #[test]
    fn no_name_is_given_twice() {
        let mut names: Vec<String> = NAMES.iter().map(|(n, _)| n.to_lowercase()).collect();
        let mut chars: Vec<char> = NAMES.iter().map(|(_, c)| *c).collect();
        names.sort();
        names.dedup();
        chars.sort();
        chars.dedup();
        assert_eq!((names.len(), chars.len()), (NAMES.len(), NAMES.len()));
    }
}
