//! Zap timing: every zap measured from its command to its first frame on
//! screen, and how the newest zaps ended.
//!
//! A zap's first frame reaches the app with what made it (the URL and the
//! decoder, `VideoFrame::origin`), so the zap ends with that one frame; a
//! window that draws then corrects the figure to the moment the picture
//! was really on screen ([`Zaps::displayed`]).

use std::collections::VecDeque;
use std::time::Instant;

use serde::Serialize;

use crate::player::{FrameOrigin, ZapId};

/// Zap outcomes kept (the newest): the last one is all the app reads, and a
/// box zaps thousands of times between restarts.
const OUTCOMES_KEPT: usize = 64;

/// One zap, measured from the command to the first frame on screen.
#[derive(Debug, Clone, Serialize)]
pub struct ZapRecord {
    pub zap: ZapId,
    pub channel: String,
    pub number: u32,
    pub url: String,
    pub first_frame_ms: u64,
    pub decoder: String,
    pub hardware: bool,
    pub fell_back: bool,
}

/// How a zap ended.
#[derive(Debug, Clone)]
pub enum ZapOutcome {
    Shown(ZapRecord),
    Failed {
        zap: ZapId,
        channel: String,
        error: String,
    },
}

/// A zap has just ended (shown or failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    /// It is the first zap to end since the start.
    pub first: bool,
}

/// A zap that has not shown a picture yet.
struct InProgress {
    zap: ZapId,
    /// Name and number at tune time (the lineup may be refreshed meanwhile).
    channel: String,
    number: u32,
    command_at: Instant,
    fell_back: bool,
}

/// The zap under way, the last one shown, and the newest outcomes.
#[derive(Default)]
pub struct Zaps {
    progress: Option<InProgress>,
    /// The newest zap that showed a picture (0: none yet).
    shown: ZapId,
    /// The newest zap shown but not yet confirmed drawn (see [`Zaps::displayed`]).
    last_shown_command: Option<(ZapId, Instant)>,
    /// Playback was stopped during this zap: its late frames are not shown.
    stopped: Option<ZapId>,
    /// The newest [`OUTCOMES_KEPT`] outcomes, oldest first.
    outcomes: VecDeque<ZapOutcome>,
    /// Some zap has shown a picture since the start.
    shown_any: bool,
}

impl Zaps {
    /// A zap commanded at `at`: what it plays, by name and number.
    pub fn start(&mut self, zap: ZapId, channel: String, number: u32, at: Instant) {
        self.progress = Some(InProgress {
            zap,
            channel,
            number,
            command_at: at,
            fell_back: false,
        });
    }

    /// The zap whose events and frames count: the one under way, else the
    /// last shown.
    pub fn current(&self) -> ZapId {
        self.progress.as_ref().map_or(self.shown, |z| z.zap)
    }

    /// The zap under way or last shown, if any zap was made.
    pub fn last(&self) -> Option<ZapId> {
        Some(self.current()).filter(|&z| z > 0)
    }

    /// The zap under way (no picture yet).
    pub fn in_progress(&self) -> Option<ZapId> {
        self.progress.as_ref().map(|z| z.zap)
    }

    /// The zap under way fell back to another of its URLs.
    pub fn fell_back(&mut self) {
        if let Some(z) = self.progress.as_mut() {
            z.fell_back = true;
        }
    }

    /// The zap under way failed on `channel` (its name now).
    pub fn failed(&mut self, channel: String, error: String) -> Option<Ended> {
        let z = self.progress.take()?;
        Some(self.push(ZapOutcome::Failed {
            zap: z.zap,
            channel,
            error,
        }))
    }

    /// Playback stopped: the current zap's frames still on their way must
    /// not bring the picture back.
    pub fn stop(&mut self) {
        self.stopped = Some(self.current());
    }

    /// Playback wanted again (play after Stop).
    pub fn resume(&mut self) {
        self.stopped = None;
    }

    /// Whether a frame of `zap` goes on screen: not a late one of a channel
    /// left, nor of what was stopped.
    pub fn wants(&self, zap: ZapId) -> bool {
        zap >= self.current() && self.stopped.is_none_or(|s| zap > s)
    }

    /// The first frame of `zap`, made as `origin` says, was handed to the
    /// screen at `at`: the zap under way, if it is that one, is shown.
    pub fn shown(&mut self, zap: ZapId, origin: FrameOrigin, at: Instant) -> Option<Ended> {
        let z = self.progress.take_if(|z| z.zap == zap)?;
        self.shown = zap;
        let FrameOrigin { url, decoder } = origin;
        let record = ZapRecord {
            zap: z.zap,
            channel: z.channel,
            number: z.number,
            url,
            first_frame_ms: at.duration_since(z.command_at).as_millis() as u64,
            decoder: decoder.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
            hardware: decoder.is_some_and(|d| d.hardware),
            fell_back: z.fell_back,
        };
        tracing::info!(channel = %record.channel, ms = record.first_frame_ms, "zap shown");
        self.last_shown_command = Some((z.zap, z.command_at));
        Some(self.push(ZapOutcome::Shown(record)))
    }

    fn push(&mut self, outcome: ZapOutcome) -> Ended {
        self.shown_any |= matches!(outcome, ZapOutcome::Shown(_));
        let first = self.outcomes.is_empty();
        if self.outcomes.len() >= OUTCOMES_KEPT {
            self.outcomes.pop_front();
        }
        self.outcomes.push_back(outcome);
        Ended { first }
    }

