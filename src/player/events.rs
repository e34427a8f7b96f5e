//! The player's vocabulary: commands in, events out, no GStreamer types.

use std::time::Duration;

use serde::Serialize;

/// Identifies one tune; frames and events carry it so stale ones can be dropped.
pub type ZapId = u64;

/// A channel to tune: its URLs in the order to try them.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneRequest {
    /// Assigned by [`super::PlayerHandle`]; tags this tune's events and frames.
    pub zap: ZapId,
    /// Shown in logs ("3 Civic One").
    pub label: String,
    pub urls: Vec<String>,
}

/// What the app asks of the player.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerCommand {
    /// Tune a channel (tries each URL in turn). Built by [`super::PlayerHandle::tune`].
    Tune(TuneRequest),
    Stop,
    Pause,
    Resume,
    /// Linear volume, 0.0 ..= 1.0.
    SetVolume(f64),
    SetMute(bool),
    /// Stop and end the actor.
    Shutdown,
}

/// The decoder that produced the picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecoderInfo {
    /// GStreamer element factory name, e.g. `avdec_h264`.
    pub name: String,
    /// Whether the element says it is a hardware decoder.
    pub hardware: bool,
}

/// A playback failure in our own words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlayerError {
    /// What failed: the URL, or the pipeline element path.
    pub source: String,
    /// One line for the viewer.
    pub message: String,
    /// Details for the log.
    pub debug: Option<String>,
}

impl std::fmt::Display for PlayerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

/// What the player tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerEvent {
    /// A tune started on `url`.
    Tuning {
        zap: ZapId,
        url: String,
    },
    /// The first packet of the stream arrived (multicast joined / HTTP answered).
    FirstPacket {
        zap: ZapId,
        elapsed: Duration,
    },
    /// The first decoded frame reached the video output.
    FirstFrame {
        zap: ZapId,
        elapsed: Duration,
        url: String,
        decoder: Option<DecoderInfo>,
    },
    /// Buffering progress of a non-live stream.
    Buffering {
        zap: ZapId,
        percent: u8,
    },
    /// The primary URL failed; playing the next one.
    FellBack {
        zap: ZapId,
        from: String,
        to: String,
        reason: String,
    },
    /// Nothing more can be tried for this tune.
    Error {
        zap: ZapId,
        error: PlayerError,
    },
    EndOfStream {
        zap: ZapId,
    },
    Stopped,
}
