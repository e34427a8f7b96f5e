//! Configuration: the TOML file, command-line overrides and the board profile.
//!
//! Owns where feeds come from, where the box keeps its state and the player's
//! timeouts. Everything has a default so `hustings` runs with no file at all.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

mod board;
mod clock;
mod jurisdiction;

pub use clock::{Clock, parse_start as parse_clock_start};
pub use jurisdiction::Jurisdiction;

pub use board::{
    BoardCache, BoardDetect, BoardInput, BoardNetwork, BoardProfile, BoardVideo, DEFAULT_DRM_DEVICE,
};

/// A configuration file that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("board = \"{setting}\": neither a built-in profile ({known}) nor a profile file")]
    UnknownBoard { setting: String, known: String },
}

/// Where the lineup and guide come from, and how they are refreshed.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Feeds {
    /// Lineup URLs or paths (M3U). Merged in order.
    pub lineup: Vec<String>,
    /// Guide URLs or paths (XMLTV, plain, .gz or .xz), merged in order of
    /// preference. Empty = the lineups' `x-tvg-url`s.
    pub guide: Vec<String>,
    /// Speech archive catalogues (JSON, docs/archive-catalogue.md).
    pub archive: Vec<String>,
    /// Interactive feeds: polls and sign-up forms (JSON, docs/interact-feed.md).
    pub interact: Vec<String>,
    /// First number given to channels without `tvg-chno`.
    pub start_number: u32,
    /// A udpxy proxy (`http://host:port`) to reach multicast channels over HTTP.
    pub udpxy: Option<String>,
    /// Manual guide mapping: channel key or name -> XMLTV channel id; wins
    /// over the automatic matching.
    pub guide_map: std::collections::HashMap<String, String>,
    /// Minutes between refreshes of the lineup and guide.
    pub refresh_minutes: u64,
    /// Hours of past programmes kept (catch-up, "what was on").
    pub history_hours: i64,
}

impl Default for Feeds {
    fn default() -> Self {
        Feeds {
            lineup: vec![],
            guide: vec![],
            archive: vec![],
            interact: vec![],
            start_number: 1,
            udpxy: None,
            guide_map: Default::default(),
            refresh_minutes: 360,
            history_hours: 24,
        }
    }
}

/// Kiosk mode for shared screens (`[kiosk]`): hotels, community centres.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct KioskSettings {
    pub enabled: bool,
    /// The channel (its key, the lineup's `tvg-id`, or its number) the screen
    /// starts on and returns to between viewers.
    pub start_channel: String,
    /// Channels by time of day, local time: `[{from = "18:00", channel = "council-live"}]`;
    /// the latest `from` not after now wins, else `start_channel`.
    pub schedule: Vec<KioskSlot>,
    /// Seconds without a key before the privacy reset between viewers.
    pub idle_seconds: u64,
}

impl Default for KioskSettings {
    fn default() -> Self {
        KioskSettings {
            enabled: false,
            start_channel: String::new(),
            schedule: Vec::new(),
            idle_seconds: 90,
        }
    }
}

/// One entry of the kiosk's schedule.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KioskSlot {
    /// "HH:MM", local time.
    pub from: String,
    pub channel: String,
}

/// Remote-control sources besides the window's keyboard.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InputSettings {
    /// evdev devices to read, e.g. "/dev/input/by-path/platform-ir-event".
    pub evdev: Vec<PathBuf>,
    /// lircd's socket; unset = /run/lirc/lircd when it exists.
    pub lirc: Option<PathBuf>,
    /// A key map file replacing the built-in one (platform/keymaps/default.toml).
    pub keymap: Option<PathBuf>,
    /// On KMS (no window system): also read every /dev/input/event* device
    /// with keys the key map knows, including ones plugged in later.
    pub discover: bool,
}

impl Default for InputSettings {
    fn default() -> Self {
        InputSettings {
            evdev: Vec::new(),
            lirc: None,
            keymap: None,
            discover: true,
        }
    }
}

/// The download cache (`[cache]`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CacheSettings {
    /// Disk budget in MB; overrides the board profile's.
    pub budget_mb: Option<u64>,
    /// When pinned speeches are fetched ahead of time, local time "HH:MM-HH:MM"
    /// (may pass midnight, e.g. "01:00-05:00" for hotel screens at night);
    /// empty = as soon as the catalogue names them; "off" = never.
    pub pinned_window: String,
    /// Where the cache lives; unset = see [`Config::cache_dir`].
    pub dir: Option<PathBuf>,
}

