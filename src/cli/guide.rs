//! `hustings guide import|now|grid|search`.
//!
//! `guide import` checks downloaded guides as the box's refresh does (the
//! `[trust.guide]` keys and policy, the rollback state in the state
//! directory); `--no-verify` is the explicit way to skip that.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{Local, TimeZone};

use super::{ClientArgs, config_from, runtime};
use crate::feeds::{OnBadSource, import_guides};
use crate::net::HttpClient;
use crate::store::{GridCell, Store};

/// The database to use: `--db`, else the state directory's.
fn db_path(args: &ClientArgs, db: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(db) = db {
        return Ok(db);
    }
    let dir = config_from(args)?.state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(Store::path_in(&dir))
}

/// Parses a time: Unix seconds, an XMLTV time, or "now" (by `clock`).
fn parse_time(s: Option<&str>, clock: &crate::config::Clock) -> anyhow::Result<i64> {
    match s {
        None | Some("now") => Ok(clock.now()),
        Some(t) => t
            .parse::<i64>()
            .ok()
            .or_else(|| crate::guide::parse_xmltv_time(t))
            .with_context(|| format!("'{t}' is not a time (Unix seconds or YYYYMMDDhhmmss +zzzz)")),
    }
}

fn hm(t: i64) -> String {
    Local
        .timestamp_opt(t, 0)
        .single()
        .map(|d| d.format("%a %H:%M").to_string())
        .unwrap_or_default()
}

fn cell_line(c: &GridCell) -> String {
    let stop = c.stop.map(hm).unwrap_or_default();
    format!("{} – {}  {}", hm(c.start), stop, c.title)
}

pub fn import(
    args: &ClientArgs,
    sources: &[String],
    db: Option<PathBuf>,
    json: bool,
    history_hours: i64,
    verify: bool,
) -> anyhow::Result<ExitCode> {
    let db = db_path(args, db)?;
    // Ensure the schema exists before the import opens it.
    Store::open(&db).context("guide import failed; the database is unchanged")?;
    let cache = db
        .parent()
        .map(|p| p.join("guide-cache"))
        .unwrap_or_else(|| PathBuf::from("guide-cache"));
    let rt = runtime()?;
    let config = super::config_from(args)?;
    let http = HttpClient::for_config(&config)?;
    let gate = if verify {
        Some(super::trust_gate(&config)?)
    } else {
        None
    };
    let history_start = super::clock(args)
        .now()
        .saturating_sub(history_hours.saturating_mul(3600));
    let report = rt
        .block_on(import_guides(
            &http,
            &db,
            &cache,
            sources,
            OnBadSource::Abort,
            history_start,
            gate.as_ref(),
        ))
        .context("guide import failed; the database is unchanged")?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} channels, {} programmes in {:.2} s ({} overlapping trimmed, {} dropped, {} past the history window pruned) into {}",
            report.channels,
            report.programmes,
            report.seconds,
            report.overlaps_trimmed,
            report.overlaps_dropped,
            report.pruned,
            db.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn now(
    args: &ClientArgs,
    db: Option<PathBuf>,
    at: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_reader(&db_path(args, db)?)?;
    let rows = store.now_next(parse_time(at, &super::clock(args))?)?;
    if json {
        println!("{}", serde_json::to_string(&rows)?);
    } else {
        for r in rows {
            let now = r.now.as_ref().map(cell_line).unwrap_or_else(|| "—".into());
            let next = r.next.as_ref().map(cell_line).unwrap_or_else(|| "—".into());
            println!("{:<20} now: {now}\n{:<20} next: {next}", r.channel, "");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn grid(
    args: &ClientArgs,
    db: Option<PathBuf>,
    channels: Option<String>,
    from: Option<&str>,
    hours: f64,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_reader(&db_path(args, db)?)?;
    let from = parse_time(from, &super::clock(args))?;
    let to = from + (hours * 3600.0) as i64;
    let ids: Vec<String> = match channels {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        None => store
            .guide_channels(20)?
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
    };
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let rows = store.grid(&refs, from, to)?;
    if json {
        let out: Vec<_> = ids
            .iter()
            .zip(&rows)
            .map(|(id, cells)| serde_json::json!({ "channel": id, "programmes": cells }))
            .collect();
        println!("{}", serde_json::to_string(&out)?);
    } else {
        for (id, cells) in ids.iter().zip(&rows) {
            println!("{id}");
            for c in cells {
                println!("    {}", cell_line(c));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn search(
    args: &ClientArgs,
    db: Option<PathBuf>,
    text: &str,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_reader(&db_path(args, db)?)?;
    let hits = store.search(text, limit)?;
    if json {
        println!("{}", serde_json::to_string(&hits)?);
    } else {
        for h in &hits {
            println!(
                "{:<20} {}\n{:<20} {}",
                h.cell.channel,
                cell_line(&h.cell),
                "",
                h.snippet
            );
        }
        if hits.is_empty() {
            println!("no programme matches '{text}'");
        }
    }
    Ok(ExitCode::SUCCESS)
}
