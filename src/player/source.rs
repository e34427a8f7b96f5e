//! Source set-up: what playbin3's source element is told before it starts.

use gstreamer as gst;
use gstreamer::prelude::*;

/// Whether a URL is received by joining a multicast/UDP stream.
pub(crate) fn is_multicast(url: &str) -> bool {
    url.starts_with("udp://") || url.starts_with("rtp://")
}

/// playbin3 wants `udp://239.1.1.1:5000`; playlists write `udp://@239.1.1.1:5000`.
pub(crate) fn gst_uri(url: &str) -> String {
    for scheme in ["udp://@", "rtp://@"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            return format!("{}{rest}", &scheme[..scheme.len() - 1]);
        }
    }
    url.to_string()
}

/// Configures the source element playbin3 created for a URI.
pub(crate) fn configure(source: &gst::Element, multicast_iface: Option<&str>) {
    let Some(factory) = source.factory() else {
        return;
    };
    if factory.name() == "udpsrc" {
        // Telling udpsrc what it receives skips type-finding: MPEG-TS in
        // 188-byte packets, which every IPTV multicast we target sends.
        let caps = gst::Caps::builder("video/mpegts")
            .field("systemstream", true)
            .field("packetsize", 188i32)
            .build();
        source.set_property("caps", &caps);
        // 2 MB absorbs a burst of several hundred milliseconds at 20 Mbit/s.
        source.set_property("buffer-size", 2_000_000i32);
        if let Some(iface) = multicast_iface {
            source.set_property("multicast-iface", iface);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playlist_multicast_urls_become_gstreamer_uris() {
        assert_eq!(gst_uri("udp://@239.1.2.3:5000"), "udp://239.1.2.3:5000");
        assert_eq!(gst_uri("rtp://@239.1.2.3:5000"), "rtp://239.1.2.3:5000");
        assert_eq!(gst_uri("http://h/x.m3u8"), "http://h/x.m3u8");
        assert!(is_multicast("udp://@239.1.2.3:5000"));
        assert!(!is_multicast("http://h/x.m3u8"));
    }
}