/// Polls and sign-up forms (`[interact]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InteractSettings {
    /// Show campaign items that carry no sponsor line ("paid for by").
    pub allow_unsponsored: bool,
    /// ISO 3166 country for national phone numbers and postcode patterns.
    pub country: String,
    /// How long one delivery attempt of an answer waits for the server.
    pub submit_timeout_ms: u64,
}

impl Default for InteractSettings {
    fn default() -> Self {
        InteractSettings {
            allow_unsponsored: false,
            country: "GB".into(),
            submit_timeout_ms: 10_000,
        }
    }
}

/// Transparency labels on campaign material (`[transparency]`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TransparencySettings {
    /// Whose wording structured sponsor lines get, and what they must name:
    /// "us" (the default: "Paid for by {name}"), "uk" ("Promoted by {name},
    /// {address}"; an address is required), "eu" ("Political advertisement
    /// · Sponsor: {name}"). Plain-string sponsor lines are shown as written.
    pub jurisdiction: Jurisdiction,
}

/// Limits on what the box downloads (`[downloads]`): a feed server that
/// sends an endless body, a gzip bomb or one byte a second must cost the box
/// a bounded amount of disk, memory and time.
///
/// The guide defaults are sized for a 14-day guide of 2,000 channels. At an
/// average of 30 programmes per channel per day (half-hour slots in prime
/// time, longer ones at night) that is 2,000 x 14 x 30 = 840,000 programmes;
/// with a title, a description, categories and credits an XMLTV programme
/// runs to about 1 KB, so about 860 MB of XML, and 1.7 GB for a guide with
/// twice the detail. 2,048 MB decompressed leaves that room. XMLTV gzips
/// about 8:1 (5:1 to 12:1 on providers' files), so the same guide is about
/// 110-220 MB compressed, and served uncompressed it would not fit any box
/// anyway: 256 MB downloaded. Real guides never compress past about 30:1,
/// while a gzip bomb of zeros compresses about 1,000:1: a ratio of 100 is
/// refused once 16 MB have come out (small files may be more repetitive).
/// At 256 MB, 30 minutes for one guide download allows a line of about
/// 1.2 Mbit/s; lineups, catalogues and signatures are small and get 30 s.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DownloadSettings {
    /// Whole-transfer deadline of a small feed (lineup, catalogue,
    /// interactive feed, signature), connection included.
    pub feed_deadline_seconds: u64,
    /// Whole-transfer deadline of one guide download.
    pub guide_deadline_seconds: u64,
    /// Largest guide download, as written to disk (compressed when the
    /// server sends `.gz`/`.xz`; after any HTTP transfer compression).
    pub guide_max_mb: u64,
    /// Largest guide once decompressed (the XML the reader is fed).
    pub guide_max_xml_mb: u64,
    /// Largest decompressed / downloaded size ratio of a guide, checked once
    /// 16 MB have been decompressed.
    pub guide_max_ratio: u64,
}

impl Default for DownloadSettings {
    fn default() -> Self {
        DownloadSettings {
            feed_deadline_seconds: 30,
            guide_deadline_seconds: 1800,
            guide_max_mb: 256,
            guide_max_xml_mb: 2048,
            guide_max_ratio: 100,
        }
    }
}

/// Signed feeds (`[trust]`, docs/trust.md): the publisher keys pinned per
/// feed kind and how strictly each kind is checked.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TrustSettings {
    pub lineup: FeedTrustSettings,
    pub guide: FeedTrustSettings,
    pub archive: FeedTrustSettings,
    pub interact: FeedTrustSettings,
    /// Publisher names shown on the verified badge, by key id (16 hex digits,
    /// as `hustings keygen` and `minisign` print it). Unnamed keys show their id.
    pub publishers: std::collections::HashMap<String, String>,
    /// URL prefixes that may be fetched (and answers sent) over plain HTTP;
    /// loopback is always allowed, everything else must be HTTPS.
    pub allow_plain_http: Vec<String>,
    /// Certificate pins by server host: SHA-256 fingerprints of the
    /// certificates it may present (any one; add the next before renewing).
    /// A pinned server must also pass the platform's certificate checks.
    pub tls_pins: std::collections::HashMap<String, Vec<String>>,
}

/// One feed kind's trust settings (`[trust.lineup]`, `[trust.interact]`, ...).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FeedTrustSettings {
    /// Unset = `required` for interactive feeds, `preferred` for the others.
    pub policy: Option<FeedPolicy>,
    /// Pinned minisign public keys (the base64 line of a `.pub` file); any of them may sign.
    pub keys: Vec<String>,
}

