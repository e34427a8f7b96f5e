//! Decoded pictures onto the video plane, for [`super::kms_display`]: a
//! DMA-BUF the decoder exported is imported (`prime_fd_to_buffer`) and
//! wrapped in a framebuffer (`add_planar_framebuffer`, its offsets and
//! pitches as the decoder laid them out) with no pixel touched; anything
//! else is copied once into one of three dumb buffers in the picture's own
//! format. Imported framebuffers are cached per DMA-BUF (a decoder recycles
//! a small pool, so each frame is not a new AddFB2) and dropped when the
//! stream changes; the buffer a picture came in is kept alive by the
//! display until the flip that replaces it. A stream whose import the card
//! refuses is copied from then on, said once in the log.
//!
//! Plain data only (fds, fourccs, offsets, pitches, a keep-alive handle):
//! no GStreamer here, the app turns the player's frames into [`Picture`]s.

use std::any::Any;
use std::collections::HashMap;
use std::os::fd::{BorrowedFd, RawFd};

use drm::buffer::{self, DrmFourcc, DrmModifier, PlanarBuffer};
use drm::control::{Device as _, FbCmd2Flags, dumbbuffer::DumbBuffer, framebuffer};
use thiserror::Error;

use super::drm_read::Card;

/// A picture for the video plane.
pub struct Picture {
    pub format: DrmFourcc,
    pub width: u32,
    pub height: u32,
    /// Each plane's offset and pitch in bytes (into its DMA-BUF, or into
    /// the mapped bytes).
    pub planes: Vec<(u32, u32)>,
    /// Pixel aspect ratio (numerator, denominator).
    pub par: (u32, u32),
    pub memory: Memory,
    /// Pictures of one stream (the zap) share one import decision.
    pub stream: u64,
    /// What the player converted ("I420 320x240 -> XRGB8888 1024x768"),
    /// None when the picture is the decoder's own.
    pub converted: Option<String>,
}

/// Where a picture's bytes are.
pub enum Memory {
    /// One DMA-BUF fd per plane (repeated for planes sharing a buffer),
    /// open as long as `keep` lives.
    DmaBuf {
        fds: Vec<RawFd>,
        modifier: Option<u64>,
        keep: Box<dyn Any + Send>,
    },
    /// Readable bytes, valid as long as this lives.
    Mapped(Box<dyn AsRef<[u8]> + Send>),
}

/// How pictures reach the plane now (the log, Settings > Diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub format: String,
    pub imported: bool,
    /// What the player's converter did, when it did.
    pub converted: Option<String>,
    /// Why a DMA-BUF was copied rather than imported.
    pub refused: Option<String>,
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.imported {
            return write!(
                f,
                "frames imported from the decoder's DMA-BUFs ({}, zero-copy)",
                self.format
            );
        }
        match &self.converted {
            Some(how) => write!(f, "frames converted on the CPU ({how}) and copied")?,
            None => write!(
                f,
                "frames in the decoder's own format ({}), copied once",
                self.format
            )?,
        }
        if let Some(why) = &self.refused {
            write!(f, "; DMA-BUF import refused: {why}")?;
        }
        Ok(())
    }
}

/// Why a picture could not be imported or copied.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{0} is not a format this display copies")]
    Format(String),
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("the picture's planes do not fit its buffer")]
    Layout,
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> ImportError {
    move |source| ImportError::Io { what, source }
}

/// Each plane's bytes a row and rows, for the formats this module copies.
pub fn plane_rows(format: DrmFourcc, w: u32, h: u32) -> Option<Vec<(usize, usize)>> {
    use DrmFourcc as F;
    let (w, h) = (w as usize, h as usize);
    let (hw, hh) = (w.div_ceil(2), h.div_ceil(2));
    Some(match format {
        F::Xrgb8888
        | F::Argb8888
        | F::Xbgr8888
        | F::Abgr8888
        | F::Rgbx8888
        | F::Bgrx8888
        | F::Rgba8888
        | F::Bgra8888 => vec![(w * 4, h)],
        F::Rgb565 | F::Yuyv | F::Yvyu | F::Uyvy => vec![(w * 2, h)],
        F::Rgb888 | F::Bgr888 => vec![(w * 3, h)],
        F::Nv12 | F::Nv21 => vec![(w, h), (hw * 2, hh)],
        F::Nv16 => vec![(w, h), (hw * 2, h)],
        F::Nv24 => vec![(w, h), (w * 2, h)],
        F::Yuv420 | F::Yvu420 => vec![(w, h), (hw, hh), (hw, hh)],
        F::Yuv422 => vec![(w, h), (hw, h), (hw, h)],
        F::Yuv444 => vec![(w, h), (w, h), (w, h)],
        F::P010 => vec![(w * 2, h), (hw * 4, hh)],
        _ => return None,
    })
}

