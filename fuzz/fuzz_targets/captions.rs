//! Closed captions as the player reads them off each frame's caption meta:
//! the meta's data as `cc_data` (`player::captions::meta_cc_data`, for each
//! caption type), then both decoders, CEA-608 CC1 (`CaptionScreen`) and
//! CEA-708 service 1 (`ServiceScreen`), frame after frame: never a panic.
//!
//! Input: frames, each a byte of caption type (low 2 bits), a length byte
//! and that many bytes of meta data.
#![no_main]

use hustings::fuzzing::VideoCaptionType;
use hustings::player::captions::{CaptionScreen, meta_cc_data};
use hustings::player::captions708::ServiceScreen;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cea608 = CaptionScreen::default();
    let mut cea708 = ServiceScreen::default();
    let mut rest = data;
    while let Some((head, tail)) = rest.split_at_checked(2) {
        let kind = match head[0] & 3 {
            0 => VideoCaptionType::Cea708Raw,
            1 => VideoCaptionType::Cea608Raw,
            2 => VideoCaptionType::Cea608S3341a,
            _ => VideoCaptionType::Cea708Cdp,
        };
        let len = usize::from(head[1]).min(tail.len());
        let (meta, next) = tail.split_at(len);
        rest = next;
        let Some(cc_data) = meta_cc_data(kind, meta) else {
            continue;
        };
        let _ = cea608.push_cc_data(&cc_data);
        let _ = cea708.push_cc_data(&cc_data);
    }
    let _ = (cea608.lines(), cea708.lines(), cea708.found());
});
