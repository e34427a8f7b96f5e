//! The player: one actor task that owns the GStreamer pipeline.
//!
//! ```text
//!  PlayerCommand ──► actor task ──► PlayerEvent (Tuning, FirstFrame, ZapPhases, Tracks,
//!                      │  ▲          Stalled, Recovered, JoinFailed, FellBack, Diagnostics…)
//!             set_state│  │bus messages; zap-phase notes and counters from probes
//!                      ▼  │
//!  ┌──────────────────────────── playbin3 ──────────────────────────────────┐
//!  │ uri ─► urisourcebin ─► decodebin3 ──┬─► video-filter (captions.rs) ─►    │
//!  │                                     │   video-sink (output.rs):         │
//!  │  udpsrc (caps=video/mpegts)         │   videoconvertscale               │
//!  │  appsrc ◄─ own socket (prejoin.rs)  │   ! RGBA | plane's ! appsink ─►   │
//!  │                                     │   FrameSink (DMA-BUF passes as is)│
//!  │  souphttpsrc ─► hlsdemux2           └─► audio-sink: auto | fakesink     │
//!  │  file / rtsp / http TS                                                  │
//!  └─────────────────────────────────────────────────────────────────────────┘
//!      probes (phases.rs): source pad → packets, bytes, lost TS packets;
//!      demuxer pad-added → programme tables; decoder sink/src → key frame, picture
//!      seeks (seeks.rs): one flushing seek at a time, each after the last ASYNC_DONE
//!      udpsrc: the group's cached PAT/PMT put in front of a zap's first datagram (psi.rs)
//!
//!  neighbours: group ─► socket thread ─► latest GOP ─┐ (a zap to it: appsrc://,
//!  RTP / SSM:  group ─► socket thread ───────────────┘  key frame first)
//! ```
//!
//! The app sends [`PlayerCommand`]s and receives [`PlayerEvent`]s; neither
//! carries a GStreamer type. Decoded frames go to a [`FrameSink`] callback on
//! GStreamer's streaming thread, tagged with the zap they belong to, so the UI
//! can drop a late frame of the previous channel; the first frame of each
//! zap carries its [`FrameOrigin`] (URL and decoder), so the app knows a zap
//! is shown from the frame alone. [`PlayerEvent::FirstFrame`] says the same
//! to listeners without frames (the CLI, the bench, CEC). This module never
//! imports Slint.
//!
//! A tune tries the channel's URLs in order: a multicast URL that delivers no
//! packet within the join timeout, or that fails, hands over to the next one
//! (the unicast fallback) and says so with [`PlayerEvent::FellBack`]; while on
//! the fallback the actor checks the multicast group now and then and goes
//! back ([`PlayerEvent::BackToPrimary`]). A watchdog reports a picture that
//! stops ([`PlayerEvent::Stalled`]), restarts the stream with back-off and
//! reports when pictures flow again ([`PlayerEvent::Recovered`]).

mod actor;
pub mod captions;
pub mod captions708;
pub mod census;
pub mod decoders;
mod events;
pub mod kms;
mod options;
mod output;
mod phases;
pub mod plugins;
pub(crate) mod prejoin;
pub(crate) mod psi;
mod seeks;
mod source;
mod tracks;
pub(crate) mod ts;

pub use actor::{PlayerHandle, spawn};
pub use events::{
    DecoderInfo, Diagnostics, JoinFailure, PlayerCommand, PlayerError, PlayerEvent, Track,
    TrackPreferences, Tracks, TuneRequest, ZapId, ZapPhase,
};
pub use options::PlayerOptions;
pub use output::{
    FrameOrigin, FrameShape, FrameSink, PictureMemory, Pixels, PlanePicture, VideoFrame,
    drm_to_gst, gst_to_drm, plane_format_names,
};

use thiserror::Error;

/// The player could not be created at all.
#[derive(Debug, Error)]
pub enum PlayerInitError {
    #[error("GStreamer could not be initialised: {0}")]
    Init(String),
    #[error("GStreamer element '{0}' is missing; install the GStreamer plugins (see README)")]
    MissingElement(String),
    #[error("building the pipeline failed: {0}")]
    Build(String),
}

/// Initialises GStreamer once per process, with the fixed builds of its
/// plugins in place of the stock ones (see [`plugins`]).
pub fn init() -> Result<(), PlayerInitError> {
    gstreamer::init().map_err(|e| PlayerInitError::Init(e.to_string()))?;
    plugins::prefer_fixed();
    Ok(())
}
