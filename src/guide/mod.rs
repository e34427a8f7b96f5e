//! The programme guide: XMLTV ingest and now/next queries.
//!
//! Owns the XMLTV reader and the in-memory guide model. Streams the document
//! with quick-xml, so memory grows with the programmes kept, not with the
//! document; only the XML built-in entities are expanded. It must not import
//! the player, the UI or the network: callers hand it a reader.

mod model;
mod xmltv;

pub use model::{Credit, Guide, GuideChannel, LangText, Programme};
pub use xmltv::{parse_xmltv, parse_xmltv_bytes, parse_xmltv_time};

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
}
