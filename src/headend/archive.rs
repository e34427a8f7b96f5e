//! The demo speech archive: a few recorded speeches as VOD HLS (made once
//! with GStreamer and kept in the headend's state directory), their WebVTT
//! transcripts, and the catalogue that lists them (`archive/catalogue.json`,
//! schema in docs/archive-catalogue.md).
//!
//! ```text
//! videotestsrc (speaker caption) ! x264enc (2 s GOP) ! h264parse ─┐
//! audiotestsrc ! avenc_aac ! aacparse ──────────────────────────── hlssink2 → archive/<id>/index.m3u8 (VOD)
//! ```
//!
//! The featured speech also has an HEVC variant (x265enc into `hevc/`) and a
//! master playlist over both, so a box chooses: HEVC only where it decodes
//! HEVC in hardware.
//!
//! Made in the background after the headend starts; the catalogue appears
//! last, so a box that fetches it finds every file it names, with the
//! SHA-256 of every segment (a box checks each one it downloads).

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;

/// One demo speech.
pub struct Speech {
    pub id: &'static str,
    pub title: &'static str,
    pub speaker: &'static str,
    pub party: &'static str,
    pub role: &'static str,
    pub event: &'static str,
    pub place: &'static str,
    pub days_ago: i64,
    pub topics: &'static [&'static str],
    /// One transcript cue per 4 seconds.
    pub transcript: &'static [&'static str],
    /// (title, start second).
    pub chapters: &'static [(&'static str, u32)],
    pub sponsor: Option<&'static str>,
    pub pinned: bool,
    pub pattern: &'static str,
    /// Also encoded in HEVC, behind a master playlist.
    pub hevc: bool,
}

/// Seconds each transcript line is on screen.
pub const CUE_SECONDS: u32 = 4;

pub const SPEECHES: &[Speech] = &[
    Speech {
        id: "ruiz-housing",
        title: "Homes for everyone: the housing plan",
        speaker: "Ana Ruiz",
        party: "Civic Alliance",
        role: "Mayoral candidate",
        event: "Campaign launch",
        place: "Riverside Hall",
        days_ago: 3,
        topics: &["housing", "rents"],
        transcript: &[
            "Good evening, and thank you for coming.",
            "Rents in this city have doubled in ten years.",
            "We will cap rent rises at the rate of inflation.",
            "And we will build four thousand council homes.",
            "Every empty building becomes a home again.",
        ],
        chapters: &[("Welcome", 0), ("Rents", 4), ("New homes", 12)],
        sponsor: Some("Paid for by Civic Alliance, 12 High Street"),
        pinned: true,
        pattern: "smpte",
        hevc: true,
    },
    Speech {
        id: "price-transport",
        title: "Buses that come on time",
        speaker: "Tom Price",
        party: "Green Way",
        role: "Council candidate",
        event: "Transport hustings",
        place: "Library theatre",
        days_ago: 2,
        topics: &["transport", "buses"],
        transcript: &[
            "I take the number nine bus every morning.",
            "Half the time it never arrives.",
            "We will bring the bus routes back under council control.",
            "With a single fare across the whole city.",
            "Thank you.",
        ],
        chapters: &[("The number nine", 0), ("Council control", 8)],
        sponsor: Some("Paid for by Green Way, 4 Mill Lane"),
        pinned: false,
        hevc: false,
        pattern: "ball",
    },
    Speech {
        id: "townhall-schools",
        title: "Town hall: our schools",
        speaker: "Council chair",
        party: "",
        role: "Chair",
        event: "Council town hall",
        place: "Council chamber",
        days_ago: 1,
        topics: &["schools", "education"],
        transcript: &[
            "Order, order. The town hall is open.",
            "Tonight's question is school places.",
            "Residents have asked about class sizes.",
            "The education committee will answer first.",
            "Questions from the floor follow.",
        ],
        chapters: &[("Opening", 0), ("Class sizes", 8), ("Questions", 16)],
        sponsor: None,
        pinned: false,
        hevc: false,
        pattern: "bar",
    },
];

impl Speech {
    /// Length in seconds.
    pub fn duration(&self) -> u32 {
        self.transcript.len() as u32 * CUE_SECONDS
    }

