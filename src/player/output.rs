//! Video output: the appsink bin that hands decoded frames to the app,
//! RGBA for the UI to composite, or BGRx at the screen's size for the
//! display's video plane (`platform::kms_display` copies them into its
//! buffers; DRM's XRGB8888 is BGRx in memory).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use super::phases::Marks;
use super::{PlayerInitError, ZapId, ZapPhase};

/// The pixels of handed-out frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PixelFormat {
    /// R, G, B, A bytes: what the UI's images take.
    #[default]
    Rgba,
    /// B, G, R, x bytes: DRM's XRGB8888, what a video plane takes.
    Bgrx,
}

impl PixelFormat {
    /// GStreamer's name for it.
    pub fn gst_name(self) -> &'static str {
        match self {
            PixelFormat::Rgba => "RGBA",
            PixelFormat::Bgrx => "BGRx",
        }
    }
}

/// The frames the app wants: their pixels, and a fixed size (the picture
/// scaled into it with black borders, as a plane that cannot scale needs)
/// or the stream's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameShape {
    pub format: PixelFormat,
    pub size: Option<(u32, u32)>,
}

/// One decoded picture, tightly packed (4 bytes a pixel, in `format`).
#[derive(Clone)]
pub struct VideoFrame {
    pub zap: ZapId,
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub rgba: Arc<Vec<u8>>,
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

/// Builds `videoconvertscale ! video/x-raw,format=RGBA ! appsink` as
/// one bin. Frames are tagged with the current zap, counted, and the first of
/// each zap is marked as displayed.
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
    let mut caps = gst::Caps::builder("video/x-raw")
        .field("format", shape.format.gst_name())
        .field("pixel-aspect-ratio", gst::Fraction::new(1, 1));
    if let Some((w, h)) = shape.size {
        // videoconvertscale keeps the aspect ratio with black borders (add-borders).
        caps = caps.field("width", w as i32).field("height", h as i32);
    }
    let caps = caps.build();
    // max-buffers=1 + drop: the UI wants the newest picture, never a backlog.
    let appsink = gst_app::AppSink::builder()
        .caps(&caps)
        .max_buffers(1)
        .drop(true)
        .sync(true)
        .build();
    let deliver = move |sample: gst::Sample| {
        let zap = marks.zap.load(Ordering::Acquire);
        if let Some(frame) = to_frame(&sample, zap, shape.format) {
            frames(frame);
            marks.frames.fetch_add(1, Ordering::Relaxed);
            marks.mark(ZapPhase::FirstDisplayedFrame);
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
    let pad = convert
        .static_pad("sink")
        .expect("videoconvertscale always has a sink pad");
    let ghost =
        gst::GhostPad::with_target(&pad).map_err(|e| PlayerInitError::Build(e.to_string()))?;
    bin.add_pad(&ghost)
        .map_err(|e| PlayerInitError::Build(e.to_string()))?;
    Ok(bin.upcast())
}

fn to_frame(sample: &gst::Sample, zap: ZapId, format: PixelFormat) -> Option<VideoFrame> {
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
        format,
        rgba: Arc::new(rgba),
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
