//! The app: the layer stack a key goes down (`layers`: each screen and modal
//! layer answers with `effect::Effect`s), the controller that carries the
//! effects out, and the runners (window, KMS, headless). The only place that
//! sees both Slint and the player.
//!
//! - State: `stack` (every layer's state: `nav`, the screen and focus,
//!   changed only through its methods; the screens; the PIN pad; the
//!   keyboard, `osk`; the overlay; a speech's playback), `session` (lineup,
//!   guide window, favourites, reminders, preferences), and each screen's
//!   own struct beside its view and spoken label (`guide_screen`,
//!   `channels_screen`, `archive_screen`, `details`, `settings_screen`,
//!   `live`); `zaps` times every zap; `speech` follows the speech playing.
//! - Data comes from `crate::feeds` (`Loaded`), the player's events and frames.
//!
//! Threads: Slint owns the main thread; feeds load and the player runs on the
//! tokio runtime. Everything reaches the UI thread as a [`UiMsg`] (plain
//! `Send` data); frames travel through a one-slot [`FrameSlot`] so a slow
//! UI drops old pictures instead of queueing them. A zap's first frame
//! carries what made it (its URL and decoder): the app learns that a zap
//! is shown by that one route, not from the player's `FirstFrame` event.

mod archive_playback;
mod archive_screen;
mod channels_screen;
mod controller;
mod details;
mod downloads;
mod effect;
mod first_picture;
mod guide;
mod guide_page;
mod guide_screen;
mod headless;
mod images;
mod interact_worker;
mod kiosk;
pub mod kms;
mod layers;
mod live;
pub mod messages;
pub mod nav;
pub mod osk;
mod overlay;
mod overlay_view;
mod pin;
mod png;
pub mod preferences;
mod reload;
mod screen;
mod screens;
pub mod script;
mod session;
mod settings;
mod settings_screen;
mod speech;
mod stack;
mod trust_view;
mod ui;
mod windowed;
mod wiring;
mod zaps;

pub use crate::feeds::{Loaded, load, load_cached};
pub use controller::App;
pub use headless::{HeadlessSession, TourOptions, TourReport, run_script, run_tour};
pub use settings::{SettingsWrite, save_preferences, spawn_settings_writer};
pub use windowed::{
    Backend, WindowOptions, backend_for, choose_backend, has_window_system, run_interactive,
    run_windowed,
};
pub use wiring::player_options;
pub use zaps::{ZapOutcome, ZapRecord};

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use thiserror::Error;

use crate::player::{PlayerEvent, PlayerInitError, VideoFrame};

/// Why the app could not run.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("the UI could not start: {0}")]
    Ui(String),
    #[error(transparent)]
    Display(#[from] crate::platform::kms_display::DisplayError),
    #[error(transparent)]
    Player(#[from] PlayerInitError),
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    #[error("{path}: {message}")]
    Output { path: PathBuf, message: String },
    #[error("tour step '{step}' failed: {message}")]
    Tour { step: String, message: String },
}

/// Messages to the UI thread.
#[derive(Debug)]
pub enum UiMsg {
    /// Feeds loaded (or failed to).
    Loaded(Loaded),
    Player(PlayerEvent),
    /// A new frame waits in the [`FrameSlot`].
    FrameReady,
    /// A key from a remote (evdev, LIRC, CEC).
    Input(crate::input::Action),
    /// What to stream for an archive request (see `App::resolve`).
    ArchiveResolved {
        request: effect::PlayRequest,
        url: String,
    },
    /// The cache changed in the background (a pinned speech was fetched).
    CacheChanged,
    /// A logo or thumbnail is now in the cache (its URL).
    ImageReady(String),
    /// The interactive items of the feeds in force.
    InteractItems(Vec<crate::interact::Item>),
    /// The box's random id (at start, and after the viewer asked for a new one).
    BoxId(String),
    /// The outbox committed the answer (or could not: why).
    InteractRecorded(Result<(), String>),
    /// A poll's results.
    PollResults {
        item: String,
        results: overlay::Results,
    },
    /// A download for offline viewing ended (the item's title; the error, if any).
    Downloaded {
        title: String,
        result: Result<(), String>,
    },
}

/// The newest decoded frame, waiting for the UI thread.
#[derive(Clone, Default)]
pub struct FrameSlot(Arc<Mutex<Option<VideoFrame>>>);

impl FrameSlot {
    /// Puts a frame in the slot; true when the slot was empty (the UI needs a wake-up).
    /// A zap's first frame replaced unseen hands its origin to the newer
    /// frame of the same zap: the zap ends on the first frame the UI takes.
    pub fn put(&self, frame: VideoFrame) -> bool {
        let Ok(mut slot) = self.0.lock() else {
            return false;
        };
        match slot.replace(frame) {
            None => true,
            Some(old) => {
                if let (Some(new), Some(origin)) = (slot.as_mut(), old.origin)
                    && new.zap == old.zap
                    && new.origin.is_none()
                {
                    new.origin = Some(origin);
                }
                false
            }
        }
    }

    /// Takes the newest frame.
    pub fn take(&self) -> Option<VideoFrame> {
        self.0.lock().ok().and_then(|mut s| s.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::{FrameOrigin, Pixels, ZapId};

    fn frame(zap: ZapId, origin: Option<&str>) -> VideoFrame {
        VideoFrame {
            zap,
            width: 1,
            height: 1,
            pixels: Pixels::Rgba(Arc::new(vec![0; 4])),
            origin: origin.map(|url| FrameOrigin {
                url: url.into(),
                decoder: None,
            }),
        }
    }

    #[test]
    fn a_first_frame_replaced_unseen_hands_its_origin_to_the_newer_frame_of_its_zap() {
        let slot = FrameSlot::default();
        assert!(
            slot.put(frame(1, Some("udp://239.1.1.1:5000"))),
            "empty: wake"
        );
        assert!(!slot.put(frame(1, None)), "full: no second wake-up");
        let got = slot.take().expect("the newest frame");
        assert_eq!(
            got.origin.map(|o| o.url).as_deref(),
            Some("udp://239.1.1.1:5000")
        );
        assert!(slot.take().is_none());

        // A newer zap's frame does not inherit the older zap's origin.
        slot.put(frame(2, Some("a")));
        slot.put(frame(3, None));
        assert!(slot.take().expect("zap 3").origin.is_none());
    }
}
