//! The layer stack: who gets a key first.
//!
//! A key goes to the top layer; the layer either consumes it or passes it
//! down, and either way answers with [`Effect`]s, never with calls into other
//! layers (helix-term's compositor, after cursive). The stack, top first:
//!
//! ```text
//! PinPad         the PIN pad, while it is up (Home passes, closing it)
//! Keyboard       the on-screen keyboard, over the search or form typing with it
//! KioskLock      a shared screen: OK on live TV asks for the PIN first
//! ReminderOffer  a reminder fired: OK on live TV tunes its channel
//! Overlay        polls, sign-up forms, notices over live TV (Red opens)
//! Playback       a speech of the archive playing: seeks, chapters, transcript
//! GlobalKeys     volume, mute, pause, tracks, Stop, Power
//! Screen         archive, channels or programme details, when up
//! Nav            live TV, guide, menu, settings, and Home from anywhere
//! ```
//!
//! The controller decides which layers are up ([`LayerId`] in that order)
//! and carries the effects out; each layer is a plain struct tested with
//! keys in and effects out, with no window.

use std::collections::HashSet;
use std::time::Instant;

use super::effect::{Effect, LayerId, PinPurpose};
use super::messages::Message;
use super::screen::Screen;
use crate::input::Action;
use crate::lineup::Channel;

/// What a layer did with a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// The key was this layer's: the layers below do not see it.
    Consumed(Vec<Effect>),
    /// Not this layer's key: it goes on down, after these effects.
    Ignored(Vec<Effect>),
}

impl Handled {
    /// Consumed, with nothing more to do than draw again.
    pub fn done() -> Handled {
        Handled::Consumed(Vec::new())
    }

    /// Passed down, nothing done.
    pub fn pass() -> Handled {
        Handled::Ignored(Vec::new())
    }
}

/// What a layer may read while it handles a key.
pub struct Ctx<'a> {
    /// When the key was pressed (multi-tap letters and type-ahead count from it).
    pub pressed: Instant,
    /// Unix seconds, from the app's clock.
    pub now: i64,
    /// The screen up.
    pub screen: Screen,
    /// The country sign-up phone numbers and postcodes are checked for.
    pub country: &'a str,
    pub channels: &'a [Channel],
    /// Keys of the favourite channels.
    pub favourites: &'a HashSet<String>,
}

/// A screen or a modal layer above one.
pub trait Layer {
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Handled;
}

/// Runs a key down `stack` (top first): the effects of every layer that
/// saw it, in order, up to the one that consumed it.
pub fn route(stack: &[LayerId], mut layer: impl FnMut(LayerId) -> Handled) -> Vec<Effect> {
    let mut effects = Vec::new();
    for &id in stack {
        match layer(id) {
            Handled::Consumed(fx) => {
                effects.extend(fx);
                break;
            }
            Handled::Ignored(fx) => effects.extend(fx),
        }
    }
    effects
}

/// A shared screen with a PIN: OK on live TV would open the channel list,
/// which the PIN guards.
pub struct KioskLock;

impl Layer for KioskLock {
    fn handle(&mut self, action: Action, _: &Ctx) -> Handled {
        match action {
            Action::Ok => Handled::Consumed(vec![
                Effect::AskPin(PinPurpose::ChannelList),
                Effect::Notice(Message::ChannelsLocked),
            ]),
            _ => Handled::pass(),
        }
    }
}

/// A reminded programme has started: OK on live TV tunes its channel, until
/// `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderOffer {
    /// The channel's index in the lineup.
    pub channel: usize,
    pub until: Instant,
}

impl Layer for ReminderOffer {
    fn handle(&mut self, action: Action, _: &Ctx) -> Handled {
        match action {
            Action::Ok => Handled::Consumed(vec![
                Effect::Close(LayerId::ReminderOffer),
                Effect::Watch(self.channel),
            ]),
            _ => Handled::pass(),
        }
    }
}

/// The keys that mean the same on every screen.
pub struct GlobalKeys;

