//! Source set-up: what playbin3's source element is told before it starts.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};

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

/// Gives an HTTP source the channel's request headers: `User-Agent` as its
/// user agent, the others as extra headers. Sources without HTTP are left alone.
pub(crate) fn set_http_headers(source: &gst::Element, headers: &[(String, String)]) {
    if headers.is_empty() || !source.has_property("extra-headers") {
        return;
    }
    let mut extra = gst::Structure::builder("extra-headers");
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("user-agent") && source.has_property("user-agent") {
            source.set_property("user-agent", value);
        } else {
            extra = extra.field(name.as_str(), value.as_str());
        }
    }
    source.set_property("extra-headers", extra.build());
}

/// A socket joined to a multicast URL's group (source-specific when the URL
/// names a sender), on `iface` when given; dropping it leaves the group.
pub(crate) fn join_socket(url: &str, iface: Option<&str>) -> std::io::Result<Socket> {
    let m = crate::lineup::Multicast::parse(url).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{url} is not multicast"),
        )
    })?;
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    // The player's own receiver may be bound to the same port.
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddrV4::new(m.group, m.port).into())?;
    let index = iface.map(interface_index).transpose()?.unwrap_or(0);
    match m.source {
        Some(source) => socket.join_ssm_v4(&source, &m.group, &Ipv4Addr::UNSPECIFIED)?,
        None => socket.join_multicast_v4_n(&m.group, &InterfaceIndexOrAddress::Index(index))?,
    }
    Ok(socket)
}

/// Whether a multicast URL's group is sending: joins it on a socket of our
/// own and waits up to `wait` for one datagram. Used to go back to multicast
/// after a fallback; the socket leaves on return.
pub(crate) fn multicast_sending(url: &str, iface: Option<&str>, wait: Duration) -> bool {
    let attempt = || -> std::io::Result<bool> {
        let socket = join_socket(url, iface)?;
        socket.set_read_timeout(Some(wait))?;
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 2048];
        Ok(socket.recv(&mut buf).is_ok_and(|n| n > 0))
    };
    attempt().unwrap_or_else(|e| {
        tracing::debug!(%url, "multicast probe: {e}");
        false
    })
}

/// The kernel's index of a network interface.
fn interface_index(name: &str) -> std::io::Result<u32> {
    let c = std::ffi::CString::new(name)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "interface name"))?;
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => Err(std::io::Error::last_os_error()),
        i => Ok(i),
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
