//! The wall clock, handed to whoever needs "now" instead of read from the
//! system on the spot.
//!
//! Guides, reminders, catch-up windows, poll schedules and signatures all
//! turn on where the wall clock stands; a test that reads the system clock
//! passes or fails by the minute it runs in (a programme that started at
//! 14:30 is not in the future at 14:31). So the app, the headend and the
//! guide generators take a [`Clock`] at construction: the real one reads the
//! system time (what every user gets), a clock started at a fixed instant
//! (`--clock-start`, tests, reproducible demos) runs on from there at the
//! monotonic clock's pace, so time still passes (reminders fire, a live
//! programme moves on) but it starts where the test chose, away from any
//! programme boundary. It is not a global: each owner keeps its own copy,
//! and copies of one clock agree because they share their starting point.
//!
//! It must not be used for timeouts and durations: those are measured with
//! [`std::time::Instant`], which no clock here changes.

use std::time::Instant;

use chrono::{DateTime, Local, TimeZone, Utc};

/// Where "now" comes from. `Clock::default()` is the system clock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clock {
    fixed: Option<Started>,
}

/// A clock set to `at_millis` (Unix milliseconds) at the instant `base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Started {
    at_millis: i64,
    base: Instant,
}

impl Clock {
    /// The system's wall clock (the product's clock).
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock that reads `unix` seconds now and runs on from there.
    pub fn starting_at(unix: i64) -> Clock {
        Clock {
            fixed: Some(Started {
                at_millis: unix.saturating_mul(1000),
                base: Instant::now(),
            }),
        }
    }

    /// Whether this is the system's clock.
    pub fn is_system(&self) -> bool {
        self.fixed.is_none()
    }

    /// Now, in Unix milliseconds.
    pub fn now_millis(&self) -> i64 {
        match self.fixed {
            None => Utc::now().timestamp_millis(),
            Some(s) => {
                let run = i64::try_from(s.base.elapsed().as_millis()).unwrap_or(i64::MAX);
                s.at_millis.saturating_add(run)
            }
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Now, in UTC.
    pub fn utc(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.now_millis())
            .single()
            .unwrap_or_else(Utc::now)
    }

    /// Now, in the box's time zone (kiosk hours, download windows, the
    /// clock on screen).
    pub fn local(&self) -> DateTime<Local> {
        self.utc().with_timezone(&Local)
    }

    /// How far (seconds) this clock is ahead of the system's: what maps
    /// its times onto times the system stamped, such as files' modification
    /// times (0 for the system clock).
    pub fn ahead_of_system(&self) -> i64 {
        match self.fixed {
            None => 0,
            Some(_) => (self.now_millis() - Utc::now().timestamp_millis()).div_euclid(1000),
        }
    }
}

/// Parses `--clock-start`: RFC 3339 (`2026-03-04T10:07:00Z`) or Unix seconds.
pub fn parse_start(text: &str) -> Result<i64, String> {
    if let Ok(unix) = text.parse::<i64>() {
        return Ok(unix);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.timestamp())
        .map_err(|e| format!("{text}: not RFC 3339 (2026-03-04T10:07:00Z) nor Unix seconds: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_clock_reads_its_start_and_runs_on_from_it() {
        let start = parse_start("2026-03-04T10:07:00Z").unwrap();
        let clock = Clock::starting_at(start);
        let copy = clock.clone();
        let first = clock.now();
        assert!((start..start + 5).contains(&first), "{first}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(
            copy.now_millis() >= start * 1000 + 20,
            "copies share the start"
        );
        assert_eq!(
            clock.utc().format("%Y-%m-%d %H:%M").to_string(),
            "2026-03-04 10:07"
        );
        assert!(!clock.is_system() && Clock::default().is_system());
    }

    #[test]
    fn a_started_clock_knows_how_far_it_is_from_the_system_clock() {
        let system = Utc::now().timestamp();
        let clock = Clock::starting_at(system - 86_400);
        assert!((-86_402..=-86_398).contains(&clock.ahead_of_system()));
        assert_eq!(Clock::system().ahead_of_system(), 0);
    }

    #[test]
    fn the_start_is_rfc3339_or_unix_seconds_and_nothing_else() {
        assert_eq!(parse_start("1790000000"), Ok(1_790_000_000));
        assert_eq!(parse_start("1970-01-01T01:00:00+01:00"), Ok(0));
        assert!(parse_start("10:07").is_err());
    }
}
