//! Live demo channels: one GStreamer sender pipeline each.
//!
//! ```text
//! videotestsrc ! textoverlay(name) ! clockoverlay [! cccombiner ◄─ appsrc CEA-608/708] ! x264enc(GOP 1 s) ! h264parse ! tee ─┬─► mpegtsmux ! udpsink 239.255.0.N (lo, TTL 0)
//! audiotestsrc ! avenc_aac ! aacparse ! tee ───────────────────────────────────────────┼─► (same mux)
//!                                                                                       └─► hlssink2 → hls/<id>/index.m3u8
//! ```

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use gstreamer as gst;
use gstreamer::prelude::*;

use super::HeadendError;
use super::captions::CaptionFormat;

/// One generated channel.
#[derive(Debug, Clone, Copy)]
pub struct DemoChannel {
    pub id: &'static str,
    pub number: u32,
    pub name: &'static str,
    pub group: &'static str,
    /// UDP port of its multicast stream (the group is per headend instance).
    pub port: u16,
    /// videotestsrc pattern, horizontal speed (so the picture moves) and
    /// background colour (ARGB, for the ball pattern).
    pub pattern: &'static str,
    pub speed: i32,
    pub background: u32,
    /// Tone frequency, so each channel sounds different.
    pub tone_hz: f64,
    /// Logo colour (SVG).
    pub colour: &'static str,
    /// Carries closed captions (captions.rs) in its video, and how.
    pub captions: Option<CaptionFormat>,
}

impl DemoChannel {
    /// The channel's multicast group and port for a headend instance.
    /// Each instance gets its own group (from its unique HTTP port), so two
    /// headends on one host, e.g. tests running side by side, never mix streams.
    pub fn multicast_addr(&self, instance: u16) -> (std::net::Ipv4Addr, u16) {
        let [hi, lo] = instance.to_be_bytes();
        (std::net::Ipv4Addr::new(239, 255, hi, lo), self.port)
    }

    /// `udp://@group:port` as a playlist writes it.
    pub fn multicast_url(&self, instance: u16) -> String {
        let (group, port) = self.multicast_addr(instance);
        format!("udp://@{group}:{port}")
    }
}

/// The demo lineup: civic channels a council or a campaign might run.
pub const DEMO_CHANNELS: &[DemoChannel] = &[
    DemoChannel {
        id: "civic-one",
        number: 1,
        name: "Civic One",
        group: "Civic",
        port: 5001,
        pattern: "smpte",
        speed: 4,
        background: 0xff000000,
        tone_hz: 440.0,
        colour: "#1f6feb",
        captions: None,
    },
    DemoChannel {
        id: "council-live",
        number: 2,
        name: "Council Live",
        group: "Civic",
        port: 5002,
        pattern: "ball",
        speed: 0,
        background: 0xff12355b,
        tone_hz: 523.25,
        colour: "#2da44e",
        // CEA-608 and 708 together, as a broadcast carries them.
        captions: Some(CaptionFormat::Both),
    },
    DemoChannel {
        id: "campaign-news",
        number: 3,
        name: "Campaign News",
        group: "Campaign",
        port: 5003,
        pattern: "bar",
        speed: 6,
        background: 0xff5b1220,
        tone_hz: 659.25,
        colour: "#cf222e",
        // CEA-708 only, as some newer encoders send them.
        captions: Some(CaptionFormat::Cea708),
    },
];

/// A running sender pipeline.
pub(crate) struct Sender {
    pub id: &'static str,
    pipeline: gst::Element,
    failure: Arc<Mutex<Option<String>>>,
    watcher: Option<tokio::task::JoinHandle<()>>,
    /// Stops the caption feeder thread, if the channel has captions.
    captions_stop: Arc<AtomicBool>,
}

