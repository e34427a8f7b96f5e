//! The headless tour: Slint's software renderer into a 1920×1080 buffer,
//! driven by a scripted list of remote-control actions. Each step is saved
//! as a PNG (video frame included) and each zap prints one JSON line.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::Rgb8Pixel;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter, WindowEvent};
use slint::{ComponentHandle, PhysicalSize};

use super::screen::Screen;
use super::ui::AppWindow;
use super::wiring::wire;
use super::{App, AppError, UiMsg, ZapOutcome, ZapRecord};
use crate::config::Config;
use crate::input::Action;

/// What the tour does.
#[derive(Debug, Clone)]
pub struct TourOptions {
    /// Where the PNGs go (created if missing).
    pub out_dir: PathBuf,
    pub width: u32,
    pub height: u32,
    /// Longest wait for any one step (a picture, the feeds).
    pub step_timeout: Duration,
}

impl TourOptions {
    /// 1920×1080 into `out_dir`, 30 s per step.
    pub fn new(out_dir: PathBuf) -> Self {
        TourOptions {
            out_dir,
            width: 1920,
            height: 1080,
            step_timeout: Duration::from_secs(30),
        }
    }
}

/// What the tour measured.
#[derive(Debug, Clone)]
pub struct TourReport {
    pub zaps: Vec<ZapRecord>,
    pub screenshots: Vec<PathBuf>,
}

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    start: Instant,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }
}

/// The headless screen: the window, its pixels, and where PNGs go; or, on
/// a box's display (`[display] backend = "kms"`), the display itself,
/// screenshots being writeback captures of what it composed.
struct Screen2d {
    kms: Option<super::kms::KmsSurface>,
    window: Rc<MinimalSoftwareWindow>,
    pixels: Vec<Rgb8Pixel>,
    width: u32,
    height: u32,
    out_dir: PathBuf,
    shots: Vec<PathBuf>,
    /// Software pictures drawn that changed pixels.
    ui_frames: u64,
}

impl Screen2d {
    /// Draws; returns when the picture was on screen (on KMS: the flip of
    /// a commit that carried a video frame, else None).
    fn render(&mut self) -> Option<Instant> {
        if let Some(kms) = &self.kms {
            return kms.screen.draw_now().filter(|f| f.video).map(|f| f.at);
        }
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        let width = self.width as usize;
        let pixels = &mut self.pixels;
        let mut changed = false;
        self.window.draw_if_needed(|renderer| {
            let region = renderer.render(pixels, width);
            changed = region.bounding_box_size().width > 0;
        });
        self.ui_frames += u64::from(changed);
        Some(Instant::now())
    }

    fn save(&mut self, name: &str) -> Result<PathBuf, AppError> {
        let path = self.out_dir.join(format!("{name}.png"));
        match &self.kms {
            Some(kms) => super::kms::save_capture(&kms.capture()?, &path)?,
            None => super::png::write_png(&path, &self.pixels, self.width, self.height)?,
        }
        tracing::info!("screenshot {}", path.display());
        self.shots.push(path.clone());
        Ok(path)
    }
}

/// A headless app: the real controller, player and feeds, rendered by
/// Slint's software renderer. One per process (Slint's platform is global).
pub struct HeadlessSession {
    app: App,
    messages: tokio::sync::mpsc::UnboundedReceiver<UiMsg>,
    player: crate::player::PlayerHandle,
    rt: tokio::runtime::Handle,
    screen: Screen2d,
}

