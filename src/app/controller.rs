//! The app controller: carries out navigation effects, applies player events
//! and frames to the screens, and measures every zap.

use std::time::{Duration, Instant};

use slint::ComponentHandle;

use super::effect::{Effect, LayerId, PinPurpose, TypingFor};
use super::layers::{Ctx, ReminderOffer};
use super::messages::Message;
use super::nav::Nav;
use super::osk::Keyboard;
use super::pin::PinEntry;
use super::reload::Reload;
use super::screen::Screen;
use super::screens::View;
use super::session::{Reminder, Session};
use super::speech::Speech;
use super::stack::Layers;
use super::ui::{AppAdapter, AppWindow, LiveAdapter};
use super::zaps::{Ended, ZapOutcome, ZapRecord, Zaps};
use super::{FrameSlot, Loaded, UiMsg, guide, live};
use crate::input::Action;
use crate::lineup::Channel;
use crate::platform::memory::{self, GiveBack};
use crate::player::{PlayerCommand, PlayerEvent, PlayerHandle, ZapId};

/// How long a typed channel number waits for more digits.
const DIGIT_TIME: Duration = Duration::from_millis(1800);
/// How long a notice stays.
const NOTICE_TIME: Duration = Duration::from_secs(6);
/// A reminder fires this long before its programme starts (seconds).
const REMIND_BEFORE: i64 = 60;
/// How long OK on Live answers a fired reminder.
const REMINDER_OFFER: Duration = Duration::from_secs(60);
/// From a zap's end to giving the memory it freed back: the old pipeline's
/// last buffers are released as the new channel's first second plays.
const ZAP_DRAIN: Duration = Duration::from_secs(1);

/// What the screens read to paint and speak ([`View`]). A macro, so that it
/// borrows the app's fields one by one: the screens, navigation and the
/// images can change while it is held.
macro_rules! view_of {
    ($app:expr, $now:expr) => {
        View {
            ui: &$app.ui,
            session: &$app.session,
            now: $now,
            trust: $app.trust.as_ref(),
            cache_dir: $app.cache.as_ref().map(|(dir, _)| dir.as_path()),
            box_id: &$app.box_id,
            last_zap: $app.zaps.last_shown(),
        }
    };
}

/// The app on the UI thread.
pub struct App {
    ui: AppWindow,
    /// Every layer that takes keys: navigation, the screens, the PIN pad,
    /// the keyboard, a reminder's offer, the overlay, a speech's playback.
    layers: Layers,
    /// The lineup, guide, favourites, reminders and preferences.
    session: Session,
    player: PlayerHandle,
    frames: FrameSlot,
    /// On a box's display: frames go to the video plane, not into the UI.
    video_plane: Option<std::rc::Rc<super::kms::KmsHooks>>,
    settings: Option<tokio::sync::mpsc::UnboundedSender<super::settings::SettingsWrite>>,
    /// Keep the neighbours' multicast groups joined for instant zaps.
    pub(super) prejoin_neighbours: bool,
    /// How long the banner stays (`[display] banner_seconds`); None: until Info or Back.
    pub(super) banner_time: Option<Duration>,
    /// The configuration's track languages, under the viewer's choice.
    pub(super) track_base: crate::player::TrackPreferences,
    /// The current stream's audio and subtitle tracks.
    tracks: crate::player::Tracks,
    /// Starts a download for offline viewing (on the runtime).
    pub(super) download: Option<Box<dyn Fn(crate::archive::catalogue::ArchiveItem)>>,
    /// Finds the variants to stream for an item (on the runtime); the answer
    /// comes back as [`UiMsg::ArchiveResolved`]. None: play the item's URL.
    pub(super) resolve: Option<Box<dyn Fn(super::effect::PlayRequest)>>,
    /// The download cache and its loopback URL.
    cache: Option<(std::path::PathBuf, Option<String>)>,
    /// The speech of the archive playing: its zap, resume point, position
    /// reports and seeks (its bar is the playback layer's).
    speech: Option<Speech>,
    /// Back left a speech: live TV starts again when the viewer returns to it.
    live_stopped: bool,
    /// Channel logos and archive thumbnails.
    pub(super) images: super::images::Images,
    /// Every interactive item of the feeds in force.
    interact_items: Vec<crate::interact::Item>,
    /// The interactive worker (outbox, feeds); None: interaction is off.
    pub(super) interact:
        Option<tokio::sync::mpsc::UnboundedSender<super::interact_worker::InteractCmd>>,
    /// The country sign-up phone numbers and postcodes are checked for.
    pub(super) country: String,
    /// The feeds' signature checks (badges, Diagnostics, refusal notices);
    /// None in screen tests without feeds.
    pub(super) trust: Option<crate::trust::TrustGate>,
    /// The box's random id, as the outbox keeps it ("" until it says).
    box_id: String,
    /// Kiosk mode (shared screens); None when off.
    pub(super) kiosk: Option<super::kiosk::Kiosk>,
    /// Where "now" is for the guide, reminders, catch-up, polls and the
    /// clock on screen (the system's, unless the runner fixed it).
    clock: crate::config::Clock,
    /// A buffering percentage is on screen (cleared by the first picture).
    buffering_shown: bool,
    /// The zap playing a programme through catch-up, if any.
    catchup_zap: Option<crate::player::ZapId>,
    reload: Box<dyn Fn()>,
    /// Every zap's timing and the newest outcomes.
    zaps: Zaps,
    banner_until: Option<Instant>,
    digits_until: Option<Instant>,
    notice_until: Option<Instant>,
    /// When the key being handled was pressed (see `handle_action_at`).
    key_at: Instant,
    /// When the feeds load again (their schedule, or a failure's back-off).
    next_load: Reload,
    refreshed_minute: i64,
    /// Network loads applied (see [`App::feed_loads`]).
    feed_loads: u64,
    /// When to give freed memory back (after a zap or a feed load).
    give_back: GiveBack,
    volume: f64,
    muted: bool,
    paused: bool,
    quit: bool,
}

impl App {
    /// Creates the controller and asks for the feeds (`reload` starts a load
    /// whose result arrives as [`UiMsg::Loaded`]).
    pub fn new(
        ui: AppWindow,
        player: PlayerHandle,
        frames: FrameSlot,
        settings: Option<tokio::sync::mpsc::UnboundedSender<super::settings::SettingsWrite>>,
        reload: Box<dyn Fn()>,
        clock: crate::config::Clock,
    ) -> App {
        let app = App {
            ui,
            layers: Layers::new(Nav::new(vec![])),
            session: Session::default(),
            player,
            frames,
            video_plane: None,
            settings,
            prejoin_neighbours: false,
            banner_time: Some(Duration::from_secs(5)),
            track_base: Default::default(),
            tracks: Default::default(),
            catchup_zap: None,
            buffering_shown: false,
            speech: None,
            live_stopped: false,
            images: Default::default(),
            interact_items: Vec::new(),
            interact: None,
            trust: None,
            box_id: String::new(),
            country: "GB".into(),
            kiosk: None,
            clock,
            cache: None,
            download: None,
            resolve: None,
            reload,
            zaps: Zaps::default(),
            banner_until: None,
            digits_until: None,
            notice_until: None,
            key_at: Instant::now(),
            next_load: Reload::default(),
            refreshed_minute: 0,
            feed_loads: 0,
            give_back: GiveBack::default(),
            volume: 1.0,
            muted: false,
            paused: false,
            quit: false,
        };
        live::clear_preview(&app.ui, &app.clock);
        guide::clear_preview(&app.ui);
        app.set_status(&Message::Loading, false);
        (app.reload)();
        app
    }

