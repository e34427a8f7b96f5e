//! The one owner of the box's display: the DRM card opened once, as DRM
//! master, by this module alone. It picks the connector and mode (the TV's
//! preferred mode under the board's cap, through `planes::choose`), keeps
//! two dumb buffers for the UI plane and three for the video plane, and
//! puts both planes on screen in one atomic commit, so the picture and the
//! UI above it never disagree (Kodi's `DRMAtomic` does the same).
//!
//! Why our own commits rather than `kmssink` on the same descriptor:
//! kmssink waits for vblank by reading events from the descriptor it is
//! given, so it and the UI would take each other's page-flip events; and
//! its plane is set outside the UI's commit, so a screen that hides the
//! picture could show a frame with the old geometry. Frames come from the
//! player already scaled to the plane (software decoders hand out system
//! memory, copied once into a dumb buffer). Importing a hardware decoder's
//! DMA-BUFs (`prime_fd_to_buffer`) instead of that copy is the next step on
//! boards with one; vkms, where this is tested, has no such decoder.
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
pub struct Frame<'a> {
    /// The UI buffer was drawn into since the last commit.
    pub ui_changed: bool,
    /// A new picture for the video plane: tightly packed B, G, R, x rows
    /// of this width (the plane's size, as the player was asked for).
    pub video: Option<(&'a [u8], u32)>,
    /// Where the picture goes; None hides it.
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

struct VideoPlaneState {
    plane: plane::Handle,
    /// The primary plane cannot be switched off on every driver: a black
    /// buffer stands for "no picture" there.
    is_primary: bool,
    buffers: Vec<Fb>,
    /// The buffer on screen (or queued), and the one written last.
    shown: usize,
    latest: Option<usize>,
    black: Option<Fb>,
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
    /// Video frames committed so far (`hustings bench display`).
    pub video_commits: u64,
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
            video_commits: 0,
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
            let mut buffers = Vec::new();
            for _ in 0..3 {
                buffers.push(Fb::new(&self.card, size, DrmFourcc::Xrgb8888)?);
            }
            let black = if is_primary {
                Some(Fb::new(&self.card, size, DrmFourcc::Xrgb8888)?)
            } else {
                None
            };
            self.video = Some(VideoPlaneState {
                plane,
                is_primary,
                buffers,
                shown: 0,
                latest: None,
                black,
            });
        } else if !ui_on_primary {
            // The UI is on an overlay: a black primary under it keeps the CRTC lit.
            self.primary_black = Some(Fb::new(&self.card, size, DrmFourcc::Xrgb8888)?);
        }
        let mut req = self.base_request(true)?;
        self.add_planes(&mut req, None)?;
        let flags = AtomicCommitFlags::ALLOW_MODESET;
        self.card
            .atomic_commit(flags | AtomicCommitFlags::TEST_ONLY, req.clone())?;
        self.card.atomic_commit(flags, req)?;
        Ok(())
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
            let picture = v.latest.map(|i| v.buffers[i].fb);
            match (self.shown_rect, picture) {
                (Some(rect), Some(fb)) if !v.is_primary => {
                    self.show_plane(req, v.plane, Some(fb), (rect.width, rect.height), rect)?
                }
                (Some(_), Some(fb)) => self.show_plane(req, v.plane, Some(fb), (w, h), full)?,
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
        if let Some(v) = self.video.take() {
            for fb in v.buffers {
                fb.release(&self.card);
            }
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
    pub fn present(&mut self, frame: Frame<'_>) -> Result<(), DisplayError> {
        let io = |what: &'static str| {
            let path = self.path.clone();
            move |source| DisplayError::Io { path, what, source }
        };
        let new_video = match (&mut self.video, frame.video) {
            (Some(v), Some((bytes, width))) => {
                // The buffer neither on screen nor queued.
                let next = (0..v.buffers.len())
                    .find(|&i| i != v.shown && Some(i) != v.latest)
                    .unwrap_or(0);
                let fb = &mut v.buffers[next];
                let pitch = fb.pitch;
                let dst = fb.bytes();
                copy_rows(bytes, (width as usize * 4).min(pitch), dst, pitch);
                v.latest = Some(next);
                true
            }
            _ => false,
        };
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
        self.card
            .atomic_commit(
                AtomicCommitFlags::NONBLOCK | AtomicCommitFlags::PAGE_FLIP_EVENT,
                req,
            )
            .map_err(io("commit"))?;
        if frame.ui_changed {
            // The other buffer is drawn into next; the caller brings it up
            // to date (it knows what changed since that buffer was shown).
            self.ui_back = 1 - self.ui_back;
        }
        if new_video {
            self.video_commits += 1;
            if let Some(v) = &mut self.video
                && let Some(l) = v.latest
            {
                v.shown = l;
            }
        }
        // Composited, a new picture comes as a UI change.
        self.flip_pending = Some(new_video || (self.video.is_none() && frame.ui_changed));
        self.pending_since = Instant::now();
        tracing::trace!(ui = frame.ui_changed, video = new_video, "commit");
        Ok(())
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

/// The formats the player's frames are made into for a video plane (a
/// CPU copy, so RGB: the planes every driver has take it).
pub fn plane_formats() -> Vec<String> {
    vec!["XRGB8888".into(), "ARGB8888".into()]
}

fn handle<H: ResourceHandle>(id: u32) -> Option<H> {
    drm::control::from_u32(id)
}

/// Copies `row` bytes of each tightly packed source row into rows of `pitch`.
fn copy_rows(src: &[u8], row: usize, dst: &mut [u8], pitch: usize) {
    if row == 0 {
        return;
    }
    for (s, d) in src.chunks_exact(row).zip(dst.chunks_mut(pitch)) {
        let n = s.len().min(d.len());
        d[..n].copy_from_slice(&s[..n]);
    }
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
    fn rows_are_copied_into_a_wider_pitch() {
        let src: Vec<u8> = (0..24).collect();
        let mut dst = vec![0u8; 3 * 10];
        copy_rows(&src, 8, &mut dst, 10);
        assert_eq!(&dst[0..8], &src[0..8]);
        assert_eq!(&dst[8..10], &[0, 0]);
        assert_eq!(&dst[10..18], &src[8..16]);
        assert_eq!(&dst[20..28], &src[16..24]);
    }

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
