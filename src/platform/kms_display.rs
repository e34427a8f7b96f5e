//! The one owner of the box's display: the DRM card opened once, as DRM
//! master, by this module alone. It picks the connector and mode (the TV's
//! preferred mode under the board's cap, through `planes::choose`), keeps
//! two dumb buffers for the UI plane, and puts the UI plane and the video
//! plane on screen in one atomic commit, so the picture and the UI above
//! it never disagree (Kodi's `DRMAtomic` does the same).
//!
//! Why our own commits rather than `kmssink` on the same descriptor:
//! kmssink waits for vblank by reading events from the descriptor it is
//! given, so it and the UI would take each other's page-flip events; and
//! its plane is set outside the UI's commit, so a screen that hides the
//! picture could show a frame with the old geometry.
//!
//! Frames come in the plane's own formats (the player converts only what
//! the plane cannot take) at the decoder's size, and the plane scales them
//! into the screen with its source and destination rectangles, keeping the
//! aspect ratio; where a test commit shows the plane cannot scale (vkms),
//! the player scales to the screen instead ([`KmsDisplay::plane_scales`]).
//! A frame in DMA-BUF memory (a hardware decoder's, a capture card's) is
//! imported and shown with no copy; others are copied once into a dumb
//! buffer (`kms_import` does both, and says which: [`KmsDisplay::route`]).
//!
//! Where no plane can carry video under an alpha UI plane, or the card
//! refuses the video plane in a test commit, the UI plane is opaque and the
//! UI composites the picture itself; [`KmsDisplay::video_path`] says which
//! path is in force and why. No Slint, no GStreamer: the app renders into
//! [`KmsDisplay::ui_buffer`] and hands over frames as bytes.

use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use drm::buffer::{Buffer as _, DrmFourcc};
use drm::control::{
    AtomicCommitFlags, Device as _, Event, Mode, ResourceHandle, atomic::AtomicModeReq, connector,
    crtc, dumbbuffer::DumbBuffer, framebuffer, plane, property,
};
use thiserror::Error;

use super::drm_read::{Card, read_resources};
use super::kms_import::{self, CopyBuffer, ImportCache, Memory, Picture, Route};
use super::planes::{self, Layout, Wanted};

/// Why the display cannot be used.
#[derive(Debug, Error)]
pub enum DisplayError {
    #[error(
        "no DRM card at {0} (is the display driver loaded? set [display] device or the board's drm_device)"
    )]
    NoCard(PathBuf),
    #[error("{0}: permission denied (run as root or in the video group, as the unit file does)")]
    Permission(PathBuf),
    #[error("{0}: another program is the display's master (a display server, or another hustings)")]
    NotMaster(PathBuf),
    #[error("{0}: no display is connected (is the TV plugged in and on?)")]
    NoOutput(PathBuf),
    #[error("{path}: {message}")]
    Card { path: PathBuf, message: String },
    #[error("{path}: the display refused every mode of {connector} ({tried})")]
    ModeRefused {
        path: PathBuf,
        connector: String,
        tried: String,
    },
    #[error("{path}: {what}: {source}")]
    Io {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{path}: no writeback connector to capture the screen with")]
    NoWriteback { path: PathBuf },
}

impl DisplayError {
    /// Whether waiting may cure it: a driver that loads late, a TV plugged in
    /// later, another master going away, a TV that will take a mode later.
    pub fn may_pass(&self) -> bool {
        matches!(
            self,
            DisplayError::NoCard(_)
                | DisplayError::NoOutput(_)
                | DisplayError::NotMaster(_)
                | DisplayError::ModeRefused { .. }
        )
    }
}

/// How video reaches the screen on this display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoPath {
    /// Frames go to a plane of their own, below the UI plane.
    Plane { plane: u32, ui_plane: u32 },
    /// The UI draws the picture into its own (opaque) plane.
    Composited { reason: String },
}

impl std::fmt::Display for VideoPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VideoPath::Plane { plane, ui_plane } => write!(
                f,
                "video on plane {plane} below the UI on plane {ui_plane} (one atomic commit)"
            ),
            VideoPath::Composited { reason } => write!(f, "composited by the UI ({reason})"),
        }
    }
}

/// A dumb buffer, its framebuffer and its mapping.
struct Fb {
    buffer: DumbBuffer,
    fb: framebuffer::Handle,
    map: *mut u8,
    len: usize,
    pitch: usize,
}

impl Fb {
    fn new(card: &Card, (w, h): (u32, u32), format: DrmFourcc) -> std::io::Result<Fb> {
        let mut buffer = card.create_dumb_buffer((w, h), format, 32)?;
        // Legacy ADDFB: depth 24 is XRGB8888, depth 32 ARGB8888 (the only two used here).
        let depth = if format == DrmFourcc::Argb8888 {
            32
        } else {
            24
        };
        let fb = match card.add_framebuffer(&buffer, depth, 32) {
            Ok(fb) => fb,
            Err(e) => {
                let _ = card.destroy_dumb_buffer(buffer);
                return Err(e);
            }
        };
        let pitch = buffer.pitch() as usize;
        let mut mapping = card.map_dumb_buffer(&mut buffer)?;
        let (map, len) = (mapping.as_mut_ptr(), mapping.len());
        // The mapping lives as long as this Fb (unmapped in `release`), not
        // as long as the borrow the drm crate ties it to.
        std::mem::forget(mapping);
        // SAFETY: map points to len writable bytes mapped above.
        unsafe { std::ptr::write_bytes(map, 0, len) };
        Ok(Fb {
            buffer,
            fb,
            map,
            len,
            pitch,
        })
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is live until `release`, and &mut self makes it exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.map, self.len) }
    }

    fn release(self, card: &Card) {
        // SAFETY: map/len are the mapping made in `new`, unmapped once here.
        unsafe { libc::munmap(self.map.cast(), self.len) };
        let _ = card.destroy_framebuffer(self.fb);
        let _ = card.destroy_dumb_buffer(self.buffer);
    }
}

