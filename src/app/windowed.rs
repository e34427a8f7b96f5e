//! Runs the app in a window (X11 or Wayland through Slint's winit backend).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::ComponentHandle;

use super::AppError;
use super::ui::{AppAdapter, AppWindow};
use super::wiring::wire;
use crate::config::Config;
use crate::player::PlayerCommand;

/// Window settings.
#[derive(Debug, Clone, Default)]
pub struct WindowOptions {
    pub fullscreen: bool,
    /// Print each zap's figure as a JSON line when its first frame is drawn.
    pub print_zaps: bool,
}

/// Opens the 1280×720 window (or full screen) and runs until it closes.
pub fn run_windowed(
    rt: &tokio::runtime::Handle,
    config: &Config,
    options: WindowOptions,
) -> Result<(), AppError> {
    let ui = AppWindow::new().map_err(|e| AppError::Ui(e.to_string()))?;
    let wired = wire(rt, config, ui.clone_strong(), true)?;
    let player = wired.player;
    let cec = wired.cec;
    let mut messages = wired.messages;
    let app = Rc::new(RefCell::new(wired.app));

    let weak = Rc::downgrade(&app);
    ui.global::<AppAdapter>().on_key(move |text| {
        let Some(app) = weak.upgrade() else {
            return false;
        };
        let handled = app.borrow_mut().handle_key(&text);
        if app.borrow().quit_requested() {
            let _ = slint::quit_event_loop();
        }
        handled
    });

    let weak = Rc::downgrade(&app);
    let print_zaps = options.print_zaps;
    let _ = ui.window().set_rendering_notifier(move |state, _| {
        if matches!(state, slint::RenderingState::AfterRendering)
            && let Some(app) = weak.upgrade()
            && let Ok(mut app) = app.try_borrow_mut()
            && let Some(record) = app.displayed(Instant::now())
            && print_zaps
        {
            println!("{}", serde_json::to_string(&record).unwrap_or_default());
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
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(250),
        move || {
            if let Some(app) = weak.upgrade() {
                app.borrow_mut().tick(Instant::now());
            }
        },
    );

    // Under systemd (Type=notify): ready once the event loop runs, then a
    // watchdog ping from this (the UI) thread, so a hung UI is restarted.
    let watchdog = slint::Timer::default();
    slint::Timer::single_shot(Duration::ZERO, || {
        crate::platform::notify::notify("READY=1");
    });
    if let Some(every) = crate::platform::notify::watchdog_interval() {
        watchdog.start(slint::TimerMode::Repeated, every, || {
            crate::platform::notify::notify("WATCHDOG=1");
        });
    }

    ui.window().set_fullscreen(options.fullscreen);
    let result = ui.run().map_err(|e| AppError::Ui(e.to_string()));
    crate::platform::notify::notify("STOPPING=1");
    player.send(PlayerCommand::Shutdown);
    if let Some(cec) = cec {
        cec.shutdown();
    }
    drop(timer);
    drop(watchdog);
    result
}
