//! Command-line glue: argument parsing and one function per subcommand.
//! The only place besides `main.rs` that uses `anyhow`.

// The benchmarks and the demo start the demo headend or use its generators:
// not in the box build (`--no-default-features`), where these subcommands do not exist.
mod app;
mod archive;
#[cfg(feature = "headend")]
mod bench;
#[cfg(feature = "headend")]
mod bench_display;
#[cfg(feature = "headend")]
mod bench_guide;
#[cfg(feature = "headend")]
mod bench_peers;
#[cfg(feature = "headend")]
mod bench_seek;
#[cfg(feature = "headend")]
mod bench_soak;
#[cfg(feature = "headend")]
mod bench_ui;
#[cfg(feature = "headend")]
mod demo;
mod doctor;
mod doctor_board;
mod guide;
mod interact;
mod lineup_check;
mod play;
mod trust;

#[cfg(feature = "headend")]
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::Config;
#[cfg(feature = "headend")]
use crate::headend::MulticastMode;

/// Hustings: IPTV client for campaign and civic television.
#[derive(Debug, Parser)]
#[command(name = "hustings", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub common: ClientArgs,
    /// Open the window full screen.
    #[arg(long, global = true)]
    pub fullscreen: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every client command takes.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Configuration file (default: $XDG_CONFIG_HOME/hustings/config.toml, then /etc/hustings/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A headend's base URL, standing in for the feed URLs of the configuration.
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,
    /// Where the box keeps its database and cache (default: the XDG or systemd state directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Start the wall clock at this time (RFC 3339 or Unix seconds) instead of
    /// the system's; it runs on from there. For tests and reproducible demos:
    /// the guide, reminders, catch-up and signatures all follow it.
    #[arg(long, global = true, value_name = "TIME", value_parser = crate::config::parse_clock_start, hide = true)]
    pub clock_start: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the demo headend in-process and the TV app on it.
    #[cfg(feature = "headend")]
    Demo {
        /// No window: run the scripted remote-control tour, writing PNGs into DIR.
        #[arg(long, value_name = "DIR")]
        headless: Option<PathBuf>,
        /// With --headless: run this script of remote actions instead of the tour
        /// (one per line: an action such as `Guide` or `Digit 3`, `wait MS`, `shot NAME`).
        #[arg(long, value_name = "FILE", requires = "headless")]
        script: Option<PathBuf>,
        /// Headend multicast: auto (if loopback multicast works), on, off.
        #[arg(long, value_enum, default_value = "auto")]
        multicast: MulticastMode,
    },
    /// Run the demo headend: M3U lineup, XMLTV guide and live channels on loopback.
    #[cfg(feature = "headend")]
    Headend {
        /// Address to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        /// Multicast: auto (if loopback multicast works), on, off.
        #[arg(long, value_enum, default_value = "auto")]
        multicast: MulticastMode,
        /// Fault test: drop this share (0 to 1) of submission replies after committing them.
        #[arg(long, default_value_t = 0.0, value_name = "P")]
        drop_replies: f64,
        /// Append `start METHOD PATH` and `done METHOD PATH STATUS` per request to FILE.
        #[arg(long, value_name = "FILE")]
        request_log: Option<PathBuf>,
        /// Fault test: send archive segments at this many bytes per second.
        #[arg(long, value_name = "BYTES")]
        segment_rate: Option<u64>,
        /// Fault test: flip one byte of the first COUNT answers for URL path PATH (repeatable).
        #[arg(long, value_name = "PATH=COUNT", value_parser = crate::headend::faults::parse_damage)]
        damage: Vec<(String, u32)>,
        /// Fault test: answer the first submissions with these HTTP statuses, in order, without storing them.
        #[arg(long, value_name = "STATUS,...", value_delimiter = ',')]
        fail_submissions: Vec<u16>,
        /// Fault test: SIGKILL the headend right after it commits its Nth new submission, before replying.
        #[arg(long, value_name = "N")]
        die_after_commit: Option<u32>,
    },
    /// Polls and sign-up forms: list, answer, sign up, flush the outbox.
    Interact {
        #[command(subcommand)]
        command: interact::InteractCommand,
    },
    /// Play one URI and report the first frame.
    Play {
        /// udp://@group:port, http(s)://…/index.m3u8, a file, …
        uri: String,
        /// No window: decode and keep playing until killed or --seconds pass.
        #[arg(long)]
        headless: bool,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
        /// Stop after this many seconds (headless).
        #[arg(long, value_name = "N")]
        seconds: Option<f64>,
    },
    /// The speech archive: list, search (titles, speakers, topics, words said), play.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// The local cache of downloaded speeches.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Lineup tools.
    Lineup {
        #[command(subcommand)]
        command: LineupCommand,
    },
    /// Programme guide: import XMLTV into the database and query it.
    Guide {
        #[command(subcommand)]
        command: GuideCommand,
    },
    /// Whole-system benchmarks (use a release build).
    #[cfg(feature = "headend")]
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Publishers: make a key pair for signing feeds (NAME.pub, NAME.key).
    Keygen(trust::KeygenArgs),
    /// Publishers: sign a feed file (writes FILE.minisig; docs/trust.md).
    Sign(trust::SignArgs),
    /// Check a feed file against its FILE.minisig and a publisher key; exit 1 if rejected.
    Verify(trust::VerifyArgs),
    /// Report what this box can do: GStreamer, decoders, display, input, multicast.
    Doctor {
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
        /// Read the device tree, DMI and device nodes under this directory
        /// instead of `/` (a mounted image, or a sample tree in tests).
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
    },
    /// Run a script of remote actions on the configured feeds (the demo's script
    /// language) and save its shots: headless, or on the box's display with
    /// writeback screenshots when `[display] backend = "kms"`.
    Script {
        /// The script: one action, `wait MS` or `shot NAME` a line.
        file: PathBuf,
        /// Where the shots go (DIR/NAME.png).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// What the cache holds: {"used_bytes", "budget_bytes", "items", "pinned"}.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Every item with its id, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Items and transcript moments matching every word.
    Search {
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Downloads an item for offline viewing; returns when it is complete and verified (resumes an earlier run).
    Download {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Plays an item (same output as `play`); from the cache when downloaded.
    Play {
        id: String,
        #[arg(long)]
        headless: bool,
        #[arg(long)]
        json: bool,
        #[arg(long, value_name = "N")]
        seconds: Option<f64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GuideCommand {
    /// Import XMLTV files or URLs (plain, .gz, .xz; merged in the order given) in one transaction.
    Import {
        #[arg(required = true, value_name = "FILE|URL")]
        sources: Vec<String>,
        /// Database file (default: the state directory's hustings.sqlite3).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
        /// Keep programmes that ended up to this many hours ago.
        #[arg(long, default_value_t = 24, value_name = "H")]
        history_hours: i64,
        /// Import downloaded guides without checking their signatures
        /// against the keys pinned in `[trust.guide]` (the explicit way out).
        #[arg(long)]
        no_verify: bool,
    },
    /// Now and next on every channel.
    Now {
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// The moment (Unix seconds or YYYYMMDDhhmmss +zzzz; default now).
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Programmes of some channels over a time window.
    Grid {
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// Guide channel ids, comma-separated (default: the first 20).
        #[arg(long)]
        channels: Option<String>,
        /// Window start (Unix seconds or YYYYMMDDhhmmss +zzzz; default now).
        #[arg(long)]
        from: Option<String>,
        /// Window length in hours.
        #[arg(long, default_value_t = 4.0)]
        hours: f64,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over titles, sub-titles, descriptions and credits.
    Search {
        text: String,
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[cfg(feature = "headend")]
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Watching and zapping on each way the picture reaches the screen: UI frames
    /// per second, CPU per minute, zap to screen (video plane vs composited on a DRM card).
    Display {
        /// Seconds of watching to measure, per path.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Zaps per path, alternating Channel up and down.
        #[arg(long, default_value_t = 10)]
        zaps: usize,
        /// Print each path's figures as a JSON line too.
        #[arg(long)]
        json: bool,
        /// Measure one path in this process (plane, composited or software).
        #[arg(long, hide = true)]
        only: Option<String>,
    },
    /// A long working life in one app process (zaps, guide and lineup
    /// refreshes, poll overlays, archive plays): memory, descriptors, threads,
    /// GStreamer elements and the SQLite WAL from warm-up to the end.
    Soak {
        /// Zaps (multicast and HLS, neighbours and typed numbers).
        #[arg(long, default_value_t = 5000)]
        zaps: usize,
        /// Guide refreshes (each a full import of the generated guide).
        #[arg(long, default_value_t = 100)]
        guide_refreshes: usize,
        /// Poll overlays: open, answer, close.
        #[arg(long, default_value_t = 200)]
        overlays: usize,
        /// Archive plays, four seeks each.
        #[arg(long, default_value_t = 50)]
        archive_plays: usize,
        /// Lineup refreshes, each adding and removing channels.
        #[arg(long, default_value_t = 20)]
        lineup_refreshes: usize,
        /// The generated guide's channels and days.
        #[arg(long, default_value_t = 1000)]
        guide_channels: usize,
        #[arg(long, default_value_t = 7)]
        guide_days: u32,
        /// Samples printed between the warm-up and the end.
        #[arg(long, default_value_t = 20)]
        samples: usize,
        /// A short run of every activity (the smoke test): 40 zaps, a small guide.
        #[arg(long)]
        quick: bool,
        /// Print the samples, deltas and goals as one JSON line too.
        #[arg(long)]
        json: bool,
        /// Internal: serve the headend and the feeds in DIR (the bench's child process).
        #[arg(long, value_name = "DIR", hide = true)]
        serve: Option<PathBuf>,
    },
    /// Seeking in an archive speech, streamed and from the download cache.
    Seek {
        /// Seeks per source.
        #[arg(long, default_value_t = 30)]
        rounds: usize,
    },
    /// The 10-foot UI with a 1,000-channel x 7-day guide: frame time, key-to-frame latency, memory.
    Ui {
        /// Print the figures as one JSON line too.
        #[arg(long)]
        json: bool,
        /// Keep the generated lineup, guide and database in this directory.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
    },
    /// Guide import speed and memory, and query latency, on a seeded generated guide.
    Guide {
        /// Multiply the 1,000 channels (4 = the 4x file for the memory bound).
        #[arg(long, default_value_t = 1)]
        scale: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Keep the generated guide and database in this directory.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
    },
    /// Zap time to the first decoded frame: multicast vs HLS, interleaved, on the demo headend.
    Zap {
        /// Rounds over every demo channel.
        #[arg(long, default_value_t = 17)]
        rounds: usize,
        /// Print every sample as a JSON line too.
        #[arg(long)]
        json: bool,
        /// Which players to measure (comma-separated): hustings, mpv, gst-play.
        #[arg(long, value_delimiter = ',', default_value = "hustings,mpv,gst-play")]
        tools: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LineupCommand {
    /// Parse an M3U file or URL and report its channels and problems.
    Check {
        /// Path or URL of the playlist.
        source: String,
        /// Print machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Builds the configuration from the file and the command-line overrides.
pub fn config_from(args: &ClientArgs) -> anyhow::Result<Config> {
    config_on(args, std::path::Path::new("/"))
}

/// The configuration, with the board profile chosen for the machine whose
/// root file system is `root` (`/`, or a sample tree for `hustings doctor --root`).
pub fn config_on(args: &ClientArgs, root: &std::path::Path) -> anyhow::Result<Config> {
    let mut config = Config::discover(args.config.as_deref())?;
    if let Some(server) = &args.server {
        config.use_server(server);
    }
    if let Some(state) = &args.state {
        config.state_dir = Some(state.clone());
    }
    if let Some(start) = args.clock_start {
        config.clock = crate::config::Clock::starting_at(start);
    }
    crate::platform::board::apply(&mut config, root, &element_present)?;
    Ok(config)
}

/// The clock the command line asks for: the system's, or one started at
/// `--clock-start`.
pub fn clock(args: &ClientArgs) -> crate::config::Clock {
    args.clock_start.map_or_else(
        crate::config::Clock::system,
        crate::config::Clock::starting_at,
    )
}

/// Whether GStreamer has the element (false when GStreamer cannot start).
pub fn element_present(name: &str) -> bool {
    gstreamer::init().is_ok() && gstreamer::ElementFactory::find(name).is_some()
}

/// The feed checks of the configuration's `[trust]` section, with the
/// rollback state in the state directory (made if missing).
pub fn trust_gate(config: &Config) -> anyhow::Result<crate::trust::TrustGate> {
    let dir = config.state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(crate::trust::TrustGate::open(
        &config.trust,
        &dir,
        config.clock.clone(),
    )?)
}

/// The tokio runtime for network, storage, the player and the headend.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hustings-rt")
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

/// Whether a window system is reachable.
pub fn has_display() -> bool {
    crate::app::has_window_system()
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Cli {
        common,
        fullscreen,
        command,
    } = cli;
    match command {
        None => app::run_app(&common, fullscreen),
        #[cfg(feature = "headend")]
        Some(Command::Demo {
            headless,
            script,
            multicast,
        }) => demo::run_demo(&common, headless, script, multicast, fullscreen),
        #[cfg(feature = "headend")]
        Some(Command::Headend {
            bind,
            multicast,
            drop_replies,
            request_log,
            segment_rate,
            damage,
            fail_submissions,
            die_after_commit,
        }) => demo::run_headend(
            &common,
            bind,
            multicast,
            drop_replies,
            crate::headend::faults::Faults {
                request_log,
                segment_rate,
                damage,
                fail_submissions,
                die_after_commit,
            },
        ),
        Some(Command::Interact { command }) => interact::run(&common, command),
        Some(Command::Play {
            uri,
            headless,
            json,
            seconds,
        }) => play::run(&common, &uri, headless, json, seconds, fullscreen),
        Some(Command::Cache {
            command: CacheCommand::Status { json },
        }) => archive::cache_status(&common, json),
        Some(Command::Archive { command }) => match command {
            ArchiveCommand::List { json } => archive::list(&common, json),
            ArchiveCommand::Search { text, json } => archive::search(&common, &text, json),
            ArchiveCommand::Download { id, json } => archive::download(&common, &id, json),
            ArchiveCommand::Play {
                id,
                headless,
                json,
                seconds,
            } => archive::play(&common, &id, headless, json, seconds, fullscreen),
        },
        Some(Command::Lineup {
            command: LineupCommand::Check { source, json },
        }) => lineup_check::run(&common, &source, json),
        Some(Command::Keygen(args)) => trust::keygen(args),
        Some(Command::Sign(args)) => trust::sign(args, &clock(&common)),
        Some(Command::Verify(args)) => trust::verify(args, &clock(&common)),
        Some(Command::Doctor { json, root }) => doctor::run(&common, json, &root),
        Some(Command::Script { file, out }) => app::script(&common, &file, &out),
        #[cfg(feature = "headend")]
        Some(Command::Bench { command }) => match command {
            BenchCommand::Zap {
                rounds,
                json,
                tools,
            } => bench::zap(rounds, json, &tools),
            BenchCommand::Guide { scale, seed, keep } => {
                bench_guide::run(scale, seed, keep.as_deref())
            }
            BenchCommand::Ui { json, keep } => bench_ui::run(json, keep.as_deref()),
            BenchCommand::Seek { rounds } => bench_seek::run(rounds),
            BenchCommand::Soak {
                serve: Some(dir), ..
            } => bench_soak::serve(&dir),
            BenchCommand::Soak {
                zaps,
                guide_refreshes,
                overlays,
                archive_plays,
                lineup_refreshes,
                guide_channels,
                guide_days,
                samples,
                quick,
                json,
                serve: None,
            } => {
                let options = bench_soak::SoakOptions {
                    zaps,
                    guide_refreshes,
                    overlays,
                    archive_plays,
                    lineup_refreshes,
                    guide_channels,
                    guide_days,
                    samples,
                    json,
                };
                bench_soak::run(if quick { options.quick() } else { options })
            }
            BenchCommand::Display {
                seconds,
                zaps,
                json,
                only,
            } => match only {
                Some(path) => bench_display::run_path(&common, &path, seconds, zaps),
                None => bench_display::run(&common, seconds, zaps, json),
            },
        },
        Some(Command::Guide { command }) => match command {
            GuideCommand::Import {
                sources,
                db,
                json,
                history_hours,
                no_verify,
            } => guide::import(&common, &sources, db, json, history_hours, !no_verify),
            GuideCommand::Now { db, at, json } => guide::now(&common, db, at.as_deref(), json),
            GuideCommand::Grid {
                db,
                channels,
                from,
                hours,
                json,
            } => guide::grid(&common, db, channels, from.as_deref(), hours, json),
            GuideCommand::Search {
                text,
                db,
                limit,
                json,
            } => guide::search(&common, db, &text, limit, json),
        },
    }
}
