//! A channel's guide shift (the M3U `tvg-shift`, read by `lineup` into
//! seconds): the store keeps the guide as published, and this is the one
//! place its times become the channel's. Every reader of programmes for a
//! channel (the in-memory window, the guide pages, catch-up) goes through it.

use super::Programme;
use crate::lineup::Channel;

/// How far a channel's programmes are moved from the published guide
/// (positive is later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelShift(i64);

impl ChannelShift {
    /// The shift `channel`'s lineup entry asks for.
    pub fn of(channel: &Channel) -> ChannelShift {
        ChannelShift(i64::from(channel.guide_shift_secs))
    }

    /// The published guide's times to read so the channel shows `from..to`.
    pub fn stored_range(self, from: i64, to: i64) -> (i64, i64) {
        (from.saturating_sub(self.0), to.saturating_sub(self.0))
    }

    /// A published time as the channel shows it (saturating: an absurd
    /// shift cannot overflow).
    pub fn shown(self, t: i64) -> i64 {
        t.saturating_add(self.0)
    }

    /// Moves a published programme to the channel's times.
    pub fn apply(self, p: &mut Programme) {
        p.start = self.shown(p.start);
        p.stop = p.stop.map(|s| self.shown(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shift_moves_the_range_read_and_the_programmes_shown_the_same_way() {
        let channel = |secs| Channel {
            guide_shift_secs: secs,
            ..Default::default()
        };
        for (secs, start, stop) in [
            (3600, 3700, 7300),
            (-7200, 100 - 7200, 3700 - 7200),
            (0, 100, 3700),
        ] {
            let s = ChannelShift::of(&channel(secs));
            let mut p = Programme {
                start: 100,
                stop: Some(3700),
                ..Default::default()
            };
            s.apply(&mut p);
            assert_eq!((p.start, p.stop), (start, Some(stop)), "{secs}");
            // Reading the range that shows 100..3700 on the channel finds
            // what it shows there.
            let (from, to) = s.stored_range(p.start, p.stop.unwrap());
            assert_eq!((from, to), (100, 3700));
        }
        let mut open = Programme {
            start: i64::MAX - 1,
            ..Default::default()
        };
        ChannelShift::of(&channel(3600)).apply(&mut open);
        assert_eq!((open.start, open.stop), (i64::MAX, None));
    }
}
