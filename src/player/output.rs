//! Video output: the appsink bin that hands decoded frames to the app,
//! RGBA for the UI to composite, or for a display's video plane as the
//! plane takes them: in one of the plane's own formats (DRM fourccs mapped
//! to GStreamer's names below), at the decoder's size where the plane
//! scales. `videoconvertscale` sits in front of the appsink in both cases,
//! but for a plane it works only when the decoder's format is not one the
//! plane takes (or the plane cannot scale and the size differs): otherwise
//! it is in passthrough and the decoder's own buffer reaches the app, DMA-BUF
//! memory included (in GStreamer 1.22 a v4l2 decoder hands DMA-BUF memory
//! under plain `video/x-raw` caps). A plane frame is plain data (fds,
//! offsets, pitches, a keep-alive handle): `platform` never sees GStreamer.

use std::any::Any;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_allocators as gst_alloc;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use super::phases::Marks;
use super::{DecoderInfo, PlayerInitError, ZapId, ZapPhase};

/// The frames the app wants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FrameShape {
    /// RGBA at the stream's size, for the UI to composite.
    #[default]
    Rgba,
    /// For a video plane: one of `formats` (DRM names, best first, as
    /// [`drm_to_gst`] knows them), at the stream's own size when `size` is
    /// None (the plane scales), else scaled into `size` with black borders
    /// (a plane that cannot scale).
    Plane {
        formats: Vec<String>,
        size: Option<(u32, u32)>,
    },
}

/// DRM fourcc names and GStreamer's names for the same memory layout
/// (DRM names the bits of a little-endian word, GStreamer the bytes:
/// XRGB8888 is B, G, R, x in memory, GStreamer's BGRx).
const FORMATS: &[(&str, &str)] = &[
    ("XRGB8888", "BGRx"),
    ("ARGB8888", "BGRA"),
    ("XBGR8888", "RGBx"),
    ("ABGR8888", "RGBA"),
    ("RGBX8888", "xBGR"),
    ("BGRX8888", "xRGB"),
    ("RGBA8888", "ABGR"),
    ("BGRA8888", "ARGB"),
    ("RGB565", "RGB16"),
    ("RGB888", "BGR"),
    ("BGR888", "RGB"),
    ("NV12", "NV12"),
    ("NV21", "NV21"),
    ("NV16", "NV16"),
    ("NV24", "NV24"),
    ("YUYV", "YUY2"),
    ("YVYU", "YVYU"),
    ("UYVY", "UYVY"),
    ("YUV420", "I420"),
    ("YVU420", "YV12"),
    ("YUV422", "Y42B"),
    ("YUV444", "Y444"),
    ("P010", "P010_10LE"),
];

/// GStreamer's name for a DRM format, where there is one.
pub fn drm_to_gst(drm: &str) -> Option<&'static str> {
    FORMATS.iter().find(|(d, _)| *d == drm).map(|(_, g)| *g)
}

/// The DRM name of a GStreamer format, where there is one.
pub fn gst_to_drm(gst: &str) -> Option<&'static str> {
    FORMATS.iter().find(|(_, g)| *g == gst).map(|(d, _)| *d)
}

/// Every DRM format a plane frame can be handed out in.
pub fn plane_format_names() -> Vec<&'static str> {
    FORMATS.iter().map(|(d, _)| *d).collect()
}

/// One decoded picture.
pub struct VideoFrame {
    pub zap: ZapId,
    pub width: u32,
    pub height: u32,
    pub pixels: Pixels,
    /// On the first frame of each zap only: what made it. A zap's first
    /// picture and the facts about it travel together, so the app learns
    /// of them by one route (the frame slot keeps it on a newer frame that
    /// replaces this one unseen, see `app::FrameSlot`).
    pub origin: Option<FrameOrigin>,
}

/// The URL and the video decoder a zap's first frame came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameOrigin {
    pub url: String,
    pub decoder: Option<DecoderInfo>,
}

/// A frame's pixels.
pub enum Pixels {
    /// Tightly packed R, G, B, A rows, for the UI.
    Rgba(Arc<Vec<u8>>),
    /// A picture for a video plane, in the buffer it was decoded (or
    /// converted) into.
    Plane(PlanePicture),
}

