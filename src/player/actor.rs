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
use super::phases::{Marks, Note, watch_demuxer, watch_source_pad, watch_video_decoder};
use super::prejoin::Prejoin;
use super::psi::Psi;
use super::seeks::{Seek, Seeks};
use super::source::{configure, gst_uri, is_multicast};
use super::{
    DecoderInfo, FrameSink, JoinFailure, PlayerCommand, PlayerError, PlayerEvent, PlayerInitError,
    TuneRequest, ZapId, ZapPhase,
};

use super::options::PlayerOptions;

/// The app's end of the player: cheap to clone, safe to drop.
#[derive(Clone)]
pub struct PlayerHandle {
    tx: mpsc::UnboundedSender<PlayerCommand>,
    next_zap: Arc<AtomicU64>,
    /// Disconnected once the actor has ended (its sender is dropped with it).
    ended: Arc<Mutex<std::sync::mpsc::Receiver<()>>>,
}

impl PlayerHandle {
    /// Stops the player and waits, up to `within`, until it has set its
    /// pipeline to NULL and ended: a process that exits with playbin3 still
    /// playing leaves its elements undisposed (decoders, sinks and sockets
    /// released by the kernel rather than by GStreamer). Call it from a thread
    /// that is not one of the runtime's workers. False if the actor was not
    /// done in time.
    pub fn shutdown(&self, within: Duration) -> bool {
        self.send(PlayerCommand::Shutdown);
        let Ok(ended) = self.ended.lock() else {
            return false;
        };
        match ended.recv_timeout(within) {
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => true,
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                tracing::warn!("the player did not stop within {within:?}");
                false
            }
        }
    }

    /// Sends a command; false when the player has ended.
    pub fn send(&self, command: PlayerCommand) -> bool {
        self.tx.send(command).is_ok()
    }

    /// Tunes a channel and returns the id its events and frames will carry.
    pub fn tune(&self, label: impl Into<String>, urls: Vec<String>) -> ZapId {
        self.tune_with_headers(label, urls, Vec::new())
    }

    /// Tunes a channel whose HTTP URLs need these request headers
    /// (User-Agent, Referer, cookies... from the lineup).
    pub fn tune_with_headers(
        &self,
        label: impl Into<String>,
        urls: Vec<String>,
        headers: Vec<(String, String)>,
    ) -> ZapId {
        let zap = self.next_zap.fetch_add(1, Ordering::AcqRel) + 1;
        self.send(PlayerCommand::Tune(TuneRequest {
            zap,
            label: label.into(),
            urls,
            headers,
        }));
        zap
    }

    /// Plays one URI (a tune with a single URL).
    pub fn play(&self, uri: &str) -> ZapId {
        self.tune(uri, vec![uri.to_string()])
    }
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
    let (ended_tx, ended_rx) = std::sync::mpsc::channel();
    let marks = Marks::new(Arc::new(AtomicU64::new(0)), note_tx);

    let preferred = super::decoders::apply_preference(&options.decoders);
    for d in preferred.iter().filter(|d| !d.present) {
        tracing::warn!(decoder = %d.name, "a preferred decoder is not installed");
    }
    let shared = Shared {
        decoder: marks.decoder.clone(),
        marks,
        frames,
        prejoin: Arc::new(Prejoin::new()),
        attach: Arc::new(Mutex::new(None)),
        headers: Arc::new(Mutex::new(Vec::new())),
        psi: Arc::new(Psi::default()),
        audio: options.audio,
        iface: options.multicast_interface.clone(),
        shape: options.frames.clone(),
        identity_leak: super::plugins::decodebin3_leaks_identities(),
    };
    let (playbin, captions) = shared.build()?;
    let bus = playbin
        .bus()
        .ok_or_else(|| PlayerInitError::Build("playbin3 has no bus".into()))?;
    let actor = Actor {
        playbin,
        marks: shared.marks.clone(),
        events: event_tx,
        options,
        tune: None,
        decoder: shared.decoder.clone(),
        tracks: super::tracks::TrackState::default(),
        captions,
        seeks: Seeks::default(),
        prejoin: shared.prejoin.clone(),
        attach: shared.attach.clone(),
        headers: shared.headers.clone(),
        neighbours: Vec::new(),
        shared,
        rebuild: false,
        starts: 0,
        _ended: ended_tx,
    };
    runtime.spawn(actor.run(cmd_rx, note_rx, bus.stream()));
    Ok((
        PlayerHandle {
            tx: cmd_tx,
            next_zap: Arc::new(AtomicU64::new(0)),
            ended: Arc::new(Mutex::new(ended_rx)),
        },
        event_rx,
    ))
}

/// What every playbin3 the actor builds is wired to: the first at start, a
/// fresh one after a hardware decoder failed (GStreamer 1.22's playbin3
/// cannot be restarted once a decoder errored under hlsdemux2: it aborts in
/// reconfigure_output when the demuxer posts its streams again).
struct Shared {
    marks: Arc<Marks>,
    frames: FrameSink,
    decoder: Arc<Mutex<Option<DecoderInfo>>>,
    prejoin: Arc<Prejoin>,
    attach: Attach,
    headers: Headers,
    psi: Arc<Psi>,
    audio: bool,
    iface: Option<String>,
    shape: super::FrameShape,
    /// decodebin3 leaves identities behind (see [`REBUILD_EVERY`]).
    identity_leak: bool,
}

