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
    /// HTTP request headers for the channel's HTTP URLs (from the lineup).
    pub headers: Vec<(String, String)>,
}

/// What the app asks of the player.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerCommand {
    /// Tune a channel (tries each URL in turn). Built by [`super::PlayerHandle::tune`].
    Tune(TuneRequest),
    Stop,
    Pause,
    Resume,
    /// Seek to this position from the start (VOD, catch-up, files). Seeks
    /// go to the pipeline one at a time, each once the picture of the last
    /// one (or of the tune) has arrived; one asked for meanwhile replaces any
    /// that is still waiting. Each seek sent ends with [`PlayerEvent::Seeked`].
    Seek(Duration),
    /// Play the audio track with this id (from [`PlayerEvent::Tracks`]).
    SetAudioTrack(String),
    /// Show the subtitle or caption track with this id, or none.
    SetSubtitles(Option<String>),
    /// The viewer changed their track preferences (Settings); the current
    /// stream's tracks are chosen again from them.
    SetPreferences(TrackPreferences),
    /// Keep these multicast URLs joined (the neighbours of the current
    /// channel) so a zap to one of them shows a picture at once; empty stops.
    Prejoin(Vec<String>),
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

/// Which tracks the viewer wants (see [`PlayerOptions`](super::PlayerOptions)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackPreferences {
    pub audio_languages: Vec<String>,
    pub subtitle_languages: Vec<String>,
    pub subtitles: bool,
    pub audio_description: bool,
}

/// An audio or subtitle track the stream offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Track {
    /// Stable within one tune; what [`PlayerCommand::SetAudioTrack`] takes.
    pub id: String,
    /// ISO 639 language code, when the stream says.
    pub language: Option<String>,
    /// Codec or format, e.g. "MPEG-4 AAC", "DVB subtitles", "CEA-608".
    pub codec: Option<String>,
    /// Audio description (a narration track for blind and partially sighted viewers).
    pub audio_description: bool,
}

/// The tracks of the current stream and which are playing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tracks {
    pub audio: Vec<Track>,
    pub subtitles: Vec<Track>,
    pub selected_audio: Option<String>,
    pub selected_subtitles: Option<String>,
}

/// The steps of a zap, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ZapPhase {
    /// The tune command reached the player.
    Command,
    /// The source started (multicast group joined, HTTP request sent).
    Join,
    /// The first packet arrived.
    FirstPacket,
    /// The demuxer found the programme (PAT/PMT) and exposed its streams.
    ProgramTables,
    /// The first key frame reached the video decoder.
    FirstKeyFrame,
    /// The decoder produced its first picture.
    FirstDecodedFrame,
    /// The first picture reached the video output.
    FirstDisplayedFrame,
}

/// How the current stream is doing, for the diagnostics overlay (every second).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostics {
    pub url: String,
    /// How the stream arrives: "multicast", "multicast (own socket)", "http", ...
    pub via: String,
    /// Received over the last second.
    pub bitrate_kbps: u64,
    /// TS continuity errors (lost packets) since the tune.
    pub cc_errors: u64,
    /// Stalls since the tune.
    pub stalls: u32,
    pub decoder: Option<DecoderInfo>,
    /// Where playback is in the stream (files, VOD, catch-up; live streams
    /// report their running position).
    pub position: Option<Duration>,
}

/// Why a multicast join produced nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum JoinFailure {
    /// The socket could not join (no route to the group, no such interface...).
    Refused(String),
    /// Joined, but no packet came within this many milliseconds (no sender,
    /// or no IGMP answer upstream).
    Silent { waited_ms: u64 },
}

impl std::fmt::Display for JoinFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinFailure::Refused(why) => write!(f, "the group could not be joined: {why}"),
            JoinFailure::Silent { waited_ms } => write!(
                f,
                "no packets within {waited_ms} ms of joining (no sender, or no IGMP answer upstream)"
            ),
        }
    }
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
    /// How long each step of the zap took from the command (logged too).
    ZapPhases {
        zap: ZapId,
        phases: Vec<(ZapPhase, Duration)>,
    },
    /// A multicast URL could not be received; the next URL (if any) follows.
    JoinFailed {
        zap: ZapId,
        url: String,
        failure: JoinFailure,
    },
    /// A seek finished: the picture at the new position reached the screen's
    /// sink (`elapsed` from the command).
    Seeked {
        zap: ZapId,
        /// Where the viewer asked to go.
        target: Duration,
        /// Where the pipeline says it is once the seek has landed (a position
        /// query at its ASYNC_DONE): a key-unit seek lands on the key frame
        /// at or before the target, so this is what the picture shows.
        /// None if the pipeline could not answer.
        position: Option<Duration>,
        elapsed: Duration,
    },
    /// The audio and subtitle tracks changed (new stream, or a selection).
    Tracks {
        zap: ZapId,
        tracks: Tracks,
    },
    /// The captions or subtitles on screen changed (empty: none shown).
    Captions {
        zap: ZapId,
        lines: Vec<String>,
    },
    /// The picture stopped; the player is retrying on its own.
    Stalled {
        zap: ZapId,
        reason: String,
    },
    /// The state of the stream, once a second while it plays.
    Diagnostics {
        zap: ZapId,
        diagnostics: Diagnostics,
    },
    /// Pictures flow again after [`PlayerEvent::Stalled`].
    Recovered {
        zap: ZapId,
        after: Duration,
    },
    /// The multicast primary sends again; playing it instead of the fallback.
    BackToPrimary {
        zap: ZapId,
        from: String,
        to: String,
    },
    /// A hardware decoder failed; playing again with it set aside.
    DecoderFailed {
        zap: ZapId,
        decoder: String,
        reason: String,
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