impl Pixels {
    /// The RGBA bytes of a UI frame.
    pub fn rgba(&self) -> Option<&[u8]> {
        match self {
            Pixels::Rgba(b) => Some(b),
            Pixels::Plane(_) => None,
        }
    }
}

/// A picture for a video plane, as plain data.
pub struct PlanePicture {
    /// The DRM format name (XRGB8888, NV12, ...).
    pub format: &'static str,
    /// Each plane's offset and pitch in bytes (into its DMA-BUF, or into
    /// the mapped bytes).
    pub planes: Vec<(u32, u32)>,
    pub memory: PictureMemory,
    /// The pixel aspect ratio (numerator, denominator).
    pub par: (u32, u32),
    /// What our converter did to the decoder's output ("I420 320x240 ->
    /// XRGB8888 1024x768"), None when the frame is the decoder's own.
    pub converted: Option<String>,
}

/// Where a plane picture's bytes are.
pub enum PictureMemory {
    /// DMA-BUFs, one fd for each plane (the same fd again for planes in one
    /// buffer), open as long as `keep` lives.
    DmaBuf {
        fds: Vec<RawFd>,
        /// The DRM format modifier, when the producer said (else linear).
        modifier: Option<u64>,
        keep: Box<dyn Any + Send>,
    },
    /// System memory, mapped for reading as long as this lives.
    Mapped(Box<dyn AsRef<[u8]> + Send>),
}

impl std::fmt::Debug for VideoFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VideoFrame(zap {}, {}x{})",
            self.zap, self.width, self.height
        )
    }
}

/// Receives frames on a GStreamer streaming thread; must return quickly.
pub type FrameSink = Arc<dyn Fn(VideoFrame) + Send + Sync>;

/// The appsink's caps for `shape`.
fn sink_caps(shape: &FrameShape) -> gst::Caps {
    match shape {
        FrameShape::Rgba => gst::Caps::builder("video/x-raw")
            .field("format", "RGBA")
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1))
            .build(),
        FrameShape::Plane { formats, size } => {
            let names: Vec<&str> = formats.iter().filter_map(|f| drm_to_gst(f)).collect();
            let names = if names.is_empty() {
                vec!["BGRx"]
            } else {
                names
            };
            let mut caps = gst::Caps::builder("video/x-raw").field("format", gst::List::new(names));
            if let Some((w, h)) = size {
                // videoconvertscale keeps the aspect ratio with black borders (add-borders).
                caps = caps
                    .field("width", *w as i32)
                    .field("height", *h as i32)
                    .field("pixel-aspect-ratio", gst::Fraction::new(1, 1));
            }
            caps.build()
        }
    }
}

