//! How the player is set up: timeouts, decoders, language and caption
//! preferences and the shape of the frames it hands out. Plain data, read by
//! the actor and by track selection.

use std::time::Duration;

/// How the player is set up.
#[derive(Debug, Clone)]
pub struct PlayerOptions {
    /// Play sound (false: a clock-synchronised fakesink).
    pub audio: bool,
    /// Interface to join multicast groups on; None = system default.
    pub multicast_interface: Option<String>,
    /// A multicast URL with no packet for this long hands over to the next URL.
    pub join_timeout: Duration,
    /// No picture for this long after a tune is an error (or the next URL).
    pub no_picture_timeout: Duration,
    /// No new picture for this long while playing is a stall.
    pub stall_timeout: Duration,
    /// First wait before retrying a stalled stream; doubles up to `retry_max`.
    pub retry_first: Duration,
    pub retry_max: Duration,
    /// While on a fallback, check this often whether the multicast primary
    /// sends again, and go back to it when it does.
    pub return_check: Duration,
    /// Video decoders, best first (the board profile's); empty = GStreamer's ranks.
    pub decoders: Vec<String>,
    /// Audio languages, most wanted first (ISO 639 codes).
    pub audio_languages: Vec<String>,
    /// Subtitle languages, most wanted first.
    pub subtitle_languages: Vec<String>,
    /// Show subtitles or captions when a track matches.
    pub subtitles: bool,
    /// Prefer an audio-description track when there is one.
    pub audio_description: bool,
    /// The frames handed out: RGBA for the UI to composite, or as a video
    /// plane takes them (its formats, scaled by the plane or to the screen).
    pub frames: super::FrameShape,
}

impl Default for PlayerOptions {
    fn default() -> Self {
        PlayerOptions {
            audio: true,
            multicast_interface: None,
            join_timeout: Duration::from_millis(2500),
            no_picture_timeout: Duration::from_secs(15),
            stall_timeout: Duration::from_millis(1500),
            retry_first: Duration::from_secs(1),
            retry_max: Duration::from_secs(30),
            return_check: Duration::from_secs(60),
            decoders: Vec::new(),
            audio_languages: Vec::new(),
            subtitle_languages: Vec::new(),
            subtitles: false,
            audio_description: false,
            frames: super::FrameShape::default(),
        }
    }
}