impl Shared {
    /// Builds playbin3 with the player's filter, sinks and watchers.
    fn build(&self) -> Result<(gst::Element, Arc<super::captions::Captions>), PlayerInitError> {
        let playbin = gst::ElementFactory::make("playbin3")
            .name("player")
            .build()
            .map_err(|_| PlayerInitError::MissingElement("playbin3".into()))?;
        // Without "soft-colorbalance": playsink would add videobalance and its
        // converters, whose caps negotiation a zap waits for (HLS first frame 42 -> 20 ms).
        playbin.set_property_from_str("flags", "video+audio+text+soft-volume");
        let (filter, captions) = super::captions::video_filter(self.marks.clone())?;
        playbin.set_property("video-filter", filter);
        playbin.set_property(
            "video-sink",
            video_sink(self.marks.clone(), self.frames.clone(), self.shape.clone())?,
        );
        playbin.set_property("audio-sink", audio_sink(self.audio)?);
        super::output::prefer_output_formats(&playbin, &self.shape);
        watch_elements(&playbin, self.decoder.clone(), self.marks.clone());
        watch_sources(
            &playbin,
            self.iface.clone(),
            self.marks.clone(),
            self.prejoin.clone(),
            self.attach.clone(),
            self.headers.clone(),
            self.psi.clone(),
        );
        Ok((playbin, captions))
    }
}

/// Watches the elements playbin3 creates: keeps tsdemux's latency low,
/// records the video decoder, and puts the zap-phase probes in place.
fn watch_elements(
    playbin: &gst::Element,
    decoder: Arc<Mutex<Option<DecoderInfo>>>,
    marks: Arc<Marks>,
) {
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
        if klass.contains("Demux") {
            watch_demuxer(element, marks.clone());
        }
        if factory.name() == "subtitleoverlay" {
            super::captions::watch_subtitles(element, marks.clone());
        }
        if klass.contains("Decoder") && klass.contains("Video") {
            watch_video_decoder(element, marks.clone());
            let info = DecoderInfo {
                name: factory.name().to_string(),
                hardware: super::decoders::is_hardware(&factory),
            };
            if let Ok(mut d) = decoder.lock() {
                *d = Some(info);
            }
        }
    });
}

/// The URL whose pre-joined branch the next `appsrc://` source plays.
type Attach = Arc<Mutex<Option<String>>>;
/// The HTTP request headers of the channel being tuned.
type Headers = Arc<Mutex<Vec<(String, String)>>>;

/// Configures each source element, marks the join and counts its packets.
fn watch_sources(
    playbin: &gst::Element,
    iface: Option<String>,
    marks: Arc<Marks>,
    prejoin: Arc<Prejoin>,
    attach: Attach,
    headers: Headers,
    psi: Arc<Psi>,
) {
    playbin.connect("source-setup", false, move |args| {
        let source = args.get(1)?.get::<gst::Element>().ok()?;
        configure(&source, iface.as_deref());
        if let Ok(h) = headers.lock() {
            super::source::set_http_headers(&source, &h);
        }
        if let Ok(appsrc) = source.clone().downcast::<gstreamer_app::AppSrc>()
            && let Some(url) = attach.lock().ok().and_then(|a| a.clone())
            && !prejoin.attach(&url, appsrc)
        {
            tracing::warn!(%url, "the pre-joined branch went away");
        }
        marks.mark(ZapPhase::Join);
        if let Some(pad) = source.static_pad("src") {
            watch_source_pad(&pad, marks.clone());
            if source.factory().is_some_and(|f| f.name() == "udpsrc") {
                put_tables_in_front(&pad, psi.clone());
            }
        } else if let Some(bin) = source.downcast_ref::<gst::Bin>() {
            // rtpsrc and friends expose their pad later.
            let marks = marks.clone();
            bin.connect_pad_added(move |_, pad| watch_source_pad(pad, marks.clone()));
        }
        None
    });
}

/// Puts the group's cached programme tables in front of a zap's first
/// datagram, and learns them from what arrives (psi.rs). Runs after the
/// counting probe, so the counters see only what the network sent.
fn put_tables_in_front(pad: &gst::Pad, psi: Arc<Psi>) {
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        let Some(gst::PadProbeData::Buffer(buffer)) = &info.data else {
            return gst::PadProbeReturn::Ok;
        };
        let Ok(map) = buffer.map_readable() else {
            return gst::PadProbeReturn::Ok;
        };
        let Some(mut joined) = psi.buffer(&map) else {
            return gst::PadProbeReturn::Ok;
        };
        joined.extend_from_slice(&map);
        drop(map);
        let mut out = gst::Buffer::from_mut_slice(joined);
        if let Some(o) = out.get_mut() {
            o.set_pts(buffer.pts());
            o.set_dts(buffer.dts());
            o.set_flags(buffer.flags());
        }
        info.data = Some(gst::PadProbeData::Buffer(out));
        gst::PadProbeReturn::Ok
    });
}

