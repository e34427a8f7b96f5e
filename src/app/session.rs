//! What the viewer's session holds, shared by every screen: the lineup, the
//! loaded guide window, the favourites, the reminders and the preferences.
//! Screens and layers read it; the controller's effects change it.

use std::collections::HashSet;

use super::preferences::Preferences;
use crate::guide::Guide;
use crate::lineup::Channel;

/// A programme the viewer asked to be reminded of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// The channel's key.
    pub channel: String,
    /// The programme's start (Unix seconds, as shown).
    pub start: i64,
    pub title: String,
}

/// The session's data.
#[derive(Default)]
pub struct Session {
    pub channels: Vec<Channel>,
    /// Keys of the favourite channels.
    pub favourites: HashSet<String>,
    /// The loaded guide window (now/next, and the grid without a store).
    pub guide: Guide,
    pub reminders: Vec<Reminder>,
    /// What the viewer chose in Settings.
    pub preferences: Preferences,
}

impl Session {
    /// Whether a reminder is set on the programme of channel `key` starting at `start`.
    pub fn reminded(&self, key: &str, start: i64) -> bool {
        self.reminders
            .iter()
            .any(|r| r.channel == key && r.start == start)
    }

    /// The interface language's code.
    pub fn language(&self) -> &'static str {
        self.preferences.language.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_is_found_by_channel_and_start_only() {
        let mut s = Session::default();
        s.reminders.push(Reminder {
            channel: "council".into(),
            start: 1000,
            title: "Budget".into(),
        });
        assert!(s.reminded("council", 1000));
        assert!(!s.reminded("council", 1001));
        assert!(!s.reminded("debates", 1000));
    }
}
