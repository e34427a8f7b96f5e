//! The streaming XMLTV reader: quick-xml events in, [`Record`]s out through a callback.
//!
//! Memory is bounded whatever the input: one XML event may span at most
//! [`MAX_EVENT`] bytes (else [`GuideError::TooLarge`]), elements nest at most
//! [`MAX_DEPTH`] deep, records cap their text and lists (see `record`), and at
//! most [`MAX_WARNINGS`] warnings are kept. Entities: the five XML built-ins
//! and numeric character references are expanded; any other `&name;` is kept
//! as written with a warning, and the DOCTYPE (with any entity it declares)
//! is skipped unread, so a "billion laughs" document costs nothing.
//!
//! Record rules: a `<programme>` without a `channel` or a valid `start` is
//! dropped with a warning; a `stop` that cannot be parsed or precedes `start`
//! is dropped with a warning and the programme kept (it then runs until the
//! next one, like any programme without a stop). A `<channel>` without an
//! `id` is dropped with a warning.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::decode::{EventTooLarge, Utf8Input};
use super::decompress::{DecompressError, LimitExceeded};
use super::record::{Capture, ChannelBuilder, ProgrammeBuilder, attr, push_capped};
use super::{GuideChannel, GuideError, GuideWarning, Programme, parse_xmltv_time};

/// Largest single XML event (tag, text run, comment, DOCTYPE) buffered, in bytes.
pub(crate) const MAX_EVENT: u64 = 1024 * 1024;
/// Deepest element nesting accepted (XMLTV needs 4).
pub(crate) const MAX_DEPTH: usize = 64;
/// Most warnings kept; the rest are counted in one closing warning.
pub(crate) const MAX_WARNINGS: usize = 1000;
/// Element names are kept on the open-element stack up to this many bytes.
const MAX_NAME: usize = 64;

/// One record of a guide, in document order.
// Programmes are nearly every record; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A `<channel>` with an id.
    Channel(GuideChannel),
    /// A `<programme>` with a channel and a valid start.
    Programme(Programme),
}

/// What a read delivered, and the problems it stepped over.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadSummary {
    /// Channels handed to the callback.
    pub channels: usize,
    /// Programmes handed to the callback.
    pub programmes: usize,
    /// Records dropped or changed, and other problems stepped over, in document order.
    pub warnings: Vec<GuideWarning>,
}

/// Warnings with a bound on how many are kept.
#[derive(Default)]
struct Warnings {
    list: Vec<GuideWarning>,
    suppressed: u64,
}

impl Warnings {
    fn push(&mut self, position: u64, message: impl Into<String>) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(GuideWarning {
                position,
                message: message.into(),
            });
        } else {
            self.suppressed += 1;
        }
    }

    fn finish(mut self, position: u64) -> Vec<GuideWarning> {
        if self.suppressed > 0 {
            self.list.push(GuideWarning {
                position,
                message: format!("{} further warnings not kept", self.suppressed),
            });
        }
        self.list
    }
}

/// The record whose element is open.
#[allow(clippy::large_enum_variant)] // One lives at a time.
enum Open {
    Channel(ChannelBuilder),
    Programme(ProgrammeBuilder),
}

/// The element whose direct text is being collected.
struct Capturing {
    capture: Capture,
    /// Stack depth while inside it (its own entry included).
    depth: usize,
    text: String,
}

