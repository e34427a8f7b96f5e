//! LIRC: button presses from lircd's socket (usually `/run/lirc/lircd`).
//!
//! lircd writes one line per decoded IR code: `<code> <repeat> <button>
//! <remote>`, the repeat count in hex (00 for the press, then 01, 02, ...
//! while held). Replies to commands come as BEGIN ... END blocks, which a
//! listener that sends no command only skips.

use std::io::BufRead;

use super::{Action, Keymap, Press};

/// The press of one lircd line, if it names a mapped button.
pub fn press(line: &str, keymap: &Keymap) -> Option<Press> {
    let mut words = line.split_whitespace();
    let _code = words.next()?;
    let repeat = u32::from_str_radix(words.next()?, 16).ok()?;
    let button = words.next()?;
    let _remote = words.next()?;
    Some(Press {
        action: *keymap.lirc.get(button)?,
        repeat: repeat > 0,
    })
}

/// Reads lines from lircd until the connection ends.
pub fn read(
    source: impl BufRead,
    keymap: &Keymap,
    mut on_action: impl FnMut(Action),
) -> std::io::Result<()> {
    let mut in_reply = false;
    for line in source.lines() {
        let line = line?;
        match line.trim() {
            "BEGIN" => in_reply = true,
            "END" => in_reply = false,
            _ if in_reply => {}
            text => {
                if let Some(p) = press(text, keymap)
                    && p.acts()
                {
                    on_action(p.action);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_presses_and_repeats() {
        let map = Keymap::builtin();
        assert_eq!(
            press("0000000080010067 00 KEY_UP devinput", &map),
            Some(Press {
                action: Action::Up,
                repeat: false
            })
        );
        assert_eq!(
            press("0000000080010067 0a KEY_UP devinput", &map),
            Some(Press {
                action: Action::Up,
                repeat: true
            })
        );
        assert_eq!(
            press("0000000080010067 00 KEY_TEXT devinput", &map),
            None,
            "unmapped"
        );
        assert_eq!(press("garbage", &map), None);
    }
}
