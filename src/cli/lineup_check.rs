//! `hustings lineup check FILE|URL`.

use std::process::ExitCode;

use super::runtime;
use crate::lineup::parse_bytes;
use crate::net::HttpClient;

pub fn run(source: &str, json: bool) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let http = HttpClient::new()?;
    let body = rt.block_on(http.fetch(source))?;
    let lineup = parse_bytes(&body, source)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&lineup)?);
    } else {
        println!(
            "{source}: {} channels, {} warnings",
            lineup.channels.len(),
            lineup.warnings.len()
        );
        if let Some(g) = lineup.guide_url() {
            println!("guide: {g}");
        }
        for ch in &lineup.channels {
            println!("{:>5}  {:<32} {}", ch.number, ch.name, ch.url);
            for f in &ch.fallback_urls {
                println!("{:>5}  {:<32} {f} (fallback)", "", "");
            }
        }
        for w in &lineup.warnings {
            println!("{source}:{w}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