impl Sender {
    /// Builds and starts the channel's pipeline; HLS goes under `hls_root/<id>/`.
    pub fn start(
        ch: &DemoChannel,
        hls_root: &Path,
        multicast: Option<u16>,
    ) -> Result<Sender, HeadendError> {
        let fail = |message: String| HeadendError::Channel {
            channel: ch.name.to_string(),
            message,
        };
        let dir = hls_root.join(ch.id);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|source| HeadendError::Io {
            path: dir.clone(),
            source,
        })?;
        let description = pipeline_description(ch, multicast);
        let pipeline = gst::parse::launch(&description)
            .map_err(|e| fail(format!("{e} in `{description}`")))?;
        // Paths are set as properties, not written into the launch text, so a
        // state directory with spaces or quotes cannot break the parse.
        let hls = pipeline
            .downcast_ref::<gst::Bin>()
            .and_then(|b| b.by_name("hls"))
            .ok_or_else(|| fail("the pipeline has no hlssink2".into()))?;
        hls.set_property("location", dir.join("seg%05d.ts").display().to_string());
        hls.set_property(
            "playlist-location",
            dir.join("index.m3u8").display().to_string(),
        );
        let failure = Arc::new(Mutex::new(None));
        let watcher = pipeline.bus().map(|bus| {
            let failure = failure.clone();
            let name = ch.name;
            tokio::spawn(async move {
                let mut messages = bus.stream();
                while let Some(msg) = messages.next().await {
                    if let gst::MessageView::Error(e) = msg.view() {
                        let text = format!(
                            "{} ({})",
                            e.error(),
                            e.debug().map(|d| d.to_string()).unwrap_or_default()
                        );
                        tracing::error!(channel = name, "sender failed: {text}");
                        if let Ok(mut f) = failure.lock() {
                            *f = Some(text);
                        }
                    }
                }
            })
        });
        // Built first, so a failed start is cleaned up by Drop.
        let sender = Sender {
            id: ch.id,
            pipeline,
            failure,
            watcher,
            captions_stop: Arc::new(AtomicBool::new(false)),
        };
        sender
            .pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| fail(format!("cannot start: {e}")))?;
        if let Some(appsrc) = sender
            .pipeline
            .downcast_ref::<gst::Bin>()
            .and_then(|b| b.by_name("captions"))
            .and_then(|e| e.downcast::<gstreamer_app::AppSrc>().ok())
        {
            let format = ch.captions.unwrap_or(CaptionFormat::Cea608);
            super::captions::spawn(appsrc, sender.captions_stop.clone(), format);
        }
        Ok(sender)
    }

    /// The error that stopped this sender, if any.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    /// Stops the pipeline (also done on drop).
    pub fn stop(&self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.captions_stop.store(true, Ordering::Release);
        self.stop();
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
    }
}

fn pipeline_description(ch: &DemoChannel, multicast: Option<u16>) -> String {
    // key-int-max=25 at 25 fps: a key frame every second, so a zap waits at
    // most 1 s (0.5 s on average) for a picture to start from.
    let video = format!(
        "videotestsrc is-live=true pattern={pattern} horizontal-speed={speed} background-color={background} \
         ! video/x-raw,width=640,height=360,framerate=25/1 \
         ! textoverlay text=\"{number}  {name}\" valignment=top halignment=left font-desc=\"Sans Bold 22\" shaded-background=true \
         ! clockoverlay valignment=top halignment=right time-format=\"%H:%M:%S\" font-desc=\"Sans Bold 20\" shaded-background=true \
         ! videoconvert {captions}! x264enc tune=zerolatency speed-preset=ultrafast bitrate=700 key-int-max=25 \
         ! video/x-h264,profile=constrained-baseline ! h264parse config-interval=-1 ! tee name=v",
        pattern = ch.pattern,
        speed = ch.speed,
        background = ch.background,
        number = ch.number,
        name = ch.name,
        captions = if ch.captions.is_some() {
            "! cccombiner name=cc "
        } else {
            ""
        },
    );
    let captions = if ch.captions.is_some() {
        format!(
            " appsrc name=captions is-live=true do-timestamp=true format=time caps={caps} ! cc.caption",
            caps = super::captions::CAPS
        )
    } else {
        String::new()
    };
    let audio = format!(
        "audiotestsrc is-live=true wave=sine freq={hz} volume=0.05 ! audioconvert ! audioresample \
         ! audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=96000 ! aacparse ! tee name=a",
        hz = ch.tone_hz
    );
    // 1 s segments kept for the catch-up service (see catchup.rs).
    let hls = format!(
        "hlssink2 name=hls target-duration=1 playlist-length=6 max-files={retained} \
         v. ! queue ! hls.video a. ! queue ! hls.audio",
        retained = super::catchup::RETAINED_SECONDS
    );
    let udp = if let Some(instance) = multicast {
        let (group, port) = ch.multicast_addr(instance);
        format!(
            " mpegtsmux name=mux alignment=7 ! udpsink host={group} port={port} auto-multicast=true \
             multicast-iface=lo ttl-mc=0 bind-address=127.0.0.1 \
             v. ! queue ! mux. a. ! queue ! mux."
        )
    } else {
        String::new()
    };
    format!("{video}{captions} {audio} {hls}{udp}")
}