/// Where the picture goes on screen, in display pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// A picture captured through the writeback connector: XRGB8888 rows.
pub struct Capture {
    pub width: u32,
    pub height: u32,
    /// B, G, R, x bytes, `width * 4` a row.
    pub pixels: Vec<u8>,
}

/// What one commit shows.
pub struct Frame {
    /// The UI buffer was drawn into since the last commit.
    pub ui_changed: bool,
    /// A new picture for the video plane.
    pub video: Option<Picture>,
    /// The area the picture goes in (it keeps its shape inside); None hides it.
    pub video_rect: Option<Rect>,
}

/// A page flip that completed.
#[derive(Debug, Clone, Copy)]
pub struct Flip {
    /// When its event was read.
    pub at: Instant,
    /// It carried a new picture: a video frame on the plane, or (composited)
    /// a UI change, which may hold one.
    pub video: bool,
}

/// Where a picture on the plane is, and what it needs kept alive.
#[derive(Clone, Copy)]
struct Placement {
    fb: framebuffer::Handle,
    size: (u32, u32),
    par: (u32, u32),
}

/// A picture committed to the plane.
struct Shown {
    at: Placement,
    /// The copy buffer it is in, if copied.
    copy: Option<usize>,
    /// The decoder's buffer, held until the flip that replaces it.
    _keep: Option<Box<dyn std::any::Any + Send>>,
}

struct VideoPlaneState {
    plane: plane::Handle,
    /// The primary plane cannot be switched off on every driver: a black
    /// buffer stands for "no picture" there.
    is_primary: bool,
    /// The plane scales (a test commit with SRC != CRTC size passed).
    scales: bool,
    /// Three dumb buffers in the stream's format and size, for copies.
    copies: Vec<CopyBuffer>,
    imports: ImportCache,
    /// The picture committed last, and the one before it: on screen until
    /// the last commit's flip, so released only at the next commit.
    committed: Option<Shown>,
    previous: Option<Shown>,
    /// The stream whose imports passed a test commit, and the one refused (why).
    verified: Option<u64>,
    refused: Option<(u64, String)>,
    route: Option<Route>,
    black: Option<Fb>,
}

impl VideoPlaneState {
    fn in_use(&self) -> Vec<framebuffer::Handle> {
        [&self.committed, &self.previous]
            .into_iter()
            .flatten()
            .map(|s| s.at.fb)
            .collect()
    }
}

