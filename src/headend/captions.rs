//! CEA-608 closed captions for a demo channel: a scripted town-hall
//! transcript, sent as pop-on captions on CC1.
//!
//! A thread feeds `cc_data` (one field-1 byte pair per frame) into the
//! sender's `appsrc name=captions`, which `cccombiner` attaches to the video
//! frames; x264enc writes them into the H.264 SEI, where broadcast captions
//! live.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cea608_types::Cea608Writer;
use cea608_types::tables::{
    Channel, Code, Control, ControlCode, Field, PreambleAddressCode, PreambleType,
};
use gstreamer as gst;
use gstreamer_app as gst_app;

/// What the council channel's captions say, one caption every two seconds.
pub const SCRIPT: &[&str] = &[
    "CHAIR: Order, order. The meeting is open.",
    "Item one: library opening hours.",
    "CLLR PATEL: We propose Sunday openings.",
    "Questions from residents follow.",
];

/// Frames per caption (25 fps: two seconds).
const FRAMES_PER_CAPTION: u64 = 50;

/// The caps the sender's caption appsrc is created with.
pub const CAPS: &str = "closedcaption/x-cea-708,format=cc_data,framerate=25/1";

/// Feeds captions into `appsrc` until stopped or the pipeline goes away.
pub(crate) fn spawn(appsrc: gst_app::AppSrc, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut writer = Cea608Writer::default();
        let frame = Duration::from_millis(40);
        let mut next = std::time::Instant::now();
        for n in 0u64.. {
            if stop.load(Ordering::Acquire) {
                break;
            }
            if n % FRAMES_PER_CAPTION == 0 {
                let line = SCRIPT[(n / FRAMES_PER_CAPTION) as usize % SCRIPT.len()];
                for code in pop_on(line) {
                    writer.push(code);
                }
            }
            let [a, b] = writer.pop();
            // cc_valid, cc_type 0 (field 1).
            let buffer = gst::Buffer::from_slice([0xfc, a, b]);
            if appsrc.push_buffer(buffer).is_err() {
                break;
            }
            next += frame;
            std::thread::sleep(next.saturating_duration_since(std::time::Instant::now()));
        }
    })
}

fn control(c: Control) -> Code {
    Code::Control(ControlCode::new(Field::ONE, Channel::ONE, c))
}

/// The codes of one pop-on caption, wrapped at words into rows of 32 (the
/// CEA-608 screen width) that end on the bottom row; control codes twice, as
/// broadcasters send them (a decoder drops the repeat).
fn pop_on(text: &str) -> Vec<Code> {
    let rows = wrap(text, 32);
    let mut codes = Vec::new();
    let twice = |codes: &mut Vec<Code>, c: Control| {
        let c = control(c);
        codes.extend([c, c]);
    };
    twice(&mut codes, Control::ResumeCaptionLoading);
    twice(&mut codes, Control::EraseNonDisplayedMemory);
    let first_row = 15 - rows.len().min(4) as u8;
    for (i, row) in rows.iter().take(4).enumerate() {
        let preamble = PreambleAddressCode::new(first_row + i as u8, false, PreambleType::Indent0);
        twice(&mut codes, Control::PreambleAddress(preamble));
        codes.extend(row.chars().filter_map(|c| Code::from_char(c, Channel::ONE)));
    }
    twice(&mut codes, Control::EndOfCaption);
    codes
}

/// Splits `text` at spaces into rows of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match rows.last_mut() {
            Some(row) if row.chars().count() + 1 + word.chars().count() <= width => {
                row.push(' ');
                row.push_str(word);
            }
            _ => rows.push(word.chars().take(width).collect()),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::captions::CaptionScreen;

    #[test]
    fn the_script_decodes_line_by_line() {
        let mut writer = Cea608Writer::default();
        let mut screen = CaptionScreen::default();
        let mut shown = Vec::new();
        for line in SCRIPT {
            for code in pop_on(line) {
                writer.push(code);
            }
            while writer.n_codes() > 0 {
                if let Some(lines) = screen.push(writer.pop()) {
                    shown.push(lines.join(" "));
                }
            }
        }
        assert_eq!(shown, SCRIPT);
        assert_eq!(
            wrap("CLLR PATEL: We propose Sunday openings.", 32),
            ["CLLR PATEL: We propose Sunday", "openings."]
        );
    }
}
