//! Opening a guide download: gzip and xz are recognised by their magic bytes.
//!
//! Providers serve `guide.xml`, `guide.xml.gz` and `guide.xml.xz`, often with
//! a wrong Content-Type or file name, so the first bytes decide. Errors raised
//! inside a decompressor are wrapped in [`DecompressError`] so the XMLTV reader
//! can report "truncated gzip" rather than a bare I/O error.
//!
//! [`open_decompressed_limited`] also bounds what comes out: a size cap on
//! the decompressed document and a cap on the ratio of decompressed to
//! compressed bytes, so a gzip bomb (a megabyte that inflates to a terabyte)
//! is refused after a few megabytes instead of feeding the importer forever.

use std::io::{self, BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;
use liblzma::read::XzDecoder;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const XZ_MAGIC: &[u8] = &[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/// Read-buffer size; decompressors give their best throughput with large reads.
const BUF_LEN: usize = 64 * 1024;

/// A failure of the gzip or xz decoder (corrupt or truncated data).
#[derive(Debug)]
pub(crate) struct DecompressError {
    pub(crate) format: &'static str,
    pub(crate) message: String,
}

impl std::fmt::Display for DecompressError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} data is corrupt or truncated: {}",
            self.format, self.message
        )
    }
}

impl std::error::Error for DecompressError {}

/// Tags every error of a decompressor with its format.
struct Tagged<R> {
    format: &'static str,
    inner: R,
}

impl<R: Read> Read for Tagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let message = match e.kind() {
                io::ErrorKind::UnexpectedEof => "the stream ends early".to_string(),
                _ => e.to_string(),
            };
            io::Error::new(
                e.kind(),
                DecompressError {
                    format: self.format,
                    message,
                },
            )
        })
    }
}

/// Wraps `input` in a gzip or xz decoder when its first bytes are that format's magic.
pub fn open_decompressed<R: Read + Send + 'static>(
    input: R,
) -> io::Result<Box<dyn BufRead + Send>> {
    decompressed(input)
}

/// Bounds on a decompressed guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecompressLimits {
    /// Most bytes the document may decompress to.
    pub max_output: u64,
    /// Most decompressed bytes per compressed byte, checked once
    /// [`RATIO_GRACE`] bytes have come out.
    pub max_ratio: u64,
}

/// Decompressed bytes before the ratio is checked: a small file may be far
/// more repetitive than a real guide (a few channels, no descriptions), and
/// a bomb is caught after this much whatever it holds.
pub const RATIO_GRACE: u64 = 16 * 1024 * 1024;

/// A decompressed guide went past a [`DecompressLimits`] bound.
#[derive(Debug)]
pub(crate) struct LimitExceeded(pub(crate) String);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// Counts the bytes a reader hands out (the compressed side).
struct Counted<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Fails a read that takes the decompressed output past the limits.
struct Limited<R> {
    inner: R,
    out: u64,
    compressed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    format: &'static str,
    limits: DecompressLimits,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        const MB: u64 = 1024 * 1024;
        let exceeded =
            |message: String| io::Error::new(io::ErrorKind::InvalidData, LimitExceeded(message));
        if self.out > self.limits.max_output {
            return Err(exceeded(format!(
                "decompresses to more than {} MB ([downloads] guide_max_xml_mb)",
                self.limits.max_output / MB
            )));
        }
        let compressed = self
            .compressed
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(1);
        if self.format != "plain"
            && self.out >= RATIO_GRACE
            && self.out / compressed > self.limits.max_ratio
        {
            return Err(exceeded(format!(
                "{} data expands more than {} times ({} MB from {} KB): a decompression bomb ([downloads] guide_max_ratio)",
                self.format,
                self.limits.max_ratio,
                self.out / MB,
                compressed / 1024
            )));
        }
        Ok(n)
    }
}

/// [`open_decompressed`], refusing (with an I/O error the XMLTV reader
/// reports as [`GuideError::Limit`](super::GuideError::Limit)) a document
/// that decompresses past `limits`.
pub fn open_decompressed_limited<R: Read + Send + 'static>(
    input: R,
    limits: DecompressLimits,
) -> io::Result<Box<dyn BufRead + Send>> {
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = Counted {
        inner: input,
        count: count.clone(),
    };
    let (format, reader) = sniffed(counted)?;
    Ok(Box::new(BufReader::with_capacity(
        BUF_LEN,
        Limited {
            inner: reader,
            out: 0,
            compressed: count,
            format,
            limits,
        },
    )))
}

/// [`open_decompressed`] for borrowed input (`&[u8]`).
pub(crate) fn decompressed<'a, R: Read + Send + 'a>(
    input: R,
) -> io::Result<Box<dyn BufRead + Send + 'a>> {
    sniffed(input).map(|(_, reader)| reader)
}

