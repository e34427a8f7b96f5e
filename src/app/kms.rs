//! The app on the box's own display, with no window system: a Slint
//! platform whose event loop is ours. Slint's software renderer draws into
//! a picture kept in memory (only what changed is repainted), which is
//! copied into the UI plane's back buffer; decoded frames go straight to
//! the video plane; both reach the screen in one atomic commit of
//! [`KmsDisplay`], at most one per vblank. Keys come from the app's own
//! evdev, LIRC and HDMI-CEC readers (`input::sources`).
//!
//! Why not Slint's linuxkms backend: it opens the card itself and keeps
//! its descriptor, so nothing else could put video on a plane of the same
//! card (only one DRM master commits).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slint::PhysicalSize;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType, TargetPixel,
};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter, WindowEvent};

use super::AppError;
use crate::platform::kms_display::{Capture, Flip, Frame, KmsDisplay, Rect, VideoPath};
use crate::platform::kms_import::{Memory, Picture};
use crate::player::{PictureMemory, Pixels, VideoFrame};

/// One pixel of the UI plane: DRM's ARGB8888 (B, G, R, A in memory),
/// premultiplied, as the kernel's planes blend it by default.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
#[repr(C)]
pub struct Bgra {
    pub b: u8,
    pub g: u8,
    pub r: u8,
    pub a: u8,
}

impl TargetPixel for Bgra {
    fn blend(&mut self, c: PremultipliedRgbaColor) {
        let keep = u16::from(u8::MAX - c.alpha);
        let mix = |d: u8, s: u8| (u16::from(d) * keep / 255) as u8 + s;
        self.r = mix(self.r, c.red);
        self.g = mix(self.g, c.green);
        self.b = mix(self.b, c.blue);
        self.a = mix(self.a, c.alpha);
    }

    fn from_rgb(r: u8, g: u8, b: u8) -> Self {
        Bgra { b, g, r, a: 255 }
    }

    /// Where nothing is drawn the plane is see-through (the video plane shows).
    fn background() -> Self {
        Bgra::default()
    }
}

/// What to do when a commit reaches the screen.
pub type OnFlip = Box<dyn FnMut(Flip)>;

/// What to do with a new description of how frames reach the plane.
pub type OnRoute = Box<dyn Fn(String)>;

/// What the app shares with the event loop: the newest frame for the
/// video plane, whether the current screen shows the picture, and what to
/// do when a commit reaches the screen.
#[derive(Default)]
pub struct KmsHooks {
    pub video: RefCell<Option<VideoFrame>>,
    pub picture_visible: RefCell<Option<Box<dyn Fn() -> bool>>>,
    pub on_flip: RefCell<Option<OnFlip>>,
    /// Told how frames reach the plane whenever that changes (Diagnostics).
    pub on_route: RefCell<Option<OnRoute>>,
    /// Frames the UI rendered (for `hustings bench kms`).
    pub ui_frames: Cell<u64>,
}

struct Queue {
    items: Mutex<VecDeque<Box<dyn FnOnce() + Send>>>,
    quit: AtomicBool,
    /// An eventfd that wakes the loop's poll.
    wake: OwnedFd,
}

impl Queue {
    fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our eventfd.
        unsafe { libc::write(self.wake.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }
}

struct Proxy(Arc<Queue>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), slint::EventLoopError> {
        self.0.quit.store(true, Ordering::Release);
        self.0.wake();
        Ok(())
    }

    fn invoke_from_event_loop(
        &self,
        event: Box<dyn FnOnce() + Send>,
    ) -> Result<(), slint::EventLoopError> {
        self.0
            .items
            .lock()
            .map_err(|_| slint::EventLoopError::EventLoopTerminated)?
            .push_back(event);
        self.0.wake();
        Ok(())
    }
}

/// What draws on the display: the window the renderer draws, the picture
/// kept in memory, and the display it is committed to.
pub struct Screen {
    window: Rc<MinimalSoftwareWindow>,
    display: Rc<RefCell<KmsDisplay>>,
    hooks: Rc<KmsHooks>,
    shadow: RefCell<Vec<Bgra>>,
    /// The region drawn into the other buffer's last picture, still to copy.
    stale: Cell<Option<(usize, usize, usize, usize)>>,
}

/// The Slint platform on a [`KmsDisplay`].
pub struct KmsPlatform {
    screen: Rc<Screen>,
    queue: Arc<Queue>,
    start: Instant,
}

