//! Parser tests: the grammar end to end, one behaviour per test.

use super::*;
use crate::lineup::Catchup;
use crate::lineup::reading::clip;

fn ok(text: &str) -> Lineup {
    parse(text, "test.m3u").expect("parses")
}

#[test]
fn extinf_attributes_and_name_are_read() {
    let l = ok(
        "#EXTM3U x-tvg-url=\"http://g/guide.xml\"\n#EXTINF:-1 tvg-id=\"a.1\" tvg-chno=\"7\" tvg-logo=\"http://l/a.png\" group-title=\"News;Local\",Alpha TV\nudp://@239.0.0.1:5000\n",
    );
    assert_eq!(l.guide_url(), Some("http://g/guide.xml"));
    let c = &l.channels[0];
    assert_eq!(
        (c.name.as_str(), c.number, c.url.as_str()),
        ("Alpha TV", 7, "udp://@239.0.0.1:5000")
    );
    assert_eq!(c.guide_id.as_deref(), Some("a.1"));
    assert_eq!(c.groups, vec!["News", "Local"]);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn commas_inside_quotes_do_not_end_the_attributes() {
    let l = ok(
        "#EXTM3U\n#EXTINF:-1 tvg-name=\"A, B\" group-title=x,Name, with comma\nhttp://h/s.m3u8\n",
    );
    assert_eq!(l.channels[0].name, "Name, with comma");
    assert_eq!(l.channels[0].groups, vec!["x"]);
}

#[test]
fn bom_crlf_and_missing_header_are_tolerated() {
    let l = ok("\u{feff}#EXTINF:-1,One\r\nhttp://h/1.ts\r\n");
    assert_eq!(l.channels.len(), 1);
    assert_eq!(l.channels[0].name, "One");
    assert_eq!(l.warnings[0].message, "missing #EXTM3U header");
}

#[test]
fn a_bad_entry_keeps_its_good_neighbours_and_warns_with_its_line() {
    let l = ok(
        "#EXTM3U\n#EXTINF:-1,Good 1\nhttp://h/1\n#EXTINF:-1,Broken\nnot a url\n#EXTINF:-1,Good 2\nhttp://h/2\n",
    );
    let names: Vec<_> = l.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Good 1", "Good 2"]);
    assert_eq!(l.warnings.len(), 1);
    assert_eq!(l.warnings[0].line, 4);
}

#[test]
fn numbers_follow_order_and_skip_explicit_ones() {
    let l = ok(
        "#EXTM3U\n#EXTINF:-1 tvg-chno=2,B\nhttp://h/b\n#EXTINF:-1,A\nhttp://h/a\n#EXTINF:-1,C\nhttp://h/c\n#EXTINF:-1 tvg-chno=2,D\nhttp://h/d\n",
    );
    let nums: Vec<_> = l
        .channels
        .iter()
        .map(|c| (c.name.as_str(), c.number))
        .collect();
    assert_eq!(nums, [("B", 2), ("A", 1), ("C", 3), ("D", 4)]);
    assert!(l.warnings.iter().any(|w| w.line == 8));
}

#[test]
fn text_that_is_not_a_playlist_is_an_error_naming_the_file() {
    let err = parse("<html>hello</html>\n", "http://x/lineup.m3u").unwrap_err();
    assert!(err.to_string().contains("http://x/lineup.m3u"));
}

#[test]
fn latin1_bytes_are_decoded() {
    let l = parse_bytes(b"#EXTM3U\n#EXTINF:-1,T\xe9l\xe9\nhttp://h/t\n", "t.m3u").unwrap();
    assert_eq!(l.channels[0].name, "Télé");
}

#[test]
fn fallback_urls_are_listed_after_the_primary() {
    let l = ok(
        "#EXTM3U\n#EXTINF:-1 x-fallback-url=\"http://h/a.m3u8 http://h/b.m3u8\",A\nudp://@239.1.1.1:5000\n",
    );
    let urls: Vec<_> = l.channels[0].urls().collect();
    assert_eq!(
        urls,
        [
            "udp://@239.1.1.1:5000",
            "http://h/a.m3u8",
            "http://h/b.m3u8"
        ]
    );
}

#[test]
#[ignore = "conformance over $HUSTINGS_TESTDATA (other projects' data): `make conformance`, run by .ci/run where it exists"]
fn the_shared_legislative_playlist_reads_every_entry() {
    let path = crate::lineup::testdata_dir().join("m3u-peer/legislative.m3u");
    let Ok(bytes) = std::fs::read(&path) else {
        panic!("{} missing", path.display());
    };
    let text = String::from_utf8_lossy(&bytes);
    let urls = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count();
    let l = parse_bytes(&bytes, &path.display().to_string()).unwrap();
    assert_eq!(l.channels.len(), urls);
    assert_eq!(l.channels.len(), 10, "the file holds ten entries");
    let parliament: Vec<_> = l
        .channels
        .iter()
        .filter(|c| c.guide_id.as_deref() == Some("tv.18"))
        .map(|c| c.key.0.as_str())
        .collect();
    assert_eq!(parliament, ["tv.18", "tv.18#2", "tv.18#3"]);
    assert!(l.channels.iter().all(|c| c.guide_id.as_deref() != Some("")));
}

use super::super::{CatchupMode, Multicast, MulticastScheme, Provider, parse_bytes_with};

/// One entry with `attrs` under an optional header, parsed with defaults.
fn one(header: &str, attrs: &str) -> (Channel, Vec<ParseWarning>) {
    let text = format!("#EXTM3U {header}\n#EXTINF:-1 {attrs},Name\nhttp://h/s.m3u8\n");
    let mut l = ok(&text);
    assert_eq!(l.channels.len(), 1, "{text}");
    (l.channels.remove(0), l.warnings)
}

#[test]
fn every_extinf_attribute_lands_in_its_field() {
    type Check = fn(&Channel) -> String;
    let cases: &[(&str, Check, &str)] = &[
        (
            "tvg-id=\"x.1\"",
            |c| format!("{:?}", c.guide_id),
            "Some(\"x.1\")",
        ),
        (
            "tvg-ID=\"x.1\"",
            |c| format!("{:?}", c.guide_id),
            "Some(\"x.1\")",
        ),
        (
            "tvg-name=\"X One\"",
            |c| format!("{:?}", c.guide_name),
            "Some(\"X One\")",
        ),
        (
            "tvg-logo=\"http://l/x.png\"",
            |c| format!("{:?}", c.logo),
            "Some(\"http://l/x.png\")",
        ),
        ("tvg-chno=\"42\"", |c| c.number.to_string(), "42"),
        ("ch-number=\"43\"", |c| c.number.to_string(), "43"),
        (
            "tvg-chno=\"5.1\"",
            |c| format!("{} {:?}", c.number, c.sub_number),
            "5 Some(1)",
        ),
        (
            "tvg-shift=\"2\"",
            |c| c.guide_shift_secs.to_string(),
            "7200",
        ),
        (
            "tvg-shift=\"-4.5\"",
            |c| c.guide_shift_secs.to_string(),
            "-16200",
        ),
        (
            "tvg-language=\"Welsh\"",
            |c| format!("{:?}", c.language),
            "Some(\"Welsh\")",
        ),
        (
            "group-title=\"News;Local\"",
            |c| format!("{:?}", c.groups),
            "[\"News\", \"Local\"]",
        ),
        ("radio=\"true\"", |c| c.radio.to_string(), "true"),
        ("radio=\"TRUE\"", |c| c.radio.to_string(), "true"),
        ("radio=\"false\"", |c| c.radio.to_string(), "false"),
        (
            "catchup=\"shift\"",
            |c| format!("{:?}", c.catchup.mode),
            "Some(Shift)",
        ),
        (
            "catchup-type=\"xc\"",
            |c| format!("{:?}", c.catchup.mode),
            "Some(Xc)",
        ),
        (
            "catchup-source=\"?utc={utc}\"",
            |c| format!("{:?}", c.catchup.source),
            "Some(\"?utc={utc}\")",
        ),
        (
            "catchup-days=\"7\"",
            |c| format!("{:?}", c.catchup.days),
            "Some(7)",
        ),
        (
            "catchup-correction=\"-1.5\"",
            |c| c.catchup.correction_secs.to_string(),
            "-5400",
        ),
        (
            "timeshift=\"3\"",
            |c| format!("{:?} {:?}", c.catchup.mode, c.catchup.days),
            "Some(Shift) Some(3)",
        ),
        (
            "tvg-rec=\"4\"",
            |c| format!("{:?} {:?}", c.catchup.mode, c.catchup.days),
            "Some(Shift) Some(4)",
        ),
        (
            "provider=\"Senedd\"",
            |c| format!("{:?}", c.provider.as_ref().and_then(|p| p.name.clone())),
            "Some(\"Senedd\")",
        ),
        (
            "provider-type=\"IPTV\"",
            |c| format!("{:?}", c.provider.as_ref().and_then(|p| p.kind.clone())),
            "Some(\"iptv\")",
        ),
        (
            "provider-logo=\"http://l/p.png\"",
            |c| format!("{:?}", c.provider.as_ref().and_then(|p| p.logo.clone())),
            "Some(\"http://l/p.png\")",
        ),
        (
            "provider-countries=\"IE,GB\"",
            |c| format!("{:?}", c.provider.as_ref().map(|p| p.countries.clone())),
            "Some([\"IE\", \"GB\"])",
        ),
        (
            "provider-languages=\"en_GB;cy_GB\"",
            |c| format!("{:?}", c.provider.as_ref().map(|p| p.languages.clone())),
            "Some([\"en_GB\", \"cy_GB\"])",
        ),
        (
            "x-fallback-url=\"http://a http://b\"",
            |c| format!("{:?}", c.fallback_urls),
            "[\"http://a\", \"http://b\"]",
        ),
    ];
    for (attrs, check, want) in cases {
        let (c, warnings) = one("", attrs);
        assert_eq!(check(&c), *want, "{attrs}");
        assert!(warnings.is_empty(), "{attrs}: {warnings:?}");
    }
}

#[test]
fn absent_attributes_leave_fields_at_their_defaults() {
    let (c, _) = one("", "");
    assert_eq!(
        (
            c.guide_id,
            c.guide_name,
            c.logo,
            c.language,
            c.radio,
            c.provider
        ),
        (None, None, None, None, false, None)
    );
    assert_eq!((c.number, c.sub_number, c.guide_shift_secs), (1, None, 0));
    assert_eq!(c.catchup, Catchup::default());
    assert!(c.groups.is_empty() && c.http_headers.is_empty() && c.props.is_empty());
    assert_eq!(c.source, "test.m3u");
}

#[test]
fn every_catchup_mode_is_read_from_the_entry() {
    let cases = [
        ("default", CatchupMode::Default),
        ("append", CatchupMode::Append),
        ("shift", CatchupMode::Shift),
        ("timeshift", CatchupMode::Shift),
        ("flussonic", CatchupMode::Flussonic),
        ("flussonic-hls", CatchupMode::FlussonicHls),
        ("flussonic-ts", CatchupMode::FlussonicTs),
        ("fs", CatchupMode::Fs),
        ("xc", CatchupMode::Xc),
        ("vod", CatchupMode::Vod),
    ];
    for (name, mode) in cases {
        let (c, w) = one("", &format!("catchup=\"{name}\""));
        assert_eq!(c.catchup.mode, Some(mode), "{name}");
        assert!(c.catchup.is_enabled() && w.is_empty(), "{name}");
    }
}

#[test]
fn catchup_and_shift_are_inherited_from_the_header_unless_overridden() {
    let header = "catchup=\"append\" catchup-source=\"&t={utc}\" catchup-days=\"5\" catchup-correction=\"1\" tvg-shift=\"-2\"";
    type Row = (
        Option<CatchupMode>,
        Option<&'static str>,
        Option<u32>,
        i32,
        i32,
    );
    let cases: &[(&str, Row)] = &[
        (
            "",
            (
                Some(CatchupMode::Append),
                Some("&t={utc}"),
                Some(5),
                3600,
                -7200,
            ),
        ),
        (
            "catchup=\"flussonic\" catchup-source=\"/x\" catchup-days=\"2\" catchup-correction=\"0.5\" tvg-shift=\"1\"",
            (
                Some(CatchupMode::Flussonic),
                Some("/x"),
                Some(2),
                1800,
                3600,
            ),
        ),
        (
            "catchup-type=\"vod\"",
            (
                Some(CatchupMode::Vod),
                Some("&t={utc}"),
                Some(5),
                3600,
                -7200,
            ),
        ),
        // Empty attributes are absent: the header value still applies.
        (
            "catchup=\"\" catchup-days=\"\" tvg-shift=\"\"",
            (
                Some(CatchupMode::Append),
                Some("&t={utc}"),
                Some(5),
                3600,
                -7200,
            ),
        ),
        (
            "tvg-shift=\"0\" catchup-correction=\"0\"",
            (Some(CatchupMode::Append), Some("&t={utc}"), Some(5), 0, 0),
        ),
    ];
    for (attrs, want) in cases {
        let (c, w) = one(header, attrs);
        let got = (
            c.catchup.mode,
            c.catchup.source.as_deref(),
            c.catchup.days,
            c.catchup.correction_secs,
            c.guide_shift_secs,
        );
        assert_eq!(got, *want, "{attrs}");
        assert!(w.is_empty(), "{attrs}: {w:?}");
    }
}

#[test]
fn header_catchup_type_alias_and_siptv_days_combine() {
    let (c, _) = one("catchup-type=\"shift\"", "timeshift=\"2\"");
    assert_eq!(
        (c.catchup.mode, c.catchup.days),
        (Some(CatchupMode::Shift), Some(2))
    );
    let (c, _) = one("catchup=\"xc\"", "tvg-rec=\"3\"");
    assert_eq!(
        (c.catchup.mode, c.catchup.days),
        (Some(CatchupMode::Xc), Some(3))
    );
}

#[test]
fn bad_attribute_values_warn_on_their_line_and_keep_the_entry() {
    let cases = [
        "tvg-chno=\"seven\"",
        "tvg-chno=\"0\"",
        "tvg-shift=\"east\"",
        "catchup=\"rewind\"",
        "catchup-days=\"-1\"",
        "catchup-correction=\"soon\"",
        "timeshift=\"x\"",
        "tvg-id=a tvg-id=b",
    ];
    for attrs in cases {
        let (c, w) = one("", attrs);
        assert_eq!(c.name, "Name", "{attrs}");
        assert_eq!(w.len(), 1, "{attrs}: {w:?}");
        assert_eq!(w[0].line, 2, "{attrs}");
    }
}

#[test]
fn header_attributes_are_kept_and_bad_header_values_warn() {
    let l = ok(
        "#EXTM3U x-tvg-url=\"http://g/1.xml, http://g/2.xml\" url-tvg=\"http://g/2.xml,http://g/3.xml\" tvg-shift=\"zz\"\n#EXTINF:-1,A\nhttp://h/a\n",
    );
    assert_eq!(l.guide_url(), Some("http://g/1.xml"));
    assert_eq!(
        l.guide_urls(),
        ["http://g/1.xml", "http://g/2.xml", "http://g/3.xml"]
    );
    assert_eq!(l.header.get("tvg-shift").map(String::as_str), Some("zz"));
    assert_eq!(l.warnings.len(), 1);
    assert_eq!(l.warnings[0].line, 1);
    assert_eq!(l.channels[0].guide_shift_secs, 0);
}

#[test]
fn url_tvg_alone_is_the_guide_url() {
    let l = ok("#EXTM3U url-tvg=\"http://g/u.xml\"\n");
    assert_eq!(l.guide_url(), Some("http://g/u.xml"));
    let l = ok("#EXTM3U x-tvg-url=\"\"\n");
    assert_eq!(l.guide_url(), None);
}

#[test]
fn url_suffix_headers_merge_with_extvlcopt_and_the_suffix_wins() {
    let l = ok(concat!(
        "#EXTM3U\n",
        "#EXTINF:-1,A\n",
        "#EXTVLCOPT:http-user-agent=VLC/3\n",
        "#EXTVLCOPT:http-referrer=http://r/\n",
        "#EXTVLCOPT:http-origin=http://o\n",
        "#EXTVLCOPT:http-x-token=abc\n",
        "#EXTVLCOPT:network-caching=1000\n",
        "#EXTVLCOPT--http-reconnect=true\n",
        "http://h/a.m3u8|User-Agent=Box%2F1.0&Cookie=k=v\n",
    ));
    let c = &l.channels[0];
    assert_eq!(c.url, "http://h/a.m3u8");
    let headers: Vec<_> = c
        .http_headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        headers,
        [
            ("Cookie", "k=v"),
            ("Origin", "http://o"),
            ("Referer", "http://r/"),
            ("User-Agent", "Box/1.0"),
            ("X-Token", "abc"),
        ]
    );
    assert_eq!(
        c.vlc_options.get("network-caching").map(String::as_str),
        Some("1000")
    );
    assert_eq!(
        c.vlc_options.get("http-reconnect").map(String::as_str),
        Some("true")
    );
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn kodiprops_are_kept_with_hints_available() {
    let l = ok(concat!(
        "#EXTM3U\n",
        "#KODIPROP:inputstreamaddon=inputstream.adaptive\n",
        "#EXTINF:-1,A\n",
        "#KODIPROP:inputstream.adaptive.manifest_type=mpd\n",
        "#KODIPROP:mimetype=application/dash+xml\n",
        "#KODIPROP:inputstream.adaptive.license_type=clearkey\n",
        "#KODIPROP:broken\n",
        "http://h/a.mpd\n",
        "#EXTINF:-1,B\n",
        "http://h/b.m3u8\n",
    ));
    let a = &l.channels[0];
    assert_eq!(a.inputstream(), Some("inputstream.adaptive"));
    assert_eq!(a.manifest_type(), Some("mpd"));
    assert_eq!(a.mime_type(), Some("application/dash+xml"));
    assert_eq!(a.props.len(), 4);
    assert!(l.channels[1].props.is_empty(), "props belong to one entry");
    assert_eq!(l.warnings.len(), 1);
    assert_eq!(l.warnings[0].line, 7);
}

#[test]
fn extgrp_inside_an_entry_adds_to_it_and_before_entries_is_a_begin_directive() {
    let l = ok(concat!(
        "#EXTM3U\n",
        "#EXTINF:-1 group-title=\"A\",One\n",
        "#EXTGRP:B;A\n",
        "http://h/1\n",
        "#EXTINF:-1,Two\n",
        "http://h/2\n",
        "#EXTGRP:Block\n",
        "#EXTINF:-1,Three\n",
        "http://h/3\n",
        "#EXTINF:-1 group-title=\"Own\",Four\n",
        "http://h/4\n",
        "#EXTINF:-1,Five\n",
        "http://h/5\n",
        "#EXTGRP:\n",
        "#EXTINF:-1,Six\n",
        "http://h/6\n",
    ));
    let groups: Vec<_> = l.channels.iter().map(|c| c.groups.join("+")).collect();
    assert_eq!(groups, ["A+B", "", "Block", "Own", "Block", ""]);
}

#[test]
fn multicast_urls_are_parsed_and_rewritten_for_udpxy() {
    let text = concat!(
        "#EXTM3U\n",
        "#EXTINF:-1,U\nudp://@239.0.0.1:5000\n",
        "#EXTINF:-1,R\nrtp://@239.0.0.2:5004\n",
        "#EXTINF:-1,S\nrtp://10.1.1.1@232.0.0.3:5004\n",
        "#EXTINF:-1,H\nhttp://h/live.m3u8\n",
        "#EXTINF:-1,F\n/srv/tv/local.ts\n",
    );
    let opts = ParseOptions {
        udpxy: Some("http://192.168.1.1:4022".into()),
        ..ParseOptions::default()
    };
    let l = parse_with(text, "t.m3u", &opts).expect("parses");
    let got: Vec<_> = l
        .channels
        .iter()
        .map(|c| (c.url.as_str(), c.multicast_url.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "http://192.168.1.1:4022/udp/239.0.0.1:5000",
                Some("udp://@239.0.0.1:5000")
            ),
            (
                "http://192.168.1.1:4022/rtp/239.0.0.2:5004",
                Some("rtp://@239.0.0.2:5004")
            ),
            ("rtp://10.1.1.1@232.0.0.3:5004", None),
            ("http://h/live.m3u8", None),
            ("/srv/tv/local.ts", None),
        ]
    );
    assert_eq!(
        l.warnings.len(),
        1,
        "SSM cannot be relayed: {:?}",
        l.warnings
    );
    assert_eq!(l.warnings[0].line, 6);
    let ssm = l.channels[2].multicast().expect("ssm parses");
    assert_eq!(
        ssm,
        Multicast {
            scheme: MulticastScheme::Rtp,
            source: Some("10.1.1.1".parse().expect("ip")),
            group: "232.0.0.3".parse().expect("ip"),
            port: 5004,
        }
    );
    assert_eq!(
        l.channels[0].multicast().map(|m| m.group.to_string()),
        Some("239.0.0.1".into())
    );
    assert_eq!(l.channels[3].multicast(), None);
}

