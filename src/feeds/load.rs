//! Loading the lineup and guide, offline first.
//!
//! [`load_cached`] builds the screen's data from the database alone, so the
//! box shows channels and guide before any request completes. [`load`] then
//! refreshes from the network: lineups by conditional GET (a bad or dead one
//! keeps its last good copy, and the screen says so), guides through a
//! streaming import (see `crate::feeds::guide`). Both end in [`assemble`]: merge the
//! lineups, match channels to guide channels, and read the programmes of the
//! hours around now for the UI.

use std::path::Path;
use std::time::Duration;

use crate::config::Config;
use crate::feeds::{Fresh, SavedCopy, fetch_checked};
use crate::guide::{ChannelShift, Guide, match_channels};
use crate::lineup::{Channel, Lineup, ParseOptions, merge, parse_bytes_with};
use crate::net::{HttpClient, Validators};
use crate::store::Store;
use crate::trust::{FeedKind, TrustGate};

use crate::feeds::{OnBadSource, SourceOutcome, import_guides};

/// Hours of guide the UI keeps in memory around now.
const WINDOW_BACK: i64 = 6 * 3600;
const WINDOW_AHEAD: i64 = 30 * 3600;

/// What the app gets back from a load.
#[derive(Debug, Default)]
pub struct Loaded {
    pub channels: Vec<Channel>,
    /// Programmes keyed by channel key (shifted by the channel's `tvg-shift`).
    pub guide: Guide,
    /// Things the viewer should know (offline, bad feed kept out, ...).
    pub notices: Vec<String>,
    /// Set when there is nothing to show at all.
    pub error: Option<String>,
    /// The channel key watched last, to start there.
    pub last_channel: Option<String>,
    /// Built from the cache only (no network was asked).
    pub from_cache: bool,
    /// When to refresh next (None: after a failure; the app backs off).
    pub refresh_in: Option<Duration>,
    /// Keys of the favourite channels (kept across refreshes by key).
    pub favourites: std::collections::HashSet<String>,
    /// Channel key -> guide channel id, for guide pages read from the store.
    pub guide_ids: std::collections::HashMap<String, String>,
    /// The database the guide pages are read from.
    pub db: Option<std::path::PathBuf>,
    /// The speech archive, newest first.
    pub archive: Vec<crate::archive::catalogue::ArchiveItem>,
}

fn options(config: &Config) -> ParseOptions {
    ParseOptions {
        start_number: config.feeds.start_number,
        udpxy: config.feeds.udpxy.clone(),
    }
}

fn db_path(config: &Config) -> Result<std::path::PathBuf, String> {
    let dir = config.state_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(Store::path_in(&dir))
}

/// The screen's data from the database alone (no network).
pub async fn load_cached(config: &Config) -> Loaded {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = Loaded {
            from_cache: true,
            ..Default::default()
        };
        let Ok(db) = db_path(&config) else { return out };
        let Ok(store) = Store::open(&db) else {
            return out;
        };
        let lineups = config
            .feeds
            .lineup
            .iter()
            .filter_map(|url| {
                let body = store.load_feed(url).ok().flatten()?.body;
                parse_bytes_with(&body, url, &options(&config)).ok()
            })
            .collect();
        assemble(&config, &db, lineups, &mut out);
        out
    })
    .await
    .unwrap_or_default()
}

