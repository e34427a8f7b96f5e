//! The programme guide: XMLTV ingest and now/next queries.
//!
//! Owns the XMLTV reader, the in-memory guide model and the pure helpers the
//! store importer needs (overlap resolution, tvg-shift, channel matching).
//! [`read_xmltv`] streams the document with quick-xml and hands each channel
//! and programme to a callback, so memory grows with one record, not with the
//! document: every text field, every list and every single XML event is
//! capped, and only the XML built-in entities and numeric character
//! references are expanded (a DOCTYPE is never read). Bad records become
//! [`GuideWarning`]s with byte offsets; only a document that cannot be read
//! at all is a [`GuideError`]. It must not import the player, the UI, the
//! store or the network: callers hand it a reader.

mod catchup_window;
mod channel_shift;
mod decode;
mod decompress;
mod matching;
mod model;
mod overlap;
mod reader;
mod record;
mod time;
mod xmltv;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod peer_tests;

pub use catchup_window::has_catchup;
pub use channel_shift::ChannelShift;
pub use decompress::{DecompressLimits, RATIO_GRACE, open_decompressed, open_decompressed_limited};
pub use matching::match_channels;
pub use model::{Credit, Guide, GuideChannel, LangText, Programme};
pub use overlap::{Overlap, overlap, resolve_overlaps};
pub use reader::{ReadSummary, Record, read_xmltv};
pub use time::parse_xmltv_time;
pub use xmltv::{parse_xmltv, parse_xmltv_bytes};

use thiserror::Error;

/// A guide document that cannot be read at all.
#[derive(Debug, Error)]
pub enum GuideError {
    #[error("{source_name}: XML error at byte {position}: {message}")]
    Xml {
        source_name: String,
        position: u64,
        message: String,
    },
    #[error("{source_name}: not an XMLTV document (no <tv> root element)")]
    NotXmltv { source_name: String },
    #[error("{source_name}: cannot decompress: {message}")]
    Compression {
        source_name: String,
        message: String,
    },
    /// The source failed while being read (network, file).
    #[error("{source_name}: read error at byte {position}: {message}")]
    Read {
        source_name: String,
        position: u64,
        message: String,
    },
    /// One XML event (a tag, a text run, a comment) is larger than the reader
    /// buffers; a guide like that is hostile or broken, not merely verbose.
    #[error(
        "{source_name}: XML item starting at byte {position} is larger than {limit} bytes; refusing to buffer it"
    )]
    TooLarge {
        source_name: String,
        position: u64,
        limit: u64,
    },
    /// The document decompresses past the configured size or ratio
    /// ([`DecompressLimits`]): refused before it could fill the box.
    #[error("{source_name}: refused: {message}")]
    Limit {
        source_name: String,
        message: String,
    },
    /// The record callback asked to stop (the store could not take a record).
    #[error("guide import stopped by its consumer: {0}")]
    Sink(String),
}

/// A problem with one part of a guide that did not stop the read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideWarning {
    /// Byte offset in the (decompressed, UTF-8) document where the problem starts.
    pub position: u64,
    pub message: String,
}

impl std::fmt::Display for GuideWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "byte {}: {}", self.position, self.message)
    }
}