/// The DRM master: one card, one CRTC, a UI plane and perhaps a video plane.
pub struct KmsDisplay {
    path: PathBuf,
    driver: String,
    card: Card,
    crtc: crtc::Handle,
    connector: connector::Handle,
    connector_name: String,
    mode: Mode,
    mode_blob: u64,
    /// A black primary plane under an overlay UI where video is composited.
    primary: plane::Handle,
    primary_black: Option<Fb>,
    ui_plane: plane::Handle,
    ui: Vec<Fb>,
    ui_back: usize,
    video: Option<VideoPlaneState>,
    video_path: VideoPath,
    shown_rect: Option<Rect>,
    props: HashMap<(u32, &'static str), property::Handle>,
    flip_pending: Option<bool>,
    pending_since: Instant,
    writeback: Option<connector::Handle>,
    /// The video plane's formats this display can show (DRM names).
    video_formats: Vec<String>,
    /// Video frames committed so far (`hustings bench display`).
    pub video_commits: u64,
    /// Times the route changed (the app refreshes Diagnostics).
    pub route_changes: u64,
}

const PROPERTY_NAMES: &[&str] = &[
    "FB_ID",
    "CRTC_ID",
    "SRC_X",
    "SRC_Y",
    "SRC_W",
    "SRC_H",
    "CRTC_X",
    "CRTC_Y",
    "CRTC_W",
    "CRTC_H",
    "MODE_ID",
    "ACTIVE",
    "WRITEBACK_FB_ID",
    "WRITEBACK_OUT_FENCE_PTR",
];

impl KmsDisplay {
    /// Opens `path` as DRM master and lights the screen: the mode under
    /// `wanted`'s cap, a transparent UI plane and a video plane where the
    /// card has one under it (`planes = false`: composited on purpose).
    pub fn open(
        path: &Path,
        wanted: &Wanted,
        planes_allowed: bool,
    ) -> Result<KmsDisplay, DisplayError> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => DisplayError::NoCard(path.to_path_buf()),
                std::io::ErrorKind::PermissionDenied => {
                    DisplayError::Permission(path.to_path_buf())
                }
                _ => DisplayError::Io {
                    path: path.to_path_buf(),
                    what: "cannot open",
                    source: e,
                },
            })?;
        let card = Card(file);
        let io = |what: &'static str| {
            let path = path.to_path_buf();
            move |source| DisplayError::Io { path, what, source }
        };
        use drm::Device as _;
        if let Err(e) = card.get_driver() {
            return Err(DisplayError::Card {
                path: path.to_path_buf(),
                message: format!("not a DRM card ({e})"),
            });
        }
        // The first opener is master; a second one is not, and cannot commit.
        if card.acquire_master_lock().is_err() {
            return Err(DisplayError::NotMaster(path.to_path_buf()));
        }
        let res = read_resources(&card, path).map_err(|message| DisplayError::Card {
            path: path.to_path_buf(),
            message,
        })?;
        card.set_client_capability(drm::ClientCapability::Atomic, true)
            .map_err(io("atomic modesetting (the driver has none)"))?;
        let layout = planes::choose(&res, wanted).map_err(|e| match e {
            planes::PlaneError::NoDisplay { .. } => DisplayError::NoOutput(path.to_path_buf()),
            other => DisplayError::Card {
                path: path.to_path_buf(),
                message: other.to_string(),
            },
        })?;
        let connector: connector::Handle =
            handle(layout.connector).ok_or_else(|| DisplayError::Card {
                path: path.to_path_buf(),
                message: "the chosen connector has no handle".into(),
            })?;
        let connector_name = res
            .connectors
            .iter()
            .find(|c| c.id == layout.connector)
            .map_or_else(String::new, |c| c.name.clone());
        let info = card
            .get_connector(connector, false)
            .map_err(io("connector"))?;
        let primary = res
            .planes
            .iter()
            .find(|p| p.kind == planes::PlaneKind::Primary && p.id != 0)
            .map(|p| p.id)
            .unwrap_or(layout.ui_plane);
        // Writeback connectors appear once asked for (after atomic).
        let writeback = card
            .set_client_capability(drm::ClientCapability::WritebackConnectors, true)
            .ok()
            .and_then(|_| card.resource_handles().ok())
            .and_then(|handles| {
                handles.connectors().iter().copied().find(|&c| {
                    card.get_connector(c, false)
                        .is_ok_and(|i| i.interface() == connector::Interface::Writeback)
                })
            });
        let mut display = KmsDisplay {
            path: path.to_path_buf(),
            driver: res.driver.clone(),
            crtc: handle(layout.crtc).ok_or_else(|| DisplayError::Card {
                path: path.to_path_buf(),
                message: "the chosen CRTC has no handle".into(),
            })?,
            connector,
            connector_name,
            mode: *info.modes().first().ok_or_else(|| DisplayError::Card {
                path: path.to_path_buf(),
                message: "the chosen connector lists no mode".into(),
            })?,
            mode_blob: 0,
            primary: handle(primary).expect("plane ids from the card are non-zero"),
            primary_black: None,
            ui_plane: handle(layout.ui_plane).expect("plane ids from the card are non-zero"),
            ui: Vec::new(),
            ui_back: 0,
            video: None,
            video_path: VideoPath::Composited {
                reason: String::new(),
            },
            shown_rect: None,
            props: HashMap::new(),
            flip_pending: None,
            pending_since: Instant::now(),
            writeback,
            video_formats: layout
                .video
                .as_ref()
                .and_then(|v| res.planes.iter().find(|p| p.id == v.plane))
                .map(|p| {
                    plane_formats()
                        .into_iter()
                        .filter(|f| p.formats.contains(f))
                        .collect()
                })
                .unwrap_or_default(),
            video_commits: 0,
            route_changes: 0,
            card,
        };
        display.load_properties(&res, writeback)?;
        display.light(&info, &layout, planes_allowed)?;
        Ok(display)
    }

    fn load_properties(
        &mut self,
        res: &planes::Resources,
        writeback: Option<connector::Handle>,
    ) -> Result<(), DisplayError> {
        let mut objects: Vec<u32> = res.planes.iter().map(|p| p.id).collect();
        objects.push(self.crtc.into());
        objects.push(self.connector.into());
        if let Some(w) = writeback {
            objects.push(w.into());
        }
        for id in objects {
            let set = match id {
                _ if id == u32::from(self.crtc) => self.card.get_properties(self.crtc),
                _ if id == u32::from(self.connector) => self.card.get_properties(self.connector),
                _ if writeback.is_some_and(|w| u32::from(w) == id) => self
                    .card
                    .get_properties(writeback.expect("checked just above")),
                _ => self
                    .card
                    .get_properties(handle::<plane::Handle>(id).expect("non-zero plane id")),
            }
            .map_err(|source| DisplayError::Io {
                path: self.path.clone(),
                what: "properties",
                source,
            })?;
            let (ids, _) = set.as_props_and_values();
            for &p in ids {
                if let Ok(info) = self.card.get_property(p)
                    && let Ok(name) = info.name().to_str()
                    && let Some(known) = PROPERTY_NAMES.iter().find(|n| **n == name)
                {
                    self.props.insert((id, known), p);
                }
            }
        }
        Ok(())
    }

    /// The mode set, with the first commit: the chosen mode, else each
    /// other mode of the connector the card accepts in a test commit.
    fn light(
        &mut self,
        info: &connector::Info,
        layout: &Layout,
        planes_allowed: bool,
    ) -> Result<(), DisplayError> {
        let wanted = &layout.mode;
        let mut modes: Vec<Mode> = info.modes().to_vec();
        // The chosen mode first, then the rest largest first.
        modes.sort_by_key(|m| {
            let (w, h) = m.size();
            let chosen = u32::from(w) == wanted.width
                && u32::from(h) == wanted.height
                && m.vrefresh() == wanted.refresh;
            (!chosen, std::cmp::Reverse(u32::from(w) * u32::from(h)))
        });
        let video_plane = layout.video.as_ref().filter(|_| planes_allowed);
        let mut tried = Vec::new();
        for mode in modes {
            let (w, h) = mode.size();
            let size = (u32::from(w), u32::from(h));
            tried.push(format!("{}x{}@{}", w, h, mode.vrefresh()));
            self.release_buffers();
            self.mode = mode;
            let blob =
                self.card
                    .create_property_blob(&mode)
                    .map_err(|source| DisplayError::Io {
                        path: self.path.clone(),
                        what: "mode blob",
                        source,
                    })?;
            self.mode_blob = blob.into();
            // With a video plane: UI with alpha above it.
            if let Some(video) = video_plane {
                match self.set_up_planes(size, Some(video.plane)) {
                    Ok(()) => {
                        self.video_path = VideoPath::Plane {
                            plane: video.plane,
                            ui_plane: layout.ui_plane,
                        };
                        return Ok(());
                    }
                    Err(e) => {
                        tracing::warn!(
                            "{}: the video plane {} was refused ({e}); composited instead",
                            self.path.display(),
                            video.plane
                        );
                        self.video_path = VideoPath::Composited {
                            reason: format!("the card refused video on plane {}: {e}", video.plane),
                        };
                        self.release_buffers();
                    }
                }
            } else {
                self.video_path = VideoPath::Composited {
                    reason: composited_reason(
                        &self.driver,
                        layout.video.is_some(),
                        &plane_formats(),
                    ),
                };
            }
            match self.set_up_planes(size, None) {
                Ok(()) => return Ok(()),
                Err(e) => tracing::warn!(
                    "{}: {}x{}@{} refused: {e}",
                    self.path.display(),
                    w,
                    h,
                    mode.vrefresh()
                ),
            }
        }
        Err(DisplayError::ModeRefused {
            path: self.path.clone(),
            connector: self.connector_name.clone(),
            tried: tried.join(", "),
        })
    }

    /// Makes the buffers and commits the first picture (tested first).
    fn set_up_planes(&mut self, size: (u32, u32), video: Option<u32>) -> std::io::Result<()> {
        let composited = video.is_none();
        // The UI plane: ARGB over video, opaque XRGB when it is all there is.
        let ui_on_primary = self.ui_plane == self.primary;
        let ui_format = if composited && ui_on_primary {
            DrmFourcc::Xrgb8888
        } else {
            DrmFourcc::Argb8888
        };
        for _ in 0..2 {
            self.ui.push(Fb::new(&self.card, size, ui_format)?);
        }
        if let Some(v) = video {
            let plane: plane::Handle = handle(v).expect("non-zero plane id");
            let is_primary = plane == self.primary;
            let black = if is_primary {
                Some(Fb::new(&self.card, size, DrmFourcc::Xrgb8888)?)
            } else {
                None
            };
            self.video = Some(VideoPlaneState {
                plane,
                is_primary,
                scales: false,
                copies: Vec::new(),
                imports: ImportCache::default(),
                committed: None,
                previous: None,
                verified: None,
                refused: None,
                route: None,
                black,
            });
        } else if !ui_on_primary {
            // The UI is on an overlay: a black primary under it keeps the CRTC lit.
            self.primary_black = Some(Fb::new(&self.card, size, DrmFourcc::Xrgb8888)?);
        }
        if self.video.is_some() {
            self.probe_video_plane(size)?;
        }
        let mut req = self.base_request(true)?;
        self.add_planes(&mut req, None)?;
        let flags = AtomicCommitFlags::ALLOW_MODESET;
        self.card
            .atomic_commit(flags | AtomicCommitFlags::TEST_ONLY, req.clone())?;
        self.card.atomic_commit(flags, req)?;
        Ok(())
    }

    /// Test commits with a picture on the video plane: at the screen's
    /// size (refused: no video plane), and at half of it scaled up (refused:
    /// the plane does not scale, the player scales instead).
    fn probe_video_plane(&mut self, size: (u32, u32)) -> std::io::Result<()> {
        let probe = Fb::new(&self.card, size, DrmFourcc::Xrgb8888)?;
        let at = |size| Placement {
            fb: probe.fb,
            size,
            par: (1, 1),
        };
        let full = self.test_video(at(size), false);
        let scaled = full
            .as_ref()
            .ok()
            .map(|()| self.test_video(at((size.0 / 2, size.1 / 2)), true));
        probe.release(&self.card);
        full?;
        let scales = matches!(scaled, Some(Ok(())));
        tracing::info!(
            "{}: the video plane {} scale pictures{}",
            self.path.display(),
            if scales { "can" } else { "cannot" },
            match &scaled {
                Some(Err(e)) => format!(" (a test commit scaling 2x: {e}); the player scales"),
                _ => String::new(),
            }
        );
        if let Some(v) = &mut self.video {
            v.scales = scales;
        }
        Ok(())
    }

    /// A test commit of the whole screen with `at` on the video plane.
    fn test_video(&self, at: Placement, scaled: bool) -> std::io::Result<()> {
        let Some(v) = &self.video else { return Ok(()) };
        let (w, h) = self.size();
        let mut req = self.base_request(true)?;
        self.add_planes(&mut req, None)?;
        let rect = Rect {
            x: 0,
            y: 0,
            width: w,
            height: h,
        };
        let (src, dst) = place(at, rect, scaled || v.scales);
        self.show_plane(&mut req, v.plane, Some(at.fb), src, dst)?;
        self.card.atomic_commit(
            AtomicCommitFlags::ALLOW_MODESET | AtomicCommitFlags::TEST_ONLY,
            req,
        )
    }

    fn prop(&self, obj: impl Into<u32>, name: &'static str) -> std::io::Result<property::Handle> {
        let id = obj.into();
        self.props.get(&(id, name)).copied().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                format!("object {id} has no {name} property"),
            )
        })
    }

    fn set(
        &self,
        req: &mut AtomicModeReq,
        obj: impl ResourceHandle,
        name: &'static str,
        value: u64,
    ) -> std::io::Result<()> {
        let p = self.prop(obj, name)?;
        req.add_raw_property(obj.into(), p, value);
        Ok(())
    }

    /// The CRTC lit with the mode on the connector (the modeset part).
    fn base_request(&self, modeset: bool) -> std::io::Result<AtomicModeReq> {
        let mut req = AtomicModeReq::new();
        if modeset {
            self.set(
                &mut req,
                self.connector,
                "CRTC_ID",
                u32::from(self.crtc).into(),
            )?;
            self.set(&mut req, self.crtc, "MODE_ID", self.mode_blob)?;
            self.set(&mut req, self.crtc, "ACTIVE", 1)?;
        }
        Ok(req)
    }

    fn show_plane(
        &self,
        req: &mut AtomicModeReq,
        plane: plane::Handle,
        fb: Option<framebuffer::Handle>,
        src: (u32, u32),
        dst: Rect,
    ) -> std::io::Result<()> {
        let Some(fb) = fb else {
            self.set(req, plane, "FB_ID", 0)?;
            return self.set(req, plane, "CRTC_ID", 0);
        };
        self.set(req, plane, "FB_ID", u32::from(fb).into())?;
        self.set(req, plane, "CRTC_ID", u32::from(self.crtc).into())?;
        self.set(req, plane, "SRC_X", 0)?;
        self.set(req, plane, "SRC_Y", 0)?;
        self.set(req, plane, "SRC_W", u64::from(src.0) << 16)?;
        self.set(req, plane, "SRC_H", u64::from(src.1) << 16)?;
        self.set(req, plane, "CRTC_X", dst.x as i64 as u64)?;
        self.set(req, plane, "CRTC_Y", dst.y as i64 as u64)?;
        self.set(req, plane, "CRTC_W", dst.width.into())?;
        self.set(req, plane, "CRTC_H", dst.height.into())
    }

    /// Every plane's state into `req`: the UI's front buffer, the video
    /// plane's newest buffer where `video_rect` shows it.
    fn add_planes(&self, req: &mut AtomicModeReq, ui_front: Option<usize>) -> std::io::Result<()> {
        let (w, h) = self.size();
        let full = Rect {
            x: 0,
            y: 0,
            width: w,
            height: h,
        };
        let ui = ui_front.unwrap_or(0);
        self.show_plane(req, self.ui_plane, Some(self.ui[ui].fb), (w, h), full)?;
        if let Some(black) = &self.primary_black {
            self.show_plane(req, self.primary, Some(black.fb), (w, h), full)?;
        }
        if let Some(v) = &self.video {
            let picture = v.committed.as_ref().map(|s| s.at);
            match (self.shown_rect, picture) {
                (Some(rect), Some(at)) => {
                    let (src, dst) = place(at, rect, v.scales);
                    self.show_plane(req, v.plane, Some(at.fb), src, dst)?
                }
                _ if v.is_primary => {
                    let black = v.black.as_ref().map(|b| b.fb);
                    self.show_plane(req, v.plane, black, (w, h), full)?
                }
                _ => self.show_plane(req, v.plane, None, (w, h), full)?,
            }
        }
        Ok(())
    }

    fn release_buffers(&mut self) {
        for fb in self.ui.drain(..) {
            fb.release(&self.card);
        }
        if let Some(mut v) = self.video.take() {
            // Nothing of ours is on screen any more (planes off or a new mode).
            v.committed = None;
            v.previous = None;
            for c in v.copies {
                c.release(&self.card);
            }
            v.imports.clear(&self.card);
            if let Some(b) = v.black {
                b.release(&self.card);
            }
        }
        if let Some(b) = self.primary_black.take() {
            b.release(&self.card);
        }
    }

    /// The mode's size.
    pub fn size(&self) -> (u32, u32) {
        let (w, h) = self.mode.size();
        (u32::from(w), u32::from(h))
    }

    /// The mode's refresh rate in Hz.
    pub fn refresh(&self) -> u32 {
        self.mode.vrefresh()
    }

    /// The card's device node.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connector's name (HDMI-A-1, Virtual-1, ...).
    pub fn connector_name(&self) -> &str {
        &self.connector_name
    }

    /// How video reaches the screen, and why.
    pub fn video_path(&self) -> &VideoPath {
        &self.video_path
    }

    /// The descriptor to wait on for page-flip events.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.card.as_fd()
    }

    /// A commit is on its way to the screen: wait for its flip.
    pub fn flip_pending(&self) -> bool {
        self.flip_pending.is_some()
    }

    /// The UI's back buffer (B, G, R, A premultiplied; `pitch` bytes a
    /// row), to draw the next UI picture into before [`Self::present`].
    pub fn ui_buffer(&mut self) -> (&mut [u8], usize) {
        let fb = &mut self.ui[self.ui_back];
        let pitch = fb.pitch;
        (fb.bytes(), pitch)
    }

    /// Shows the UI's back buffer (when it changed), a new video frame
    /// and the picture's geometry in one non-blocking commit; its flip is
    /// reported by [`Self::dispatch`]. Call only when no flip is pending.
    pub fn present(&mut self, frame: Frame) -> Result<(), DisplayError> {
        let io = |what: &'static str| {
            let path = self.path.clone();
            move |source| DisplayError::Io { path, what, source }
        };
        let staged = match (self.video.take(), frame.video) {
            (Some(mut v), Some(picture)) => {
                let staged = self.stage(&mut v, picture);
                self.video = Some(v);
                staged
            }
            (v, _) => {
                self.video = v;
                None
            }
        };
        let new_video = staged.is_some();
        let geometry_changed = frame.video_rect != self.shown_rect;
        if !frame.ui_changed && !new_video && !geometry_changed {
            return Ok(());
        }
        self.shown_rect = frame.video_rect;
        let ui_front = if frame.ui_changed {
            self.ui_back
        } else {
            1 - self.ui_back
        };
        let mut req = self.base_request(false).map_err(io("commit"))?;
        self.add_planes(&mut req, Some(ui_front))
            .map_err(io("commit"))?;
        if let (Some((shown, _)), Some(v)) = (&staged, &self.video) {
            // The new picture in this commit; the one committed last stays
            // in `previous` until the commit after this one.
            let rect = self.shown_rect.unwrap_or(Rect {
                x: 0,
                y: 0,
                width: self.size().0,
                height: self.size().1,
            });
            if self.shown_rect.is_some() {
                let (src, dst) = place(shown.at, rect, v.scales);
                self.show_plane(&mut req, v.plane, Some(shown.at.fb), src, dst)
                    .map_err(io("commit"))?;
            }
        }
        self.card
            .atomic_commit(
                AtomicCommitFlags::NONBLOCK | AtomicCommitFlags::PAGE_FLIP_EVENT,
                req,
            )
            .map_err(io("commit"))?;
        if let (Some((shown, route)), Some(v)) = (staged, &mut self.video) {
            // The picture before the last one is off screen now (the last
            // one's flip came before this commit): release it.
            v.previous = v.committed.replace(shown);
            if v.route.as_ref() != Some(&route) {
                tracing::info!("video: {route}");
                v.route = Some(route);
                self.route_changes += 1;
            }
        }
        if frame.ui_changed {
            // The other buffer is drawn into next; the caller brings it up
            // to date (it knows what changed since that buffer was shown).
            self.ui_back = 1 - self.ui_back;
        }
        if new_video {
            self.video_commits += 1;
        }
        // Composited, a new picture comes as a UI change.
        self.flip_pending = Some(new_video || (self.video.is_none() && frame.ui_changed));
        self.pending_since = Instant::now();
        tracing::trace!(ui = frame.ui_changed, video = new_video, "commit");
        Ok(())
    }

    /// Readies `picture` for the plane: its DMA-BUF imported (the first
    /// import of a stream checked by a test commit), else copied into a
    /// copy buffer that is neither on screen nor queued. None when neither
    /// works (said in the log; the plane keeps the picture it has).
    fn stage(&self, v: &mut VideoPlaneState, picture: Picture) -> Option<(Shown, Route)> {
        let format = picture.format.to_string();
        let route = |imported, refused: Option<String>| Route {
            format: super::drm_read::fourcc_name(picture.format as u32),
            imported,
            converted: picture.converted.clone(),
            refused,
        };
        let at = |fb| Placement {
            fb,
            size: (picture.width, picture.height),
            par: picture.par,
        };
        let stream = picture.stream;
        if matches!(picture.memory, Memory::DmaBuf { .. })
            && v.refused.as_ref().is_none_or(|(s, _)| *s != stream)
        {
            let in_use = v.in_use();
            let imported = v
                .imports
                .framebuffer(&self.card, &picture, &in_use)
                .map_err(|e| e.to_string())
                .and_then(|fb| {
                    if v.verified == Some(stream) {
                        return Ok(fb);
                    }
                    match self.test_video(at(fb), false) {
                        Ok(()) => {
                            v.verified = Some(stream);
                            Ok(fb)
                        }
                        Err(e) => {
                            v.imports.forget(&self.card, fb);
                            Err(format!("a test commit with it: {e}"))
                        }
                    }
                });
            match imported {
                Ok(fb) => {
                    let Memory::DmaBuf { keep, .. } = picture.memory else {
                        unreachable!("matched above")
                    };
                    let shown = Shown {
                        at: at(fb),
                        copy: None,
                        _keep: Some(keep),
                    };
                    return Some((shown, route(true, None)));
                }
                Err(why) => {
                    tracing::warn!(
                        "{}: cannot import the decoder's {format} DMA-BUF ({why}); copying this stream's frames",
                        self.path.display()
                    );
                    v.refused = Some((stream, why));
                }
            }
        }
        let refused = v
            .refused
            .as_ref()
            .filter(|(s, _)| *s == stream && matches!(picture.memory, Memory::DmaBuf { .. }))
            .map(|(_, why)| why.clone());
        let size = (picture.width, picture.height);
        if v.copies
            .first()
            .is_none_or(|c| c.format != picture.format || c.size != size)
        {
            // Pictures of another format or size: new copy buffers (the
            // old ones may still be on screen until the next commit).
            if v.committed.as_ref().is_some_and(|s| s.copy.is_some())
                || v.previous.as_ref().is_some_and(|s| s.copy.is_some())
            {
                v.committed = None;
                v.previous = None;
            }
            for c in v.copies.drain(..) {
                c.release(&self.card);
            }
            for _ in 0..3 {
                match CopyBuffer::new(&self.card, picture.format, size) {
                    Ok(c) => v.copies.push(c),
                    Err(e) => {
                        tracing::error!(
                            "{}: no buffer for {format} {}x{} pictures: {e}",
                            self.path.display(),
                            size.0,
                            size.1
                        );
                        for c in v.copies.drain(..) {
                            c.release(&self.card);
                        }
                        return None;
                    }
                }
            }
        }
        let busy = |i| {
            [&v.committed, &v.previous]
                .into_iter()
                .flatten()
                .any(|s| s.copy == Some(i))
        };
        let next = (0..v.copies.len()).find(|&i| !busy(i)).unwrap_or(0);
        if let Err(e) = kms_import::copy_into(&mut v.copies[next], &picture) {
            tracing::error!("{}: copying a picture: {e}", self.path.display());
            return None;
        }
        let shown = Shown {
            at: at(v.copies[next].fb),
            copy: Some(next),
            _keep: None,
        };
        Some((shown, route(false, refused)))
    }

    /// The plane scales pictures into their area (else the player scales).
    pub fn plane_scales(&self) -> bool {
        self.video.as_ref().is_some_and(|v| v.scales)
    }

    /// The video plane's formats this display shows (DRM names).
    pub fn video_formats(&self) -> &[String] {
        &self.video_formats
    }

    /// How pictures reach the plane now (None before the first).
    pub fn route(&self) -> Option<&Route> {
        self.video.as_ref().and_then(|v| v.route.as_ref())
    }

    /// Framebuffers made from imported DMA-BUFs so far (AddFB2 calls).
    pub fn imports_made(&self) -> u64 {
        self.video.as_ref().map_or(0, |v| v.imports.made)
    }

    /// A flip whose event has not come for this long is taken as lost
    /// (never seen on vkms; a driver bug must not freeze the screen).
    const FLIP_LOST: Duration = Duration::from_secs(1);

    /// Forgets a flip whose event never came, so the next commit can go.
    pub fn expire_lost_flip(&mut self) {
        if self.flip_pending.is_some() && self.pending_since.elapsed() > Self::FLIP_LOST {
            tracing::warn!(
                "{}: no page-flip event after {} ms; committing again",
                self.path.display(),
                self.pending_since.elapsed().as_millis()
            );
            self.flip_pending = None;
        }
    }

    /// Reads the card's events: the pending commit's flip, when it came.
    pub fn dispatch(&mut self) -> Result<Option<Flip>, DisplayError> {
        let events = self
            .card
            .receive_events()
            .map_err(|source| DisplayError::Io {
                path: self.path.clone(),
                what: "events",
                source,
            })?;
        let mut flip = None;
        for event in events {
            tracing::trace!(pending = ?self.flip_pending, "event");
            if let Event::PageFlip(_) = event
                && let Some(video) = self.flip_pending.take()
            {
                flip = Some(Flip {
                    at: Instant::now(),
                    video,
                });
            }
        }
        Ok(flip)
    }

    /// Waits up to `timeout` for the pending flip.
    pub fn wait_flip(&mut self, timeout: Duration) -> Result<Option<Flip>, DisplayError> {
        let deadline = Instant::now() + timeout;
        while self.flip_pending.is_some() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !poll_readable(self.card.as_fd().as_raw_fd(), left) {
                return Ok(None);
            }
            if let Some(flip) = self.dispatch()? {
                return Ok(Some(flip));
            }
        }
        Ok(None)
    }

    /// What the CRTC shows, through the writeback connector: the CRTC is
    /// routed to it for one frame (vkms and most writeback hardware cannot
    /// drive both at once), then back to the display.
    pub fn capture(&mut self) -> Result<Capture, DisplayError> {
        let Some(wb) = self.writeback else {
            return Err(DisplayError::NoWriteback {
                path: self.path.clone(),
            });
        };
        let path = self.path.clone();
        let io = |what: &'static str| {
            let path = path.clone();
            move |source| DisplayError::Io { path, what, source }
        };
        self.wait_flip(Duration::from_secs(2))?;
        let size = self.size();
        let mut target =
            Fb::new(&self.card, size, DrmFourcc::Xrgb8888).map_err(io("capture buffer"))?;
        let mut fence: i32 = -1;
        let front = Some(1 - self.ui_back);
        let result = (|| -> std::io::Result<()> {
            let mut req = AtomicModeReq::new();
            self.set(&mut req, self.connector, "CRTC_ID", 0)?;
            self.set(&mut req, wb, "CRTC_ID", u32::from(self.crtc).into())?;
            self.set(&mut req, wb, "WRITEBACK_FB_ID", u32::from(target.fb).into())?;
            self.set(
                &mut req,
                wb,
                "WRITEBACK_OUT_FENCE_PTR",
                &mut fence as *mut i32 as u64,
            )?;
            self.add_planes(&mut req, front)?;
            self.card
                .atomic_commit(AtomicCommitFlags::ALLOW_MODESET, req)?;
            if fence >= 0 {
                let ready = poll_readable(fence, Duration::from_secs(5));
                // SAFETY: the kernel gave us this fence descriptor; closed once.
                unsafe { libc::close(fence) };
                if !ready {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the writeback fence did not signal in 5 s",
                    ));
                }
            }
            Ok(())
        })();
        // Back to the display, whatever happened.
        let restore = (|| -> std::io::Result<()> {
            let mut req = self.base_request(true)?;
            self.set(&mut req, wb, "CRTC_ID", 0)?;
            self.add_planes(&mut req, front)?;
            self.card
                .atomic_commit(AtomicCommitFlags::ALLOW_MODESET, req)
        })();
        let pixels = result.and(restore).map(|()| {
            let (w, h) = size;
            let row = w as usize * 4;
            let pitch = target.pitch;
            let bytes = target.bytes();
            let mut out = Vec::with_capacity(row * h as usize);
            for y in 0..h as usize {
                out.extend_from_slice(&bytes[y * pitch..y * pitch + row]);
            }
            out
        });
        target.release(&self.card);
        Ok(Capture {
            width: size.0,
            height: size.1,
            pixels: pixels.map_err(io("writeback capture"))?,
        })
    }
}