/// Builds `videoconvertscale ! appsink` (caps from `shape`) as one bin.
/// Frames are tagged with the current zap, counted, and the first of each
/// zap is marked as displayed.
pub(crate) fn video_sink(
    marks: Arc<Marks>,
    frames: FrameSink,
    shape: FrameShape,
) -> Result<gst::Element, PlayerInitError> {
    let make = |name: &str| {
        gst::ElementFactory::make(name)
            .build()
            .map_err(|_| PlayerInitError::MissingElement(name.to_string()))
    };
    // One element for both (GStreamer 1.22): half the caps queries of
    // videoconvert ! videoscale, which a zap waits for when it negotiates.
    let convert = make("videoconvertscale")?;
    let caps = sink_caps(&shape);
    // max-buffers=1 + drop: the UI wants the newest picture, never a backlog.
    let appsink = gst_app::AppSink::builder()
        .caps(&caps)
        .max_buffers(1)
        .drop(true)
        .sync(true)
        .build();
    let input = convert
        .static_pad("sink")
        .expect("videoconvertscale always has a sink pad");
    let plane = matches!(shape, FrameShape::Plane { .. });
    let deliver = {
        let input = input.clone();
        move |sample: gst::Sample| {
            let zap = marks.zap.load(Ordering::Acquire);
            let frame = if plane {
                to_plane_frame(sample, zap, input.current_caps())
            } else {
                to_rgba_frame(&sample, zap)
            };
            if let Some(mut frame) = frame {
                marks.frames.fetch_add(1, Ordering::Relaxed);
                if marks.mark_for(ZapPhase::FirstDisplayedFrame, zap) {
                    frame.origin = Some(marks.origin());
                }
                frames(frame);
            }
        }
    };
    let deliver = Arc::new(deliver);
    let on_preroll = deliver.clone();
    appsink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |s| {
                let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                deliver(sample);
                Ok(gst::FlowSuccess::Ok)
            })
            .new_preroll(move |s| {
                let sample = s.pull_preroll().map_err(|_| gst::FlowError::Eos)?;
                on_preroll(sample);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    let bin = gst::Bin::builder().name("video-output").build();
    let sink: gst::Element = appsink.upcast();
    bin.add_many([&convert, &sink])
        .map_err(|e| PlayerInitError::Build(e.to_string()))?;
    convert
        .link_filtered(&sink, &caps)
        .map_err(|e| PlayerInitError::Build(e.to_string()))?;
    let ghost =
        gst::GhostPad::with_target(&input).map_err(|e| PlayerInitError::Build(e.to_string()))?;
    bin.add_pad(&ghost)
        .map_err(|e| PlayerInitError::Build(e.to_string()))?;
    Ok(bin.upcast())
}

/// Tells a capture card's source (`v4l2://`: v4l2src) which formats the
/// video output takes as they are. playbin3 puts urisourcebin and
/// decodebin3 after it, which answer its caps query with ANY, so it would
/// take its own first format (YUYV) and every frame would be converted;
/// with the plane's caps in front of that answer it picks one the plane
/// shows, when the card has one, and its DMA-BUFs can be imported.
pub(crate) fn prefer_output_formats(playbin: &gst::Element, shape: &FrameShape) {
    if !matches!(shape, FrameShape::Plane { .. }) {
        return;
    }
    let wanted = sink_caps(shape);
    playbin.connect("source-setup", false, move |args| {
        let source = args.get(1)?.get::<gst::Element>().ok()?;
        if source.factory().is_none_or(|f| f.name() != "v4l2src") {
            return None;
        }
        let pad = source.static_pad("src")?;
        let wanted = wanted.clone();
        pad.add_probe(
            gst::PadProbeType::QUERY_DOWNSTREAM | gst::PadProbeType::PULL,
            move |pad, info| {
                if let Some(gst::QueryViewMut::Caps(q)) = info.query_mut().map(|q| q.view_mut())
                    && q.result().is_some_and(|c| c.is_any())
                {
                    // Ours first, then whatever the card can do.
                    let mut caps = wanted.clone();
                    caps.merge(pad.pad_template_caps());
                    q.set_result(&caps);
                }
                gst::PadProbeReturn::Ok
            },
        );
        None
    });
}

fn to_rgba_frame(sample: &gst::Sample, zap: ZapId) -> Option<VideoFrame> {
    let buffer = sample.buffer()?;
    let info = gst_video::VideoInfo::from_caps(sample.caps()?).ok()?;
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info).ok()?;
    let (w, h) = (info.width(), info.height());
    let stride = info.stride()[0] as usize;
    let data = frame.plane_data(0).ok()?;
    let row = w as usize * 4;
    let mut rgba = Vec::with_capacity(row * h as usize);
    for y in 0..h as usize {
        rgba.extend_from_slice(data.get(y * stride..y * stride + row)?);
    }
    Some(VideoFrame {
        zap,
        width: w,
        height: h,
        pixels: Pixels::Rgba(Arc::new(rgba)),
        origin: None,
    })
}

/// What the converter did between `input` (its sink caps) and the frame's
/// caps, None when nothing (it was in passthrough).
fn conversion(input: Option<&gst::Caps>, out: &gst_video::VideoInfo) -> Option<String> {
    let name = |f: gst_video::VideoFormat| {
        let g = f.to_str();
        gst_to_drm(g).map_or_else(|| g.to_string(), str::to_string)
    };
    let info = input.and_then(|c| gst_video::VideoInfo::from_caps(c).ok())?;
    let same = info.format() == out.format()
        && info.width() == out.width()
        && info.height() == out.height();
    (!same).then(|| {
        format!(
            "{} {}x{} -> {} {}x{}",
            name(info.format()),
            info.width(),
            info.height(),
            name(out.format()),
            out.width(),
            out.height()
        )
    })
}

