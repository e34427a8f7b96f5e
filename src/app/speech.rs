//! The speech of the archive playing, as the controller follows it: the
//! zap that plays it, its resume point, where the player last said the
//! picture was, and a seek on its way. The bar and its keys are the
//! playback layer's (`archive_playback`); this is what the executor keeps
//! between the player's reports. Times are passed in, so tests need no clock.

use std::time::{Duration, Instant};

use crate::player::ZapId;

/// A position reported this long after a seek was sent may be from before it.
const SEEK_SETTLES: Duration = Duration::from_secs(3);
/// The resume point is saved again once the position moved this far (seconds).
const SAVE_EVERY: f64 = 1.0;
/// A resume point this close to the start plays from the start.
const RESUME_FROM: f64 = 0.5;

/// The speech playing.
#[derive(Debug, Clone)]
pub struct Speech {
    pub zap: ZapId,
    /// The archive item's id.
    pub id: String,
    /// The resume point last saved (seconds).
    saved: f64,
    /// Seek there once the zap shows its first picture.
    resume: Option<f64>,
    /// When the player last reported the position (the bar counts on from it).
    pub position_at: Option<Instant>,
    /// A seek is on its way: positions reported before it lands are stale.
    seek_sent: Option<Instant>,
}

impl Speech {
    /// Item `id` starts playing in `zap`, from `at` seconds.
    pub fn new(zap: ZapId, id: String, at: f64) -> Speech {
        Speech {
            zap,
            id,
            saved: at,
            resume: (at > RESUME_FROM).then_some(at),
            position_at: None,
            seek_sent: None,
        }
    }

    /// Where to seek now that `zap` shows its first picture (once).
    pub fn take_resume(&mut self, zap: ZapId) -> Option<f64> {
        self.resume.take_if(|_| zap == self.zap)
    }

    /// The player says `zap` is at `at` seconds: true when that is a resume
    /// point to save (at most once a second of position).
    pub fn save_due(&mut self, zap: ZapId, at: f64) -> bool {
        if zap != self.zap || (at - self.saved).abs() < SAVE_EVERY {
            return false;
        }
        self.saved = at;
        true
    }

    /// A seek was sent at `now`.
    pub fn seek(&mut self, now: Instant) {
        self.position_at = Some(now);
        self.seek_sent = Some(now);
    }

    /// The seek landed at `now`.
    pub fn landed(&mut self, now: Instant) {
        self.seek_sent = None;
        self.position_at = Some(now);
    }

    /// A seek is on its way.
    pub fn seeking(&self) -> bool {
        self.seek_sent.is_some()
    }

    /// Whether a position reported at `now` can be trusted: no seek on its
    /// way, or one sent long enough ago.
    pub fn settled(&self, now: Instant) -> bool {
        self.seek_sent
            .is_none_or(|t| now.saturating_duration_since(t) > SEEK_SETTLES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_point_is_sought_once_and_only_for_its_zap() {
        let mut s = Speech::new(7, "budget".into(), 95.0);
        assert_eq!(s.take_resume(6), None, "another zap's picture");
        assert_eq!(s.take_resume(7), Some(95.0));
        assert_eq!(s.take_resume(7), None, "once");
        let mut from_start = Speech::new(8, "budget".into(), 0.2);
        assert_eq!(from_start.take_resume(8), None, "near the start: no seek");
    }

    #[test]
    fn the_resume_point_is_saved_at_most_once_a_second_of_position() {
        let mut s = Speech::new(7, "budget".into(), 10.0);
        assert!(!s.save_due(7, 10.5));
        assert!(s.save_due(7, 11.0));
        assert!(!s.save_due(7, 11.9));
        assert!(s.save_due(7, 3.0), "a seek back is saved too");
        assert!(!s.save_due(6, 60.0), "another zap's position");
    }

    #[test]
    fn positions_are_stale_while_a_seek_is_on_its_way() {
        let t = Instant::now();
        let mut s = Speech::new(7, "budget".into(), 0.0);
        assert!(s.settled(t) && !s.seeking());
        s.seek(t);
        assert!(s.seeking());
        assert!(!s.settled(t + Duration::from_secs(1)));
        assert!(
            s.settled(t + Duration::from_secs(4)),
            "a seek that never lands"
        );
        s.landed(t + Duration::from_secs(1));
        assert!(s.settled(t + Duration::from_secs(1)) && !s.seeking());
        assert_eq!(s.position_at, Some(t + Duration::from_secs(1)));
    }
}
