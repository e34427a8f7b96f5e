//! Any text through the speech archive's catalogue reader
//! (`archive::catalogue::parse_for`, for each jurisdiction's sponsor
//! wording): items and warnings or an error, never a panic.
#![no_main]

use hustings::archive::catalogue::parse_for;
use hustings::trust::Jurisdiction;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return;
    };
    let jurisdiction = match which % 3 {
        0 => Jurisdiction::Us,
        1 => Jurisdiction::Uk,
        _ => Jurisdiction::Eu,
    };
    let base = url::Url::parse("https://archive.example/speeches/catalogue.json").unwrap();
    if let Ok(catalogue) = parse_for(text, &base, jurisdiction) {
        for item in &catalogue.items {
            let _ = (item.is_hls(), item.downloadable());
        }
    }
});
