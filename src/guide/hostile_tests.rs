//! Hostile and broken guides: each gives a clear error or a warning, never a
//! panic, and none can make the reader buffer more than its caps.

use std::io::Write;

use super::reader::{MAX_DEPTH, MAX_EVENT, MAX_WARNINGS};
use super::record::{MAX_LIST, MAX_TEXT};
use super::{GuideError, parse_xmltv_bytes};

const HEAD: &str = "<tv><programme channel=\"c\" start=\"20260101120000\">";
const TAIL: &str = "</programme></tv>";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("in-memory write");
    enc.finish().expect("in-memory write")
}

/// Deterministic bytes that are no text format (xorshift).
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn billion_laughs_entities_are_never_expanded() {
    let mut doctype = String::from("<!DOCTYPE tv [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        doctype.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    doctype.push_str("]>\n");
    let xml = format!("<?xml version=\"1.0\"?>\n{doctype}{HEAD}<title>&lol9;</title>{TAIL}");
    let g = parse_xmltv_bytes(xml.as_bytes(), "laughs.xml").expect("read with warnings");
    assert_eq!(g.programmes("c")[0].title, "&lol9;");
    assert_eq!(g.warnings.len(), 1);
    assert!(
        g.warnings[0].message.contains("unknown entity &lol9;"),
        "{}",
        g.warnings[0]
    );
}

#[test]
fn an_external_entity_is_not_fetched_or_read() {
    let xml = format!(
        "<!DOCTYPE tv [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{HEAD}<desc>&xxe;</desc>{TAIL}"
    );
    let g = parse_xmltv_bytes(xml.as_bytes(), "xxe.xml").unwrap();
    assert_eq!(g.programmes("c")[0].description.as_deref(), Some("&xxe;"));
}