#[test]
fn without_udpxy_multicast_urls_stay_as_written() {
    let l = ok("#EXTM3U\n#EXTINF:-1,U\nudp://@239.0.0.1:5000\n");
    assert_eq!(l.channels[0].url, "udp://@239.0.0.1:5000");
    assert_eq!(l.channels[0].multicast_url, None);
    assert!(l.channels[0].multicast().is_some());
}

#[test]
fn duplicate_names_and_ids_are_both_kept_with_unique_keys() {
    let l = ok(
        "#EXTM3U\n#EXTINF:-1,Same\nhttp://h/1\n#EXTINF:-1,Same\nhttp://h/2\n#EXTINF:-1,Same\nhttp://h/3\n",
    );
    let keys: Vec<_> = l.channels.iter().map(|c| c.key.0.as_str()).collect();
    assert_eq!(keys, ["Same", "Same#2", "Same#3"]);
    let lines: Vec<_> = l.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [4, 6]);
}

#[test]
fn quoting_styles_and_commas_are_read_alike() {
    let cases = [
        "#EXTINF:-1 tvg-id=\"a\" group-title=\"G, H\",N, X",
        "#EXTINF:-1 tvg-id='a' group-title='G, H',N, X",
        "#EXTINF:-1 tvg-id=a group-title=\"G, H\" ,N, X",
        "#extinf:-1 TVG-ID=\"a\" GROUP-TITLE=\"G, H\",N, X",
    ];
    for extinf in cases {
        let l = ok(&format!("#EXTM3U\n{extinf}\nhttp://h/1\n"));
        let c = &l.channels[0];
        assert_eq!(
            (c.guide_id.as_deref(), c.name.as_str()),
            (Some("a"), "N, X"),
            "{extinf}"
        );
        assert_eq!(c.groups, ["G, H"], "{extinf}");
    }
}

