//! Whole-document XMLTV parsing into an in-memory [`Guide`] (the app's path).
//!
//! Thin wrappers over the streaming [`read_xmltv`]: they collect every record.
//! The store importer calls [`read_xmltv`] directly and never holds a whole guide.

use std::io::BufRead;

use super::decompress::decompressed;
use super::reader::{Record, read_xmltv};
use super::{Guide, GuideError};

/// Parses XMLTV bytes, decompressing gzip or xz first (recognised by magic bytes).
pub fn parse_xmltv_bytes(bytes: &[u8], source_name: &str) -> Result<Guide, GuideError> {
    let input = decompressed(bytes).map_err(|e| GuideError::Read {
        source_name: source_name.to_string(),
        position: 0,
        message: e.to_string(),
    })?;
    parse_xmltv(input, source_name)
}

/// Parses an XMLTV document from any buffered reader (no decompression).
pub fn parse_xmltv<R: BufRead>(input: R, source_name: &str) -> Result<Guide, GuideError> {
    let mut channels = Vec::new();
    let mut programmes = Vec::new();
    let summary = read_xmltv(input, source_name, &mut |record| {
        match record {
            Record::Channel(c) => channels.push(c),
            Record::Programme(p) => programmes.push(p),
        }
        Ok(())
    })?;
    Ok(Guide::new(channels, programmes, summary.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guide::{Credit, GuideChannel, LangText, Programme};

    /// The one programme of `<tv><programme ...>{body}</programme></tv>`.
    fn programme(body: &str) -> Programme {
        let xml = format!(
            "<tv><programme start=\"20260101120000 +0100\" stop=\"20260101130000 +0100\" channel=\"c\">{body}</programme></tv>"
        );
        let g = parse_xmltv_bytes(xml.as_bytes(), "t.xml").expect("test guide parses");
        assert_eq!(g.programme_count(), 1, "{xml}");
        g.programmes("c")[0].clone()
    }

    fn channel(body: &str) -> GuideChannel {
        let xml = format!("<tv><channel id=\"c1\">{body}</channel></tv>");
        let g = parse_xmltv_bytes(xml.as_bytes(), "t.xml").expect("test guide parses");
        g.channels[0].clone()
    }

    fn lt(text: &str, lang: Option<&str>) -> LangText {
        LangText {
            text: text.into(),
            lang: lang.map(String::from),
        }
    }

    #[test]
    fn times_with_offsets_become_utc_seconds() {
        assert_eq!(
            crate::guide::parse_xmltv_time("20260101120000 +0100"),
            Some(1767265200)
        );
        let p = programme("");
        assert_eq!((p.start, p.stop), (1767265200, Some(1767268800)));
    }

    #[test]
    fn channels_and_programmes_are_read_with_entities() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE tv SYSTEM "xmltv.dtd">
<tv><channel id="a"><display-name>Alpha &amp; Co</display-name></channel>
<programme start="20260101120000 +0000" stop="20260101130000 +0000" channel="a">
<title lang="en">Rally &#8212; live</title><desc>Q&amp;A</desc><category>News</category></programme>
<programme channel="a"><title>No start</title></programme></tv>"#;
        let g = parse_xmltv_bytes(xml, "t.xml").unwrap();
        assert_eq!(g.channels[0].display_names, ["Alpha & Co"]);
        let p = &g.programmes("a")[0];
        assert_eq!(p.title, "Rally \u{2014} live");
        assert_eq!(p.description.as_deref(), Some("Q&A"));
        assert_eq!(p.categories, ["News"]);
        assert_eq!(g.programme_count(), 1);
        assert_eq!(g.warnings.len(), 1);
    }

    #[test]
    fn gzip_is_detected_by_magic() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"<tv><programme start=\"20260101120000\" channel=\"x\"><title>T</title></programme></tv>").unwrap();
        let g = parse_xmltv_bytes(&enc.finish().unwrap(), "g.xml.gz").unwrap();
        assert_eq!(g.programme_count(), 1);
    }

    #[test]
    fn xz_is_detected_by_magic() {
        use std::io::Write;
        let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 1);
        enc.write_all(b"<tv><programme start=\"20260101120000\" channel=\"x\"><title>T</title></programme></tv>").unwrap();
        let g = parse_xmltv_bytes(&enc.finish().unwrap(), "g.xml.xz").unwrap();
        assert_eq!(g.programmes("x")[0].title, "T");
    }

    #[test]
    fn a_document_that_is_not_xmltv_is_an_error_naming_it() {
        let err = parse_xmltv_bytes(b"<html></html>", "http://h/guide.xml").unwrap_err();
        assert!(err.to_string().contains("http://h/guide.xml"), "{err}");
        assert!(parse_xmltv_bytes(b"#EXTM3U", "x").is_err());
        assert!(parse_xmltv_bytes(b"", "x").is_err());
    }

    #[test]
    fn programme_text_fields_keep_the_first_and_every_language() {
        /// body, title, titles, description, descriptions, sub-title
        type Case = (
            &'static str,
            &'static str,
            Vec<LangText>,
            Option<&'static str>,
            Vec<LangText>,
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            (
                "<title lang=\"de\">Hallo</title><title lang=\"en\">Hello</title>",
                "Hallo",
                vec![lt("Hallo", Some("de")), lt("Hello", Some("en"))],
                None,
                vec![],
                None,
            ),
            (
                "<title>T</title><desc lang=\"en\">  Lots of\n   news. </desc><desc lang=\"fr\">Nouvelles</desc>",
                "T",
                vec![lt("T", None)],
                Some("Lots of news."),
                vec![lt("Lots of news.", Some("en")), lt("Nouvelles", Some("fr"))],
                None,
            ),
            (
                "<title>T</title><sub-title lang=\"en\">Meet the Propaniacs</sub-title><sub-title>Second</sub-title>",
                "T",
                vec![lt("T", None)],
                None,
                vec![],
                Some("Meet the Propaniacs"),
            ),
            (
                "<title><![CDATA[A <b> & C]]></title>",
                "A <b> & C",
                vec![lt("A <b> & C", None)],
                None,
                vec![],
                None,
            ),
            ("<title></title><title/>", "", vec![], None, vec![], None),
        ];
        for (body, title, titles, desc, descs, sub) in cases {
            let p = programme(body);
            assert_eq!(&p.title, title, "{body}");
            assert_eq!(&p.titles, titles, "{body}");
            assert_eq!(p.description.as_deref(), *desc, "{body}");
            assert_eq!(&p.descriptions, descs, "{body}");
            assert_eq!(p.sub_title.as_deref(), *sub, "{body}");
        }
    }

    #[test]
    fn episode_num_prefers_onscreen_else_the_first_as_written() {
        let cases = [
            (
                "<episode-num system=\"xmltv_ns\">2 . 9 . 0/1</episode-num>",
                Some("2 . 9 . 0/1"),
            ),
            (
                "<episode-num system=\"xmltv_ns\">1 . 1 . 0/1</episode-num><episode-num system=\"onscreen\">S02E02</episode-num>",
                Some("S02E02"),
            ),
            (
                "<episode-num system=\"dd_progid\">EP1</episode-num><episode-num system=\"xmltv_ns\">0.0.</episode-num>",
                Some("EP1"),
            ),
            // The DTD's default system is "onscreen".
            (
                "<episode-num system=\"xmltv_ns\">0.0.</episode-num><episode-num>Ep. 3</episode-num>",
                Some("Ep. 3"),
            ),
            ("", None),
        ];
        for (body, expected) in cases {
            assert_eq!(programme(body).episode_num.as_deref(), expected, "{body}");
        }
    }

    #[test]
    fn rating_is_prefixed_by_its_system_when_it_has_one() {
        let cases = [
            (
                "<rating system=\"MPAA\"><value>PG</value></rating>",
                Some("MPAA: PG"),
            ),
            ("<rating><value>12</value></rating>", Some("12")),
            (
                "<rating system=\"BBFC\"><value>15</value><icon src=\"15.png\"/></rating><rating system=\"X\"><value>1</value></rating>",
                Some("BBFC: 15"),
            ),
            ("<star-rating><value>3/3</value></star-rating>", None),
        ];
        for (body, expected) in cases {
            assert_eq!(programme(body).rating.as_deref(), expected, "{body}");
        }
    }

    #[test]
    fn icon_is_the_programme_icon_not_a_rating_or_star_rating_icon() {
        let cases = [
            ("<icon src=\"a.jpg\" width=\"5\"/>", Some("a.jpg")),
            ("<star-rating><icon src=\"s.png\"/></star-rating>", None),
            (
                "<rating><value>1</value><icon src=\"r.png\"/></rating><icon src=\"b.jpg\"/><icon src=\"c.jpg\"/>",
                Some("b.jpg"),
            ),
            ("<icon/>", None),
        ];
        for (body, expected) in cases {
            assert_eq!(programme(body).icon.as_deref(), expected, "{body}");
        }
    }

    #[test]
    fn credits_take_every_child_with_its_own_text_only() {
        let body = "<credits><director>Dee</director><actor role=\"x\">Ann\n  <image>http://i</image><url>http://u</url></actor><presenter>Pat</presenter><guest>Gil</guest><x-odd>Ox</x-odd></credits>";
        let credits: Vec<(String, String)> = programme(body)
            .credits
            .into_iter()
            .map(|Credit { role, name }| (role, name))
            .collect();
        let expected: Vec<(String, String)> = [
            ("director", "Dee"),
            ("actor", "Ann"),
            ("presenter", "Pat"),
            ("guest", "Gil"),
            ("x-odd", "Ox"),
        ]
        .iter()
        .map(|(r, n)| (r.to_string(), n.to_string()))
        .collect();
        assert_eq!(credits, expected);
        assert!(programme("<credits/>").credits.is_empty());
    }

    #[test]
    fn categories_are_kept_in_order_without_empty_ones() {
        let p = programme(
            "<category lang=\"en\">Comedy</category><category/><category>News</category>",
        );
        assert_eq!(p.categories, ["Comedy", "News"]);
    }

    #[test]
    fn flags_are_set_by_their_elements() {
        type Flags = (bool, bool, bool, bool, bool);
        let flags = |p: &Programme| -> Flags {
            (
                p.subtitles,
                p.audio_described,
                p.previously_shown,
                p.premiere,
                p.live,
            )
        };
        let cases: &[(&str, Flags)] = &[
            ("", (false, false, false, false, false)),
            (
                "<subtitles type=\"teletext\"><language>English</language></subtitles>",
                (true, false, false, false, false),
            ),
            ("<subtitles/>", (true, false, false, false, false)),
            ("<audio-described/>", (false, true, false, false, false)),
            (
                "<audio><described>yes</described></audio>",
                (false, true, false, false, false),
            ),
            (
                "<audio><described>no</described><stereo>stereo</stereo></audio>",
                (false, false, false, false, false),
            ),
            (
                "<previously-shown start=\"20220331180000 +0000\"/>",
                (false, false, true, false, false),
            ),
            (
                "<premiere>First showing</premiere>",
                (false, false, false, true, false),
            ),
            ("<live/>", (false, false, false, false, true)),
            (
                "<x-live/><new/><last-chance/>",
                (false, false, false, false, false),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(flags(&programme(body)), *expected, "{body}");
        }
    }

    #[test]
    fn channel_fields_are_read() {
        /// body, display names, icon, lcn
        type Case = (
            &'static str,
            Vec<&'static str>,
            Option<&'static str>,
            Option<u32>,
        );
        let cases: &[Case] = &[
            (
                "<display-name lang=\"de\">ARD</display-name><display-name>Das Erste</display-name>",
                vec!["ARD", "Das Erste"],
                None,
                None,
            ),
            (
                "<display-name>One</display-name><icon src=\"http://l/1.png\"/><lcn>101</lcn><url>http://x</url>",
                vec!["One"],
                Some("http://l/1.png"),
                Some(101),
            ),
            ("<lcn> 7 </lcn><lcn>8</lcn>", vec![], None, Some(7)),
            ("<lcn>seven</lcn>", vec![], None, None),
        ];
        for (body, names, icon, lcn) in cases {
            let c = channel(body);
            assert_eq!(c.id, "c1");
            assert_eq!(&c.display_names, names, "{body}");
            assert_eq!(c.icon.as_deref(), *icon, "{body}");
            assert_eq!(c.lcn, *lcn, "{body}");
        }
    }

    #[test]
    fn invalid_programmes_and_channels_are_dropped_with_a_warning() {
        let cases = [
            (
                "<programme start=\"20260101120000\"><title>no channel</title></programme>",
                "without a channel",
            ),
            (
                "<programme channel=\" \" start=\"20260101120000\"/>",
                "without a channel",
            ),
            (
                "<programme channel=\"c\"><title>no start</title></programme>",
                "without a start",
            ),
            (
                "<programme channel=\"c\" start=\"yesterday\"/>",
                "invalid start",
            ),
            (
                "<channel><display-name>No id</display-name></channel>",
                "<channel> without an id",
            ),
        ];
        for (body, message) in cases {
            let xml = format!("<tv>{body}</tv>");
            let g = parse_xmltv_bytes(xml.as_bytes(), "t.xml").unwrap();
            assert_eq!((g.programme_count(), g.channels.len()), (0, 0), "{body}");
            assert_eq!(g.warnings.len(), 1, "{body}");
            assert!(g.warnings[0].message.contains(message), "{}", g.warnings[0]);
            assert_eq!(g.warnings[0].position, 4, "{body}");
        }
    }

    #[test]
    fn a_bad_or_backward_stop_is_dropped_and_the_programme_kept() {
        let cases = [
            ("20260101110000", "is before its start"),
            ("soon", "invalid stop"),
        ];
        for (stop, message) in cases {
            let xml = format!(
                "<tv><programme channel=\"c\" start=\"20260101120000\" stop=\"{stop}\"><title>T</title></programme></tv>"
            );
            let g = parse_xmltv_bytes(xml.as_bytes(), "t.xml").unwrap();
            let p = &g.programmes("c")[0];
            assert_eq!((p.title.as_str(), p.stop), ("T", None));
            assert_eq!(g.warnings.len(), 1);
            assert!(
                g.warnings[0].to_string().starts_with("byte 4: "),
                "{}",
                g.warnings[0]
            );
            assert!(g.warnings[0].message.contains(message), "{}", g.warnings[0]);
        }
    }

    #[test]
    fn latin1_text_comes_out_as_utf8() {
        let xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<tv><channel id=\"c\"><display-name>T\xe9l\xe9 Libert\xe9</display-name></channel><programme channel=\"c\" start=\"20260101120000\"><title>\xa3 \xe0 la carte</title></programme></tv>";
        let g = parse_xmltv_bytes(xml, "latin1.xml").unwrap();
        assert_eq!(g.channels[0].display_names, ["T\u{e9}l\u{e9} Libert\u{e9}"]);
        assert_eq!(g.programmes("c")[0].title, "\u{a3} \u{e0} la carte");
        assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    }

    #[test]
    fn the_callback_sees_records_in_document_order_and_can_stop_the_read() {
        let xml = b"<tv><channel id=\"a\"/><programme channel=\"a\" start=\"20260101120000\"/><channel id=\"b\"/></tv>";
        let mut seen = Vec::new();
        let summary = read_xmltv(&xml[..], "t.xml", &mut |r| {
            seen.push(match r {
                Record::Channel(c) => format!("channel {}", c.id),
                Record::Programme(p) => format!("programme {}", p.channel),
            });
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, ["channel a", "programme a", "channel b"]);
        assert_eq!((summary.channels, summary.programmes), (2, 1));

        let mut calls = 0;
        let err = read_xmltv(&xml[..], "t.xml", &mut |_| {
            calls += 1;
            Err(GuideError::Sink("disk full".into()))
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(matches!(err, GuideError::Sink(m) if m == "disk full"));
    }
}
