//! `hustings bench guide`: import speed, memory and query latency on a
//! seeded generated guide, with `xmllint --stream` reading the same file in
//! the same run as the yardstick.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::feeds::{OnBadSource, import_paths};
use crate::headend::guide_gen::{GuideSpec, write_guide};
use crate::store::Store;

/// Resident memory figures from /proc (kB).
fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resets the kernel's peak-RSS mark for this process (Linux 4.0+).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Turns each of import, parse and xmllint takes.
const ROUNDS: usize = 3;

fn percentiles(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort_unstable();
    let at = |p: f64| {
        v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.95), at(1.0))
}

pub fn run(scale: usize, seed: u64, keep: Option<&Path>) -> anyhow::Result<ExitCode> {
    let tmp = tempfile::tempdir().context("temporary directory")?;
    let dir = keep.unwrap_or(tmp.path());
    std::fs::create_dir_all(dir)?;
    let spec = GuideSpec {
        seed,
        channels: 1000 * scale,
        days: 7,
        start: chrono::Utc::now().timestamp() - 86_400,
    };
    let xml = dir.join(format!("guide-{}ch-7d.xml", spec.channels));
    let t = Instant::now();
    let generated = {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&xml)?);
        let stats = write_guide(&mut out, &spec)?;
        std::io::Write::flush(&mut out)?;
        // On disk before anything is timed, so no write-back competes with it.
        out.get_ref().sync_all()?;
        stats
    };
    let size_mb = std::fs::metadata(&xml)?.len() as f64 / 1e6;
    println!(
        "generated {} channels, {} programmes, {size_mb:.0} MB (seed {seed}) in {:.1} s",
        generated.channels,
        generated.programmes,
        t.elapsed().as_secs_f64()
    );

    // Import and xmllint take turns, ROUNDS times, and the medians are
    // compared: one slow moment of this shared machine then moves neither.
    let mut xmllint = Vec::new();
    let mut parse = Vec::new();
    let mut import = Vec::new();
    let mut growth_kb = 0u64;
    let mut peak_known = true;
    let mut stored = 0;
    let db = dir.join("bench.sqlite3");
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let ok = Command::new("xmllint")
            .args(["--stream", "--noout"])
            .arg(&xml)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            xmllint.push(t.elapsed());
        }

        // The reader alone, to split the import's time between parsing and storing.
        let t = Instant::now();
        let file = std::fs::File::open(&xml)?;
        crate::guide::read_xmltv(crate::guide::open_decompressed(file)?, "bench", &mut |_| {
            Ok(())
        })?;
        parse.push(t.elapsed());

        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        Store::open(&db)?;
        let baseline_kb = proc_status("VmRSS:").unwrap_or(0);
        peak_known &= reset_peak_rss();
        let t = Instant::now();
        let stats = import_paths(&db, std::slice::from_ref(&xml), OnBadSource::Abort, 0)?;
        import.push(t.elapsed());
        growth_kb = growth_kb.max(
            proc_status("VmHWM:")
                .unwrap_or(0)
                .saturating_sub(baseline_kb),
        );
        stored = stats.programmes;
    }
    let median = |mut v: Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2].as_secs_f64()
    };
    let import = median(import);
    println!(
        "parse only       {:.2} s (median of {ROUNDS})",
        median(parse)
    );
    println!(
        "import           {import:.2} s, {:.0} programmes/s ({stored} stored; median of {ROUNDS})",
        stored as f64 / import
    );
    if xmllint.len() == ROUNDS {
        let x = median(xmllint);
        println!(
            "xmllint --stream {x:.2} s; import/xmllint = {:.2} (medians of {ROUNDS}, taking turns)",
            import / x
        );
    } else {
        println!("xmllint --stream not available (apt-get install libxml2-utils)");
    }
    if peak_known {
        println!(
            "peak RSS growth {:.1} MB during an import (the largest of {ROUNDS})",
            growth_kb as f64 / 1024.0
        );
    } else {
        println!("peak RSS growth unknown (cannot reset the peak mark)");
    }

    let store = Store::open_reader(&db)?;
    let channels: Vec<String> = store
        .guide_channels(usize::MAX)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut grid = Vec::new();
    for i in 0..500usize {
        let first = (i * 37) % channels.len().saturating_sub(20).max(1);
        let ids: Vec<&str> = channels[first..(first + 20).min(channels.len())]
            .iter()
            .map(String::as_str)
            .collect();
        let from = spec.start + ((i * 7919) % (6 * 24)) as i64 * 3600;
        let t = Instant::now();
        let rows = store.grid(&ids, from, from + 4 * 3600)?;
        grid.push(t.elapsed());
        std::hint::black_box(rows);
    }
    let (g50, g95, gmax) = percentiles(grid);
    println!("grid 20 ch x 4 h p50 {g50:.2} ms, p95 {g95:.2} ms, max {gmax:.2} ms (500 queries)");
    let queries = [
        "debate",
        "housing rents",
        "Siân",
        "Δημοτικό",
        "council budget",
        "kandydatów",
        "mayor",
        "transport",
        "ward 7",
        "المرشحين",
    ];
    let mut search = Vec::new();
    for i in 0..200 {
        let t = Instant::now();
        let hits = store.search(queries[i % queries.len()], 20)?;
        search.push(t.elapsed());
        std::hint::black_box(hits);
    }
    let (s50, s95, smax) = percentiles(search);
    println!("search (20 hits) p50 {s50:.2} ms, p95 {s95:.2} ms, max {smax:.2} ms (200 queries)");
    Ok(ExitCode::SUCCESS)
}
