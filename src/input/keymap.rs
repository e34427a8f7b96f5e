//! Key maps: each source's codes to [`Action`]s, from a TOML file
//! (`platform/keymaps/default.toml` is built in).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use super::{Action, parse_action};

/// The built-in key map.
pub const DEFAULT: &str = include_str!("../../platform/keymaps/default.toml");

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
}

impl Keymap {
    /// The built-in map.
    pub fn builtin() -> Keymap {
        Keymap::parse(DEFAULT, "platform/keymaps/default.toml")
            .expect("the built-in key map is checked by a test")
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
        Ok(map)
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