/// Reads an XMLTV document (already decompressed; see [`super::open_decompressed`]),
/// handing every channel and programme to `on_record` as soon as it closes.
/// An error from `on_record` stops the read and is returned as is.
pub fn read_xmltv<R: BufRead>(
    input: R,
    source_name: &str,
    on_record: &mut dyn FnMut(Record) -> Result<(), GuideError>,
) -> Result<ReadSummary, GuideError> {
    let input = Utf8Input::new(input, MAX_EVENT).map_err(|e| io_error(&e, 0, source_name))?;
    let mut reader = Reader::from_reader(input);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    // "Q & A" is common in hand-made guides; keep the ampersand as text.
    config.allow_dangling_amp = true;

    let mut warnings = Warnings::default();
    if let Some(label) = &reader.get_ref().unknown_label {
        warnings.push(0, format!("unknown encoding \"{label}\"; read as UTF-8"));
    }
    let mut summary = ReadSummary::default();
    let mut stack = OpenElements::default();
    let mut saw_tv = false;
    let mut open: Option<Open> = None;
    let mut capturing: Option<Capturing> = None;
    let mut buf = Vec::new();

    loop {
        buf.clear();
        let pos = reader.buffer_position();
        reader.get_mut().start_event();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => return Err(xml_error(e, reader.error_position(), pos, source_name)),
        };
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                let name: &str = local.as_ref();
                if !saw_tv {
                    if name != "tv" {
                        return Err(GuideError::NotXmltv {
                            source_name: source_name.to_string(),
                        });
                    }
                    saw_tv = true;
                } else if stack.len() == 1 {
                    open = match name {
                        "channel" => start_channel(&e, pos, &mut warnings).map(Open::Channel),
                        "programme" => start_programme(&e, pos, &mut warnings).map(Open::Programme),
                        _ => None,
                    };
                } else if stack.len() >= 2 && capturing.is_none() {
                    let parents = stack.below_record();
                    let capture = match open.as_mut() {
                        Some(Open::Channel(c)) => c.open(parents, &e),
                        Some(Open::Programme(p)) => p.open(parents, &e),
                        None => None,
                    };
                    capturing = capture.map(|capture| Capturing {
                        capture,
                        depth: stack.len() + 1,
                        text: String::new(),
                    });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(GuideError::Xml {
                        source_name: source_name.to_string(),
                        position: pos,
                        message: format!("elements nested deeper than {MAX_DEPTH}"),
                    });
                }
                stack.push(name);
            }
            Event::End(_) => {
                let depth = stack.len();
                if capturing.as_ref().is_some_and(|c| c.depth == depth)
                    && let Some(c) = capturing.take()
                {
                    match open.as_mut() {
                        Some(Open::Channel(b)) => b.close(c.capture, c.text),
                        Some(Open::Programme(b)) => b.close(c.capture, c.text),
                        None => {}
                    }
                }
                if depth == 2
                    && let Some(record) = open.take()
                {
                    emit(record, &mut summary, &mut warnings, on_record)?;
                }
                stack.pop();
            }
            Event::Text(t) => {
                let text = t.xml10_content();
                if !saw_tv && !text.trim().is_empty() {
                    return Err(not_xml(source_name, pos));
                }
                append(&mut capturing, stack.len(), &text, &mut open);
            }
            Event::CData(t) => {
                append(&mut capturing, stack.len(), &t.xml10_content(), &mut open);
            }
            Event::GeneralRef(r) => {
                if !saw_tv {
                    return Err(not_xml(source_name, pos));
                }
                let text = resolve_ref(&r, pos, &mut warnings);
                append(&mut capturing, stack.len(), &text, &mut open);
            }
            Event::Eof => break,
            // The DOCTYPE, the declaration, comments and processing
            // instructions carry nothing a guide needs; no entity declared in
            // a DOCTYPE is ever expanded.
            _ => {}
        }
    }
    let end = reader.buffer_position();
    if !saw_tv {
        return Err(GuideError::NotXmltv {
            source_name: source_name.to_string(),
        });
    }
    if let Some(record) = open {
        let (what, at) = match record {
            Open::Channel(c) => ("<channel>", c.position),
            Open::Programme(p) => ("<programme>", p.position),
        };
        warnings.push(
            at,
            format!("the document ends inside this {what} (truncated download?); it is dropped"),
        );
    } else if !stack.is_empty() {
        warnings.push(end, "the document ends before </tv> (truncated download?)");
    }
    if let Some(at) = reader.get_ref().first_malformed {
        let encoding = reader.get_ref().encoding().name();
        warnings.push(
            at,
            format!("bytes that are not valid {encoding} were replaced by U+FFFD"),
        );
    }
    summary.warnings = warnings.finish(end);
    Ok(summary)
}

/// Hands a finished record to the callback.
fn emit(
    record: Open,
    summary: &mut ReadSummary,
    warnings: &mut Warnings,
    on_record: &mut dyn FnMut(Record) -> Result<(), GuideError>,
) -> Result<(), GuideError> {
    match record {
        Open::Programme(b) => {
            if b.truncated {
                warnings.push(
                    b.position,
                    format!(
                        "programme on \"{}\": a text longer than {} bytes or a list longer than {} entries was cut",
                        b.programme.channel,
                        super::record::MAX_TEXT,
                        super::record::MAX_LIST
                    ),
                );
            }
            on_record(Record::Programme(b.programme))?;
            summary.programmes += 1;
        }
        Open::Channel(b) => {
            if b.truncated {
                warnings.push(
                    b.position,
                    format!("channel \"{}\": a text or list was cut", b.channel.id),
                );
            }
            if let Some(lcn) = b.bad_lcn {
                warnings.push(
                    b.position,
                    format!(
                        "channel \"{}\": <lcn> \"{lcn}\" is not a number",
                        b.channel.id
                    ),
                );
            }
            on_record(Record::Channel(b.channel))?;
            summary.channels += 1;
        }
    }
    Ok(())
}

/// Adds text to the element being captured, if the text is its own (not a child's).
fn append(capturing: &mut Option<Capturing>, depth: usize, text: &str, open: &mut Option<Open>) {
    let Some(c) = capturing.as_mut().filter(|c| c.depth == depth) else {
        return;
    };
    if !push_capped(&mut c.text, text) {
        match open.as_mut() {
            Some(Open::Channel(b)) => b.truncated = true,
            Some(Open::Programme(b)) => b.truncated = true,
            None => {}
        }
    }
}

