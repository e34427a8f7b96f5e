//! Runs the app interactively: in a window (X11 or Wayland through Slint's
//! winit backend), or on the box's own display (DRM/KMS, `super::kms`),
//! chosen by `[display] backend`. Both are the same app and the same loop;
//! on KMS the picture may go to a video plane, and a zap's first frame
//! counts when its page flip completes.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::ComponentHandle;

use super::AppError;
use super::ui::{AppAdapter, AppWindow};
use super::wiring::wire;
use crate::config::Config;

/// Window settings.
#[derive(Debug, Clone, Default)]
pub struct WindowOptions {
    pub fullscreen: bool,
    /// Print each zap's figure as a JSON line when its first frame is drawn.
    pub print_zaps: bool,
}

/// Where the interactive app draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Window,
    Kms,
}

/// The backend `[display] backend` asks for here: auto is a window where
/// `DISPLAY` or `WAYLAND_DISPLAY` is set, else the DRM card; an error names
/// what is missing.
pub fn choose_backend(config: &Config) -> Result<Backend, AppError> {
    let card = config.drm_device();
    backend_for(
        config.display.backend,
        has_window_system(),
        cfg!(feature = "window"),
        &card,
        card.exists(),
    )
    .map_err(AppError::Ui)
}

/// DISPLAY or WAYLAND_DISPLAY names a window system.
pub fn has_window_system() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// The decision, over plain facts (the card's existence under a root, for `hustings doctor`).
pub fn backend_for(
    setting: crate::config::DisplayBackend,
    has_window_system: bool,
    window_built: bool,
    card: &std::path::Path,
    card_exists: bool,
) -> Result<Backend, String> {
    use crate::config::DisplayBackend;
    // The box build (no `window` feature) has no window system to use.
    let window = has_window_system && window_built;
    match setting {
        DisplayBackend::Window if window => Ok(Backend::Window),
        DisplayBackend::Window if !window_built => Err(
            "[display] backend = \"window\" but this is the box build, which has no window system"
                .into(),
        ),
        DisplayBackend::Window => {
            Err("[display] backend = \"window\" but DISPLAY and WAYLAND_DISPLAY are unset".into())
        }
        DisplayBackend::Kms => Ok(Backend::Kms),
        DisplayBackend::Auto if window => Ok(Backend::Window),
        DisplayBackend::Auto if card_exists => Ok(Backend::Kms),
        DisplayBackend::Auto => Err(format!(
            "no display: DISPLAY and WAYLAND_DISPLAY are unset and there is no DRM card at {} \
             (set [display] device, or run `hustings demo --headless DIR` for the scripted tour)",
            card.display()
        )),
    }
}

/// Runs the app on the backend the configuration chooses, until it quits.
pub fn run_interactive(
    rt: &tokio::runtime::Handle,
    config: &Config,
    options: WindowOptions,
) -> Result<(), AppError> {
    match choose_backend(config)? {
        Backend::Window => run_on(rt, config, options, None),
        Backend::Kms => {
            let surface = super::kms::install_when_ready(config)?;
            run_on(rt, config, options, Some(surface))
        }
    }
}

/// Opens the 1280×720 window (or full screen) and runs until it closes.
pub fn run_windowed(
    rt: &tokio::runtime::Handle,
    config: &Config,
    options: WindowOptions,
) -> Result<(), AppError> {
    run_on(rt, config, options, None)
}