    /// The window.
    pub fn window(&self) -> &AppWindow {
        &self.ui
    }

    /// The current screen.
    pub fn screen(&self) -> Screen {
        self.layers.nav.screen
    }

    /// The channels loaded.
    pub fn channels(&self) -> &[Channel] {
        &self.session.channels
    }

    /// How the newest zaps ended (at most the last 64), oldest first.
    pub fn outcomes(&self) -> impl DoubleEndedIterator<Item = &ZapOutcome> {
        self.zaps.outcomes()
    }

    /// A zap ended (shown or failed).
    fn zap_ended(&mut self, ended: Ended) {
        // The channel left has gone, buffers and all, once the new one has drained in.
        self.give_back.freed(Instant::now(), ZAP_DRAIN);
        if ended.first
            && let Some(until) = self.notice_until
        {
            // A notice raised while the box started (a feed refused by its
            // signature check) has been over an empty screen: it stays its
            // full time from the first zap's end, however slow the start.
            self.notice_until = Some(until.max(Instant::now() + NOTICE_TIME));
        }
    }

    /// The zap in progress or last started.
    pub fn current_zap(&self) -> Option<ZapId> {
        self.zaps.last()
    }

    /// Whether the viewer asked to quit (Power).
    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    /// Asks for the feeds again now (lineup, guide, archive), as the
    /// refresh timer does; the result arrives as [`UiMsg::Loaded`].
    pub fn reload_feeds(&mut self) {
        (self.reload)();
    }

    /// Network loads of the feeds applied so far (a failed one counts).
    pub fn feed_loads(&self) -> u64 {
        self.feed_loads
    }

    /// Times freed memory was given back to the system (after zaps and
    /// feed loads: `platform::memory`).
    pub fn memory_releases(&self) -> u64 {
        self.give_back.releases()
    }

