//! The demo and test headend: a real HTTP server on loopback plus live
//! channels generated with GStreamer.
//!
//! Serves, under one base URL: `lineup.m3u` (multicast first, HLS fallback),
//! `lineup-unicast.m3u` (HLS only, for players without multicast),
//! `guide.xml.gz` / `guide.xml` (XMLTV around the current time),
//! `hls/<channel>/index.m3u8` (live HLS) and `logos/<channel>.svg`, and
//! the interactive feed with its submissions API (`interact.rs`); the
//! channels also over RTSP on a port of their own (`rtsp.rs`). Every feed
//! has a minisign signature beside it (`<feed>.minisig`, demo key at
//! `trust/demo.pub`; `signing.rs`).
//! Multicast is sent from 127.0.0.1 out of `lo` with TTL 0, so it never
//! leaves the host (or the private network namespace a test made).

pub mod archive;
pub mod captions;
pub mod catchup;
mod channels;
pub mod faults;
mod feeds;
pub mod guide_gen;
mod http;
pub mod interact;
mod rtsp;
mod signing;

pub use channels::{DEMO_CHANNELS, DemoChannel};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

/// Whether the headend sends multicast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MulticastMode {
    /// Send multicast when the loopback self-test passes.
    Auto,
    /// Always send (fails if it cannot).
    On,
    /// HLS only.
    Off,
}

/// How to start the headend.
#[derive(Debug, Clone)]
pub struct HeadendOptions {
    pub bind: SocketAddr,
    /// Where HLS segments are written; None = a temporary directory.
    pub state_dir: Option<PathBuf>,
    pub multicast: MulticastMode,
    /// Share (0 to 1) of submission replies dropped after committing (fault tests).
    pub drop_replies: f64,
    /// Other faults for tests, and the request log (all off by default).
    pub faults: faults::Faults,
    /// Where "now" is: the guide, the interactive feed, the archive's dates,
    /// catch-up and signatures are made around it (the system clock unless
    /// a test fixed it, so its guide is the same whenever it runs).
    pub clock: crate::config::Clock,
}

impl Default for HeadendOptions {
    fn default() -> Self {
        HeadendOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_dir: None,
            multicast: MulticastMode::Auto,
            drop_replies: 0.0,
            faults: faults::Faults::default(),
            clock: crate::config::Clock::system(),
        }
    }
}

