//! Closed captions for a demo channel: a scripted town-hall transcript,
//! sent as pop-on captions on CEA-608 CC1, on CEA-708 service 1, or both (as
//! broadcasters send them: the 608 bytes first in each frame's `cc_data`).
//!
//! A thread feeds `cc_data` (one field-1 byte pair per frame, then the
//! frame's share of the 708 caption channel) into the sender's
//! `appsrc name=captions`, which `cccombiner` attaches to the video frames;
//! x264enc writes them into the H.264 SEI, where broadcast captions live.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cea608_types::Cea608Writer;
use cea608_types::tables::{
    Channel, Code, Control, ControlCode, Field, PreambleAddressCode, PreambleType,
};
use cea708_types::tables::{
    Anchor, Code as Code708, DefineWindowArgs, SetPenLocationArgs, WindowBits,
};
use cea708_types::{CCDataWriter, DTVCCPacket, Framerate};
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

/// How a demo channel carries its captions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptionFormat {
    /// CEA-608 CC1 only.
    Cea608,
    /// CEA-708 service 1 only, with no 608 compatibility bytes.
    Cea708,
    /// Both, as a broadcast carries them.
    Both,
}

impl CaptionFormat {
    fn has_608(self) -> bool {
        self != CaptionFormat::Cea708
    }

    fn has_708(self) -> bool {
        self != CaptionFormat::Cea608
    }
}

/// Feeds captions into `appsrc` until stopped or the pipeline goes away.
pub(crate) fn spawn(
    appsrc: gst_app::AppSrc,
    stop: Arc<AtomicBool>,
    format: CaptionFormat,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut frames = CcDataFrames::new(format);
        let frame = Duration::from_millis(40);
        let mut next = std::time::Instant::now();
        loop {
            if stop.load(Ordering::Acquire) {
                break;
            }
            let buffer = gst::Buffer::from_slice(frames.next_frame());
            if appsrc.push_buffer(buffer).is_err() {
                break;
            }
            next += frame;
            std::thread::sleep(next.saturating_duration_since(std::time::Instant::now()));
        }
    })
}

/// The `cc_data` triplets of each frame, the script going round.
pub struct CcDataFrames {
    format: CaptionFormat,
    frame: u64,
    cea608: Cea608Writer,
    cea708: CCDataWriter,
    /// DTVCC packet sequence number (0 to 3).
    sequence: u8,
}

impl CcDataFrames {
    pub fn new(format: CaptionFormat) -> Self {
        let mut cea708 = CCDataWriter::default();
        // A 708 stream fills its share of every frame, padding included.
        cea708.set_output_padding(true);
        CcDataFrames {
            format,
            frame: 0,
            cea608: Cea608Writer::default(),
            cea708,
            sequence: 0,
        }
    }

    /// The next frame's triplets (without the cc_data header, as the caption
    /// meta carries them).
    pub fn next_frame(&mut self) -> Vec<u8> {
        if self.frame % FRAMES_PER_CAPTION == 0 {
            let n = self.frame / FRAMES_PER_CAPTION;
            let line = SCRIPT[n as usize % SCRIPT.len()];
            if self.format.has_608() {
                for code in pop_on(line) {
                    self.cea608.push(code);
                }
            }
            if self.format.has_708() {
                self.push_708(&pop_on_708(line, (n % 2) as u8));
            }
        }
        self.frame += 1;
        let mut triplets = Vec::new();
        if self.format.has_608() {
            let [a, b] = self.cea608.pop();
            // cc_valid, cc_type 0 (field 1).
            triplets.extend([0xfc, a, b]);
        }
        if self.format.has_708() {
            let mut data = Vec::new();
            // Writing to a Vec cannot fail.
            let _ = self.cea708.write(Framerate::new(25, 1), &mut data);
            triplets.extend(data.get(2..).unwrap_or_default());
        }
        triplets
    }

    fn push_708(&mut self, codes: &[Code708]) {
        let mut packet = DTVCCPacket::new(self.sequence);
        for code in codes {
            if packet.push_code(1, code.clone()).is_err() {
                self.cea708.push_packet(packet);
                self.sequence = (self.sequence + 1) % 4;
                packet = DTVCCPacket::new(self.sequence);
                // One code always fits an empty packet.
                let _ = packet.push_code(1, code.clone());
            }
        }
        self.cea708.push_packet(packet);
        self.sequence = (self.sequence + 1) % 4;
    }
}

/// One pop-on caption in CEA-708: written into a hidden window (0 or 1 in
/// turn) and shown by toggling both, so the old caption goes as the new one
/// appears.
fn pop_on_708(text: &str, window: u8) -> Vec<Code708> {
    let rows = wrap(text, 32);
    let rows = &rows[..rows.len().min(4)];
    let define = DefineWindowArgs::new(
        window,
        0,
        Anchor::BottomMiddle,
        true,
        95,
        50,
        rows.len().saturating_sub(1) as u8,
        31,
        true,
        true,
        false,
        1,
        1,
    );
    let mut codes = vec![
        Code708::DefineWindow(define),
        Code708::ClearWindows(WindowBits::from_window_id(window)),
        Code708::SetPenLocation(SetPenLocationArgs::new(0, 0)),
    ];
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            codes.push(Code708::CR);
        }
        codes.extend(row.chars().filter_map(Code708::from_char));
    }
    codes.push(Code708::ToggleWindows(WindowBits::ZERO.or(WindowBits::ONE)));
    codes
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

    /// What the player's decoders show, frame by frame, for a format.
    fn shown(format: CaptionFormat, decode_708: bool) -> Vec<String> {
        use crate::player::captions::field1_pairs;
        use crate::player::captions708::ServiceScreen;
        let mut frames = CcDataFrames::new(format);
        let (mut cc1, mut service1) = (CaptionScreen::default(), ServiceScreen::default());
        let mut shown = Vec::new();
        for _ in 0..FRAMES_PER_CAPTION * SCRIPT.len() as u64 {
            let data = frames.next_frame();
            assert!(data.len() % 3 == 0 && data.len() / 3 <= 31, "{data:?}");
            let changed = if decode_708 {
                service1.push_cc_data(&data)
            } else {
                assert!(field1_pairs(&data).count() <= 1);
                cc1.push_cc_data(&data)
            };
            if let Some(lines) = changed.filter(|l| !l.is_empty()) {
                shown.push(lines.join(" "));
            }
        }
        shown
    }

    #[test]
    fn each_format_carries_the_whole_script() {
        assert_eq!(shown(CaptionFormat::Cea608, false), SCRIPT);
        assert_eq!(shown(CaptionFormat::Cea708, true), SCRIPT);
        assert_eq!(shown(CaptionFormat::Both, false), SCRIPT);
        assert_eq!(shown(CaptionFormat::Both, true), SCRIPT);
        // No 608 bytes at all in a 708-only stream.
        let mut frames = CcDataFrames::new(CaptionFormat::Cea708);
        for _ in 0..100 {
            let data = frames.next_frame();
            assert_eq!(crate::player::captions::field1_pairs(&data).count(), 0);
        }
    }

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
