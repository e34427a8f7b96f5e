//! The layer stack's state: every layer that can take a key, which of them
//! are up, and the order a key goes down them (each layer's part is in
//! `layers`). The controller keeps one [`Layers`] and carries out the
//! effects a key brings back; nothing here talks to the player or the UI.

use std::collections::HashSet;

use super::archive_playback::ArchivePlayback;
use super::effect::{Effect, LayerId, TypingFor};
use super::layers::{Ctx, GlobalKeys, Handled, KioskLock, Layer, ReminderOffer};
use super::nav::Nav;
use super::osk::Keyboard;
use super::overlay::Overlay;
use super::pin::PinEntry;
use super::screen::Screen;
use super::screens::Screens;
use crate::input::Action;
use crate::lineup::Channel;

/// Every layer's state.
pub struct Layers {
    /// Live TV, guide, menu and settings; the screen up; Home from anywhere.
    pub nav: Nav,
    /// The screens' own state (guide page, Channels, archive, details).
    pub screens: Screens,
    /// The PIN pad, while it is up.
    pub pin: Option<PinEntry>,
    /// The on-screen keyboard, while something is typed (see [`Layers::keyboard_up`]).
    pub keyboard: Option<Keyboard>,
    /// A reminder that fired: OK on live TV tunes its channel for a while.
    pub reminder: Option<ReminderOffer>,
    /// Polls, sign-up forms and notices over live TV.
    pub overlay: Overlay,
    /// A speech of the archive playing: its bar and keys.
    pub playback: Option<ArchivePlayback>,
}

impl Layers {
    pub fn new(nav: Nav) -> Layers {
        Layers {
            nav,
            screens: Screens::default(),
            pin: None,
            keyboard: None,
            reminder: None,
            overlay: Overlay::default(),
            playback: None,
        }
    }

    /// Whether the overlay takes keys: over live TV itself (not its
    /// channel list); an open item is on top of a speech too, and closed,
    /// Red is live TV's.
    pub fn overlay_up(&self) -> bool {
        self.nav.screen == Screen::Live
            && !self.nav.list_open
            && (self.playback.is_none() || self.overlay.stage.is_some())
    }

    /// The keyboard, when what it types for is up: the Channels or Archive
    /// screen, or the form open over live TV. Left by Home, it comes back
    /// with its screen.
    pub fn keyboard_up(&self) -> Option<&Keyboard> {
        self.keyboard.as_ref().filter(|k| match k.target {
            TypingFor::ChannelSearch => self.nav.screen == Screen::Channels,
            TypingFor::ArchiveSearch => self.nav.screen == Screen::Archive,
            TypingFor::FormField => self.overlay_up() && self.overlay.form_open(),
        })
    }

    /// The Channels screen opens on the channel playing, with no search
    /// keyboard left from before.
    pub fn open_channels(&mut self, channels: &[Channel], favourites: &HashSet<String>) {
        self.keyboard
            .take_if(|k| k.target == TypingFor::ChannelSearch);
        self.screens
            .channels
            .open(self.nav.current, channels, favourites);
    }

    /// The layers up, top first: the order a key goes down. `locked`: a
    /// shared screen with a PIN, whose channel list the PIN guards.
    pub fn stack(&self, locked: bool) -> Vec<LayerId> {
        let nav = &self.nav;
        // Live TV itself, not its channel list.
        let live = nav.screen == Screen::Live && !nav.list_open;
        let mut stack = Vec::with_capacity(8);
        if self.pin.is_some() {
            stack.push(LayerId::PinPad);
        }
        if self.keyboard_up().is_some() {
            stack.push(LayerId::Keyboard);
        }
        let plain_live = live && nav.digits.is_empty();
        if locked
            && plain_live
            && nav.browse.is_none()
            && self.overlay.stage.is_none()
            && self.playback.is_none()
            && self.reminder.is_none()
        {
            stack.push(LayerId::KioskLock);
        }
        if self.reminder.is_some() && plain_live {
            stack.push(LayerId::ReminderOffer);
        }
        if self.overlay_up() {
            stack.push(LayerId::Overlay);
        }
        if live && self.playback.is_some() {
            stack.push(LayerId::Playback);
        }
        stack.push(LayerId::GlobalKeys);
        if Screens::takes_keys(nav.screen) {
            stack.push(LayerId::Screen);
        }
        stack.push(LayerId::Nav);
        stack
    }