/// How strictly a feed kind's signatures are checked.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FeedPolicy {
    /// An unsigned feed is rejected.
    Required,
    /// An unsigned feed is accepted and shown unverified; a bad signature is rejected.
    Preferred,
    /// Signatures are not checked; everything is shown unverified.
    Off,
}

/// Player tuning.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PlayerSettings {
    /// Give up on a multicast/UDP source that delivers nothing for this long and
    /// try the channel's next URL.
    pub join_timeout_ms: u64,
    /// Report "no picture" when no frame arrives this long after a tune.
    pub no_picture_timeout_ms: u64,
    /// No new picture for this long while playing is a stall (retried by itself).
    pub stall_timeout_ms: u64,
    /// Video decoders, best first; empty = the board profile's.
    pub decoders: Vec<String>,
    /// Audio languages, most wanted first (ISO 639 codes such as "cy", "en").
    pub audio_languages: Vec<String>,
    /// Subtitle and caption languages, most wanted first.
    pub subtitle_languages: Vec<String>,
    /// Show subtitles or captions when the stream has them.
    pub subtitles: bool,
    /// Prefer an audio-description track.
    pub audio_description: bool,
    /// Keep the channels above and below joined for instant zaps (turn off
    /// where the access line cannot carry three streams).
    pub prejoin_neighbours: bool,
}

impl Default for PlayerSettings {
    fn default() -> Self {
        PlayerSettings {
            join_timeout_ms: 2500,
            no_picture_timeout_ms: 15000,
            stall_timeout_ms: 1500,
            decoders: Vec::new(),
            audio_languages: Vec::new(),
            subtitle_languages: Vec::new(),
            subtitles: false,
            audio_description: false,
            prejoin_neighbours: true,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
#[derive(Default)]
pub struct Config {
    pub feeds: Feeds,
    pub player: PlayerSettings,
    pub input: InputSettings,
    pub kiosk: KioskSettings,
    pub cache: CacheSettings,
    pub interact: InteractSettings,
    pub trust: TrustSettings,
    pub downloads: DownloadSettings,
    pub transparency: TransparencySettings,
    /// State directory (database, cache). None = XDG state dir.
    pub state_dir: Option<PathBuf>,
    /// Multicast interface; overrides the board profile's.
    pub multicast_interface: Option<String>,
    /// The board profile: "auto" (unset: detected from the device tree or
    /// DMI), a built-in name ("rpi4") or a profile file's path.
    pub board: Option<String>,
    pub cec: CecSettings,
    pub display: DisplaySettings,
    /// The profile in force, once chosen (`platform::board::apply`).
    #[serde(skip)]
    pub profile: Option<BoardProfile>,
    /// Why that profile: "configured (board = ...)", "detected (...)", ...
    #[serde(skip)]
    pub profile_reason: String,
    /// The file this configuration was read from (relative paths in it,
    /// such as `board`, are relative to its directory).
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// Where "now" comes from: the system clock, unless the command line
    /// started one at a fixed time (`--clock-start`, for tests and demos).
    #[serde(skip)]
    pub clock: Clock,
}

/// The box as an HDMI-CEC playback device (`[cec]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CecSettings {
    /// Use the adapter: claim a playback address, take the TV remote's keys.
    pub enabled: bool,
    /// The adapter; unset = the board profile's `[input] cec_device`.
    pub device: Option<PathBuf>,
    /// The name the TV shows for this input (14 bytes at most).
    pub osd_name: String,
    /// Stop playing when the TV goes to standby.
    pub follow_tv_standby: bool,
    /// Put the TV to standby when the app stops.
    pub standby_tv: bool,
}

/// Where the app draws (`[display]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DisplaySettings {
    /// "auto": a window where DISPLAY or WAYLAND_DISPLAY is set, else the
    /// DRM card (KMS); "kms" or "window" to insist on one.
    pub backend: DisplayBackend,
    /// The DRM card; unset = the board profile's `drm_device`.
    pub device: Option<PathBuf>,
    /// Put video on a plane of its own where the card has one under the
    /// UI (false: the UI composites the picture, as in a window).
    pub video_plane: bool,
    /// How long the now/next banner stays after a zap or Info, in seconds
    /// (TiviMate's and Kodi's "channel info" time); 0 keeps it until Info or Back.
    pub banner_seconds: u64,
}

impl Default for DisplaySettings {
    fn default() -> Self {
        DisplaySettings {
            backend: DisplayBackend::Auto,
            device: None,
            video_plane: true,
            banner_seconds: 5,
        }
    }
}

/// `[display] backend`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum DisplayBackend {
    #[default]
    Auto,
    Kms,
    Window,
}