impl KmsPlatform {
    /// Opens the platform on `display`; the UI is laid out on 1280×720 and
    /// scaled to the mode's height.
    pub fn new(display: KmsDisplay, hooks: Rc<KmsHooks>) -> Result<KmsPlatform, AppError> {
        let (w, h) = display.size();
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        window.dispatch_event(WindowEvent::ScaleFactorChanged {
            scale_factor: h as f32 / 720.0,
        });
        window.set_size(PhysicalSize::new(w, h));
        // SAFETY: eventfd takes no pointers; the descriptor is owned below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(AppError::Ui(format!(
                "eventfd: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(KmsPlatform {
            screen: Rc::new(Screen {
                window,
                display: Rc::new(RefCell::new(display)),
                hooks,
                shadow: RefCell::new(vec![Bgra::default(); (w * h) as usize]),
                stale: Cell::new(None),
            }),
            queue: Arc::new(Queue {
                items: Mutex::new(VecDeque::new()),
                quit: AtomicBool::new(false),
                // SAFETY: fd is a fresh descriptor nobody else owns.
                wake: unsafe { OwnedFd::from_raw_fd(fd) },
            }),
            start: Instant::now(),
        })
    }

    /// What draws (shared with the app through [`KmsSurface`]).
    pub fn screen(&self) -> Rc<Screen> {
        self.screen.clone()
    }
}

impl Screen {
    /// Draws the UI if it changed, and commits it with any new frame.
    fn present(&self) {
        // An event that came while the loop was busy (a long redraw) first.
        let waiting = {
            let d = self.display.borrow();
            d.flip_pending()
                && crate::platform::kms_display::poll_readable(d.fd().as_raw_fd(), Duration::ZERO)
        };
        if waiting {
            self.dispatch();
        }
        let mut display = self.display.borrow_mut();
        display.expire_lost_flip();
        if display.flip_pending() {
            return;
        }
        let (w, h) = display.size();
        let mut dirty = None;
        {
            let mut shadow = self.shadow.borrow_mut();
            self.window.draw_if_needed(|renderer| {
                let region = renderer.render(&mut shadow, w as usize);
                let (o, s) = (region.bounding_box_origin(), region.bounding_box_size());
                if s.width > 0 && s.height > 0 {
                    dirty = Some((
                        o.x.max(0) as usize,
                        o.y.max(0) as usize,
                        (o.x.max(0) as usize + s.width as usize).min(w as usize),
                        (o.y.max(0) as usize + s.height as usize).min(h as usize),
                    ));
                }
            });
        }
        let ui_changed = dirty.is_some();
        if let Some(now) = dirty {
            self.hooks.ui_frames.set(self.hooks.ui_frames.get() + 1);
            // The back buffer last held the picture before the previous one:
            // bring over what changed in both.
            let region = match self.stale.replace(Some(now)) {
                Some(before) => union(before, now),
                None => (0, 0, w as usize, h as usize),
            };
            let shadow = self.shadow.borrow();
            let (bytes, pitch) = display.ui_buffer();
            copy_region(&shadow, w as usize, bytes, pitch, region);
        }
        let frame = self.hooks.video.borrow_mut().take();
        let visible = self
            .hooks
            .picture_visible
            .borrow()
            .as_ref()
            .is_none_or(|f| f());
        let rect = visible.then_some(Rect {
            x: 0,
            y: 0,
            width: w,
            height: h,
        });
        let video = frame.and_then(picture);
        let routes = display.route_changes;
        if let Err(e) = display.present(Frame {
            ui_changed,
            video,
            video_rect: rect,
        }) {
            tracing::error!("{e}");
        }
        if display.route_changes != routes
            && let Some(tell) = self.hooks.on_route.borrow().as_ref()
        {
            tell(describe(&display));
        }
    }

