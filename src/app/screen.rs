//! Which screen is up: the one name Rust and the .slint side share (as
//! `ScreenId`, converted in `ui`).

/// The screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Live,
    Guide,
    /// The main menu (Menu key): Live TV, guide, archive, settings.
    Menu,
    Settings,
    Archive,
    /// The lineup by group, with search (see `channels_screen`).
    Channels,
    /// One programme in full (Info in the guide; see `details`).
    Details,
}
