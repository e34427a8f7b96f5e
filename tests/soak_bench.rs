//! Smoke test of `hustings bench soak --quick`: the bench runs every
//! activity (zaps, guide and lineup refreshes, poll overlays, an archive
//! play with seeks) in one app process and reports every figure. It checks
//! that the figures are there and plausible, not the goals: those are
//! measured by the full run in a release build (`make soak`).

use std::process::Command;

#[test]
fn the_quick_soak_runs_every_activity_and_reports_every_figure() {
    let out = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args(["bench", "soak", "--quick", "--json"])
        .env("HUSTINGS_LOG", "warn")
        .output()
        .expect("hustings runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench soak failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = stdout
        .lines()
        .find_map(|l| {
            serde_json::from_str(l)
                .ok()
                .filter(|v: &serde_json::Value| v.get("samples").is_some())
        })
        .unwrap_or_else(|| panic!("no JSON report in:\n{stdout}"));
    let samples = report["samples"].as_array().expect("samples");
    assert!(samples.len() >= 2, "warm-up and end at least: {report}");
    for s in samples {
        for figure in ["rss_mb", "fds", "threads", "elements", "wal_mb"] {
            assert!(s[figure].is_number(), "{figure} missing in {s}");
        }
        assert!(s["rss_mb"].as_f64().unwrap() > 10.0, "{s}");
        assert!(s["fds"].as_u64().unwrap() > 3, "{s}");
        assert!(s["threads"].as_u64().unwrap() > 1, "{s}");
        // The player's playbin3 is alive at every sample.
        assert!(s["elements"].as_u64().unwrap() > 5, "{s}");
    }
    for delta in ["rss_mb", "fds", "threads", "elements", "wal_mb"] {
        assert!(
            report["delta"][delta].is_number(),
            "delta {delta}: {report}"
        );
    }
    for goal in ["rss", "fds", "threads", "elements", "wal"] {
        assert!(report["goals"][goal].is_boolean(), "goal {goal}: {report}");
    }
    let counts = &report["counts"];
    for activity in [
        "zaps",
        "guide_refreshes",
        "lineup_refreshes",
        "overlays",
        "archive_plays",
    ] {
        assert!(
            counts[activity].as_u64().unwrap_or(0) > 0,
            "{activity} never ran: {counts}"
        );
    }
    assert_eq!(counts["failed_zaps"], 0, "{counts}");
}