impl Default for CecSettings {
    fn default() -> Self {
        CecSettings {
            enabled: true,
            device: None,
            osd_name: "Hustings".into(),
            follow_tv_standby: true,
            standby_tv: false,
        }
    }
}

impl Config {
    /// Loads a TOML file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Self::parse(&text, path)?;
        config.file = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses TOML text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Loads `path` if given, else the first of `$XDG_CONFIG_HOME/hustings/config.toml`
    /// and `/etc/hustings/config.toml` that exists, else the defaults.
    pub fn discover(path: Option<&Path>) -> Result<Self, ConfigError> {
        if let Some(p) = path {
            return Self::load(p);
        }
        let user = directories::ProjectDirs::from("org", "hustings", "hustings")
            .map(|d| d.config_dir().join("config.toml"));
        for candidate in user
            .into_iter()
            .chain([PathBuf::from("/etc/hustings/config.toml")])
        {
            if candidate.exists() {
                return Self::load(&candidate);
            }
        }
        Ok(Config::default())
    }

    /// Points the feeds at a headend's fixed paths (`--server URL`).
    pub fn use_server(&mut self, base: &str) {
        let base = base.trim_end_matches('/');
        self.feeds.lineup = vec![format!("{base}/lineup.m3u")];
        self.feeds.guide = vec![format!("{base}/guide.xml.gz")];
        self.feeds.archive = vec![format!("{base}/archive/catalogue.json")];
        self.feeds.interact = vec![format!("{base}/interact/feed.json")];
    }

    /// The board profile in force (the built-in generic one unless chosen).
    pub fn board(&self) -> BoardProfile {
        self.profile.clone().unwrap_or_else(BoardProfile::generic)
    }

    /// The DRM card the app drives on KMS: `[display] device`, else the board's.
    pub fn drm_device(&self) -> PathBuf {
        self.display
            .device
            .clone()
            .unwrap_or_else(|| self.board().video.drm_device())
    }

    /// The HDMI-CEC adapter to use: the configuration's, else the profile's;
    /// None when CEC is turned off or the board has none.
    pub fn cec_device(&self) -> Option<PathBuf> {
        if !self.cec.enabled {
            return None;
        }
        self.cec
            .device
            .clone()
            .or_else(|| self.board().input.cec_device)
    }

    /// The interface to join multicast groups on; None = the system default.
    pub fn multicast_interface(&self) -> Option<String> {
        self.multicast_interface
            .clone()
            .or_else(|| Some(self.board().network.multicast_interface))
            .filter(|s| !s.is_empty())
    }

    /// The state directory: configured (or `--state`), else systemd's
    /// `$STATE_DIRECTORY` when run as a service, else `$XDG_STATE_HOME/hustings`.
    pub fn state_dir(&self) -> PathBuf {
        self.state_dir_in(&|name| std::env::var_os(name))
    }

    fn state_dir_in(&self, env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
        if let Some(d) = &self.state_dir {
            return d.clone();
        }
        if let Some(d) = systemd_dir(env("STATE_DIRECTORY")) {
            return d;
        }
        directories::ProjectDirs::from("org", "hustings", "hustings")
            .and_then(|d| d.state_dir().map(Path::to_path_buf))
            .unwrap_or_else(|| std::env::temp_dir().join("hustings"))
    }

    /// Where downloads and images are cached: `[cache] dir`; else, with a
    /// state directory given (`state_dir`, `--state`), its `cache/`, so a
    /// box's state stays in one place; else systemd's `$CACHE_DIRECTORY`;
    /// else the board profile's `[cache] dir`; else `cache/` under the state directory.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache_dir_in(&|name| std::env::var_os(name))
    }

    fn cache_dir_in(&self, env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
        if let Some(d) = &self.cache.dir {
            return d.clone();
        }
        if let Some(d) = &self.state_dir {
            return d.join("cache");
        }
        systemd_dir(env("CACHE_DIRECTORY"))
            .or_else(|| self.board().cache.dir)
            .unwrap_or_else(|| self.state_dir_in(env).join("cache"))
    }

    /// The cache's disk budget in bytes (`[cache] budget_mb`, else the board profile's).
    pub fn cache_budget(&self) -> u64 {
        self.cache
            .budget_mb
            .unwrap_or_else(|| self.board().cache.budget_mb)
            .saturating_mul(1024 * 1024)
    }

    /// Join timeout as a `Duration`.
    pub fn join_timeout(&self) -> Duration {
        Duration::from_millis(self.player.join_timeout_ms)
    }

    /// The video decoder preference in force: the configuration's, else the
    /// board profile's (every codec's list; ranks are per decoder).
    pub fn decoders(&self) -> Vec<String> {
        if !self.player.decoders.is_empty() {
            return self.player.decoders.clone();
        }
        let video = self.board().video;
        video.h264.into_iter().chain(video.hevc).collect()
    }

    /// No-picture timeout as a `Duration`.
    pub fn no_picture_timeout(&self) -> Duration {
        Duration::from_millis(self.player.no_picture_timeout_ms)
    }
}

