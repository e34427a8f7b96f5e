//! Connects an [`App`] to the runtime: the player, the feed loader and the
//! settings writer. Shared by the windowed and headless runners.

use std::time::Duration;
use tokio::sync::mpsc;

use super::downloads;
use super::preferences::{Language, Preferences};
use super::{App, AppError, FrameSlot, UiMsg, load, spawn_settings_writer, ui::AppWindow};
use crate::config::Config;
use crate::input::Keymap;
use crate::input::cec_bus::{CecHandle, CecOptions};
use crate::net::HttpClient;
use crate::player::{self, PlayerEvent, PlayerHandle, PlayerOptions};

/// The app and where its messages arrive.
pub(super) struct Wired {
    pub app: App,
    pub messages: mpsc::UnboundedReceiver<UiMsg>,
    pub player: PlayerHandle,
    /// The HDMI-CEC thread, when the box has an adapter.
    pub cec: Option<CecHandle>,
    /// What keys mean, for a window's keyboard (the readers have their own).
    pub keymap: std::sync::Arc<Keymap>,
}

/// Player options from the configuration.
pub fn player_options(config: &Config, audio: bool) -> PlayerOptions {
    PlayerOptions {
        audio,
        multicast_interface: config.multicast_interface(),
        join_timeout: config.join_timeout(),
        no_picture_timeout: config.no_picture_timeout(),
        stall_timeout: Duration::from_millis(config.player.stall_timeout_ms),
        decoders: config.decoders(),
        audio_languages: config.player.audio_languages.clone(),
        subtitle_languages: config.player.subtitle_languages.clone(),
        subtitles: config.player.subtitles,
        audio_description: config.player.audio_description,
        ..Default::default()
    }
}

/// The viewer's stored preferences over the configuration's and the
/// system locale's defaults.
fn stored_preferences(config: &Config) -> Preferences {
    let defaults = Preferences {
        language: std::env::var("LANG")
            .ok()
            .and_then(|l| Language::from_code(&l))
            .unwrap_or_default(),
        subtitles: config.player.subtitles,
        audio_description: config.player.audio_description,
        ..Default::default()
    };
    match crate::store::Store::open_in(&config.state_dir()) {
        Ok(store) => Preferences::load(defaults, |k| store.setting(k).ok().flatten()),
        Err(e) => {
            tracing::warn!("stored settings cannot be read: {e}");
            defaults
        }
    }
}

/// The key map every key source goes through, the window's keyboard too:
/// the configuration's, else the board's unless it is the built-in one. A
/// bad file stops the start-up, naming the file and the entry.
fn load_keymap(config: &Config) -> Result<Keymap, AppError> {
    let file = config.input.keymap.clone().or_else(|| {
        config
            .board()
            .input
            .keymap
            .filter(|k| k != "default")
            .map(std::path::PathBuf::from)
    });
    match file {
        Some(path) => Keymap::load(&path).map_err(|e| AppError::Ui(e.to_string())),
        None => Ok(Keymap::builtin()),
    }
}

/// Starts the remote-control readers the configuration names, and the
/// HDMI-CEC thread when the board (or configuration) has an adapter that
/// exists; their keys arrive as [`UiMsg::Input`]. A bad key map file stops
/// the start-up.
fn start_remote_input(
    config: &Config,
    keymap: std::sync::Arc<Keymap>,
    tx: mpsc::UnboundedSender<UiMsg>,
    discover: bool,
) -> Result<Option<CecHandle>, AppError> {
    use crate::input::sources;
    let lirc = config.input.lirc.clone().or_else(|| {
        let default = std::path::PathBuf::from("/run/lirc/lircd");
        default.exists().then_some(default)
    });
    let wanted = sources::InputSources {
        evdev: config.input.evdev.clone(),
        lirc,
    };
    let on_action: sources::OnAction = std::sync::Arc::new(move |action| {
        let _ = tx.send(UiMsg::Input(action));
    });
    sources::spawn(&wanted, keymap.clone(), on_action.clone());
    // On a box (no window system to hand keys over): every key device there is.
    if discover && config.input.discover {
        crate::input::discover::spawn(
            std::path::PathBuf::from("/dev/input"),
            config.input.evdev.clone(),
            keymap.clone(),
            on_action.clone(),
        );
    }
    let Some(device) = config.cec_device().filter(|d| d.exists()) else {
        return Ok(None);
    };
    let options = CecOptions {
        osd_name: config.cec.osd_name.clone(),
        follow_tv_standby: config.cec.follow_tv_standby,
        standby_tv: config.cec.standby_tv,
    };
    match crate::input::cec_bus::spawn(device.clone(), options, keymap, on_action) {
        Ok(handle) => Ok(Some(handle)),
        Err(e) => {
            tracing::warn!("HDMI-CEC {}: cannot start: {e}", device.display());
            Ok(None)
        }
    }
}

