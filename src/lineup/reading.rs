//! What reading a playlist takes and reports: the options, the warning a
//! skipped or guessed line becomes, and the clipping of hostile text quoted
//! in a warning. A leaf the reader (`m3u`) and its helpers (`entry`,
//! `attrs`, `headers`, `numbering`) all use.

use std::fmt;

use serde::Serialize;

/// Something skipped or guessed while reading a playlist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParseWarning {
    /// 1-based line number in the source.
    pub line: usize,
    pub message: String,
}

impl ParseWarning {
    pub(super) fn new(line: usize, message: impl Into<String>) -> Self {
        ParseWarning {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// How to read a playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOptions {
    /// The number of the first channel numbered by order (0 counts as 1:
    /// channel numbers start at 1).
    pub start_number: u32,
    /// A udpxy relay base such as `http://192.168.1.1:4022`: multicast
    /// `udp://@G:P` / `rtp://@G:P` become `{udpxy}/udp/G:P` / `{udpxy}/rtp/G:P`.
    pub udpxy: Option<String>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            start_number: 1,
            udpxy: None,
        }
    }
}

/// Shortens hostile text before it goes into a warning or error.
pub(super) fn clip(s: &str) -> String {
    const MAX: usize = 120;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
