//! Any bytes through the M3U reader (`lineup::parse_bytes`, what a lineup
//! fetch hands it): a lineup with warnings or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(lineup) = hustings::lineup::parse_bytes(data, "fuzz.m3u") {
        for ch in &lineup.channels {
            assert!(!ch.url.is_empty());
        }
        let _ = lineup.guide_urls();
    }
});
