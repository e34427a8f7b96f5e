//! HLS media playlists as the box uses them: the segments a download takes
//! (`archive::download::segments`: durations, paths, URLs checked) and the
//! summary (`archive::summarize_media_playlist`): a result or an error,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("http://archive.example/speeches/s1/720p/index.m3u8").unwrap();
    if let Ok((_, segments)) = hustings::archive::download::segments(data, &url) {
        for (_, absolute, duration) in &segments {
            assert!(absolute.starts_with("http"));
            assert!(duration.is_finite() && *duration > 0.0);
        }
    }
    let _ = hustings::archive::summarize_media_playlist(data, "fuzz.m3u8");
});