    /// Sends a key down the layers up (see [`Layers::stack`]); what they answered.
    pub fn route(&mut self, action: Action, locked: bool, ctx: &Ctx) -> Vec<Effect> {
        let stack = self.stack(locked);
        let (mut kiosk_lock, mut global_keys) = (KioskLock, GlobalKeys);
        super::layers::route(&stack, |id| {
            let layer: &mut dyn Layer = match id {
                LayerId::PinPad => match self.pin.as_mut() {
                    Some(p) => p,
                    None => return Handled::pass(),
                },
                LayerId::Keyboard => match self.keyboard.as_mut() {
                    Some(k) => k,
                    None => return Handled::pass(),
                },
                LayerId::KioskLock => &mut kiosk_lock,
                LayerId::ReminderOffer => match self.reminder.as_mut() {
                    Some(r) => r,
                    None => return Handled::pass(),
                },
                LayerId::Overlay => &mut self.overlay,
                LayerId::Playback => match self.playback.as_mut() {
                    Some(p) => p,
                    None => return Handled::pass(),
                },
                LayerId::GlobalKeys => &mut global_keys,
                LayerId::Screen => return self.screens.handle(action, ctx),
                LayerId::Nav => &mut self.nav,
            };
            layer.handle(action, ctx)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::app::effect::PinPurpose;
    use crate::app::layers::tests::with_ctx;
    use LayerId as L;

    #[test]
    fn the_stack_on_live_tv_and_what_goes_on_top() {
        let mut l = Layers::new(Nav::new(vec![1, 2, 3]));
        assert_eq!(l.stack(false), [L::Overlay, L::GlobalKeys, L::Nav]);
        assert_eq!(
            l.stack(true),
            [L::KioskLock, L::Overlay, L::GlobalKeys, L::Nav],
            "a shared screen with a PIN: OK asks for it"
        );
        l.reminder = Some(ReminderOffer {
            channel: 1,
            until: Instant::now(),
        });
        assert_eq!(
            l.stack(true),
            [L::ReminderOffer, L::Overlay, L::GlobalKeys, L::Nav]
        );
        l.pin = Some(PinEntry::new(PinPurpose::Unlock));
        assert_eq!(l.stack(false)[0], L::PinPad, "the PIN pad is on top of all");
    }

    #[test]
    fn the_keyboard_is_up_only_over_what_it_types_for() {
        let mut l = Layers::new(Nav::new(vec![1, 2, 3]));
        l.nav.show(Screen::Channels);
        assert_eq!(l.stack(false), [L::GlobalKeys, L::Screen, L::Nav]);
        let fx = with_ctx(Screen::Channels, |ctx| l.route(Action::Yellow, false, ctx));
        assert_eq!(
            fx,
            [Effect::OpenKeyboard(
                TypingFor::ChannelSearch,
                String::new()
            )]
        );
        l.keyboard = Some(Keyboard::new(TypingFor::ChannelSearch, ""));
        assert_eq!(
            l.stack(false),
            [L::Keyboard, L::GlobalKeys, L::Screen, L::Nav]
        );
        let fx = with_ctx(Screen::Channels, |ctx| {
            l.route(Action::Digit(2), false, ctx)
        });
        assert_eq!(fx, [Effect::Typed(TypingFor::ChannelSearch, "a".into())]);

        // Home goes past it; on the menu it is not up, back on Channels it is.
        l.nav.show(Screen::Menu);
        assert!(l.keyboard_up().is_none());
        assert!(!l.stack(false).contains(&L::Keyboard));
        l.nav.show(Screen::Channels);
        assert!(l.keyboard_up().is_some());

        // A form's keyboard needs the form open over live TV.
        l.keyboard = Some(Keyboard::new(TypingFor::FormField, ""));
        l.nav.show(Screen::Live);
        assert!(l.keyboard_up().is_none(), "no form open");
    }
}
