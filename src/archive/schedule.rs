//! When pinned speeches are fetched ahead of time: a daily window in local
//! time ("01:00-05:00"), which may pass midnight, so hotel screens download
//! at night and leave the daytime bandwidth to viewers; "" is any time and
//! "off" never.

use chrono::NaiveTime;

/// When fetching may run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    Always,
    Never,
    /// Every day from the first time until the second.
    Daily(NaiveTime, NaiveTime),
}

impl Window {
    /// Reads "HH:MM-HH:MM"; an empty string is any time, "off" never.
    pub fn parse(text: &str) -> Result<Window, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Window::Always);
        }
        if text == "off" {
            return Ok(Window::Never);
        }
        let (from, to) = text
            .split_once('-')
            .ok_or_else(|| format!("pinned_window {text:?}: expected HH:MM-HH:MM"))?;
        let time = |t: &str| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|e| format!("pinned_window {text:?}: {t:?} is not HH:MM ({e})"))
        };
        let (from, to) = (time(from)?, time(to)?);
        if from == to {
            return Err(format!("pinned_window {text:?} is empty"));
        }
        Ok(Window::Daily(from, to))
    }

    /// Whether `now` (local time of day) is inside the window.
    pub fn contains(&self, now: NaiveTime) -> bool {
        match *self {
            Window::Always => true,
            Window::Never => false,
            Window::Daily(from, to) if from < to => from <= now && now < to,
            Window::Daily(from, to) => now >= from || now < to,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn a_window_may_pass_midnight_and_empty_means_any_time() {
        let cases = [
            ("01:00-05:00", at(3, 0), true),
            ("01:00-05:00", at(5, 0), false),
            ("01:00-05:00", at(0, 59), false),
            ("23:30-04:00", at(23, 45), true),
            ("23:30-04:00", at(2, 0), true),
            ("23:30-04:00", at(12, 0), false),
            ("", at(12, 0), true),
            ("off", at(12, 0), false),
        ];
        for (text, now, inside) in cases {
            assert_eq!(
                Window::parse(text).unwrap().contains(now),
                inside,
                "{text} at {now}"
            );
        }
    }

    #[test]
    fn a_bad_window_says_what_is_wrong() {
        for (text, says) in [
            ("night", "expected HH:MM-HH:MM"),
            ("25:00-03:00", "\"25:00\" is not HH:MM"),
            ("02:00-02:00", "is empty"),
        ] {
            let e = Window::parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
