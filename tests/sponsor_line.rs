//! The sponsor line's size on screen (issue 8, transparency labels): on the
//! "Press RED" prompt, on the open poll and on a speech playing from the
//! archive, the band is at least 4% of the picture's height. Measured on
//! the rendered 1080p screenshots: the band's marker (`Theme.sponsor-mark`,
//! a colour nothing else uses in the normal look) runs down its whole left
//! edge, so its tallest run of pixels is the band's height.

mod common;

use std::path::Path;

const MARK: [u8; 3] = [0xff, 0xd4, 0x00];

/// The tallest vertical run of the marker's colour in a screenshot, and the
/// picture's height.
fn mark_height(path: &Path) -> (usize, usize) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    let (w, h) = (info.width as usize, info.height as usize);
    let px = |x: usize, y: usize| &buf[(y * w + x) * 3..(y * w + x) * 3 + 3];
    let mut best = 0;
    for x in 0..w {
        let mut run = 0;
        for y in 0..h {
            if px(x, y) == MARK {
                run += 1;
                best = best.max(run);
            } else {
                run = 0;
            }
        }
    }
    (best, h)
}

#[test]
fn the_sponsor_band_is_at_least_four_percent_of_the_picture_on_overlays_and_playback() {
    let state = common::scratch("sponsor-line-state");
    let out = common::scratch("sponsor-line-out");
    // The prompt, the poll open, then the archive's first speech (sponsored
    // in the demo) playing.
    let script = "wait 5000\nshot prompt\nRed\nshot poll\nBack\n\
        Menu\nDown\nDown\nDown\nOk\nOk\nwait 3000\nshot playback\n";
    let run = common::demo_script(&state, &out, script);
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    for shot in ["prompt", "poll", "playback"] {
        let (band, height) = mark_height(&out.join(format!("{shot}.png")));
        assert!(
            band as f64 >= 0.04 * height as f64,
            "{shot}: the sponsor band is {band} px of a {height} px picture (under 4%)"
        );
    }
}
