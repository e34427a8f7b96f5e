//! Any bytes through the interactive feed reader (`interact::feed::parse`:
//! polls, sign-up forms, sponsor rules): items and warnings or an error,
//! never a panic.
#![no_main]

use hustings::interact::SponsorRules;
use hustings::interact::feed::parse;
use hustings::trust::Jurisdiction;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let rules = SponsorRules {
        allow_unsponsored: which & 1 != 0,
        jurisdiction: match (which >> 1) % 3 {
            0 => Jurisdiction::Us,
            1 => Jurisdiction::Uk,
            _ => Jurisdiction::Eu,
        },
    };
    let base = url::Url::parse("https://interact.example/feed.json").unwrap();
    let _ = parse(body, &base, rules);
});
