//! Reference screenshots: the menu in each look (normal, large text, high
//! contrast, Spanish) and the Channels screen, compared with the
//! images in tests/reference/ with a tolerance (a pixel counts as changed
//! when a channel moves by more than 24; at most 0.5% may change).
//! `HUSTINGS_UPDATE_REFERENCE=1 cargo test --test ui_reference` rewrites them
//! after an intended change; look at them before committing.

mod common;

use std::path::{Path, PathBuf};

// The Archive screen is left out: what it lists depends on when the demo
// archive's catalogue is ready.
const SHOTS: [&str; 5] = [
    "menu",
    "channels",
    "menu-large",
    "menu-contrast",
    "menu-spanish",
];

const SCRIPT: &str = "Menu\nshot menu\nDown\nDown\nOk\nshot channels\nBack\nDown\nOk\nshot archive\nBack\n\
    Down\nOk\nDown\nRight\nBack\nshot menu-large\n\
    Ok\nDown\nRight\nDown\nRight\nBack\nshot menu-contrast\n\
    Ok\nDown\nDown\nRight\nUp\nUp\nRight\nBack\nshot menu-spanish\n";

fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Share of pixels that differ beyond the per-channel tolerance.
fn changed_share(a: &Path, b: &Path) -> f64 {
    let (wa, ha, pa) = read_png(a);
    let (wb, hb, pb) = read_png(b);
    assert_eq!(
        (wa, ha),
        (wb, hb),
        "{} and {} differ in size",
        a.display(),
        b.display()
    );
    let changed = pa
        .chunks_exact(3)
        .zip(pb.chunks_exact(3))
        .filter(|(x, y)| x.iter().zip(y.iter()).any(|(p, q)| p.abs_diff(*q) > 24))
        .count();
    changed as f64 / (pa.len() / 3) as f64
}

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(format!("{name}.png"))
}

#[test]
fn screens_match_their_reference_images() {
    let state = common::scratch("reference-state");
    let out = common::scratch("reference-out");
    let run = common::demo_script(&state, &out, SCRIPT);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let update = std::env::var_os("HUSTINGS_UPDATE_REFERENCE").is_some();
    let mut failures = Vec::new();
    for name in SHOTS {
        let shot = out.join(format!("{name}.png"));
        let want = reference(name);
        if update {
            std::fs::copy(&shot, &want).unwrap();
            continue;
        }
        assert!(
            want.exists(),
            "{} is missing; run with HUSTINGS_UPDATE_REFERENCE=1 and look at it",
            want.display()
        );
        let share = changed_share(&shot, &want);
        if share > 0.005 {
            failures.push(format!(
                "{name}: {:.2}% of pixels changed (see {})",
                share * 100.0,
                shot.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The looks really differ from each other.
    for (a, b) in [
        ("menu", "menu-large"),
        ("menu", "menu-contrast"),
        ("menu", "menu-spanish"),
    ] {
        let share = changed_share(&reference(a), &reference(b));
        assert!(share > 0.01, "{a} and {b} look the same ({share})");
    }
}