impl HeadlessSession {
    /// Starts the app at `width`×`height`, saving PNGs into `out_dir`.
    pub fn start(
        rt: &tokio::runtime::Handle,
        config: &Config,
        width: u32,
        height: u32,
        out_dir: &Path,
    ) -> Result<HeadlessSession, AppError> {
        std::fs::create_dir_all(out_dir).map_err(|e| AppError::Output {
            path: out_dir.to_path_buf(),
            message: e.to_string(),
        })?;
        // The same pixel buffer is drawn into every time, so only what changed
        // is repainted (as on a box with the software renderer).
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        let on_box = config.display.backend == crate::config::DisplayBackend::Kms;
        let kms = if on_box {
            Some(super::kms::install(config)?)
        } else {
            slint::platform::set_platform(Box::new(HeadlessPlatform {
                window: window.clone(),
                start: Instant::now(),
            }))
            .map_err(|e| AppError::Ui(format!("headless platform: {e}")))?;
            None
        };
        let ui = AppWindow::new().map_err(|e| AppError::Ui(e.to_string()))?;
        // The UI is laid out on a 1280×720 canvas; render it scaled to the target height.
        window.dispatch_event(WindowEvent::ScaleFactorChanged {
            scale_factor: height as f32 / 720.0,
        });
        window.set_size(PhysicalSize::new(width, height));
        ui.show().map_err(|e| AppError::Ui(e.to_string()))?;
        ui.global::<super::ui::SettingsAdapter>()
            .set_video_path("headless: composited by the UI (software renderer)".into());
        let mut wired = wire(rt, config, ui.clone_strong(), false, kms.as_ref())?;
        if let Some(surface) = &kms {
            super::kms::connect(surface, &mut wired.app, &ui);
        }
        Ok(HeadlessSession {
            app: wired.app,
            messages: wired.messages,
            player: wired.player,
            rt: rt.clone(),
            screen: Screen2d {
                kms,
                window,
                pixels: vec![Rgb8Pixel::default(); (width * height) as usize],
                width,
                height,
                out_dir: out_dir.to_path_buf(),
                shots: vec![],
                ui_frames: 0,
            },
        })
    }

    /// The controller, for inspection.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// The controller, to act on it as the runtime would (a feed refresh).
    pub fn app_mut(&mut self) -> &mut App {
        &mut self.app
    }

    /// Presses a remote key.
    pub fn press(&mut self, action: Action) {
        self.app.handle_action(action);
    }

    /// Presses a remote key as if at `pressed` (see `App::handle_action_at`).
    pub fn press_at(&mut self, action: Action, pressed: Instant) {
        self.app.handle_action_at(action, pressed);
    }

    /// The status notice on the live screen and whether it is an error.
    pub fn status(&self) -> (String, bool) {
        let a = self.app.window().global::<super::ui::LiveAdapter>();
        (a.get_status().to_string(), a.get_status_is_error())
    }

