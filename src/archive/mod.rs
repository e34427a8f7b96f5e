//! The speech archive: the catalogue feed (catalogue.rs), WebVTT
//! transcripts (transcript.rs) and HLS playlists (hls.rs); the offline
//! download cache arrives with the rest of the archive work (issue 6).
//!
//! Must not import the player, the UI or GStreamer: it reads playlists with
//! m3u8-rs and hands plain structs to its callers.

pub mod catalogue;
pub mod download;
mod hls;
pub mod transcript;
pub mod variants;

pub use hls::{HlsError, MediaPlaylistSummary, summarize_media_playlist};
