//! How far back a channel's catch-up service reaches (the M3U `catchup-days`,
//! one day when unset): which past programmes can still be played.

use super::Programme;
use crate::lineup::Channel;

/// Whether a past programme of `ch` can still be played from catch-up at `now`.
pub fn has_catchup(ch: &Channel, p: &Programme, now: i64) -> bool {
    let days = i64::from(ch.catchup.days.unwrap_or(1).max(1));
    ch.catchup.is_enabled() && p.start >= now - days * 86_400
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineup::CatchupMode;

    #[test]
    fn catch_up_reaches_back_its_days_and_one_day_when_unset() {
        let now = 10 * 86_400;
        let at = |start: i64| Programme {
            start,
            ..Default::default()
        };
        let mut ch = Channel::default();
        assert!(!has_catchup(&ch, &at(now - 60), now), "no catch-up mode");
        ch.catchup.mode = Some(CatchupMode::Default);
        assert!(has_catchup(&ch, &at(now - 86_400), now));
        assert!(!has_catchup(&ch, &at(now - 86_401), now), "one day");
        ch.catchup.days = Some(3);
        assert!(has_catchup(&ch, &at(now - 3 * 86_400), now));
        assert!(!has_catchup(&ch, &at(now - 3 * 86_400 - 1), now));
    }
}
