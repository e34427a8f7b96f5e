//! Closed captions carried in the video (the `cc_data` of H.264/HEVC SEI, or
//! MPEG-2 user data): CEA-608, and CEA-708 where a stream has no 608 bytes
//! (captions708.rs).
//!
//! ```text
//! decoder ─► video-filter: textoverlay ──► video-sink
//!   (caption meta on     probe on its sink pad: cc_data ─► CC1 decoder (this
//!    each frame)         module: screen rows) ─► overlay text, Note::Captions
//! ```
//!
//! Field 1 channel 1 (CC1) is decoded with `cea608-types` into the rows a
//! caption decoder shows (pop-on, roll-up and paint-on). The text is drawn on
//! the picture by the textoverlay (scaled with the picture) and also reported
//! as [`PlayerEvent::Captions`](super::PlayerEvent::Captions), so it can be
//! logged, tested and read out. Captions found in a stream are offered as a
//! subtitle track (`cc1`); they are drawn only while that track is selected.
//!
//! Subtitle streams (DVB bitmaps, WebVTT in HLS, SRT) are playbin3's own
//! tracks, drawn by its subtitle overlay; the text ones are reported too
//! ([`watch_subtitles`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use cea608_types::tables::Channel;
use cea608_types::{Cea608, Cea608State, Mode};
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_video as gst_video;

use super::captions708::ServiceScreen;
use super::phases::{Marks, Note};
use super::{PlayerInitError, ZapId};

/// The track id closed captions are offered under.
pub const CC1: &str = "cc1";

/// A CEA-608 screen is 15 rows of 32 columns.
const ROWS: usize = 15;
const COLUMNS: usize = 32;

type Rows = [Vec<char>; ROWS];

/// The caption rows a CC1 decoder shows, fed one byte pair at a time.
#[derive(Debug, Default)]
pub struct CaptionScreen {
    state: Cea608State,
    mode: Option<Mode>,
    displayed: Rows,
    hidden: Rows,
    row: usize,
    column: usize,
}

impl CaptionScreen {
    /// Takes one CEA-608 byte pair of field 1; returns the displayed lines
    /// when they changed.
    pub fn push(&mut self, pair: [u8; 2]) -> Option<Vec<String>> {
        let before = self.lines();
        let Ok(Some(code)) = self.state.decode(pair) else {
            return None;
        };
        self.apply(code);
        let after = self.lines();
        (after != before).then_some(after)
    }

    /// Takes a `cc_data` payload (3-byte triplets); returns the displayed
    /// lines after the last change in it.
    pub fn push_cc_data(&mut self, data: &[u8]) -> Option<Vec<String>> {
        let mut changed = None;
        for pair in field1_pairs(data) {
            if let Some(lines) = self.push(pair) {
                changed = Some(lines);
            }
        }
        changed
    }