fn run_on(
    rt: &tokio::runtime::Handle,
    config: &Config,
    options: WindowOptions,
    kms: Option<super::kms::KmsSurface>,
) -> Result<(), AppError> {
    let ui = AppWindow::new().map_err(|e| AppError::Ui(e.to_string()))?;
    if kms.is_some() {
        ui.show().map_err(|e| AppError::Ui(e.to_string()))?;
    }
    let wired = wire(rt, config, ui.clone_strong(), true, kms.as_ref())?;
    let player = wired.player;
    let cec = wired.cec;
    let mut messages = wired.messages;
    let app = Rc::new(RefCell::new(wired.app));
    // systemd's READY=1 goes out once the first picture is on screen.
    let ready = Rc::new(std::cell::Cell::new(false));
    let print_zaps = options.print_zaps;
    if kms.is_none() {
        ui.global::<super::ui::SettingsAdapter>()
            .set_video_path("a window: composited by the UI".into());
    }
    let capture = kms.as_ref().map(|surface| {
        super::kms::attach(
            surface,
            &app,
            &ui,
            print_zaps,
            ready.clone(),
            config.state_dir().join("screenshots"),
        )
    });
    // SIGTERM (systemd stopping the unit) and SIGINT end the loop cleanly:
    // the player is shut down and the display handed back below.
    rt.spawn(async {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("stopping on a signal");
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    });

    let weak = Rc::downgrade(&app);
    // The window's keys go through the key map like every other source's.
    let keymap = wired.keymap;
    ui.global::<AppAdapter>().on_key(move |text| {
        let (Some(app), Some(action)) = (weak.upgrade(), keymap.key_action(&text)) else {
            return false;
        };
        app.borrow_mut().handle_action(action);
        if app.borrow().quit_requested() {
            let _ = slint::quit_event_loop();
        }
        true
    });

    let weak = Rc::downgrade(&app);
    let ready_window = ready.clone();
    let _ = ui.window().set_rendering_notifier(move |state, _| {
        if !matches!(state, slint::RenderingState::AfterRendering) {
            return;
        }
        let Some(app) = weak.upgrade() else { return };
        if let Ok(mut app) = app.try_borrow_mut() {
            super::first_picture::picture_on_screen(
                &mut app,
                Instant::now(),
                print_zaps,
                &ready_window,
            );
        }
    });

    let weak = Rc::downgrade(&app);
    slint::spawn_local(async move {
        while let Some(msg) = messages.recv().await {
            let Some(app) = weak.upgrade() else { break };
            app.borrow_mut().handle_msg(msg);
        }
    })
    .map_err(|e| AppError::Ui(e.to_string()))?;

    let timer = slint::Timer::default();
    let weak = Rc::downgrade(&app);
    // Fault injection for the service watchdog's test: once this file exists
    // the main loop hangs (as a deadlock would), and the pings must stop.
    let hang = std::env::var_os("HUSTINGS_FAULT_HANG_FILE").map(std::path::PathBuf::from);
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(250),
        move || {
            if let Some(app) = weak.upgrade() {
                app.borrow_mut().tick(Instant::now());
            }
            if let Some(capture) = &capture {
                capture.poll();
            }
            if hang.as_ref().is_some_and(|f| f.exists()) {
                tracing::error!("HUSTINGS_FAULT_HANG_FILE exists: the main loop hangs now");
                loop {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            }
        },
    );

    // Under systemd (Type=notify): READY=1 at the first picture (above), and
    // a watchdog ping from this (the UI) thread's loop, so a hung UI is restarted.
    // A lineup that never loads must not keep the unit "activating" forever:
    // ready anyway after a minute, with the reason on screen.
    let ready_anyway = slint::Timer::default();
    let late = ready.clone();
    ready_anyway.start(
        slint::TimerMode::SingleShot,
        READY_AT_THE_LATEST,
        move || {
            if !late.get() {
                tracing::warn!(
                    "no picture after {} s: telling systemd the app is up",
                    READY_AT_THE_LATEST.as_secs()
                );
                crate::platform::notify::notify("READY=1");
                late.set(true);
            }
        },
    );
    let watchdog = slint::Timer::default();
    if let Some(every) = crate::platform::notify::watchdog_interval() {
        watchdog.start(slint::TimerMode::Repeated, every, || {
            crate::platform::notify::notify("WATCHDOG=1");
        });
    }

    if kms.is_none() {
        ui.window().set_fullscreen(options.fullscreen);
    }
    let result = ui.run().map_err(|e| AppError::Ui(e.to_string()));
    crate::platform::notify::notify("STOPPING=1");
    player.shutdown(Duration::from_secs(2));
    if let Some(cec) = cec {
        cec.shutdown();
    }
    drop(timer);
    drop(watchdog);
    drop(ready_anyway);
    result
}

/// The longest the unit waits for READY=1 when no picture comes.
const READY_AT_THE_LATEST: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DisplayBackend::{Auto, Kms, Window};
    use std::path::Path;

    #[test]
    fn the_backend_follows_the_setting_the_window_system_and_the_card() {
        let card = Path::new("/dev/dri/card0");
        let pick =
            |setting, window, built, exists| backend_for(setting, window, built, card, exists);
        assert_eq!(
            pick(Auto, true, true, true),
            Ok(Backend::Window),
            "a desktop"
        );
        assert_eq!(pick(Auto, false, true, true), Ok(Backend::Kms), "a box");
        assert_eq!(
            pick(Auto, true, false, true),
            Ok(Backend::Kms),
            "the box build ignores DISPLAY"
        );
        assert_eq!(
            pick(Kms, true, true, false),
            Ok(Backend::Kms),
            "asked for: open() says why not"
        );
        let none = pick(Auto, false, true, false).unwrap_err();
        assert!(
            none.contains("DISPLAY and WAYLAND_DISPLAY are unset")
                && none.contains("/dev/dri/card0"),
            "{none}"
        );
        assert!(
            pick(Window, false, true, true)
                .unwrap_err()
                .contains("unset")
        );
        assert!(
            pick(Window, true, false, true)
                .unwrap_err()
                .contains("box build")
        );
    }
}