    /// Processes messages until `done` holds, or fails after `timeout`.
    pub fn wait_until(
        &mut self,
        step: &str,
        timeout: Duration,
        done: impl Fn(&App) -> bool,
    ) -> Result<(), AppError> {
        let deadline = Instant::now() + timeout;
        while !done(&self.app) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(AppError::Tour {
                    step: step.into(),
                    message: format!("nothing after {} s", timeout.as_secs()),
                });
            }
            let slice = left.min(Duration::from_millis(100));
            let msg = self
                .rt
                .block_on(async { tokio::time::timeout(slice, self.messages.recv()).await });
            match msg {
                Ok(Some(m)) => {
                    self.app.handle_msg(m);
                    // A zap's first frame: draw it now, so its figure ends when it is on screen.
                    if self.app.awaiting_render()
                        && let Some(at) = self.screen.render()
                    {
                        self.app.displayed(at);
                    }
                }
                Ok(None) => {
                    return Err(AppError::Tour {
                        step: step.into(),
                        message: "the runtime stopped".into(),
                    });
                }
                Err(_) => {}
            }
            self.app.tick(Instant::now());
        }
        Ok(())
    }

    /// Waits for the current zap to end: its record, or its failure as an error.
    pub fn await_zap(&mut self, step: &str, timeout: Duration) -> Result<ZapRecord, AppError> {
        let zap = self.app.current_zap().ok_or_else(|| AppError::Tour {
            step: step.into(),
            message: "no channel to tune".into(),
        })?;
        let outcome = move |app: &App| {
            app.outcomes()
                .rev()
                .find(|o| match o {
                    ZapOutcome::Shown(r) => r.zap == zap,
                    ZapOutcome::Failed { zap: z, .. } => *z == zap,
                })
                .cloned()
        };
        self.wait_until(step, timeout, move |app| outcome(app).is_some())?;
        if let Some(at) = self.screen.render() {
            self.app.displayed(at);
        }
        match outcome(&self.app) {
            Some(ZapOutcome::Shown(record)) => Ok(record),
            Some(ZapOutcome::Failed { channel, error, .. }) => Err(AppError::Tour {
                step: step.into(),
                message: format!("{channel}: {error}"),
            }),
            None => Err(AppError::Tour {
                step: step.into(),
                message: "zap vanished".into(),
            }),
        }
    }

    /// Presses a key and draws the result: (key to finished frame, drawing alone).
    pub fn press_timed(&mut self, action: Action) -> (Duration, Duration) {
        let start = Instant::now();
        self.app.handle_action(action);
        slint::platform::update_timers_and_animations();
        let drawing = Instant::now();
        let _ = self.screen.render();
        let end = Instant::now();
        (end - start, end - drawing)
    }

    /// Runs as the box's main loop would for `duration`: messages in, every
    /// new frame drawn (composited) or committed (video plane) as it comes.
    pub fn watch(&mut self, duration: Duration) {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            let msg = self.rt.block_on(async {
                tokio::time::timeout(Duration::from_millis(5), self.messages.recv()).await
            });
            if let Ok(Some(m)) = msg {
                self.app.handle_msg(m);
                while let Ok(m) = self.messages.try_recv() {
                    self.app.handle_msg(m);
                }
            }
            self.app.tick(Instant::now());
            if let Some(at) = self.screen.render() {
                self.app.displayed(at);
            }
        }
    }

    /// UI pictures drawn so far (a redraw that changed pixels).
    pub fn ui_frames(&self) -> u64 {
        match &self.screen.kms {
            Some(kms) => kms.hooks.ui_frames.get(),
            None => self.screen.ui_frames,
        }
    }

    /// Pictures that reached the screen: video frames committed to the
    /// plane, else UI redraws (each new frame is one when composited).
    pub fn pictures(&self) -> u64 {
        match &self.screen.kms {
            Some(kms) if kms.display.borrow().video_commits > 0 => {
                kms.display.borrow().video_commits
            }
            Some(kms) => kms.hooks.ui_frames.get(),
            None => self.screen.ui_frames,
        }
    }

    /// How the picture reaches the screen in this session.
    pub fn video_path(&self) -> String {
        match &self.screen.kms {
            Some(kms) => kms.describe(),
            None => "headless: composited by the UI (software renderer)".into(),
        }
    }

    /// Lets pending messages in, then draws.
    pub fn settle(&mut self) {
        self.let_messages_in();
        self.app.tick(Instant::now());
        let _ = self.screen.render();
    }

    /// Lets pending messages in and draws, running no timeout: between keys
    /// pressed one after another (a typed number waits for its next digit).
    fn settle_between_keys(&mut self) {
        self.let_messages_in();
        let _ = self.screen.render();
    }

    fn let_messages_in(&mut self) {
        while let Ok(m) = self.messages.try_recv() {
            self.app.handle_msg(m);
        }
    }

    /// Draws and saves `<out_dir>/<name>.png`; returns its path.
    pub fn screenshot(&mut self, name: &str) -> Result<PathBuf, AppError> {
        let _ = self.screen.render();
        self.screen.save(name)
    }

    /// Screenshots saved so far.
    pub fn screenshots(&self) -> &[PathBuf] {
        &self.screen.shots
    }
}

impl Drop for HeadlessSession {
    fn drop(&mut self) {
        self.player.shutdown(Duration::from_secs(2));
    }
}