    fn dispatch(&self) {
        let flip = self.display.borrow_mut().dispatch();
        match flip {
            Ok(Some(flip)) => {
                if let Some(f) = self.hooks.on_flip.borrow_mut().as_mut() {
                    f(flip);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!("{e}"),
        }
    }

    /// Draws and commits now, and waits (bounded) until it is on screen:
    /// for runs that drive the app step by step (the scripted tour, benches).
    /// Returns the flip, when one completed.
    pub fn draw_now(&self) -> Option<Flip> {
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        self.present();
        let flip = self
            .display
            .borrow_mut()
            .wait_flip(Duration::from_millis(500));
        flip.unwrap_or_else(|e| {
            tracing::error!("{e}");
            None
        })
    }
}

impl Platform for KmsPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.screen.window.clone())
    }

    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        Some(Box::new(Proxy(self.queue.clone())))
    }

    fn run_event_loop(&self) -> Result<(), slint::PlatformError> {
        self.queue.quit.store(false, Ordering::Release);
        loop {
            let items: Vec<_> = match self.queue.items.lock() {
                Ok(mut q) => q.drain(..).collect(),
                Err(_) => Vec::new(),
            };
            for item in items {
                item();
            }
            if self.queue.quit.load(Ordering::Acquire) {
                return Ok(());
            }
            slint::platform::update_timers_and_animations();
            self.screen.present();
            let mut timeout = slint::platform::duration_until_next_timer_update()
                .unwrap_or(Duration::from_secs(1));
            if self.screen.window.has_active_animations() {
                timeout = timeout.min(Duration::from_millis(16));
            }
            let drm = self.screen.display.borrow().fd().as_raw_fd();
            let mut fds = [
                libc::pollfd {
                    fd: drm,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: self.queue.wake.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            let ms = timeout.as_millis().min(1000) as i32;
            // SAFETY: two valid pollfds for the duration of the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
            if n > 0 {
                if fds[1].revents & libc::POLLIN != 0 {
                    let mut buf = 0u64;
                    // SAFETY: reads 8 bytes into a live u64 from our eventfd.
                    unsafe {
                        libc::read(
                            self.queue.wake.as_raw_fd(),
                            (&mut buf as *mut u64).cast(),
                            8,
                        )
                    };
                }
                if fds[0].revents & libc::POLLIN != 0 {
                    self.screen.dispatch();
                }
            }
        }
    }
}

/// The KMS side of a running app: the display and what the app shares with it.
#[derive(Clone)]
pub struct KmsSurface {
    pub display: Rc<RefCell<KmsDisplay>>,
    pub hooks: Rc<KmsHooks>,
    pub screen: Rc<Screen>,
}

impl KmsSurface {
    /// The video path in force, for Diagnostics and the log.
    pub fn video_path(&self) -> VideoPath {
        self.display.borrow().video_path().clone()
    }

    /// The display, the video path and how frames reach it, for Settings > Diagnostics.
    pub fn describe(&self) -> String {
        describe(&self.display.borrow())
    }

    /// The frames the player should hand out: in the video plane's own
    /// formats, at the stream's size where the plane scales, else at the
    /// screen's; RGBA for the UI to composite where there is no plane.
    pub fn frame_shape(&self) -> crate::player::FrameShape {
        let d = self.display.borrow();
        match d.video_path() {
            VideoPath::Plane { .. } => crate::player::FrameShape::Plane {
                formats: d.video_formats().to_vec(),
                size: (!d.plane_scales()).then(|| d.size()),
            },
            VideoPath::Composited { .. } => crate::player::FrameShape::Rgba,
        }
    }

    /// What is on screen now, through the writeback connector.
    pub fn capture(&self) -> Result<Capture, AppError> {
        self.display
            .borrow_mut()
            .capture()
            .map_err(|e| AppError::Ui(e.to_string()))
    }
}

/// The display, the video path and how frames reach it.
fn describe(d: &KmsDisplay) -> String {
    let (w, h) = d.size();
    let route = match (d.video_path(), d.route()) {
        (VideoPath::Plane { .. }, Some(r)) => format!("; {r}"),
        (VideoPath::Plane { .. }, None) => format!(
            "; {} (DMA-BUF frames imported)",
            if d.plane_scales() {
                "the plane scales"
            } else {
                "the player scales to the screen"
            }
        ),
        _ => String::new(),
    };
    format!(
        "KMS on {} ({}, {}x{}@{}): {}{route}",
        d.path().display(),
        d.connector_name(),
        w,
        h,
        d.refresh(),
        d.video_path()
    )
}

/// A player's plane frame as the display takes it (plain data both sides).
fn picture(frame: VideoFrame) -> Option<Picture> {
    let Pixels::Plane(p) = frame.pixels else {
        return None;
    };
    let format = crate::platform::kms_display::fourcc(p.format)?;
    Some(Picture {
        format,
        width: frame.width,
        height: frame.height,
        planes: p.planes,
        par: p.par,
        memory: match p.memory {
            PictureMemory::DmaBuf {
                fds,
                modifier,
                keep,
            } => Memory::DmaBuf {
                fds,
                modifier,
                keep,
            },
            PictureMemory::Mapped(bytes) => Memory::Mapped(bytes),
        },
        stream: frame.zap,
        converted: p.converted,
    })
}

/// Connects the app to the display: frames to the video plane where the
/// path is a plane, the picture shown only on live TV with a picture, and
/// the path in Settings > Diagnostics.
pub fn connect(surface: &KmsSurface, app: &mut super::App, ui: &super::ui::AppWindow) {
    use slint::ComponentHandle;
    let path = surface.video_path();
    tracing::info!("video: {path}");
    ui.global::<super::ui::SettingsAdapter>()
        .set_video_path(surface.describe().into());
    let weak = ui.as_weak();
    *surface.hooks.on_route.borrow_mut() = Some(Box::new(move |text| {
        if let Some(ui) = weak.upgrade() {
            ui.global::<super::ui::SettingsAdapter>()
                .set_video_path(text.into());
        }
    }));
    if matches!(path, VideoPath::Plane { .. }) {
        app.use_video_plane(surface.hooks.clone());
    }
    let weak_ui = ui.as_weak();
    *surface.hooks.picture_visible.borrow_mut() = Some(Box::new(move || {
        weak_ui.upgrade().is_some_and(|ui| {
            ui.global::<super::ui::AppAdapter>().get_screen() == super::ui::ScreenId::Live
                && ui.global::<super::ui::LiveAdapter>().get_has_picture()
        })
    }));
}

/// Connects the running app to the display: frames to the video plane
/// (where the path is a plane), the picture shown only on live TV, zap
/// figures and READY=1 at the first flip that carried a picture. Returns
/// the screenshot service (SIGUSR1: a writeback capture into `shots`).
pub fn attach(
    surface: &KmsSurface,
    app: &Rc<RefCell<super::App>>,
    ui: &super::ui::AppWindow,
    print_zaps: bool,
    ready: Rc<Cell<bool>>,
    shots: std::path::PathBuf,
) -> ScreenshotOnSignal {
    connect(surface, &mut app.borrow_mut(), ui);
    let weak = Rc::downgrade(app);
    *surface.hooks.on_flip.borrow_mut() = Some(Box::new(move |flip| {
        // A zap's first frame counts when the flip that shows it completes.
        if !flip.video {
            return;
        }
        let Some(app) = weak.upgrade() else { return };
        if let Ok(mut app) = app.try_borrow_mut() {
            super::first_picture::picture_on_screen(&mut app, flip.at, print_zaps, &ready);
        }
    }));
    ScreenshotOnSignal::start(surface.clone(), shots)
}

/// Writeback captures on SIGUSR1 (support and tests: what the box really
/// shows, planes composed by the display), saved as numbered PNGs.
pub struct ScreenshotOnSignal {
    surface: KmsSurface,
    dir: std::path::PathBuf,
    asked: Arc<AtomicBool>,
    taken: Cell<u32>,
}

impl ScreenshotOnSignal {
    fn start(surface: KmsSurface, dir: std::path::PathBuf) -> ScreenshotOnSignal {
        let asked = Arc::new(AtomicBool::new(false));
        let flag = asked.clone();
        std::thread::Builder::new()
            .name("screenshot-signal".into())
            .spawn(move || {
                use tokio::signal::unix::{SignalKind, signal};
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    let Ok(mut usr1) = signal(SignalKind::user_defined1()) else {
                        return;
                    };
                    while usr1.recv().await.is_some() {
                        flag.store(true, Ordering::Release);
                    }
                });
            })
            .ok();
        ScreenshotOnSignal {
            surface,
            dir,
            asked,
            taken: Cell::new(0),
        }
    }

    /// Takes the capture asked for, if any (called from the UI loop).
    pub fn poll(&self) {
        if !self.asked.swap(false, Ordering::AcqRel) {
            return;
        }
        match self.take() {
            Ok(path) => tracing::info!("screenshot {}", path.display()),
            Err(e) => tracing::error!("screenshot: {e}"),
        }
    }

    fn take(&self) -> Result<std::path::PathBuf, AppError> {
        let capture = self.surface.capture()?;
        std::fs::create_dir_all(&self.dir).map_err(|e| AppError::Output {
            path: self.dir.clone(),
            message: e.to_string(),
        })?;
        let n = self.taken.get() + 1;
        self.taken.set(n);
        let path = self.dir.join(format!("screen-{n}.png"));
        save_capture(&capture, &path)?;
        Ok(path)
    }
}

