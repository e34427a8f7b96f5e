//! `hustings lineup check FILE|URL`.

use std::process::ExitCode;

use super::{ClientArgs, config_from, runtime};
use crate::lineup::parse_bytes;
use crate::net::HttpClient;

pub fn run(args: &ClientArgs, source: &str, json: bool) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    // Plain HTTP and certificate pins as the box would fetch it.
    let http = HttpClient::for_config(&config_from(args)?)?;
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
            let mut tags = Vec::new();
            if ch.radio {
                tags.push("radio".to_string());
            }
            if let Some(id) = &ch.guide_id {
                tags.push(format!("guide {id}"));
            }
            if ch.guide_shift_secs != 0 {
                tags.push(format!("shift {:+} min", ch.guide_shift_secs / 60));
            }
            if let Some(mode) = ch.catchup.mode.filter(|_| ch.catchup.is_enabled()) {
                tags.push(format!(
                    "catch-up {mode:?} {} days",
                    ch.catchup.days.unwrap_or(0)
                ));
            }
            if !ch.http_headers.is_empty() {
                tags.push(format!(
                    "headers {}",
                    ch.http_headers
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(",")
                ));
            }
            if !ch.groups.is_empty() {
                tags.push(format!("groups {}", ch.groups.join(";")));
            }
            println!("{:>5}  {:<32} {}", ch.number, ch.name, ch.url);
            if let Some(m) = ch.multicast_url.as_deref().filter(|m| *m != ch.url) {
                println!("{:>5}  {:<32} {m} (multicast, via udpxy)", "", "");
            }
            for f in &ch.fallback_urls {
                println!("{:>5}  {:<32} {f} (fallback)", "", "");
            }
            if !tags.is_empty() {
                println!("{:>5}  {:<32} [{}]", "", "", tags.join("; "));
            }
        }
        for w in &lineup.warnings {
            println!("{source}:{w}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