impl Drop for KmsDisplay {
    fn drop(&mut self) {
        let _ = self.wait_flip(Duration::from_millis(200));
        // Leave no buffer of ours on screen: planes off, then free them.
        let mut req = AtomicModeReq::new();
        let planes = [Some(self.ui_plane), self.video.as_ref().map(|v| v.plane)];
        for p in planes.into_iter().flatten() {
            if p != self.primary {
                let _ = self.set(&mut req, p, "FB_ID", 0);
                let _ = self.set(&mut req, p, "CRTC_ID", 0);
            }
        }
        let _ = self.card.atomic_commit(AtomicCommitFlags::empty(), req);
        self.release_buffers();
    }
}

/// The path the display would take on a card described by `res`, before
/// any commit (`hustings doctor`); the card may still refuse the video
/// plane in the test commit, and then the UI composites.
pub fn plan(
    res: &planes::Resources,
    wanted: &Wanted,
    planes_allowed: bool,
) -> Result<VideoPath, String> {
    let layout = planes::choose(res, wanted).map_err(|e| e.to_string())?;
    Ok(match layout.video {
        Some(v) if planes_allowed => VideoPath::Plane {
            plane: v.plane,
            ui_plane: layout.ui_plane,
        },
        other => VideoPath::Composited {
            reason: composited_reason(&res.driver, other.is_some(), &wanted.video_formats),
        },
    })
}

