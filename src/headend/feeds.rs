//! The headend's feeds: the M3U lineup and an XMLTV guide around "now".

use std::io::Write;

use chrono::{TimeZone, Utc};
use quick_xml::escape::escape;

use super::DEMO_CHANNELS;

/// The lineup. With multicast the primary URL is the group and the HLS
/// stream is the fallback; without, HLS is the only URL.
pub fn lineup(base_url: &str, multicast: Option<u16>) -> String {
    let mut out = format!("#EXTM3U x-tvg-url=\"{base_url}guide.xml.gz\"\n");
    for ch in DEMO_CHANNELS {
        let hls = format!("{base_url}hls/{}/index.m3u8", ch.id);
        let (primary, fallback) = if let Some(instance) = multicast {
            (
                ch.multicast_url(instance),
                format!(" x-fallback-url=\"{hls}\""),
            )
        } else {
            (hls, String::new())
        };
        out.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"{id}\" tvg-chno=\"{n}\" tvg-name=\"{name}\" tvg-logo=\"{base_url}logos/{id}.svg\" group-title=\"{group}\"{catchup}{fallback},{name}\n{primary}\n",
            catchup = super::catchup::lineup_attributes(base_url, ch.id),
            id = ch.id,
            n = ch.number,
            name = ch.name,
            group = ch.group,
        ));
    }
    // A video-on-demand entry (Kodi's `media` attribute): the box lists it
    // in the archive, not among the channels.
    out.push_str(&format!(
        "#EXTINF:-1 media=\"true\" tvg-logo=\"{base_url}logos/{logo}.svg\" group-title=\"On demand\",Council meeting highlights\n{base_url}archive/townhall-schools/index.m3u8\n",
        logo = DEMO_CHANNELS[0].id,
    ));
    out
}

/// Programme titles per slot; each channel starts at a different offset.
const SCHEDULE: &[(&str, &str, &str, u32)] = &[
    (
        "Town Hall: Housing and Rents",
        "Residents question the housing committee.",
        "News",
        60,
    ),
    (
        "Council Meeting (Live)",
        "The full council meets; agenda items 4 to 9.",
        "Politics",
        90,
    ),
    (
        "Leaders' Debate",
        "The candidates for mayor face each other.",
        "Politics",
        60,
    ),
    (
        "Rally Highlights",
        "The best moments from this week's rallies.",
        "News",
        30,
    ),
    (
        "Ask Your Councillor",
        "Phone-in with ward councillors.",
        "Talk",
        30,
    ),
    (
        "Election Explained",
        "How the vote works, where to vote and what to bring.",
        "Education",
        30,
    ),
    (
        "Community Voices",
        "Local groups on what matters to them.",
        "Documentary",
        60,
    ),
    (
        "Campaign Trail",
        "Reporters follow the candidates.",
        "News",
        30,
    ),
];

/// XMLTV covering 6 h back to 24 h ahead of `now` (Unix seconds).
pub fn xmltv(now: i64) -> String {
    let fmt = |t: i64| {
        Utc.timestamp_opt(t, 0)
            .single()
            .map(|d| d.format("%Y%m%d%H%M%S +0000").to_string())
            .unwrap_or_default()
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n<tv generator-info-name=\"hustings-headend\">\n",
    );
    for ch in DEMO_CHANNELS {
        out.push_str(&format!(
            "  <channel id=\"{}\"><display-name>{}</display-name><lcn>{}</lcn></channel>\n",
            ch.id,
            escape(ch.name),
            ch.number
        ));
    }
    let first = (now - 6 * 3600) / 1800 * 1800;
    for (i, ch) in DEMO_CHANNELS.iter().enumerate() {
        let mut t = first;
        let mut slot = i * 3;
        while t < now + 24 * 3600 {
            let (title, desc, category, minutes) = SCHEDULE[slot % SCHEDULE.len()];
            let stop = t + i64::from(minutes) * 60;
            out.push_str(&format!(
                "  <programme start=\"{}\" stop=\"{}\" channel=\"{}\"><title lang=\"en\">{}</title><desc lang=\"en\">{}</desc><category lang=\"en\">{}</category></programme>\n",
                fmt(t),
                fmt(stop),
                ch.id,
                escape(title),
                escape(desc),
                escape(category)
            ));
            t = stop;
            slot += 1;
        }
    }
    out.push_str("</tv>\n");
    out
}

/// Gzips bytes (for `guide.xml.gz`).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// A simple SVG logo: the channel number on its colour.
pub fn logo_svg(number: u32, colour: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"160\" height=\"90\" viewBox=\"0 0 160 90\">\
<rect width=\"160\" height=\"90\" rx=\"12\" fill=\"{colour}\"/>\
<text x=\"80\" y=\"62\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"48\" font-weight=\"bold\" fill=\"#fff\" text-anchor=\"middle\">{number}</text></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_lineup_parses_with_fallbacks() {
        let l =
            crate::lineup::parse(&lineup("http://127.0.0.1:1/", Some(1)), "lineup.m3u").unwrap();
        assert_eq!(l.channels.len(), DEMO_CHANNELS.len());
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        assert!(l.channels[0].url.starts_with("udp://@239.255.0."));
        assert!(l.channels[0].fallback_urls[0].ends_with("/hls/civic-one/index.m3u8"));
        assert_eq!(l.guide_url(), Some("http://127.0.0.1:1/guide.xml.gz"));
    }

    #[test]
    fn the_generated_guide_has_a_programme_on_air_for_every_channel() {
        let now = 1_790_000_000;
        let g =
            crate::guide::parse_xmltv_bytes(&gzip(xmltv(now).as_bytes()), "guide.xml.gz").unwrap();
        for ch in DEMO_CHANNELS {
            let (on_air, next) = g.now_next(ch.id, now);
            assert!(on_air.is_some() && next.is_some(), "{}", ch.id);
        }
        assert!(g.warnings.is_empty());
    }
}
