//! HLS master playlists as the box uses them: the variants
//! (`archive::variants::variants`) and the playlist handed to the player
//! (`playable_master`, which rewrites and re-writes it) for fuzzed
//! capabilities: a result or an error, never a panic, and what is handed
//! to the player reads back as a master playlist.
//!
//! Input: one byte of capabilities (HEVC in hardware, a height limit, a
//! measured bandwidth), then the playlist.
#![no_main]

use hustings::archive::variants::{Capabilities, playable_master, variants};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&caps, playlist)) = data.split_first() else {
        return;
    };
    let url = url::Url::parse("http://archive.example/speeches/s1/master.m3u8").unwrap();
    let _ = variants(playlist, &url);
    let caps = Capabilities {
        hevc_hardware: caps & 1 != 0,
        max_height: (caps & 2 != 0).then_some(1080),
        bandwidth: (caps & 4 != 0).then_some(u64::from(caps >> 3) * 500_000),
    };
    if let Ok(Some(out)) = playable_master(playlist, &url, &caps) {
        assert!(
            m3u8_rs::parse_master_playlist_res(&out).is_ok(),
            "the master playlist handed to the player does not read back"
        );
    }
});
