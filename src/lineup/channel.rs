//! The channel model shared by the lineup, the guide and the UI.

use serde::Serialize;

/// A stable identity for a channel across playlist refreshes: the guide id when
/// the playlist gives one, else the name. Never the row position.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ChannelKey(pub String);

/// One playable channel from a lineup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// Stable key (see [`ChannelKey`]).
    pub key: ChannelKey,
    /// The channel number shown to the viewer.
    pub number: u32,
    /// Display name (the text after the last top-level comma of `#EXTINF`).
    pub name: String,
    /// `tvg-id`: the XMLTV channel id used to find its programmes.
    pub guide_id: Option<String>,
    /// `tvg-logo`.
    pub logo: Option<String>,
    /// `group-title`, split on `;`.
    pub groups: Vec<String>,
    /// Primary stream URL (multicast where offered).
    pub url: String,
    /// Unicast alternatives tried when the primary cannot be received.
    pub fallback_urls: Vec<String>,
    /// The 1-based line of the `#EXTINF` (or bare URL) that defined it.
    pub line: usize,
}

impl Channel {
    /// Every URL to try, primary first.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.url.as_str()).chain(self.fallback_urls.iter().map(String::as_str))
    }
}
