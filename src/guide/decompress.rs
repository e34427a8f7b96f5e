//! Opening a guide download: gzip and xz are recognised by their magic bytes.
//!
//! Providers serve `guide.xml`, `guide.xml.gz` and `guide.xml.xz`, often with
//! a wrong Content-Type or file name, so the first bytes decide. Errors raised
//! inside a decompressor are wrapped in [`DecompressError`] so the XMLTV reader
//! can report "truncated gzip" rather than a bare I/O error.

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

/// [`open_decompressed`] for borrowed input (`&[u8]`).
pub(crate) fn decompressed<'a, R: Read + Send + 'a>(
    mut input: R,
) -> io::Result<Box<dyn BufRead + Send + 'a>> {
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
        Box::new(BufReader::with_capacity(
            BUF_LEN,
            Tagged {
                format: "gzip",
                inner: gz,
            },
        ))
    } else if head.starts_with(XZ_MAGIC) {
        let xz = XzDecoder::new_multi_decoder(whole);
        Box::new(BufReader::with_capacity(
            BUF_LEN,
            Tagged {
                format: "xz",
                inner: xz,
            },
        ))
    } else {
        Box::new(BufReader::with_capacity(BUF_LEN, whole))
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
