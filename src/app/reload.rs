//! When the feeds load again: on their own schedule after a load (the
//! lineup's and guide's `refresh_in`), or after a failed load, backing off
//! 15 s, 30 s, 1 min, ... up to 30 min between attempts. Times are passed
//! in, so tests need no clock.

use std::time::{Duration, Instant};

/// First wait before retrying a failed load (doubles each time).
const FIRST_RETRY: Duration = Duration::from_secs(15);
/// The longest wait between failed attempts.
const LONGEST_RETRY: Duration = Duration::from_secs(30 * 60);
/// Failures counted for the back-off (15 s × 2⁷ is past the longest wait).
const MAX_FAILURES: u32 = 8;

/// The next load.
#[derive(Debug, Default)]
pub struct Reload {
    /// Failed loads in a row.
    failures: u32,
    /// When to load again, if a time is set.
    at: Option<Instant>,
}

impl Reload {
    /// A load failed at `now`: the wait before the next attempt.
    pub fn failed(&mut self, now: Instant) -> Duration {
        self.failures = (self.failures + 1).min(MAX_FAILURES);
        let wait = (FIRST_RETRY * 2u32.pow(self.failures - 1)).min(LONGEST_RETRY);
        self.at = Some(now + wait);
        wait
    }

    /// A load from the network succeeded at `now`: the next one when the
    /// feeds say (never, when they do not).
    pub fn loaded(&mut self, now: Instant, refresh_in: Option<Duration>) {
        self.failures = 0;
        self.at = refresh_in.and_then(|d| now.checked_add(d));
    }

    /// Whether the load is due at `now` (once: the time is then cleared).
    pub fn due(&mut self, now: Instant) -> bool {
        self.at.take_if(|t| now >= *t).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_doubling_up_to_half_an_hour_and_a_load_resets_it() {
        let t = Instant::now();
        let mut r = Reload::default();
        let waits: Vec<u64> = (0..10).map(|_| r.failed(t).as_secs()).collect();
        assert_eq!(waits, [15, 30, 60, 120, 240, 480, 960, 1800, 1800, 1800]);
        r.loaded(t, None);
        assert!(
            !r.due(t + Duration::from_secs(86_400)),
            "no schedule: never"
        );
        assert_eq!(r.failed(t).as_secs(), 15, "the back-off starts again");
    }

    #[test]
    fn a_load_is_due_once_at_its_time() {
        let t = Instant::now();
        let mut r = Reload::default();
        r.loaded(t, Some(Duration::from_secs(600)));
        assert!(!r.due(t + Duration::from_secs(599)));
        assert!(r.due(t + Duration::from_secs(600)));
        assert!(!r.due(t + Duration::from_secs(601)), "once");
    }
}
