//! The speech archive: HLS playlists today; the catalogue and the offline
//! download cache arrive with the archive work (issue 6).
//!
//! Must not import the player, the UI or GStreamer: it reads playlists with
//! m3u8-rs and hands plain structs to its callers.

mod hls;

pub use hls::{HlsError, MediaPlaylistSummary, summarize_media_playlist};
