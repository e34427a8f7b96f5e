//! Key maps: each source's codes to [`Action`]s, from a TOML file
//! (`platform/keymaps/default.toml` is built in).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use super::{Action, parse_action};

/// The built-in key map.
pub const DEFAULT: &str = include_str!("../../platform/keymaps/default.toml");
const BUILTIN_NAME: &str = "platform/keymaps/default.toml";

/// A key map that cannot be used, naming the file and the entry.
#[derive(Debug, Error)]
pub enum KeymapError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: [{section}] {key}: {message}")]
    Entry {
        file: String,
        section: &'static str,
        key: String,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    evdev: HashMap<String, String>,
    #[serde(default)]
    lirc: HashMap<String, String>,
    #[serde(default)]
    cec: HashMap<String, String>,
    /// None: the section is absent (an older file), and the built-in one is used.
    keyboard: Option<HashMap<String, String>>,
}

/// What each source's keys mean.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    /// Linux input event key codes.
    pub evdev: HashMap<u16, Action>,
    /// lircd button names.
    pub lirc: HashMap<String, Action>,
    /// CEC UI command codes.
    pub cec: HashMap<u8, Action>,
    /// A window's keys, by the character it reports (see [`super::keyboard`]).
    pub keyboard: HashMap<char, Action>,
}

impl Keymap {
    /// The built-in map.
    pub fn builtin() -> Keymap {
        Keymap::parse(DEFAULT, BUILTIN_NAME).expect("the built-in key map is checked by a test")
    }

    pub fn load(path: &Path) -> Result<Keymap, KeymapError> {
        let text = std::fs::read_to_string(path).map_err(|e| KeymapError::Syntax {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        Keymap::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, file: &str) -> Result<Keymap, KeymapError> {
        let raw: File = toml::from_str(text).map_err(|e| KeymapError::Syntax {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let entry = |section: &'static str, key: &str, message: String| KeymapError::Entry {
            file: file.to_string(),
            section,
            key: key.to_string(),
            message,
        };
        let action = |section: &'static str, key: &str, name: &str| {
            parse_action(name)
                .ok_or_else(|| entry(section, key, format!("unknown action {name:?}")))
        };
        let mut map = Keymap::default();
        for (key, name) in &raw.evdev {
            let code = key
                .parse::<u16>()
                .map_err(|_| entry("evdev", key, "a key code is a decimal number".into()))?;
            map.evdev.insert(code, action("evdev", key, name)?);
        }
        for (key, name) in &raw.lirc {
            map.lirc.insert(key.clone(), action("lirc", key, name)?);
        }
        for (key, name) in &raw.cec {
            let code = key
                .strip_prefix("0x")
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    entry("cec", key, "a UI command code is hex, like \"0x01\"".into())
                })?;
            map.cec.insert(code, action("cec", key, name)?);
        }
        match &raw.keyboard {
            Some(keys) => {
                for (key, name) in keys {
                    let c = super::keyboard::key_char(key).ok_or_else(|| {
                        entry(
                            "keyboard",
                            key,
                            "a key is one character or a key name such as \"PageUp\"".into(),
                        )
                    })?;
                    map.keyboard.insert(c, action("keyboard", key, name)?);
                }
            }
            // A map made before the section existed keeps the window's keys.
            None if file != BUILTIN_NAME => map.keyboard = Keymap::builtin().keyboard,
            None => {}
        }
        Ok(map)
    }

    /// What a window's key event means: its key's entry, else a digit is
    /// that digit; None for keys the map leaves out and composed text.
    pub fn key_action(&self, text: &str) -> Option<Action> {
        let c = super::keyboard::event_char(text)?;
        self.keyboard
            .get(&c)
            .copied()
            .or_else(|| c.to_digit(10).map(|d| Action::Digit(d as u8)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_map_covers_every_remote_key_from_each_source() {
        let map = Keymap::builtin();
        assert_eq!(map.evdev[&103], Action::Up);
        assert_eq!(map.evdev[&516], Action::Digit(4));
        assert_eq!(map.lirc["KEY_EPG"], Action::Guide);
        assert_eq!(map.cec[&0x72], Action::Red);
        // Every action a remote has is reachable from evdev and CEC alike.
        for wanted in [
            Action::Up,
            Action::Down,
            Action::Left,
            Action::Right,
            Action::Ok,
            Action::Back,
            Action::Guide,
            Action::Info,
            Action::ChannelUp,
            Action::ChannelDown,
            Action::Red,
            Action::Green,
            Action::Yellow,
            Action::Blue,
            Action::Digit(0),
            Action::Digit(9),
        ] {
            assert!(map.evdev.values().any(|a| *a == wanted), "evdev {wanted:?}");
            assert!(map.cec.values().any(|a| *a == wanted), "cec {wanted:?}");
            assert!(map.lirc.values().any(|a| *a == wanted), "lirc {wanted:?}");
        }
    }

    #[test]
    fn the_window_keyboard_goes_through_the_key_map() {
        let map = Keymap::builtin();
        let table = [
            ("\u{F700}", Some(Action::Up)),
            ("\n", Some(Action::Ok)),
            ("\u{1b}", Some(Action::Back)),
            ("\u{F72C}", Some(Action::ChannelUp)),
            ("7", Some(Action::Digit(7))),
            ("G", Some(Action::Guide)),
            ("\u{F704}", Some(Action::Red)),
            (" ", Some(Action::Pause)),
            ("z", None),
            ("", None),
            ("ab", None),
        ];
        for (text, want) in table {
            assert_eq!(map.key_action(text), want, "key {text:?}");
        }
        // A map's own entries replace the built-in ones; a map without the
        // section keeps the built-in keys.
        let own =
            Keymap::parse("[keyboard]\nPageUp = \"Guide\"\nz = \"Info\"\n", "my.toml").unwrap();
        assert_eq!(own.key_action("\u{F72C}"), Some(Action::Guide));
        assert_eq!(own.key_action("Z"), Some(Action::Info));
        assert_eq!(own.key_action("g"), None);
        let older = Keymap::parse("[evdev]\n103 = \"Up\"\n", "old.toml").unwrap();
        assert_eq!(older.key_action("g"), Some(Action::Guide));
        let e = Keymap::parse("[keyboard]\nJump = \"Up\"\n", "my.toml").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("my.toml: [keyboard] Jump: a key is one character"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_entry_names_the_file_section_and_key() {
        let e = Keymap::parse("[evdev]\n103 = \"Jump\"\n", "my.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "my.toml: [evdev] 103: unknown action \"Jump\""
        );
        let e = Keymap::parse("[cec]\n\"1\" = \"Up\"\n", "my.toml").unwrap_err();
        assert!(e.to_string().starts_with("my.toml: [cec] 1:"), "{e}");
        let e = Keymap::parse("[joystick]\n", "my.toml").unwrap_err();
        assert!(e.to_string().starts_with("my.toml: "), "{e}");
    }
}
