//! `hustings archive list|search|play`: the speech archive from the command
//! line, refreshed from the configured catalogue first (the stored copy when
//! the network fails).

use std::process::ExitCode;

use anyhow::Context;

use super::{ClientArgs, config_from, runtime};
use crate::net::HttpClient;
use crate::store::Store;

/// Refreshes the archive and opens the database.
fn refreshed(args: &ClientArgs) -> anyhow::Result<Store> {
    let config = config_from(args)?;
    let dir = config.state_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let db = Store::path_in(&dir);
    Store::open(&db)?;
    let rt = runtime()?;
    let http = HttpClient::new()?;
    for url in &config.feeds.archive {
        if let Some(problem) = rt.block_on(crate::app::refresh_archive(&http, &db, url)) {
            eprintln!("archive: {problem}");
        }
    }
    Ok(Store::open_reader(&db)?)
}

pub fn list(args: &ClientArgs, json: bool) -> anyhow::Result<ExitCode> {
    let items = refreshed(args)?.archive_items()?;
    if json {
        println!("{}", serde_json::to_string(&items)?);
    } else {
        for i in &items {
            let speakers: Vec<&str> = i.speakers.iter().map(|s| s.name.as_str()).collect();
            println!("{}\t{}\t{}", i.id, i.title, speakers.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn search(args: &ClientArgs, text: &str, json: bool) -> anyhow::Result<ExitCode> {
    let hits = refreshed(args)?.search_archive(text, 50)?;
    if json {
        println!("{}", serde_json::to_string(&hits)?);
    } else {
        for h in &hits {
            match h.at {
                Some(at) => println!("{}\t{:.0}s\t{}", h.id, at, h.snippet),
                None => println!("{}\t\t{}", h.id, h.title),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn play(
    args: &ClientArgs,
    id: &str,
    headless: bool,
    json: bool,
    seconds: Option<f64>,
    fullscreen: bool,
) -> anyhow::Result<ExitCode> {
    let item = refreshed(args)?
        .archive_item(id)?
        .with_context(|| format!("no archive item {id:?} (see `hustings archive list`)"))?;
    super::play::run(args, &item.hls, headless, json, seconds, fullscreen)
}
