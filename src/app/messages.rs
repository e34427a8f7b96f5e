//! What the app says to the viewer, as values. The words are in
//! `ui/messages.slint` (`@tr`, translated with every other string); Rust
//! passes the kind and the data (titles, numbers). [`std::fmt::Display`]
//! gives the English text, for logs and tests; it must match the .slint
//! source strings word for word (a test checks every kind).

use std::fmt;

use crate::trust::Sponsor;

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Already worded: feed problems carrying technical detail.
    Text(String),
    Loading,
    Volume(u32),
    SoundOff,
    SoundOn,
    ReminderSet {
        title: String,
        at: String,
    },
    ReminderOff {
        title: String,
    },
    NothingToRestart,
    FromTheStart {
        title: String,
    },
    OneSoundTrack,
    Sound {
        language: String,
    },
    AudioDescription {
        language: String,
    },
    SubtitlesOff,
    SubtitlesOn {
        language: String,
    },
    NoSubtitles,
    FavouriteAdded {
        name: String,
    },
    FavouriteRemoved {
        name: String,
    },
    NoPicture {
        name: String,
        error: String,
    },
    BackToLive,
    /// Kiosk mode: the privacy reset between viewers was done.
    ReadyForNextViewer,
    /// Kiosk mode: the channel list needs the PIN.
    ChannelsLocked,
    StreamEnded,
    SignalLost,
    SignalBack,
    BackOnMulticast,
    DecoderFailed {
        decoder: String,
    },
    ReminderStarting {
        title: String,
        channel: String,
    },
    NoChannel(u32),
    CannotLoad {
        error: String,
        seconds: u64,
    },
    Buffering(u8),
    CatchupFailed {
        channel: String,
        error: String,
    },
    WrongPin,
    PinSet,
    PinRemoved,
    DownloadStarted {
        title: String,
    },
    Downloaded {
        title: String,
    },
    DownloadFailed {
        title: String,
        error: String,
    },
    /// "Why am I seeing this?" on an item whose feed a trusted publisher
    /// signed: who, with which key, and the item's sponsor line (shown
    /// under the words, see [`Message::sponsor`]).
    WhySigned {
        publisher: String,
        key_id: String,
        sponsor: Option<Sponsor>,
    },
    /// "Why am I seeing this?" on an item no trusted publisher signed.
    WhyUnverified {
        sponsor: Option<Sponsor>,
    },
    /// A feed failed its signature check; the last verified copy stays.
    FeedRefused {
        url: String,
        why: String,
    },
}

impl Message {
    /// (kind, first value, second value) for `Messages.text` in the .slint file.
    pub fn parts(&self) -> (i32, String, String) {
        use Message::*;
        let none = String::new;
        match self {
            Text(t) => (0, t.clone(), none()),
            Loading => (1, none(), none()),
            Volume(v) => (2, v.to_string(), none()),
            SoundOff => (3, none(), none()),
            SoundOn => (4, none(), none()),
            ReminderSet { title, at } => (5, title.clone(), at.clone()),
            ReminderOff { title } => (6, title.clone(), none()),
            NothingToRestart => (7, none(), none()),
            FromTheStart { title } => (8, title.clone(), none()),
            OneSoundTrack => (9, none(), none()),
            Sound { language } => (10, language.clone(), none()),
            AudioDescription { language } => (11, language.clone(), none()),
            SubtitlesOff => (12, none(), none()),
            SubtitlesOn { language } => (13, language.clone(), none()),
            NoSubtitles => (14, none(), none()),
            FavouriteAdded { name } => (15, name.clone(), none()),
            FavouriteRemoved { name } => (16, name.clone(), none()),
            NoPicture { name, error } => (17, name.clone(), error.clone()),
            BackToLive => (18, none(), none()),
            StreamEnded => (19, none(), none()),
            SignalLost => (20, none(), none()),
            SignalBack => (21, none(), none()),
            BackOnMulticast => (22, none(), none()),
            DecoderFailed { decoder } => (23, decoder.clone(), none()),
            ReminderStarting { title, channel } => (24, title.clone(), channel.clone()),
            NoChannel(n) => (25, n.to_string(), none()),
            CannotLoad { error, seconds } => (26, error.clone(), seconds.to_string()),
            Buffering(p) => (27, p.to_string(), none()),
            CatchupFailed { channel, error } => (28, channel.clone(), error.clone()),
            WrongPin => (29, none(), none()),
            PinSet => (30, none(), none()),
            PinRemoved => (31, none(), none()),
            DownloadStarted { title } => (32, title.clone(), none()),
            Downloaded { title } => (33, title.clone(), none()),
            DownloadFailed { title, error } => (34, title.clone(), error.clone()),
            ReadyForNextViewer => (35, none(), none()),
            ChannelsLocked => (36, none(), none()),
            FeedRefused { url, why } => (37, url.clone(), why.clone()),
            WhySigned {
                publisher, key_id, ..
            } => (38, publisher.clone(), key_id.clone()),
            WhyUnverified { .. } => (39, none(), none()),
        }
    }