/// Why the UI composites: planes switched off, or none fit.
fn composited_reason(driver: &str, plane_there: bool, formats: &[String]) -> String {
    if plane_there {
        "video planes are switched off ([display] video_plane = false)".into()
    } else {
        format!(
            "{driver}: no plane under an alpha UI plane takes {}",
            formats.join(" or ")
        )
    }
}

/// The formats a video plane can be given, best first: RGB, which the
/// player can always convert to and every driver's planes take, then the
/// YUV formats decoders hand out (NV12 first), shown as they come. No
/// alpha formats: a source's alpha (vivid's is 0) would make the picture
/// see-through to the black below it.
pub fn plane_formats() -> Vec<String> {
    [
        "XRGB8888", "XBGR8888", "NV12", "NV21", "YUV420", "YVU420", "NV16", "YUYV", "UYVY", "YVYU",
        "P010", "RGB565",
    ]
    .map(String::from)
    .to_vec()
}

/// The plane's source size and destination for a picture in `area`:
/// scaled into it keeping its shape where the plane scales, else at its
/// own size, centred (and cropped to the area).
fn place(at: Placement, area: Rect, scales: bool) -> ((u32, u32), Rect) {
    if scales {
        let (x, y, width, height) =
            kms_import::letterbox((area.x, area.y, area.width, area.height), at.size, at.par);
        return (
            at.size,
            Rect {
                x,
                y,
                width,
                height,
            },
        );
    }
    let (w, h) = (at.size.0.min(area.width), at.size.1.min(area.height));
    let dst = Rect {
        x: area.x + ((area.width - w) / 2) as i32,
        y: area.y + ((area.height - h) / 2) as i32,
        width: w,
        height: h,
    };
    ((w, h), dst)
}

