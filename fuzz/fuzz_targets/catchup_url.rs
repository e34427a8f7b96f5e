//! Catch-up URL templates: the channels of a fuzzed M3U (its `catchup`,
//! `catchup-source`, `catchup-days`, `catchup-correction` and `tvg-shift`
//! attributes) and fuzzed programme times through
//! `lineup::channel_catchup_url`, as the guide's replay does: a URL or an
//! error, never a panic (overflowing times, odd placeholders).
//!
//! Input: 24 bytes of times (start, stop, now: i64 little-endian), then an
//! optional catchup-id line, then the playlist.
#![no_main]

use hustings::lineup::{CatchupProgramme, channel_catchup_url, parse_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((times, rest)) = data.split_at_checked(24) else {
        return;
    };
    let time = |i: usize| i64::from_le_bytes(times[i * 8..i * 8 + 8].try_into().unwrap());
    let (id, playlist) = match rest.iter().position(|&b| b == b'\n') {
        Some(n) if !rest.starts_with(b"#EXTM3U") => (Some(&rest[..n]), &rest[n + 1..]),
        _ => (None, rest),
    };
    let Ok(lineup) = parse_bytes(playlist, "fuzz.m3u") else {
        return;
    };
    let programme = CatchupProgramme {
        start: time(0),
        stop: time(1),
        catchup_id: id.map(|b| String::from_utf8_lossy(b).into_owned()),
    };
    for channel in &lineup.channels {
        let _ = channel_catchup_url(channel, &programme, time(2));
    }
});
