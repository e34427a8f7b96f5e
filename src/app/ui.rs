//! The Slint code generated from `ui/app.slint`, and the one place a
//! screen's identity crosses to it.
slint::include_modules!();

impl From<super::screen::Screen> for ScreenId {
    fn from(screen: super::screen::Screen) -> ScreenId {
        use super::screen::Screen;
        match screen {
            Screen::Live => ScreenId::Live,
            Screen::Guide => ScreenId::Guide,
            Screen::Menu => ScreenId::Menu,
            Screen::Settings => ScreenId::Settings,
            Screen::Archive => ScreenId::Archive,
            Screen::Channels => ScreenId::Channels,
            Screen::Details => ScreenId::Details,
        }
    }
}
