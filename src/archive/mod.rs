//! The speech archive: the catalogue feed (catalogue.rs), WebVTT
//! transcripts (transcript.rs), HLS playlists (hls.rs) and variant choice
//! (variants.rs), the offline download cache (download.rs) with the images
//! it shares its budget with (images.rs), and when pinned speeches are
//! fetched ahead of time (schedule.rs).
//!
//! Must not import the player, the UI or GStreamer: it reads playlists with
//! m3u8-rs and hands plain structs to its callers.

pub mod catalogue;
pub mod download;
mod hls;
pub mod images;
pub mod schedule;
pub mod transcript;
pub mod variants;

pub use hls::{HlsError, MediaPlaylistSummary, summarize_media_playlist};
