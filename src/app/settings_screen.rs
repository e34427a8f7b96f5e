//! Menu and Settings screen controllers: fill `MenuAdapter` and
//! `SettingsAdapter`, and apply the viewer's preferences to the look of
//! every screen (Theme variants, the translation) and to the player.

use slint::ComponentHandle;

use super::nav::Nav;
use super::preferences::{Language, Preferences};
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