/// A framebuffer's description for AddFB2.
struct Planar {
    size: (u32, u32),
    format: DrmFourcc,
    modifier: Option<DrmModifier>,
    handles: [Option<buffer::Handle>; 4],
    pitches: [u32; 4],
    offsets: [u32; 4],
}

impl PlanarBuffer for Planar {
    fn size(&self) -> (u32, u32) {
        self.size
    }
    fn format(&self) -> DrmFourcc {
        self.format
    }
    fn modifier(&self) -> Option<DrmModifier> {
        self.modifier
    }
    fn pitches(&self) -> [u32; 4] {
        self.pitches
    }
    fn handles(&self) -> [Option<buffer::Handle>; 4] {
        self.handles
    }
    fn offsets(&self) -> [u32; 4] {
        self.offsets
    }
}

fn add_fb(card: &Card, p: &Planar) -> std::io::Result<framebuffer::Handle> {
    let flags = if p.modifier.is_some() {
        FbCmd2Flags::MODIFIERS
    } else {
        FbCmd2Flags::empty()
    };
    card.add_planar_framebuffer(p, flags)
}

/// A dumb buffer in a picture's format, mapped, for the copy path.
pub struct CopyBuffer {
    buffer: DumbBuffer,
    pub fb: framebuffer::Handle,
    pub format: DrmFourcc,
    pub size: (u32, u32),
    map: *mut u8,
    len: usize,
    /// Each plane's offset and pitch.
    layout: Vec<(usize, usize)>,
}

impl CopyBuffer {
    /// A buffer for `format` at `size`: one dumb buffer (8 bits a pixel,
    /// as wide as the widest plane's row) with the planes one below the other.
    pub(crate) fn new(
        card: &Card,
        format: DrmFourcc,
        size: (u32, u32),
    ) -> Result<Self, ImportError> {
        let rows =
            plane_rows(format, size.0, size.1).ok_or(ImportError::Format(format.to_string()))?;
        let widest = rows.iter().map(|r| r.0).max().unwrap_or(0) as u32;
        let total: usize = rows.iter().map(|r| r.1).sum();
        let mut buffer = card
            .create_dumb_buffer((widest, total as u32), DrmFourcc::C8, 8)
            .map_err(io("dumb buffer"))?;
        let pitch = drm::buffer::Buffer::pitch(&buffer) as usize;
        let mut layout = Vec::new();
        let mut at = 0;
        for r in &rows {
            layout.push((at, pitch));
            at += r.1 * pitch;
        }
        let mut planar = Planar {
            size,
            format,
            modifier: None,
            handles: [None; 4],
            pitches: [0; 4],
            offsets: [0; 4],
        };
        for (i, (off, pitch)) in layout.iter().enumerate() {
            planar.handles[i] = Some(drm::buffer::Buffer::handle(&buffer));
            planar.pitches[i] = *pitch as u32;
            planar.offsets[i] = *off as u32;
        }
        let fb = match add_fb(card, &planar) {
            Ok(fb) => fb,
            Err(e) => {
                let _ = card.destroy_dumb_buffer(buffer);
                return Err(ImportError::Io {
                    what: "framebuffer",
                    source: e,
                });
            }
        };
        let mapped = card.map_dumb_buffer(&mut buffer).map(|mut m| {
            let at = (m.as_mut_ptr(), m.len());
            // The mapping lives as long as this buffer (unmapped in
            // `release`), not as long as the borrow the drm crate ties it to.
            std::mem::forget(m);
            at
        });
        let (map, len) = match mapped {
            Ok(at) => at,
            Err(e) => {
                let _ = card.destroy_framebuffer(fb);
                let _ = card.destroy_dumb_buffer(buffer);
                return Err(ImportError::Io {
                    what: "mapping a dumb buffer",
                    source: e,
                });
            }
        };
        Ok(CopyBuffer {
            buffer,
            fb,
            format,
            size,
            map,
            len,
            layout,
        })
    }

