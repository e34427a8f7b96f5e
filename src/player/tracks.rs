//! Audio and subtitle tracks: what playbin3's stream collection offers, the
//! choice made from the viewer's preferences, and changes asked for by key.

use gstreamer as gst;
use gstreamer::prelude::*;

use super::captions::CC1;
use super::options::PlayerOptions;
use super::{Track, Tracks};

/// The current stream's tracks and selection.
#[derive(Debug, Default)]
pub(crate) struct TrackState {
    video: Vec<String>,
    /// Streams playbin3 selected that are neither audio nor subtitles (video).
    selected_others: Vec<String>,
    /// A selection was asked for in this collection (asked once, so a
    /// viewer's later choice is not overridden).
    requested: bool,
    audio: Vec<Track>,
    subtitles: Vec<Track>,
    selected_audio: Option<String>,
    selected_subtitles: Option<String>,
    /// The stream carries closed captions in this format ("CEA-608",
    /// "CEA-708"), offered as the `cc1` track.
    closed_captions: Option<&'static str>,
}

/// Which audio and subtitle tracks to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Choice {
    pub audio: Option<String>,
    pub subtitles: Option<String>,
}

impl TrackState {
    /// Takes in a new stream collection.
    pub(crate) fn collection(&mut self, collection: &gst::StreamCollection) {
        // Captions are found in the video, not in the collection: they stay.
        let (cc, cc_on) = (self.closed_captions, self.captions_on());
        *self = TrackState::default();
        self.closed_captions = cc;
        if cc_on {
            self.selected_subtitles = Some(CC1.to_string());
        }
        for stream in collection.iter() {
            let Some(id) = stream.stream_id().map(|s| s.to_string()) else {
                continue;
            };
            let kind = stream.stream_type();
            let tags = stream.tags();
            let language = tags
                .as_ref()
                .and_then(|t| t.get::<gst::tags::LanguageCode>())
                .map(|v| v.get().to_string());
            let title = tags
                .as_ref()
                .and_then(|t| t.get::<gst::tags::Title>())
                .map(|v| v.get().to_lowercase())
                .unwrap_or_default();
            let codec = tags
                .as_ref()
                .and_then(|t| {
                    t.get::<gst::tags::AudioCodec>()
                        .map(|v| v.get().to_string())
                        .or_else(|| {
                            t.get::<gst::tags::SubtitleCodec>()
                                .map(|v| v.get().to_string())
                        })
                })
                .or_else(|| {
                    stream
                        .caps()
                        .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
                });
            let track = Track {
                id: id.clone(),
                language,
                codec,
                audio_description: title.contains("description") || title.contains("narrat"),
            };
            if kind.contains(gst::StreamType::VIDEO) {
                self.video.push(id);
            } else if kind.contains(gst::StreamType::AUDIO) {
                self.audio.push(track);
            } else if kind.contains(gst::StreamType::TEXT) {
                self.subtitles.push(track);
            }
        }
    }

    /// The tracks the viewer's preferences pick.
    pub(crate) fn preferred(&self, options: &PlayerOptions) -> Choice {
        choose(&self.audio, &self.all_subtitles(), options)
    }

    /// Subtitle streams and, when found, the closed captions.
    fn all_subtitles(&self) -> Vec<Track> {
        let mut all = self.subtitles.clone();
        if let Some(format) = self.closed_captions {
            all.push(Track {
                id: CC1.to_string(),
                language: None,
                codec: Some(format.to_string()),
                audio_description: false,
            });
        }
        all
    }

    /// Closed captions are selected.
    pub(crate) fn captions_on(&self) -> bool {
        self.selected_subtitles.as_deref() == Some(CC1)
    }

    /// The stream turned out to carry captions. Returns whether the viewer's
    /// preferences turn them on (subtitles wanted and no subtitle stream
    /// chosen instead).
    pub(crate) fn found_captions(&mut self, format: &'static str, options: &PlayerOptions) -> bool {
        self.closed_captions = Some(format);
        if self.selected_subtitles.is_none()
            && self.preferred(options).subtitles.as_deref() == Some(CC1)
        {
            self.selected_subtitles = Some(CC1.to_string());
        }
        self.captions_on()
    }

    /// Asks playbin3 for `choice` (with every video stream).
    pub(crate) fn select(&mut self, playbin: &gst::Element, choice: Choice) {
        if self.video.is_empty() && self.audio.is_empty() {
            return;
        }
        let others = if self.selected_others.is_empty() {
            &self.video
        } else {
            &self.selected_others
        };
        let ids: Vec<&str> = others
            .iter()
            .map(String::as_str)
            .chain(choice.audio.as_deref())
            .chain(choice.subtitles.as_deref().filter(|s| *s != CC1))
            .collect();
        if !playbin.send_event(gst::event::SelectStreams::new(ids)) {
            tracing::warn!("playbin3 refused the track selection");
        }
        self.selected_audio = choice.audio;
        self.selected_subtitles = choice.subtitles;
    }

