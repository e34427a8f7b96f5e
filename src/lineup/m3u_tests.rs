//! Parser tests: the grammar end to end, one behaviour per test.

use super::*;

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
fn the_shared_legislative_playlist_reads_every_entry() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/testdata/m3u-peer/legislative.m3u"
    );
    let Ok(bytes) = std::fs::read(path) else {
        panic!("{path} missing: the shared test data must sit beside the project");
    };
    let text = String::from_utf8_lossy(&bytes);
    let urls = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count();
    let l = parse_bytes(&bytes, path).unwrap();
    assert_eq!(l.channels.len(), urls);
    assert!(l.channels.iter().all(|c| c.guide_id.as_deref() != Some("")));
}