    /// Copies `picture`'s planes in; `src` reads the picture's plane `i`
    /// (its bytes from the plane's start, `pitch` a row).
    fn fill(&mut self, rows: &[(usize, usize)], src: &[(&[u8], usize)]) -> Result<(), ImportError> {
        // SAFETY: the mapping is live until `release`, and &mut self makes it exclusive.
        let dst = unsafe { std::slice::from_raw_parts_mut(self.map, self.len) };
        for (i, &(row, n)) in rows.iter().enumerate() {
            let (bytes, pitch) = src.get(i).ok_or(ImportError::Layout)?;
            let (off, dpitch) = self.layout[i];
            for y in 0..n {
                let s = bytes
                    .get(y * pitch..y * pitch + row)
                    .ok_or(ImportError::Layout)?;
                let d = dst
                    .get_mut(off + y * dpitch..off + y * dpitch + row)
                    .ok_or(ImportError::Layout)?;
                d.copy_from_slice(s);
            }
        }
        Ok(())
    }

    pub(crate) fn release(self, card: &Card) {
        // SAFETY: map/len are the mapping made in `new`, unmapped once here.
        unsafe { libc::munmap(self.map.cast(), self.len) };
        let _ = card.destroy_framebuffer(self.fb);
        let _ = card.destroy_dumb_buffer(self.buffer);
    }
}

/// Copies `picture` into `target`, reading its memory however it came.
pub fn copy_into(target: &mut CopyBuffer, picture: &Picture) -> Result<(), ImportError> {
    let rows = plane_rows(picture.format, picture.width, picture.height)
        .ok_or(ImportError::Format(picture.format.to_string()))?;
    if picture.planes.len() < rows.len() {
        return Err(ImportError::Layout);
    }
    match &picture.memory {
        Memory::Mapped(bytes) => {
            let bytes = (**bytes).as_ref();
            let mut src = Vec::new();
            for &(off, pitch) in &picture.planes[..rows.len()] {
                src.push((
                    bytes.get(off as usize..).ok_or(ImportError::Layout)?,
                    pitch as usize,
                ));
            }
            target.fill(&rows, &src)
        }
        Memory::DmaBuf { fds, .. } => {
            // Each distinct DMA-BUF mapped once, read between the sync
            // ioctls that make the CPU's view coherent.
            let mut maps: Vec<(RawFd, DmaBufMap)> = Vec::new();
            for &fd in fds {
                if !maps.iter().any(|(f, _)| *f == fd) {
                    maps.push((fd, DmaBufMap::new(fd)?));
                }
            }
            let mut src = Vec::new();
            for (i, &(off, pitch)) in picture.planes[..rows.len()].iter().enumerate() {
                let fd = *fds.get(i).or(fds.first()).ok_or(ImportError::Layout)?;
                let map = &maps.iter().find(|(f, _)| *f == fd).expect("mapped above").1;
                src.push((
                    map.bytes().get(off as usize..).ok_or(ImportError::Layout)?,
                    pitch as usize,
                ));
            }
            target.fill(&rows, &src)
        }
    }
}

/// A DMA-BUF mapped for reading, between `DMA_BUF_IOCTL_SYNC` start and end.
struct DmaBufMap {
    fd: RawFd,
    map: *mut u8,
    len: usize,
}

/// `DMA_BUF_IOCTL_SYNC` (`_IOW('b', 0, struct dma_buf_sync)`) and its flags.
const DMA_BUF_IOCTL_SYNC: libc::c_ulong = 0x4008_6200;
const DMA_BUF_SYNC_READ: u64 = 1;
const DMA_BUF_SYNC_START: u64 = 0;
const DMA_BUF_SYNC_END: u64 = 4;

impl DmaBufMap {
    fn new(fd: RawFd) -> Result<DmaBufMap, ImportError> {
        // SAFETY: lseek on a descriptor the picture keeps open.
        let len = unsafe { libc::lseek(fd, 0, libc::SEEK_END) };
        if len <= 0 {
            return Err(ImportError::Io {
                what: "DMA-BUF size",
                source: std::io::Error::last_os_error(),
            });
        }
        let len = len as usize;
        // SAFETY: a read-only shared mapping of len bytes of the DMA-BUF.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd,
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(ImportError::Io {
                what: "mapping a DMA-BUF",
                source: std::io::Error::last_os_error(),
            });
        }
        let flags: u64 = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
        // SAFETY: the ioctl reads one u64 (struct dma_buf_sync) from a live value.
        unsafe { libc::ioctl(fd, DMA_BUF_IOCTL_SYNC, &flags) };
        Ok(DmaBufMap {
            fd,
            map: map.cast(),
            len,
        })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: mapped for len bytes until drop.
        unsafe { std::slice::from_raw_parts(self.map, self.len) }
    }
}