/// Refreshes every feed from the network, keeping last good copies. With
/// `trust`, every feed is checked against its signature first, and a
/// rejected one is treated like a malformed one: the last good copy stays.
pub async fn load(config: &Config, http: &HttpClient, trust: Option<&TrustGate>) -> Loaded {
    let mut out = Loaded::default();
    if config.feeds.lineup.is_empty() {
        out.error = Some(
            "No channel lineup configured: set [feeds] lineup in the config or pass --server URL"
                .into(),
        );
        return out;
    }
    let db = match db_path(config)
        .and_then(|db| Store::open(&db).map(|_| db).map_err(|e| e.to_string()))
    {
        Ok(db) => db,
        Err(e) => {
            out.error = Some(format!("Cache unavailable: {e}"));
            return out;
        }
    };
    let mut lineups = Vec::new();
    let mut advertised = Vec::new();
    for url in &config.feeds.lineup {
        if let Some(l) = fetch_lineup(config, http, trust, &db, url, &mut out.notices).await {
            let (refs, refused) = guide_references(url, &l);
            for r in refused {
                tracing::warn!("{r}");
                out.notices.push(r);
            }
            advertised.extend(refs);
            lineups.push(l);
        }
    }
    if lineups.iter().all(|l| l.channels.is_empty()) {
        out.error = Some(
            out.notices
                .pop()
                .unwrap_or_else(|| "The lineup lists no channels".into()),
        );
        return out;
    }
    let mut guide_urls = config.feeds.guide.clone();
    if guide_urls.is_empty() {
        for u in advertised {
            if !guide_urls.contains(&u) {
                guide_urls.push(u);
            }
        }
    }
    if !guide_urls.is_empty() {
        let cache = config.state_dir().join("guide-cache");
        let history_start = config
            .clock
            .now()
            .saturating_sub(config.feeds.history_hours.saturating_mul(3600));
        match import_guides(
            http,
            &db,
            &cache,
            &guide_urls,
            OnBadSource::Skip,
            history_start,
            trust,
        )
        .await
        {
            Ok(report) => {
                for s in report.sources {
                    match s.outcome {
                        SourceOutcome::Failed { message } => {
                            out.notices.push(format!("Guide not updated: {message}"))
                        }
                        SourceOutcome::Imported {
                            note: Some(SavedCopy::Failed(note)),
                            ..
                        } => out.notices.push(format!("Guide not updated: {note}")),
                        _ => {}
                    }
                }
            }
            Err(e) => out.notices.push(format!("Guide not updated: {e}")),
        }
    }
    for url in &config.feeds.archive {
        // The archive is not needed to watch TV: a problem is logged, and the
        // stored archive stays in force.
        if let Some(problem) =
            crate::feeds::refresh_archive(http, &db, url, trust, config.transparency.jurisdiction)
                .await
        {
            tracing::warn!("archive: {problem}");
        }
    }
    let config = config.clone();

    tokio::task::spawn_blocking(move || {
        assemble(&config, &db, lineups, &mut out);
        out.refresh_in = Some(Duration::from_secs(
            config.feeds.refresh_minutes.max(1) * 60,
        ));
        out
    })
    .await
    .unwrap_or_default()
}

/// The guides a lineup advertises (`x-tvg-url`, `url-tvg`) that the box may
/// fetch, and a warning for each one refused. A lineup fetched over the
/// network may name only http(s) URLs: a path or `file://` URL in it would
/// have the box read (and import, unchecked) a local file of the server's
/// choosing. Local paths come only from the box's own configuration, so a
/// lineup that is itself a local file keeps them.
fn guide_references(lineup_url: &str, lineup: &Lineup) -> (Vec<String>, Vec<String>) {
    let mut refs = Vec::new();
    let mut refused = Vec::new();
    for r in lineup.guide_urls() {
        let http = url::Url::parse(r)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        match http {
            Some(u) => refs.push(u.to_string()),
            None if !crate::net::is_remote(lineup_url) => refs.push(r.to_string()),
            None => refused.push(format!(
                "{lineup_url}: guide {r:?} ignored: a guide named by a fetched lineup must be an http(s) URL"
            )),
        }
    }
    (refs, refused)
}

/// Fetches one lineup with conditional GET; falls back to the saved copy.
async fn fetch_lineup(
    config: &Config,
    http: &HttpClient,
    trust: Option<&TrustGate>,
    db: &Path,
    url: &str,
    notices: &mut Vec<String>,
) -> Option<Lineup> {
    // SQLite runs on the blocking pool, never on the runtime's two workers
    // that also carry the player and the headend.
    let (db_path, url_owned) = (db.to_path_buf(), url.to_string());
    let (cached, known) = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db_path).ok()?;
        let cached = store.load_feed(&url_owned).ok().flatten();
        let known = match cached {
            Some(_) => store.validators(&url_owned).unwrap_or_default(),
            None => Validators::default(),
        };
        Some((cached, known))
    })
    .await
    .ok()
    .flatten()
    .unwrap_or((None, Validators::default()));
    let saved = cached.as_ref().map(|c| c.body.as_slice());
    let problem = match fetch_checked(http, trust, FeedKind::Lineup, url, &known, saved).await {
        Ok(Fresh::Unchanged { .. }) => match cached
            .as_ref()
            .map(|c| parse_bytes_with(&c.body, url, &options(config)))
        {
            Some(Ok(l)) => return Some(l),
            _ => format!("{url}: the saved copy is unusable"),
        },
        Ok(Fresh::New(body, validators)) => match parse_bytes_with(&body, url, &options(config)) {
            Ok(l) => {
                for w in l.warnings.iter().take(50) {
                    tracing::warn!("{url}: {w}");
                }
                let now = config.clock.now();
                let (db_path, url_owned) = (db.to_path_buf(), url.to_string());
                let saved = tokio::task::spawn_blocking(move || {
                    let store = Store::open(&db_path)?;
                    store.save_feed(&url_owned, &body, now)?;
                    store.set_validators(&url_owned, &validators, now)
                })
                .await;
                if let Ok(Err(e)) = saved {
                    tracing::warn!("could not cache {url}: {e}");
                }
                return Some(l);
            }
            Err(e) => e.to_string(),
        },
        Err(e) => e.to_string(),
    };
    tracing::warn!("{problem}");
    match cached.map(|c| {
        (
            parse_bytes_with(&c.body, url, &options(config)),
            c.fetched_at,
        )
    }) {
        Some((Ok(l), at)) => {
            let when = chrono::DateTime::from_timestamp(at, 0)
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%d %b %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            notices.push(format!("{problem}. Showing the copy saved {when}."));
            Some(l)
        }
        _ => {
            notices.push(problem);
            None
        }
    }
}

