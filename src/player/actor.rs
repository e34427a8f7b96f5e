//! The actor task: owns playbin3, turns commands into state changes and bus
//! messages into [`PlayerEvent`]s.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt};
use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::mpsc;
use tokio::time::Instant as TokioInstant;

use super::output::{audio_sink, video_sink};
use super::source::{configure, gst_uri, is_multicast};
use super::{
    DecoderInfo, FrameSink, PlayerCommand, PlayerError, PlayerEvent, PlayerInitError, TuneRequest,
    ZapId,
};

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
}

impl Default for PlayerOptions {
    fn default() -> Self {
        PlayerOptions {
            audio: true,
            multicast_interface: None,
            join_timeout: Duration::from_millis(2500),
            no_picture_timeout: Duration::from_secs(15),
        }
    }
}

/// The app's end of the player: cheap to clone, safe to drop.
#[derive(Clone)]
pub struct PlayerHandle {
    tx: mpsc::UnboundedSender<PlayerCommand>,
    next_zap: Arc<AtomicU64>,
}

impl PlayerHandle {
    /// Sends a command; false when the player has ended.
    pub fn send(&self, command: PlayerCommand) -> bool {
        self.tx.send(command).is_ok()
    }

    /// Tunes a channel and returns the id its events and frames will carry.
    pub fn tune(&self, label: impl Into<String>, urls: Vec<String>) -> ZapId {
        let zap = self.next_zap.fetch_add(1, Ordering::AcqRel) + 1;
        self.send(PlayerCommand::Tune(TuneRequest {
            zap,
            label: label.into(),
            urls,
        }));
        zap
    }

    /// Plays one URI (a tune with a single URL).
    pub fn play(&self, uri: &str) -> ZapId {
        self.tune(uri, vec![uri.to_string()])
    }
}

/// Notes from GStreamer's threads to the actor.
enum Note {
    FirstPacket(ZapId),
    FirstFrame(ZapId),
}

/// Starts a player actor on `runtime`. Frames go to `frames`; events come
/// out of the returned receiver.
pub fn spawn(
    runtime: &tokio::runtime::Handle,
    options: PlayerOptions,
    frames: FrameSink,
) -> Result<(PlayerHandle, mpsc::UnboundedReceiver<PlayerEvent>), PlayerInitError> {
    super::init()?;
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (event_tx, event_rx) = mpsc::unbounded_channel();
    let (note_tx, note_rx) = mpsc::unbounded_channel();
    let zap = Arc::new(AtomicU64::new(0));

    let playbin = gst::ElementFactory::make("playbin3")
        .name("player")
        .build()
        .map_err(|_| PlayerInitError::MissingElement("playbin3".into()))?;
    let first_frame_tx = note_tx.clone();
    let on_first = Arc::new(move |z| {
        let _ = first_frame_tx.send(Note::FirstFrame(z));
    });
    playbin.set_property("video-sink", video_sink(zap.clone(), frames, on_first)?);
    playbin.set_property("audio-sink", audio_sink(options.audio)?);

    let decoder = Arc::new(Mutex::new(None));
    watch_decoders(&playbin, decoder.clone());
    watch_sources(
        &playbin,
        options.multicast_interface.clone(),
        zap.clone(),
        note_tx,
    );

    let bus = playbin
        .bus()
        .ok_or_else(|| PlayerInitError::Build("playbin3 has no bus".into()))?;
    let actor = Actor {
        playbin,
        zap,
        events: event_tx,
        options,
        tune: None,
        decoder,
    };
    runtime.spawn(actor.run(cmd_rx, note_rx, bus.stream()));
    Ok((
        PlayerHandle {
            tx: cmd_tx,
            next_zap: Arc::new(AtomicU64::new(0)),
        },
        event_rx,
    ))
}

/// Records the video decoder playbin3 picks, and keeps tsdemux's latency low.
fn watch_decoders(playbin: &gst::Element, decoder: Arc<Mutex<Option<DecoderInfo>>>) {
    let Some(bin) = playbin.downcast_ref::<gst::Bin>() else {
        return;
    };
    bin.connect_deep_element_added(move |_, _, element| {
        let Some(factory) = element.factory() else {
            return;
        };
        let klass = factory
            .metadata(gst::ELEMENT_METADATA_KLASS)
            .unwrap_or_default();
        if factory.name() == "tsdemux" {
            // tsdemux adds 700 ms of latency by default for jittery networks;
            // on a managed IPTV network 200 ms is plenty and every zap saves 0.5 s.
            element.set_property("latency", 200i32);
        }
        if klass.contains("Decoder") && klass.contains("Video") {
            let info = DecoderInfo {
                name: factory.name().to_string(),
                hardware: klass.contains("Hardware"),
            };
            if let Ok(mut d) = decoder.lock() {
                *d = Some(info);
            }
        }
    });
}

