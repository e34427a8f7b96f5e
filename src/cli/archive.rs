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
    let http = HttpClient::for_config(&config)?;
    let gate = super::trust_gate(&config)?;
    for url in &config.feeds.archive {
        if let Some(problem) = rt.block_on(crate::feeds::refresh_archive(
            &http,
            &db,
            url,
            Some(&gate),
            config.transparency.jurisdiction,
        )) {
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

/// `hustings archive download ID`: returns when the item is complete and verified.
pub fn download(args: &ClientArgs, id: &str, json: bool) -> anyhow::Result<ExitCode> {
    use crate::archive::download;
    let config = config_from(args)?;
    let store = refreshed(args)?;
    let item = store
        .archive_item(id)?
        .with_context(|| format!("no archive item {id:?} (see `hustings archive list`)"))?;
    let cache = config.cache_dir();
    let budget = config.cache_budget();
    // Room first: the least recently watched items go (pinned ones last).
    let removed = download::evict(&cache, budget, 0, id, |other| {
        store.archive_watched_at(other).ok().flatten()
    })?;
    for r in removed {
        eprintln!("evicted {r} to stay within the cache budget");
    }
    crate::player::init()?;
    let caps = crate::archive::variants::Capabilities {
        bandwidth: None,
        hevc_hardware: crate::player::decoders::has_hardware_decoder("video/x-h265"),
        max_height: None,
    };
    let budget = download::Budget {
        bytes: budget,
        watched_at: download::cached_ids(&cache)
            .into_iter()
            .filter_map(|other| Some((other.clone(), store.archive_watched_at(&other).ok()??)))
            .collect(),
    };
    let rt = runtime()?;
    let http = HttpClient::for_config(&config)?;
    let manifest = rt.block_on(download::download(
        &http,
        &cache,
        &item,
        &caps,
        &budget,
        |done, total| {
            if !json {
                eprintln!("{done}/{total} segments");
            }
        },
    ))?;
    if json {
        println!(
            "{}",
            serde_json::json!({"id": id, "segments": manifest.segments.len(), "bytes": manifest.bytes(), "complete": manifest.complete})
        );
    } else {
        println!(
            "{id}: {} segments, {} bytes, complete",
            manifest.segments.len(),
            manifest.bytes()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `hustings cache status`.
pub fn cache_status(args: &ClientArgs, json: bool) -> anyhow::Result<ExitCode> {
    let config = config_from(args)?;
    let s = crate::archive::download::status(&config.cache_dir(), config.cache_budget());
    if json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        println!(
            "{} items ({} pinned), {} of {} bytes",
            s.items, s.pinned, s.used_bytes, s.budget_bytes
        );
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
    let config = config_from(args)?;
    let cache = config.cache_dir();
    // A downloaded item plays from the cache, no network needed; the cache is
    // served on loopback because hlsdemux2 reads playlists over HTTP only.
    if crate::archive::download::verify(&cache, id).unwrap_or(false) {
        let dir = crate::archive::download::item_dir(&cache, id);
        let server_rt = runtime()?;
        let listener = server_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        server_rt.spawn(crate::net::serve::serve_dir(listener, dir));
        eprintln!("playing {id} from the cache");
        let url = format!("http://{addr}/index.m3u8");
        return super::play::run(args, &url, headless, json, seconds, fullscreen);
    }
    let item = refreshed(args)?
        .archive_item(id)?
        .with_context(|| format!("no archive item {id:?} (see `hustings archive list`)"))?;
    let url = variant_for(&HttpClient::for_config(&config)?, &item.hls)?;
    super::play::run(args, &url, headless, json, seconds, fullscreen)
}

/// The variant to play when `hls` is a master playlist (else `hls` itself):
/// the best the connection carries, skipping HEVC without a hardware decoder.
fn variant_for(http: &HttpClient, hls: &str) -> anyhow::Result<String> {
    use crate::archive::variants::{Capabilities, choose, variants};
    let rt = runtime()?;
    let body = rt.block_on(http.fetch(hls))?;
    let base = url::Url::parse(hls)?;
    let Some(all) = variants(&body, &base)? else {
        return Ok(hls.to_string());
    };
    crate::player::init()?;
    let caps = Capabilities {
        // Not measured yet (a playlist of a few hundred bytes says nothing
        // about throughput): the best variant this box plays well.
        bandwidth: None,
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
