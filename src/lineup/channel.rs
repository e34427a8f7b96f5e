//! The channel model shared by the lineup, the guide and the UI.
//!
//! Plain data: every field is already resolved (header defaults applied, URL
//! headers split off, numbers and keys made unique) by the parser.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catchup::Catchup;
use super::multicast::Multicast;

/// A stable identity for a channel across playlist refreshes: the guide id when
/// the playlist gives one, else the name. Never the row position. A clash gets
/// a deterministic `#2`, `#3`, ... suffix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ChannelKey(pub String);

/// Who offers a channel (`provider*` attributes of `#EXTINF`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Provider {
    /// `provider`.
    pub name: Option<String>,
    /// `provider-type`, lower-cased (Kodi knows addon, satellite, cable,
    /// aerial, iptv).
    pub kind: Option<String>,
    /// `provider-logo`.
    pub logo: Option<String>,
    /// `provider-countries`, ISO 3166 codes.
    pub countries: Vec<String>,
    /// `provider-languages`, RFC 5646 codes.
    pub languages: Vec<String>,
}

/// One playable channel from a lineup.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Channel {
    /// Stable key (see [`ChannelKey`]).
    pub key: ChannelKey,
    /// The channel number shown to the viewer.
    pub number: u32,
    /// The minor part of a `tvg-chno` like `5.1`.
    pub sub_number: Option<u32>,
    /// Display name (the text after the first top-level comma of `#EXTINF`).
    pub name: String,
    /// `tvg-id`: the XMLTV channel id used to find its programmes.
    pub guide_id: Option<String>,
    /// `tvg-name`: the XMLTV display name, when it differs from `name`.
    pub guide_name: Option<String>,
    /// `tvg-shift` (hours in the playlist), in seconds, header default applied.
    pub guide_shift_secs: i32,
    /// `tvg-logo`.
    pub logo: Option<String>,
    /// `tvg-language`.
    pub language: Option<String>,
    /// `group-title` (split on `;`) and `#EXTGRP` groups.
    pub groups: Vec<String>,
    /// `radio="true"`.
    pub radio: bool,
    /// A video-on-demand entry, not a channel: `media="true"`, a `media-dir`
    /// or `media-size` attribute, or `#EXT-X-PLAYLIST-TYPE:VOD` in the entry
    /// (Kodi's rules). Shown in the archive, never zapped through.
    pub media: bool,
    /// Primary stream URL (multicast where offered, or its udpxy relay), with
    /// any `|Header=value` suffix removed.
    pub url: String,
    /// The original multicast URL when `url` was rewritten to a udpxy relay.
    pub multicast_url: Option<String>,
    /// Unicast alternatives tried when the primary cannot be received.
    pub fallback_urls: Vec<String>,
    /// HTTP request headers for the stream (from `#EXTVLCOPT:http-*` and the
    /// URL's `|` suffix, which wins).
    pub http_headers: BTreeMap<String, String>,
    /// `#KODIPROP` properties, keys lower-cased.
    pub props: BTreeMap<String, String>,
    /// `#EXTVLCOPT` options that are not HTTP headers.
    pub vlc_options: BTreeMap<String, String>,
    /// Catch-up settings, header defaults applied.
    pub catchup: Catchup,
    /// `provider*` attributes, when any is given.
    pub provider: Option<Provider>,
    /// The playlist (path or URL) the channel came from.
    pub source: String,
    /// The 1-based line of the `#EXTINF` (or bare URL) that defined it.
    pub line: usize,
}

impl Channel {
    /// Every URL to try, primary first.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.url.as_str()).chain(self.fallback_urls.iter().map(String::as_str))
    }

    /// The multicast address of the primary stream (before any udpxy rewrite).
    pub fn multicast(&self) -> Option<Multicast> {
        Multicast::parse(self.multicast_url.as_deref().unwrap_or(&self.url))
    }

    /// The `mimetype` hint from `#KODIPROP`.
    pub fn mime_type(&self) -> Option<&str> {
        self.props.get("mimetype").map(String::as_str)
    }

    /// The `inputstream` hint from `#KODIPROP` (the old `inputstreamaddon`
    /// and `inputstreamclass` spellings are stored under this name).
    pub fn inputstream(&self) -> Option<&str> {
        self.props.get("inputstream").map(String::as_str)
    }

    /// The `inputstream.adaptive.manifest_type` hint (`hls`, `mpd`, ...).
    pub fn manifest_type(&self) -> Option<&str> {
        self.props
            .get("inputstream.adaptive.manifest_type")
            .map(String::as_str)
    }
}