    /// The non-empty displayed rows, top to bottom, trimmed.
    pub fn lines(&self) -> Vec<String> {
        self.displayed
            .iter()
            .map(|r| r.iter().collect::<String>().trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn apply(&mut self, code: Cea608) {
        if code.channel() != Channel::ONE {
            return;
        }
        match code {
            Cea608::Text(t) => {
                if t.needs_backspace {
                    self.backspace();
                }
                for c in [t.char1, t.char2].into_iter().flatten() {
                    self.put(c);
                }
            }
            Cea608::NewMode(_, mode) => {
                let was_rollup = self.mode.is_some_and(|m| m.is_rollup());
                if mode.is_rollup() && !was_rollup {
                    // Entering roll-up clears the screen; the base row is the bottom.
                    self.displayed = Rows::default();
                    self.hidden = Rows::default();
                    self.row = ROWS - 1;
                    self.column = 0;
                }
                self.mode = Some(mode);
            }
            Cea608::EraseDisplay(_) => self.displayed = Rows::default(),
            Cea608::EraseNonDisplay(_) => self.hidden = Rows::default(),
            Cea608::EndOfCaption(_) => {
                std::mem::swap(&mut self.displayed, &mut self.hidden);
                self.mode = Some(Mode::PopOn);
            }
            Cea608::CarriageReturn(_) => self.carriage_return(),
            Cea608::Backspace(_) => self.backspace(),
            Cea608::TabOffset(_, n) => self.column = (self.column + n as usize).min(COLUMNS - 1),
            Cea608::DeleteToEndOfRow(_) => {
                let (row, column) = (self.row, self.column);
                self.target()[row].truncate(column);
            }
            Cea608::Preamble(_, p) => {
                let row = (p.row() as usize).min(ROWS - 1);
                if self.mode.is_some_and(|m| m.is_rollup()) && row != self.row {
                    // Roll-up moves its window to the new base row.
                    let text = std::mem::take(&mut self.displayed[self.row]);
                    self.displayed[row] = text;
                }
                self.row = row;
                self.column = (p.column() as usize).min(COLUMNS - 1);
            }
            // A mid-row code shows as a space; colour and italics are not drawn.
            Cea608::MidRowChange(..) => self.put(' '),
        }
    }

    /// Pop-on writes to the hidden buffer; the other modes to the screen.
    fn target(&mut self) -> &mut Rows {
        if self.mode == Some(Mode::PopOn) {
            &mut self.hidden
        } else {
            &mut self.displayed
        }
    }

    fn put(&mut self, c: char) {
        let (row, column) = (self.row, self.column);
        let line = &mut self.target()[row];
        if line.len() <= column {
            line.resize(column, ' ');
            line.push(c);
        } else {
            line[column] = c;
        }
        self.column = (column + 1).min(COLUMNS - 1);
    }

    fn backspace(&mut self) {
        if self.column > 0 {
            self.column -= 1;
            let (row, column) = (self.row, self.column);
            let line = &mut self.target()[row];
            if column < line.len() {
                line.remove(column);
            }
        }
    }

    fn carriage_return(&mut self) {
        match self.mode.and_then(|m| m.rollup_rows()) {
            Some(n) => {
                // Rows above the window are cleared; the window moves up one.
                let top = (self.row + 1).saturating_sub(n as usize);
                for r in 0..top {
                    self.displayed[r].clear();
                }
                for r in top..self.row {
                    self.displayed[r] = std::mem::take(&mut self.displayed[r + 1]);
                }
                self.displayed[self.row].clear();
            }
            None => self.row = (self.row + 1).min(ROWS - 1),
        }
        self.column = 0;
    }
}

/// The valid field-1 byte pairs in a `cc_data` payload (cc_type 0).
pub fn field1_pairs(data: &[u8]) -> impl Iterator<Item = [u8; 2]> + '_ {
    data.chunks_exact(3)
        .filter(|t| t[0] & 0x04 != 0 && t[0] & 0x03 == 0)
        .map(|t| [t[1], t[2]])
}

/// Shared between the actor and the caption appsink's streaming thread.
pub(crate) struct Captions {
    /// Draw and report captions (the viewer chose the `cc1` track).
    enabled: AtomicBool,
    state: Mutex<DecoderState>,
    /// Weak: the overlay's own pad probe holds this struct, so a strong
    /// reference here was a cycle that kept every textoverlay (and its
    /// pads) alive after its playbin3 was dropped (`hustings bench soak`).
    overlay: gst::glib::WeakRef<gst::Element>,
}

#[derive(Default)]
struct DecoderState {
    zap: ZapId,
    /// CC1 of the CEA-608 bytes, used whenever the stream carries them.
    screen: CaptionScreen,
    /// Service 1 of the CEA-708 data, for streams without CEA-608 bytes.
    dtvcc: ServiceScreen,
    saw_608: bool,
    found: bool,
}

impl DecoderState {
    fn lines(&self) -> Vec<String> {
        if self.saw_608 {
            self.screen.lines()
        } else {
            self.dtvcc.lines()
        }
    }
}

impl Captions {
    /// Turns drawing on or off; off clears what is on screen.
    pub(crate) fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Release);
        let text = match self.state.lock() {
            Ok(s) if on => s.lines().join("\n"),
            _ => String::new(),
        };
        self.set_text(&overlay_text(&text));
    }

    /// Sets the overlay's text (nothing once the overlay is gone).
    fn set_text(&self, markup: &str) {
        if let Some(overlay) = self.overlay.upgrade() {
            overlay.set_property("text", markup);
        }
    }

    fn data(&self, marks: &Marks, cc_data: &[u8]) {
        let zap = marks.zap.load(Ordering::Acquire);
        let Ok(mut s) = self.state.lock() else { return };
        if s.zap != zap {
            // A new zap: nothing carries over from the previous channel.
            *s = DecoderState {
                zap,
                ..Default::default()
            };
            self.set_text("");
        }
        s.saw_608 |= field1_pairs(cc_data).next().is_some();
        let changed_608 = s.screen.push_cc_data(cc_data);
        let changed_708 = s.dtvcc.push_cc_data(cc_data);
        if !s.found && (s.saw_608 || s.dtvcc.found()) {
            s.found = true;
            let format = if s.saw_608 { "CEA-608" } else { "CEA-708" };
            marks.note(Note::CaptionsFound { zap, format });
        }
        let changed = if s.saw_608 { changed_608 } else { changed_708 };
        if let Some(lines) = changed
            && self.enabled.load(Ordering::Acquire)
        {
            self.set_text(&overlay_text(&lines.join("\n")));
            marks.note(Note::Captions { zap, lines });
        }
    }
}

