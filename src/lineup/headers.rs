//! HTTP request options attached to a stream: the Kodi `URL|Header=value&...`
//! suffix and `#EXTVLCOPT:http-*` lines.
//!
//! Owns the mapping from player-specific spellings (`http-referrer`,
//! `http-user-agent`) to HTTP header names, and percent-decoding of suffix
//! values. It does not send requests.

use super::reading::clip;

/// Far more headers than any stream needs; beyond this a suffix is hostile.
const MAX_SUFFIX_PAIRS: usize = 64;

/// Splits `URL|User-Agent=x&Referer=y` into the bare URL and its decoded
/// headers (canonical names, in suffix order). Notes problems for warnings.
pub(super) fn split_url_headers(raw: &str) -> (String, Vec<(String, String)>, Vec<String>) {
    let Some((url, suffix)) = raw.split_once('|') else {
        return (raw.trim().to_string(), Vec::new(), Vec::new());
    };
    let mut headers = Vec::new();
    let mut notes = Vec::new();
    for (i, pair) in suffix
        .split('&')
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        if i == MAX_SUFFIX_PAIRS {
            notes.push(format!(
                "more than {MAX_SUFFIX_PAIRS} Header=value pairs after '|'; the rest are ignored"
            ));
            break;
        }
        match pair.split_once('=') {
            Some((k, v)) => {
                let name = canonical_header(&percent_decode(k));
                if name.is_empty() {
                    notes.push(format!(
                        "header without a name in '|{}' ignored",
                        clip(pair)
                    ));
                } else {
                    headers.push((name, percent_decode(v)));
                }
            }
            None => notes.push(format!(
                "'{}' after '|' is not Header=value; ignored",
                clip(pair)
            )),
        }
    }
    (url.trim().to_string(), headers, notes)
}

/// What an `#EXTVLCOPT` option turned out to be.
#[derive(Debug, PartialEq)]
pub(super) enum VlcOption {
    /// An HTTP request header (canonical name, value).
    Header(String, String),
    /// Any other VLC option, kept by its lower-cased name.
    Other(String, String),
}

/// VLC `http-*` options that tune the HTTP client rather than name a header.
const VLC_HTTP_SETTINGS: &[&str] = &[
    "http-reconnect",
    "http-continuous",
    "http-forward-cookies",
    "http-proxy",
    "http-proxy-pwd",
    "http-caching",
    "http-user-timeout",
];

/// Classifies one `#EXTVLCOPT:key=value` option.
pub(super) fn vlc_option(key: &str, value: &str) -> VlcOption {
    let key = key.trim().to_ascii_lowercase();
    let value = value.trim().to_string();
    match key.strip_prefix("http-") {
        Some(header) if !header.is_empty() && !VLC_HTTP_SETTINGS.contains(&key.as_str()) => {
            VlcOption::Header(canonical_header(header), value)
        }
        _ => VlcOption::Other(key, value),
    }
}

/// `user-agent` -> `User-Agent`; the common misspelling `referrer` (which VLC
/// and Kodi use for the option) -> `Referer`, the header's real name.
pub(super) fn canonical_header(name: &str) -> String {
    let name = name.trim();
    if name.eq_ignore_ascii_case("referrer") {
        return "Referer".into();
    }
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Decodes `%XX` escapes and `+` as a space (as Kodi's `UrlDecode` does); an
/// invalid escape is kept as written.
pub(super) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escape = match (b[i], b.get(i + 1), b.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)),
            _ => None,
        };
        match (escape, b[i]) {
            (Some((h, l)), _) => {
                out.push(h << 4 | l);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, c) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_suffix_headers_are_split_off_and_decoded() {
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
        let cases: &[Case] = &[
            ("http://h/a.m3u8", "http://h/a.m3u8", &[]),
            (
                "http://h/a.m3u8|User-Agent=VLC%2F3.0&Referer=http%3A%2F%2Fr%2F",
                "http://h/a.m3u8",
                &[("User-Agent", "VLC/3.0"), ("Referer", "http://r/")],
            ),
            (
                "http://h/a|user-agent=My+Box",
                "http://h/a",
                &[("User-Agent", "My Box")],
            ),
            (
                "http://h/a|origin=http://o&referrer=x",
                "http://h/a",
                &[("Origin", "http://o"), ("Referer", "x")],
            ),
            (
                "http://h/a|X-Token=a=b",
                "http://h/a",
                &[("X-Token", "a=b")],
            ),
            ("http://h/a|bad%zz=1", "http://h/a", &[("Bad%zz", "1")]),
        ];
        for (raw, url, headers) in cases {
            let (u, h, _) = split_url_headers(raw);
            assert_eq!(u, *url, "{raw}");
            let h: Vec<_> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            assert_eq!(h, *headers, "{raw}");
        }
    }

    #[test]
    fn a_suffix_pair_without_equals_is_noted_not_fatal() {
        let (u, h, notes) = split_url_headers("http://h/a|junk&Origin=o");
        assert_eq!(u, "http://h/a");
        assert_eq!(h, vec![("Origin".to_string(), "o".to_string())]);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn vlc_http_options_become_headers_and_others_stay_options() {
        let cases: &[(&str, VlcOption)] = &[
            (
                "http-user-agent",
                VlcOption::Header("User-Agent".into(), "v".into()),
            ),
            (
                "http-referrer",
                VlcOption::Header("Referer".into(), "v".into()),
            ),
            (
                "http-referer",
                VlcOption::Header("Referer".into(), "v".into()),
            ),
            (
                "http-origin",
                VlcOption::Header("Origin".into(), "v".into()),
            ),
            (
                "HTTP-Cookie",
                VlcOption::Header("Cookie".into(), "v".into()),
            ),
            (
                "http-reconnect",
                VlcOption::Other("http-reconnect".into(), "v".into()),
            ),
            (
                "network-caching",
                VlcOption::Other("network-caching".into(), "v".into()),
            ),
            ("program", VlcOption::Other("program".into(), "v".into())),
        ];
        for (key, want) in cases {
            assert_eq!(&vlc_option(key, " v "), want, "{key}");
        }
    }

    #[test]
    fn percent_decoding_keeps_broken_escapes_and_utf8() {
        let cases = [
            ("a%20b", "a b"),
            ("a+b", "a b"),
            ("100%", "100%"),
            ("%4", "%4"),
            ("%C3%A9", "é"),
            ("%FF", "\u{fffd}"),
        ];
        for (input, want) in cases {
            assert_eq!(percent_decode(input), want, "{input}");
        }
    }
}
