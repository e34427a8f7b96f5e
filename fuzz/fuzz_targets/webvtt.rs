//! WebVTT: a speech's transcript (`archive::transcript::parse`, fed the
//! downloaded bytes as the archive screen does) and subtitle text as the
//! player reads it off a subtitle stream (`player::captions::plain_lines`):
//! cues or nothing, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(cues) = hustings::archive::transcript::parse(&text) {
        assert!(cues.len() <= hustings::archive::transcript::MAX_CUES);
    }
    let _ = hustings::player::captions::plain_lines(&text);
});
