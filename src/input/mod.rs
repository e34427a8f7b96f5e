//! Remote-control input: every key from every source becomes one [`Action`].
//!
//! Today the source is the keyboard (standing in for the remote); evdev,
//! HDMI-CEC and LIRC map into the same enum later. Navigation logic lives in
//! `app`, never here.

mod keyboard;

pub use keyboard::{KEY_MAP, action_for_key};

use serde::{Deserialize, Serialize};

/// One remote-control intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    Ok,
    Back,
    Home,
    Menu,
    Guide,
    Info,
    ChannelUp,
    ChannelDown,
    Digit(u8),
    Red,
    Green,
    Yellow,
    Blue,
    Play,
    Pause,
    Stop,
    Rewind,
    FastForward,
    Subtitles,
    Audio,
    VolumeUp,
    VolumeDown,
    Mute,
    Power,
}
