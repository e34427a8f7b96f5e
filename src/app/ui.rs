//! The Slint code generated from `ui/app.slint`, and the one place a
//! screen's identity crosses to it.
slint::include_modules!();

impl From<super::nav::Screen> for ScreenId {
    fn from(screen: super::nav::Screen) -> ScreenId {
        use super::nav::Screen;
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
