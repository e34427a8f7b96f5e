//! Builds the catch-up (replay) URL of one programme on one channel, with the
//! rules of Kodi's IPTV Simple client (pvr.iptvsimple), so playlists written
//! for it work unchanged. Pure: the caller passes the current time.
//!
//! First a template is derived from the live URL and the channel's catch-up
//! mode:
//!
//! - `default`: `catchup-source` is the whole template.
//! - `append`: `catchup-source` is appended to the live URL.
//! - `shift` (SIPTV): `?utc={utc}&lutc={lutc}` is appended, with `&` instead of
//!   `?` when the URL already has a query.
//! - `flussonic`, `flussonic-hls`, `flussonic-ts`, `fs`: the live URL is
//!   rewritten. `.../<id>/index.m3u8` becomes `.../<id>/timeshift_rel-{offset:1}.m3u8`,
//!   `.../<id>/<name>.m3u8` becomes `.../<id>/<name>-timeshift_rel-{offset:1}.m3u8`,
//!   `.../<id>/mpegts` becomes `.../<id>/timeshift_abs-${start}.ts`; any other
//!   last path segment is replaced by the `.ts` form for `flussonic-ts`/`fs`
//!   and the `.m3u8` form otherwise. A query (`?k=v`) is kept.
//! - `xc` (Xtream Codes): `http://host/[live/]user/pass/id[.m3u8]` becomes
//!   `http://host/timeshift/user/pass/{duration:60}/{Y}-{m}-{d}:{H}-{M}/id.ext`
//!   (`.ts` when the live URL has no extension).
//! - `vod`: `catchup-source`, or `{catchup-id}` when there is none.
//!
//! Kodi protocol options after a `|` in the live URL are moved to the end of
//! the template (not for a `default`/`vod` source that has its own `|`).
//!
//! Then the placeholders are filled. The URL start is the programme start minus
//! `catchup-correction` (and minus `tvg-shift` in [`channel_catchup_url`]), as
//! Kodi does; the duration is the programme's (an hour when it has none), cut
//! at "now" for a programme still running.
//!
//! - `{utc}` = `${start}`, `{utcend}` = `${end}` (start + duration),
//!   `{lutc}` = `${now}` = `${timestamp}`: Unix seconds.
//! - `{Y}` `{m}` `{d}` `{H}` `{M}` `{S}`: the start's date and time fields.
//! - `{duration}` = `${duration}`: seconds; `{duration:N}`: divided by N.
//! - `${offset}`: now minus start in seconds; `{offset:N}`: divided by N, never
//!   below 0.
//! - `{utc:F}` `${start:F}` `{utcend:F}` `${end:F}` `{lutc:F}` `${now:F}`
//!   `${timestamp:F}`: the time written with format F, where `Y m d H M S` are
//!   the fields above and any other character is kept.
//! - `{catchup-id}`: the programme's XMLTV `catchup-id`.
//!
//! Anything else in braces is left as it is. Kodi writes date fields in the
//! box's local time zone; here they are UTC, because the box has no reliable
//! zone setting (`catchup-correction` moves them when a provider wants local).
//!
//! A programme can be replayed once it started more than 5 seconds ago (Kodi
//! plays the live stream otherwise) and, when `catchup-days` is set, no earlier
//! than that many days ago. A `vod` channel without `catchup-days` takes any
//! programme that has a `catchup-id`, past or future.

use chrono::{DateTime, Datelike, Timelike, Utc};
use thiserror::Error;

use super::catchup::{Catchup, CatchupMode};
use super::channel::Channel;

/// Duration used when a programme has no valid stop time (Kodi's default).
const DEFAULT_DURATION_SECS: i64 = 3600;
/// A programme must have started this long ago to be played from the archive.
const MIN_AGE_SECS: i64 = 5;
const DAY_SECS: i64 = 24 * 60 * 60;

/// The programme to replay. Times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatchupProgramme {
    /// Start time.
    pub start: i64,
    /// Stop time; one hour is assumed when it is not after `start`.
    pub stop: i64,
    /// XMLTV `catchup-id` of the programme.
    pub catchup_id: Option<String>,
}

/// Why no catch-up URL can be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatchupError {
    /// The channel has no `catchup` mode.
    #[error("the channel has no catch-up (no catchup mode set)")]
    NotEnabled,
    /// `default` and `append` need a `catchup-source`.
    #[error("catch-up mode `{}` needs a catchup-source and the channel has none", mode_name(.mode))]
    MissingSource { mode: CatchupMode },
    /// Flussonic or Xtream Codes mode, and the live URL has another shape.
    #[error("catch-up mode `{}` cannot rewrite the channel URL: expected {expected}", mode_name(.mode))]
    UnsupportedUrl {
        mode: CatchupMode,
        expected: &'static str,
    },
    /// The programme started before the `catchup-days` window.
    #[error(
        "programme started {} (UTC), before the {days}-day catch-up window that begins {} (UTC)",
        utc_text(.start),
        utc_text(.window_start)
    )]
    OutsideWindow {
        start: i64,
        days: u32,
        window_start: i64,
    },
    /// The programme has not started yet (or started under 5 seconds ago).
    #[error(
        "programme starts {} (UTC), not yet in the archive at {} (UTC): play the live stream",
        utc_text(.start),
        utc_text(.now)
    )]
    NotStarted { start: i64, now: i64 },
    /// The template uses `{catchup-id}` and the programme has none.
    #[error("the catch-up URL needs {{catchup-id}} and the programme has no catchup-id")]
    MissingCatchupId,
    /// `{duration:0}` or `{offset:0}`, or a divisor too large to read.
    #[error("placeholder `{placeholder}` needs a positive whole divisor")]
    BadDivisor { placeholder: String },
    /// A time the calendar cannot represent.
    #[error("time {0} (Unix seconds) is out of range")]
    TimeOutOfRange(i64),
}