#[test]
fn crlf_bom_and_latin1_bytes_are_all_decoded() {
    let cases: &[(&[u8], &str, usize)] = &[
        (
            b"\xEF\xBB\xBF#EXTM3U\r\n#EXTINF:-1,Caf\xC3\xA9\r\nhttp://h/1\r\n",
            "Café",
            0,
        ),
        (
            b"#EXTM3U\r\n#EXTINF:-1,Caf\xE9\r\nhttp://h/1\r\n",
            "Café",
            1,
        ),
        (
            b"#EXTM3U\n#EXTINF:-1 tvg-name=\"M\xFCnchen\",\nhttp://h/1\n",
            "München",
            1,
        ),
    ];
    for (bytes, name, warnings) in cases {
        let l = parse_bytes(bytes, "t.m3u").expect("parses");
        assert_eq!(l.channels[0].name, *name);
        assert_eq!(l.channels[0].url, "http://h/1");
        assert_eq!(l.warnings.len(), *warnings, "{:?}", l.warnings);
    }
}

#[test]
fn bare_urls_and_local_paths_become_channels_named_by_their_location() {
    let l = ok("#EXTM3U\nhttp://h/a.ts\n/media/b.ts\nfile:///media/c.ts\n");
    let got: Vec<_> = l
        .channels
        .iter()
        .map(|c| (c.name.as_str(), c.number, c.line))
        .collect();
    assert_eq!(
        got,
        [
            ("http://h/a.ts", 1, 2),
            ("/media/b.ts", 2, 3),
            ("file:///media/c.ts", 3, 4)
        ]
    );
}

