//! A seeded generator of realistic XMLTV guides, for benchmarks and for
//! headends that need a big guide.
//!
//! The same seed always gives the same bytes (PCG). Programmes carry what real
//! civic and campaign guides carry: titles, sub-titles and descriptions in
//! several languages and scripts, XML entities, categories, episode numbers,
//! credits, ratings and accessibility flags. With the defaults (1,000 channels
//! × 7 days) it writes about 210,000 programmes and 150 MB.
//!
//! Repetition is modelled, because real guides repeat and the store shares
//! repeated descriptions: [`RERUN_SHARE`] of a channel's programmes are
//! reruns carrying the description of one of its recent programmes; every
//! other description is new (it names the day and time it was recorded), so
//! about half the descriptions in a file are distinct.

use std::io::{self, Write};

use chrono::{TimeZone, Utc};
use quick_xml::escape::escape;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GuideSpec {
    pub seed: u64,
    pub channels: usize,
    pub days: u32,
    /// First programme start (Unix seconds; aligned down to the hour).
    pub start: i64,
}

impl Default for GuideSpec {
    fn default() -> Self {
        GuideSpec {
            seed: 2026,
            channels: 1000,
            days: 7,
            start: 1_790_000_000,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GuideStats {
    pub channels: usize,
    pub programmes: usize,
}

const TITLES: &[&str] = &[
    "Town Hall: Housing & Rents",
    "Leaders' Debate",
    "Council Meeting (Live)",
    "Rally Highlights",
    "Ask Your Councillor",
    "Election Explained",
    "Community Voices",
    "Campaign Trail",
    "Neuadd y Dref: Tai a Rhent",
    "Dadl yr Arweinwyr",
    "Débat des candidats",
    "Conseil municipal en direct",
    "Debata kandydatów",
    "Głos mieszkańców",
    "Δημοτικό Συμβούλιο",
    "Συζήτηση υποψηφίων",
    "مناظرة المرشحين",
    "Q&A with the <Mayor>",
];
const SUBTITLES: &[&str] = &[
    "Part 1: Schools",
    "Part 2: Transport",
    "Budget \"special\"",
    "Ward 7 & Ward 9",
    "Rhan 3: Iechyd",
    "Épisode spécial",
    "Odcinek 4",
];
const SENTENCES: &[&str] = &[
    "Residents put their questions to the housing committee about rents, repairs and new homes.",
    "The candidates set out their plans for schools, buses and the high street.",
    "Councillors debate the budget line by line, with amendments from every group.",
    "Live coverage from the count, with results as they are declared & reaction from the candidates.",
    "Mae trigolion yn holi'r pwyllgor tai am renti a chartrefi newydd.",
    "Les candidats présentent leurs programmes pour les écoles et les transports.",
    "Kandydaci przedstawiają swoje plany dotyczące szkół i transportu publicznego.",
    "Οι υποψήφιοι παρουσιάζουν τα σχέδιά τους για τα σχολεία και τις συγκοινωνίες.",
    "يعرض المرشحون خططهم للمدارس والنقل العام.",
    "Includes a signed version & audio description; subtitles on 888.",
    "Questions were sent in by viewers <online> and by post.",
];
const CATEGORIES: &[&str] = &[
    "News",
    "Politics",
    "Talk",
    "Education",
    "Documentary",
    "Debate",
    "Current affairs",
];
const PEOPLE: &[&str] = &[
    "Siân Jones",
    "Amir Khan",
    "Zofia Nowak",
    "Élodie Martin",
    "Γιώργος Παπαδόπουλος",
    "Mary O'Brien",
    "Kwame Mensah",
    "Priya Patel",
];
const ROLES: &[&str] = &["presenter", "guest", "commentator", "guest"];
// Averages 48 minutes: 1,000 channels x 7 days = about 210,000 programmes.
const MINUTES: &[i64] = &[15, 15, 30, 30, 30, 45, 60, 60, 90, 105];

fn time(t: i64) -> String {
    Utc.timestamp_opt(t, 0)
        .single()
        .map(|d| d.format("%Y%m%d%H%M%S +0000").to_string())
        .unwrap_or_default()
}

fn pick<'a>(rng: &mut Pcg64, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Share of programmes that rerun a recent programme's description.
pub const RERUN_SHARE: f64 = 0.5;
/// How many of a channel's recent descriptions a rerun picks from.
const RECENT: usize = 48;

/// Writes the guide to `out`.
pub fn write_guide(out: &mut impl Write, spec: &GuideSpec) -> io::Result<GuideStats> {
    let mut rng = Pcg64::seed_from_u64(spec.seed);
    let start = spec.start / 3600 * 3600;
    let end = start + i64::from(spec.days) * 86_400;
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(out, "<!DOCTYPE tv SYSTEM \"xmltv.dtd\">")?;
    writeln!(
        out,
        "<tv generator-info-name=\"hustings-guide-gen\" source-info-name=\"seed {}\">",
        spec.seed
    )?;
    for c in 0..spec.channels {
        writeln!(
            out,
            "  <channel id=\"ch{c}.civic\"><display-name lang=\"en\">Civic {c}</display-name><display-name>C{c}</display-name><icon src=\"http://logos.invalid/{c}.png\"/><lcn>{}</lcn></channel>",
            c + 1
        )?;
    }
    let mut stats = GuideStats {
        channels: spec.channels,
        programmes: 0,
    };
    for c in 0..spec.channels {
        let mut t = start;
        let mut episode = rng.random_range(1..40u32);
        let mut recent: Vec<String> = Vec::with_capacity(RECENT);
        while t < end {
            let stop = t + 60 * MINUTES[rng.random_range(0..MINUTES.len())];
            let lang = ["en", "cy", "fr", "pl", "el", "ar"][rng.random_range(0..6)];
            write!(
                out,
                "  <programme start=\"{}\" stop=\"{}\" channel=\"ch{c}.civic\">",
                time(t),
                time(stop)
            )?;
            write!(
                out,
                "<title lang=\"{lang}\">{}</title>",
                escape(pick(&mut rng, TITLES))
            )?;
            if rng.random_bool(0.3) {
                write!(
                    out,
                    "<title lang=\"en\">{}</title>",
                    escape(pick(&mut rng, TITLES))
                )?;
            }
            if rng.random_bool(0.6) {
                write!(
                    out,
                    "<sub-title lang=\"{lang}\">{}</sub-title>",
                    escape(pick(&mut rng, SUBTITLES))
                )?;
            }
            let desc = if !recent.is_empty() && rng.random_bool(RERUN_SHARE) {
                recent[rng.random_range(0..recent.len())].clone()
            } else {
                let mut sentences: Vec<&str> = (0..rng.random_range(2..5))
                    .map(|_| pick(&mut rng, SENTENCES))
                    .collect();
                let recorded = Utc
                    .timestamp_opt(t, 0)
                    .single()
                    .map(|d| d.format("Recorded on %A %-d %B at %H:%M.").to_string())
                    .unwrap_or_default();
                sentences.push(&recorded);
                let desc = sentences.join(" ");
                if recent.len() == RECENT {
                    recent.remove(0);
                }
                recent.push(desc.clone());
                desc
            };
            write!(out, "<desc lang=\"{lang}\">{}</desc>", escape(desc))?;
            if rng.random_bool(0.7) {
                write!(out, "<credits>")?;
                for _ in 0..rng.random_range(1..4) {
                    let role = pick(&mut rng, ROLES);
                    write!(out, "<{role}>{}</{role}>", escape(pick(&mut rng, PEOPLE)))?;
                }
                write!(out, "</credits>")?;
            }
            for _ in 0..rng.random_range(1..3) {
                write!(
                    out,
                    "<category lang=\"en\">{}</category>",
                    pick(&mut rng, CATEGORIES)
                )?;
            }
            episode += 1;
            write!(
                out,
                "<episode-num system=\"xmltv_ns\">0.{}.</episode-num><episode-num system=\"onscreen\">E{episode}</episode-num>",
                episode - 1
            )?;
            if rng.random_bool(0.5) {
                write!(out, "<subtitles type=\"teletext\"/>")?;
            }
            if rng.random_bool(0.2) {
                write!(out, "<previously-shown/>")?;
            } else if rng.random_bool(0.1) {
                write!(out, "<premiere/>")?;
            }
            if rng.random_bool(0.15) {
                write!(out, "<live/>")?;
            }
            if rng.random_bool(0.3) {
                write!(out, "<rating system=\"BBFC\"><value>PG</value></rating>")?;
            }
            writeln!(out, "</programme>")?;
            stats.programmes += 1;
            t = stop;
        }
    }
    writeln!(out, "</tv>")?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_guide_and_a_new_seed_another() {
        let spec = GuideSpec {
            channels: 3,
            days: 1,
            ..Default::default()
        };
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        let stats = write_guide(&mut a, &spec).unwrap();
        write_guide(&mut b, &spec).unwrap();
        write_guide(&mut c, &GuideSpec { seed: 7, ..spec }).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(stats.channels, 3);
        let text = String::from_utf8(a).unwrap();
        assert_eq!(text.matches("<programme ").count(), stats.programmes);
        assert!(stats.programmes > 3 * 12, "{stats:?}");
    }

    #[test]
    fn the_generated_guide_parses_and_keeps_its_entities_and_scripts() {
        let mut xml = Vec::new();
        let stats = write_guide(
            &mut xml,
            &GuideSpec {
                channels: 5,
                days: 2,
                ..Default::default()
            },
        )
        .unwrap();
        let g = crate::guide::parse_xmltv_bytes(&xml, "generated.xml").unwrap();
        assert_eq!(g.programme_count(), stats.programmes);
        assert_eq!(g.channels.len(), 5);
        let text = String::from_utf8(xml).unwrap();
        assert!(text.contains("Housing &amp; Rents") && text.contains("&lt;Mayor&gt;"));
    }
}