    /// A 16:9 thumbnail: the speaker's initials on a colour of their own.
    fn thumbnail(&self) -> String {
        let initials: String = self
            .speaker
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .collect();
        let hue = crc32fast::hash(self.id.as_bytes()) % 360;
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"320\" height=\"180\" viewBox=\"0 0 320 180\">\
             <rect width=\"320\" height=\"180\" fill=\"hsl({hue},45%,35%)\"/>\
             <text x=\"160\" y=\"112\" font-family=\"DejaVu Sans\" font-size=\"72\" font-weight=\"bold\" fill=\"white\" text-anchor=\"middle\">{initials}</text></svg>"
        )
    }

    fn vtt(&self) -> String {
        let mut out = String::from("WEBVTT\n\n");
        for (i, line) in self.transcript.iter().enumerate() {
            let start = i as u32 * CUE_SECONDS;
            let end = start + CUE_SECONDS;
            out.push_str(&format!(
                "{}\n00:00:{start:02}.000 --> 00:00:{end:02}.000\n<v {}>{line}</v>\n\n",
                i + 1,
                self.speaker
            ));
        }
        out
    }
}

/// Makes every speech that is not there yet, then writes the catalogue.
/// Blocking (GStreamer runs faster than real time).
pub fn generate(root: &Path, now: i64) -> Result<(), String> {
    for s in SPEECHES {
        let dir = root.join(s.id);
        let last = if s.hevc {
            dir.join("master.m3u8")
        } else {
            dir.join("index.m3u8")
        };
        let done = std::fs::read_to_string(&last).is_ok_and(|p| p.contains("#EXT"));
        if !done {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            encode(
                s,
                &dir,
                "x264enc speed-preset=ultrafast bitrate=600 key-int-max=50 ! video/x-h264,profile=constrained-baseline ! h264parse",
            )?;
            if s.hevc {
                let hevc = dir.join("hevc");
                std::fs::create_dir_all(&hevc).map_err(|e| format!("{}: {e}", hevc.display()))?;
                encode(
                    s,
                    &hevc,
                    "x265enc speed-preset=ultrafast bitrate=900 key-int-max=50 ! h265parse",
                )?;
                std::fs::write(&last, MASTER).map_err(|e| format!("{}: {e}", last.display()))?;
            }
        }
        std::fs::write(dir.join("transcript.vtt"), s.vtt())
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        std::fs::write(dir.join("thumb.svg"), s.thumbnail())
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut sums = std::collections::BTreeMap::new();
    for s in SPEECHES {
        sums.insert(s.id, checksums(root, s)?);
    }
    let catalogue = catalogue_with(now, &sums);
    let tmp = root.join("catalogue.json.part");
    std::fs::write(&tmp, catalogue).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, root.join("catalogue.json")).map_err(|e| e.to_string())
}

/// The featured speech's master playlist: H.264 for every box, HEVC (more
/// bandwidth, to be chosen where it is decoded in hardware).
const MASTER: &str = "#EXTM3U\n#EXT-X-VERSION:3\n\
    #EXT-X-STREAM-INF:BANDWIDTH=700000,RESOLUTION=640x360,CODECS=\"avc1.42c01e,mp4a.40.2\"\nindex.m3u8\n\
    #EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360,CODECS=\"hvc1.1.6.L90.90,mp4a.40.2\"\nhevc/index.m3u8\n";

/// Encodes a speech into `dir` with `video` (encoder ! parser).
fn encode(s: &Speech, dir: &Path, video: &str) -> Result<(), String> {
    let frames = s.duration() * 25;
    let samples_buffers = s.duration() * 48_000 / 1024 + 1;
    let line = format!(
        "videotestsrc num-buffers={frames} pattern={pattern} ! video/x-raw,width=640,height=360,framerate=25/1 \
         ! textoverlay text=\"{speaker}: {title}\" valignment=bottom font-desc=\"Sans Bold 18\" shaded-background=true \
         ! timeoverlay halignment=right valignment=top \
         ! videoconvert ! {video} ! queue ! hls.video \
         audiotestsrc num-buffers={samples_buffers} samplesperbuffer=1024 wave=sine freq=330 volume=0.05 \
         ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac bitrate=64000 ! aacparse ! queue ! hls.audio \
         hlssink2 name=hls target-duration=2 playlist-length=0 max-files=0",
        pattern = s.pattern,
        speaker = s.speaker,
        title = s.title.replace('"', "'"),
    );
    let pipeline = gst::parse::launch(&line).map_err(|e| format!("{e} in `{line}`"))?;
    let hls = pipeline
        .downcast_ref::<gst::Bin>()
        .and_then(|b| b.by_name("hls"))
        .ok_or("no hlssink2")?;
    hls.set_property("location", dir.join("seg%03d.ts").display().to_string());
    hls.set_property(
        "playlist-location",
        dir.join("index.m3u8").display().to_string(),
    );
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| e.to_string())?;
    let bus = pipeline.bus().ok_or("no bus")?;
    let result = match bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(120),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    ) {
        Some(msg) => match msg.view() {
            gst::MessageView::Eos(_) => Ok(()),
            gst::MessageView::Error(e) => Err(format!("{}: {}", s.id, e.error())),
            _ => Ok(()),
        },
        None => Err(format!("{}: encoding took over two minutes", s.id)),
    };
    let _ = pipeline.set_state(gst::State::Null);
    result
}

