//! Seeks, one at a time: when a flushing seek may be sent to the pipeline,
//! and which ASYNC_DONE ends it.
//!
//! ```text
//!  Seek(to) ──► waiting (latest wins) ──[settled + QUIET]──► in flight ──ASYNC_DONE──► Seeked
//!                  ▲                                             │
//!                  └─────── pipeline restarted (READY) ──────────┘
//! ```
//!
//! A flushing seek is only sent once the pipeline has settled (the ASYNC_DONE
//! of its preroll after a tune or a restart, of a buffering pause, or of the
//! previous seek has reached the actor) and has then played for [`QUIET`].
//! Both measured with `hustings bench seek` on GStreamer 1.22.0:
//!
//! - The first picture is marked from the appsink's preroll callback, before
//!   the pipeline's ASYNC_DONE. A seek sent then took that pending ASYNC_DONE
//!   for its own end: `Seeked` came after 47 µs, before the seek had even
//!   started, and the next seek went out while the first was in progress.
//! - adaptivedemux2 (hlsdemux2) 1.22.0 races between cancelling a stream's
//!   download and starting the next one. Two flushing seeks 6 ms apart made
//!   it log "Did not find transfer … in the active transfer list" (a download
//!   it had cancelled completing anyway), and the watchdog's restart of the
//!   pipeline (READY) in the middle of a seek aborted the process in
//!   `download_request_set_uri: assertion failed: (request->in_use == FALSE)`
//!   on its scheduler thread. Fixed in GStreamer 1.22.10 ("adaptivedemux2:
//!   Do not submit_transfer when cancelled", commit f4a5b6623b, merge request
//!   gstreamer!5611; gstreamer!5435 on main for 1.24), together with early
//!   seeks ("adaptivedemux2: Fix early seeking", gstreamer!4922). Debian 12
//!   ships 1.22.0 without either. Sending seeks one at a time stopped the
//!   aborts but not a SIGSEGV in adaptivedemux2's download thread (libsoup
//!   closing the stream of a cancelled transfer) when each seek followed the
//!   last one's picture within milliseconds, cancelling the fragment fetches
//!   of the burst that follows every preroll: hence the quiet period.
//!
//! A seek asked for while another is under way waits and replaces any older
//! waiting one (a viewer holding ▶▶ wants the last position, not every one).
//! A restart of the pipeline (stall retry, fallback) puts the seek in flight
//! back to waiting, so the restarted stream still lands where the viewer asked.

use std::time::{Duration, Instant};

/// How long the pipeline plays after its last preroll (a tune, a restart, a
/// seek) before the next flushing seek goes out. Right after a preroll
/// hlsdemux2 1.22.0 is fetching the next fragments in a burst, and a flushing
/// seek that cancels one of them between its set-up and its submission hits
/// the race above: `hustings bench seek` with each seek sent as soon as the
/// last one's picture arrived (about 5 ms apart) crashed 4 runs in 15 (SIGSEGV
/// in the download thread, closing a cancelled transfer's stream); with seeks
/// 300 ms apart, none of 10 did.
pub(crate) const QUIET: Duration = Duration::from_millis(300);

/// One seek the viewer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seek {
    /// When the command arrived (`Seeked` reports the time from here).
    pub(crate) asked: Instant,
    /// Position from the start of the stream.
    pub(crate) to: Duration,
}

/// The seek state of the current tune.
#[derive(Debug, Default)]
pub(crate) struct Seeks {
    /// Sent to the pipeline; ends with the next ASYNC_DONE.
    in_flight: Option<Seek>,
    /// Asked for, not sent yet.
    waiting: Option<Seek>,
    /// The pipeline owes the actor no ASYNC_DONE: a flushing seek sent now
    /// is the only thing the next ASYNC_DONE can be about.
    settled: bool,
    /// No seek goes out before this (the last preroll plus [`QUIET`]).
    quiet_until: Option<Instant>,
}

impl Seeks {
    /// A new tune: nothing carries over from the previous stream.
    pub(crate) fn clear(&mut self) {
        *self = Seeks::default();
    }

    /// The pipeline went back to READY to be started again: it settles with
    /// the ASYNC_DONE of its next preroll. A seek in flight went with the old
    /// streaming threads; it waits (unless a newer one already does) and is
    /// sent again once the new pipeline has settled.
    pub(crate) fn restarted(&mut self) {
        if let Some(s) = self.in_flight.take() {
            self.waiting.get_or_insert(s);
        }
        self.settled = false;
    }

    /// A state change of ours returned ASYNC: its ASYNC_DONE is still to come.
    pub(crate) fn async_started(&mut self) {
        self.settled = false;
    }

    /// Whether a seek may go out at `now`.
    fn ready(&self, now: Instant) -> bool {
        self.settled && self.in_flight.is_none() && self.quiet_until.is_none_or(|q| now >= q)
    }

    /// The viewer asked for a seek. Returns the seek to send now, or None when
    /// it has to wait (for the pipeline to settle, or for the quiet period).
    pub(crate) fn ask(&mut self, seek: Seek) -> Option<Seek> {
        if self.ready(seek.asked) {
            Some(seek)
        } else {
            self.waiting = Some(seek);
            None
        }
    }

    /// `seek` went out to the pipeline (`sent`) or the pipeline refused it.
    pub(crate) fn sent(&mut self, seek: Seek, sent: bool) {
        if sent {
            self.in_flight = Some(seek);
            self.settled = false;
        }
    }