/// One tune in progress.
struct Tune {
    zap: ZapId,
    label: String,
    urls: Vec<String>,
    index: usize,
    /// When the command arrived (zap phases count from here).
    started: Instant,
    url_started: TokioInstant,
    got_frame: bool,
    live: bool,
    failed: bool,
    paused: bool,
    buffering: bool,
    phases: Vec<(ZapPhase, Duration)>,
    /// Frame count at the last watchdog look, and when it last moved.
    frames_seen: u64,
    /// Packet count when the frame count last moved.
    packets_at_progress: u64,
    /// Packet count when the current URL started: a packet has come for it
    /// once the count is past this (the first-packet mark is reported once
    /// per zap, and a zap may start several URLs).
    packets_at_url_start: u64,
    /// A stream that is not live reached its end: nothing to watch.
    ended: bool,
    last_progress: TokioInstant,
    stalled_since: Option<TokioInstant>,
    retry_at: Option<TokioInstant>,
    backoff: Duration,
    /// When to check next whether the multicast primary sends again.
    return_check_at: Option<TokioInstant>,
    decoder_retried: bool,
    /// Stalls since the tune.
    stalls: u32,
    /// Continuity errors and bytes when the tune (and the last report) began.
    cc_at_start: u64,
    bytes_at_report: u64,
    report_at: TokioInstant,
    /// The stream comes through a socket of ours (pre-joined, RTP, SSM).
    own_socket: bool,
}

impl Tune {
    fn url(&self) -> &str {
        &self.urls[self.index]
    }

    /// Whether the current URL has delivered a packet (`packets`: the count now).
    fn got_packet(&self, packets: u64) -> bool {
        packets > self.packets_at_url_start
    }

    /// Records `phase` the first time it happens in this zap; false after that.
    fn phase(&mut self, phase: ZapPhase, at: Instant) -> bool {
        let new = !self.phases.iter().any(|(p, _)| *p == phase);
        if new {
            self.phases
                .push((phase, at.saturating_duration_since(self.started)));
        }
        new
    }
}

struct Actor {
    playbin: gst::Element,
    marks: Arc<Marks>,
    events: mpsc::UnboundedSender<PlayerEvent>,
    options: PlayerOptions,
    tune: Option<Tune>,
    decoder: Arc<Mutex<Option<DecoderInfo>>>,
    tracks: super::tracks::TrackState,
    captions: Arc<super::captions::Captions>,
    /// Seeks of the current tune, sent one at a time (see seeks.rs).
    seeks: Seeks,
    prejoin: Arc<Prejoin>,
    attach: Attach,
    headers: Headers,
    /// The multicast URLs to keep joined for instant zaps.
    neighbours: Vec<String>,
    /// What a fresh playbin3 is built from.
    shared: Shared,
    /// A hardware decoder failed: the next start builds a fresh playbin3.
    rebuild: bool,
    /// URLs started on this playbin3 (see [`REBUILD_EVERY`]).
    starts: u32,
    /// Dropped with the actor: tells [`PlayerHandle::shutdown`] it has ended.
    _ended: std::sync::mpsc::Sender<()>,
}

/// Streams GStreamer 1.22 cannot receive itself: RTP (its rtpsrc would need
/// caps) and source-specific multicast (`rtp://S@G:P`, `udp://S@G:P`).
fn needs_own_socket(url: &str) -> bool {
    crate::lineup::Multicast::parse(url)
        .is_some_and(|m| m.source.is_some() || m.scheme == crate::lineup::MulticastScheme::Rtp)
}

/// URLs started on one playbin3 before the next start builds a fresh one,
/// where decodebin3 leaks. GStreamer before 1.22.10 has decodebin3 take two
/// identity elements out of itself on every start and never let them go
/// (`hustings bench soak` counted +87 GstIdentity over 42 zaps in one
/// pipeline); they go with their playbin3, so a fresh one every 32 starts
/// bounds them at 64. A zap that builds one takes longer (it allocates the
/// sinks again), so a decodebin3 with upstream's fix (1.22.10, or the
/// Debian build's backport: `player::plugins`) keeps its playbin3.
const REBUILD_EVERY: u32 = 32;

/// How often the watchdog looks for a stalled picture.
const WATCHDOG: Duration = Duration::from_millis(200);

/// How long a seek waits for the ASYNC_DONE that lets it go before the
/// watchdog asks the pipeline itself whether it has settled.
const SETTLE_WITHOUT_MESSAGE: Duration = Duration::from_secs(1);