/// Runs a script of remote actions (see [`super::script`]) once the lineup
/// has loaded and the first channel shows: prints one JSON line per action,
/// saves the shots. Returns the reports and screenshots.
pub fn run_script(
    rt: &tokio::runtime::Handle,
    config: &Config,
    options: TourOptions,
    steps: &[super::script::Step],
) -> Result<(Vec<super::script::StepReport>, Vec<PathBuf>), AppError> {
    use super::script::{Step, StepReport, action_name};
    let mut s =
        HeadlessSession::start(rt, config, options.width, options.height, &options.out_dir)?;
    let t = options.step_timeout;
    s.wait_until("load the lineup", t, |app| app.current_zap().is_some())?;
    s.await_zap("start", t)?;
    let mut reports = Vec::new();
    // Keys are pressed when a viewer would press them: one after another with
    // nothing between them but the waits the script asks for. The time this
    // machine takes to handle and draw each step is left out of their times
    // (under load it can pass the multi-tap second, and "2 2" typed "aa").
    let mut drawing = Duration::ZERO;
    for step in steps {
        let start = Instant::now();
        match step {
            Step::Press(action) => {
                s.press_at(*action, start.checked_sub(drawing).unwrap_or(start));
                s.settle_between_keys();
                let report = StepReport {
                    action: action_name(*action),
                    screen: format!("{:?}", s.app().screen()),
                    focus: s.app().focus_label(),
                    notice: s.app().notice_text(),
                };
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
                reports.push(report);
                drawing += start.elapsed();
            }
            Step::Wait(d) => {
                let until = Instant::now() + *d;
                let _ = s.wait_until("wait", *d + Duration::from_secs(1), move |_| {
                    Instant::now() >= until
                });
                s.settle();
            }
            Step::Shot(name) => {
                s.settle();
                s.screenshot(name)?;
                drawing += start.elapsed();
            }
            Step::Busy(d) => {
                std::thread::sleep(*d);
                drawing += start.elapsed();
            }
        }
    }
    Ok((reports, s.screenshots().to_vec()))
}

/// Runs the scripted tour: start, zap through every channel and back to the
/// first, open the channel list, open the guide. Fails if any zap shows no picture.
pub fn run_tour(
    rt: &tokio::runtime::Handle,
    config: &Config,
    options: TourOptions,
) -> Result<TourReport, AppError> {
    let mut s =
        HeadlessSession::start(rt, config, options.width, options.height, &options.out_dir)?;
    let t = options.step_timeout;
    let mut zaps = Vec::new();
    let mut zap = |s: &mut HeadlessSession, step: &str, shot: &str| -> Result<(), AppError> {
        let record = match s.await_zap(step, t) {
            Ok(r) => r,
            Err(e) => {
                let _ = s.screenshot(&format!("failed-{shot}"));
                return Err(e);
            }
        };
        println!("{}", serde_json::to_string(&record).unwrap_or_default());
        zaps.push(record);
        s.screenshot(shot)?;
        Ok(())
    };
    s.wait_until("load the lineup", t, |app| app.current_zap().is_some())?;
    zap(&mut s, "start", "01-start")?;
    let count = s.app().channels().len();
    for i in 0..count {
        s.press(Action::ChannelUp);
        zap(
            &mut s,
            &format!("zap {}", i + 1),
            &format!("{:02}-zap-{}", i + 2, i + 1),
        )?;
    }
    let n = count + 2;
    s.press(Action::Ok);
    s.settle();
    s.screenshot(&format!("{n:02}-channel-list"))?;
    s.press(Action::Back);
    s.press(Action::Guide);
    s.wait_until("open the guide", t, |app| app.screen() == Screen::Guide)?;
    s.settle();
    s.screenshot(&format!("{:02}-guide", n + 1))?;
    s.press(Action::Down);
    s.press(Action::Right);
    s.settle();
    s.screenshot(&format!("{:02}-guide-next", n + 2))?;
    s.press(Action::Back);
    s.settle();
    Ok(TourReport {
        zaps,
        screenshots: s.screenshots().to_vec(),
    })
}