/// A plane frame: the sample's buffer itself, its DMA-BUF fds where every
/// memory is one, else mapped for reading. No pixel is touched here.
fn to_plane_frame(sample: gst::Sample, zap: ZapId, input: Option<gst::Caps>) -> Option<VideoFrame> {
    let info = gst_video::VideoInfo::from_caps(sample.caps()?).ok()?;
    let format = gst_to_drm(info.format().to_str())?;
    let buffer = sample.buffer_owned()?;
    // Offsets and strides: the producer's VideoMeta (a decoder's padded
    // pool), else the caps' defaults.
    let (offsets, strides): (Vec<usize>, Vec<i32>) = match buffer.meta::<gst_video::VideoMeta>() {
        Some(meta) => (meta.offset().to_vec(), meta.stride().to_vec()),
        None => (info.offset().to_vec(), info.stride().to_vec()),
    };
    let n = info.n_planes() as usize;
    let par = info.par();
    let converted = conversion(input.as_ref(), &info);
    let dmabuf = buffer.n_memory() > 0
        && buffer
            .iter_memories()
            .all(|m| m.is_memory_type::<gst_alloc::DmaBufMemory>());
    let (planes, memory) = if dmabuf {
        let mut planes = Vec::with_capacity(n);
        let mut fds = Vec::with_capacity(n);
        for p in 0..n {
            // The memory holding this plane, and where in its DMA-BUF it starts.
            let (idx, skip) = buffer.find_memory(offsets[p]..offsets[p] + 1)?;
            let mem = buffer.peek_memory(idx.start);
            let fd = mem.downcast_memory_ref::<gst_alloc::DmaBufMemory>()?.fd();
            fds.push(fd);
            planes.push(((mem.offset() + skip) as u32, strides[p] as u32));
        }
        let memory = PictureMemory::DmaBuf {
            fds,
            modifier: None,
            keep: Box::new(buffer),
        };
        (planes, memory)
    } else {
        let planes = (0..n)
            .map(|p| (offsets[p] as u32, strides[p] as u32))
            .collect();
        let mapped = buffer.into_mapped_buffer_readable().ok()?;
        (planes, PictureMemory::Mapped(Box::new(mapped)))
    };
    Some(VideoFrame {
        zap,
        width: info.width(),
        height: info.height(),
        pixels: Pixels::Plane(PlanePicture {
            format,
            planes,
            memory,
            par: (par.numer().max(1) as u32, par.denom().max(1) as u32),
            converted,
        }),
        origin: None,
    })
}

