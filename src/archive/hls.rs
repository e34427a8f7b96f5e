//! HLS playlist inspection with m3u8-rs.

use serde::Serialize;
use thiserror::Error;

/// A playlist that m3u8-rs cannot read, naming where it came from.
#[derive(Debug, Error)]
#[error("{source_name}: not an HLS media playlist: {message}")]
pub struct HlsError {
    pub source_name: String,
    pub message: String,
}

/// What matters about a media playlist for playback decisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaPlaylistSummary {
    pub segments: usize,
    pub target_duration_s: u64,
    /// Sum of the segment durations, in seconds.
    pub duration_s: f64,
    /// No `#EXT-X-ENDLIST`: a live playlist that grows.
    pub live: bool,
    pub media_sequence: u64,
}

/// Parses a media playlist and summarises it.
pub fn summarize_media_playlist(
    bytes: &[u8],
    source_name: &str,
) -> Result<MediaPlaylistSummary, HlsError> {
    let p = m3u8_rs::parse_media_playlist_res(bytes).map_err(|e| HlsError {
        source_name: source_name.to_string(),
        message: e.to_string(),
    })?;
    Ok(MediaPlaylistSummary {
        segments: p.segments.len(),
        target_duration_s: p.target_duration,
        duration_s: p.segments.iter().map(|s| f64::from(s.duration)).sum(),
        live: !p.end_list,
        media_sequence: p.media_sequence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_playlist_is_summarised() {
        let text = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:42\n#EXTINF:1.0,\nseg00042.ts\n#EXTINF:0.96,\nseg00043.ts\n";
        let s = summarize_media_playlist(text, "index.m3u8").unwrap();
        assert_eq!(
            (s.segments, s.target_duration_s, s.media_sequence, s.live),
            (2, 1, 42, true)
        );
        assert!((s.duration_s - 1.96).abs() < 1e-6);
    }

    #[test]
    fn garbage_is_an_error_naming_the_source() {
        let e = summarize_media_playlist(b"<html>", "http://h/x.m3u8").unwrap_err();
        assert!(e.to_string().starts_with("http://h/x.m3u8"));
    }
}
