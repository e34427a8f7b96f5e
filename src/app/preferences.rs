//! The viewer's preferences (Settings screen): language, text size,
//! contrast, subtitles, audio description, preferred sound language.
//!
//! Pure data: loaded from and saved to the store's settings as key/value
//! pairs, changed one row at a time by the Settings screen. Applying them
//! (Theme, translation, player) is the controller's job.

/// The interface languages bundled with the app (`ui/translations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    English,
    Spanish,
    French,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::English, Language::Spanish, Language::French];

    /// The locale name of its translation catalogue.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Spanish => "es",
            Language::French => "fr",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        let lang = code.split(['_', '-', '.']).next()?.to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.code() == lang)
    }

    /// Position in the Settings screen's list.
    pub fn index(self) -> usize {
        Language::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }
}

/// Sound languages offered in Settings ("" = as broadcast).
pub const SOUND_LANGUAGES: &[&str] = &["", "en", "cy", "gd", "ga", "es", "fr"];

/// The rows of the Settings screen, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingRow {
    Language,
    TextSize,
    Contrast,
    Subtitles,
    AudioDescription,
    SoundLanguage,
    /// The PIN that keeps Settings closed on shared screens.
    Pin,
    Network,
    About,
    /// Diagnostics: each feed's signature check (shows only).
    SignedFeeds,
    /// The random id sent with answers; OK makes a new one.
    BoxId,
}

impl SettingRow {
    pub const ALL: [SettingRow; 11] = [
        SettingRow::Language,
        SettingRow::TextSize,
        SettingRow::Contrast,
        SettingRow::Subtitles,
        SettingRow::AudioDescription,
        SettingRow::SoundLanguage,
        SettingRow::Pin,
        SettingRow::Network,
        SettingRow::About,
        SettingRow::SignedFeeds,
        SettingRow::BoxId,
    ];
}

/// What the viewer chose.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Preferences {
    pub language: Language,
    pub large_text: bool,
    pub high_contrast: bool,
    pub subtitles: bool,
    pub audio_description: bool,
    /// ISO 639 code; None = the stream's own choice.
    pub sound_language: Option<String>,
    /// The Settings PIN's Argon2 hash (see `pin`); None = no PIN.
    pub pin: Option<String>,
}

const KEYS: [&str; 7] = [
    "ui.language",
    "ui.large_text",
    "ui.high_contrast",
    "player.subtitles",
    "player.audio_description",
    "player.sound_language",
    "ui.pin",
];

impl Preferences {
    /// Stored values over `defaults` (the configuration's); unknown values
    /// keep the default.
    pub fn load(defaults: Preferences, get: impl Fn(&str) -> Option<String>) -> Preferences {
        let flag = |key: &str, default: bool| match get(key).as_deref() {
            Some("true") => true,
            Some("false") => false,
            _ => default,
        };
        Preferences {
            language: get(KEYS[0])
                .and_then(|c| Language::from_code(&c))
                .unwrap_or(defaults.language),
            large_text: flag(KEYS[1], defaults.large_text),
            high_contrast: flag(KEYS[2], defaults.high_contrast),
            subtitles: flag(KEYS[3], defaults.subtitles),
            audio_description: flag(KEYS[4], defaults.audio_description),
            sound_language: match get(KEYS[5]) {
                Some(code) if code.is_empty() => None,
                Some(code) if SOUND_LANGUAGES.contains(&code.as_str()) => Some(code),
                _ => defaults.sound_language,
            },
            pin: get(KEYS[6]).filter(|h| h.starts_with("$argon2")),
        }
    }

    /// The key/value pairs to store.
    pub fn to_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (KEYS[0], self.language.code().to_string()),
            (KEYS[1], self.large_text.to_string()),
            (KEYS[2], self.high_contrast.to_string()),
            (KEYS[3], self.subtitles.to_string()),
            (KEYS[4], self.audio_description.to_string()),
            (KEYS[5], self.sound_language.clone().unwrap_or_default()),
            (KEYS[6], self.pin.clone().unwrap_or_default()),
        ]
    }

    /// Steps the value of `row` forward (`step` > 0) or back; returns
    /// whether anything changed (Network and About only show).
    pub fn change(&mut self, row: SettingRow, step: i8) -> bool {
        let cycle = |at: usize, len: usize| {
            (at as isize + if step < 0 { -1 } else { 1 }).rem_euclid(len as isize) as usize
        };
        match row {
            SettingRow::Language => {
                self.language = Language::ALL[cycle(self.language.index(), Language::ALL.len())]
            }
            SettingRow::TextSize => self.large_text = !self.large_text,
            SettingRow::Contrast => self.high_contrast = !self.high_contrast,
            SettingRow::Subtitles => self.subtitles = !self.subtitles,
            SettingRow::AudioDescription => self.audio_description = !self.audio_description,
            SettingRow::SoundLanguage => {
                let at = SOUND_LANGUAGES
                    .iter()
                    .position(|c| Some(*c) == self.sound_language.as_deref())
                    .unwrap_or(0);
                let code = SOUND_LANGUAGES[cycle(at, SOUND_LANGUAGES.len())];
                self.sound_language = (!code.is_empty()).then(|| code.to_string());
            }
            // The PIN is typed and the box id renewed by the controller;
            // Network, About and Signed feeds only show.
            SettingRow::Pin
            | SettingRow::Network
            | SettingRow::About
            | SettingRow::SignedFeeds
            | SettingRow::BoxId => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_preferences_round_trip_over_the_defaults() {
        let mut p = Preferences::default();
        assert!(p.change(SettingRow::Language, 1));
        assert!(p.change(SettingRow::TextSize, 1));
        assert!(p.change(SettingRow::SoundLanguage, -1));
        assert!(!p.change(SettingRow::About, 1));
        assert_eq!(p.language, Language::Spanish);
        assert_eq!(p.sound_language.as_deref(), Some("fr"), "back wraps");
        let stored: std::collections::HashMap<_, _> = p.to_settings().into_iter().collect();
        let loaded = Preferences::load(Preferences::default(), |k| stored.get(k).cloned());
        assert_eq!(loaded, p);
    }

    #[test]
    fn bad_stored_values_keep_the_defaults() {
        let defaults = Preferences {
            subtitles: true,
            ..Default::default()
        };
        let loaded = Preferences::load(defaults.clone(), |k| match k {
            "ui.language" => Some("klingon".into()),
            "player.subtitles" => Some("yes".into()),
            "player.sound_language" => Some("xx".into()),
            _ => None,
        });
        assert_eq!(loaded, defaults);
    }

    #[test]
    fn locale_names_pick_the_language() {
        assert_eq!(Language::from_code("fr_FR.UTF-8"), Some(Language::French));
        assert_eq!(Language::from_code("es-MX"), Some(Language::Spanish));
        assert_eq!(Language::from_code("de_DE"), None);
    }
}
