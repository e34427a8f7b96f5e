//! `hustings demo --headless DIR`: the scripted remote-control tour, end to end.

mod common;

use std::process::Command;

use hustings::headend::DEMO_CHANNELS;

fn read_png(path: &std::path::Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height, buf)
}

/// Distinct colours in the video area above the banner. Without a video
/// frame the live screen there is plain black.
fn video_area_colours(w: u32, h: u32, rgb: &[u8]) -> usize {
    let mut seen = std::collections::HashSet::new();
    for y in (0..h * 7 / 10).step_by(3) {
        for x in (0..w).step_by(3) {
            let i = ((y * w + x) * 3) as usize;
            seen.insert((rgb[i], rgb[i + 1], rgb[i + 2]));
        }
    }
    seen.len()
}

#[test]
fn the_headless_tour_zaps_every_channel_and_writes_pictures() {
    let out = common::scratch("tour-out");
    let state = common::scratch("tour-state");
    let run = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .args([
            "--state",
            state.to_str().unwrap(),
            "--clock-start",
            &common::CLOCK_START.to_string(),
            "demo",
            "--headless",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "tour failed:\n{}\n{}",
        stdout,
        String::from_utf8_lossy(&run.stderr)
    );

    let zaps: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    assert_eq!(
        zaps.len(),
        DEMO_CHANNELS.len() + 1,
        "start + one zap per channel"
    );
    for z in &zaps {
        assert!(z["first_frame_ms"].as_u64().is_some_and(|ms| ms > 0), "{z}");
        assert!(!z["url"].as_str().unwrap().is_empty(), "{z}");
    }
    let seen: std::collections::HashSet<_> = zaps
        .iter()
        .map(|z| z["channel"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen.len(), DEMO_CHANNELS.len(), "every channel was shown");

    let mut pngs: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    pngs.sort();
    assert!(
        pngs.iter()
            .any(|p| p.to_string_lossy().ends_with("guide.png")),
        "{pngs:?}"
    );
    for p in pngs
        .iter()
        .filter(|p| p.to_string_lossy().contains("zap") || p.to_string_lossy().contains("start"))
    {
        let (w, h, rgb) = read_png(p);
        assert_eq!((w, h), (1920, 1080), "{}", p.display());
        let colours = video_area_colours(w, h, &rgb);
        assert!(
            colours > 3,
            "{} looks blank ({colours} colours in the video area)",
            p.display()
        );
    }
}