/// Merges the lineups, matches channels to the stored guide and reads the
/// programmes around now, keyed by channel key and shifted by `tvg-shift`.
pub(crate) fn assemble(config: &Config, db: &Path, lineups: Vec<Lineup>, out: &mut Loaded) {
    if lineups.is_empty() {
        return;
    }
    let lineup = merge(lineups);
    out.channels = lineup.channels;
    let media = lineup.media;
    let store = match Store::open_reader(db) {
        Ok(s) => s,
        Err(e) => {
            out.notices.push(format!("Cache unavailable: {e}"));
            return;
        }
    };
    out.last_channel = store.setting("last_channel").ok().flatten();
    out.archive = store.archive_items().unwrap_or_default();
    out.favourites = store.favourites().unwrap_or_default();
    // Channels in a group the viewer hid stay out of the list and of zapping.
    let hidden = store.hidden_groups().unwrap_or_default();
    if !hidden.is_empty() {
        out.channels
            .retain(|c| !c.groups.iter().any(|g| hidden.contains(g)));
    }
    let guide_channels = store.guide_channel_list().unwrap_or_default();
    let matches = match_channels(&out.channels, &guide_channels, &config.feeds.guide_map);
    let now = config.clock.now();
    let mut programmes = Vec::new();
    for ch in &out.channels {
        let Some(id) = matches.get(&ch.key.0) else {
            continue;
        };
        let shift = ChannelShift::of(ch);
        let (from, to) = shift.stored_range(now - WINDOW_BACK, now + WINDOW_AHEAD);
        for mut p in store
            .window_programmes(&[id.as_str()], from, to)
            .unwrap_or_default()
        {
            p.channel = ch.key.0.clone();
            shift.apply(&mut p);
            programmes.push(p);
        }
    }
    // Ended programmes of channels with catch-up join the archive browser.
    let mut past = Vec::new();
    for ch in out.channels.iter().filter(|c| c.catchup.is_enabled()) {
        let Some(id) = matches.get(&ch.key.0) else {
            continue;
        };
        let days = i64::from(ch.catchup.days.unwrap_or(1).max(1));
        let shift = ChannelShift::of(ch);
        let (from, to) = shift.stored_range(now - days * 86_400, now);
        for mut p in store
            .window_programmes(&[id.as_str()], from, to)
            .unwrap_or_default()
        {
            shift.apply(&mut p);
            past.push((ch, p));
        }
    }
    let catchup = super::archive_sources::catchup_items(past.iter().map(|(c, p)| (*c, p)), now);
    let mut archive = std::mem::take(&mut out.archive);
    archive.extend(super::archive_sources::lineup_items(&media));
    archive.extend(catchup);
    out.archive = super::archive_sources::merge(archive);
    out.guide = Guide::new(guide_channels, programmes, vec![]);
    out.db = Some(db.to_path_buf());
    out.guide_ids = matches
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fetched_lineup_may_name_only_http_guides() {
        let remote = "https://tv.example.org/lineup.m3u";
        let local = "/etc/hustings/lineup.m3u";
        type Case = (&'static str, &'static str, Vec<&'static str>, usize);
        let cases: Vec<Case> = vec![
            (
                "http://g.example/guide.xml.gz",
                remote,
                vec!["http://g.example/guide.xml.gz"],
                0,
            ),
            (
                "HTTPS://g.example/a.xml",
                remote,
                vec!["https://g.example/a.xml"],
                0,
            ),
            ("/etc/passwd", remote, vec![], 1),
            ("file:///etc/passwd", remote, vec![], 1),
            ("guide.xml", remote, vec![], 1),
            ("ftp://g.example/guide.xml", remote, vec![], 1),
            ("/srv/guide.xml", local, vec!["/srv/guide.xml"], 0),
            (
                "http://g.example/a.xml, /etc/shadow",
                remote,
                vec!["http://g.example/a.xml"],
                1,
            ),
        ];
        for (value, lineup_url, want, refused) in cases {
            let text = format!("#EXTM3U x-tvg-url=\"{value}\"\n#EXTINF:-1,A\nhttp://h/a\n");
            let options = ParseOptions {
                start_number: 1,
                udpxy: None,
            };
            let l = parse_bytes_with(text.as_bytes(), lineup_url, &options).unwrap();
            let (refs, warnings) = guide_references(lineup_url, &l);
            assert_eq!(refs, want, "{value}");
            assert_eq!(warnings.len(), refused, "{value}: {warnings:?}");
            for w in warnings {
                assert!(
                    w.starts_with(lineup_url) && w.contains("must be an http(s) URL"),
                    "{w}"
                );
            }
        }
    }
}