/// Configures each source element and notes its first buffer.
fn watch_sources(
    playbin: &gst::Element,
    iface: Option<String>,
    zap: Arc<AtomicU64>,
    notes: mpsc::UnboundedSender<Note>,
) {
    playbin.connect("source-setup", false, move |args| {
        let source = args.get(1)?.get::<gst::Element>().ok()?;
        configure(&source, iface.as_deref());
        if let Some(pad) = source.static_pad("src") {
            let this_zap = zap.load(Ordering::Acquire);
            let notes = notes.clone();
            pad.add_probe(
                gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
                move |_, _| {
                    let _ = notes.send(Note::FirstPacket(this_zap));
                    gst::PadProbeReturn::Remove
                },
            );
        }
        None
    });
}

/// One tune in progress.
struct Tune {
    zap: ZapId,
    urls: Vec<String>,
    index: usize,
    started: Instant,
    url_started: TokioInstant,
    got_packet: bool,
    got_frame: bool,
    live: bool,
    failed: bool,
}

impl Tune {
    fn url(&self) -> &str {
        &self.urls[self.index]
    }
}

struct Actor {
    playbin: gst::Element,
    zap: Arc<AtomicU64>,
    events: mpsc::UnboundedSender<PlayerEvent>,
    options: PlayerOptions,
    tune: Option<Tune>,
    decoder: Arc<Mutex<Option<DecoderInfo>>>,
}