/// The fourcc of a DRM format name, for the formats a picture can come in.
pub fn fourcc(name: &str) -> Option<DrmFourcc> {
    use DrmFourcc as F;
    [
        F::Xrgb8888,
        F::Argb8888,
        F::Xbgr8888,
        F::Abgr8888,
        F::Rgbx8888,
        F::Bgrx8888,
        F::Rgba8888,
        F::Bgra8888,
        F::Rgb565,
        F::Rgb888,
        F::Bgr888,
        F::Nv12,
        F::Nv21,
        F::Nv16,
        F::Nv24,
        F::Yuyv,
        F::Yvyu,
        F::Uyvy,
        F::Yuv420,
        F::Yvu420,
        F::Yuv422,
        F::Yuv444,
        F::P010,
    ]
    .into_iter()
    .find(|f| super::drm_read::fourcc_name(*f as u32) == name)
}

fn handle<H: ResourceHandle>(id: u32) -> Option<H> {
    drm::control::from_u32(id)
}

/// Waits until `fd` is readable, or `timeout`.
pub fn poll_readable(fd: i32, timeout: Duration) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd for the duration of the call.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    n > 0 && pfd.revents & libc::POLLIN != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_time_can_cure_is_waited_for() {
        let p = || PathBuf::from("/dev/dri/card0");
        assert!(
            DisplayError::NoCard(p()).may_pass(),
            "a driver that loads late"
        );
        assert!(
            DisplayError::NoOutput(p()).may_pass(),
            "a TV plugged in later"
        );
        assert!(DisplayError::NotMaster(p()).may_pass());
        assert!(
            !DisplayError::Permission(p()).may_pass(),
            "a set-up error: say it and stop"
        );
        let not_drm = DisplayError::Card {
            path: p(),
            message: "not a DRM card".into(),
        };
        assert!(!not_drm.may_pass());
    }

    #[test]
    fn a_file_that_is_no_card_says_so() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let wanted = Wanted {
            video_formats: plane_formats(),
            max_width: u32::MAX,
            max_height: u32::MAX,
        };
        let err = KmsDisplay::open(file.path(), &wanted, true)
            .err()
            .expect("not a card");
        assert!(err.to_string().contains("not a DRM card"), "{err}");
    }

    #[test]
    fn a_missing_card_says_so() {
        let wanted = Wanted {
            video_formats: vec!["XRGB8888".into()],
            max_width: u32::MAX,
            max_height: u32::MAX,
        };
        let err = KmsDisplay::open(Path::new("/nonexistent/card9"), &wanted, true)
            .err()
            .expect("no card there");
        assert!(matches!(err, DisplayError::NoCard(_)), "{err}");
        assert!(err.to_string().contains("/nonexistent/card9"), "{err}");
    }
}
