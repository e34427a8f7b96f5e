//! The parsers of untrusted input that are private to their modules, named
//! for the cargo-fuzz targets in `fuzz/` (docs/fuzzing.md). Re-exports only:
//! each target calls the code the box runs, never a copy. Not an API; the
//! parsers that are public already (`lineup::parse_bytes`,
//! `guide::read_xmltv`, ...) are called by their own paths.

/// The multicast datagram path: RTP header, TS scan (PAT, random access),
/// continuity counting, the cached PAT/PMT and the neighbours' recent GOP.
pub use crate::player::prejoin::Recent;
pub use crate::player::psi::Psi;
pub use crate::player::ts::{Continuity, Flags, PACKET, rtp_payload, scan};

/// The caption meta types GStreamer hands the caption reader.
pub use gstreamer_video::VideoCaptionType;
