//! HDMI-CEC frames from the bus, as the box reads them off the adapter
//! (`cec_msg`: a length and up to 16 bytes), through the box's device model
//! (`platform::cec::CecDevice::receive`) and the remote key reader
//! (`input::cec::CecKeys::message`): never a panic, and every reply is a
//! frame the adapter can send.
//!
//! Input: 3 bytes of the box (logical address, physical address), then
//! frames, each a length byte (the kernel's `len`, any value) and up to 16
//! bytes.
#![no_main]

use hustings::input::Keymap;
use hustings::input::cec::CecKeys;
use hustings::platform::cec::CecDevice;
use hustings::platform::cec_linux::CecMsg;
use libfuzzer_sys::fuzz_target;

/// The built-in key map, read once (reading it each run would be most of the work).
static KEYMAP: std::sync::LazyLock<Keymap> = std::sync::LazyLock::new(Keymap::builtin);

fuzz_target!(|data: &[u8]| {
    let Some((me, mut rest)) = data.split_at_checked(3) else {
        return;
    };
    let mut device = CecDevice::new(me[0] & 0x0f, u16::from_be_bytes([me[1], me[2]]), "Hustings");
    let mut keys = CecKeys::default();
    while let Some((&len, tail)) = rest.split_first() {
        let n = tail.len().min(16);
        let mut msg = CecMsg {
            len: u32::from(len),
            ..Default::default()
        };
        msg.msg[..n].copy_from_slice(&tail[..n]);
        rest = &tail[n..];
        let frame = msg.bytes();
        let (replies, _event) = device.receive(frame);
        for reply in replies {
            assert!(
                CecMsg::frame(&reply).is_ok(),
                "reply {reply:02x?} cannot be sent"
            );
        }
        let _ = keys.message(frame, &KEYMAP);
    }
});
