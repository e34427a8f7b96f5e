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
    let url = variant_for(&item.hls)?;
    super::play::run(args, &url, headless, json, seconds, fullscreen)
}

/// The variant to play when `hls` is a master playlist (else `hls` itself):
/// the best the connection carries, skipping HEVC without a hardware decoder.
fn variant_for(hls: &str) -> anyhow::Result<String> {
    use crate::archive::variants::{Capabilities, choose, variants};
    let rt = runtime()?;
    let http = HttpClient::new()?;
    let started = std::time::Instant::now();
    let body = rt.block_on(http.fetch(hls))?;
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    let base = url::Url::parse(hls)?;
    let Some(all) = variants(&body, &base)? else {
        return Ok(hls.to_string());
    };
    crate::player::init()?;
    let caps = Capabilities {
        // The playlist's own download is the first throughput measure.
        bandwidth: Some((body.len() as f64 * 8.0 / seconds) as u64),
        hevc_hardware: crate::player::decoders::has_hardware_decoder("video/x-h265"),
        max_height: None,
    };
    let chosen = choose(&all, &caps).context("no variant to play")?;
    eprintln!(
        "variant {} ({} bit/s{})",
        chosen.url,
        chosen.bandwidth,
        chosen
            .codecs
            .as_deref()
            .map(|c| format!(", {c}"))
            .unwrap_or_default()
    );
    Ok(chosen.url.clone())
}