/// The playlist spelling of a mode.
fn mode_name(mode: &CatchupMode) -> &'static str {
    match mode {
        CatchupMode::Default => "default",
        CatchupMode::Append => "append",
        CatchupMode::Shift => "shift",
        CatchupMode::Flussonic => "flussonic",
        CatchupMode::FlussonicHls => "flussonic-hls",
        CatchupMode::FlussonicTs => "flussonic-ts",
        CatchupMode::Fs => "fs",
        CatchupMode::Xc => "xc",
        CatchupMode::Vod => "vod",
    }
}

fn utc_text(ts: &i64) -> String {
    match DateTime::<Utc>::from_timestamp(*ts, 0) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => format!("@{ts}"),
    }
}

/// The unfilled catch-up URL template of a channel (see the module rules).
pub fn catchup_template(channel_url: &str, catchup: &Catchup) -> Result<String, CatchupError> {
    let mode = catchup.mode.ok_or(CatchupError::NotEnabled)?;
    let (url, options) = match channel_url.find('|') {
        Some(i) => channel_url.split_at(i),
        None => (channel_url, ""),
    };
    let source = catchup.source.as_deref().filter(|s| !s.trim().is_empty());
    let missing = CatchupError::MissingSource { mode };
    let mut keep_options = true;
    let template = match mode {
        CatchupMode::Default | CatchupMode::Vod => match source {
            Some(s) => {
                keep_options = !s.contains('|');
                s.to_string()
            }
            None if mode == CatchupMode::Vod => "{catchup-id}".to_string(),
            None => return Err(missing),
        },
        CatchupMode::Append => format!("{url}{}", source.ok_or(missing)?),
        CatchupMode::Shift => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}utc={{utc}}&lutc={{lutc}}")
        }
        CatchupMode::Flussonic
        | CatchupMode::FlussonicHls
        | CatchupMode::FlussonicTs
        | CatchupMode::Fs => {
            flussonic_template(url, mode.is_ts_stream()).ok_or(CatchupError::UnsupportedUrl {
                mode,
                expected: "http(s)://host/<id>/<name> with an optional ?key=value query",
            })?
        }
        CatchupMode::Xc => xc_template(url).ok_or(CatchupError::UnsupportedUrl {
            mode,
            expected: "http(s)://host/[live/]<user>/<password>/<id>[.m3u8], no query",
        })?,
    };
    Ok(if keep_options {
        template + options
    } else {
        template
    })
}

/// Splits `http(s)://host/rest` into (`http(s)://host`, `rest`).
fn split_host(url: &str) -> Option<(&str, &str)> {
    let scheme = ["http://", "https://"]
        .into_iter()
        .find(|s| url.starts_with(s))?;
    let slash = url[scheme.len()..].find('/')?;
    if slash == 0 {
        return None;
    }
    let end = scheme.len() + slash;
    Some((&url[..end], &url[end + 1..]))
}