    /// What playbin3 says it now plays.
    pub(crate) fn selected(&mut self, streams: impl Iterator<Item = gst::Stream>) {
        let (mut audio, mut subtitles, mut others) = (None, None, Vec::new());
        for s in streams {
            let Some(id) = s.stream_id().map(|i| i.to_string()) else {
                continue;
            };
            let kind = s.stream_type();
            if kind.contains(gst::StreamType::AUDIO) {
                audio = Some(id);
            } else if kind.contains(gst::StreamType::TEXT) {
                subtitles = Some(id);
            } else {
                others.push(id);
            }
        }
        self.selected_audio = audio;
        if subtitles.is_some() || !self.captions_on() {
            self.selected_subtitles = subtitles;
        }
        self.selected_others = others;
    }

    /// After playbin3's own selection: asks once for the viewer's preferred
    /// tracks when they differ from it. Streams with one audio track and no
    /// subtitles are left alone.
    pub(crate) fn apply_preferences(&mut self, playbin: &gst::Element, options: &PlayerOptions) {
        if self.requested {
            return;
        }
        // Once per stream: later selections are the viewer's.
        self.requested = true;
        let choice = self.preferred(options);
        let current = Choice {
            audio: self.selected_audio.clone(),
            subtitles: self.selected_subtitles.clone(),
        };
        if choice != current {
            self.select(playbin, choice);
        }
    }

    /// The viewer's preferences changed: choose again from them.
    pub(crate) fn reapply(&mut self, playbin: &gst::Element, options: &PlayerOptions) {
        let choice = self.preferred(options);
        let current = Choice {
            audio: self.selected_audio.clone(),
            subtitles: self.selected_subtitles.clone(),
        };
        if choice != current {
            self.select(playbin, choice);
        }
    }

    pub(crate) fn choose_audio(&mut self, playbin: &gst::Element, id: &str) {
        if self.audio.iter().any(|t| t.id == id) {
            let choice = Choice {
                audio: Some(id.to_string()),
                subtitles: self.selected_subtitles.clone(),
            };
            self.select(playbin, choice);
        }
    }

    pub(crate) fn choose_subtitles(&mut self, playbin: &gst::Element, id: Option<&str>) {
        let subtitles = id
            .filter(|id| self.all_subtitles().iter().any(|t| t.id == *id))
            .map(String::from);
        let choice = Choice {
            audio: self.selected_audio.clone(),
            subtitles,
        };
        self.select(playbin, choice);
    }

    pub(crate) fn tracks(&self) -> Tracks {
        Tracks {
            audio: self.audio.clone(),
            subtitles: self.all_subtitles(),
            selected_audio: self.selected_audio.clone(),
            selected_subtitles: self.selected_subtitles.clone(),
        }
    }
}

/// Two-letter and three-letter codes name the same language ("en", "eng").
fn same_language(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a == b
        || (a.len() == 3 && b.len() == 2 && a.starts_with(&b))
        || (b.len() == 3 && a.len() == 2 && b.starts_with(&a))
}

/// The audio track: audio description first when wanted, then by language
/// preference, then the stream's first. Subtitles only when wanted: by
/// language preference, else the first.
fn choose(audio: &[Track], subtitles: &[Track], options: &PlayerOptions) -> Choice {
    let rank = |t: &Track, langs: &[String]| {
        t.language
            .as_deref()
            .and_then(|l| langs.iter().position(|p| same_language(p, l)))
            .unwrap_or(langs.len())
    };
    let audio_pick = audio
        .iter()
        .enumerate()
        .min_by_key(|(i, t)| {
            let described = t.audio_description != options.audio_description;
            (described, rank(t, &options.audio_languages), *i)
        })
        .map(|(_, t)| t.id.clone());
    let subtitle_pick = options
        .subtitles
        .then(|| {
            subtitles
                .iter()
                .enumerate()
                .min_by_key(|(i, t)| (rank(t, &options.subtitle_languages), *i))
                .map(|(_, t)| t.id.clone())
        })
        .flatten();
    Choice {
        audio: audio_pick,
        subtitles: subtitle_pick,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: &str, lang: Option<&str>, described: bool) -> Track {
        Track {
            id: id.into(),
            language: lang.map(String::from),
            codec: None,
            audio_description: described,
        }
    }

    #[test]
    fn tracks_are_chosen_by_preference() {
        let audio = [
            track("a-cy", Some("cym"), false),
            track("a-en", Some("eng"), false),
            track("a-ad", Some("eng"), true),
        ];
        let subs = [
            track("s-en", Some("en"), false),
            track("s-cy", Some("cy"), false),
        ];
        let mut o = PlayerOptions {
            audio_languages: vec!["en".into()],
            ..Default::default()
        };
        let cases = [(
            "language preference",
            Choice {
                audio: Some("a-en".into()),
                subtitles: None,
            },
        )];
        for (name, expected) in cases {
            assert_eq!(choose(&audio, &subs, &o), expected, "{name}");
        }
        o.audio_description = true;
        o.subtitles = true;
        o.subtitle_languages = vec!["cym".into(), "en".into()];
        assert_eq!(
            choose(&audio, &subs, &o),
            Choice {
                audio: Some("a-ad".into()),
                subtitles: Some("s-cy".into())
            },
            "audio description and Welsh subtitles"
        );
        let none = PlayerOptions::default();
        assert_eq!(
            choose(&audio, &subs, &none),
            Choice {
                audio: Some("a-cy".into()),
                subtitles: None
            },
            "no preference: the stream's first track, no subtitles"
        );
        assert!(same_language("eng", "en") && !same_language("en", "es"));
    }
}