/// textoverlay reads its text as Pango markup.
fn overlay_text(text: &str) -> String {
    gst::glib::markup_escape_text(text).to_string()
}

/// Builds playbin3's video filter: a textoverlay whose sink pad reads the
/// caption meta the parser or decoder attached to each frame.
pub(crate) fn video_filter(
    marks: Arc<Marks>,
) -> Result<(gst::Element, Arc<Captions>), PlayerInitError> {
    let overlay = gst::ElementFactory::make("textoverlay")
        .name("captions")
        .build()
        .map_err(|_| PlayerInitError::MissingElement("textoverlay".into()))?;
    overlay.set_property_from_str("valignment", "bottom");
    overlay.set_property_from_str("halignment", "center");
    overlay.set_property_from_str("line-alignment", "left");
    overlay.set_property("shaded-background", true);
    overlay.set_property("font-desc", "Sans Bold 18");
    let captions = Arc::new(Captions {
        enabled: AtomicBool::new(false),
        state: Mutex::new(DecoderState::default()),
        overlay: overlay.downgrade(),
    });
    let on_frame = captions.clone();
    let pad = overlay
        .static_pad("video_sink")
        .ok_or_else(|| PlayerInitError::Build("textoverlay has no video_sink pad".into()))?;
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        if let Some(buffer) = info.buffer()
            && let Some(cc_data) = cc_data(buffer)
        {
            on_frame.data(&marks, &cc_data);
        }
        gst::PadProbeReturn::Ok
    });
    Ok((overlay, captions))
}

/// The frame's captions as `cc_data` triplets. The first caption meta is
/// used (a parser and a decoder may both attach the same data).
fn cc_data(buffer: &gst::BufferRef) -> Option<Vec<u8>> {
    let meta = buffer.iter_meta::<gst_video::VideoCaptionMeta>().next()?;
    meta_cc_data(meta.caption_type(), meta.data())
}

/// A caption meta's data (of the given type) as `cc_data` triplets.
pub fn meta_cc_data(kind: gst_video::VideoCaptionType, data: &[u8]) -> Option<Vec<u8>> {
    use gst_video::VideoCaptionType as T;
    Some(match kind {
        T::Cea708Raw => data.to_vec(),
        // Field-1 byte pairs.
        T::Cea608Raw => data
            .chunks_exact(2)
            .flat_map(|p| [0xfc, p[0], p[1]])
            .collect(),
        // SMPTE 334-1A: a field byte (bit 7 set: field 1) and a pair.
        T::Cea608S3341a => data
            .chunks_exact(3)
            .filter(|t| t[0] & 0x80 != 0)
            .flat_map(|t| [0xfc, t[1], t[2]])
            .collect(),
        T::Cea708Cdp => cdp_cc_data(data)?.to_vec(),
        _ => return None,
    })
}

/// The cc_data section of a SMPTE 334-2 caption distribution packet.
fn cdp_cc_data(cdp: &[u8]) -> Option<&[u8]> {
    if cdp.len() < 7 || cdp[0] != 0x96 || cdp[1] != 0x69 {
        return None;
    }
    let flags = cdp[4];
    let mut i = 7; // header and sequence counter
    if flags & 0x80 != 0 {
        i += 5; // time code section
    }
    if flags & 0x40 == 0 || cdp.get(i) != Some(&0x72) {
        return None;
    }
    let count = (*cdp.get(i + 1)? & 0x1f) as usize;
    cdp.get(i + 2..i + 2 + count * 3)
}

/// Reports the text of subtitle streams (WebVTT, SRT, DVB teletext as text)
/// as they reach playbin3's subtitle overlay, which draws them.
pub(crate) fn watch_subtitles(overlay: &gst::Element, marks: Arc<Marks>) {
    let Some(pad) = overlay.static_pad("subtitle_sink") else {
        return;
    };
    pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
        let is_text = pad
            .current_caps()
            .and_then(|c| c.structure(0).map(|s| s.name() == "text/x-raw"))
            .unwrap_or(false);
        if let Some(buffer) = info.buffer()
            && is_text
            && let Ok(map) = buffer.map_readable()
        {
            let lines = plain_lines(&String::from_utf8_lossy(&map));
            if !lines.is_empty() {
                let zap = marks.zap.load(Ordering::Acquire);
                marks.note(Note::Captions { zap, lines });
            }
        }
        gst::PadProbeReturn::Ok
    });
}

