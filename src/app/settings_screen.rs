//! Menu and Settings screen controllers: fill `MenuAdapter` and
//! `SettingsAdapter`, and apply the viewer's preferences to the look of
//! every screen (Theme variants, the translation) and to the player.

use slint::ComponentHandle;

use super::nav::Nav;
use super::preferences::{Language, Preferences, SettingRow};
use super::ui::{AppWindow, MenuAdapter, SettingsAdapter, Theme};
use crate::player::TrackPreferences;

/// Pushes focus and values into the Menu and Settings screens.
pub(super) fn update(ui: &AppWindow, nav: &Nav, prefs: &Preferences, network: &str) {
    ui.global::<MenuAdapter>().set_focus(nav.menu_focus as i32);
    let s = ui.global::<SettingsAdapter>();
    s.set_focus(nav.settings_focus as i32);
    s.set_language(prefs.language.index() as i32);
    s.set_large_text(prefs.large_text);
    s.set_high_contrast(prefs.high_contrast);
    s.set_subtitles(prefs.subtitles);
    s.set_audio_description(prefs.audio_description);
    s.set_audio_language(prefs.sound_language.clone().unwrap_or_default().into());
    s.set_version(env!("CARGO_PKG_VERSION").into());
    s.set_pin_set(prefs.pin.is_some());
    s.set_network(network.into());
}

/// The Menu's entries as a screen reader names them, in order.
const MENU: [&str; 5] = [
    "Live TV",
    "Programme guide",
    "Channels",
    "Speech archive",
    "Settings",
];

/// What a screen reader says for the Menu's focused entry.
pub(super) fn menu_label(nav: &Nav) -> String {
    MENU.get(nav.menu_focus)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// Settings' network line: the URL, first-picture time and any fallback of
/// the newest zap shown.
pub(super) fn network_line(last: Option<&super::zaps::ZapRecord>) -> String {
    match last {
        Some(r) => format!(
            "{} · {} ms{}",
            r.url,
            r.first_frame_ms,
            if r.fell_back { " · fallback" } else { "" }
        ),
        None => "—".into(),
    }
}

/// The Settings rows that describe the box rather than a preference.
pub(super) struct About {
    /// The network line (interface and the last zap).
    pub network: String,
    /// The signed feeds' state, as Diagnostics lists it.
    pub signed_feeds: String,
    pub box_id: String,
}

/// What a screen reader says for Settings' focused row: its name and value.
pub(super) fn settings_label(nav: &Nav, p: &Preferences, about: &About) -> String {
    let on = |b: bool| if b { "On" } else { "Off" };
    match SettingRow::ALL.get(nav.settings_focus) {
        Some(SettingRow::Language) => format!("Language: {}", p.language.code()),
        Some(SettingRow::TextSize) => format!(
            "Text size: {}",
            if p.large_text { "Large" } else { "Normal" }
        ),
        Some(SettingRow::Contrast) => format!("High contrast: {}", on(p.high_contrast)),
        Some(SettingRow::Subtitles) => format!("Subtitles and captions: {}", on(p.subtitles)),
        Some(SettingRow::AudioDescription) => {
            format!("Audio description: {}", on(p.audio_description))
        }
        Some(SettingRow::SoundLanguage) => format!(
            "Preferred sound language: {}",
            p.sound_language.as_deref().unwrap_or("As broadcast")
        ),
        Some(SettingRow::Pin) => format!(
            "PIN for Settings: {}",
            if p.pin.is_some() { "set" } else { "not set" }
        ),
        Some(SettingRow::Network) => format!("Network: {}", about.network),
        Some(SettingRow::About) => format!("About: Hustings {}", env!("CARGO_PKG_VERSION")),
        Some(SettingRow::SignedFeeds) => format!("Signed feeds: {}", about.signed_feeds),
        Some(SettingRow::BoxId) => format!("Box id: {}", about.box_id),
        None => String::new(),
    }
}

/// Text size, contrast and language, at once on every screen.
pub(super) fn apply_look(ui: &AppWindow, prefs: &Preferences) {
    let theme = ui.global::<Theme>();
    theme.set_large_text(prefs.large_text);
    theme.set_high_contrast(prefs.high_contrast);
    let code = match prefs.language {
        Language::English => "", // the source strings
        other => other.code(),
    };
    if let Err(e) = slint::select_bundled_translation(code) {
        tracing::warn!(
            language = code,
            "the translation could not be selected: {e}"
        );
    }
}

/// The player's track preferences: the viewer's sound language first, then
/// the configuration's list.
pub(super) fn track_preferences(prefs: &Preferences, base: &TrackPreferences) -> TrackPreferences {
    let mut audio_languages: Vec<String> = prefs.sound_language.iter().cloned().collect();
    audio_languages.extend(
        base.audio_languages
            .iter()
            .filter(|l| Some(*l) != prefs.sound_language.as_ref())
            .cloned(),
    );
    TrackPreferences {
        audio_languages,
        subtitle_languages: base.subtitle_languages.clone(),
        subtitles: prefs.subtitles,
        audio_description: prefs.audio_description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_focused_row_is_named_with_its_value() {
        let about = About {
            network: "udp://239.1.1.1:5000 · 600 ms".into(),
            signed_feeds: "3 verified".into(),
            box_id: "b0x".into(),
        };
        let mut nav = Nav::new(vec![]);
        let prefs = Preferences {
            high_contrast: true,
            ..Default::default()
        };
        let label_of = |row: SettingRow, nav: &mut Nav| {
            nav.settings_focus = SettingRow::ALL.iter().position(|r| *r == row).unwrap();
            settings_label(nav, &prefs, &about)
        };
        assert_eq!(
            label_of(SettingRow::Contrast, &mut nav),
            "High contrast: On"
        );
        assert_eq!(
            label_of(SettingRow::Pin, &mut nav),
            "PIN for Settings: not set"
        );
        assert_eq!(
            label_of(SettingRow::Network, &mut nav),
            "Network: udp://239.1.1.1:5000 · 600 ms"
        );
        assert_eq!(label_of(SettingRow::BoxId, &mut nav), "Box id: b0x");
        nav.menu_focus = 3;
        assert_eq!(menu_label(&nav), "Speech archive");
    }

    #[test]
    fn the_sound_language_comes_first_once() {
        let base = TrackPreferences {
            audio_languages: vec!["en".into(), "cy".into()],
            ..Default::default()
        };
        let prefs = Preferences {
            sound_language: Some("cy".into()),
            subtitles: true,
            ..Default::default()
        };
        let t = track_preferences(&prefs, &base);
        assert_eq!(t.audio_languages, ["cy", "en"]);
        assert!(t.subtitles);
    }
}
