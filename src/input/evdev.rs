//! Linux input events (evdev): IR receivers through rc-core, USB and
//! Bluetooth remotes, keyboards.
//!
//! Reading `/dev/input/eventN` gives a stream of `struct input_event`
//! records; so does a recording of one, which is how this is tested (this
//! machine has no input devices). Only key events (EV_KEY) matter: value 1
//! is a press, 2 the kernel's auto-repeat while held, 0 the release.

use std::io::Read;

use super::{Action, Keymap, Press};

/// `struct input_event` on 64-bit Linux: timeval (2 × i64), type, code, value.
pub const EVENT_SIZE: usize = 24;
const EV_KEY: u16 = 1;

/// One decoded record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent {
    pub kind: u16,
    pub code: u16,
    pub value: i32,
}

/// Decodes one record (native byte order, as the kernel writes it).
pub fn decode(record: &[u8; EVENT_SIZE]) -> RawEvent {
    let u16_at = |i: usize| u16::from_ne_bytes([record[i], record[i + 1]]);
    RawEvent {
        kind: u16_at(16),
        code: u16_at(18),
        value: i32::from_ne_bytes([record[20], record[21], record[22], record[23]]),
    }
}

/// Encodes a record (for recordings and tests).
pub fn encode(event: RawEvent) -> [u8; EVENT_SIZE] {
    let mut out = [0u8; EVENT_SIZE];
    out[16..18].copy_from_slice(&event.kind.to_ne_bytes());
    out[18..20].copy_from_slice(&event.code.to_ne_bytes());
    out[20..24].copy_from_slice(&event.value.to_ne_bytes());
    out
}

/// The remote action of a record, if it is a mapped key press or repeat.
pub fn press(event: RawEvent, keymap: &Keymap) -> Option<Press> {
    if event.kind != EV_KEY || event.value == 0 {
        return None;
    }
    let action = *keymap.evdev.get(&event.code)?;
    Some(Press {
        action,
        repeat: event.value == 2,
    })
}

/// Reads records from `source` (a device or a recording) until it ends,
/// handing each action that should act to `on_action`. A short final record
/// is dropped.
pub fn read(
    mut source: impl Read,
    keymap: &Keymap,
    mut on_action: impl FnMut(Action),
) -> std::io::Result<()> {
    let mut record = [0u8; EVENT_SIZE];
    loop {
        match source.read_exact(&mut record) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        if let Some(p) = press(decode(&record), keymap)
            && p.acts()
        {
            on_action(p.action);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: u16, value: i32) -> RawEvent {
        RawEvent {
            kind: EV_KEY,
            code,
            value,
        }
    }

    #[test]
    fn records_round_trip_and_only_key_presses_count() {
        let e = key(352, 1);
        assert_eq!(decode(&encode(e)), e);
        let map = Keymap::builtin();
        assert_eq!(
            press(key(352, 1), &map),
            Some(Press {
                action: Action::Ok,
                repeat: false
            })
        );
        assert_eq!(press(key(352, 0), &map), None, "release");
        assert_eq!(
            press(
                RawEvent {
                    kind: 4,
                    code: 4,
                    value: 458_792
                },
                &map
            ),
            None,
            "EV_MSC scancode"
        );
        assert_eq!(press(key(999, 1), &map), None, "unmapped");
    }
}