#[test]
fn truncated_gzip_is_an_error_naming_the_source() {
    let mut body = String::from("<tv>");
    for i in 0..2000 {
        body.push_str(&format!(
            "<programme channel=\"c\" start=\"20260101{:02}0000\"><title>Programme {i}</title></programme>",
            i % 24
        ));
    }
    body.push_str("</tv>");
    let gz = gzip(body.as_bytes());
    for cut in [gz.len() / 2, gz.len() - 4] {
        let err = parse_xmltv_bytes(&gz[..cut], "http://h/guide.xml.gz").unwrap_err();
        assert!(matches!(err, GuideError::Compression { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("http://h/guide.xml.gz") && text.contains("gzip"),
            "{text}"
        );
    }
}

#[test]
fn a_100_mb_text_node_on_one_line_is_refused_early() {
    let mut xml = HEAD.as_bytes().to_vec();
    xml.extend_from_slice(b"<desc>");
    xml.resize(xml.len() + 100 * 1024 * 1024, b'a');
    xml.extend_from_slice(b"</desc>");
    xml.extend_from_slice(TAIL.as_bytes());
    let err = parse_xmltv_bytes(&xml, "huge.xml").unwrap_err();
    match err {
        GuideError::TooLarge {
            position, limit, ..
        } => {
            assert_eq!(limit, MAX_EVENT);
            assert_eq!(position, HEAD.len() as u64 + "<desc>".len() as u64);
        }
        other => panic!("expected TooLarge, got {other}"),
    }
}

#[test]
fn a_100_mb_attribute_is_refused_early() {
    let mut xml = b"<tv><channel id=\"".to_vec();
    xml.resize(xml.len() + 100 * 1024 * 1024, b'x');
    xml.extend_from_slice(b"\"/></tv>");
    let err = parse_xmltv_bytes(&xml, "huge-attr.xml").unwrap_err();
    assert!(
        matches!(err, GuideError::TooLarge { position: 4, .. }),
        "{err}"
    );
}

#[test]
fn a_long_single_line_guide_of_small_elements_reads_fine() {
    let mut xml = String::from("<tv>");
    let programmes = 40_000;
    for i in 0..programmes {
        xml.push_str(&format!(
            "<programme channel=\"c{}\" start=\"20260101120000\"><title>P{i}</title></programme>",
            i % 50
        ));
    }
    xml.push_str("</tv>");
    assert!(xml.len() as u64 > 2 * MAX_EVENT);
    let g = parse_xmltv_bytes(xml.as_bytes(), "one-line.xml").unwrap();
    assert_eq!(g.programme_count(), programmes);
}

#[test]
fn a_text_over_the_field_cap_is_cut_with_one_warning_per_programme() {
    let long = "word ".repeat(MAX_TEXT / 5 * 3);
    let xml = format!("{HEAD}<title>{long}</title><desc>{long}</desc>{TAIL}");
    let g = parse_xmltv_bytes(xml.as_bytes(), "long.xml").unwrap();
    let p = &g.programmes("c")[0];
    assert!(p.title.len() <= MAX_TEXT && p.title.len() > MAX_TEXT - 10);
    assert!(p.description.as_ref().is_some_and(|d| d.len() <= MAX_TEXT));
    assert_eq!(g.warnings.len(), 1, "{:?}", g.warnings);
}

#[test]
fn lists_over_the_cap_are_cut_with_a_warning() {
    let actors = "<actor>A</actor>".repeat(MAX_LIST + 10);
    let xml = format!("{HEAD}<credits>{actors}</credits>{TAIL}");
    let g = parse_xmltv_bytes(xml.as_bytes(), "cast.xml").unwrap();
    assert_eq!(g.programmes("c")[0].credits.len(), MAX_LIST);
    assert_eq!(g.warnings.len(), 1);
}

#[test]
fn binary_garbage_is_an_error_with_a_position() {
    for seed in [1, 7, 42, 1234, 99_999] {
        let bytes = garbage(64 * 1024, seed);
        match parse_xmltv_bytes(&bytes, "noise.bin") {
            Err(GuideError::Xml { position, .. }) => assert!(position < bytes.len() as u64),
            Err(GuideError::NotXmltv { .. }) => {}
            other => panic!("seed {seed}: expected an XML error, got {other:?}"),
        }
    }
    let err = parse_xmltv_bytes(b"\x00\x01\x02binary", "noise.bin").unwrap_err();
    assert!(
        err.to_string().contains("noise.bin: XML error at byte 0"),
        "{err}"
    );
}

#[test]
fn garbage_inside_a_guide_never_panics() {
    for seed in [3, 5, 11, 2024] {
        let mut bytes = format!("{HEAD}<title>").into_bytes();
        bytes.extend(garbage(32 * 1024, seed));
        bytes.extend_from_slice(TAIL.as_bytes());
        // Either outcome is fine; what matters is a value, not a panic.
        if let Err(e) = parse_xmltv_bytes(&bytes, "mixed.xml") {
            assert!(e.to_string().starts_with("mixed.xml"), "{e}");
        }
        let _ = parse_xmltv_bytes(&gzip(&bytes), "mixed.xml.gz");
    }
}

#[test]
fn invalid_utf8_is_replaced_with_a_warning() {
    let xml = [
        HEAD.as_bytes(),
        b"<title>a\xff\xfeb</title>",
        TAIL.as_bytes(),
    ]
    .concat();
    let g = parse_xmltv_bytes(&xml, "bad-utf8.xml").unwrap();
    assert_eq!(g.programmes("c")[0].title, "a\u{fffd}\u{fffd}b");
    assert_eq!(g.warnings.len(), 1);
    assert!(
        g.warnings[0].message.contains("not valid UTF-8"),
        "{}",
        g.warnings[0]
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_or_memory_blowup() {
    let xml = format!("<tv>{}", "<x>".repeat(100_000));
    let err = parse_xmltv_bytes(xml.as_bytes(), "deep.xml").unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("deeper than {MAX_DEPTH}")),
        "{err}"
    );
}

#[test]
fn warnings_are_capped() {
    let xml = format!(
        "{HEAD}<title>{}</title>{TAIL}",
        "&nope;".repeat(MAX_WARNINGS * 3)
    );
    let g = parse_xmltv_bytes(xml.as_bytes(), "noisy.xml").unwrap();
    assert_eq!(g.warnings.len(), MAX_WARNINGS + 1);
    assert!(
        g.warnings[MAX_WARNINGS]
            .message
            .contains("2000 further warnings")
    );
}

#[test]
fn a_truncated_plain_document_keeps_what_was_complete() {
    let xml = format!("{HEAD}<title>Whole</title>{TAIL}");
    let cut = format!(
        "{}<programme channel=\"c\" start=\"20260102120000\"><title>Ha",
        &xml[..xml.len() - "</tv>".len()]
    );
    let g = parse_xmltv_bytes(cut.as_bytes(), "cut.xml").unwrap();
    assert_eq!(g.programme_count(), 1);
    assert_eq!(g.warnings.len(), 1);
    assert!(
        g.warnings[0].message.contains("truncated download"),
        "{}",
        g.warnings[0]
    );
}

#[test]
fn stop_before_start_keeps_the_programme_without_a_stop() {
    let xml = "<tv><programme channel=\"c\" start=\"20260101120000\" stop=\"20260101100000\"><title>Backwards</title></programme></tv>";
    let g = parse_xmltv_bytes(xml.as_bytes(), "back.xml").unwrap();
    assert_eq!(g.programmes("c")[0].stop, None);
    assert!(g.warnings[0].message.contains("before its start"));
}

#[test]
fn a_programme_without_channel_or_valid_start_is_dropped_with_a_warning() {
    let xml = "<tv><programme start=\"20260101120000\"/><programme channel=\"c\" start=\"2026\"/><programme channel=\"c\" start=\"20260101120000\"/></tv>";
    let g = parse_xmltv_bytes(xml.as_bytes(), "invalid.xml").unwrap();
    assert_eq!(g.programme_count(), 1);
    assert_eq!(g.warnings.len(), 2);
}