    /// The pipeline's ASYNC_DONE at `now`: returns the seek it ends, if one
    /// was in flight. A waiting seek becomes due [`QUIET`] later.
    pub(crate) fn async_done(&mut self, now: Instant) -> Option<Seek> {
        self.settled = true;
        self.quiet_until = Some(now + QUIET);
        self.in_flight.take()
    }

    /// The pipeline says it has no state change pending although no
    /// ASYNC_DONE reached the actor (a live pipeline does not preroll; a
    /// state change overtaken by another may post none).
    pub(crate) fn settled_without_message(&mut self) {
        if self.in_flight.is_none() {
            self.settled = true;
        }
    }

    /// When the waiting seek may go out, if the pipeline has settled.
    pub(crate) fn due_at(&self) -> Option<Instant> {
        let ready = self.waiting.is_some() && self.settled && self.in_flight.is_none();
        ready.then(|| self.quiet_until.unwrap_or_else(Instant::now))
    }

    /// The waiting seek, if it may go out at `now`.
    pub(crate) fn due(&mut self, now: Instant) -> Option<Seek> {
        if self.ready(now) {
            self.waiting.take()
        } else {
            None
        }
    }

    /// A seek is waiting or in flight: the picture may rightly stand still.
    pub(crate) fn since(&self) -> Option<Instant> {
        match (self.in_flight, self.waiting) {
            (Some(a), Some(b)) => Some(a.asked.min(b.asked)),
            (a, b) => a.or(b).map(|s| s.asked),
        }
    }

    /// A seek is waiting for the pipeline to settle.
    pub(crate) fn has_waiting(&self) -> bool {
        self.waiting.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seek(asked: Instant, secs: u64) -> Seek {
        Seek {
            asked,
            to: Duration::from_secs(secs),
        }
    }

    #[test]
    fn a_seek_before_the_preroll_ends_waits_for_its_async_done_and_the_quiet_period() {
        let t0 = Instant::now();
        let mut s = Seeks::default();
        s.restarted();
        assert_eq!(s.ask(seek(t0, 8)), None, "not sent while prerolling");
        assert_eq!(
            s.due_at(),
            None,
            "nothing is due before the pipeline settles"
        );
        // The preroll's ASYNC_DONE ends no seek; the waiting one is due after the quiet period.
        assert_eq!(s.async_done(t0), None);
        assert_eq!(s.due_at(), Some(t0 + QUIET));
        assert_eq!(s.due(t0 + QUIET / 2), None);
        let next = s
            .due(t0 + QUIET)
            .expect("due once the quiet period is over");
        assert_eq!(next.to, Duration::from_secs(8));
        s.sent(next, true);
        assert_eq!(s.async_done(t0 + QUIET * 2).map(|d| d.to), Some(next.to));
        assert_eq!(s.due_at(), None);
    }

    #[test]
    fn seeks_are_sent_one_at_a_time_and_the_latest_waiting_one_wins() {
        let t0 = Instant::now();
        let mut s = Seeks::default();
        s.restarted();
        s.async_done(t0);
        let later = t0 + QUIET;
        let first = s
            .ask(seek(later, 1))
            .expect("a settled, quiet pipeline takes a seek at once");
        s.sent(first, true);
        assert_eq!(s.ask(seek(later, 2)), None, "one in flight: wait");
        assert_eq!(s.ask(seek(later, 3)), None);
        assert_eq!(s.due_at(), None, "not while one is in flight");
        assert_eq!(s.async_done(later).map(|d| d.to), Some(first.to));
        let next = s.due(later + QUIET).unwrap();
        assert_eq!(next.to, Duration::from_secs(3));
    }

    #[test]
    fn a_restart_puts_the_seek_in_flight_back_to_waiting() {
        let t0 = Instant::now();
        let mut s = Seeks::default();
        s.restarted();
        s.async_done(t0);
        let first = s.ask(seek(t0 + QUIET, 5)).unwrap();
        s.sent(first, true);
        s.restarted();
        assert!(s.has_waiting());
        assert!(s.since().is_some());
        assert_eq!(
            s.async_done(t0 + QUIET),
            None,
            "the restart's preroll is not the seek's end"
        );
        assert_eq!(s.due(t0 + QUIET * 2), Some(first));
    }

    #[test]
    fn a_refused_seek_or_a_buffering_pause_leaves_nothing_in_flight() {
        let t0 = Instant::now();
        let mut s = Seeks::default();
        s.restarted();
        s.async_done(t0);
        let first = s.ask(seek(t0 + QUIET, 4)).unwrap();
        s.sent(first, false);
        assert_eq!(s.since(), None);
        s.async_started();
        assert_eq!(
            s.ask(seek(t0 + QUIET, 6)),
            None,
            "a buffering pause owes an ASYNC_DONE"
        );
        s.settled_without_message();
        assert_eq!(
            s.due(t0 + QUIET).map(|n| n.to),
            Some(Duration::from_secs(6))
        );
    }

    #[test]
    fn a_new_tune_forgets_every_seek() {
        let t0 = Instant::now();
        let mut s = Seeks::default();
        s.restarted();
        s.ask(seek(t0, 7));
        s.clear();
        assert_eq!(s.since(), None);
        assert_eq!(s.async_done(t0), None);
        assert_eq!(s.due_at(), None);
    }
}
