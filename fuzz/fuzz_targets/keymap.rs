//! Key map TOML (`input::Keymap::parse`): a key map or an error naming the
//! entry, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = hustings::input::Keymap::parse(text, "fuzz.toml");
});