impl Actor {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<PlayerCommand>,
        mut notes: mpsc::UnboundedReceiver<Note>,
        mut bus: gst::bus::BusStream,
    ) {
        let mut watchdog = tokio::time::interval(WATCHDOG);
        watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let deadline = self.deadline();
            let timer = async move {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => futures::future::pending().await,
                }
            };
            let seek_at = self.seeks.due_at();
            let seek_timer = async move {
                match seek_at {
                    Some(d) => tokio::time::sleep_until(TokioInstant::from_std(d)).await,
                    None => futures::future::pending().await,
                }
            };
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    None | Some(PlayerCommand::Shutdown) => break,
                    Some(c) => self.command(c, &mut bus),
                },
                Some(note) = notes.recv() => self.note(note, &mut bus),
                Some(msg) = bus.next() => self.bus_message(&msg, &mut bus),
                _ = timer => self.deadline_passed(&mut bus),
                _ = seek_timer => self.send_due_seek(),
                _ = watchdog.tick() => self.watch(&mut bus),
            }
            if std::mem::take(&mut self.rebuild) {
                self.rebuild_pipeline(&mut bus);
            }
        }
        self.set_state(gst::State::Null).ok();
        let _ = self.events.send(PlayerEvent::Stopped);
    }

    /// Replaces playbin3 with a fresh one and restarts the current URL on it.
    fn rebuild_pipeline(&mut self, bus: &mut gst::bus::BusStream) {
        match self.replace_pipeline(bus) {
            Ok(()) => self.start_url(bus),
            Err(e) => {
                tracing::error!("cannot build a new pipeline: {e}");
                self.try_next(format!("cannot rebuild the pipeline: {e}"), None, bus);
            }
        }
    }

    /// Builds a fresh playbin3 and drops the old one (stopped).
    fn replace_pipeline(&mut self, bus: &mut gst::bus::BusStream) -> Result<(), PlayerInitError> {
        let (playbin, captions) = self.shared.build()?;
        let new_bus = playbin
            .bus()
            .ok_or_else(|| PlayerInitError::Build("playbin3 has no bus".into()))?;
        let old = std::mem::replace(&mut self.playbin, playbin);
        if old.set_state(gst::State::Null).is_err() {
            tracing::warn!("the old pipeline refused to stop");
        }
        self.captions = captions;
        self.tracks = super::tracks::TrackState::default();
        *bus = new_bus.stream();
        self.starts = 0;
        Ok(())
    }

    fn emit(&self, event: PlayerEvent) {
        tracing::debug!(?event, "player event");
        let _ = self.events.send(event);
    }

    fn set_state(
        &mut self,
        state: gst::State,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        let result = self.playbin.set_state(state);
        match &result {
            // An ASYNC_DONE is owed: a seek sent before it would take it for its own.
            Ok(gst::StateChangeSuccess::Async) => self.seeks.async_started(),
            Ok(_) => {}
            Err(e) => tracing::warn!("pipeline refused state {state:?}: {e}"),
        }
        result
    }

    /// Sends a flushing seek to the pipeline; it ends with the next ASYNC_DONE.
    fn send_seek(&mut self, seek: Seek) {
        let position = gst::ClockTime::from_nseconds(seek.to.as_nanos() as u64);
        let sent = match self
            .playbin
            .seek_simple(gst::SeekFlags::FLUSH | gst::SeekFlags::KEY_UNIT, position)
        {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("seek to {:?} refused: {e}", seek.to);
                false
            }
        };
        self.seeks.sent(seek, sent);
    }

    fn command(&mut self, command: PlayerCommand, bus: &mut gst::bus::BusStream) {
        match command {
            PlayerCommand::Tune(TuneRequest {
                zap,
                label,
                urls,
                headers,
            }) => {
                if let Ok(mut h) = self.headers.lock() {
                    *h = headers;
                }
                if urls.is_empty() {
                    self.set_state(gst::State::Null).ok();
                    self.tune = None;
                    self.seeks.clear();
                    let error = PlayerError {
                        source: label,
                        message: "channel has no stream URL".into(),
                        debug: None,
                    };
                    self.emit(PlayerEvent::Error { zap, error });
                    return;
                }
                tracing::info!(channel = %label, zap, "tune");
                self.start_tune(zap, label, urls, bus);
            }
            PlayerCommand::Stop => {
                self.set_state(gst::State::Null).ok();
                self.prejoin.detach_all();
                self.tune = None;
                self.seeks.clear();
                // Nothing on screen: no group stays joined.
                self.neighbours.clear();
                self.keep_branches(None);
                self.emit(PlayerEvent::Stopped);
            }
            PlayerCommand::Pause => {
                self.set_state(gst::State::Paused).ok();
                if let Some(t) = self.tune.as_mut() {
                    t.paused = true;
                }
            }
            PlayerCommand::Resume => {
                self.set_state(gst::State::Playing).ok();
                if let Some(t) = self.tune.as_mut() {
                    t.paused = false;
                    t.last_progress = TokioInstant::now();
                }
            }
            PlayerCommand::Seek(to) => {
                let Some(t) = self.tune.as_mut().filter(|t| !t.failed) else {
                    tracing::warn!("seek to {to:?} with nothing playing");
                    return;
                };
                t.last_progress = TokioInstant::now();
                // Sent now only when the pipeline has settled; otherwise it
                // waits for the ASYNC_DONE that lets it go (seeks.rs).
                let seek = Seek {
                    asked: Instant::now(),
                    to,
                };
                match self.seeks.ask(seek) {
                    Some(seek) => self.send_seek(seek),
                    None => tracing::debug!(?to, "seek waits for the pipeline to settle"),
                }
            }
            PlayerCommand::SetAudioTrack(id) => {
                self.tracks.choose_audio(&self.playbin, &id);
                self.emit_tracks();
            }
            PlayerCommand::SetSubtitles(id) => {
                self.tracks.choose_subtitles(&self.playbin, id.as_deref());
                self.emit_tracks();
            }
            PlayerCommand::SetPreferences(p) => {
                self.options.audio_languages = p.audio_languages;
                self.options.subtitle_languages = p.subtitle_languages;
                self.options.subtitles = p.subtitles;
                self.options.audio_description = p.audio_description;
                self.tracks.reapply(&self.playbin, &self.options);
                self.emit_tracks();
            }
            PlayerCommand::Prejoin(urls) => {
                self.neighbours = urls.into_iter().filter(|u| is_multicast(u)).collect();
                self.keep_branches(None);
            }
            PlayerCommand::SetVolume(v) => self.playbin.set_property("volume", v.clamp(0.0, 1.0)),
            PlayerCommand::SetMute(m) => self.playbin.set_property("mute", m),
            PlayerCommand::Shutdown => unreachable!("handled by the run loop"),
        }
    }

    fn start_tune(
        &mut self,
        zap: ZapId,
        label: String,
        urls: Vec<String>,
        bus: &mut gst::bus::BusStream,
    ) {
        let now = TokioInstant::now();
        let mut tune = Tune {
            zap,
            label,
            urls,
            index: 0,
            started: Instant::now(),
            url_started: now,
            got_frame: false,
            live: false,
            failed: false,
            paused: false,
            buffering: false,
            phases: Vec::new(),
            frames_seen: 0,
            packets_at_progress: 0,
            packets_at_url_start: 0,
            ended: false,
            last_progress: now,
            stalled_since: None,
            retry_at: None,
            backoff: self.options.retry_first,
            return_check_at: None,
            decoder_retried: false,
            stalls: 0,
            cc_at_start: self.marks.cc_errors(),
            bytes_at_report: self.marks.bytes.load(Ordering::Relaxed),
            report_at: now,
            own_socket: false,
        };
        tune.phases.push((ZapPhase::Command, Duration::ZERO));
        self.tune = Some(tune);
        self.tracks = super::tracks::TrackState::default();
        self.seeks.clear();
        self.start_url(bus);
    }

    /// (Re)starts the pipeline on the current tune's current URL.
    fn start_url(&mut self, bus: &mut gst::bus::BusStream) {
        if self.starts >= REBUILD_EVERY
            && self.shared.identity_leak
            && let Err(e) = self.replace_pipeline(bus)
        {
            tracing::warn!("keeping the pipeline: a fresh one cannot be built: {e}");
        }
        self.starts += 1;
        // READY keeps the sinks and decoders allocated; NULL would tear them down.
        self.set_state(gst::State::Ready).ok();
        // Messages posted before READY completed belong to the previous URL.
        while let Some(Some(_stale)) = bus.next().now_or_never() {}
        // A seek in flight went with the old streaming threads; it is sent
        // again once the restarted pipeline has prerolled.
        self.seeks.restarted();
        let Some(tune) = self.tune.as_mut() else {
            return;
        };
        // Only now, with the old streaming threads stopped, may frames carry the new zap.
        self.marks.set_url(tune.url());
        self.marks.zap.store(tune.zap, Ordering::Release);
        let now = TokioInstant::now();
        tune.url_started = now;
        tune.last_progress = now;
        tune.ended = false;
        tune.packets_at_url_start = self.marks.packets.load(Ordering::Relaxed);
        tune.frames_seen = self.marks.frames.load(Ordering::Relaxed);
        let url = tune.url().to_string();
        let zap = tune.zap;
        // A pre-joined neighbour plays from its branch, key frame first; RTP
        // and source-specific multicast come through a socket of ours too
        // (GStreamer 1.22's udpsrc cannot join a source-specific group).
        // The channel being left keeps its branch (and its GOP) until the
        // app names the new neighbours: zapping straight back stays instant.
        let leaving = self.attach.lock().ok().and_then(|a| a.clone());
        self.prejoin.detach_all();
        self.keep_branches(leaving);
        self.marks.new_stream();
        if needs_own_socket(&url)
            && let Err(e) = self
                .prejoin
                .ensure(&url, self.options.multicast_interface.as_deref())
        {
            let failure = JoinFailure::Refused(e.to_string());
            let reason = format!("{url}: {failure}");
            self.emit(PlayerEvent::JoinFailed {
                zap,
                url: url.clone(),
                failure,
            });
            self.try_next(reason, None, bus);
            return;
        }
        let branch = self.prejoin.has(&url);
        if let Some(t) = self.tune.as_mut() {
            t.own_socket = branch;
        }
        if let Ok(mut a) = self.attach.lock() {
            *a = branch.then(|| url.clone());
        }
        // Plain multicast through udpsrc gets its cached tables in front.
        let plain_multicast = !branch && is_multicast(&url);
        self.shared
            .psi
            .start(plain_multicast.then_some(url.as_str()));
        let uri = if branch {
            "appsrc://".to_string()
        } else {
            gst_uri(&url)
        };
        self.playbin.set_property("uri", uri);
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
            if is_multicast(&tune.urls[0]) {
                tune.return_check_at = Some(TokioInstant::now() + self.options.return_check);
            }
            self.emit(PlayerEvent::FellBack {
                zap,
                from,
                to,
                reason,
            });
            self.start_url(bus);
        } else if tune.got_frame {
            // It played before: keep retrying (the watchdog backs off).
            let zap = tune.zap;
            if tune.stalled_since.is_none() {
                tune.stalls += 1;
                tune.stalled_since = Some(TokioInstant::now());
                tune.retry_at = Some(TokioInstant::now() + tune.backoff);
                self.emit(PlayerEvent::Stalled { zap, reason });
            }
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
        if is_multicast(t.url()) && !t.got_packet(self.marks.packets.load(Ordering::Relaxed)) {
            Some(picture.min(t.url_started + self.options.join_timeout))
        } else {
            Some(picture)
        }
    }

    fn deadline_passed(&mut self, bus: &mut gst::bus::BusStream) {
        let got_packet = self
            .tune
            .as_ref()
            .is_some_and(|t| t.got_packet(self.marks.packets.load(Ordering::Relaxed)));
        let Some(t) = self.tune.as_ref() else { return };
        let waited = t.url_started.elapsed();
        if got_packet && waited < self.options.no_picture_timeout {
            return; // the join deadline, but packets came: wait for the picture
        }
        let (zap, url) = (t.zap, t.url().to_string());
        let reason = if is_multicast(&url) && !got_packet {
            let failure = JoinFailure::Silent {
                waited_ms: waited.as_millis() as u64,
            };
            let reason = format!("{url}: {failure}");
            self.emit(PlayerEvent::JoinFailed { zap, url, failure });
            reason
        } else {
            format!("no picture within {:.1} s", waited.as_secs_f64())
        };
        self.try_next(reason, None, bus);
    }

    /// The watchdog: stalls, recoveries, retries and the way back to multicast.
    fn watch(&mut self, bus: &mut gst::bus::BusStream) {
        self.settle_seeks();
        if self.shared.psi.take_mismatch() && self.tune.as_ref().is_some_and(|t| !t.failed) {
            // The cached tables misled the demuxer: start again on the real ones.
            tracing::warn!("the group's programme tables changed; restarting on the new ones");
            self.start_url(bus);
            return;
        }
        let frames = self.marks.frames.load(Ordering::Relaxed);
        let packets = self.marks.packets.load(Ordering::Relaxed);
        let now = TokioInstant::now();
        let stall_timeout = self.options.stall_timeout;
        // A seek under way stops the picture by design. Restarting the
        // pipeline in the middle of it (READY while hlsdemux2 is cancelling
        // and restarting its downloads) is where GStreamer 1.22.0's
        // adaptivedemux2 aborted (seeks.rs), so a seek gets the no-picture
        // timeout, not the stall one.
        let seeking = self
            .seeks
            .since()
            .is_some_and(|s| s.elapsed() < self.options.no_picture_timeout);
        let Some(t) = self.tune.as_mut() else { return };
        if t.failed || t.ended || !t.got_frame || t.paused || seeking || (t.buffering && !t.live) {
            t.frames_seen = frames;
            t.last_progress = now;
            return;
        }
        if frames != t.frames_seen {
            t.frames_seen = frames;
            t.packets_at_progress = packets;
            t.last_progress = now;
            if let Some(since) = t.stalled_since.take() {
                t.retry_at = None;
                t.backoff = self.options.retry_first;
                let zap = t.zap;
                tracing::info!(
                    zap,
                    after_ms = since.elapsed().as_millis() as u64,
                    "picture back"
                );
                self.emit(PlayerEvent::Recovered {
                    zap,
                    after: since.elapsed(),
                });
            }
        } else if t.stalled_since.is_none() && now - t.last_progress >= stall_timeout {
            let zap = t.zap;
            let idle = (now - t.last_progress).as_millis();
            let reason = if packets == t.packets_at_progress {
                format!("no data from {} for {idle} ms", t.url())
            } else {
                format!("data arrives from {} but no picture for {idle} ms", t.url())
            };
            t.stalled_since = Some(now);
            t.retry_at = Some(now + t.backoff);
            t.stalls += 1;
            tracing::warn!(zap, %reason, "stalled");
            self.emit(PlayerEvent::Stalled { zap, reason });
        } else if let Some(at) = t.retry_at
            && now >= at
        {
            t.backoff = (t.backoff * 2).min(self.options.retry_max);
            t.retry_at = Some(now + t.backoff);
            if t.index + 1 < t.urls.len() {
                let reason = format!("stalled on {}", t.url());
                self.try_next(reason, None, bus);
            } else {
                tracing::info!(zap = t.zap, url = %t.url(), "retrying the stalled stream");
                self.start_url(bus);
            }
        }
        self.report(now);
        self.check_return(now);
    }

    /// Lets a waiting seek go when the pipeline has long had no state change
    /// pending although no ASYNC_DONE came (a live pipeline, or a message
    /// lost to a state change that overtook another). By then any ASYNC_DONE
    /// posted earlier has been read, so none can be taken for the seek's.
    fn settle_seeks(&mut self) {
        if self.tune.as_ref().is_none_or(|t| t.failed) {
            return;
        }
        let Some(since) = self.seeks.since().filter(|_| self.seeks.has_waiting()) else {
            return;
        };
        if since.elapsed() < SETTLE_WITHOUT_MESSAGE {
            return;
        }
        let (result, _, pending) = self.playbin.state(gst::ClockTime::ZERO);
        if result.is_ok_and(|r| r != gst::StateChangeSuccess::Async)
            && pending == gst::State::VoidPending
        {
            tracing::debug!("pipeline settled without ASYNC_DONE; a waiting seek may go");
            self.seeks.settled_without_message();
        }
    }

    /// Sends the waiting seek once it is due (seeks.rs).
    fn send_due_seek(&mut self) {
        if let Some(seek) = self.seeks.due(Instant::now()) {
            self.send_seek(seek);
        }
    }

    /// Once a second while playing: the diagnostics overlay's figures.
    fn report(&mut self, now: TokioInstant) {
        let bytes = self.marks.bytes.load(Ordering::Relaxed);
        let cc = self.marks.cc_errors();
        let decoder = self.decoder.lock().ok().and_then(|d| d.clone());
        let Some(t) = self.tune.as_mut().filter(|t| t.got_frame && !t.failed) else {
            return;
        };
        let elapsed = now - t.report_at;
        if elapsed < Duration::from_secs(1) {
            return;
        }
        let bitrate_kbps = (bytes.saturating_sub(t.bytes_at_report) as f64 * 8.0
            / elapsed.as_secs_f64()
            / 1000.0) as u64;
        t.bytes_at_report = bytes;
        t.report_at = now;
        let url = t.url().to_string();
        let via = if t.own_socket {
            "multicast (own socket)"
        } else if is_multicast(&url) {
            "multicast"
        } else if url.starts_with("http") {
            "http"
        } else {
            "other"
        }
        .to_string();
        let zap = t.zap;
        let diagnostics = super::Diagnostics {
            url,
            via,
            bitrate_kbps,
            cc_errors: cc.saturating_sub(t.cc_at_start),
            stalls: t.stalls,
            decoder,
            position: self
                .playbin
                .query_position::<gst::ClockTime>()
                .map(|p| Duration::from_nanos(p.nseconds())),
        };
        self.emit(PlayerEvent::Diagnostics { zap, diagnostics });
    }

    /// While on a fallback, probes the multicast primary now and then.
    fn check_return(&mut self, now: TokioInstant) {
        let Some(t) = self.tune.as_mut() else { return };
        let Some(at) = t.return_check_at else { return };
        if now < at || t.index == 0 {
            return;
        }
        t.return_check_at = Some(now + self.options.return_check);
        let (zap, primary) = (t.zap, t.urls[0].clone());
        let iface = self.options.multicast_interface.clone();
        let marks = self.marks.clone();
        tokio::spawn(async move {
            let sending = tokio::task::spawn_blocking(move || {
                super::source::multicast_sending(&primary, iface.as_deref(), Duration::from_secs(1))
            })
            .await
            .unwrap_or(false);
            if sending {
                marks.note(Note::MulticastBack { zap });
            }
        });
    }

    fn note(&mut self, note: Note, bus: &mut gst::bus::BusStream) {
        match note {
            Note::Phase { phase, zap, at } => self.phase(phase, zap, at),
            Note::CaptionsFound { zap, format }
                if self.tune.as_ref().is_some_and(|t| t.zap == zap) =>
            {
                self.tracks.found_captions(format, &self.options);
                self.emit_tracks();
            }
            Note::CaptionsFound { .. } => {}
            Note::Captions { zap, lines } => self.emit(PlayerEvent::Captions { zap, lines }),
            Note::MulticastBack { zap } => {
                let Some(t) = self.tune.as_mut().filter(|t| t.zap == zap && t.index > 0) else {
                    return;
                };
                let from = t.url().to_string();
                t.index = 0;
                t.return_check_at = None;
                let to = t.url().to_string();
                tracing::info!(%from, %to, "multicast is sending again; going back to it");
                self.emit(PlayerEvent::BackToPrimary { zap, from, to });
                self.start_url(bus);
            }
        }
    }

    fn phase(&mut self, phase: ZapPhase, zap: ZapId, at: Instant) {
        let decoder = self.decoder.lock().ok().and_then(|d| d.clone());
        let Some(t) = self.tune.as_mut().filter(|t| t.zap == zap) else {
            return;
        };
        let new = t.phase(phase, at);
        match phase {
            ZapPhase::FirstPacket if new => {
                let elapsed = at.saturating_duration_since(t.started);
                self.emit(PlayerEvent::FirstPacket { zap, elapsed });
            }
            ZapPhase::FirstDisplayedFrame if !t.got_frame => {
                t.got_frame = true;
                t.last_progress = TokioInstant::now();
                let elapsed = at.saturating_duration_since(t.started);
                let mut phases = t.phases.clone();
                phases.sort();
                let url = t.url().to_string();
                let summary: Vec<String> = phases
                    .iter()
                    .map(|(p, d)| format!("{p:?} {} ms", d.as_millis()))
                    .collect();
                tracing::info!(zap, channel = %t.label, %url, phases = %summary.join(", "), "zap");
                self.emit(PlayerEvent::FirstFrame {
                    zap,
                    elapsed,
                    url,
                    decoder,
                });
                self.emit(PlayerEvent::ZapPhases { zap, phases });
            }
            _ => {}
        }
    }

    /// Keeps joined the neighbours and the stream on screen when it comes
    /// through a branch; every other branch leaves its group.
    fn keep_branches(&self, also: Option<String>) {
        let mut urls = self.neighbours.clone();
        urls.extend(also);
        if let Some(t) = &self.tune {
            let url = t.url();
            if self.prejoin.has(url) || needs_own_socket(url) {
                urls.push(url.to_string());
            }
        }
        self.prejoin
            .keep(&urls, self.options.multicast_interface.as_deref());
    }

    fn emit_tracks(&self) {
        self.captions.set_enabled(self.tracks.captions_on());
        if let Some(t) = &self.tune {
            self.emit(PlayerEvent::Tracks {
                zap: t.zap,
                tracks: self.tracks.tracks(),
            });
        }
    }

    fn bus_message(&mut self, msg: &gst::Message, bus: &mut gst::bus::BusStream) {
        use gst::MessageView;
        let packets = self.marks.packets.load(Ordering::Relaxed);
        let Some(t) = self.tune.as_ref() else { return };
        let (zap, live, got_frame, got_packet, failed) =
            (t.zap, t.live, t.got_frame, t.got_packet(packets), t.failed);
        if failed {
            return;
        }
        match msg.view() {
            MessageView::Error(err) => {
                let element = err
                    .src()
                    .and_then(|s| s.downcast_ref::<gst::Element>().cloned());
                let path = err
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                let debug = Some(format!(
                    "{path}: {}",
                    err.debug().map(|d| d.to_string()).unwrap_or_default()
                ));
                let reason = err.error().to_string();
                let url = t.url().to_string();
                let factory = element
                    .as_ref()
                    .and_then(|e| e.factory())
                    .map(|f| f.name().to_string());
                // A failing hardware decoder is set aside once and the stream restarted.
                let hardware_decoder = element
                    .as_ref()
                    .and_then(|e| e.factory())
                    .filter(super::decoders::is_hardware)
                    .map(|f| f.name().to_string());
                if let Some(name) = hardware_decoder
                    && !t.decoder_retried
                {
                    super::decoders::demote(&name);
                    if let Some(t) = self.tune.as_mut() {
                        t.decoder_retried = true;
                    }
                    tracing::warn!(decoder = %name, %reason, "hardware decoder failed; retrying without it");
                    self.emit(PlayerEvent::DecoderFailed {
                        zap,
                        decoder: name,
                        reason,
                    });
                    // A fresh playbin3: this one cannot be restarted (Shared).
                    self.rebuild = true;
                    return;
                }
                if is_multicast(&url) && !got_packet && factory.as_deref() == Some("udpsrc") {
                    let failure = JoinFailure::Refused(reason.clone());
                    self.emit(PlayerEvent::JoinFailed {
                        zap,
                        url: url.clone(),
                        failure,
                    });
                }
                if got_frame {
                    tracing::warn!(%url, %reason, "playback error after the picture started");
                }
                self.try_next(reason, debug, bus);
            }
            // Warnings (e.g. MPEG-TS continuity errors on a lossy network) can come
            // many times a second; they are diagnostics, not news for the log.
            MessageView::Warning(w) => tracing::debug!("gstreamer: {}", w.error()),
            MessageView::Eos(_) => {
                if live {
                    // A live stream has no end: treat it as lost and retry.
                    self.try_next("the live stream ended".into(), None, bus);
                } else {
                    if let Some(t) = self.tune.as_mut() {
                        t.ended = true;
                    }
                    self.emit(PlayerEvent::EndOfStream { zap });
                }
            }
            MessageView::Buffering(b) => {
                let percent = b.percent().clamp(0, 100) as u8;
                // Adaptive demuxers report their queues filling while the
                // picture plays on; that is not worth a notice. Low buffer
                // counts only before the first picture or once pictures stop.
                let picture_moving = self.tune.as_ref().is_some_and(|t| {
                    t.got_frame && t.last_progress.elapsed() < Duration::from_millis(500)
                });
                if let Some(t) = self.tune.as_mut() {
                    t.buffering = percent < 100;
                }
                if percent == 100 || !picture_moving {
                    self.emit(PlayerEvent::Buffering { zap, percent });
                }
                // Live streams must never pause for buffering; files and VOD HLS do.
                let paused = self.tune.as_ref().is_some_and(|t| t.paused);
                if !live && !paused {
                    let target = if percent < 100 {
                        gst::State::Paused
                    } else {
                        gst::State::Playing
                    };
                    self.set_state(target).ok();
                }
            }
            MessageView::AsyncDone(_) if msg.src() == Some(self.playbin.upcast_ref()) => {
                // A flushing seek ends when the sinks have the new position's
                // data. This ASYNC_DONE is the seek's only if the seek went out
                // after the previous one had arrived (seeks.rs).
                // A waiting seek goes out when the quiet period is over (run loop).
                if let Some(seek) = self.seeks.async_done(Instant::now()) {
                    // Where the pipeline is, not where it was asked to go: the
                    // two differ by up to a key-frame interval, and only the
                    // first says the seek did something.
                    let position = self
                        .playbin
                        .query_position::<gst::ClockTime>()
                        .map(|p| Duration::from_nanos(p.nseconds()));
                    self.emit(PlayerEvent::Seeked {
                        zap,
                        target: seek.to,
                        position,
                        elapsed: seek.asked.elapsed(),
                    });
                }
            }
            MessageView::Latency(_) => {
                if let Some(bin) = self.playbin.downcast_ref::<gst::Bin>() {
                    let _ = bin.recalculate_latency();
                }
            }
            MessageView::StreamCollection(c) => {
                self.tracks.collection(&c.stream_collection());
                self.emit_tracks();
            }
            MessageView::StreamsSelected(s) => {
                self.tracks.selected(s.streams());
                self.tracks.apply_preferences(&self.playbin, &self.options);
                self.emit_tracks();
            }
            _ => {}
        }
    }
}