#[test]
fn an_empty_name_falls_back_to_tvg_name() {
    let l = ok("#EXTM3U\n#EXTINF:-1 tvg-name=\"Guide Name\",\nhttp://h/1\n");
    assert_eq!(l.channels[0].name, "Guide Name");
}

#[test]
fn an_extinf_without_a_url_warns_and_the_next_entry_survives() {
    let l = ok("#EXTM3U\n#EXTINF:-1,Lost\n#EXTINF:-1,Kept\nhttp://h/1\n#EXTINF:-1,Tail\n");
    let names: Vec<_> = l.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Kept"]);
    let lines: Vec<_> = l.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [2, 5]);
}

#[test]
fn hostile_input_gives_warnings_or_not_m3u_never_a_panic() {
    let mut garbage = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..100_000 {
        // xorshift: deterministic pseudo-random bytes.
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push((x & 0xFF) as u8);
    }
    let ten_mb = 10 * 1024 * 1024;
    let long_plain = "a".repeat(ten_mb);
    let long_extinf = format!(
        "#EXTM3U\n#EXTINF:-1 tvg-id=\"{}\nhttp://h/1\n",
        "\"x,".repeat(ten_mb / 3)
    );
    let long_url = format!("#EXTM3U\n#EXTINF:-1,A\nhttp://h/{}\n", "b".repeat(ten_mb));
    let only_extinf = "#EXTINF:\n".repeat(1000);
    let quotes = format!("#EXTM3U\n#EXTINF:{}\nhttp://h/1\n", "'\"=,".repeat(100_000));
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("binary", garbage),
        ("10 MB plain line", long_plain.into_bytes()),
        ("10 MB extinf", long_extinf.into_bytes()),
        ("10 MB url", long_url.into_bytes()),
        ("only #EXTINF:", only_extinf.into_bytes()),
        ("quotes", quotes.into_bytes()),
        (
            "nul bytes",
            b"#EXTM3U\n\0\0\0\n#EXTINF:-1,\0\nhttp://h/\0\n".to_vec(),
        ),
        ("empty", Vec::new()),
        ("header only", b"#EXTM3U".to_vec()),
        ("lone bom", b"\xEF\xBB\xBF".to_vec()),
    ];
    for (what, bytes) in inputs {
        match parse_bytes(&bytes, what) {
            Ok(l) => assert!(
                !l.warnings.is_empty() || !l.channels.is_empty() || bytes.starts_with(b"#EXTM3U"),
                "{what}"
            ),
            Err(LineupError::NotM3u { source_name }) => assert_eq!(source_name, what),
        }
    }
}

