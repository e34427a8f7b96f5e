//! Building one `<channel>` or `<programme>` from the elements inside it.
//!
//! The reader tells a builder which child element opened (with the parent
//! chain below the record) and hands it the text of the element being
//! captured; the builder decides what each XMLTV element means. Every text
//! field is capped at [`MAX_TEXT`] and every list at [`MAX_LIST`] entries, and
//! the builder remembers that it cut something so the reader warns once per
//! record. Text is a "paragraph" in the DTD's words: line breaks and runs of
//! spaces inside it are layout of the file, so they collapse to one space.

use quick_xml::XmlVersion;
use quick_xml::events::BytesStart;

use super::{Credit, GuideChannel, LangText, Programme};

/// Longest text field kept, in bytes.
pub(crate) const MAX_TEXT: usize = 64 * 1024;
/// Most entries kept in one list of a record (titles, credits, categories...).
pub(crate) const MAX_LIST: usize = 256;

/// What the text of the element being captured becomes.
#[derive(Debug, Clone)]
pub(crate) enum Capture {
    Title(Option<String>),
    SubTitle,
    Desc(Option<String>),
    Category,
    EpisodeNum { onscreen: bool },
    RatingValue,
    Credit(String),
    AudioDescribed,
    DisplayName,
    Lcn,
}

/// The value of attribute `name` (matched by local name, so `xml:lang` is `lang`).
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    // A repeated attribute is not worth an error here: the first one wins.
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Appends `more` to `text` without passing [`MAX_TEXT`]; false when something was cut.
pub(crate) fn push_capped(text: &mut String, more: &str) -> bool {
    let room = MAX_TEXT.saturating_sub(text.len());
    if more.len() <= room {
        text.push_str(more);
        return true;
    }
    let mut cut = room;
    while !more.is_char_boundary(cut) {
        cut -= 1;
    }
    text.push_str(&more[..cut]);
    false
}