/// The SHA-256 of every segment of a speech's playlists (each variant's),
/// keyed by its URL relative to the catalogue, as the catalogue gives them.
fn checksums(
    root: &Path,
    s: &Speech,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    use sha2::{Digest, Sha256};
    let mut out = std::collections::BTreeMap::new();
    for variant in ["", "hevc/"] {
        let dir = root.join(s.id).join(variant);
        let Ok(playlist) = std::fs::read(dir.join("index.m3u8")) else {
            continue;
        };
        let p = m3u8_rs::parse_media_playlist_res(&playlist)
            .map_err(|e| format!("{}: {e}", dir.join("index.m3u8").display()))?;
        for seg in &p.segments {
            let file = dir.join(&seg.uri);
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let hex: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            out.insert(format!("{}/{variant}{}", s.id, seg.uri), hex);
        }
    }
    Ok(out)
}

/// The catalogue (URLs relative to it), without checksums.
pub fn catalogue(now: i64) -> String {
    catalogue_with(now, &Default::default())
}

/// The catalogue with each speech's segment checksums (by speech id).
pub fn catalogue_with(
    now: i64,
    checksums: &std::collections::BTreeMap<&str, std::collections::BTreeMap<String, String>>,
) -> String {
    let items: Vec<serde_json::Value> = SPEECHES
        .iter()
        .map(|s| {
            let date = chrono::DateTime::from_timestamp(now - s.days_ago * 86_400, 0)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let mut speaker = serde_json::json!({"name": s.speaker, "role": s.role});
            if !s.party.is_empty() {
                speaker["party"] = s.party.into();
            }
            let mut item = serde_json::json!({
                "id": s.id,
                "title": s.title,
                "speakers": [speaker],
                "event": s.event,
                "place": s.place,
                "date": date,
                "duration": s.duration(),
                "topics": s.topics,
                "chapters": s.chapters.iter().map(|(t, at)| serde_json::json!({"title": t, "start": at})).collect::<Vec<_>>(),
                "transcript": format!("{}/transcript.vtt", s.id),
                "thumbnail": format!("{}/thumb.svg", s.id),
                "hls": format!("{}/{}", s.id, if s.hevc { "master.m3u8" } else { "index.m3u8" }),
                "pinned": s.pinned,
            });
            if let Some(sponsor) = s.sponsor {
                item["sponsor"] = sponsor.into();
            }
            if let Some(sums) = checksums.get(s.id).filter(|m| !m.is_empty()) {
                item["checksums"] = serde_json::json!(sums);
            }
            item
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "version": 1,
        "publisher": "Hustings demo headend",
        "items": items,
    }))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_reads_back_with_every_speech_and_its_transcript() {
        let base = url::Url::parse("http://127.0.0.1:1/archive/catalogue.json").unwrap();
        let c = crate::archive::catalogue::parse(&catalogue(1_790_000_000), &base).unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.items.len(), SPEECHES.len());
        assert_eq!(
            c.items[0].hls,
            "http://127.0.0.1:1/archive/ruiz-housing/master.m3u8"
        );
        for s in SPEECHES {
            let cues = crate::archive::transcript::parse(&s.vtt()).unwrap();
            assert_eq!(cues.len(), s.transcript.len());
            assert_eq!(cues[1].start, f64::from(CUE_SECONDS));
            assert_eq!(cues[0].text, s.transcript[0]);
        }
    }

    #[test]
    fn checksums_name_each_variants_segments_relative_to_the_catalogue() {
        let base = url::Url::parse("http://127.0.0.1:1/archive/catalogue.json").unwrap();
        let mut sums = std::collections::BTreeMap::new();
        let hex = |c: char| c.to_string().repeat(64);
        sums.insert(
            "ruiz-housing",
            [
                ("ruiz-housing/seg000.ts".to_string(), hex('a')),
                ("ruiz-housing/hevc/seg000.ts".to_string(), hex('b')),
            ]
            .into_iter()
            .collect(),
        );
        let c =
            crate::archive::catalogue::parse(&catalogue_with(1_790_000_000, &sums), &base).unwrap();
        let item = &c.items[0];
        assert_eq!(
            item.checksums
                .get("http://127.0.0.1:1/archive/ruiz-housing/seg000.ts"),
            Some(&hex('a'))
        );
        assert_eq!(
            item.checksums
                .get("http://127.0.0.1:1/archive/ruiz-housing/hevc/seg000.ts"),
            Some(&hex('b')),
            "the HEVC variant's seg000.ts is told apart from the H.264 one"
        );
        assert!(c.items[1].checksums.is_empty());
    }
}