#[test]
fn only_extinf_lines_warn_once_each_with_their_line() {
    let l = ok("#EXTM3U\n#EXTINF:\n#EXTINF:\n#EXTINF:\n");
    assert!(l.channels.is_empty());
    let lines: Vec<_> = l
        .warnings
        .iter()
        .filter(|w| w.message.contains("without a URL"))
        .map(|w| w.line)
        .collect();
    assert_eq!(lines, [2, 3, 4]);
}

#[test]
fn parse_with_options_reads_bytes_too() {
    let opts = ParseOptions {
        start_number: 500,
        udpxy: Some("r:4022".into()),
    };
    let l = parse_bytes_with(
        b"#EXTM3U\n#EXTINF:-1,A\nudp://@239.1.1.1:1234\n",
        "t.m3u",
        &opts,
    )
    .expect("parses");
    assert_eq!(l.channels[0].number, 500);
    assert_eq!(l.channels[0].url, "http://r:4022/udp/239.1.1.1:1234");
}

#[test]
fn lineup_serializes_channels_warnings_and_sorted_header() {
    let l = ok(
        "#EXTM3U x-tvg-url=\"http://g\" catchup=\"shift\"\n#EXTINF:-1 provider=P,A\nhttp://h/a|Referer=r\n#EXTINF:-1,A\nhttp://h/b\n",
    );
    let v = serde_json::to_value(&l).expect("serializes");
    assert_eq!(v["channels"][0]["catchup"]["mode"], "shift");
    assert_eq!(v["channels"][0]["http_headers"]["Referer"], "r");
    assert_eq!(v["channels"][0]["provider"]["name"], "P");
    assert_eq!(v["channels"][1]["key"], "A#2");
    assert_eq!(v["warnings"][0]["line"], 4);
    assert!(v["warnings"][0]["message"].is_string());
    let text = serde_json::to_string(&l).expect("serializes");
    assert!(
        text.contains(r#""header":{"catchup":"shift","x-tvg-url":"http://g"}"#),
        "{text}"
    );
    assert_eq!(
        l.channels[0].provider,
        Some(Provider {
            name: Some("P".into()),
            ..Provider::default()
        })
    );
}

#[test]
fn clip_shortens_long_text_on_a_char_boundary() {
    let long = "é".repeat(500);
    let c = clip(&long);
    assert!(c.ends_with("...") && c.chars().count() == 123);
    assert_eq!(clip("short"), "short");
}

#[test]
fn a_mostly_utf8_file_keeps_its_utf8_lines_and_reads_the_odd_one_as_latin1() {
    let bytes =
        b"#EXTM3U\n#EXTINF:-1,Caf\xC3\xA9 1\nhttp://h/1\n#EXTINF:-1,Caf\xE9 2\nhttp://h/2\n";
    let l = parse_bytes(bytes, "t.m3u").expect("parses");
    let names: Vec<_> = l.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Café 1", "Café 2"]);
    assert_eq!(l.warnings.len(), 1);
    assert_eq!(l.warnings[0].line, 4);
}

#[test]
fn cr_only_line_ends_are_split_too() {
    let l = ok("#EXTM3U\r#EXTINF:-1,A\rhttp://h/a\r#EXTINF:-1,B\rhttp://h/b\r");
    assert_eq!(l.channels.len(), 2);
    assert_eq!(l.channels[1].line, 4);
}

#[test]
fn extinf_without_its_colon_is_still_read() {
    let l = ok("#EXTM3U\n#EXTINF -1 tvg-id=x,Slip\nhttp://h/a\n");
    assert_eq!(l.channels[0].name, "Slip");
    assert_eq!(l.channels[0].guide_id.as_deref(), Some("x"));
}

#[test]
fn a_renumbered_sub_channel_loses_its_minor_number() {
    let l = ok(
        "#EXTM3U\n#EXTINF:-1 tvg-chno=5.1,A\nhttp://h/a\n#EXTINF:-1 tvg-chno=5.2,B\nhttp://h/b\n",
    );
    let got: Vec<_> = l
        .channels
        .iter()
        .map(|c| (c.number, c.sub_number))
        .collect();
    assert_eq!(got, [(5, Some(1)), (1, None)]);
}

#[test]
fn a_blank_udpxy_base_means_no_rewrite() {
    let opts = ParseOptions {
        udpxy: Some("  ".into()),
        ..ParseOptions::default()
    };
    let l = parse_with("#EXTM3U\nudp://@239.1.1.1:1234\n", "t.m3u", &opts).expect("parses");
    assert_eq!(l.channels[0].url, "udp://@239.1.1.1:1234");
}

#[test]
fn a_flood_of_warnings_is_capped_with_a_summary() {
    let text = format!("#EXTM3U\n{}", "#EXTINF:-1\n".repeat(5000));
    let l = ok(&text);
    assert_eq!(l.warnings.len(), MAX_WARNINGS);
    let last = l.warnings.last().expect("summary");
    assert!(last.message.contains("more warnings"), "{last:?}");
}

#[test]
fn a_repeated_header_overrides_earlier_values_and_warns() {
    let l = ok("#EXTM3U tvg-shift=1 x-tvg-url=a\n#EXTM3U tvg-shift=2\n#EXTINF:-1,A\nhttp://h/a\n");
    assert_eq!(l.channels[0].guide_shift_secs, 7200);
    assert_eq!(l.guide_url(), Some("a"));
    assert_eq!(l.warnings.len(), 1);
    assert_eq!(l.warnings[0].line, 2);
}

#[test]
fn media_entries_by_kodis_rules_are_kept_apart_from_channels() {
    let text = "#EXTM3U\n#EXTINF:-1,Speech\n#EXT-X-PLAYLIST-TYPE:VOD\nhttp://h/speech.m3u8\n\
                #EXTINF:-1,Live\nhttp://h/live.m3u8\n\
                #EXTINF:-1 media=\"true\",M\nhttp://h/m.mkv\n\
                #EXTINF:-1 media-dir=\"/speeches\",D\nhttp://h/d.mkv\n\
                #EXTINF:-1 media-size=\"1024\",S\nhttp://h/s.mkv\n\
                #EXTINF:-1 media=\"false\",F\nhttp://h/f.ts\n";
    let l = parse_bytes_with(text.as_bytes(), "t.m3u", &Default::default()).unwrap();
    let names = |v: &[Channel]| v.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&l.media),
        ["Speech", "M", "D", "S"],
        "media, kept apart"
    );
    assert_eq!(names(&l.channels), ["Live", "F"]);
    assert_eq!(l.channels[0].number, 1, "media take no channel number");
}
