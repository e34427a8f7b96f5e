//! Board profile TOML (`config::BoardProfile::parse`): a profile or an
//! error naming the line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(profile) = hustings::config::BoardProfile::parse(text, "fuzz.toml".as_ref()) {
        let _ = (profile.video.drm_device(), profile.video.sink_element());
    }
});
