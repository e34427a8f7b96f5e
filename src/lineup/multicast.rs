//! Multicast stream addresses: `udp://@G:P`, `rtp://@G:P` and
//! source-specific `rtp://S@G:P`, plus the udpxy relay rewrite.
//!
//! Only parses and rewrites URL text; joining groups is the player's job.

use std::fmt;
use std::net::Ipv4Addr;

use serde::Serialize;

/// The transport named by a multicast URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MulticastScheme {
    /// Raw MPEG-TS over UDP.
    Udp,
    /// MPEG-TS in RTP.
    Rtp,
}

impl MulticastScheme {
    fn as_str(self) -> &'static str {
        match self {
            MulticastScheme::Udp => "udp",
            MulticastScheme::Rtp => "rtp",
        }
    }
}

/// A parsed IPv4 multicast stream address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Multicast {
    pub scheme: MulticastScheme,
    /// The sender for source-specific multicast (`rtp://S@G:P`).
    pub source: Option<Ipv4Addr>,
    /// The multicast group (224.0.0.0/4).
    pub group: Ipv4Addr,
    pub port: u16,
}

impl Multicast {
    /// Parses `udp://@G:P`, `udp://G:P`, `rtp://@G:P` or `rtp://S@G:P`
    /// (an optional `/path` or `?query` after the port is ignored). Returns
    /// `None` for anything else, including unicast UDP.
    pub fn parse(url: &str) -> Option<Multicast> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = if scheme.eq_ignore_ascii_case("udp") {
            MulticastScheme::Udp
        } else if scheme.eq_ignore_ascii_case("rtp") {
            MulticastScheme::Rtp
        } else {
            return None;
        };
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        let (source, group_port) = match authority.split_once('@') {
            Some(("", gp)) => (None, gp),
            Some((s, gp)) => (Some(s.parse::<Ipv4Addr>().ok()?), gp),
            None => (None, authority),
        };
        let (group, port) = group_port.rsplit_once(':')?;
        let group: Ipv4Addr = group.parse().ok()?;
        let port: u16 = port.parse().ok()?;
        (group.is_multicast() && port != 0).then_some(Multicast {
            scheme,
            source,
            group,
            port,
        })
    }

    /// The udpxy relay URL for this stream (`{base}/udp/G:P`), or `None` for
    /// source-specific multicast, which udpxy cannot join.
    pub fn udpxy_url(&self, base: &str) -> Option<String> {
        if self.source.is_some() {
            return None;
        }
        let base = base.trim().trim_end_matches('/');
        let base = if base.contains("://") {
            base.to_string()
        } else {
            format!("http://{base}")
        };
        Some(format!(
            "{base}/{}/{}:{}",
            self.scheme.as_str(),
            self.group,
            self.port
        ))
    }
}

impl fmt::Display for Multicast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme.as_str())?;
        if let Some(s) = self.source {
            write!(f, "{s}")?;
        }
        write!(f, "@{}:{}", self.group, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().expect("test address")
    }

    #[test]
    fn multicast_urls_parse_with_and_without_source() {
        type Want<'a> = Option<(MulticastScheme, Option<&'a str>, &'a str, u16)>;
        let cases: &[(&str, Want)] = &[
            (
                "udp://@239.0.0.1:5000",
                Some((MulticastScheme::Udp, None, "239.0.0.1", 5000)),
            ),
            (
                "udp://239.0.0.1:5000",
                Some((MulticastScheme::Udp, None, "239.0.0.1", 5000)),
            ),
            (
                "rtp://@232.1.2.3:1234",
                Some((MulticastScheme::Rtp, None, "232.1.2.3", 1234)),
            ),
            (
                "rtp://10.0.0.1@232.1.2.3:1234",
                Some((MulticastScheme::Rtp, Some("10.0.0.1"), "232.1.2.3", 1234)),
            ),
            (
                "UDP://@239.0.0.1:5000?pkt_size=1316",
                Some((MulticastScheme::Udp, None, "239.0.0.1", 5000)),
            ),
            ("udp://192.168.1.5:5000", None),
            ("udp://@239.0.0.1", None),
            ("udp://@239.0.0.1:0", None),
            ("udp://@239.0.0.1:99999", None),
            ("rtp://bad@239.0.0.1:5000", None),
            ("http://239.0.0.1:5000/", None),
            ("udp://@[ff02::1]:5000", None),
            ("udp://", None),
        ];
        for (url, want) in cases {
            let want = want.map(|(scheme, source, group, port)| Multicast {
                scheme,
                source: source.map(ip),
                group: ip(group),
                port,
            });
            assert_eq!(Multicast::parse(url), want, "{url}");
        }
    }

    #[test]
    fn udpxy_rewrite_uses_the_scheme_path_and_refuses_ssm() {
        let cases = [
            (
                "udp://@239.0.0.1:5000",
                "http://192.168.1.1:4022",
                Some("http://192.168.1.1:4022/udp/239.0.0.1:5000"),
            ),
            (
                "rtp://@239.0.0.1:5000",
                "http://r:4022/",
                Some("http://r:4022/rtp/239.0.0.1:5000"),
            ),
            (
                "udp://@239.0.0.1:5000",
                "r:4022",
                Some("http://r:4022/udp/239.0.0.1:5000"),
            ),
            ("rtp://10.0.0.1@232.0.0.1:5000", "http://r:4022", None),
        ];
        for (url, base, want) in cases {
            let m = Multicast::parse(url).expect("multicast");
            assert_eq!(m.udpxy_url(base).as_deref(), want, "{url}");
        }
    }

    #[test]
    fn display_round_trips_the_canonical_form() {
        for url in ["udp://@239.0.0.1:5000", "rtp://10.0.0.1@232.1.2.3:1234"] {
            let m = Multicast::parse(url).expect("multicast");
            assert_eq!(m.to_string(), url);
        }
    }
}
