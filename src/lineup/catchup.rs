//! Catch-up (time-shifted replay) settings of a channel, as Kodi's IPTV Simple
//! client spells them: `catchup`, `catchup-source`, `catchup-days`,
//! `catchup-correction`, and the older SIPTV `timeshift` / `tvg-rec` days.
//!
//! Only parses and stores; filling the source template with times is a later
//! job and does not belong here.

use serde::Serialize;

/// How a catch-up URL is built from the live one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CatchupMode {
    /// `catchup-source` is a full URL template.
    Default,
    /// `catchup-source` is appended to the live URL.
    Append,
    /// `?utc=<start>&lutc=<now>` is appended (`timeshift` is an alias).
    Shift,
    /// Flussonic URL rewrite, stream kind guessed from the URL.
    Flussonic,
    /// Flussonic HLS archive.
    FlussonicHls,
    /// Flussonic MPEG-TS archive.
    FlussonicTs,
    /// Flussonic MPEG-TS archive (short spelling).
    Fs,
    /// Xtream Codes timeshift URLs.
    Xc,
    /// The stream is video on demand, played from its start.
    Vod,
}

impl CatchupMode {
    /// Parses a mode name, case-insensitively.
    pub fn parse(s: &str) -> Option<CatchupMode> {
        let mode = match s.trim().to_ascii_lowercase().as_str() {
            "default" => CatchupMode::Default,
            "append" => CatchupMode::Append,
            "shift" | "timeshift" => CatchupMode::Shift,
            "flussonic" => CatchupMode::Flussonic,
            "flussonic-hls" => CatchupMode::FlussonicHls,
            "flussonic-ts" => CatchupMode::FlussonicTs,
            "fs" => CatchupMode::Fs,
            "xc" => CatchupMode::Xc,
            "vod" => CatchupMode::Vod,
            _ => return None,
        };
        Some(mode)
    }

    /// Any of the Flussonic spellings.
    pub fn is_flussonic(self) -> bool {
        matches!(
            self,
            CatchupMode::Flussonic
                | CatchupMode::FlussonicHls
                | CatchupMode::FlussonicTs
                | CatchupMode::Fs
        )
    }

    /// Whether the archive is served as MPEG-TS rather than HLS.
    pub fn is_ts_stream(self) -> bool {
        matches!(self, CatchupMode::FlussonicTs | CatchupMode::Fs)
    }
}

/// The resolved catch-up settings of one channel (entry values, else the
/// `#EXTM3U` header's).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catchup {
    /// `None` when the channel offers no catch-up.
    pub mode: Option<CatchupMode>,
    /// `catchup-source`: the URL template, unfilled.
    pub source: Option<String>,
    /// `catchup-days` (or SIPTV `timeshift` / `tvg-rec`): how far back.
    pub days: Option<u32>,
    /// `catchup-correction` (hours in the playlist), in seconds.
    pub correction_secs: i32,
}

impl Catchup {
    /// Whether a catch-up mode is set.
    pub fn is_enabled(&self) -> bool {
        self.mode.is_some()
    }
}

/// Reads an hour offset such as `-4.5` or `+2` as whole seconds. `None` for
/// text that is not a finite number within a week either way.
pub(super) fn hours_to_secs(s: &str) -> Option<i32> {
    let hours: f64 = s.trim().trim_start_matches('+').parse().ok()?;
    (hours.is_finite() && hours.abs() <= 168.0).then(|| (hours * 3600.0).round() as i32)
}

/// Reads a day count (`0` and negatives are not a count).
pub(super) fn parse_days(s: &str) -> Option<u32> {
    s.trim().parse::<u32>().ok().filter(|&d| d > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_name_and_alias_parses() {
        let cases = [
            ("default", Some(CatchupMode::Default)),
            ("append", Some(CatchupMode::Append)),
            ("shift", Some(CatchupMode::Shift)),
            ("timeshift", Some(CatchupMode::Shift)),
            ("flussonic", Some(CatchupMode::Flussonic)),
            ("flussonic-hls", Some(CatchupMode::FlussonicHls)),
            ("flussonic-ts", Some(CatchupMode::FlussonicTs)),
            ("fs", Some(CatchupMode::Fs)),
            ("xc", Some(CatchupMode::Xc)),
            ("vod", Some(CatchupMode::Vod)),
            ("SHIFT", Some(CatchupMode::Shift)),
            (" Append ", Some(CatchupMode::Append)),
            ("rewind", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(CatchupMode::parse(s), want, "{s}");
        }
    }

    #[test]
    fn flussonic_family_and_ts_flags() {
        let cases = [
            (CatchupMode::Flussonic, true, false),
            (CatchupMode::FlussonicHls, true, false),
            (CatchupMode::FlussonicTs, true, true),
            (CatchupMode::Fs, true, true),
            (CatchupMode::Shift, false, false),
            (CatchupMode::Xc, false, false),
        ];
        for (mode, flussonic, ts) in cases {
            assert_eq!(
                (mode.is_flussonic(), mode.is_ts_stream()),
                (flussonic, ts),
                "{mode:?}"
            );
        }
    }

    #[test]
    fn hour_offsets_become_seconds() {
        let cases = [
            ("2", Some(7200)),
            ("-4.5", Some(-16200)),
            ("+1.25", Some(4500)),
            ("0", Some(0)),
            ("abc", None),
            ("NaN", None),
            ("1e9", None),
            ("", None),
        ];
        for (s, want) in cases {
            assert_eq!(hours_to_secs(s), want, "{s}");
        }
    }

    #[test]
    fn day_counts_must_be_positive_integers() {
        let cases = [
            ("7", Some(7)),
            ("0", None),
            ("-1", None),
            ("3.5", None),
            (" 2 ", Some(2)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_days(s), want, "{s}");
        }
    }

    #[test]
    fn modes_serialize_in_playlist_spelling() {
        let json = serde_json::to_string(&[CatchupMode::FlussonicHls, CatchupMode::Xc])
            .expect("serializes");
        assert_eq!(json, r#"["flussonic-hls","xc"]"#);
    }
}
