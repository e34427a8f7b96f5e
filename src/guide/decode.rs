//! A UTF-8 view of an XMLTV byte stream that bounds how much one XML event may span.
//!
//! quick-xml only reads UTF-8, and it copies a whole event (a tag, a text run,
//! a comment) into its buffer before handing it over. This adaptor picks the
//! encoding from a BOM or the `<?xml encoding="..."?>` declaration, transcodes
//! to UTF-8 with encoding_rs (malformed bytes become U+FFFD and one warning,
//! never a failure), and refuses to hand out more than `max_event` bytes since
//! the start of the current event, so a 100 MB text node or a line without
//! markup costs at most that much memory. Labels follow the WHATWG encoding
//! standard, so `ISO-8859-1` decodes as windows-1252 (its superset in practice).
//! It knows nothing about XMLTV elements and never expands anything.

use std::io::{self, BufRead};

use encoding_rs::{CoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How many leading bytes are examined for a BOM and the XML declaration.
const SNIFF_LEN: usize = 1024;
/// Size of the decoded-output chunk handed to the parser.
const OUT_LEN: usize = 16 * 1024;

/// The error carried inside an `io::Error` when one event outgrows the limit.
#[derive(Debug)]
pub(crate) struct EventTooLarge {
    pub(crate) event_start: u64,
    pub(crate) limit: u64,
}

impl std::fmt::Display for EventTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "XML item starting at byte {} exceeds {} bytes",
            self.event_start, self.limit
        )
    }
}

impl std::error::Error for EventTooLarge {}

/// The transcoding, event-bounding reader quick-xml parses from.
pub(crate) struct Utf8Input<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: &'static Encoding,
    /// Raw bytes read while sniffing, not yet decoded.
    prefix: Vec<u8>,
    prefix_pos: usize,
    out: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
    finished: bool,
    /// Decoded bytes consumed by the parser so far.
    consumed: u64,
    event_start: u64,
    max_event: u64,
    /// Where the first malformed byte sequence was replaced (decoded offset of its chunk).
    pub(crate) first_malformed: Option<u64>,
    /// An `encoding="..."` label encoding_rs does not know.
    pub(crate) unknown_label: Option<String>,
}

impl<R: BufRead> Utf8Input<R> {
    /// Reads the first bytes to choose the encoding.
    pub(crate) fn new(mut inner: R, max_event: u64) -> io::Result<Self> {
        let mut prefix = Vec::with_capacity(SNIFF_LEN);
        while prefix.len() < SNIFF_LEN {
            let chunk = match inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            let take = chunk.len().min(SNIFF_LEN - prefix.len());
            prefix.extend_from_slice(&chunk[..take]);
            inner.consume(take);
        }
        let (encoding, unknown_label) = sniff(&prefix);
        Ok(Utf8Input {
            inner,
            // BOM sniffing: a BOM overrides the declaration and is removed.
            decoder: encoding.new_decoder(),
            encoding,
            prefix,
            prefix_pos: 0,
            out: vec![0; OUT_LEN].into_boxed_slice(),
            out_pos: 0,
            out_len: 0,
            finished: false,
            consumed: 0,
            event_start: 0,
            max_event,
            first_malformed: None,
            unknown_label,
        })
    }

    /// Marks the start of the next XML event (the parser is about to read it).
    pub(crate) fn start_event(&mut self) {
        self.event_start = self.consumed;
    }

    /// The encoding the document is decoded with.
    pub(crate) fn encoding(&self) -> &'static Encoding {
        self.encoding
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out_pos = 0;
        self.out_len = 0;
        while !self.finished {
            let (result, written, replaced) = if self.prefix_pos < self.prefix.len() {
                let src = &self.prefix[self.prefix_pos..];
                let (result, read, written, replaced) =
                    self.decoder.decode_to_utf8(src, &mut self.out, false);
                self.prefix_pos += read;
                (result, written, replaced)
            } else {
                let src = match self.inner.fill_buf() {
                    Ok(s) => s,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                let last = src.is_empty();
                let (result, read, written, replaced) =
                    self.decoder.decode_to_utf8(src, &mut self.out, last);
                self.inner.consume(read);
                if last && result == CoderResult::InputEmpty {
                    self.finished = true;
                }
                (result, written, replaced)
            };
            if replaced && self.first_malformed.is_none() {
                self.first_malformed = Some(self.consumed);
            }
            self.out_len = written;
            if written > 0 || result == CoderResult::OutputFull {
                return Ok(());
            }
        }
        Ok(())
    }
}