impl Drop for DmaBufMap {
    fn drop(&mut self) {
        let flags: u64 = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
        // SAFETY: as in `new`; then the mapping made there is unmapped once.
        unsafe {
            libc::ioctl(self.fd, DMA_BUF_IOCTL_SYNC, &flags);
            libc::munmap(self.map.cast(), self.len);
        }
    }
}

/// A DMA-BUF's identity: its inode, unique while the buffer lives (the
/// fd number is not: another buffer may get it once this one is closed).
fn inode(fd: RawFd) -> std::io::Result<u64> {
    // SAFETY: fstat fills the struct it is given.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(st.st_ino)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    inodes: Vec<u64>,
    planes: Vec<(u32, u32)>,
    format: u32,
    size: (u32, u32),
}

struct Imported {
    fb: framebuffer::Handle,
    gems: Vec<buffer::Handle>,
    stream: u64,
    used: u64,
}

/// Framebuffers made from imported DMA-BUFs, per buffer.
#[derive(Default)]
pub struct ImportCache {
    entries: HashMap<Key, Imported>,
    tick: u64,
    /// Framebuffers made (AddFB2 calls), for tests and benches.
    pub made: u64,
}

/// Decoders recycle pools of 4 to ~20 buffers; past this the oldest go.
const CACHE_MAX: usize = 32;

impl ImportCache {
    /// The framebuffer for `picture` (a DMA-BUF picture), made on first sight.
    /// `in_use` are framebuffers still on screen or queued: never dropped.
    pub(crate) fn framebuffer(
        &mut self,
        card: &Card,
        picture: &Picture,
        in_use: &[framebuffer::Handle],
    ) -> Result<framebuffer::Handle, ImportError> {
        let Memory::DmaBuf { fds, modifier, .. } = &picture.memory else {
            return Err(ImportError::Layout);
        };
        if fds.is_empty() || fds.len() < picture.planes.len() || picture.planes.len() > 4 {
            return Err(ImportError::Layout);
        }
        let inodes = fds
            .iter()
            .map(|&fd| inode(fd))
            .collect::<Result<Vec<_>, _>>()
            .map_err(io("DMA-BUF identity"))?;
        let key = Key {
            inodes,
            planes: picture.planes.clone(),
            format: picture.format as u32,
            size: (picture.width, picture.height),
        };
        self.tick += 1;
        // A new stream: the old one's buffers are going back to a pool that
        // is being freed; our imports must not keep its memory alive.
        let (stream, tick) = (picture.stream, self.tick);
        self.drop_where(card, |e| e.stream != stream, in_use);
        if let Some(e) = self.entries.get_mut(&key) {
            e.used = tick;
            return Ok(e.fb);
        }
        if self.entries.len() >= CACHE_MAX {
            let oldest = self
                .entries
                .values()
                .filter(|e| !in_use.contains(&e.fb))
                .map(|e| e.used)
                .min();
            if let Some(oldest) = oldest {
                self.drop_where(card, |e| e.used == oldest, in_use);
            }
        }
        let mut gems: Vec<buffer::Handle> = Vec::new();
        let mut planar = Planar {
            size: (picture.width, picture.height),
            format: picture.format,
            modifier: modifier.map(DrmModifier::from),
            handles: [None; 4],
            pitches: [0; 4],
            offsets: [0; 4],
        };
        for (i, &(offset, pitch)) in picture.planes.iter().enumerate() {
            // SAFETY: the picture keeps its fds open while it lives.
            let fd = unsafe { BorrowedFd::borrow_raw(fds[i]) };
            let gem = match card.prime_fd_to_buffer(fd) {
                Ok(g) => g,
                Err(e) => {
                    close_all(card, &gems);
                    return Err(ImportError::Io {
                        what: "PRIME import",
                        source: e,
                    });
                }
            };
            // One buffer imported twice gives the same handle (closed once).
            if !gems.contains(&gem) {
                gems.push(gem);
            }
            planar.handles[i] = Some(gem);
            planar.pitches[i] = pitch;
            planar.offsets[i] = offset;
        }
        let fb = match add_fb(card, &planar) {
            Ok(fb) => fb,
            Err(e) => {
                close_all(card, &gems);
                return Err(ImportError::Io {
                    what: "AddFB2",
                    source: e,
                });
            }
        };
        self.made += 1;
        self.entries.insert(
            key,
            Imported {
                fb,
                gems,
                stream,
                used: tick,
            },
        );
        Ok(fb)
    }