/// Why the headend could not start.
#[derive(Debug, Error)]
pub enum HeadendError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("channel {channel}: {message}")]
    Channel { channel: String, message: String },
    #[error("interactive store: {0}")]
    Interact(#[from] interact::StoreError),
    #[error("multicast was requested but loopback multicast does not work here: {0}")]
    NoMulticast(String),
    #[error(transparent)]
    Signing(#[from] signing::SigningError),
}

/// A running headend. Dropping it stops the channels and the server.
pub struct Headend {
    url: String,
    multicast: bool,
    senders: Vec<channels::Sender>,
    server: tokio::task::JoinHandle<()>,
    archive: Option<tokio::task::JoinHandle<()>>,
    /// The channels over RTSP too (None if the server could not start).
    rtsp: Option<rtsp::RtspServer>,
    /// The demo signing key's public half (base64), for boxes to pin.
    demo_public_key: String,
    _tmp: Option<tempfile::TempDir>,
}

impl Headend {
    /// Starts the channels and the HTTP server, and returns once every
    /// channel's HLS playlist has segments (at most ~10 s).
    pub async fn start(options: HeadendOptions) -> Result<Headend, HeadendError> {
        let (tmp, state_dir) = match &options.state_dir {
            Some(d) => (None, d.clone()),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("hustings-headend-")
                    .tempdir()
                    .map_err(|source| HeadendError::Io {
                        path: std::env::temp_dir(),
                        source,
                    })?;
                let p = t.path().to_path_buf();
                (Some(t), p)
            }
        };
        let hls_root = state_dir.join("hls");
        let archive_root = state_dir.join("archive");
        let multicast = match options.multicast {
            MulticastMode::Off => false,
            mode => {
                match crate::net::multicast::loopback_multicast_works(Duration::from_millis(300)) {
                    Ok(()) => true,
                    Err(e) if mode == MulticastMode::On => {
                        return Err(HeadendError::NoMulticast(e));
                    }
                    Err(e) => {
                        tracing::warn!("loopback multicast unavailable ({e}); offering HLS only");
                        false
                    }
                }
            }
        };
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .map_err(|source| HeadendError::Bind {
                addr: options.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| HeadendError::Bind {
            addr: options.bind,
            source,
        })?;
        let url = format!("http://{addr}/");

        crate::player::init().map_err(|e| HeadendError::Channel {
            channel: "*".into(),
            message: e.to_string(),
        })?;
        let mut senders = Vec::new();
        let instance = multicast.then_some(addr.port());
        for ch in DEMO_CHANNELS {
            senders.push(channels::Sender::start(ch, &hls_root, instance)?);
        }
        let interact = interact::Server::open_with(
            &state_dir.join("interact.sqlite3"),
            options.drop_replies,
            options.clock.clone(),
            &options.faults,
        )?;
        let http_faults =
            faults::HttpFaults::open(&options.faults).map_err(|source| HeadendError::Io {
                path: options.faults.request_log.clone().unwrap_or_default(),
                source,
            })?;
        let signer = std::sync::Arc::new(signing::Signer::load_or_create(&state_dir)?);
        let demo_public_key = signer.public_key_base64();
        let app = http::router(http::Site {
            base_url: url.clone(),
            multicast: instance,
            hls_root: hls_root.clone(),
            archive_root: archive_root.clone(),
            clock: options.clock.clone(),
        })
        .merge(interact::router(interact))
        .merge(signing::router(signing::SigningSite {
            signer,
            base_url: url.clone(),
            multicast: instance,
            archive_root: archive_root.clone(),
            clock: options.clock.clone(),
        }));
        let app = match http_faults {
            Some(f) => app.layer(axum::middleware::from_fn_with_state(f, faults::layer)),
            None => app,
        };
        // The archive is made in the background: it is not needed to zap.
        let clock = options.clock.clone();
        let archive = tokio::task::spawn_blocking(move || {
            let now = clock.now();
            if let Err(e) = archive::generate(&archive_root, now) {
                tracing::error!("the demo archive could not be made: {e}");
            }
        });
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("headend HTTP server stopped: {e}");
            }
        });
        let headend = Headend {
            url,
            multicast,
            senders,
            server,
            archive: Some(archive),
            rtsp: rtsp::RtspServer::start()
                .map_err(|e| tracing::warn!("no RTSP service: {e}"))
                .ok(),
            demo_public_key,
            _tmp: tmp,
        };
        headend
            .wait_for_hls(&hls_root, Duration::from_secs(10))
            .await?;
        tracing::info!(url = %headend.url, multicast, "headend ready");
        Ok(headend)
    }

    /// The base URL, ending in `/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A channel's RTSP URL (`rtsp://127.0.0.1:PORT/<channel>`), when the
    /// RTSP server runs.
    pub fn rtsp_url(&self, channel: &str) -> Option<String> {
        self.rtsp.as_ref().map(|r| r.url(channel))
    }

    /// Waits until the demo archive is made (its catalogue is served).
    pub async fn wait_for_archive(&mut self) {
        if let Some(task) = self.archive.take() {
            let _ = task.await;
        }
    }

    /// The public key (minisign base64) that signs every feed served
    /// (`<feed>.minisig`); also at `<url>trust/demo.pub` and in the state
    /// directory's `trust/demo.pub`.
    pub fn demo_public_key(&self) -> &str {
        &self.demo_public_key
    }

    /// Whether channels are also sent as multicast.
    pub fn multicast(&self) -> bool {
        self.multicast
    }

    async fn wait_for_hls(&self, root: &Path, limit: Duration) -> Result<(), HeadendError> {
        let deadline = tokio::time::Instant::now() + limit;
        for ch in DEMO_CHANNELS {
            let playlist = root.join(ch.id).join("index.m3u8");
            loop {
                if let Some(sender) = self.senders.iter().find(|s| s.id == ch.id)
                    && let Some(err) = sender.failure()
                {
                    return Err(HeadendError::Channel {
                        channel: ch.name.into(),
                        message: err,
                    });
                }
                let segments = tokio::fs::read(&playlist)
                    .await
                    .ok()
                    .and_then(|b| crate::archive::summarize_media_playlist(&b, "").ok())
                    .map(|p| p.segments)
                    .unwrap_or(0);
                if segments >= 2 {
                    break;
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(HeadendError::Channel {
                        channel: ch.name.into(),
                        message: format!(
                            "no HLS segments in {} after {} s",
                            playlist.display(),
                            limit.as_secs()
                        ),
                    });
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }
}

impl Drop for Headend {
    fn drop(&mut self) {
        self.server.abort();
        for s in &self.senders {
            s.stop();
        }
    }
}
