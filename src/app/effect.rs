//! The one thing a layer answers with: what must happen after a key.
//!
//! Layers (`layers`) and the navigation state decide; only the controller's
//! executor carries an [`Effect`] out (the player, the store, the workers,
//! the screens). A layer never calls another layer or the player itself, so
//! every layer is tested with keys in and effects out, with no window.

use super::preferences::SettingRow;
use super::screen::Screen;
use crate::archive::catalogue::ArchiveItem;
use crate::guide::Programme;
use crate::interact::NewSubmission;

/// What the controller must do after an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Tune the channel at this index of the lineup.
    Tune(usize),
    /// Live TV on the channel at this index, from whatever screen.
    Watch(usize),
    /// Show (true, restarting its timeout) or hide the banner.
    Banner(bool),
    /// The digits typed so far ("" clears the entry).
    NumberEntry(String),
    /// A short notice for the viewer.
    Notice(super::messages::Message),
    /// Add the channel at this index to the favourites, or take it off.
    ToggleFavourite(usize),
    /// OK on a guide programme: the controller knows its time and decides
    /// (tune it live, play it from catch-up, or say when it starts).
    OpenProgramme {
        row: usize,
        cell: usize,
    },
    /// Play the current programme from its start (catch-up).
    Restart,
    /// Play this programme of the channel at this index through catch-up.
    PlayCatchup(usize, Programme),
    /// Set a reminder on this programme of the channel at this index, or take it off.
    ToggleReminder(usize, Programme),
    /// Show or hide the stream diagnostics overlay.
    ToggleDiagnostics,
    /// The next audio track (language, audio description).
    NextAudioTrack,
    /// Subtitles or captions on (the preferred track) or off.
    ToggleSubtitles,
    Volume(i8),
    ToggleMute,
    TogglePause,
    Stop,
    Quit,
    /// Step the value of a Settings row (forward when positive).
    ChangeSetting(SettingRow, i8),
    /// Settings was chosen in the menu: the controller opens it, asking for
    /// the PIN first when one is set.
    OpenSettings,
    /// The Channels screen opened (the controller puts its focus on the channel playing).
    OpenChannels,
    /// Info on a guide programme: open its details.
    OpenDetails,
    /// The Archive screen opened.
    OpenArchive,
    /// Go to this screen.
    Show(Screen),
    /// Back to the main menu, its focus on the screen left.
    BackToMenu,
    /// Put the PIN pad up, for this.
    AskPin(PinPurpose),
    /// This PIN was typed for this purpose (checked by the executor).
    PinEntered(PinPurpose, String),
    /// Take this modal layer down.
    Close(LayerId),
    /// Put the on-screen keyboard up, typing for this, from this text.
    OpenKeyboard(TypingFor, String),
    /// The keyboard's text, for what it types for.
    Typed(TypingFor, String),
    /// The interactive overlay changed: draw it again.
    RedrawOverlay,
    /// Record this answer or sign-up in the outbox.
    Record(NewSubmission),
    /// Seek the speech playing to this second.
    Seek(f64),
    /// Back from a speech: stop it and return to the archive.
    LeavePlayback,
    /// Play a speech of the archive.
    PlayArchive(PlayRequest),
    /// Keep this archive item for offline viewing.
    Download(ArchiveItem),
    /// Screen or focus changed: refresh the UI.
    Redraw,
}

/// The layers, in stack order (top first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerId {
    PinPad,
    /// The on-screen keyboard, over the screen or form that opened it.
    Keyboard,
    KioskLock,
    ReminderOffer,
    Overlay,
    Playback,
    GlobalKeys,
    /// Archive, Channels or programme details (they keep their own state).
    Screen,
    /// Navigation: live TV, guide, menu and settings, Home from any screen.
    Nav,
}

/// What the keyboard types for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypingFor {
    /// The Channels screen's search.
    ChannelSearch,
    /// The Archive screen's search.
    ArchiveSearch,
    /// The focused field of the sign-up form open over live TV.
    FormField,
}

/// Why the PIN is being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinPurpose {
    /// To open Settings.
    Unlock,
    /// Kiosk mode: to open the Channels screen.
    Channels,
    /// Kiosk mode: to open live TV's channel list.
    ChannelList,
    /// A new PIN (an empty entry confirmed with OK takes the PIN off).
    Set,
}

/// A speech to play, and from where (OK on the Archive screen).
#[derive(Debug, Clone, PartialEq)]
pub struct PlayRequest {
    pub item: ArchiveItem,
    /// Seconds to start at (a transcript hit or the resume point).
    pub at: f64,
}