    /// Drops the framebuffer `fb` was made for (a test commit refused it).
    pub(crate) fn forget(&mut self, card: &Card, fb: framebuffer::Handle) {
        self.drop_where(card, |e| e.fb == fb, &[]);
    }

    fn drop_where(
        &mut self,
        card: &Card,
        doomed: impl Fn(&Imported) -> bool,
        in_use: &[framebuffer::Handle],
    ) {
        let keys: Vec<Key> = self
            .entries
            .iter()
            .filter(|(_, e)| doomed(e) && !in_use.contains(&e.fb))
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some(e) = self.entries.remove(&k) {
                let _ = card.destroy_framebuffer(e.fb);
                close_all(card, &e.gems);
            }
        }
    }

    /// Every framebuffer gone (the display closes; nothing is on screen).
    pub(crate) fn clear(&mut self, card: &Card) {
        self.drop_where(card, |_| true, &[]);
    }

    /// Framebuffers held now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn close_all(card: &Card, gems: &[buffer::Handle]) {
    for &g in gems {
        let _ = card.close_buffer(g);
    }
}

/// Where a picture of `size` (with pixel aspect `par`) goes inside `area`
/// keeping its shape: the largest centred rectangle (letterbox or pillarbox).
pub fn letterbox(
    area: (i32, i32, u32, u32),
    size: (u32, u32),
    par: (u32, u32),
) -> (i32, i32, u32, u32) {
    let (x, y, aw, ah) = area;
    let pw = u64::from(size.0) * u64::from(par.0.max(1));
    let ph = u64::from(size.1) * u64::from(par.1.max(1));
    if pw == 0 || ph == 0 || aw == 0 || ah == 0 {
        return area;
    }
    // Width-limited unless that makes it too tall.
    let (w, h) = if u64::from(aw) * ph <= u64::from(ah) * pw {
        (u64::from(aw), (u64::from(aw) * ph / pw).max(1))
    } else {
        ((u64::from(ah) * pw / ph).max(1), u64::from(ah))
    };
    let (w, h) = (w as u32, h as u32);
    (x + ((aw - w) / 2) as i32, y + ((ah - h) / 2) as i32, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_keeps_its_shape_inside_the_screen() {
        let screen = (0, 0, 1920, 1080);
        assert_eq!(
            letterbox(screen, (1280, 720), (1, 1)),
            screen,
            "16:9 fills 16:9"
        );
        assert_eq!(
            letterbox(screen, (640, 480), (1, 1)),
            (240, 0, 1440, 1080),
            "4:3 pillarboxed"
        );
        assert_eq!(
            letterbox((0, 0, 1024, 768), (1920, 1080), (1, 1)),
            (0, 96, 1024, 576),
            "16:9 letterboxed on 4:3"
        );
        assert_eq!(
            letterbox(screen, (720, 576), (64, 45)),
            screen,
            "anamorphic SD widescreen (PAR 64:45) fills 16:9"
        );
    }

    #[test]
    fn planes_are_sized_per_format() {
        assert_eq!(plane_rows(DrmFourcc::Xrgb8888, 10, 4), Some(vec![(40, 4)]));
        assert_eq!(
            plane_rows(DrmFourcc::Nv12, 9, 5),
            Some(vec![(9, 5), (10, 3)]),
            "odd sizes round the chroma up"
        );
        assert_eq!(
            plane_rows(DrmFourcc::Yuv420, 8, 4),
            Some(vec![(8, 4), (4, 2), (4, 2)])
        );
        assert_eq!(plane_rows(DrmFourcc::Yuyv, 8, 2), Some(vec![(16, 2)]));
        assert_eq!(plane_rows(DrmFourcc::C8, 8, 2), None);
    }

    #[test]
    fn the_route_says_how_frames_reach_the_plane() {
        let mut r = Route {
            format: "NV12".into(),
            imported: true,
            converted: None,
            refused: None,
        };
        assert!(r.to_string().contains("imported"), "{r}");
        assert!(r.to_string().contains("zero-copy"), "{r}");
        r.imported = false;
        assert!(
            r.to_string().contains("own format (NV12), copied once"),
            "{r}"
        );
        r.converted = Some("I420 320x240 -> XRGB8888 1024x768".into());
        r.refused = Some("AddFB2: Invalid argument".into());
        let s = r.to_string();
        assert!(s.contains("converted on the CPU (I420 320x240"), "{s}");
        assert!(s.contains("import refused: AddFB2"), "{s}");
    }
}