/// The input's format by its magic bytes ("gzip", "xz" or "plain") and a
/// reader of its decompressed bytes.
fn sniffed<'a, R: Read + Send + 'a>(
    mut input: R,
) -> io::Result<(&'static str, Box<dyn BufRead + Send + 'a>)> {
    let mut magic = [0u8; 6];
    let mut n = 0;
    while n < magic.len() {
        match input.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let head = &magic[..n];
    let whole = io::Cursor::new(head.to_vec()).chain(input);
    Ok(if head.starts_with(GZIP_MAGIC) {
        // Multi-member: concatenated .gz files are one valid gzip stream.
        let gz = MultiGzDecoder::new(whole);
        (
            "gzip",
            Box::new(BufReader::with_capacity(
                BUF_LEN,
                Tagged {
                    format: "gzip",
                    inner: gz,
                },
            )),
        )
    } else if head.starts_with(XZ_MAGIC) {
        let xz = XzDecoder::new_multi_decoder(whole);
        (
            "xz",
            Box::new(BufReader::with_capacity(
                BUF_LEN,
                Tagged {
                    format: "xz",
                    inner: xz,
                },
            )),
        )
    } else {
        ("plain", Box::new(BufReader::with_capacity(BUF_LEN, whole)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"<tv><channel id=\"a\"/></tv>";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 1);
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(bytes: Vec<u8>) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        open_decompressed(io::Cursor::new(bytes))?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn plain_gzip_and_xz_all_come_out_as_the_same_text() {
        let cases = [
            ("plain", TEXT.to_vec()),
            ("gzip", gzip(TEXT)),
            ("xz", xz(TEXT)),
            (
                "two gzip members",
                [gzip(&TEXT[..10]), gzip(&TEXT[10..])].concat(),
            ),
            ("empty", Vec::new()),
            ("shorter than a magic", b"<".to_vec()),
        ];
        for (name, bytes) in cases {
            let expected: &[u8] = match name {
                "empty" => b"",
                "shorter than a magic" => b"<",
                _ => TEXT,
            };
            assert_eq!(read_all(bytes).unwrap(), expected, "{name}");
        }
    }

    /// Reads through the limited decoder; the error's text when refused.
    fn read_limited(bytes: Vec<u8>, limits: DecompressLimits) -> Result<u64, String> {
        let mut r =
            open_decompressed_limited(io::Cursor::new(bytes), limits).map_err(|e| e.to_string())?;
        let mut total = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => total += n as u64,
                Err(e) => {
                    let inner = e.get_ref().and_then(|i| i.downcast_ref::<LimitExceeded>());
                    return Err(inner.map(|l| l.0.clone()).unwrap_or_else(|| e.to_string()));
                }
            }
        }
    }

    #[test]
    fn decompressed_size_and_ratio_are_capped() {
        const MB: u64 = 1024 * 1024;
        let zeros = |n: u64| vec![0u8; n as usize];
        // Varied text: compresses far less than 100:1.
        let varied: Vec<u8> = (0..20 * MB)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 % 64 + 32)
            .collect();
        let big = DecompressLimits {
            max_output: 64 * MB,
            max_ratio: 100,
        };
        type Case = (
            &'static str,
            Vec<u8>,
            DecompressLimits,
            Result<u64, &'static str>,
        );
        let cases: Vec<Case> = vec![
            ("plain within the cap", zeros(MB), big, Ok(MB)),
            (
                "plain over the cap",
                zeros(2 * MB),
                DecompressLimits {
                    max_output: MB,
                    max_ratio: 100,
                },
                Err("decompresses to more than 1 MB"),
            ),
            (
                "gzip over the size cap",
                gzip(&zeros(2 * MB)),
                DecompressLimits {
                    max_output: MB,
                    max_ratio: 10_000,
                },
                Err("decompresses to more than 1 MB"),
            ),
            (
                "a small, very repetitive gzip is not a bomb",
                gzip(&zeros(4 * MB)),
                big,
                Ok(4 * MB),
            ),
            (
                "a gzip bomb past the grace",
                gzip(&zeros(40 * MB)),
                big,
                Err("gzip data expands more than 100 times"),
            ),
            (
                "an xz bomb past the grace",
                xz(&zeros(40 * MB)),
                big,
                Err("xz data expands more than 100 times"),
            ),
            (
                "varied text past the grace",
                gzip(&varied),
                big,
                Ok(20 * MB),
            ),
        ];
        for (name, bytes, limits, want) in cases {
            let got = read_limited(bytes, limits);
            match (&got, want) {
                (Ok(n), Ok(w)) => assert_eq!(*n, w, "{name}"),
                (Err(e), Err(w)) => assert!(e.starts_with(w), "{name}: {e}"),
                _ => panic!("{name}: {got:?}"),
            }
        }
    }

    #[test]
    fn truncated_gzip_and_xz_are_errors_naming_the_format() {
        for (format, bytes) in [("gzip", gzip(TEXT)), ("xz", xz(TEXT))] {
            let cut = bytes[..bytes.len() - 6].to_vec();
            let err = read_all(cut).unwrap_err();
            let inner = err
                .get_ref()
                .and_then(|e| e.downcast_ref::<DecompressError>());
            assert_eq!(inner.map(|d| d.format), Some(format), "{err}");
        }
    }
}