/// An audio sink that works here: the system's, or a clock-synchronised
/// fakesink when there is no sound device (a headless box still plays in time).
pub(crate) fn audio_sink(want_audio: bool) -> Result<gst::Element, PlayerInitError> {
    if want_audio
        && let Ok(sink) = gst::ElementFactory::make("autoaudiosink").build()
        && sink.set_state(gst::State::Ready).is_ok()
    {
        let _ = sink.set_state(gst::State::Null);
        return Ok(sink);
    }
    gst::ElementFactory::make("fakesink")
        .property("sync", true)
        .build()
        .map_err(|_| PlayerInitError::MissingElement("fakesink".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicU64;

    /// Plays `num-buffers=3` of `caps` from videotestsrc into the plane bin;
    /// returns the frames and the addresses of the source's pixels.
    fn play(caps: &str, shape: FrameShape) -> (Vec<VideoFrame>, Vec<usize>) {
        gst::init().unwrap();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let marks = Marks::new(Arc::new(AtomicU64::new(1)), tx);
        let got = Arc::new(Mutex::new(Vec::new()));
        let into = got.clone();
        let sink = video_sink(
            marks,
            Arc::new(move |f| into.lock().unwrap().push(f)),
            shape,
        )
        .unwrap();
        let pipeline = gst::parse::launch(&format!(
            "videotestsrc num-buffers=3 ! {caps} ! identity name=tap"
        ))
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
        pipeline.add(&sink).unwrap();
        let tap = pipeline.by_name("tap").unwrap();
        tap.link(&sink).unwrap();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let record = sent.clone();
        tap.static_pad("src")
            .unwrap()
            .add_probe(gst::PadProbeType::BUFFER, move |_, info| {
                if let Some(b) = info.buffer()
                    && let Ok(map) = b.map_readable()
                {
                    record.lock().unwrap().push(map.as_ptr() as usize);
                }
                gst::PadProbeReturn::Ok
            });
        pipeline.set_state(gst::State::Playing).unwrap();
        let bus = pipeline.bus().unwrap();
        let msg = bus
            .timed_pop_filtered(
                gst::ClockTime::from_seconds(20),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            )
            .expect("the stream ends");
        assert!(matches!(msg.view(), gst::MessageView::Eos(_)), "{msg:?}");
        pipeline.set_state(gst::State::Null).unwrap();
        let frames = std::mem::take(&mut *got.lock().unwrap());
        let sent = sent.lock().unwrap().clone();
        (frames, sent)
    }

    fn plane(f: &VideoFrame) -> &PlanePicture {
        match &f.pixels {
            Pixels::Plane(p) => p,
            Pixels::Rgba(_) => panic!("a plane frame"),
        }
    }

    fn address(p: &PlanePicture) -> usize {
        match &p.memory {
            PictureMemory::Mapped(m) => (**m).as_ref().as_ptr() as usize,
            PictureMemory::DmaBuf { .. } => 0,
        }
    }

    #[test]
    fn a_bgrx_stream_reaches_an_xrgb8888_plane_as_decoded_with_no_conversion() {
        let shape = FrameShape::Plane {
            formats: vec!["XRGB8888".into(), "ARGB8888".into()],
            size: None,
        };
        let (frames, sent) = play("video/x-raw,format=BGRx,width=320,height=240", shape);
        assert!(!frames.is_empty(), "frames came");
        for f in &frames {
            let p = plane(f);
            assert_eq!((p.format, f.width, f.height), ("XRGB8888", 320, 240));
            assert_eq!(p.converted, None, "videoconvertscale in passthrough");
            assert_eq!(p.planes, vec![(0, 1280)]);
            assert!(
                sent.contains(&address(p)),
                "the source's own pixels reach the app (no copy): {:x} not in {sent:x?}",
                address(p)
            );
        }
    }

    #[test]
    fn a_format_the_plane_cannot_take_is_converted_and_said() {
        let shape = FrameShape::Plane {
            formats: vec!["XRGB8888".into()],
            size: None,
        };
        let (frames, sent) = play("video/x-raw,format=I420,width=320,height=240", shape);
        let p = plane(frames.first().expect("frames came"));
        assert_eq!(p.format, "XRGB8888");
        assert_eq!(
            p.converted.as_deref(),
            Some("YUV420 320x240 -> XRGB8888 320x240")
        );
        assert!(!sent.contains(&address(p)), "new pixels");
    }

    #[test]
    fn a_native_format_is_kept_but_scaled_when_the_plane_cannot_scale() {
        let shape = FrameShape::Plane {
            formats: vec!["XRGB8888".into(), "NV12".into()],
            size: Some((640, 360)),
        };
        let (frames, _) = play("video/x-raw,format=NV12,width=320,height=240", shape);
        let f = frames.first().expect("frames came");
        let p = plane(f);
        assert_eq!((p.format, f.width, f.height), ("NV12", 640, 360));
        assert_eq!(p.converted.as_deref(), Some("NV12 320x240 -> NV12 640x360"));
        assert_eq!(p.planes.len(), 2, "Y and UV planes");
    }

    #[test]
    fn drm_and_gstreamer_names_map_both_ways() {
        for (drm, gst) in [("XRGB8888", "BGRx"), ("NV12", "NV12"), ("YUYV", "YUY2")] {
            assert_eq!(drm_to_gst(drm), Some(gst));
            assert_eq!(gst_to_drm(gst), Some(drm));
        }
        assert_eq!(drm_to_gst("XR48"), None);
    }
}