/// Writes a capture as a PNG.
pub fn save_capture(capture: &Capture, path: &std::path::Path) -> Result<(), AppError> {
    let pixels: Vec<slint::Rgb8Pixel> = capture
        .pixels
        .chunks_exact(4)
        .map(|p| slint::Rgb8Pixel::new(p[2], p[1], p[0]))
        .collect();
    // Written aside and renamed: whoever watches the directory never reads half a file.
    let partial = path.with_extension("png.part");
    super::png::write_png(&partial, &pixels, capture.width, capture.height)?;
    std::fs::rename(&partial, path).map_err(|e| AppError::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Like [`install`], but waits while the display may yet come (no card
/// yet, no TV connected, another master): it says so once, tells systemd
/// it is up and waiting (STATUS=, READY=1, watchdog pings), and tries
/// again every 2 s, so a box with its TV off is not a crash loop. Other
/// errors (no permission) end it with their message.
pub fn install_when_ready(config: &crate::config::Config) -> Result<KmsSurface, AppError> {
    let mut said = false;
    loop {
        match install(config) {
            Ok(surface) => {
                if said {
                    tracing::info!("the display is there now");
                }
                return Ok(surface);
            }
            Err(AppError::Display(e)) if e.may_pass() => {
                if !said {
                    tracing::warn!("{e}; waiting for it");
                    crate::platform::notify::notify(&format!("STATUS=waiting: {e}"));
                    crate::platform::notify::notify("READY=1");
                    said = true;
                }
                crate::platform::notify::notify("WATCHDOG=1");
                std::thread::sleep(Duration::from_secs(2));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Opens the card the configuration names and installs the platform on it.
pub fn install(config: &crate::config::Config) -> Result<KmsSurface, AppError> {
    let path = config.drm_device();
    let wanted = crate::platform::planes::Wanted {
        // What the player's frames can be made into for a plane.
        video_formats: crate::platform::kms_display::plane_formats(),
        ..crate::platform::video_output::wanted(&config.board())
    };
    let screen = KmsDisplay::open(&path, &wanted, config.display.video_plane)?;
    let (w, h) = screen.size();
    tracing::info!(
        "display {} on {}: {}x{}@{}; {}",
        path.display(),
        screen.connector_name(),
        w,
        h,
        screen.refresh(),
        screen.video_path()
    );
    let hooks = Rc::new(KmsHooks::default());
    let platform = KmsPlatform::new(screen, hooks.clone())?;
    let shared = platform.screen();
    let surface = KmsSurface {
        display: shared.display.clone(),
        hooks,
        screen: shared,
    };
    slint::platform::set_platform(Box::new(platform))
        .map_err(|e| AppError::Ui(format!("KMS platform: {e}")))?;
    Ok(surface)
}

fn union(
    a: (usize, usize, usize, usize),
    b: (usize, usize, usize, usize),
) -> (usize, usize, usize, usize) {
    (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3))
}

/// Copies the rectangle `(x0, y0, x1, y1)` of `src` (`width` pixels a row)
/// into `dst` (`pitch` bytes a row).
fn copy_region(
    src: &[Bgra],
    width: usize,
    dst: &mut [u8],
    pitch: usize,
    r: (usize, usize, usize, usize),
) {
    let (x0, y0, x1, y1) = r;
    if x1 <= x0 {
        return;
    }
    for y in y0..y1 {
        let Some(row) = src.get(y * width + x0..y * width + x1) else {
            break;
        };
        let Some(out) = dst.get_mut(y * pitch + x0 * 4..y * pitch + x1 * 4) else {
            break;
        };
        for (px, o) in row.iter().zip(out.chunks_exact_mut(4)) {
            o.copy_from_slice(&[px.b, px.g, px.r, px.a]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blending_is_premultiplied_over_with_alpha_kept() {
        let mut px = Bgra::default();
        px.blend(PremultipliedRgbaColor {
            red: 100,
            green: 0,
            blue: 0,
            alpha: 128,
        });
        assert_eq!(
            px,
            Bgra {
                b: 0,
                g: 0,
                r: 100,
                a: 128
            },
            "over transparent"
        );
        let mut px = Bgra::from_rgb(0, 0, 200);
        px.blend(PremultipliedRgbaColor {
            red: 0,
            green: 0,
            blue: 0,
            alpha: 255,
        });
        assert_eq!(
            px,
            Bgra {
                b: 0,
                g: 0,
                r: 0,
                a: 255
            },
            "opaque black covers"
        );
    }

    #[test]
    fn a_region_lands_at_its_place_in_a_padded_buffer() {
        let width = 4;
        let src: Vec<Bgra> = (0..16u8)
            .map(|i| Bgra {
                b: i,
                g: 0,
                r: 0,
                a: 255,
            })
            .collect();
        let pitch = 20;
        let mut dst = vec![0u8; pitch * 4];
        copy_region(&src, width, &mut dst, pitch, (1, 2, 3, 3));
        assert_eq!(
            &dst[2 * pitch + 4..2 * pitch + 12],
            &[9, 0, 0, 255, 10, 0, 0, 255]
        );
        assert!(
            dst[..2 * pitch].iter().all(|&b| b == 0),
            "rows above untouched"
        );
        assert_eq!(union((1, 1, 2, 2), (0, 3, 1, 4)), (0, 1, 2, 4));
    }
}