    /// Called after the window drew at `at`: the newest zap's figure ends
    /// at the moment its first frame was really on screen. The finished
    /// record, once per zap.
    pub fn displayed(&mut self, at: Instant) -> Option<ZapRecord> {
        let (zap, command_at) = self.last_shown_command.take()?;
        self.outcomes.iter_mut().rev().find_map(|o| match o {
            ZapOutcome::Shown(r) if r.zap == zap => {
                r.first_frame_ms = at.duration_since(command_at).as_millis() as u64;
                Some(r.clone())
            }
            _ => None,
        })
    }

    /// Whether a first frame was handed to the screen but not yet drawn.
    pub fn awaiting_render(&self) -> bool {
        self.last_shown_command.is_some()
    }

    /// Some zap has shown a picture since the start.
    pub fn shown_any(&self) -> bool {
        self.shown_any
    }

    /// How the newest zaps ended (at most the last 64), oldest first.
    pub fn outcomes(&self) -> impl DoubleEndedIterator<Item = &ZapOutcome> {
        self.outcomes.iter()
    }

    /// The newest zap that showed a picture.
    pub fn last_shown(&self) -> Option<&ZapRecord> {
        self.outcomes.iter().rev().find_map(|o| match o {
            ZapOutcome::Shown(r) => Some(r),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ms(base: Instant, n: u64) -> Instant {
        base + Duration::from_millis(n)
    }

    fn origin(url: &str) -> FrameOrigin {
        FrameOrigin {
            url: url.into(),
            decoder: Some(crate::player::DecoderInfo {
                name: "avdec_h264".into(),
                hardware: false,
            }),
        }
    }

    #[test]
    fn a_zap_ends_with_its_first_frame_and_records_what_made_it() {
        let t = Instant::now();
        let mut zaps = Zaps::default();
        zaps.start(1, "Council Live".into(), 1, t);
        assert_eq!(zaps.in_progress(), Some(1));
        let ended = zaps.shown(1, origin("udp://239.1.1.1:5000"), ms(t, 300));
        assert_eq!(ended, Some(Ended { first: true }));
        let Some(ZapOutcome::Shown(r)) = zaps.outcomes().last() else {
            panic!("shown")
        };
        assert_eq!((r.first_frame_ms, r.number), (300, 1));
        assert_eq!(
            (r.url.as_str(), r.decoder.as_str()),
            ("udp://239.1.1.1:5000", "avdec_h264")
        );
        assert_eq!(zaps.in_progress(), None);

        zaps.start(2, "Debates".into(), 2, ms(t, 1000));
        zaps.fell_back();
        let late = zaps.shown(1, origin("late"), ms(t, 1100));
        assert_eq!(late, None, "a frame of the zap left ends nothing");
        let ended = zaps.shown(2, origin("http://h/d.m3u8"), ms(t, 1450));
        assert_eq!(ended, Some(Ended { first: false }));
        let r = zaps.last_shown().expect("shown");
        assert_eq!((r.first_frame_ms, r.fell_back), (450, true));
        assert!(zaps.shown_any());
    }

    #[test]
    fn the_window_drawing_the_picture_corrects_the_figure_once() {
        let t = Instant::now();
        let mut zaps = Zaps::default();
        zaps.start(1, "Council Live".into(), 1, t);
        zaps.shown(1, origin("u"), ms(t, 200));
        assert!(zaps.awaiting_render());
        let r = zaps.displayed(ms(t, 230)).expect("the record, drawn");
        assert_eq!(r.first_frame_ms, 230);
        assert_eq!(zaps.last_shown().map(|r| r.first_frame_ms), Some(230));
        assert_eq!(zaps.displayed(ms(t, 260)).map(|r| r.zap), None, "once");
        assert!(!zaps.awaiting_render());
    }

    #[test]
    fn late_frames_of_a_channel_left_or_stopped_are_not_wanted() {
        let t = Instant::now();
        let mut zaps = Zaps::default();
        zaps.start(3, "a".into(), 1, t);
        assert!(!zaps.wants(2), "the channel left");
        assert!(zaps.wants(3));
        zaps.stop();
        assert!(!zaps.wants(3), "stopped");
        assert!(zaps.wants(4), "a later zap");
        zaps.resume();
        assert!(zaps.wants(3));
    }

    #[test]
    fn a_failed_zap_is_an_outcome_and_only_the_newest_64_are_kept() {
        let t = Instant::now();
        let mut zaps = Zaps::default();
        assert_eq!(
            zaps.failed("x".into(), "e".into()),
            None,
            "no zap under way"
        );
        for zap in 1..=100 {
            zaps.start(zap, "a".into(), 1, t);
            let ended = zaps.failed("a".into(), "refused".into());
            assert_eq!(ended, Some(Ended { first: zap == 1 }));
        }
        assert_eq!(zaps.outcomes().count(), OUTCOMES_KEPT);
        assert!(matches!(
            zaps.outcomes().next(),
            Some(ZapOutcome::Failed { zap: 37, .. })
        ));
        assert!(!zaps.shown_any());
        assert_eq!(zaps.last(), None, "nothing shown, nothing under way");
    }
}
