//! CEA-708 (DTVCC) captions: the windows of one caption service, for
//! streams whose captions come only as 708 service data (no CEA-608
//! compatibility bytes).
//!
//! `cea708-types` reassembles the caption channel packets and parses the
//! service blocks into codes; this module keeps the decoder's window model
//! (CTA-708-E §8.4): up to eight windows, each defined, shown, hidden,
//! cleared or deleted by command, with a pen that text is written at.
//! Colours, fonts, justification and window positions are not drawn: the
//! visible windows' text is shown by the player's caption overlay, like
//! CEA-608 captions, highest priority first.

use cea708_types::CCDataParser;
use cea708_types::tables::{Code, WindowBits};

/// The primary caption service (the one a viewer means by "captions").
pub const PRIMARY_SERVICE: u8 = 1;

/// A window's size when a stream writes to one it never defined.
const MAX_ROWS: usize = 15;

#[derive(Debug, Clone, Default)]
struct Window {
    defined: bool,
    visible: bool,
    priority: u8,
    rows: Vec<Vec<char>>,
    row: usize,
    column: usize,
}

impl Window {
    fn clear(&mut self) {
        self.rows.iter_mut().for_each(Vec::clear);
    }

    fn put(&mut self, c: char) {
        let Some(line) = self.rows.get_mut(self.row) else {
            return;
        };
        if line.len() <= self.column {
            line.resize(self.column, ' ');
            line.push(c);
        } else {
            line[self.column] = c;
        }
        self.column += 1;
    }

    /// The next row; the window scrolls up at its bottom.
    fn carriage_return(&mut self) {
        if self.row + 1 < self.rows.len() {
            self.row += 1;
        } else if !self.rows.is_empty() {
            self.rows.remove(0);
            self.rows.push(Vec::new());
        }
        self.column = 0;
    }

    fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.rows
            .iter()
            .map(|r| r.iter().collect::<String>().trim().to_string())
            .filter(|l| !l.is_empty())
    }
}

/// What one caption service shows, fed `cc_data` frame by frame.
#[derive(Debug)]
pub struct ServiceScreen {
    service: u8,
    parser: CCDataParser,
    windows: [Window; 8],
    current: Option<usize>,
    /// Service data for this service has been seen.
    found: bool,
}

impl Default for ServiceScreen {
    fn default() -> Self {
        ServiceScreen::new(PRIMARY_SERVICE)
    }
}

impl ServiceScreen {
    pub fn new(service: u8) -> Self {
        ServiceScreen {
            service,
            parser: CCDataParser::new(),
            windows: Default::default(),
            current: None,
            found: false,
        }
    }

    /// Whether the stream has carried this service.
    pub fn found(&self) -> bool {
        self.found
    }

    /// Takes one frame's `cc_data` triplets (as the caption meta holds
    /// them, without the cc_data header); returns the shown lines when they
    /// changed. Damaged data is skipped, as a decoder on air does.
    pub fn push_cc_data(&mut self, triplets: &[u8]) -> Option<Vec<String>> {
        let before = self.lines();
        // A cc_data header counts at most 31 triplets.
        for chunk in triplets.chunks(31 * 3) {
            let count = chunk.len() / 3;
            if count == 0 {
                continue;
            }
            let mut data = Vec::with_capacity(2 + count * 3);
            data.extend([0xC0 | count as u8, 0xFF]);
            data.extend_from_slice(&chunk[..count * 3]);
            if let Err(e) = self.parser.push(&data) {
                tracing::debug!("CEA-708 data skipped: {e}");
                continue;
            }
            while let Some(packet) = self.parser.pop_packet() {
                for service in packet.services() {
                    if service.number() == self.service {
                        self.found = true;
                        for code in service.codes() {
                            self.apply(code);
                        }
                    }
                }
            }
        }
        let after = self.lines();
        (after != before).then_some(after)
    }