impl<R: BufRead> io::Read for Utf8Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Utf8Input<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.consumed - self.event_start >= self.max_event {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                EventTooLarge {
                    event_start: self.event_start,
                    limit: self.max_event,
                },
            ));
        }
        if self.out_pos == self.out_len {
            self.refill()?;
        }
        Ok(&self.out[self.out_pos..self.out_len])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.out_len - self.out_pos);
        self.out_pos += amt;
        self.consumed += amt as u64;
    }
}

/// The encoding of a document from its first bytes, and an unknown declared label.
fn sniff(prefix: &[u8]) -> (&'static Encoding, Option<String>) {
    if prefix.starts_with(&[0x3c, 0x00, 0x3f, 0x00]) {
        return (UTF_16LE, None);
    }
    if prefix.starts_with(&[0x00, 0x3c, 0x00, 0x3f]) {
        return (UTF_16BE, None);
    }
    let body = prefix.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(prefix);
    let Some(label) = declared_label(body) else {
        return (UTF_8, None);
    };
    match Encoding::for_label(label.as_bytes()) {
        // A declaration readable as ASCII cannot be in UTF-16, whatever it says.
        Some(enc) if !enc.is_ascii_compatible() => (UTF_8, None),
        Some(enc) => (enc, None),
        None => (UTF_8, Some(label)),
    }
}

/// The `encoding="..."` value of an `<?xml ...?>` declaration at the very start.
fn declared_label(bytes: &[u8]) -> Option<String> {
    let decl = bytes.strip_prefix(b"<?xml")?;
    let end = decl.windows(2).position(|w| w == b"?>")?;
    let decl = &decl[..end];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = trim_start(&decl[at + 8..]);
    let rest = trim_start(rest.strip_prefix(b"=")?);
    let (&quote, rest) = rest.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let len = rest.iter().position(|&b| b == quote)?;
    std::str::from_utf8(&rest[..len]).ok().map(str::to_string)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn decode(bytes: &[u8]) -> (String, &'static str, bool) {
        let mut input = Utf8Input::new(bytes, u64::MAX).expect("in-memory read");
        let mut out = String::new();
        input
            .read_to_string(&mut out)
            .expect("decoded text is UTF-8");
        (
            out,
            input.encoding().name(),
            input.first_malformed.is_some(),
        )
    }

    #[test]
    fn encoding_is_taken_from_the_bom_or_the_declaration() {
        let cases: &[(&[u8], &str, &str)] = &[
            (b"<tv/>", "<tv/>", "UTF-8"),
            (
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>\xa3</t>",
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>\u{a3}</t>",
                "windows-1252",
            ),
            (
                b"<?xml version='1.0' encoding = 'iso-8859-15' ?><t>\xa4</t>",
                "<?xml version='1.0' encoding = 'iso-8859-15' ?><t>\u{20ac}</t>",
                "ISO-8859-15",
            ),
            (b"\xef\xbb\xbf<tv/>", "<tv/>", "UTF-8"),
            (b"\xff\xfe<\x00t\x00/\x00>\x00", "<t/>", "UTF-8"),
            (
                b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><tv/>",
                "<?xml version=\"1.0\" encoding=\"UTF-16\"?><tv/>",
                "UTF-8",
            ),
        ];
        for (bytes, text, _enc) in cases {
            assert_eq!(decode(bytes).0, *text, "{bytes:?}");
        }
        assert_eq!(decode(cases[1].0).1, "windows-1252");
        assert_eq!(decode(cases[2].0).1, "ISO-8859-15");
    }

    #[test]
    fn malformed_utf8_is_replaced_and_flagged() {
        let (text, _, malformed) = decode(b"<t>a\xffb</t>");
        assert_eq!(text, "<t>a\u{fffd}b</t>");
        assert!(malformed);
    }

    #[test]
    fn an_unknown_label_is_reported_and_utf8_assumed() {
        let input = Utf8Input::new(&b"<?xml encoding=\"klingon\"?><tv/>"[..], 10).unwrap();
        assert_eq!(input.unknown_label.as_deref(), Some("klingon"));
        assert_eq!(input.encoding().name(), "UTF-8");
    }

    #[test]
    fn reading_past_the_event_limit_is_an_error() {
        let data = vec![b'a'; 100_000];
        let mut input = Utf8Input::new(&data[..], 1000).unwrap();
        let mut out = Vec::new();
        let err = input.read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("exceeds 1000 bytes"), "{err}");
        assert!(out.len() < 1000 + OUT_LEN);
    }
}