    /// Where the poll or form overlay is: "closed", "prompt", "poll",
    /// "confirm", "form", "consent", "saving", "saved", "failed" or "notice".
    pub fn overlay_state(&self) -> &'static str {
        use super::overlay::Stage;
        match &self.layers.overlay.stage {
            None if self.layers.overlay.prompting(Instant::now()) => "prompt",
            None => "closed",
            Some(Stage::Poll { .. }) => "poll",
            Some(Stage::Confirm { .. }) => "confirm",
            Some(Stage::Form { .. }) => "form",
            Some(Stage::Consent) => "consent",
            Some(Stage::Saving) => "saving",
            Some(Stage::Saved { .. }) => "saved",
            Some(Stage::Failed(_)) => "failed",
            Some(Stage::Notice) => "notice",
        }
    }

    /// The interactive items of the feeds in force (all channels).
    pub fn interact_item_count(&self) -> usize {
        self.interact_items.len()
    }

    /// A speech of the archive is playing (its playback bar is in force).
    pub fn playing_archive(&self) -> bool {
        self.layers.playback.is_some()
    }

    /// A seek in the speech was sent and its picture has not come yet.
    pub fn seeking(&self) -> bool {
        self.speech.as_ref().is_some_and(Speech::seeking)
    }

    /// The archive items listed (catalogue, on-demand entries, catch-up).
    pub fn archive_item_count(&self) -> usize {
        self.layers.screens.archive.items.len()
    }

    /// One remote-control action, pressed now.
    pub fn handle_action(&mut self, action: Action) {
        self.handle_action_at(action, Instant::now());
    }

    /// One remote-control action pressed at `pressed`: keys typed on the
    /// number pad (multi-tap letters, type-ahead) are told apart by the time
    /// between presses, not by when a busy UI thread got round to them.
    pub fn handle_action_at(&mut self, action: Action, pressed: Instant) {
        tracing::debug!(?action, "action");
        self.key_at = pressed;
        if let Some(k) = self.kiosk.as_mut() {
            k.input(Instant::now());
        }
        let effects = self.route(action);
        self.apply(effects);
    }

    /// Sends a key down the layers up; what they answered.
    fn route(&mut self, action: Action) -> Vec<Effect> {
        let ctx = Ctx {
            pressed: self.key_at,
            now: self.clock.now(),
            screen: self.layers.nav.screen,
            country: &self.country,
            channels: &self.session.channels,
            favourites: &self.session.favourites,
        };
        let locked = self.kiosk.is_some() && self.session.preferences.pin.is_some();
        self.layers.route(action, locked, &ctx)
    }

    /// Kiosk mode's reset between viewers: any open form (and what was typed
    /// in it), the zap history, search text and open screens are wiped, and
    /// the screen returns to its scheduled channel.
    fn privacy_reset(&mut self) {
        tracing::info!("kiosk: privacy reset between viewers");
        self.layers.overlay.wipe();
        self.layers.screens.wipe();
        self.layers.pin = None;
        self.layers.nav.reset();
        self.layers.reminder = None;
        if self.layers.playback.take().is_some() {
            self.speech = None;
        }
        self.layers.keyboard = None;
        let start = self
            .kiosk
            .as_ref()
            .and_then(|k| k.channel_at(self.clock.local().time(), &self.session.channels));
        if let Some(index) = start.or(self.layers.nav.current) {
            // The zap just made is not history a next viewer can go back to.
            let fx = self.layers.nav.tune_unrecorded(index);
            self.apply(fx);
        }
        self.notice(Message::ReadyForNextViewer);
        self.refresh();
    }

    /// The interactive items for the channel on screen (an open one stays
    /// open if it applies there too).
    fn overlay_items(&mut self) {
        let now = self.clock.now();
        let items = self.items_for_screen(now);
        self.layers.overlay.set_items(items, Instant::now());
        self.layers.overlay.note_on_screen(Instant::now(), now);
        super::overlay_view::update(&self.ui, &self.layers.overlay, Instant::now());
        self.view_keyboard();
    }

    /// The interactive items in force on the channel on screen at `now`
    /// (Unix seconds); the one on screen is held there its 4 s.
    fn items_for_screen(&self, now: i64) -> Vec<crate::interact::Item> {
        let channel = self
            .layers
            .nav
            .current
            .and_then(|i| self.session.channels.get(i))
            .map(|c| c.key.0.as_str());
        crate::interact::items_in_force_holding(
            &self.interact_items,
            channel,
            None,
            now,
            self.layers.overlay.on_screen(),
        )
        .into_iter()
        .cloned()
        .collect()
    }

    /// The clock opened or closed an item's window (or ended a short
    /// item's 4 s): the prompt follows. An open item is the viewer's and
    /// stays until Back, a zap or a refresh, as before.
    fn overlay_clock(&mut self) {
        if self.layers.overlay.stage.is_some() {
            return;
        }
        let now = self.clock.now();
        let ids = |items: &[crate::interact::Item]| -> Vec<String> {
            items.iter().map(|i| i.id.clone()).collect()
        };
        if ids(&self.items_for_screen(now)) != ids(&self.layers.overlay.items) {
            self.overlay_items();
        } else {
            self.layers.overlay.note_on_screen(Instant::now(), now);
        }
    }

    /// The banner (or the speech's information) for a while.
    fn show_info(&mut self) {
        self.layers.nav.show_banner();
        self.banner_until = self.banner_time.map(|t| Instant::now() + t);
        self.refresh_playback();
    }

    /// Puts the speech playing on screen, its position counted on from the
    /// player's last report.
    fn refresh_playback(&mut self) {
        if let (Some(p), Some(s)) = (self.layers.playback.as_mut(), self.speech.as_mut())
            && let Some(at) = s.position_at
            && !self.paused
        {
            p.position += at.elapsed().as_secs_f64();
            s.position_at = Some(Instant::now());
        }
        super::archive_playback::update(
            &self.ui,
            self.layers.playback.as_ref(),
            self.layers.nav.banner,
        );
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Tune(i) => self.tune(i),
                Effect::Banner(show) => {
                    self.banner_until = self
                        .banner_time
                        .filter(|_| show)
                        .map(|t| Instant::now() + t);
                    self.ui.global::<LiveAdapter>().set_banner_visible(show);
                    self.refresh_playback();
                }
                Effect::NumberEntry(digits) => {
                    self.digits_until = (!digits.is_empty()).then(|| Instant::now() + DIGIT_TIME);
                    self.ui
                        .global::<LiveAdapter>()
                        .set_number_entry(digits.into());
                }
                Effect::Notice(message) => self.notice(message),
                Effect::Volume(step) => {
                    self.volume = (self.volume + f64::from(step) * 0.1).clamp(0.0, 1.0);
                    self.player.send(PlayerCommand::SetVolume(self.volume));
                    self.notice(Message::Volume((self.volume * 100.0).round() as u32));
                }
                Effect::ToggleMute => {
                    self.muted = !self.muted;
                    self.player.send(PlayerCommand::SetMute(self.muted));
                    self.notice(if self.muted {
                        Message::SoundOff
                    } else {
                        Message::SoundOn
                    });
                }
                Effect::TogglePause => {
                    // Play after Stop: the player's frames are wanted again.
                    self.zaps.resume();
                    self.paused = !self.paused;
                    self.player.send(if self.paused {
                        PlayerCommand::Pause
                    } else {
                        PlayerCommand::Resume
                    });
                }
                Effect::Stop => {
                    self.player.send(PlayerCommand::Stop);
                    self.ui.global::<LiveAdapter>().set_has_picture(false);
                    // Frames already on their way must not bring the picture back.
                    self.zaps.stop();
                    if let Some(plane) = &self.video_plane {
                        plane.video.borrow_mut().take();
                    }
                }
                Effect::Quit => self.quit = true,
                Effect::ToggleFavourite(i) => self.toggle_favourite(i),
                Effect::OpenProgramme { row, cell } => self.open_programme(row, cell),
                Effect::Restart => self.restart_programme(),
                Effect::NextAudioTrack => self.next_audio_track(),
                Effect::ToggleSubtitles => self.toggle_subtitles(),
                Effect::ToggleDiagnostics => {
                    let a = self.ui.global::<LiveAdapter>();
                    a.set_diagnostics_visible(!a.get_diagnostics_visible());
                }
                Effect::ChangeSetting(super::preferences::SettingRow::Pin, _) => {
                    self.layers.pin = Some(PinEntry::new(PinPurpose::Set));
                }
                Effect::ChangeSetting(super::preferences::SettingRow::BoxId, step) => {
                    // Right or OK: a new random id, kept by the outbox.
                    if step > 0
                        && let Some(worker) = &self.interact
                    {
                        let _ = worker.send(super::interact_worker::InteractCmd::NewBoxId);
                    }
                }
                Effect::ChangeSetting(row, step) => self.change_setting(row, step),
                Effect::OpenSettings => match self.session.preferences.pin {
                    Some(_) => self.layers.pin = Some(PinEntry::new(PinPurpose::Unlock)),
                    None => self.layers.nav.open_settings(),
                },
                Effect::OpenChannels
                    if self.kiosk.is_some() && self.session.preferences.pin.is_some() =>
                {
                    self.layers.nav.show(Screen::Menu);
                    self.layers.pin = Some(PinEntry::new(PinPurpose::Channels));
                    self.notice(Message::ChannelsLocked);
                }
                Effect::OpenChannels => self
                    .layers
                    .open_channels(&self.session.channels, &self.session.favourites),
                Effect::OpenDetails => self.open_details(),
                Effect::OpenArchive => {
                    self.layers.screens.archive.focus = 0;
                    self.layers.screens.archive.top = 0;
                    let no_catalogue = !self
                        .layers
                        .screens
                        .archive
                        .items
                        .iter()
                        .any(|i| i.origin == crate::archive::catalogue::Origin::Catalogue);
                    if no_catalogue {
                        // Nothing yet (a first start, or the feed was not ready): ask again.
                        (self.reload)();
                    }
                }
                Effect::Watch(index) => {
                    let fx = self.layers.nav.watch(index);
                    self.apply(fx);
                }
                Effect::Show(screen) => self.layers.nav.show(screen),
                Effect::BackToMenu => {
                    self.layers.nav.back_to_menu();
                }
                Effect::AskPin(purpose) => self.layers.pin = Some(PinEntry::new(purpose)),
                Effect::PinEntered(purpose, pin) => self.pin_entered(purpose, &pin),
                Effect::Close(LayerId::PinPad) => self.layers.pin = None,
                Effect::Close(LayerId::Keyboard) => self.layers.keyboard = None,
                Effect::OpenKeyboard(target, text) => {
                    self.layers.keyboard = Some(Keyboard::new(target, &text));
                }
                Effect::Typed(target, text) => match target {
                    TypingFor::ChannelSearch => self.layers.screens.channels.set_search(text),
                    TypingFor::ArchiveSearch => self.layers.screens.archive.set_search(text),
                    TypingFor::FormField => {
                        self.layers.overlay.type_field(text);
                        super::overlay_view::update(&self.ui, &self.layers.overlay, Instant::now());
                    }
                },
                Effect::Close(LayerId::ReminderOffer) => self.layers.reminder = None,
                // The others are up while their state says so (the overlay's
                // stage, a speech playing, the screen) or always.
                Effect::Close(
                    LayerId::KioskLock
                    | LayerId::Overlay
                    | LayerId::Playback
                    | LayerId::GlobalKeys
                    | LayerId::Screen
                    | LayerId::Nav,
                ) => {}
                Effect::RedrawOverlay => {
                    super::overlay_view::update(&self.ui, &self.layers.overlay, Instant::now())
                }
                Effect::Record(submission) => {
                    let results = self.layers.overlay.item().and_then(|i| i.results.clone());
                    match &self.interact {
                        Some(tx) => {
                            let _ = tx.send(super::interact_worker::InteractCmd::Record(
                                submission, results,
                            ));
                        }
                        None => self
                            .layers
                            .overlay
                            .recorded(Err("interaction is off".into())),
                    }
                    super::overlay_view::update(&self.ui, &self.layers.overlay, Instant::now());
                }
                Effect::Seek(to) => {
                    self.player
                        .send(PlayerCommand::Seek(Duration::from_secs_f64(to)));
                    if let Some(s) = self.speech.as_mut() {
                        s.seek(Instant::now());
                    }
                    self.show_info();
                }
                Effect::LeavePlayback => {
                    self.layers.playback = None;
                    self.speech = None;
                    self.player.send(PlayerCommand::Stop);
                    self.ui.global::<LiveAdapter>().set_has_picture(false);
                    self.live_stopped = true;
                    self.layers.nav.show(Screen::Archive);
                }
                Effect::PlayArchive(request) => self.play_archive(request),
                Effect::Download(item) => self.download(item),
                Effect::PlayCatchup(index, programme) => {
                    let now = self.clock.now();
                    self.play_catchup(index, &programme, now);
                }
                Effect::ToggleReminder(index, programme) => {
                    self.toggle_reminder(index, &programme);
                    let on = self
                        .session
                        .channels
                        .get(index)
                        .is_some_and(|c| self.session.reminded(&c.key.0, programme.start));
                    if let Some(d) = self.layers.screens.details.as_mut() {
                        d.reminded(on);
                    }
                }
                Effect::Redraw => {}
            }
        }
        self.refresh();
    }

    /// A PIN was typed: checked against the stored one (or, when setting
    /// it, stored), and what it was asked for done.
    fn pin_entered(&mut self, purpose: PinPurpose, pin: &str) {
        match purpose {
            PinPurpose::Unlock | PinPurpose::Channels | PinPurpose::ChannelList => {
                let stored = self.session.preferences.pin.as_deref().unwrap_or_default();
                if !super::pin::verify(pin, stored) {
                    tracing::warn!(?purpose, "a wrong PIN was entered");
                    self.notice(Message::WrongPin);
                } else if purpose == PinPurpose::Unlock {
                    self.layers.nav.open_settings();
                } else if purpose == PinPurpose::Channels {
                    self.layers.nav.show(Screen::Channels);
                    self.layers
                        .open_channels(&self.session.channels, &self.session.favourites);
                } else {
                    self.layers.nav.open_list();
                }
            }
            PinPurpose::Set => {
                self.session.preferences.pin = if pin.is_empty() {
                    self.notice(Message::PinRemoved);
                    None
                } else {
                    self.notice(Message::PinSet);
                    super::pin::hash(pin)
                };
                self.save_preferences();
            }
        }
    }

    fn save_preferences(&self) {
        if let Some(tx) = &self.settings {
            super::settings::save_preferences(tx, &self.session.preferences);
        }
    }

    /// Green on an archive item: keep it for offline viewing (HLS only).
    fn download(&mut self, item: crate::archive::catalogue::ArchiveItem) {
        if !item.downloadable() {
            self.notice(Message::DownloadFailed {
                title: item.title.clone(),
                error: "only HLS items can be kept for offline viewing".into(),
            });
            return;
        }
        self.notice(Message::DownloadStarted {
            title: item.title.clone(),
        });
        if let Some(start) = &self.download {
            start(item);
        }
    }

    /// Where downloads are, and the loopback URL they are served at.
    pub fn set_cache(&mut self, dir: std::path::PathBuf, url: Option<String>) {
        self.cache = Some((dir, url));
    }

    /// Plays a speech of the archive, from `request.at` seconds: from the
    /// cache when it is downloaded (no network needed), else from its server.
    fn play_archive(&mut self, request: super::effect::PlayRequest) {
        use crate::archive::catalogue::Origin;
        if let Origin::CatchUp {
            channel,
            start,
            stop,
        } = &request.item.origin
        {
            // A past programme: the channel's catch-up service plays it.
            let Some(index) = self
                .session
                .channels
                .iter()
                .position(|c| &c.key.0 == channel)
            else {
                self.notice(Message::Text(request.item.title.clone()));
                return;
            };
            let programme = crate::guide::Programme {
                channel: channel.clone(),
                start: *start,
                stop: Some(*stop),
                title: request.item.title.clone(),
                ..Default::default()
            };
            self.layers.nav.watching(index);
            self.play_catchup(index, &programme, self.clock.now());
            self.refresh();
            return;
        }
        let url = match &self.cache {
            Some((dir, Some(base)))
                if crate::archive::download::verify(dir, &request.item.id).unwrap_or(false) =>
            {
                tracing::info!(id = %request.item.id, "playing from the cache");
                format!("{base}/archive/{}/index.m3u8", request.item.id)
            }
            _ if self.resolve.is_some() => {
                self.notice(Message::Text(request.item.title.clone()));
                if let Some(resolve) = &self.resolve {
                    resolve(request);
                }
                return;
            }
            _ => request.item.hls.clone(),
        };
        self.start_archive(request, url);
    }

    /// Plays `url` for an archive request (the cache, a chosen variant set,
    /// or the item's own playlist).
    fn start_archive(&mut self, request: super::effect::PlayRequest, url: String) {
        let item = request.item;
        tracing::info!(id = %item.id, at = request.at, "archive");
        self.layers.nav.play_speech();
        let zap = self
            .player
            .tune(format!("archive {}", item.title), vec![url]);
        self.speech = Some(Speech::new(zap, item.id.clone(), request.at));
        let cues = self
            .layers
            .screens
            .archive
            .db
            .as_ref()
            .and_then(|db| crate::store::Store::open_reader(db).ok())
            .and_then(|s| s.archive_cues(&item.id).ok())
            .unwrap_or_default();
        self.layers.playback = Some(super::archive_playback::ArchivePlayback::new(
            item.clone(),
            cues,
            request.at,
            self.session.preferences.subtitles,
        ));
        self.live_stopped = false;
        self.zaps.start(zap, item.title.clone(), 0, Instant::now());
        self.paused = false;
        self.ui.global::<LiveAdapter>().set_banner_visible(false);
        self.notice(Message::Text(item.title.clone()));
        self.show_info();
        self.refresh();
    }

    /// Keeps the resume point of the archive item playing (at most once a second).
    fn save_archive_position(&mut self, zap: ZapId, position: Option<Duration>) {
        let (Some(speech), Some(p)) = (self.speech.as_mut(), position) else {
            return;
        };
        let at = p.as_secs_f64();
        if !speech.save_due(zap, at) {
            return;
        }
        if let Some(tx) = &self.settings {
            let _ = tx.send(super::settings::SettingsWrite::ArchivePosition(
                speech.id.clone(),
                at,
            ));
        }
    }

    /// Info on a guide programme: its details screen.
    fn open_details(&mut self) {
        let now = self.clock.now();
        let Some(p) = self.layers.screens.guide.focused_in_full(&self.layers.nav) else {
            return;
        };
        let Some(ch) = self.session.channels.get(self.layers.nav.guide_row) else {
            return;
        };
        let catchup = ch.catchup.is_enabled() && crate::guide::has_catchup(ch, &p, now);
        let reminded = self.session.reminded(&ch.key.0, p.start);
        self.layers.screens.details = Some(super::details::Details::new(
            self.layers.nav.guide_row,
            p,
            now,
            catchup,
            reminded,
        ));
        self.layers.nav.show(Screen::Details);
    }

    /// Sets a reminder on a future programme of channel `index`, or takes it off.
    fn toggle_reminder(&mut self, index: usize, p: &crate::guide::Programme) {
        let Some(key) = self.session.channels.get(index).map(|c| c.key.0.clone()) else {
            return;
        };
        let at = chrono::DateTime::from_timestamp(p.start, 0)
            .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
            .unwrap_or_default();
        let before = self.session.reminders.len();
        self.session
            .reminders
            .retain(|r| !(r.channel == key && r.start == p.start));
        if self.session.reminders.len() == before {
            self.session.reminders.push(Reminder {
                channel: key,
                start: p.start,
                title: p.title.clone(),
            });
            self.notice(Message::ReminderSet {
                title: p.title.clone(),
                at,
            });
        } else {
            self.notice(Message::ReminderOff {
                title: p.title.clone(),
            });
        }
    }

    /// Takes the viewer's preferences (stored, or just loaded) and applies them.
    pub fn set_preferences(&mut self, prefs: super::preferences::Preferences) {
        self.session.preferences = prefs;
        super::settings_screen::apply_look(&self.ui, &self.session.preferences);
    }

    fn change_setting(&mut self, row: super::preferences::SettingRow, step: i8) {
        use super::preferences::SettingRow;
        if !self.session.preferences.change(row, step) {
            return;
        }
        super::settings_screen::apply_look(&self.ui, &self.session.preferences);
        self.layers.screens.guide.redraw();
        if matches!(
            row,
            SettingRow::Subtitles | SettingRow::AudioDescription | SettingRow::SoundLanguage
        ) {
            let tracks = super::settings_screen::track_preferences(
                &self.session.preferences,
                &self.track_base,
            );
            self.player.send(PlayerCommand::SetPreferences(tracks));
        }
        self.save_preferences();
    }

    /// The notice on screen now, in English (what a screen reader would
    /// announce; scripts and tests read it), or "".
    pub fn notice_text(&self) -> String {
        if self.notice_until.is_none() {
            return String::new();
        }
        self.ui.global::<LiveAdapter>().get_status().to_string()
    }

    /// The accessible label of the focused item, as the screen reader would
    /// announce it (the scripted sessions print it after each step).
    pub fn focus_label(&self) -> String {
        if let Some(e) = &self.layers.pin {
            return format!("PIN pad: {} of 4 digits", e.digits.len());
        }
        let keyboard = self.layers.keyboard_up();
        if let Some(k) = keyboard.filter(|k| k.target != TypingFor::FormField) {
            return format!("Search: {}, key {}", k.osk.text, k.osk.focused());
        }
        let on_top = super::overlay_view::label(&self.layers.overlay, keyboard.map(|k| &k.osk))
            .or_else(|| self.layers.playback.as_ref().map(|p| p.label()));
        let view = view_of!(self, self.clock.now());
        self.layers
            .screens
            .focus_label(self.layers.nav.screen, &self.layers.nav, &view, on_top)
    }

    /// The viewer's preferences now.
    pub fn preferences(&self) -> &super::preferences::Preferences {
        &self.session.preferences
    }

    fn tune(&mut self, index: usize) {
        let Some(ch) = self.session.channels.get(index) else {
            return;
        };
        let urls = ch.urls().map(String::from).collect();
        self.tune_urls(index, urls, "");
    }

    /// OK on a guide programme: live now, catch-up if past, else a reminder
    /// set (or taken off).
    fn open_programme(&mut self, row: usize, _cell: usize) {
        let now = self.clock.now();
        let programme = self.layers.screens.guide.focused(&self.layers.nav).cloned();
        match programme {
            Some(p) if p.start > now => {
                self.toggle_reminder(row, &p);
                self.refresh();
            }
            Some(p) if p.stop.is_some_and(|stop| stop <= now) => self.play_catchup(row, &p, now),
            _ => {
                let fx = self.layers.nav.watch(row);
                self.apply(fx);
                self.refresh();
            }
        }
    }

    /// Plays the current channel's programme on air from its start.
    fn restart_programme(&mut self) {
        let Some(index) = self.layers.nav.current else {
            return;
        };
        let now = self.clock.now();
        let on_air = self.session.channels.get(index).and_then(|ch| {
            self.session
                .guide
                .now_next(live::guide_id(ch), now)
                .0
                .cloned()
        });
        match on_air {
            Some(p) => self.play_catchup(index, &p, now),
            None => self.notice(Message::NothingToRestart),
        }
    }

    /// Plays a programme of channel `index` through its catch-up service.
    fn play_catchup(&mut self, index: usize, p: &crate::guide::Programme, now: i64) {
        let Some(ch) = self.session.channels.get(index) else {
            return;
        };
        let programme = crate::lineup::CatchupProgramme {
            start: p.start,
            stop: p.stop.unwrap_or(p.start + 3600),
            catchup_id: None,
        };
        match crate::lineup::channel_catchup_url(ch, &programme, now) {
            Ok(url) => {
                tracing::info!(channel = %ch.name, programme = %p.title, %url, "catch-up");
                // The zap is the catch-up URL's, not the channel's own.
                let _ = self.layers.nav.watch(index);
                self.tune_urls(index, vec![url], " (catch-up)");
                self.catchup_zap = self.zaps.in_progress();
                self.notice(Message::FromTheStart {
                    title: p.title.clone(),
                });
                self.refresh();
            }
            Err(e) => {
                let message = Message::CatchupFailed {
                    channel: ch.name.clone(),
                    error: e.to_string(),
                };
                self.notice(message)
            }
        }
    }

    fn tune_urls(&mut self, index: usize, urls: Vec<String>, note: &str) {
        let Some(ch) = self.session.channels.get(index) else {
            return;
        };
        let label = format!("{} {}{note}", ch.number, ch.name);
        let headers = ch
            .http_headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let zap = self.player.tune_with_headers(label, urls, headers);
        self.layers.playback = None;
        self.live_stopped = false;
        super::archive_playback::update(&self.ui, None, false);
        self.ui.global::<LiveAdapter>().set_has_captions(false);
        if self.prejoin_neighbours {
            self.player.send(crate::player::PlayerCommand::Prejoin(
                self.neighbour_urls(index),
            ));
        }
        self.zaps
            .start(zap, ch.name.clone(), ch.number, Instant::now());
        self.paused = false;
        // A new channel clears the old one's error; a notice runs its time.
        if self.notice_until.is_none() {
            self.set_status(&Message::Text(String::new()), false);
        }
        if let Some(tx) = &self.settings {
            let _ = tx.send(super::settings::SettingsWrite::Set(
                "last_channel".into(),
                ch.key.0.clone(),
            ));
        }
        self.overlay_items();
    }

    /// Audio key: the next audio track, named on screen.
    fn next_audio_track(&mut self) {
        let audio = &self.tracks.audio;
        if audio.len() < 2 {
            self.notice(Message::OneSoundTrack);
            return;
        }
        let at = audio
            .iter()
            .position(|t| Some(&t.id) == self.tracks.selected_audio.as_ref())
            .map_or(0, |i| (i + 1) % audio.len());
        let t = audio[at].clone();
        self.player
            .send(crate::player::PlayerCommand::SetAudioTrack(t.id.clone()));
        let language = t.language.clone().unwrap_or_else(|| "Other".into());
        self.notice(if t.audio_description {
            Message::AudioDescription { language }
        } else {
            Message::Sound { language }
        });
    }

    /// Subtitles key: the first subtitle track on, or subtitles off.
    fn toggle_subtitles(&mut self) {
        if self.tracks.selected_subtitles.is_some() {
            self.player
                .send(crate::player::PlayerCommand::SetSubtitles(None));
            self.notice(Message::SubtitlesOff);
        } else if let Some(t) = self.tracks.subtitles.first().cloned() {
            self.player
                .send(crate::player::PlayerCommand::SetSubtitles(Some(t.id)));
            let language = t
                .language
                .clone()
                .or(t.codec.clone())
                .unwrap_or_else(|| "unknown language".into());
            self.notice(Message::SubtitlesOn { language });
        } else {
            self.notice(Message::NoSubtitles);
        }
    }

    /// The multicast URLs of the channels above and below `index` (wrapping),
    /// for instant zaps to them.
    fn neighbour_urls(&self, index: usize) -> Vec<String> {
        let n = self.session.channels.len();
        if n < 2 {
            return vec![];
        }
        let mut urls: Vec<String> = [(index + 1) % n, (index + n - 1) % n]
            .iter()
            .filter(|&&i| i != index)
            .map(|&i| &self.session.channels[i].url)
            .filter(|u| crate::lineup::Multicast::parse(u).is_some())
            .cloned()
            .collect();
        urls.dedup();
        urls
    }

    fn toggle_favourite(&mut self, index: usize) {
        let Some(ch) = self.session.channels.get(index) else {
            return;
        };
        let key = ch.key.0.clone();
        let on = !self.session.favourites.remove(&key);
        if on {
            self.session.favourites.insert(key.clone());
        }
        let name = ch.name.clone();
        if let Some(tx) = &self.settings {
            let _ = tx.send(super::settings::SettingsWrite::Favourite(key, on));
        }
        self.notice(if on {
            Message::FavouriteAdded { name }
        } else {
            Message::FavouriteRemoved { name }
        });
    }

    /// Whether a channel (by key) is a favourite.
    pub fn is_favourite(&self, key: &str) -> bool {
        self.session.favourites.contains(key)
    }

    /// The stream's or the feeds' state, on live TV.
    fn set_status(&self, message: &Message, error: bool) {
        let adapter = self.ui.global::<LiveAdapter>();
        let (kind, a, b) = message.parts();
        adapter.set_status(message.to_string().into());
        adapter.set_status_kind(kind);
        adapter.set_status_a(a.into());
        adapter.set_status_b(b.into());
        adapter.set_status_extra(super::trust_view::sponsor_text(message.sponsor()));
        adapter.set_status_is_error(error);
        adapter.set_status_everywhere(false);
    }

    /// A notice for a while, above whatever screen is up.
    fn notice(&mut self, message: Message) {
        self.notice_until = Some(Instant::now() + NOTICE_TIME);
        self.set_status(&message, false);
        self.ui.global::<LiveAdapter>().set_status_everywhere(true);
    }

    /// Tells the viewer of the newest feed refused by its signature check
    /// (all of them are listed in Settings > Diagnostics).
    fn announce_refusals(&mut self) {
        let Some(refused) = self.trust.as_ref().and_then(|t| t.take_refusals().pop()) else {
            return;
        };
        self.notice(Message::FeedRefused {
            url: refused.url,
            why: refused.why,
        });
    }

    /// A message from the runtime.
    pub fn handle_msg(&mut self, msg: UiMsg) {
        match msg {
            UiMsg::Loaded(loaded) => {
                self.loaded(loaded);
                self.announce_refusals();
            }
            UiMsg::Player(event) => self.player_event(event),
            UiMsg::Input(action) => self.handle_action(action),
            UiMsg::ArchiveResolved { request, url } => self.start_archive(request, url),
            UiMsg::CacheChanged => self.refresh(),
            UiMsg::InteractItems(items) => {
                self.interact_items = items;
                self.overlay_items();
                self.announce_refusals();
            }
            UiMsg::BoxId(id) => {
                self.box_id = id;
                self.refresh();
            }
            UiMsg::InteractRecorded(result) => {
                self.layers.overlay.recorded(result);
                super::overlay_view::update(&self.ui, &self.layers.overlay, Instant::now());
            }
            UiMsg::PollResults { item, results } => {
                self.layers.overlay.results(&item, results);
                super::overlay_view::update(&self.ui, &self.layers.overlay, Instant::now());
            }
            UiMsg::ImageReady(url) => {
                self.images.ready(&url);
                self.refresh();
            }
            UiMsg::Downloaded { title, result } => {
                self.notice(match result {
                    Ok(()) => Message::Downloaded { title },
                    Err(error) => Message::DownloadFailed { title, error },
                });
                self.refresh();
            }
            UiMsg::FrameReady => {
                if let Some(frame) = self.frames.take() {
                    self.frame(frame);
                }
            }
        }
    }

    fn loaded(&mut self, loaded: Loaded) {
        // The parse (the guide's above all) is over and freed.
        self.give_back.freed(Instant::now(), Duration::ZERO);
        if !loaded.from_cache {
            self.feed_loads += 1;
        }
        if let Some(error) = loaded.error {
            if loaded.from_cache {
                return;
            }
            tracing::error!("{error}");
            let wait = self.next_load.failed(Instant::now());
            if self.session.channels.is_empty() {
                self.set_status(
                    &Message::CannotLoad {
                        error: error.clone(),
                        seconds: wait.as_secs(),
                    },
                    true,
                );
            }
            return;
        }
        if !loaded.from_cache {
            self.next_load.loaded(Instant::now(), loaded.refresh_in);
        }
        let first_load = self.session.channels.is_empty();
        let old_channels = std::mem::replace(&mut self.session.channels, loaded.channels);
        self.session.guide = loaded.guide;
        self.session.favourites = loaded.favourites;
        let channels = &self.session.channels;
        self.layers.nav =
            self.layers
                .nav
                .relineup(channels.iter().map(|c| c.number).collect(), |old| {
                    let key = &old_channels.get(old)?.key;
                    channels.iter().position(|c| &c.key == key)
                });
        self.layers
            .screens
            .guide
            .load(super::guide_page::GuidePager::new(
                loaded.db.as_deref(),
                loaded.guide_ids,
            ));
        self.layers.screens.archive.items = loaded.archive;
        self.layers.screens.archive.db = loaded.db.clone();
        if !loaded.notices.is_empty() {
            self.notice(Message::Text(loaded.notices.join("\n")));
        } else if self.notice_until.is_none() {
            // A load clears an old error; a notice runs its time (a refusal
            // announced by the interactive worker's message, which can come
            // just before this load's, must not be wiped by it).
            self.set_status(&Message::Text(String::new()), false);
        }
        if first_load {
            // A shared screen starts (and resumes after a power cut) on its
            // scheduled channel; a home box where the viewer left it.
            let kiosk_start = self
                .kiosk
                .as_ref()
                .and_then(|k| k.channel_at(self.clock.local().time(), &self.session.channels));
            let start = kiosk_start
                .or_else(|| {
                    loaded
                        .last_channel
                        .and_then(|k| self.session.channels.iter().position(|c| c.key.0 == k))
                })
                .unwrap_or(0);
            let fx = self.layers.nav.tune(start);
            self.apply(fx);
        } else {
            self.refresh();
        }
    }

    fn player_event(&mut self, event: PlayerEvent) {
        let current = self.zaps.current();
        match event {
            PlayerEvent::FellBack {
                zap,
                from,
                to,
                reason,
            } if zap == current => {
                tracing::warn!("{from} failed ({reason}); playing {to}");
                self.zaps.fell_back();
            }
            PlayerEvent::Buffering { zap, percent } if zap == current => {
                let message = if percent < 100 {
                    Message::Buffering(percent)
                } else {
                    Message::Text(String::new())
                };
                // A notice runs its time (as on a zap): a feed refused at
                // start-up must not be wiped by the first channel's buffering.
                self.buffering_shown = percent < 100 && self.notice_until.is_none();
                if self.notice_until.is_none() {
                    self.set_status(&message, false);
                }
            }
            PlayerEvent::Error { zap, error } if zap == current => {
                let name = self
                    .current_channel()
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                tracing::error!("{name}: {error}");
                self.ui.global::<LiveAdapter>().set_has_picture(false);
                self.set_status(
                    &Message::NoPicture {
                        name: name.clone(),
                        error: error.message.clone(),
                    },
                    true,
                );
                self.notice_until = None;
                if let Some(ended) = self.zaps.failed(name, error.to_string()) {
                    self.zap_ended(ended);
                }
            }
            PlayerEvent::EndOfStream { zap } if zap == current => {
                if self.catchup_zap == Some(zap)
                    && let Some(index) = self.layers.nav.current
                {
                    // The recording reached the moment it was asked for: live again.
                    self.catchup_zap = None;
                    self.tune(index);
                    self.notice(Message::BackToLive);
                } else {
                    self.set_status(&Message::StreamEnded, false)
                }
            }
            PlayerEvent::Stalled { zap, reason } if zap == current => {
                tracing::warn!("picture stalled: {reason}");
                self.notice_until = None;
                self.set_status(&Message::SignalLost, true);
            }
            PlayerEvent::Recovered { zap, after } if zap == current => {
                tracing::info!(ms = after.as_millis() as u64, "picture back");
                self.notice(Message::SignalBack);
            }
            PlayerEvent::Tracks { zap, tracks } if zap == current => {
                self.ui
                    .global::<LiveAdapter>()
                    .set_has_captions(!tracks.subtitles.is_empty());
                self.tracks = tracks;
            }
            PlayerEvent::Diagnostics {
                zap,
                diagnostics: d,
            } if zap == current => {
                self.save_archive_position(zap, d.position);
                let now = Instant::now();
                if let (Some(p), Some(s), Some(at)) = (
                    self.layers.playback.as_mut(),
                    self.speech.as_mut(),
                    d.position,
                ) && s.settled(now)
                {
                    p.position = at.as_secs_f64();
                    s.position_at = Some(now);
                }
                let decoder = d
                    .decoder
                    .map(|d| format!("{}{}", d.name, if d.hardware { " (hardware)" } else { "" }))
                    .unwrap_or_else(|| "?".into());
                let text = format!(
                    "{}\n{} · {} kbit/s · {} lost packets · {} stalls · {decoder}",
                    d.url, d.via, d.bitrate_kbps, d.cc_errors, d.stalls
                );
                self.ui.global::<LiveAdapter>().set_diagnostics(text.into());
            }
            PlayerEvent::Seeked {
                zap,
                target,
                position,
                ..
            } if zap == current => {
                if let Some(s) = self.speech.as_mut() {
                    s.landed(Instant::now());
                }
                if let Some(p) = self.layers.playback.as_mut() {
                    // The bar shows where the picture is (a seek lands on a key frame).
                    p.position = position.unwrap_or(target).as_secs_f64();
                }
            }
            PlayerEvent::BackToPrimary { zap, to, .. } if zap == current => {
                tracing::info!("back on {to}");
                self.notice(Message::BackOnMulticast);
            }
            PlayerEvent::DecoderFailed { zap, decoder, .. } if zap == current => {
                self.notice(Message::DecoderFailed { decoder });
            }
            _ => {}
        }
    }

    fn frame(&mut self, mut frame: crate::player::VideoFrame) {
        if !self.zaps.wants(frame.zap) {
            return; // a late frame of the channel left, or of what was stopped
        }
        let adapter = self.ui.global::<LiveAdapter>();
        let zap = frame.zap;
        let origin = frame.origin.take();
        if let Some(plane) = &self.video_plane {
            *plane.video.borrow_mut() = Some(frame);
        } else if let Some(rgba) = frame.pixels.rgba() {
            let buffer = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
                rgba,
                frame.width,
                frame.height,
            );
            adapter.set_frame(slint::Image::from_rgba8(buffer));
        }
        adapter.set_has_picture(true);
        if let Some(origin) = origin {
            self.first_frame(zap, origin);
        }
    }

    /// The first frame of `zap` is on its way to the screen: a resume
    /// position is sought, the buffering notice goes, the zap is shown.
    fn first_frame(&mut self, zap: ZapId, origin: crate::player::FrameOrigin) {
        if zap != self.zaps.current() {
            return;
        }
        if let Some(at) = self.speech.as_mut().and_then(|s| s.take_resume(zap)) {
            self.player
                .send(PlayerCommand::Seek(Duration::from_secs_f64(at)));
        }
        if std::mem::take(&mut self.buffering_shown) && self.notice_until.is_none() {
            self.set_status(&Message::Text(String::new()), false);
        }
        tracing::info!(zap, url = %origin.url, "first frame shown");
        if let Some(ended) = self.zaps.shown(zap, origin, Instant::now()) {
            self.zap_ended(ended);
        }
    }

    /// Sends frames to a box's video plane (`hooks.video`) instead of the UI.
    pub fn use_video_plane(&mut self, hooks: std::rc::Rc<super::kms::KmsHooks>) {
        self.ui.global::<LiveAdapter>().set_picture_on_plane(true);
        self.video_plane = Some(hooks);
    }

    /// A zap has shown a picture.
    pub fn has_shown_picture(&self) -> bool {
        self.zaps.shown_any()
    }

    /// Whether a first frame was handed to the screen but not yet drawn.
    pub fn awaiting_render(&self) -> bool {
        self.zaps.awaiting_render()
    }

    /// Called after the window drew: finishes the newest zap's figure at the
    /// moment its first frame was really on screen.
    /// Returns the finished record, once per zap.
    pub fn displayed(&mut self, at: Instant) -> Option<ZapRecord> {
        self.zaps.displayed(at)
    }

    fn current_channel(&self) -> Option<&Channel> {
        self.layers
            .nav
            .current
            .and_then(|i| self.session.channels.get(i))
    }

    /// Timeouts and the clock; call a few times a second.
    pub fn tick(&mut self, now: Instant) {
        if self.banner_until.is_some_and(|t| now >= t) {
            self.banner_until = None;
            self.layers.nav.banner_timed_out();
            self.ui.global::<LiveAdapter>().set_banner_visible(false);
        }
        if self.layers.playback.is_some() {
            self.refresh_playback();
        }
        if self.kiosk.as_mut().is_some_and(|k| k.reset_due(now)) {
            self.privacy_reset();
        }
        if self.layers.overlay.prompt_until.is_some_and(|t| now >= t) {
            self.layers.overlay.prompt_until = None;
            super::overlay_view::update(&self.ui, &self.layers.overlay, now);
        }
        self.overlay_clock();
        if self.digits_until.is_some_and(|t| now >= t) {
            self.digits_until = None;
            let fx = self.layers.nav.commit_number();
            self.apply(fx);
        }
        // Before the first zap has ended, notices wait (see zap_ended).
        if self.zaps.outcomes().next().is_some() && self.notice_until.is_some_and(|t| now >= t) {
            self.notice_until = None;
            self.set_status(&Message::Text(String::new()), false);
        }
        if self.next_load.due(now) {
            (self.reload)();
        }
        self.fire_reminders(now);
        if self.give_back.poll(now) {
            let released = memory::release();
            tracing::debug!(
                "freed memory given back in {:?} (glibc had some: {})",
                released.took,
                released.glibc
            );
        }
        live::update_clock(&self.ui, &self.clock);
        // Programmes change on the minute: keep now/next, progress and the guide current.
        let minute = self.clock.now() / 60;
        if minute != self.refreshed_minute {
            self.refreshed_minute = minute;
            // A shared screen nobody is using follows its schedule.
            let scheduled = self
                .kiosk
                .as_ref()
                .filter(|k| k.idle(now))
                .and_then(|k| k.channel_at(self.clock.local().time(), &self.session.channels));
            if let Some(index) = scheduled.filter(|i| Some(*i) != self.layers.nav.current) {
                let fx = self.layers.nav.tune_unrecorded(index);
                self.apply(fx);
            }
            self.refresh();
        }
    }

    /// A reminded programme starting: a notice, and OK on Live tunes it.
    fn fire_reminders(&mut self, now: Instant) {
        if self.layers.reminder.is_some_and(|o| now >= o.until) {
            self.layers.reminder = None;
        }
        let wall = self.clock.now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.session.reminders)
            .into_iter()
            .partition(|r| r.start <= wall + REMIND_BEFORE);
        self.session.reminders = later;
        for Reminder { channel, title, .. } in due {
            if let Some(i) = self
                .session
                .channels
                .iter()
                .position(|c| c.key.0 == channel)
            {
                let name = self.session.channels[i].name.clone();
                self.layers.reminder = Some(ReminderOffer {
                    channel: i,
                    until: now + REMINDER_OFFER,
                });
                self.notice(Message::ReminderStarting {
                    title,
                    channel: name,
                });
            }
        }
    }

    /// Pushes navigation and data state into the adapters: the screen up,
    /// then what is drawn over every screen (a speech's bar, the PIN pad,
    /// live TV's banner and logo).
    fn refresh(&mut self) {
        let now = self.clock.now();
        if self.layers.nav.screen == Screen::Live && self.live_stopped {
            // Back on live TV after a speech: the channel watched before.
            self.live_stopped = false;
            if let Some(index) = self.layers.nav.current {
                self.tune(index);
            }
        }
        self.ui
            .global::<AppAdapter>()
            .set_screen(self.layers.nav.screen.into());
        if self.layers.playback.is_some() {
            self.refresh_playback();
        }
        self.view_screen(now);
        self.view_keyboard();
        super::pin::view(&self.ui, self.layers.pin.as_ref());
        live::update(
            &self.ui,
            &self.layers.nav,
            &self.session.channels,
            &self.session.favourites,
            &self.session.guide,
            now,
        );
        let logo = self
            .layers
            .nav
            .browse
            .or(self.layers.nav.current)
            .and_then(|i| self.session.channels.get(i))
            .and_then(|c| c.logo.clone())
            .and_then(|url| self.images.get(&url));
        live::update_logo(&self.ui, logo);
    }

    /// Draws the keyboard while what it types for is up; one typing for a
    /// form that has closed (its item ended) goes.
    fn view_keyboard(&mut self) {
        if !self.layers.overlay.form_open() {
            self.layers
                .keyboard
                .take_if(|k| k.target == TypingFor::FormField);
        }
        super::osk::view(&self.ui, self.layers.keyboard_up().map(|k| &k.osk));
    }

    /// Paints the screen up (live TV's own parts are drawn with every screen).
    fn view_screen(&mut self, now: i64) {
        let view = view_of!(self, now);
        self.layers.screens.view(
            self.layers.nav.screen,
            &mut self.layers.nav,
            &view,
            &mut self.images,
        );
    }
}