    /// The visible windows' non-empty rows, highest priority (0) first.
    pub fn lines(&self) -> Vec<String> {
        let mut shown: Vec<&Window> = self
            .windows
            .iter()
            .filter(|w| w.defined && w.visible)
            .collect();
        shown.sort_by_key(|w| w.priority);
        shown.iter().flat_map(|w| w.lines()).collect()
    }

    fn each(&mut self, bits: &WindowBits, f: impl Fn(&mut Window)) {
        let bits = u8::from(*bits);
        for (i, w) in self.windows.iter_mut().enumerate() {
            if bits & (1 << i) != 0 && w.defined {
                f(w);
            }
        }
    }

    fn window(&mut self) -> Option<&mut Window> {
        let i = self.current?;
        Some(&mut self.windows[i]).filter(|w| w.defined)
    }

    fn apply(&mut self, code: &Code) {
        match code {
            Code::SetCurrentWindow0 => self.current = Some(0),
            Code::SetCurrentWindow1 => self.current = Some(1),
            Code::SetCurrentWindow2 => self.current = Some(2),
            Code::SetCurrentWindow3 => self.current = Some(3),
            Code::SetCurrentWindow4 => self.current = Some(4),
            Code::SetCurrentWindow5 => self.current = Some(5),
            Code::SetCurrentWindow6 => self.current = Some(6),
            Code::SetCurrentWindow7 => self.current = Some(7),
            Code::DefineWindow(args) => {
                let i = (args.window_id as usize).min(7);
                let rows = (args.row_count as usize + 1).min(MAX_ROWS);
                let w = &mut self.windows[i];
                if !w.defined {
                    // A new window starts empty with its pen at the top left.
                    *w = Window {
                        defined: true,
                        ..Default::default()
                    };
                }
                // Redefining keeps the text; a smaller window keeps its bottom rows.
                while w.rows.len() > rows {
                    w.rows.remove(0);
                    w.row = w.row.saturating_sub(1);
                }
                w.rows.resize(rows, Vec::new());
                w.visible = args.visible;
                w.priority = args.priority;
                self.current = Some(i);
            }
            Code::ClearWindows(bits) => self.each(bits, Window::clear),
            Code::DisplayWindows(bits) => self.each(bits, |w| w.visible = true),
            Code::HideWindows(bits) => self.each(bits, |w| w.visible = false),
            Code::ToggleWindows(bits) => self.each(bits, |w| w.visible = !w.visible),
            Code::DeleteWindows(bits) => {
                self.each(bits, |w| *w = Window::default());
            }
            Code::Reset => {
                self.windows = Default::default();
                self.current = None;
            }
            Code::SetPenLocation(args) => {
                if let Some(w) = self.window() {
                    w.row = (args.row as usize).min(w.rows.len().saturating_sub(1));
                    w.column = args.column as usize;
                }
            }
            Code::CR => {
                if let Some(w) = self.window() {
                    w.carriage_return();
                }
            }
            Code::HCR => {
                if let Some(w) = self.window() {
                    let row = w.row;
                    if let Some(line) = w.rows.get_mut(row) {
                        line.clear();
                    }
                    w.column = 0;
                }
            }
            Code::FF => {
                if let Some(w) = self.window() {
                    w.clear();
                    w.row = 0;
                    w.column = 0;
                }
            }
            Code::BS => {
                if let Some(w) = self.window()
                    && w.column > 0
                {
                    w.column -= 1;
                    let (row, column) = (w.row, w.column);
                    if let Some(line) = w.rows.get_mut(row)
                        && column < line.len()
                    {
                        line.remove(column);
                    }
                }
            }
            other => {
                if let Some(c) = other.char()
                    && let Some(w) = self.window()
                {
                    w.put(c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cea708_types::tables::{Anchor, DefineWindowArgs, SetPenLocationArgs};
    use cea708_types::{CCDataWriter, DTVCCPacket, Framerate};

    fn define(id: u8, visible: bool) -> Code {
        Code::DefineWindow(DefineWindowArgs::new(
            id,
            0,
            Anchor::BottomMiddle,
            false,
            70,
            105,
            1,
            31,
            true,
            true,
            visible,
            1,
            1,
        ))
    }

    fn text(s: &str) -> Vec<Code> {
        s.chars().filter_map(Code::from_char).collect()
    }

    /// Writes `codes` as service `service` into cc_data frames (25 fps) and
    /// feeds them to `screen`; returns every change shown.
    fn feed(screen: &mut ServiceScreen, service: u8, codes: &[Code]) -> Vec<Vec<String>> {
        let mut writer = CCDataWriter::default();
        let mut packet = DTVCCPacket::new(0);
        let mut seq = 0;
        for code in codes {
            if packet.push_code(service, code.clone()).is_err() {
                writer.push_packet(packet);
                seq = (seq + 1) % 4;
                packet = DTVCCPacket::new(seq);
                packet.push_code(service, code.clone()).unwrap();
            }
        }
        writer.push_packet(packet);
        let mut shown = Vec::new();
        for _ in 0..20 {
            let mut frame = Vec::new();
            writer.write(Framerate::new(25, 1), &mut frame).unwrap();
            if let Some(lines) = screen.push_cc_data(&frame[2..]) {
                shown.push(lines);
            }
        }
        shown
    }

    #[test]
    fn a_hidden_window_shows_its_text_at_once_when_toggled() {
        let mut screen = ServiceScreen::default();
        let mut codes = vec![define(0, false), Code::ClearWindows(WindowBits::ZERO)];
        codes.push(Code::SetPenLocation(SetPenLocationArgs::new(0, 0)));
        codes.extend(text("Order, order."));
        codes.push(Code::CR);
        codes.extend(text("The meeting is open."));
        codes.push(Code::ToggleWindows(WindowBits::ZERO.or(WindowBits::ONE)));
        let shown = feed(&mut screen, 1, &codes);
        assert_eq!(
            shown,
            vec![vec![
                "Order, order.".to_string(),
                "The meeting is open.".to_string()
            ]]
        );
        assert!(screen.found());
    }

    #[test]
    fn a_visible_window_paints_on_and_scrolls_at_its_bottom() {
        let mut screen = ServiceScreen::default();
        let mut codes = vec![define(2, true)];
        for line in ["one", "two", "three"] {
            codes.extend(text(line));
            codes.push(Code::CR);
        }
        feed(&mut screen, 1, &codes);
        // Two rows (row_count 1 + 1): "one" scrolled away, the pen on a fresh row.
        assert_eq!(screen.lines(), vec!["three".to_string()]);
        feed(&mut screen, 1, &[Code::HideWindows(WindowBits::TWO)]);
        assert!(screen.lines().is_empty());
        feed(&mut screen, 1, &[Code::DisplayWindows(WindowBits::TWO)]);
        assert_eq!(screen.lines(), vec!["three".to_string()]);
        feed(&mut screen, 1, &[Code::DeleteWindows(WindowBits::TWO)]);
        assert!(screen.lines().is_empty());
    }

    #[test]
    fn other_services_and_undefined_windows_are_ignored() {
        let mut screen = ServiceScreen::default();
        let mut codes = vec![define(0, true)];
        codes.extend(text("secondary language"));
        assert!(feed(&mut screen, 2, &codes).is_empty());
        assert!(!screen.found());
        // Text before any window is defined has nowhere to go.
        let mut codes = text("lost");
        codes.extend([define(1, true), Code::SetCurrentWindow1]);
        codes.extend(text("kept"));
        feed(&mut screen, 1, &codes);
        assert_eq!(screen.lines(), vec!["kept".to_string()]);
    }

    #[test]
    fn damaged_data_is_skipped() {
        let mut screen = ServiceScreen::default();
        // A DTVCC packet start announcing more than follows, then garbage.
        assert_eq!(screen.push_cc_data(&[0xff, 0x3f, 0x21, 0xfe, 0x41]), None);
        assert_eq!(screen.push_cc_data(&[0xfe, 0xff, 0xff]), None);
        assert!(screen.lines().is_empty());
    }
}
