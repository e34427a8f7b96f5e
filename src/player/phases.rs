//! Zap phases and progress counters, marked from GStreamer's streaming threads.
//!
//! Probes stay on their pads for the life of the pipeline (playbin3 reuses
//! demuxers and decoders across zaps), so each phase remembers the zap it was
//! last marked for and reports only the first mark of each zap. Counters of
//! packets and frames let the actor tell a stalled stream from a slow one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::mpsc::UnboundedSender;

use super::{DecoderInfo, ZapId, ZapPhase};

/// Notes from GStreamer's threads to the actor.
#[derive(Debug)]
pub(crate) enum Note {
    /// `phase` happened for the first time in `zap`.
    Phase {
        phase: ZapPhase,
        zap: ZapId,
        at: Instant,
    },
    /// A probe found the primary multicast group sending again.
    MulticastBack { zap: ZapId },
    /// The stream carries CEA-608 closed captions.
    /// The stream carries captions ("CEA-608" or "CEA-708").
    CaptionsFound { zap: ZapId, format: &'static str },
    /// The closed captions on screen changed (while shown).
    Captions { zap: ZapId, lines: Vec<String> },
}

/// Phases marked from streaming threads, counted per zap.
const MARKED: [ZapPhase; 6] = [
    ZapPhase::Join,
    ZapPhase::FirstPacket,
    ZapPhase::ProgramTables,
    ZapPhase::FirstKeyFrame,
    ZapPhase::FirstDecodedFrame,
    ZapPhase::FirstDisplayedFrame,
];

/// Shared by the probes and the actor.
pub(crate) struct Marks {
    /// The zap that buffers now belong to (set by the actor after READY).
    pub(crate) zap: Arc<AtomicU64>,
    last: [AtomicU64; MARKED.len()],
    notes: UnboundedSender<Note>,
    /// Packets (buffers) out of the source, ever.
    pub(crate) packets: AtomicU64,
    /// Frames delivered to the video output, ever.
    pub(crate) frames: AtomicU64,
    /// Bytes of stream received, ever.
    pub(crate) bytes: AtomicU64,
    /// Continuity of the TS received (lost packets).
    continuity: std::sync::Mutex<super::ts::Continuity>,
    /// The URL the current zap plays (set by the actor with `zap`).
    url: Mutex<String>,
    /// The video decoder playbin3 made last (set as it is added).
    pub(crate) decoder: Arc<Mutex<Option<DecoderInfo>>>,
}

impl Marks {
    pub(crate) fn new(zap: Arc<AtomicU64>, notes: UnboundedSender<Note>) -> Arc<Self> {
        Arc::new(Marks {
            zap,
            last: Default::default(),
            notes,
            packets: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            continuity: Default::default(),
            url: Mutex::default(),
            decoder: Arc::default(),
        })
    }

    /// The current zap now plays `url` (called with the zap's store).
    pub(crate) fn set_url(&self, url: &str) {
        if let Ok(mut u) = self.url.lock() {
            url.clone_into(&mut u);
        }
    }

    /// What the current zap's frames come from: its URL and decoder.
    pub(crate) fn origin(&self) -> super::FrameOrigin {
        super::FrameOrigin {
            url: self.url.lock().map(|u| u.clone()).unwrap_or_default(),
            decoder: self.decoder.lock().ok().and_then(|d| d.clone()),
        }
    }

    /// Counts received stream data: bytes and, for TS, lost packets.
    pub(crate) fn count(&self, data: &[u8]) {
        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        if let Ok(mut c) = self.continuity.lock() {
            c.check(data);
        }
    }

    /// Continuity errors so far.
    pub(crate) fn cc_errors(&self) -> u64 {
        self.continuity.lock().map(|c| c.errors).unwrap_or(0)
    }

    /// A new stream: its PIDs start afresh.
    pub(crate) fn new_stream(&self) {
        if let Ok(mut c) = self.continuity.lock() {
            c.reset();
        }
    }

    /// Marks `phase` for the current zap; only its first mark is reported.
    pub(crate) fn mark(&self, phase: ZapPhase) {
        self.mark_for(phase, self.zap.load(Ordering::Acquire));
    }

    /// Marks `phase` for `zap`; true (and reported) for its first mark.
    pub(crate) fn mark_for(&self, phase: ZapPhase, zap: ZapId) -> bool {
        let Some(i) = MARKED.iter().position(|p| *p == phase) else {
            return false;
        };
        let first = self.last[i].swap(zap, Ordering::AcqRel) != zap;
        if first {
            let _ = self.notes.send(Note::Phase {
                phase,
                zap,
                at: Instant::now(),
            });
        }
        first
    }

    pub(crate) fn note(&self, note: Note) {
        let _ = self.notes.send(note);
    }
}

/// Counts the source's packets and marks the first of each zap.
pub(crate) fn watch_source_pad(pad: &gst::Pad, marks: Arc<Marks>) {
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
        move |_, info| {
            marks.packets.fetch_add(1, Ordering::Relaxed);
            marks.mark(ZapPhase::FirstPacket);
            let count = |b: &gst::BufferRef| {
                if let Ok(map) = b.map_readable() {
                    marks.count(&map);
                }
            };
            match &info.data {
                Some(gst::PadProbeData::Buffer(b)) => count(b),
                Some(gst::PadProbeData::BufferList(l)) => l.iter().for_each(count),
                _ => {}
            }
            gst::PadProbeReturn::Ok
        },
    );
}

/// Marks the first key frame into a video decoder and its first picture out.
pub(crate) fn watch_video_decoder(decoder: &gst::Element, marks: Arc<Marks>) {
    if let Some(sink) = decoder.static_pad("sink") {
        let marks = marks.clone();
        sink.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer()
                && !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT)
            {
                marks.mark(ZapPhase::FirstKeyFrame);
            }
            gst::PadProbeReturn::Ok
        });
    }
    if let Some(src) = decoder.static_pad("src") {
        src.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            marks.mark(ZapPhase::FirstDecodedFrame);
            gst::PadProbeReturn::Ok
        });
    }
}

/// Marks the programme tables: a demuxer exposing its first stream.
pub(crate) fn watch_demuxer(demuxer: &gst::Element, marks: Arc<Marks>) {
    demuxer.connect_pad_added(move |_, _| marks.mark(ZapPhase::ProgramTables));
}
