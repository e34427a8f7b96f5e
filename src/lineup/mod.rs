//! The channel lineup: M3U/M3U8 playlists parsed into [`Channel`]s.
//!
//! Owns the playlist grammar (the one Kodi's IPTV Simple client accepts:
//! header defaults, `#EXTINF` attributes, `#EXTGRP`, `#KODIPROP`,
//! `#EXTVLCOPT`, `URL|Header=value`, multicast and udpxy, catch-up settings)
//! and the channel model. It must not know about GStreamer, Slint or the
//! network: callers hand it text and get back plain structs plus warnings with
//! line numbers. A bad line never panics and never costs a good neighbour its
//! entry.

mod attrs;
mod catchup;
mod catchup_url;
mod channel;
mod entry;
mod headers;
mod m3u;
mod merge;
mod multicast;
mod numbering;
mod reading;

pub use catchup::{Catchup, CatchupMode};
pub use catchup_url::{
    CatchupError, CatchupProgramme, catchup_template, catchup_url, channel_catchup_url,
};
pub use channel::{Channel, ChannelKey, Provider};
pub use m3u::{Lineup, parse, parse_bytes, parse_bytes_with, parse_with};
pub use merge::merge;
pub use multicast::{Multicast, MulticastScheme};
pub use reading::{ParseOptions, ParseWarning};

use thiserror::Error;

/// A playlist that cannot be used at all (as opposed to one with warnings).
#[derive(Debug, Error)]
pub enum LineupError {
    /// The text has no `#EXTINF` entry and no stream URL: it is not a playlist.
    #[error("{source_name}: not an M3U playlist (no #EXTM3U header and no channel entries)")]
    NotM3u { source_name: String },
}

/// Where the conformance tests find the shared peer data (other projects'
/// real playlists and guides): `$HUSTINGS_TESTDATA`, which `.ci/run` sets where
/// that folder exists. Those tests are `#[ignore]`d (`make conformance`); run
/// without the variable they fail saying so, rather than guess a path.
#[cfg(test)]
pub(crate) fn testdata_dir() -> std::path::PathBuf {
    std::env::var_os("HUSTINGS_TESTDATA")
        .map(std::path::PathBuf::from)
        .expect("HUSTINGS_TESTDATA is not set: point it at the shared test data folder (make conformance HUSTINGS_TESTDATA=DIR)")
}
