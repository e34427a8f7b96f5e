//! Streaming XMLTV reader (quick-xml events, no DOM).

use std::io::{BufRead, BufReader};

use chrono::{DateTime, NaiveDateTime};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::{Guide, GuideChannel, GuideError, Programme};

/// Parses XMLTV bytes, gunzipping them first when they start with the gzip magic.
pub fn parse_xmltv_bytes(bytes: &[u8], source_name: &str) -> Result<Guide, GuideError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::GzDecoder::new(bytes);
        parse_xmltv(BufReader::new(gz), source_name)
    } else {
        parse_xmltv(bytes, source_name)
    }
}

/// Which text child of `<programme>` or `<channel>` is being read.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    None,
    Title,
    Desc,
    Category,
    DisplayName,
}

/// Parses an XMLTV document from any buffered reader.
pub fn parse_xmltv<R: BufRead>(input: R, source_name: &str) -> Result<Guide, GuideError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut channels = Vec::new();
    let mut programmes = Vec::new();
    let mut warnings = Vec::new();
    let mut saw_tv = false;
    let mut channel: Option<GuideChannel> = None;
    let mut programme: Option<Programme> = None;
    let mut field = Field::None;
    let mut text = String::new();

    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| GuideError::Xml {
                source_name: source_name.to_string(),
                position: reader.error_position(),
                message: e.to_string(),
            })?;
        match event {
            Event::Start(e) | Event::Empty(e) if !saw_tv => {
                if e.local_name().as_ref() != "tv" {
                    return Err(GuideError::NotXmltv {
                        source_name: source_name.to_string(),
                    });
                }
                saw_tv = true;
            }
            Event::Start(e) => match e.local_name().as_ref() {
                "channel" => {
                    channel = Some(GuideChannel {
                        id: attr(&e, "id").unwrap_or_default(),
                        ..Default::default()
                    })
                }
                "programme" => programme = start_programme(&e, pos, &mut warnings),
                "title" if programme.is_some() => begin(&mut field, &mut text, Field::Title),
                "desc" if programme.is_some() => begin(&mut field, &mut text, Field::Desc),
                "category" if programme.is_some() => begin(&mut field, &mut text, Field::Category),
                "display-name" if channel.is_some() => {
                    begin(&mut field, &mut text, Field::DisplayName)
                }
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "programme" => {
                    if let Some(p) = start_programme(&e, pos, &mut warnings) {
                        programmes.push(p);
                    }
                }
                "channel" => {
                    if let Some(id) = attr(&e, "id") {
                        channels.push(GuideChannel {
                            id,
                            ..Default::default()
                        });
                    }
                }
                _ => {}
            },
            Event::Text(t) if field != Field::None => text.push_str(&t.xml10_content()),
            Event::CData(t) if field != Field::None => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if field != Field::None => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => match builtin_entity(&r) {
                    Some(c) => text.push(c),
                    None => {
                        warnings.push(format!("byte {pos}: unknown entity &{}; kept as text", &*r));
                        text.push_str(&format!("&{};", &*r));
                    }
                },
            },
            Event::End(e) => {
                let name = e.local_name();
                let value = std::mem::take(&mut text).trim().to_string();
                let ending = std::mem::replace(&mut field, Field::None);
                match (ending, programme.as_mut(), channel.as_mut()) {
                    (Field::Title, Some(p), _) if p.title.is_empty() => p.title = value,
                    (Field::Desc, Some(p), _) if p.description.is_none() => {
                        p.description = Some(value)
                    }
                    (Field::Category, Some(p), _) if !value.is_empty() => p.categories.push(value),
                    (Field::DisplayName, _, Some(c)) => c.display_names.push(value),
                    _ => {}
                }
                match name.as_ref() {
                    "programme" => programmes.extend(programme.take()),
                    "channel" => channels.extend(channel.take()),
                    _ => {}
                }
            }
            Event::Eof => break,
            // DOCTYPE, processing instructions and comments are ignored: no
            // entity from a DOCTYPE is ever expanded.
            _ => {}
        }
        buf.clear();
    }
    if !saw_tv {
        return Err(GuideError::NotXmltv {
            source_name: source_name.to_string(),
        });
    }
    Ok(Guide::new(channels, programmes, warnings))
}

fn begin(field: &mut Field, text: &mut String, which: Field) {
    *field = which;
    text.clear();
}

fn builtin_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a: &Attribute<'_>| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn start_programme(e: &BytesStart<'_>, pos: u64, warnings: &mut Vec<String>) -> Option<Programme> {
    let channel = attr(e, "channel").filter(|c| !c.is_empty());
    let start = attr(e, "start").as_deref().and_then(parse_xmltv_time);
    let (Some(channel), Some(start)) = (channel, start) else {
        warnings.push(format!(
            "byte {pos}: <programme> without a channel or a valid start; kept out"
        ));
        return None;
    };
    let stop = attr(e, "stop").as_deref().and_then(parse_xmltv_time);
    Some(Programme {
        channel,
        start,
        stop,
        ..Default::default()
    })
}

/// Parses an XMLTV time (`YYYYMMDDhhmmss +hhmm`, trailing fields optional)
/// into Unix seconds. Without an offset the time is UTC, as the DTD says.
pub fn parse_xmltv_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let (digits, offset) = match s.find([' ', '+', '-']) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    };
    if digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut full = digits.to_string();
    full.truncate(14);
    while full.len() < 14 {
        full.push('0');
    }
    let naive = NaiveDateTime::parse_from_str(&full, "%Y%m%d%H%M%S").ok()?;
    if offset.is_empty() {
        return Some(naive.and_utc().timestamp());
    }
    let with_offset = format!("{full} {offset}");
    DateTime::parse_from_str(&with_offset, "%Y%m%d%H%M%S %z")
        .ok()
        .map(|d| d.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_offsets_become_utc_seconds() {
        assert_eq!(parse_xmltv_time("20260101120000 +0100"), Some(1767265200));
        assert_eq!(parse_xmltv_time("20260101110000"), Some(1767265200));
        assert_eq!(parse_xmltv_time("202601011100 +0000"), Some(1767265200));
        assert_eq!(parse_xmltv_time("nonsense"), None);
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
    fn a_document_that_is_not_xmltv_is_an_error_naming_it() {
        let err = parse_xmltv_bytes(b"<html></html>", "http://h/guide.xml").unwrap_err();
        assert!(err.to_string().contains("http://h/guide.xml"), "{err}");
        assert!(parse_xmltv_bytes(b"#EXTM3U", "x").is_err());
    }
}