    /// The English source string of a kind, with `{}` for the values.
    pub fn template(kind: i32) -> &'static str {
        match kind {
            1 => "Loading channels…",
            2 => "Volume {}%",
            3 => "Sound off",
            4 => "Sound on",
            5 => "Reminder set: {} at {}",
            6 => "Reminder taken off: {}",
            7 => "No programme information to restart from",
            8 => "{} from the start",
            9 => "This channel has one sound track",
            10 => "{} sound",
            11 => "{} audio description",
            12 => "Subtitles off",
            13 => "Subtitles on ({})",
            14 => "No subtitles on this channel",
            15 => "{} added to favourites",
            16 => "{} removed from favourites",
            17 => "No picture from {}: {}",
            18 => "Back to live",
            19 => "The stream has ended",
            20 => "Signal lost. Reconnecting…",
            21 => "Signal back",
            22 => "Back on the live multicast feed",
            23 => "{} failed; decoding another way",
            24 => "{} is starting on {}. Press OK to watch.",
            25 => "No channel {}",
            26 => "Cannot load channels: {}. Retrying in {} s…",
            27 => "Buffering {}%",
            28 => "{}: {}",
            29 => "Wrong PIN",
            30 => "PIN set: Settings now ask for it",
            31 => "PIN taken off",
            32 => "Downloading {} for offline viewing",
            33 => "{} is ready to watch offline",
            34 => "{} could not be downloaded: {}",
            35 => "Ready for the next viewer: what was typed here is gone",
            36 => "This shared screen's channel list needs the PIN",
            37 => "Not shown: {} failed its signature check ({}). The last verified copy stays.",
            38 => "Why am I seeing this? Published and signed by {}, signing key {}.",
            39 => "Why am I seeing this? No publisher this box trusts has signed it.",
            _ => "{}",
        }
    }

    /// Highest kind number.
    pub const LAST_KIND: i32 = 39;

    /// The sponsor line shown under the worded text (worded in
    /// ui/sponsor.slint), if any.
    pub fn sponsor(&self) -> Option<&Sponsor> {
        match self {
            Message::WhySigned { sponsor, .. } | Message::WhyUnverified { sponsor } => {
                sponsor.as_ref()
            }
            _ => None,
        }
    }

    /// That sponsor line in English, or "".
    pub fn extra(&self) -> String {
        self.sponsor().map(|s| s.to_string()).unwrap_or_default()
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, a, b) = self.parts();
        let mut values = [a, b].into_iter();
        let mut out = String::new();
        let mut rest = Message::template(kind);
        while let Some(at) = rest.find("{}") {
            out.push_str(&rest[..at]);
            out.push_str(&values.next().unwrap_or_default());
            rest = &rest[at + 2..];
        }
        out.push_str(rest);
        let extra = self.extra();
        if !extra.is_empty() {
            out.push('\n');
            out.push_str(&extra);
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_text_fills_the_templates() {
        assert_eq!(Message::Volume(40).to_string(), "Volume 40%");
        assert_eq!(
            Message::ReminderStarting {
                title: "Debate".into(),
                channel: "Civic One".into()
            }
            .to_string(),
            "Debate is starting on Civic One. Press OK to watch."
        );
        assert_eq!(Message::Text("as is {}".into()).to_string(), "as is {}");
    }

    #[test]
    fn every_kind_is_worded_in_the_slint_file_as_here() {
        let slint = include_str!("../../ui/messages.slint");
        for kind in 1..=Message::LAST_KIND {
            let template = Message::template(kind);
            let line = format!("if (kind == {kind}) {{ return @tr(\"{template}\"");
            assert!(slint.contains(&line), "ui/messages.slint lacks: {line}");
        }
    }
}