/// Trims and collapses whitespace runs to one space. Most guide text is
/// already clean and comes back as it is, without a copy.
pub(crate) fn clean(text: String) -> String {
    let mut after_space = true; // a leading space is not clean either
    let tidy = text.chars().all(|c| {
        let ok = !c.is_whitespace() || (c == ' ' && !after_space);
        after_space = c.is_whitespace();
        ok
    }) && !after_space;
    if tidy || text.is_empty() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn push_limited<T>(list: &mut Vec<T>, item: T, cut: &mut bool) {
    if list.len() < MAX_LIST {
        list.push(item);
    } else {
        *cut = true;
    }
}

/// A `<programme>` being read.
#[derive(Debug)]
pub(crate) struct ProgrammeBuilder {
    pub(crate) programme: Programme,
    /// Byte offset of the `<programme` tag.
    pub(crate) position: u64,
    /// Some text or list was cut to its cap.
    pub(crate) truncated: bool,
    episode_is_onscreen: bool,
    rating_system: Option<String>,
}

impl ProgrammeBuilder {
    pub(crate) fn new(programme: Programme, position: u64) -> Self {
        ProgrammeBuilder {
            programme,
            position,
            truncated: false,
            episode_is_onscreen: false,
            rating_system: None,
        }
    }

    /// A child element opened; `parents` are the open elements between
    /// `<programme>` and it. Returns what its text should become, if anything.
    pub(crate) fn open(&mut self, parents: &[String], e: &BytesStart<'_>) -> Option<Capture> {
        let name = e.local_name();
        let p = &mut self.programme;
        match (parents, name.as_ref()) {
            ([], "title") => Some(Capture::Title(attr(e, "lang"))),
            ([], "sub-title") => Some(Capture::SubTitle),
            ([], "desc") => Some(Capture::Desc(attr(e, "lang"))),
            ([], "category") => Some(Capture::Category),
            ([], "episode-num") => {
                // The DTD's default system is "onscreen".
                let system = attr(e, "system");
                let onscreen = system.as_deref().is_none_or(|s| s == "onscreen");
                Some(Capture::EpisodeNum { onscreen })
            }
            ([], "rating") => {
                self.rating_system = attr(e, "system").filter(|s| !s.trim().is_empty());
                None
            }
            ([r], "value") if r == "rating" => Some(Capture::RatingValue),
            ([], "icon") => {
                if p.icon.is_none() {
                    p.icon = attr(e, "src").filter(|s| !s.is_empty());
                }
                None
            }
            ([c], role) if c == "credits" => Some(Capture::Credit(role.to_string())),
            ([], "subtitles") => {
                p.subtitles = true;
                None
            }
            // tvheadend's flag; <audio><described> is the other spelling seen.
            ([], "audio-described") => {
                p.audio_described = true;
                None
            }
            ([a], "described") if a == "audio" => Some(Capture::AudioDescribed),
            ([], "previously-shown") => {
                p.previously_shown = true;
                None
            }
            ([], "premiere") => {
                p.premiere = true;
                None
            }
            ([], "live") => {
                p.live = true;
                None
            }
            _ => None,
        }
    }

    /// The captured element closed with `text` (already capped, not yet cleaned).
    pub(crate) fn close(&mut self, capture: Capture, text: String) {
        let value = clean(text);
        let p = &mut self.programme;
        let cut = &mut self.truncated;
        match capture {
            Capture::Title(lang) if !value.is_empty() => {
                if p.titles.is_empty() {
                    p.title = value.clone();
                }
                push_limited(&mut p.titles, LangText { text: value, lang }, cut);
            }
            Capture::SubTitle if p.sub_title.is_none() && !value.is_empty() => {
                p.sub_title = Some(value)
            }
            Capture::Desc(lang) if !value.is_empty() => {
                if p.descriptions.is_empty() {
                    p.description = Some(value.clone());
                }
                push_limited(&mut p.descriptions, LangText { text: value, lang }, cut);
            }
            Capture::Category if !value.is_empty() => push_limited(&mut p.categories, value, cut),
            Capture::EpisodeNum { onscreen }
                if !value.is_empty()
                    && (p.episode_num.is_none() || (onscreen && !self.episode_is_onscreen)) =>
            {
                p.episode_num = Some(value);
                self.episode_is_onscreen = onscreen;
            }
            Capture::RatingValue if p.rating.is_none() && !value.is_empty() => {
                p.rating = Some(match &self.rating_system {
                    Some(system) => format!("{}: {value}", system.trim()),
                    None => value,
                });
            }
            Capture::Credit(role) if !value.is_empty() => {
                push_limited(&mut p.credits, Credit { role, name: value }, cut)
            }
            Capture::AudioDescribed => {
                p.audio_described |= !value.eq_ignore_ascii_case("no");
            }
            _ => {}
        }
    }
}

/// A `<channel>` being read.
#[derive(Debug)]
pub(crate) struct ChannelBuilder {
    pub(crate) channel: GuideChannel,
    pub(crate) position: u64,
    pub(crate) truncated: bool,
    /// An `<lcn>` that is not a number.
    pub(crate) bad_lcn: Option<String>,
}

impl ChannelBuilder {
    pub(crate) fn new(id: String, position: u64) -> Self {
        ChannelBuilder {
            channel: GuideChannel {
                id,
                ..Default::default()
            },
            position,
            truncated: false,
            bad_lcn: None,
        }
    }

    pub(crate) fn open(&mut self, parents: &[String], e: &BytesStart<'_>) -> Option<Capture> {
        match (parents, e.local_name().as_ref()) {
            ([], "display-name") => Some(Capture::DisplayName),
            ([], "lcn") => Some(Capture::Lcn),
            ([], "icon") => {
                if self.channel.icon.is_none() {
                    self.channel.icon = attr(e, "src").filter(|s| !s.is_empty());
                }
                None
            }
            _ => None,
        }
    }

    pub(crate) fn close(&mut self, capture: Capture, text: String) {
        let value = clean(text);
        match capture {
            Capture::DisplayName if !value.is_empty() => {
                push_limited(&mut self.channel.display_names, value, &mut self.truncated)
            }
            Capture::Lcn if self.channel.lcn.is_none() => match value.parse() {
                Ok(n) => self.channel.lcn = Some(n),
                Err(_) => self.bad_lcn = Some(value),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_whitespace_runs_collapse() {
        let cases = [
            ("  T  ", "T"),
            ("\n  Blah.\n\n    ", "Blah."),
            ("a\n      b\tc", "a b c"),
            ("", ""),
            ("already clean", "already clean"),
            ("two  spaces", "two spaces"),
            (" lead", "lead"),
            ("trail ", "trail"),
            ("non\u{a0}breaking", "non breaking"),
            ("\u{e9}t\u{e9} \u{e0} Paris", "\u{e9}t\u{e9} \u{e0} Paris"),
        ];
        for (raw, expected) in cases {
            assert_eq!(clean(raw.to_string()), expected, "{raw:?}");
        }
    }

    #[test]
    fn push_capped_stops_at_the_cap_on_a_char_boundary() {
        let mut s = "a".repeat(MAX_TEXT - 1);
        assert!(!push_capped(&mut s, "\u{e9}\u{e9}"));
        assert_eq!(s.len(), MAX_TEXT - 1);
        let mut t = String::new();
        assert!(push_capped(&mut t, "abc"));
        assert_eq!(t, "abc");
    }
}
