//! The screens, registered in one place: each screen's state, the layer
//! that takes its keys, its view and its spoken label. Live TV, the guide's
//! focus, the menu and Settings move with navigation (`Nav`); the guide's
//! page, Channels, the archive and programme details keep state of their own
//! here. A new screen is its file plus one arm in each match below.

use std::path::Path;

use super::archive_screen::ArchiveBrowser;
use super::channels_screen::ChannelBrowser;
use super::details::Details;
use super::effect::Effect;
use super::guide_screen::GuideScreen;
use super::images::Images;
use super::layers::{Ctx, Handled, Layer};
use super::nav::Nav;
use super::screen::Screen;
use super::session::Session;
use super::ui::AppWindow;
use super::zaps::ZapRecord;
use crate::input::Action;
use crate::trust::TrustGate;

/// What the screens read to paint themselves and to say their focus.
pub struct View<'a> {
    pub ui: &'a AppWindow,
    pub session: &'a Session,
    /// Unix seconds, from the app's clock.
    pub now: i64,
    /// The feeds' signature checks (badges, Diagnostics).
    pub trust: Option<&'a TrustGate>,
    /// Where downloads are kept.
    pub cache_dir: Option<&'a Path>,
    /// The box's random id, as the outbox keeps it.
    pub box_id: &'a str,
    /// The newest zap that showed a picture (Settings' network line).
    pub last_zap: Option<&'a ZapRecord>,
}

/// The screens' own state.
#[derive(Default)]
pub struct Screens {
    pub guide: GuideScreen,
    pub channels: ChannelBrowser,
    pub archive: ArchiveBrowser,
    /// The open programme details, if any.
    pub details: Option<Details>,
}

impl Screens {
    /// Whether `screen` takes keys before navigation does.
    pub fn takes_keys(screen: Screen) -> bool {
        matches!(screen, Screen::Archive | Screen::Channels | Screen::Details)
    }

    /// A key for the screen up.
    pub fn handle(&mut self, action: Action, ctx: &Ctx) -> Handled {
        let layer: &mut dyn Layer = match ctx.screen {
            Screen::Archive => &mut self.archive,
            Screen::Channels => &mut self.channels,
            Screen::Details => match self.details.as_mut() {
                Some(d) => d,
                None => return Handled::Consumed(vec![Effect::Show(Screen::Guide)]),
            },
            Screen::Live | Screen::Guide | Screen::Menu | Screen::Settings => {
                return Handled::pass();
            }
        };
        layer.handle(action, ctx)
    }

    /// Paints `screen` (live TV's own parts are drawn with every screen).
    pub fn view(&mut self, screen: Screen, nav: &mut Nav, v: &View, images: &mut Images) {
        let session = v.session;
        match screen {
            Screen::Live => {}
            Screen::Guide => self.guide.view(v.ui, nav, session, v.now),
            Screen::Channels => super::channels_screen::update(
                v.ui,
                &self.channels,
                &session.channels,
                &session.favourites,
                nav.current,
            ),
            Screen::Details => {
                if let Some(d) = &self.details {
                    let name = session
                        .channels
                        .get(d.channel)
                        .map(|c| c.name.as_str())
                        .unwrap_or_default();
                    super::details::update(v.ui, d, name);
                }
            }
            Screen::Archive => {
                self.archive.take_badges(v.trust);
                super::archive_screen::update(
                    v.ui,
                    &self.archive,
                    session.language(),
                    v.cache_dir,
                    &mut |url| images.get(url),
                );
            }
            Screen::Menu | Screen::Settings => {
                let network = super::settings_screen::network_line(v.last_zap);
                super::settings_screen::update(v.ui, nav, &session.preferences, &network);
                super::trust_view::update_settings(v.ui, v.trust, v.box_id);
            }
        }
    }

    /// What a screen reader says for the focus on `screen`; `on_top` is what
    /// is over live TV's picture (an interactive item, a speech's bar).
    pub fn focus_label(
        &self,
        screen: Screen,
        nav: &Nav,
        v: &View,
        on_top: Option<String>,
    ) -> String {
        let session = v.session;
        match screen {
            Screen::Live => super::live::focus_label(nav, session, v.now, on_top),
            Screen::Guide => self.guide.focus_label(nav, session, v.now),
            Screen::Channels => self
                .channels
                .focus_label(&session.channels, &session.favourites),
            Screen::Details => self
                .details
                .as_ref()
                .map(|d| d.focus_label())
                .unwrap_or_default(),
            Screen::Menu => super::settings_screen::menu_label(nav),
            Screen::Settings => super::settings_screen::settings_label(
                nav,
                &session.preferences,
                &super::settings_screen::About {
                    network: super::settings_screen::network_line(v.last_zap),
                    signed_feeds: super::trust_view::diagnostics_label(v.trust),
                    box_id: v.box_id.to_string(),
                },
            ),
            Screen::Archive => self.archive.focus_label(),
        }
    }

    /// Between viewers of a shared screen: searches and open details are
    /// wiped (the keyboard, a layer of the app's, goes with the others).
    pub fn wipe(&mut self) {
        let archive = &mut self.archive;
        archive.search.clear();
        archive.hits.clear();
        archive.focus = 0;
        archive.top = 0;
        self.channels.search.clear();
        self.details = None;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::Instant;

    use super::*;

    fn ctx<'a>(screen: Screen, favourites: &'a HashSet<String>) -> Ctx<'a> {
        Ctx {
            pressed: Instant::now(),
            now: 0,
            screen,
            country: "GB",
            channels: &[],
            favourites,
        }
    }

    #[test]
    fn keys_reach_the_screen_up_and_details_without_a_programme_go_back_to_the_guide() {
        let favourites = HashSet::new();
        let mut screens = Screens::default();
        assert_eq!(
            screens.handle(Action::Ok, &ctx(Screen::Details, &favourites)),
            Handled::Consumed(vec![Effect::Show(Screen::Guide)])
        );
        assert_eq!(
            screens.handle(Action::Ok, &ctx(Screen::Guide, &favourites)),
            Handled::pass(),
            "the guide's keys are navigation's"
        );
        assert_eq!(
            screens.handle(Action::Back, &ctx(Screen::Channels, &favourites)),
            Handled::Consumed(vec![Effect::BackToMenu])
        );
        assert!(Screens::takes_keys(Screen::Archive));
        assert!(!Screens::takes_keys(Screen::Menu));
    }

    #[test]
    fn the_reset_between_viewers_wipes_searches_and_details() {
        let mut screens = Screens::default();
        screens.channels.search = "council".into();
        screens.archive.search = "bus".into();
        screens.wipe();
        assert!(screens.channels.search.is_empty());
        assert!(screens.archive.search.is_empty() && screens.details.is_none());
    }
}