/// Builds the app around `ui`.
pub(super) fn wire(
    rt: &tokio::runtime::Handle,
    config: &Config,
    ui: AppWindow,
    audio: bool,
    display: Option<&super::kms::KmsSurface>,
) -> Result<Wired, AppError> {
    // On a box: keys from every key device, and frames made for the video plane.
    let discover_input = display.is_some();
    let frames_shape = display.map_or_else(Default::default, |d| d.frame_shape());
    let (ui_tx, messages) = mpsc::unbounded_channel();
    let frames = FrameSlot::default();
    let sink_slot = frames.clone();
    let frame_tx = ui_tx.clone();
    let sink: player::FrameSink = std::sync::Arc::new(move |frame| {
        if sink_slot.put(frame) {
            let _ = frame_tx.send(UiMsg::FrameReady);
        }
    });
    let preferences = stored_preferences(config);
    let base = crate::player::TrackPreferences {
        audio_languages: config.player.audio_languages.clone(),
        subtitle_languages: config.player.subtitle_languages.clone(),
        subtitles: config.player.subtitles,
        audio_description: config.player.audio_description,
    };
    let tracks = super::settings_screen::track_preferences(&preferences, &base);
    let options = PlayerOptions {
        audio_languages: tracks.audio_languages,
        subtitles: tracks.subtitles,
        audio_description: tracks.audio_description,
        frames: frames_shape,
        ..player_options(config, audio)
    };
    let (player, mut events) = player::spawn(rt, options, sink)?;
    let keymap = std::sync::Arc::new(load_keymap(config)?);
    let cec = start_remote_input(config, keymap.clone(), ui_tx.clone(), discover_input)?;
    let event_tx = ui_tx.clone();
    let cec_events = cec.clone();
    rt.spawn(async move {
        while let Some(event) = events.recv().await {
            // A picture on screen: the TV shows this box's input.
            if let (PlayerEvent::FirstFrame { .. }, Some(cec)) = (&event, &cec_events) {
                cec.playing();
            }
            if event_tx.send(UiMsg::Player(event)).is_err() {
                break;
            }
        }
    });
    let download_tx = ui_tx.clone();
    // Plain HTTP only on loopback and where the configuration allows it;
    // certificates pinned where it says.
    let http = HttpClient::for_config(config).map_err(|e| AppError::Ui(e.to_string()))?;
    // Every feed the box loads is checked here first (docs/trust.md).
    let state_dir = config.state_dir();
    std::fs::create_dir_all(&state_dir).map_err(|e| AppError::Output {
        path: state_dir.clone(),
        message: e.to_string(),
    })?;
    let trust = crate::trust::TrustGate::open(&config.trust, &state_dir, config.clock.clone())?;
    let loader_trust = trust.clone();
    let images_http = http.clone();
    let resolver_http = http.clone();
    let loader_rt = rt.clone();
    let loader_config = config.clone();
    // The first load shows the cache at once, then asks the network.
    let first = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    // One load at a time: a slow guide import must not be joined by a second.
    let loading = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let refreshed = std::sync::Arc::new(tokio::sync::Notify::new());
    let notify = refreshed.clone();
    let reload = Box::new(move || {
        let (tx, config, http) = (ui_tx.clone(), loader_config.clone(), http.clone());
        let trust = loader_trust.clone();
        let first = first.swap(false, std::sync::atomic::Ordering::AcqRel);
        if loading.swap(true, std::sync::atomic::Ordering::AcqRel) {
            tracing::info!("a refresh is already running");
            return;
        }
        let loading = loading.clone();
        let notify = notify.clone();
        loader_rt.spawn(async move {
            if first {
                let cached = super::load_cached(&config).await;
                if !cached.channels.is_empty() {
                    let _ = tx.send(UiMsg::Loaded(cached));
                }
            }
            // No overall time limit: every request has its own (connect 5 s,
            // 30 s without data, an hour per guide download), and cutting the
            // future short would not stop an import already on a blocking thread.
            let loaded = load(&config, &http, Some(&trust)).await;
            loading.store(false, std::sync::atomic::Ordering::Release);
            let _ = tx.send(UiMsg::Loaded(loaded));
            notify.notify_one();
        });
    });
    let settings = Some(spawn_settings_writer(rt, config.state_dir()));
    let mut app = App::new(
        ui,
        player.clone(),
        frames,
        settings,
        reload,
        config.clock.clone(),
    );
    app.prejoin_neighbours = config.player.prejoin_neighbours;
    app.banner_time = match config.display.banner_seconds {
        0 => None,
        s => Some(std::time::Duration::from_secs(s)),
    };
    app.track_base = base;
    app.set_preferences(preferences);
    let cache_url = downloads::serve_cache(rt, &config.cache_dir());
    app.set_cache(config.cache_dir(), cache_url.clone());
    app.resolve = Some(downloads::archive_resolver(
        rt,
        config.cache_dir(),
        cache_url,
        resolver_http,
        download_tx.clone(),
    ));
    downloads::fetch_pinned(rt, config, refreshed, download_tx.clone());
    app.images = super::images::Images::new(
        config.cache_dir(),
        super::images::fetcher(rt, config.cache_dir(), images_http, download_tx.clone()),
    );
    app.interact = Some(super::interact_worker::spawn(
        config,
        trust.clone(),
        download_tx.clone(),
    ));
    app.trust = Some(trust);
    app.country = config.interact.country.clone();
    app.kiosk = super::kiosk::Kiosk::new(&config.kiosk, std::time::Instant::now());
    if app.kiosk.is_some() && app.preferences().pin.is_none() {
        tracing::warn!(
            "kiosk mode without a PIN: set one in Settings to lock Settings and the channel list"
        );
    }
    app.download = Some(downloads::downloader(rt, config, download_tx));
    Ok(Wired {
        app,
        messages,
        player,
        cec,
        keymap,
    })
}