/// The text of `&...;`: a character reference, a built-in entity, or the reference as written.
fn resolve_ref(r: &BytesRef<'_>, pos: u64, warnings: &mut Warnings) -> String {
    let name = r.xml10_content();
    match r.resolve_char_ref() {
        Ok(Some(c)) => return c.to_string(),
        Ok(None) => {}
        Err(e) => {
            warnings.push(
                pos,
                format!("bad character reference &{name};: {e}; kept as written"),
            );
            return format!("&{name};");
        }
    }
    let builtin = match name.as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => {
            warnings.push(
                pos,
                format!(
                    "unknown entity &{name}; kept as written (DOCTYPE entities are never expanded)"
                ),
            );
            return format!("&{name};");
        }
    };
    builtin.to_string()
}

/// The names of the open elements, root first. Their strings are reused, so
/// opening an element costs no allocation once the stack has been that deep.
#[derive(Default)]
struct OpenElements {
    names: Vec<String>,
    len: usize,
}

impl OpenElements {
    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Opens `name`, kept up to [`MAX_NAME`] bytes.
    fn push(&mut self, name: &str) {
        let mut cut = name.len().min(MAX_NAME);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        if self.len == self.names.len() {
            self.names.push(String::new());
        }
        let slot = &mut self.names[self.len];
        slot.clear();
        slot.push_str(&name[..cut]);
        self.len += 1;
    }

    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }

    /// The elements open inside the current record (below `<tv><programme>`).
    fn below_record(&self) -> &[String] {
        &self.names[2.min(self.len)..self.len]
    }
}

fn start_channel(e: &BytesStart<'_>, pos: u64, warnings: &mut Warnings) -> Option<ChannelBuilder> {
    match attr(e, "id")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
    {
        Some(id) => Some(ChannelBuilder::new(id, pos)),
        None => {
            warnings.push(pos, "<channel> without an id; dropped");
            None
        }
    }
}

fn start_programme(
    e: &BytesStart<'_>,
    pos: u64,
    warnings: &mut Warnings,
) -> Option<ProgrammeBuilder> {
    let Some(channel) = attr(e, "channel")
        .map(|s| s.trim().to_string())
        .filter(|c| !c.is_empty())
    else {
        warnings.push(pos, "<programme> without a channel; dropped");
        return None;
    };
    let start_text = attr(e, "start");
    let Some(start) = start_text.as_deref().and_then(parse_xmltv_time) else {
        warnings.push(
            pos,
            match start_text {
                Some(s) => {
                    format!("<programme> on \"{channel}\" has an invalid start \"{s}\"; dropped")
                }
                None => format!("<programme> on \"{channel}\" without a start; dropped"),
            },
        );
        return None;
    };
    let mut stop = None;
    if let Some(text) = attr(e, "stop") {
        match parse_xmltv_time(&text) {
            Some(s) if s < start => warnings.push(
                pos,
                format!("<programme> on \"{channel}\": stop \"{text}\" is before its start; stop dropped"),
            ),
            Some(s) => stop = Some(s),
            None => warnings.push(
                pos,
                format!("<programme> on \"{channel}\": invalid stop \"{text}\"; stop dropped"),
            ),
        }
    }
    Some(ProgrammeBuilder::new(
        Programme {
            channel,
            start,
            stop,
            ..Default::default()
        },
        pos,
    ))
}

fn not_xml(source_name: &str, position: u64) -> GuideError {
    GuideError::Xml {
        source_name: source_name.to_string(),
        position,
        message: "text before the root element: this is not an XML document".to_string(),
    }
}

fn xml_error(e: quick_xml::Error, error_position: u64, pos: u64, source_name: &str) -> GuideError {
    match &e {
        quick_xml::Error::Io(io) => io_error(io, pos, source_name),
        _ => GuideError::Xml {
            source_name: source_name.to_string(),
            position: error_position.max(pos),
            message: e.to_string(),
        },
    }
}

/// Sorts an I/O failure into decompression, oversized event, or plain read error.
fn io_error(e: &std::io::Error, position: u64, source_name: &str) -> GuideError {
    let inner = e.get_ref();
    if let Some(d) = inner.and_then(|i| i.downcast_ref::<DecompressError>()) {
        return GuideError::Compression {
            source_name: source_name.to_string(),
            message: format!("{d} (after {position} bytes of XML)"),
        };
    }
    if let Some(l) = inner.and_then(|i| i.downcast_ref::<LimitExceeded>()) {
        return GuideError::Limit {
            source_name: source_name.to_string(),
            message: l.to_string(),
        };
    }
    if let Some(t) = inner.and_then(|i| i.downcast_ref::<EventTooLarge>()) {
        return GuideError::TooLarge {
            source_name: source_name.to_string(),
            position: t.event_start,
            limit: t.limit,
        };
    }
    GuideError::Read {
        source_name: source_name.to_string(),
        position,
        message: e.to_string(),
    }
}