impl Layer for GlobalKeys {
    fn handle(&mut self, action: Action, _: &Ctx) -> Handled {
        let effect = match action {
            Action::VolumeUp => Effect::Volume(1),
            Action::VolumeDown => Effect::Volume(-1),
            Action::Mute => Effect::ToggleMute,
            Action::Pause | Action::Play => Effect::TogglePause,
            Action::Audio => Effect::NextAudioTrack,
            Action::Subtitles => Effect::ToggleSubtitles,
            Action::Stop => Effect::Stop,
            Action::Power => Effect::Quit,
            _ => return Handled::pass(),
        };
        Handled::Consumed(vec![effect])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A context with no channels, live TV up, pressed now.
    pub(crate) fn with_ctx<T>(screen: Screen, f: impl FnOnce(&Ctx) -> T) -> T {
        let favourites = HashSet::new();
        let ctx = Ctx {
            pressed: Instant::now(),
            now: 1_700_000_000,
            screen,
            country: "GB",
            channels: &[],
            favourites: &favourites,
        };
        f(&ctx)
    }

    #[test]
    fn a_consumed_key_stops_and_passed_effects_are_kept_in_order() {
        let fx = route(
            &[LayerId::PinPad, LayerId::Overlay, LayerId::Screen],
            |id| match id {
                LayerId::PinPad => Handled::Ignored(vec![Effect::Close(LayerId::PinPad)]),
                LayerId::Overlay => Handled::Consumed(vec![Effect::RedrawOverlay]),
                _ => panic!("the screen must not see a consumed key"),
            },
        );
        assert_eq!(
            fx,
            vec![Effect::Close(LayerId::PinPad), Effect::RedrawOverlay]
        );
        let all_pass = route(&[LayerId::KioskLock, LayerId::GlobalKeys], |_| {
            Handled::Ignored(vec![Effect::Redraw])
        });
        assert_eq!(all_pass, vec![Effect::Redraw, Effect::Redraw]);
    }

    #[test]
    fn global_keys_mean_the_same_on_every_screen() {
        for screen in [
            Screen::Live,
            Screen::Guide,
            Screen::Archive,
            Screen::Details,
        ] {
            with_ctx(screen, |ctx| {
                let mut g = GlobalKeys;
                let cases = [
                    (Action::VolumeUp, Effect::Volume(1)),
                    (Action::VolumeDown, Effect::Volume(-1)),
                    (Action::Mute, Effect::ToggleMute),
                    (Action::Play, Effect::TogglePause),
                    (Action::Pause, Effect::TogglePause),
                    (Action::Audio, Effect::NextAudioTrack),
                    (Action::Subtitles, Effect::ToggleSubtitles),
                    (Action::Stop, Effect::Stop),
                    (Action::Power, Effect::Quit),
                ];
                for (action, effect) in cases {
                    assert_eq!(g.handle(action, ctx), Handled::Consumed(vec![effect]));
                }
                for action in [Action::Ok, Action::Home, Action::Back, Action::Red] {
                    assert_eq!(g.handle(action, ctx), Handled::pass(), "{action:?}");
                }
            });
        }
    }

    #[test]
    fn the_kiosk_lock_and_a_reminder_take_ok_and_nothing_else() {
        with_ctx(Screen::Live, |ctx| {
            assert_eq!(
                KioskLock.handle(Action::Ok, ctx),
                Handled::Consumed(vec![
                    Effect::AskPin(PinPurpose::ChannelList),
                    Effect::Notice(Message::ChannelsLocked),
                ])
            );
            assert_eq!(KioskLock.handle(Action::ChannelUp, ctx), Handled::pass());
            let mut offer = ReminderOffer {
                channel: 4,
                until: ctx.pressed,
            };
            assert_eq!(
                offer.handle(Action::Ok, ctx),
                Handled::Consumed(vec![
                    Effect::Close(LayerId::ReminderOffer),
                    Effect::Watch(4)
                ])
            );
            assert_eq!(offer.handle(Action::Back, ctx), Handled::pass());
        });
    }
}