/// The first of the directories systemd passes (`StateDirectory=a b` gives
/// `$STATE_DIRECTORY=/var/lib/a:/var/lib/b`).
fn systemd_dir(value: Option<std::ffi::OsString>) -> Option<PathBuf> {
    let value = value?.to_string_lossy().to_string();
    let first = value.split(':').next().unwrap_or_default();
    (!first.is_empty()).then(|| PathBuf::from(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_board_profile_parses() {
        assert_eq!(Config::default().board().name, "generic");
    }

    #[test]
    fn a_full_file_parses_and_server_overrides_feeds() {
        let mut c = Config::parse(
            "state_dir = \"/var/lib/hustings\"\nmulticast_interface = \"eth0\"\n[feeds]\nlineup = [\"http://a/l.m3u\"]\n[player]\njoin_timeout_ms = 900\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.player.join_timeout_ms, 900);
        assert_eq!(c.player.no_picture_timeout_ms, 15000);
        assert_eq!(c.multicast_interface().as_deref(), Some("eth0"));
        c.use_server("http://127.0.0.1:8080/");
        assert_eq!(c.feeds.lineup, ["http://127.0.0.1:8080/lineup.m3u"]);
        assert_eq!(c.feeds.guide, ["http://127.0.0.1:8080/guide.xml.gz"]);
    }

    #[test]
    fn decoders_come_from_the_configuration_else_the_board() {
        let mut c = Config {
            profile: Some(
                toml::from_str(
                    "name = \"rpi4\"\n[video]\nh264 = [\"v4l2h264dec\", \"avdec_h264\"]\nhevc = [\"v4l2slh265dec\"]\n",
                )
                .unwrap(),
            ),
            ..Default::default()
        };
        assert_eq!(c.decoders(), ["v4l2h264dec", "avdec_h264", "v4l2slh265dec"]);
        c.player.decoders = vec!["openh264dec".into()];
        assert_eq!(c.decoders(), ["openh264dec"]);
        assert!(
            Config::default().decoders().is_empty(),
            "generic: GStreamer's ranks"
        );
    }

    #[test]
    fn the_transparency_jurisdiction_defaults_to_us_and_refuses_an_unknown_one() {
        assert_eq!(
            Config::parse("", Path::new("c.toml"))
                .unwrap()
                .transparency
                .jurisdiction,
            Jurisdiction::Us
        );
        for (text, want) in [("uk", Jurisdiction::Uk), ("eu", Jurisdiction::Eu)] {
            let c = Config::parse(
                &format!("[transparency]\njurisdiction = \"{text}\"\n"),
                Path::new("c.toml"),
            );
            assert_eq!(c.unwrap().transparency.jurisdiction, want);
        }
        let e = Config::parse(
            "[transparency]\njurisdiction = \"mars\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("mars"), "{e}");
    }

    #[test]
    fn the_trust_section_parses_policies_keys_and_publishers() {
        let c = Config::parse(
            "[trust]\nallow_plain_http = [\"http://10.0.0.1/\"]\n[trust.publishers]\nD5F0A7B2C4E1A09F = \"Civic TV\"\n[trust.archive]\npolicy = \"required\"\nkeys = [\"RWQ\", \"RWR\"]\n[trust.guide]\npolicy = \"off\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.trust.archive.policy, Some(FeedPolicy::Required));
        assert_eq!(c.trust.archive.keys, ["RWQ", "RWR"]);
        assert_eq!(c.trust.guide.policy, Some(FeedPolicy::Off));
        assert_eq!(c.trust.interact.policy, None, "the default is the kind's");
        assert_eq!(c.trust.publishers["D5F0A7B2C4E1A09F"], "Civic TV");
        assert!(
            Config::parse("[trust.lineup]\npolicy = \"maybe\"\n", Path::new("c.toml")).is_err()
        );
    }

    #[test]
    fn download_limits_default_for_a_big_guide_and_parse() {
        let d = Config::default().downloads;
        assert_eq!(
            (d.guide_max_mb, d.guide_max_xml_mb, d.guide_max_ratio),
            (256, 2048, 100)
        );
        let c = Config::parse(
            "[downloads]\nguide_deadline_seconds = 2\nguide_max_mb = 1\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.downloads.guide_deadline_seconds, 2);
        assert_eq!(c.downloads.guide_max_mb, 1);
        assert_eq!(c.downloads.feed_deadline_seconds, 30);
        assert!(Config::parse("[downloads]\nguide_max_gb = 1\n", Path::new("c.toml")).is_err());
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_the_file() {
        let err = Config::parse("lineup = 3", Path::new("/etc/hustings/config.toml")).unwrap_err();
        assert!(
            err.to_string().starts_with("/etc/hustings/config.toml"),
            "{err}"
        );
    }

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<std::ffi::OsString> + 'a {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.into())
    }

    #[test]
    fn systemd_directories_are_used_unless_the_configuration_names_one() {
        let systemd = [
            ("STATE_DIRECTORY", "/var/lib/hustings"),
            ("CACHE_DIRECTORY", "/var/cache/hustings:/var/cache/other"),
        ];
        let c = Config::default();
        assert_eq!(
            c.state_dir_in(&env(&systemd)),
            Path::new("/var/lib/hustings")
        );
        assert_eq!(
            c.cache_dir_in(&env(&systemd)),
            Path::new("/var/cache/hustings"),
            "the first of systemd's list"
        );
        let mut board = BoardProfile::generic();
        board.cache.dir = Some("/data/hustings-cache".into());
        let on_box = Config {
            profile: Some(board),
            ..Default::default()
        };
        assert_eq!(
            on_box.cache_dir_in(&env(&systemd[..1])),
            Path::new("/data/hustings-cache"),
            "outside systemd's CacheDirectory the profile's place"
        );
        assert_eq!(
            c.cache_dir_in(&env(&systemd[..1])),
            Path::new("/var/lib/hustings/cache"),
            "no cache directory anywhere: under the state directory"
        );
        let given = Config {
            state_dir: Some("/tmp/box".into()),
            ..Default::default()
        };
        assert_eq!(given.state_dir_in(&env(&systemd)), Path::new("/tmp/box"));
        assert_eq!(
            given.cache_dir_in(&env(&systemd)),
            Path::new("/tmp/box/cache")
        );
        let mut explicit = given.clone();
        explicit.cache.dir = Some("/srv/cache".into());
        assert_eq!(
            explicit.cache_dir_in(&env(&systemd)),
            Path::new("/srv/cache")
        );
    }

    #[test]
    fn the_cec_section_and_board_setting_parse() {
        let c = Config::parse(
            "board = \"rpi4\"\n[cec]\nosd_name = \"Town hall\"\nstandby_tv = true\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(c.board.as_deref(), Some("rpi4"));
        assert!(c.cec.enabled && c.cec.follow_tv_standby && c.cec.standby_tv);
        assert_eq!(c.cec.osd_name, "Town hall");
        assert_eq!(c.cec_device(), None, "generic profile: no adapter");
        let mut off = c.clone();
        off.cec.device = Some("/dev/cec1".into());
        assert_eq!(off.cec_device(), Some(PathBuf::from("/dev/cec1")));
        off.cec.enabled = false;
        assert_eq!(off.cec_device(), None);
    }

    #[test]
    fn display_settings_parse_and_refuse_unknown_backends() {
        let c = Config::parse(
            "[display]\nbackend = \"kms\"\ndevice = \"/dev/dri/card1\"\nvideo_plane = false\n",
            Path::new("box.toml"),
        )
        .unwrap();
        assert_eq!(c.display.backend, DisplayBackend::Kms);
        assert_eq!(c.drm_device(), PathBuf::from("/dev/dri/card1"));
        assert!(!c.display.video_plane);
        let d = Config::default();
        assert_eq!(d.display.backend, DisplayBackend::Auto);
        assert!(d.display.video_plane && d.input.discover);
        let err = Config::parse("[display]\nbackend = \"x11\"\n", Path::new("box.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("box.toml") && err.contains("x11"), "{err}");
    }
}