fn flussonic_template(url: &str, ts_stream: bool) -> Option<String> {
    const HLS: &str = "timeshift_rel-{offset:1}.m3u8";
    const TS: &str = "timeshift_abs-${start}.ts";
    let (host, rest) = split_host(url)?;
    let (path, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
    // Kodi only accepts a query with a `key=value` in it.
    if let Some(q) = query.strip_prefix('?') {
        let pair = q
            .char_indices()
            .any(|(i, c)| c == '=' && i > 0 && i + 1 < q.len());
        if !pair {
            return None;
        }
    }
    let (id, last) = path.rsplit_once('/')?;
    let tail = if let Some(list) = last.strip_suffix(".m3u8") {
        if list == "index" {
            HLS.to_string()
        } else {
            format!("{list}-{HLS}")
        }
    } else if last.ends_with("mpegts") || ts_stream {
        TS.to_string()
    } else {
        HLS.to_string()
    };
    Some(format!("{host}/{id}/{tail}{query}"))
}

fn xc_template(url: &str) -> Option<String> {
    let (host, rest) = split_host(url)?;
    let segs: Vec<&str> = rest.split('/').collect();
    let (user, pass, last) = match segs.as_slice() {
        ["live", u, p, l] | [u, p, l] => (*u, *p, *l),
        _ => return None,
    };
    // Kodi would fold a query into the id; refuse it instead.
    if last.contains('?') {
        return None;
    }
    // Kodi takes no extension (then `.ts`), `.m3u8` or `.m3u`.
    let (id, ext) = match last.find('.') {
        Some(i) if matches!(&last[i..], ".m3u8" | ".m3u") => last.split_at(i),
        Some(_) => return None,
        None => (last, ".ts"),
    };
    if user.is_empty() || pass.is_empty() || id.is_empty() {
        return None;
    }
    Some(format!(
        "{host}/timeshift/{user}/{pass}/{{duration:60}}/{{Y}}-{{m}}-{{d}}:{{H}}-{{M}}/{id}{ext}"
    ))
}

/// The catch-up URL of `programme` on a channel with live URL `channel_url`.
///
/// `programme` times are the ones the URL is built from, before
/// `catchup-correction` (that is, without any `tvg-shift`); `now` is the
/// current Unix time.
pub fn catchup_url(
    channel_url: &str,
    catchup: &Catchup,
    programme: &CatchupProgramme,
    now: i64,
) -> Result<String, CatchupError> {
    build(channel_url, catchup, programme, now, 0)
}

/// Like [`catchup_url`] for a lineup channel, with `programme` times as the
/// guide shows them (`tvg-shift` applied): the shift is taken off again for
/// the URL, as Kodi does.
pub fn channel_catchup_url(
    channel: &Channel,
    programme: &CatchupProgramme,
    now: i64,
) -> Result<String, CatchupError> {
    build(
        &channel.url,
        &channel.catchup,
        programme,
        now,
        channel.guide_shift_secs,
    )
}

fn build(
    channel_url: &str,
    catchup: &Catchup,
    p: &CatchupProgramme,
    now: i64,
    guide_shift_secs: i32,
) -> Result<String, CatchupError> {
    let template = catchup_template(channel_url, catchup)?;
    let id = p.catchup_id.as_deref().filter(|s| !s.is_empty());
    // Kodi's "ignore catch-up days": vod without a window plays any programme with an id.
    let any_time = catchup.mode == Some(CatchupMode::Vod) && catchup.days.is_none() && id.is_some();
    if !any_time {
        if p.start >= now.saturating_sub(MIN_AGE_SECS) {
            return Err(CatchupError::NotStarted {
                start: p.start,
                now,
            });
        }
        if let Some(days) = catchup.days {
            let window_start = now.saturating_sub(i64::from(days) * DAY_SECS);
            if p.start < window_start {
                return Err(CatchupError::OutsideWindow {
                    start: p.start,
                    days,
                    window_start,
                });
            }
        }
    }
    let duration = if p.stop > p.start {
        let d = p.stop.saturating_sub(p.start);
        // A programme still running is cut at now.
        if p.start < now && p.start.saturating_add(d) > now {
            now.saturating_sub(p.start)
        } else {
            d
        }
    } else {
        DEFAULT_DURATION_SECS
    };
    let shift = i64::from(guide_shift_secs) + i64::from(catchup.correction_secs);
    let start = p.start.saturating_sub(shift);
    let times = Times {
        start,
        end: start.saturating_add(duration),
        now,
        duration,
        offset: now.saturating_sub(start),
    };
    fill(&template, &times, id)
}

/// The values placeholders are filled from.
struct Times {
    start: i64,
    end: i64,
    now: i64,
    duration: i64,
    offset: i64,
}

/// Replaces every known placeholder in one left-to-right pass; values put in
/// are not scanned again.
fn fill(template: &str, t: &Times, catchup_id: Option<&str>) -> Result<String, CatchupError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '$']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let dollar = rest.starts_with("${");
        let open = if dollar { 2 } else { 1 };
        if !dollar && rest.starts_with('$') {
            out.push('$');
            rest = &rest[1..];
            continue;
        }
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let token = &rest[..open + close + 1];
        let inner = &rest[open..open + close];
        match expand(inner, dollar, t, catchup_id, token)? {
            Some(value) => {
                out.push_str(&value);
                rest = &rest[token.len()..];
            }
            None => {
                // Not a placeholder: keep one character and look again after it.
                out.push_str(&rest[..1]);
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The value of `{inner}` (or `${inner}`), `None` when it is no placeholder.
fn expand(
    inner: &str,
    dollar: bool,
    t: &Times,
    catchup_id: Option<&str>,
    token: &str,
) -> Result<Option<String>, CatchupError> {
    let (name, arg) = match inner.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (inner, None),
    };
    let value = match (dollar, name, arg) {
        (false, "utc", None) | (true, "start", None) => t.start.to_string(),
        (false, "utcend", None) | (true, "end", None) => t.end.to_string(),
        (false, "lutc", None) | (true, "now" | "timestamp", None) => t.now.to_string(),
        (_, "duration", None) => t.duration.to_string(),
        (true, "offset", None) => t.offset.to_string(),
        (false, "duration", Some(n)) => match divided(t.duration, n, token)? {
            Some(v) => v,
            None => return Ok(None),
        },
        (false, "offset", Some(n)) => match divided(t.offset, n, token)? {
            Some(v) => v,
            None => return Ok(None),
        },
        (false, "Y" | "m" | "d" | "H" | "M" | "S", None) => format_time(t.start, name)?,
        (false, "utc", Some(f)) | (true, "start", Some(f)) if !f.is_empty() => {
            format_time(t.start, f)?
        }
        (false, "utcend", Some(f)) | (true, "end", Some(f)) if !f.is_empty() => {
            format_time(t.end, f)?
        }
        (false, "lutc", Some(f)) | (true, "now" | "timestamp", Some(f)) if !f.is_empty() => {
            format_time(t.now, f)?
        }
        (false, "catchup-id", None) => catchup_id
            .ok_or(CatchupError::MissingCatchupId)?
            .to_string(),
        _ => return Ok(None),
    };
    Ok(Some(value))
}

/// `value / divisor`, at least 0. `None` when `divisor` is not digits (Kodi
/// leaves such text alone).
fn divided(value: i64, divisor: &str, token: &str) -> Result<Option<String>, CatchupError> {
    if divisor.is_empty() || !divisor.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let bad = || CatchupError::BadDivisor {
        placeholder: token.to_string(),
    };
    let n: i64 = divisor.parse().map_err(|_| bad())?;
    if n == 0 {
        return Err(bad());
    }
    Ok(Some((value / n).max(0).to_string()))
}

/// Writes `ts` (UTC) with Kodi's format letters `Y m d H M S`; other
/// characters are copied.
fn format_time(ts: i64, format: &str) -> Result<String, CatchupError> {
    let t = DateTime::<Utc>::from_timestamp(ts, 0).ok_or(CatchupError::TimeOutOfRange(ts))?;
    let mut out = String::with_capacity(format.len() * 2);
    for c in format.chars() {
        match c {
            'Y' => out.push_str(&t.year().to_string()),
            'm' => out.push_str(&format!("{:02}", t.month())),
            'd' => out.push_str(&format!("{:02}", t.day())),
            'H' => out.push_str(&format!("{:02}", t.hour())),
            'M' => out.push_str(&format!("{:02}", t.minute())),
            'S' => out.push_str(&format!("{:02}", t.second())),
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2024-03-09 07:08:09 UTC.
    const START: i64 = 1_709_968_089;
    /// START + 90 minutes (08:38:09).
    const STOP: i64 = 1_709_973_489;
    /// 2024-03-11 08:00:00 UTC; NOW - START = 175911.
    const NOW: i64 = 1_710_144_000;

    fn catchup(mode: CatchupMode, source: Option<&str>) -> Catchup {
        Catchup {
            mode: Some(mode),
            source: source.map(str::to_string),
            days: None,
            correction_secs: 0,
        }
    }

    fn programme(start: i64, stop: i64, id: Option<&str>) -> CatchupProgramme {
        CatchupProgramme {
            start,
            stop,
            catchup_id: id.map(str::to_string),
        }
    }

    /// Fills `template` (as a `default` source) for the base programme.
    fn fill_default(template: &str) -> Result<String, CatchupError> {
        catchup_url(
            "http://unused/live.ts",
            &catchup(CatchupMode::Default, Some(template)),
            &programme(START, STOP, Some("ep-42")),
            NOW,
        )
    }

    #[test]
    fn every_placeholder_expands() {
        let cases = [
            ("{utc}", "1709968089"),
            ("${start}", "1709968089"),
            ("{utcend}", "1709973489"),
            ("${end}", "1709973489"),
            ("{lutc}", "1710144000"),
            ("${now}", "1710144000"),
            ("${timestamp}", "1710144000"),
            ("{Y}", "2024"),
            ("{m}", "03"),
            ("{d}", "09"),
            ("{H}", "07"),
            ("{M}", "08"),
            ("{S}", "09"),
            ("{duration}", "5400"),
            ("${duration}", "5400"),
            ("{duration:60}", "90"),
            ("{duration:3600}", "1"),
            ("{duration:1}", "5400"),
            ("${offset}", "175911"),
            ("{offset:1}", "175911"),
            ("{offset:60}", "2931"),
            ("{utc:YmdHMS}", "20240309070809"),
            ("${start:Y-m-d}", "2024-03-09"),
            ("{utcend:YmdHM}", "202403090838"),
            ("${end:H:M:S}", "08:38:09"),
            ("{lutc:YmdHMS}", "20240311080000"),
            ("${now:Ymd}", "20240311"),
            ("${timestamp:Y/m/d H.M.S}", "2024/03/11 08.00.00"),
            ("{utc:Y-m-dTH:M:SZ}", "2024-03-09T07:08:09Z"),
            ("{catchup-id}", "ep-42"),
        ];
        for (template, want) in cases {
            assert_eq!(fill_default(template).as_deref(), Ok(want), "{template}");
        }
    }

    #[test]
    fn text_that_is_no_placeholder_is_kept() {
        let cases = [
            ("{foo}", "{foo}"),
            ("{start}", "{start}"),
            ("{offset}", "{offset}"),
            ("{utc:}", "{utc:}"),
            ("{duration:x}", "{duration:x}"),
            ("{duration:-5}", "{duration:-5}"),
            ("${utc}", "$1709968089"),
            ("${Y}", "$2024"),
            ("${duration:60}", "$90"),
            ("${catchup-id}", "$ep-42"),
            ("{{utc}}", "{1709968089}"),
            ("a{b", "a{b"),
            ("$", "$"),
            ("x$y{utc", "x$y{utc"),
            ("{utc}/{utc}/{H}{H}", "1709968089/1709968089/0707"),
            ("}{", "}{"),
        ];
        for (template, want) in cases {
            assert_eq!(fill_default(template).as_deref(), Ok(want), "{template}");
        }
    }

    #[test]
    fn readme_format_examples() {
        let cases = [
            ("?utc={utc}&lutc={lutc}", "?utc=1709968089&lutc=1710144000"),
            ("&t={Y}-{m}-{d}-{H}-{M}-{S}", "&t=2024-03-09-07-08-09"),
            ("?offset={offset:60}", "?offset=2931"),
            (
                "?start={utc:YmdHM}&end=${end:YmdHM}",
                "?start=202403090708&end=202403090838",
            ),
            (
                "?start={utc:Ymd-H-M}&end=${end:Ymd-H-M}",
                "?start=20240309-07-08&end=20240309-08-38",
            ),
            ("&cutv={Y}-{m}-{d}T{H}:{M}:{S}", "&cutv=2024-03-09T07:08:09"),
        ];
        for (template, want) in cases {
            assert_eq!(fill_default(template).as_deref(), Ok(want), "{template}");
        }
    }

    #[test]
    fn readme_divider_examples() {
        // A two-hour programme that started two hours ago.
        let p = programme(NOW - 7200, NOW, None);
        let cases = [
            ("{duration:3600}", "2"),
            ("{duration:60}", "120"),
            ("{offset:10}", "720"),
            ("{offset:60}", "120"),
        ];
        for (template, want) in cases {
            let c = catchup(CatchupMode::Default, Some(template));
            assert_eq!(
                catchup_url("http://h/x", &c, &p, NOW).as_deref(),
                Ok(want),
                "{template}"
            );
        }
    }

    #[test]
    fn templates_per_mode() {
        use CatchupMode::*;
        let hls_rel = "timeshift_rel-{offset:1}.m3u8";
        let ts_abs = "timeshift_abs-${start}.ts";
        let cases: Vec<(CatchupMode, Option<&str>, &str, String)> = vec![
            (Default, Some("http://c/{utc}.ts"), "http://l/a.ts", "http://c/{utc}.ts".into()),
            (Append, Some("?t={utc}"), "http://l/a.ts", "http://l/a.ts?t={utc}".into()),
            (Shift, None, "http://l/a.ts", "http://l/a.ts?utc={utc}&lutc={lutc}".into()),
            (
                Shift,
                Some("ignored"),
                "http://l/a.ts?k=v",
                "http://l/a.ts?k=v&utc={utc}&lutc={lutc}".into(),
            ),
            (Vod, Some("http://v/{catchup-id}"), "http://l/a", "http://v/{catchup-id}".into()),
            (Vod, None, "plugin://p/x", "{catchup-id}".into()),
            // Flussonic, the four shapes from Kodi's comments.
            (
                Flussonic,
                None,
                "http://ch01.spr24.net/151/mpegts?token=my_token",
                format!("http://ch01.spr24.net/151/{ts_abs}?token=my_token"),
            ),
            (
                Flussonic,
                None,
                "http://list.tv:8888/325/index.m3u8?token=secret",
                format!("http://list.tv:8888/325/{hls_rel}?token=secret"),
            ),
            (
                Flussonic,
                None,
                "http://list.tv:8888/325/mono.m3u8?token=secret",
                format!("http://list.tv:8888/325/mono-{hls_rel}?token=secret"),
            ),
            (
                Flussonic,
                None,
                "http://list.tv:8888/325/live?token=my_token",
                format!("http://list.tv:8888/325/{hls_rel}?token=my_token"),
            ),
            (
                FlussonicHls,
                None,
                "https://f.tv/a/b/video",
                format!("https://f.tv/a/b/{hls_rel}"),
            ),
            (FlussonicTs, None, "http://f.tv/7/live", format!("http://f.tv/7/{ts_abs}")),
            (Fs, None, "http://f.tv/7/live?t=1", format!("http://f.tv/7/{ts_abs}?t=1")),
            // The URL shape wins over the mode, as in Kodi.
            (FlussonicHls, None, "http://f.tv/7/mpegts", format!("http://f.tv/7/{ts_abs}")),
            (Fs, None, "http://f.tv/7/index.m3u8", format!("http://f.tv/7/{hls_rel}")),
            // Flussonic ignores a catchup-source.
            (Flussonic, Some("&x={utc}"), "http://f.tv/7/index.m3u8", format!("http://f.tv/7/{hls_rel}")),
            // Xtream Codes.
            (
                Xc,
                None,
                "http://list.tv:8080/my@account.xc/my_password/1477",
                "http://list.tv:8080/timeshift/my@account.xc/my_password/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1477.ts".into(),
            ),
            (
                Xc,
                None,
                "http://list.tv:8080/live/my@account.xc/my_password/1477.m3u8",
                "http://list.tv:8080/timeshift/my@account.xc/my_password/{duration:60}/{Y}-{m}-{d}:{H}-{M}/1477.m3u8".into(),
            ),
            (
                Xc,
                None,
                "https://x.tv/live/u/p/9.m3u",
                "https://x.tv/timeshift/u/p/{duration:60}/{Y}-{m}-{d}:{H}-{M}/9.m3u".into(),
            ),
            // Three segments: `live` is the user name.
            (
                Xc,
                None,
                "http://x.tv/live/p/9",
                "http://x.tv/timeshift/live/p/{duration:60}/{Y}-{m}-{d}:{H}-{M}/9.ts".into(),
            ),
        ];
        for (mode, source, url, want) in cases {
            assert_eq!(
                catchup_template(url, &catchup(mode, source)),
                Ok(want),
                "{mode:?} {url}"
            );
        }
    }

    #[test]
    fn kodi_protocol_options_move_to_the_end() {
        use CatchupMode::*;
        let cases = [
            (
                Append,
                Some("?s={utc}"),
                "http://h/a.ts|User-Agent=x",
                "http://h/a.ts?s={utc}|User-Agent=x",
            ),
            (
                Shift,
                None,
                "http://h/a.ts|UA=1",
                "http://h/a.ts?utc={utc}&lutc={lutc}|UA=1",
            ),
            (
                Default,
                Some("http://c/{utc}"),
                "http://h/a|UA=1",
                "http://c/{utc}|UA=1",
            ),
            (
                Default,
                Some("http://c/{utc}|Referer=r"),
                "http://h/a|UA=1",
                "http://c/{utc}|Referer=r",
            ),
            (Vod, None, "plugin://p|UA=1", "{catchup-id}|UA=1"),
            (
                Flussonic,
                None,
                "http://f/7/index.m3u8?t=1|UA=1",
                "http://f/7/timeshift_rel-{offset:1}.m3u8?t=1|UA=1",
            ),
        ];
        for (mode, source, url, want) in cases {
            assert_eq!(
                catchup_template(url, &catchup(mode, source)).as_deref(),
                Ok(want),
                "{mode:?} {url}"
            );
        }
    }

    #[test]
    fn template_errors() {
        use CatchupMode::*;
        let fl_expected = "http(s)://host/<id>/<name> with an optional ?key=value query";
        let xc_expected = "http(s)://host/[live/]<user>/<password>/<id>[.m3u8], no query";
        let fl = |mode| CatchupError::UnsupportedUrl {
            mode,
            expected: fl_expected,
        };
        let xc = CatchupError::UnsupportedUrl {
            mode: Xc,
            expected: xc_expected,
        };
        let cases = [
            (
                Default,
                None,
                "http://h/a.ts",
                CatchupError::MissingSource { mode: Default },
            ),
            (
                Default,
                Some("  "),
                "http://h/a.ts",
                CatchupError::MissingSource { mode: Default },
            ),
            (
                Append,
                None,
                "http://h/a.ts",
                CatchupError::MissingSource { mode: Append },
            ),
            (Flussonic, None, "http://h/index.m3u8", fl(Flussonic)),
            (Flussonic, None, "rtp://239.0.0.1:5000/a/b", fl(Flussonic)),
            (Fs, None, "http:///a/mpegts", fl(Fs)),
            (
                FlussonicHls,
                None,
                "http://h/325/index.m3u8?token",
                fl(FlussonicHls),
            ),
            (FlussonicTs, None, "http://h/325/live?", fl(FlussonicTs)),
            (Xc, None, "http://h/u/p/1477.ts", xc.clone()),
            (Xc, None, "http://h/u/p/1477?x=1", xc.clone()),
            (Xc, None, "http://h/u/p/1477.m3u8?x=1", xc.clone()),
            (Xc, None, "http://h/movie/u/p/1477", xc.clone()),
            (Xc, None, "http://h/u/p/", xc.clone()),
            (Xc, None, "http://h/u/1477", xc.clone()),
            (Xc, None, "udp://h/u/p/1477", xc.clone()),
        ];
        for (mode, source, url, want) in cases {
            assert_eq!(
                catchup_template(url, &catchup(mode, source)),
                Err(want),
                "{mode:?} {url}"
            );
        }
        assert_eq!(
            catchup_template("http://h/a", &Catchup::default()),
            Err(CatchupError::NotEnabled)
        );
    }

    /// The catch-up entries of Kodi's README, filled for the base programme.
    #[test]
    fn readme_playlist_channels() {
        use CatchupMode::*;
        let cup = "&cutv={Y}-{m}-{d}T{H}:{M}:{S}";
        let cases: Vec<(&str, Catchup, &str, &str)> = vec![
            (
                "B",
                Catchup {
                    days: Some(3),
                    ..catchup(
                        Default,
                        Some(
                            "http://path-to-stream/live/catchup-b.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}",
                        ),
                    )
                },
                "http://path-to-stream/live/channel-b.ts",
                "http://path-to-stream/live/catchup-b.ts&cutv=2024-03-09T07:08:09",
            ),
            (
                // catchup-correction="-4.0": Kodi subtracts it, so the URL is 4 h later.
                "C",
                Catchup {
                    days: Some(3),
                    correction_secs: -4 * 3600,
                    ..catchup(Append, Some(cup))
                },
                "http://path-to-stream/live/channel-c.ts",
                "http://path-to-stream/live/channel-c.ts&cutv=2024-03-09T11:08:09",
            ),
            (
                "D",
                Catchup {
                    days: Some(3),
                    ..catchup(Shift, None)
                },
                "http://path-to-stream/live/channel-d.ts",
                "http://path-to-stream/live/channel-d.ts?utc=1709968089&lutc=1710144000",
            ),
            (
                "F",
                Catchup {
                    days: Some(3),
                    ..catchup(
                        Default,
                        Some("http://yoururl/channeld/video-{utc}-{duration}.m3u8"),
                    )
                },
                "http://yoururl/channeld/video.m3u8",
                "http://yoururl/channeld/video-1709968089-5400.m3u8",
            ),
            (
                "G",
                catchup(Fs, None),
                "http://list.tv:8888/325/mono.m3u8?token=secret",
                "http://list.tv:8888/325/mono-timeshift_rel-175911.m3u8?token=secret",
            ),
            (
                "H",
                catchup(Xc, None),
                "http://list.tv:8080/my@account.xc/my_password/1477",
                "http://list.tv:8080/timeshift/my@account.xc/my_password/90/2024-03-09:07-08/1477.ts",
            ),
            (
                "I",
                catchup(Xc, None),
                "http://list.tv:8080/live/my@account.xc/my_password/1477.m3u8",
                "http://list.tv:8080/timeshift/my@account.xc/my_password/90/2024-03-09:07-08/1477.m3u8",
            ),
            (
                "J",
                Catchup {
                    days: Some(3),
                    ..catchup(
                        Vod,
                        Some(
                            "http://path-to-stream/live/catchup-j.ts&cutv={Y}-{m}-{d}T{H}:{M}:{S}",
                        ),
                    )
                },
                "http://path-to-stream/live/channel-j.ts",
                "http://path-to-stream/live/catchup-j.ts&cutv=2024-03-09T07:08:09",
            ),
            (
                "flussonic mpegts",
                catchup(Flussonic, None),
                "http://ch01.spr24.net/151/mpegts?token=my_token",
                "http://ch01.spr24.net/151/timeshift_abs-1709968089.ts?token=my_token",
            ),
            (
                "flussonic index",
                catchup(FlussonicHls, None),
                "http://list.tv:8888/325/index.m3u8?token=secret",
                "http://list.tv:8888/325/timeshift_rel-175911.m3u8?token=secret",
            ),
            (
                "flussonic-ts other name",
                catchup(FlussonicTs, None),
                "http://list.tv:8888/325/live?token=my_token",
                "http://list.tv:8888/325/timeshift_abs-1709968089.ts?token=my_token",
            ),
        ];
        for (name, c, url, want) in cases {
            assert_eq!(
                catchup_url(url, &c, &programme(START, STOP, None), NOW).as_deref(),
                Ok(want),
                "channel {name}"
            );
        }
    }

    #[test]
    fn readme_channel_k_vod_plays_by_catchup_id_even_in_the_future() {
        let id = "plugin://plugin.video.footv/?mode=vod&&catchupid=episode1";
        let c = catchup(CatchupMode::Vod, None);
        let url = "plugin://plugin.video.my-vod-addon/play/catalog/channels/d8659669";
        for start in [START, NOW + 3600] {
            assert_eq!(
                catchup_url(url, &c, &programme(start, start + 7200, Some(id)), NOW).as_deref(),
                Ok(id),
                "start {start}"
            );
        }
    }

    #[test]
    fn correction_moves_programme_times_but_not_now() {
        let c = Catchup {
            correction_secs: 3600,
            ..catchup(
                CatchupMode::Default,
                Some("{utc}|{utcend}|{lutc}|${offset}|{H}|{duration}"),
            )
        };
        assert_eq!(
            catchup_url("http://h/a", &c, &programme(START, STOP, None), NOW).as_deref(),
            Ok("1709964489|1709969889|1710144000|179511|06|5400")
        );
    }

    #[test]
    fn channel_url_takes_the_guide_shift_off_again() {
        let ch = Channel {
            url: "http://h/live.ts".into(),
            guide_shift_secs: 7200,
            catchup: Catchup {
                correction_secs: -1800,
                days: Some(3),
                ..catchup(CatchupMode::Shift, None)
            },
            ..Channel::default()
        };
        // Shown at START + 2 h; the URL takes off 2 h - 30 min: START + 30 min.
        let shown = programme(START + 7200, STOP + 7200, None);
        assert_eq!(
            channel_catchup_url(&ch, &shown, NOW).as_deref(),
            Ok("http://h/live.ts?utc=1709969889&lutc=1710144000")
        );
        // Checks use the shown times.
        let just_started = programme(NOW - 3, NOW + 600, None);
        assert_eq!(
            channel_catchup_url(&ch, &just_started, NOW),
            Err(CatchupError::NotStarted {
                start: NOW - 3,
                now: NOW
            })
        );
    }

    #[test]
    fn durations() {
        let c = catchup(CatchupMode::Default, Some("{duration}|{utcend}"));
        let cases = [
            // Running programme: cut at now.
            (NOW - 600, NOW + 1200, "600|1710144000"),
            // Ends exactly now: not cut.
            (NOW - 600, NOW, "600|1710144000"),
            // No valid stop: one hour, not cut.
            (NOW - 600, NOW - 600, "3600|1710147000"),
            (START, START - 1, "3600|1709971689"),
        ];
        for (start, stop, want) in cases {
            assert_eq!(
                catchup_url("http://h/a", &c, &programme(start, stop, None), NOW).as_deref(),
                Ok(want),
                "{start}..{stop}"
            );
        }
    }

    #[test]
    fn archive_window_and_start_checks() {
        let ok = || Ok("ok".to_string());
        let with_days = |mode, days| Catchup {
            days,
            ..catchup(mode, Some("ok"))
        };
        let not_started = |start| Err(CatchupError::NotStarted { start, now: NOW });
        let outside = |start, days: u32| {
            Err(CatchupError::OutsideWindow {
                start,
                days,
                window_start: NOW - i64::from(days) * DAY_SECS,
            })
        };
        use CatchupMode::*;
        let cases = [
            (with_days(Default, Some(3)), NOW - 6, None, ok()),
            (
                with_days(Default, Some(3)),
                NOW - 5,
                None,
                not_started(NOW - 5),
            ),
            (
                with_days(Default, Some(3)),
                NOW + 100,
                None,
                not_started(NOW + 100),
            ),
            (with_days(Default, Some(3)), NOW - 3 * DAY_SECS, None, ok()),
            (
                with_days(Default, Some(3)),
                NOW - 3 * DAY_SECS - 1,
                None,
                outside(NOW - 3 * DAY_SECS - 1, 3),
            ),
            (with_days(Append, Some(2)), START, None, outside(START, 2)),
            (with_days(Default, None), NOW - 400 * DAY_SECS, None, ok()),
            // vod ignores the window only without catchup-days and with an id.
            (with_days(Vod, None), NOW + 100, Some("id"), ok()),
            (with_days(Vod, None), NOW - 400 * DAY_SECS, Some("id"), ok()),
            (
                with_days(Vod, None),
                NOW + 100,
                None,
                not_started(NOW + 100),
            ),
            (
                with_days(Vod, Some(3)),
                NOW + 100,
                Some("id"),
                not_started(NOW + 100),
            ),
            (
                with_days(Vod, Some(1)),
                START,
                Some("id"),
                outside(START, 1),
            ),
        ];
        for (c, start, id, want) in cases {
            assert_eq!(
                catchup_url("http://h/a", &c, &programme(start, start + 60, id), NOW),
                want,
                "{:?} days {:?} start {start} id {id:?}",
                c.mode,
                c.days
            );
        }
    }

    #[test]
    fn fill_errors() {
        let c = |s| catchup(CatchupMode::Default, Some(s));
        let no_id = programme(START, STOP, None);
        let empty_id = programme(START, STOP, Some(""));
        let cases = [
            (
                c("http://c/{catchup-id}"),
                &no_id,
                CatchupError::MissingCatchupId,
            ),
            (
                c("http://c/{catchup-id}"),
                &empty_id,
                CatchupError::MissingCatchupId,
            ),
            (
                catchup(CatchupMode::Vod, None),
                &no_id,
                CatchupError::MissingCatchupId,
            ),
            (
                c("?d={duration:0}"),
                &no_id,
                CatchupError::BadDivisor {
                    placeholder: "{duration:0}".into(),
                },
            ),
            (
                c("?o={offset:99999999999999999999}"),
                &no_id,
                CatchupError::BadDivisor {
                    placeholder: "{offset:99999999999999999999}".into(),
                },
            ),
        ];
        for (i, (cu, p, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                catchup_url("http://h/a", &cu, p, NOW),
                Err(want),
                "case {i}"
            );
        }
        let ancient = -10_000_000_000_000;
        assert_eq!(
            catchup_url(
                "http://h/a",
                &c("{Y}"),
                &programme(ancient, ancient + 60, None),
                NOW
            ),
            Err(CatchupError::TimeOutOfRange(ancient))
        );
    }

    #[test]
    fn error_messages_name_the_problem() {
        let cases = [
            (
                CatchupError::NotEnabled,
                "the channel has no catch-up (no catchup mode set)",
            ),
            (
                CatchupError::MissingSource {
                    mode: CatchupMode::Append,
                },
                "catch-up mode `append` needs a catchup-source and the channel has none",
            ),
            (
                CatchupError::UnsupportedUrl {
                    mode: CatchupMode::FlussonicTs,
                    expected: "x",
                },
                "catch-up mode `flussonic-ts` cannot rewrite the channel URL: expected x",
            ),
            (
                CatchupError::OutsideWindow {
                    start: START,
                    days: 2,
                    window_start: NOW - 2 * DAY_SECS,
                },
                "programme started 2024-03-09 07:08:09 (UTC), before the 2-day catch-up window that begins 2024-03-09 08:00:00 (UTC)",
            ),
            (
                CatchupError::NotStarted {
                    start: NOW + 60,
                    now: NOW,
                },
                "programme starts 2024-03-11 08:01:00 (UTC), not yet in the archive at 2024-03-11 08:00:00 (UTC): play the live stream",
            ),
            (
                CatchupError::MissingCatchupId,
                "the catch-up URL needs {catchup-id} and the programme has no catchup-id",
            ),
            (
                CatchupError::BadDivisor {
                    placeholder: "{offset:0}".into(),
                },
                "placeholder `{offset:0}` needs a positive whole divisor",
            ),
            (
                CatchupError::TimeOutOfRange(-1),
                "time -1 (Unix seconds) is out of range",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }
}
