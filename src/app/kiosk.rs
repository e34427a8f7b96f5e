//! Kiosk mode for shared screens: the channel to start on (and return to)
//! by time of day, and when the privacy reset between viewers is due. The
//! controller does the reset itself: it wipes any open form, the zap
//! history and search text, and tunes the start channel.

use std::time::{Duration, Instant};

use chrono::NaiveTime;

use crate::config::KioskSettings;
use crate::lineup::Channel;

/// The kiosk's state.
#[derive(Debug, Clone)]
pub struct Kiosk {
    pub settings: KioskSettings,
    /// The last key (or the last reset).
    last_input: Instant,
    /// The reset for this idle spell is done.
    reset_done: bool,
}

impl Kiosk {
    /// None unless kiosk mode is on.
    pub fn new(settings: &KioskSettings, now: Instant) -> Option<Kiosk> {
        settings.enabled.then(|| Kiosk {
            settings: settings.clone(),
            last_input: now,
            reset_done: true,
        })
    }

    /// A key was pressed.
    pub fn input(&mut self, now: Instant) {
        self.last_input = now;
        self.reset_done = false;
    }

    /// Whether the privacy reset is due now (once per idle spell).
    pub fn reset_due(&mut self, now: Instant) -> bool {
        let idle = Duration::from_secs(self.settings.idle_seconds.max(5));
        if !self.reset_done && now.duration_since(self.last_input) >= idle {
            self.reset_done = true;
            return true;
        }
        false
    }

    /// Nobody has pressed a key for the idle time.
    pub fn idle(&self, now: Instant) -> bool {
        now.duration_since(self.last_input)
            >= Duration::from_secs(self.settings.idle_seconds.max(5))
    }

    /// The channel for `time` (local time of day): the schedule's latest
    /// slot started by then, else the start channel; an index into `channels`.
    pub fn channel_at(&self, time: NaiveTime, channels: &[Channel]) -> Option<usize> {
        let mut slots: Vec<(NaiveTime, &str)> = self
            .settings
            .schedule
            .iter()
            .filter_map(|s| {
                let t = NaiveTime::parse_from_str(s.from.trim(), "%H:%M")
                    .map_err(|e| tracing::warn!("kiosk schedule: {:?} is not HH:MM ({e})", s.from))
                    .ok()?;
                Some((t, s.channel.as_str()))
            })
            .collect();
        slots.sort();
        // Before the first slot of the day, the last one of the day before runs.
        let wanted = slots
            .iter()
            .rev()
            .find(|(t, _)| *t <= time)
            .or(slots.last())
            .map(|(_, c)| *c)
            .unwrap_or(self.settings.start_channel.as_str());
        find(wanted, channels).or_else(|| find(&self.settings.start_channel, channels))
    }
}

/// A channel by key or number.
fn find(wanted: &str, channels: &[Channel]) -> Option<usize> {
    let wanted = wanted.trim();
    if wanted.is_empty() {
        return None;
    }
    channels.iter().position(|c| c.key.0 == wanted).or_else(|| {
        let n: u32 = wanted.parse().ok()?;
        channels.iter().position(|c| c.number == n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KioskSlot;
    use crate::lineup::ChannelKey;

    fn channels() -> Vec<Channel> {
        ["civic-one", "council-live", "campaign-news"]
            .iter()
            .enumerate()
            .map(|(i, k)| Channel {
                key: ChannelKey(k.to_string()),
                number: i as u32 + 1,
                ..Default::default()
            })
            .collect()
    }

    fn kiosk() -> Kiosk {
        let settings = KioskSettings {
            enabled: true,
            start_channel: "2".into(),
            schedule: vec![
                KioskSlot {
                    from: "08:00".into(),
                    channel: "civic-one".into(),
                },
                KioskSlot {
                    from: "18:30".into(),
                    channel: "campaign-news".into(),
                },
            ],
            idle_seconds: 90,
        };
        Kiosk::new(&settings, Instant::now()).unwrap()
    }

    #[test]
    fn the_schedule_picks_the_channel_by_time_of_day() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let k = kiosk();
        assert_eq!(k.channel_at(t(9, 0), &channels()), Some(0));
        assert_eq!(k.channel_at(t(19, 0), &channels()), Some(2));
        assert_eq!(
            k.channel_at(t(3, 0), &channels()),
            Some(2),
            "overnight: yesterday's last slot"
        );
        let mut plain = kiosk();
        plain.settings.schedule.clear();
        assert_eq!(
            plain.channel_at(t(9, 0), &channels()),
            Some(1),
            "the start channel, by number"
        );
    }

    #[test]
    fn the_reset_comes_once_per_idle_spell() {
        let mut k = kiosk();
        let t0 = Instant::now();
        assert!(
            !k.reset_due(t0 + Duration::from_secs(200)),
            "nobody has used it yet"
        );
        k.input(t0);
        assert!(!k.reset_due(t0 + Duration::from_secs(60)));
        assert!(k.reset_due(t0 + Duration::from_secs(91)));
        assert!(!k.reset_due(t0 + Duration::from_secs(200)), "once");
        assert!(
            Kiosk::new(&KioskSettings::default(), t0).is_none(),
            "off by default"
        );
    }
}
