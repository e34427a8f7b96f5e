//! HDMI-CEC remote keys: the TV forwards its remote's buttons to the
//! active source as <User Control Pressed> (opcode 0x44, one operand: the UI
//! command code) and <User Control Released> (0x45). A TV repeats the
//! pressed message about every 0.5 s while a button is held.
//!
//! Messages are the bytes of a CEC frame (header, opcode, operands), as the
//! kernel's CEC API hands them over (`struct cec_msg`'s `msg[]`); reading the
//! adapter itself belongs to the platform layer.

use super::{Keymap, Press};

pub const USER_CONTROL_PRESSED: u8 = 0x44;
pub const USER_CONTROL_RELEASED: u8 = 0x45;

/// Tracks the held button, so a re-sent press is a repeat.
#[derive(Debug, Default)]
pub struct CecKeys {
    held: Option<u8>,
}

impl CecKeys {
    /// The press a received frame means, if any.
    pub fn message(&mut self, frame: &[u8], keymap: &Keymap) -> Option<Press> {
        let (&opcode, operands) = frame.get(1..)?.split_first()?;
        match opcode {
            USER_CONTROL_PRESSED => {
                let code = *operands.first()?;
                let repeat = self.held == Some(code);
                self.held = Some(code);
                Some(Press {
                    action: *keymap.cec.get(&code)?,
                    repeat,
                })
            }
            USER_CONTROL_RELEASED => {
                self.held = None;
                None
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Action;

    #[test]
    fn pressed_released_and_held_buttons() {
        let map = Keymap::builtin();
        let mut keys = CecKeys::default();
        // TV (0) to playback device 1 (4): Up pressed, pressed again (held), released.
        let up = [0x04, 0x44, 0x01];
        assert_eq!(
            keys.message(&up, &map),
            Some(Press {
                action: Action::Up,
                repeat: false
            })
        );
        assert_eq!(
            keys.message(&up, &map),
            Some(Press {
                action: Action::Up,
                repeat: true
            })
        );
        assert_eq!(keys.message(&[0x04, 0x45], &map), None);
        assert_eq!(keys.message(&up, &map).map(|p| p.repeat), Some(false));
        assert_eq!(
            keys.message(&[0x04, 0x44, 0x72], &map).map(|p| p.action),
            Some(Action::Red)
        );
        assert_eq!(keys.message(&[0x04, 0x44], &map), None, "no operand");
        assert_eq!(keys.message(&[0x04], &map), None, "a poll");
        assert_eq!(
            keys.message(&[0x0f, 0x36], &map),
            None,
            "standby is not a key"
        );
    }
}