/// The lines of a subtitle in Pango markup, as plain text.
pub fn plain_lines(markup: &str) -> Vec<String> {
    let mut text = String::with_capacity(markup.len());
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    text.lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cea608_types::Cea608Writer;
    use cea608_types::tables::{
        Code, Control, ControlCode, Field, PreambleAddressCode, PreambleType,
    };

    fn control(c: Control) -> Code {
        Code::Control(ControlCode::new(Field::ONE, Channel::ONE, c))
    }

    fn feed(screen: &mut CaptionScreen, codes: &[Code]) -> Vec<Vec<String>> {
        let mut w = Cea608Writer::default();
        for c in codes {
            w.push(c.clone());
        }
        let mut shown = Vec::new();
        while w.n_codes() > 0 {
            if let Some(lines) = screen.push(w.pop()) {
                shown.push(lines);
            }
        }
        shown
    }

    fn text(s: &str) -> Vec<Code> {
        s.chars()
            .filter_map(|c| Code::from_char(c, Channel::ONE))
            .collect()
    }

    fn preamble(row: u8) -> Code {
        control(Control::PreambleAddress(PreambleAddressCode::new(
            row,
            false,
            PreambleType::Indent0,
        )))
    }

    #[test]
    fn pop_on_shows_the_caption_only_at_end_of_caption() {
        let mut s = CaptionScreen::default();
        let mut codes = vec![control(Control::ResumeCaptionLoading), preamble(14)];
        codes.extend(text("Item one: libraries"));
        let shown = feed(&mut s, &codes);
        assert!(shown.is_empty(), "nothing shows while loading: {shown:?}");
        let shown = feed(&mut s, &[control(Control::EndOfCaption)]);
        assert_eq!(shown, vec![vec!["Item one: libraries".to_string()]]);
        // The next caption replaces it as a whole.
        let mut codes = vec![
            control(Control::ResumeCaptionLoading),
            control(Control::EraseNonDisplayedMemory),
            preamble(13),
        ];
        codes.extend(text("Two"));
        codes.push(preamble(14));
        codes.extend(text("lines"));
        codes.push(control(Control::EndOfCaption));
        let shown = feed(&mut s, &codes);
        assert_eq!(
            shown.last().unwrap(),
            &vec!["Two".to_string(), "lines".into()]
        );
        feed(&mut s, &[control(Control::EraseDisplayedMemory)]);
        assert!(s.lines().is_empty());
    }

    #[test]
    fn roll_up_scrolls_within_its_window() {
        let mut s = CaptionScreen::default();
        let mut codes = vec![control(Control::RollUp2), preamble(14)];
        codes.extend(text("one"));
        codes.push(control(Control::CarriageReturn));
        codes.extend(text("two"));
        codes.push(control(Control::CarriageReturn));
        codes.extend(text("three"));
        feed(&mut s, &codes);
        assert_eq!(s.lines(), vec!["two".to_string(), "three".into()]);
    }

    #[test]
    fn other_channels_and_bad_parity_are_ignored() {
        let mut s = CaptionScreen::default();
        let cc2 = Code::Control(ControlCode::new(Field::ONE, Channel::TWO, Control::RollUp2));
        let mut codes = vec![cc2];
        codes.extend(
            "hidden"
                .chars()
                .filter_map(|c| Code::from_char(c, Channel::TWO)),
        );
        feed(&mut s, &codes);
        assert!(s.lines().is_empty());
        assert_eq!(s.push([0x41, 0x41]), None, "even parity is an error");
    }

    #[test]
    fn subtitle_markup_becomes_plain_lines() {
        assert_eq!(
            plain_lines("<i>Hello</i> &amp; welcome\n <b>Cllr &lt;Patel&gt;</b>\n"),
            vec!["Hello & welcome".to_string(), "Cllr <Patel>".into()]
        );
    }

    #[test]
    fn cc_data_keeps_valid_field_one_pairs() {
        let data = [0xfc, 1, 2, 0xfd, 3, 4, 0xf8, 5, 6, 0xff, 7, 8];
        assert_eq!(field1_pairs(&data).collect::<Vec<_>>(), vec![[1, 2]]);
    }
}
