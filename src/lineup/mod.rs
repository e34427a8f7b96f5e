//! The channel lineup: M3U/M3U8 playlists parsed into [`Channel`]s.
//!
//! Owns the playlist grammar and the channel model. It must not know about
//! GStreamer, Slint or the network: callers hand it text and get back plain
//! structs plus warnings with line numbers. A bad line never panics and never
//! costs a good neighbour its entry.

mod channel;
mod m3u;

pub use channel::{Channel, ChannelKey};
pub use m3u::{Lineup, ParseWarning, parse, parse_bytes};

use thiserror::Error;

/// A playlist that cannot be used at all (as opposed to one with warnings).
#[derive(Debug, Error)]
pub enum LineupError {
    /// The text has no `#EXTINF` entry and no stream URL: it is not a playlist.
    #[error("{source_name}: not an M3U playlist (no #EXTM3U header and no channel entries)")]
    NotM3u { source_name: String },
}