impl Actor {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<PlayerCommand>,
        mut notes: mpsc::UnboundedReceiver<Note>,
        mut bus: gst::bus::BusStream,
    ) {
        loop {
            let deadline = self.deadline();
            let timer = async move {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => futures::future::pending().await,
                }
            };
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    None | Some(PlayerCommand::Shutdown) => break,
                    Some(c) => self.command(c, &mut bus),
                },
                Some(note) = notes.recv() => self.note(note),
                Some(msg) = bus.next() => self.bus_message(&msg, &mut bus),
                _ = timer => self.deadline_passed(&mut bus),
            }
        }
        self.set_state(gst::State::Null).ok();
        let _ = self.events.send(PlayerEvent::Stopped);
    }

    fn emit(&self, event: PlayerEvent) {
        tracing::debug!(?event, "player event");
        let _ = self.events.send(event);
    }

    fn set_state(
        &self,
        state: gst::State,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        let result = self.playbin.set_state(state);
        if let Err(e) = &result {
            tracing::warn!("pipeline refused state {state:?}: {e}");
        }
        result
    }

    fn command(&mut self, command: PlayerCommand, bus: &mut gst::bus::BusStream) {
        match command {
            PlayerCommand::Tune(TuneRequest { zap, label, urls }) => {
                if urls.is_empty() {
                    self.set_state(gst::State::Null).ok();
                    self.tune = None;
                    let error = PlayerError {
                        source: label,
                        message: "channel has no stream URL".into(),
                        debug: None,
                    };
                    self.emit(PlayerEvent::Error { zap, error });
                    return;
                }
                tracing::info!(channel = %label, zap, "tune");
                self.start_tune(zap, urls, bus);
            }
            PlayerCommand::Stop => {
                self.set_state(gst::State::Null).ok();
                self.tune = None;
                self.emit(PlayerEvent::Stopped);
            }
            PlayerCommand::Pause => {
                self.set_state(gst::State::Paused).ok();
            }
            PlayerCommand::Resume => {
                self.set_state(gst::State::Playing).ok();
            }
            PlayerCommand::SetVolume(v) => self.playbin.set_property("volume", v.clamp(0.0, 1.0)),
            PlayerCommand::SetMute(m) => self.playbin.set_property("mute", m),
            PlayerCommand::Shutdown => unreachable!("handled by the run loop"),
        }
    }

    fn start_tune(&mut self, zap: ZapId, urls: Vec<String>, bus: &mut gst::bus::BusStream) {
        self.tune = Some(Tune {
            zap,
            urls,
            index: 0,
            started: Instant::now(),
            url_started: TokioInstant::now(),
            got_packet: false,
            got_frame: false,
            live: false,
            failed: false,
        });
        self.start_url(bus);
    }

    /// (Re)starts the pipeline on the current tune's current URL.
    fn start_url(&mut self, bus: &mut gst::bus::BusStream) {
        // READY keeps the sinks and decoders allocated; NULL would tear them down.
        self.set_state(gst::State::Ready).ok();
        // Messages posted before READY completed belong to the previous URL.
        while let Some(Some(_stale)) = bus.next().now_or_never() {}
        let Some(tune) = self.tune.as_mut() else {
            return;
        };
        // Only now, with the old streaming threads stopped, may frames carry the new zap.
        self.zap.store(tune.zap, Ordering::Release);
        tune.url_started = TokioInstant::now();
        tune.got_packet = false;
        let url = tune.url().to_string();
        let zap = tune.zap;
        self.playbin.set_property("uri", gst_uri(&url));
        self.emit(PlayerEvent::Tuning {
            zap,
            url: url.clone(),
        });
        match self.set_state(gst::State::Playing) {
            Ok(success) => {
                if let Some(t) = self.tune.as_mut() {
                    t.live = success == gst::StateChangeSuccess::NoPreroll;
                }
            }
            Err(_) => self.try_next(format!("cannot start playing {url}"), None, bus),
        }
    }

    /// Moves to the tune's next URL, or reports the failure when none is left.
    fn try_next(&mut self, reason: String, debug: Option<String>, bus: &mut gst::bus::BusStream) {
        let Some(tune) = self.tune.as_mut() else {
            return;
        };
        let from = tune.url().to_string();
        if tune.index + 1 < tune.urls.len() {
            tune.index += 1;
            let to = tune.url().to_string();
            tracing::warn!(%from, %to, %reason, "falling back");
            let zap = tune.zap;
            self.emit(PlayerEvent::FellBack {
                zap,
                from,
                to,
                reason,
            });
            self.start_url(bus);
        } else {
            tune.failed = true;
            let zap = tune.zap;
            tracing::error!(url = %from, %reason, "playback failed");
            self.set_state(gst::State::Null).ok();
            self.emit(PlayerEvent::Error {
                zap,
                error: PlayerError {
                    source: from,
                    message: reason,
                    debug,
                },
            });
        }
    }

    fn deadline(&self) -> Option<TokioInstant> {
        let t = self.tune.as_ref().filter(|t| !t.failed && !t.got_frame)?;
        let picture = t.url_started + self.options.no_picture_timeout;
        if is_multicast(t.url()) && !t.got_packet {
            Some(picture.min(t.url_started + self.options.join_timeout))
        } else {
            Some(picture)
        }
    }

    fn deadline_passed(&mut self, bus: &mut gst::bus::BusStream) {
        let Some(t) = self.tune.as_ref() else { return };
        let waited = t.url_started.elapsed();
        let reason = if is_multicast(t.url()) && !t.got_packet {
            format!(
                "no packets from {} within {} ms (multicast join failed?)",
                t.url(),
                waited.as_millis()
            )
        } else {
            format!("no picture within {:.1} s", waited.as_secs_f64())
        };
        self.try_next(reason, None, bus);
    }

    fn note(&mut self, note: Note) {
        let decoder = self.decoder.lock().ok().and_then(|d| d.clone());
        let Some(t) = self.tune.as_mut() else { return };
        match note {
            Note::FirstPacket(z) if z == t.zap && !t.got_packet => {
                t.got_packet = true;
                let event = PlayerEvent::FirstPacket {
                    zap: z,
                    elapsed: t.started.elapsed(),
                };
                self.emit(event);
            }
            Note::FirstFrame(z) if z == t.zap && !t.got_frame => {
                t.got_frame = true;
                let event = PlayerEvent::FirstFrame {
                    zap: z,
                    elapsed: t.started.elapsed(),
                    url: t.url().to_string(),
                    decoder,
                };
                self.emit(event);
            }
            _ => {}
        }
    }

    fn bus_message(&mut self, msg: &gst::Message, bus: &mut gst::bus::BusStream) {
        use gst::MessageView;
        let Some(t) = self.tune.as_ref() else { return };
        let (zap, live, got_frame, failed) = (t.zap, t.live, t.got_frame, t.failed);
        if failed {
            return;
        }
        match msg.view() {
            MessageView::Error(err) => {
                let element = err
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                let debug = Some(format!(
                    "{element}: {}",
                    err.debug().map(|d| d.to_string()).unwrap_or_default()
                ));
                let reason = err.error().to_string();
                if got_frame {
                    self.set_state(gst::State::Null).ok();
                    if let Some(t) = self.tune.as_mut() {
                        t.failed = true;
                    }
                    let source = self
                        .tune
                        .as_ref()
                        .map(|t| t.url().to_string())
                        .unwrap_or_default();
                    self.emit(PlayerEvent::Error {
                        zap,
                        error: PlayerError {
                            source,
                            message: reason,
                            debug,
                        },
                    });
                } else {
                    self.try_next(reason, debug, bus);
                }
            }
            // Warnings (e.g. MPEG-TS continuity errors on a lossy network) can come
            // many times a second; they are diagnostics, not news for the log.
            MessageView::Warning(w) => tracing::debug!("gstreamer: {}", w.error()),
            MessageView::Eos(_) => self.emit(PlayerEvent::EndOfStream { zap }),
            MessageView::Buffering(b) => {
                let percent = b.percent().clamp(0, 100) as u8;
                self.emit(PlayerEvent::Buffering { zap, percent });
                // Live streams must never pause for buffering; files and VOD HLS do.
                if !live {
                    let target = if percent < 100 {
                        gst::State::Paused
                    } else {
                        gst::State::Playing
                    };
                    self.set_state(target).ok();
                }
            }
            MessageView::Latency(_) => {
                if let Some(bin) = self.playbin.downcast_ref::<gst::Bin>() {
                    let _ = bin.recalculate_latency();
                }
            }
            _ => {}
        }
    }
}
