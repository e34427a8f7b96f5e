//! Faults the headend can be asked to cause, for the tests that prove what
//! the README promises about them, plus the request log those tests read.
//!
//! Everything here is off unless a `hustings headend` flag turns it on:
//! `--request-log FILE` appends `start METHOD PATH` when a request arrives
//! and `done METHOD PATH STATUS` once its whole body was handed to the
//! connection (a headend killed halfway through a body leaves a `start`
//! without its `done`); `--segment-rate BYTES` sends archive segments
//! (`/archive/**.ts`) slowly, so a kill lands inside one; `--damage
//! PATH=N` flips one byte of the first N answers for PATH (a segment
//! damaged on the way, to be caught by the catalogue's checksum). The
//! submission faults (`--fail-submissions`, `--die-after-commit`) are
//! carried out by `interact.rs`. Each log line is one `write` on a file
//! opened for appending, so a SIGKILL never leaves half a line.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

/// The faults asked for (all off by default).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Where to append the request log.
    pub request_log: Option<PathBuf>,
    /// Archive segments are sent at this many bytes per second.
    pub segment_rate: Option<u64>,
    /// (URL path, count): the first `count` answers for the path have one byte flipped.
    pub damage: Vec<(String, u32)>,
    /// HTTP statuses answered, in order, to the first submissions (before storing them).
    pub fail_submissions: Vec<u16>,
    /// The process kills itself (SIGKILL) right after committing the Nth new
    /// submission, before replying: a server restart between commit and reply.
    pub die_after_commit: Option<u32>,
}

/// Parses `PATH=N` (a `--damage` value).
pub fn parse_damage(s: &str) -> Result<(String, u32), String> {
    let (path, n) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("{s:?}: expected PATH=COUNT"))?;
    let n = n
        .parse()
        .map_err(|_| format!("{s:?}: {n:?} is not a count"))?;
    Ok((path.to_string(), n))
}

/// The live state of the HTTP faults, shared by every request.
pub(super) struct HttpFaults {
    log: Option<Mutex<std::fs::File>>,
    segment_rate: Option<u64>,
    damage: Mutex<HashMap<String, u32>>,
}

/// Where in a damaged body the flipped byte is (inside the first TS packets
/// of any real segment, past the first chunk boundary of none).
const DAMAGED_BYTE: u64 = 1000;
/// A slow body is sent in pieces this many times a second.
const PIECES_PER_SECOND: u64 = 20;

impl HttpFaults {
    /// Opens the request log (if any) for appending.
    pub(super) fn open(f: &Faults) -> std::io::Result<Option<Arc<HttpFaults>>> {
        if f.request_log.is_none() && f.segment_rate.is_none() && f.damage.is_empty() {
            return Ok(None);
        }
        let log = match &f.request_log {
            Some(p) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            )),
            None => None,
        };
        Ok(Some(Arc::new(HttpFaults {
            log,
            segment_rate: f.segment_rate.filter(|r| *r > 0),
            damage: Mutex::new(f.damage.iter().cloned().collect()),
        })))
    }

    fn log(&self, line: String) {
        if let Some(file) = &self.log {
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            // One write per line: appended whole or not at all.
            if let Err(e) = file.write_all(format!("{line}\n").as_bytes()) {
                tracing::warn!("request log: {e}");
            }
        }
    }

    /// Whether this answer for `path` is one to damage (counts it down).
    fn take_damage(&self, path: &str) -> bool {
        let mut d = self.damage.lock().unwrap_or_else(|p| p.into_inner());
        match d.get_mut(path) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// The middleware: logs the request, then hands its body on through the
/// faults that apply to it.
pub(super) async fn layer(
    State(faults): State<Arc<HttpFaults>>,
    req: Request,
    next: Next,
) -> Response {
    let what = format!("{} {}", req.method(), req.uri().path());
    let path = req.uri().path().to_string();
    faults.log(format!("start {what}"));
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let segment = path.starts_with("/archive/") && path.ends_with(".ts");
    let damage = faults.take_damage(&path);
    if damage {
        tracing::info!(%path, "damaging this answer (--damage)");
    }
    let rate = faults.segment_rate.filter(|_| segment);
    let (parts, body) = resp.into_parts();
    let length = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let state = Tail {
        length,
        inner: body.into_data_stream(),
        pieces: VecDeque::new(),
        offset: 0,
        damage,
        rate,
        faults,
        done: Some(format!("done {what} {status}")),
    };
    let stream = futures::stream::unfold(state, |mut t| async move {
        loop {
            if let Some(piece) = t.pieces.pop_front() {
                if let Some(rate) = t.rate {
                    let secs = piece.len() as f64 / rate as f64;
                    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
                }
                // Hyper stops asking for more once Content-Length bytes went
                // out, so the end of a sized body is its last byte.
                if t.pieces.is_empty()
                    && t.length == Some(t.offset)
                    && let Some(line) = t.done.take()
                {
                    t.faults.log(line);
                }
                return Some((Ok(piece), t));
            }
            match t.inner.next().await {
                Some(Ok(chunk)) => t.take(chunk),
                Some(Err(e)) => {
                    t.done = None;
                    return Some((Err(e), t));
                }
                None => {
                    if let Some(line) = t.done.take() {
                        t.faults.log(line);
                    }
                    return None;
                }
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// A body on its way through the faults.
struct Tail {
    /// The body's Content-Length, when it has one.
    length: Option<u64>,
    inner: axum::body::BodyDataStream,
    pieces: VecDeque<Bytes>,
    offset: u64,
    damage: bool,
    rate: Option<u64>,
    faults: Arc<HttpFaults>,
    /// The `done` line, written when the body ends (not if it breaks off).
    done: Option<String>,
}

impl Tail {
    /// Queues one chunk of the body: damaged if asked, in slow pieces if asked.
    fn take(&mut self, chunk: Bytes) {
        let len = chunk.len() as u64;
        let chunk = if self.damage && (self.offset..self.offset + len).contains(&DAMAGED_BYTE) {
            let mut v = chunk.to_vec();
            v[(DAMAGED_BYTE - self.offset) as usize] ^= 0xff;
            Bytes::from(v)
        } else {
            chunk
        };
        self.offset += len;
        let piece = match self.rate {
            Some(rate) => (rate / PIECES_PER_SECOND).max(1) as usize,
            None => chunk.len().max(1),
        };
        let mut at = 0;
        while at < chunk.len() {
            let end = (at + piece).min(chunk.len());
            self.pieces.push_back(chunk.slice(at..end));
            at = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_flags_read_path_and_count() {
        assert_eq!(
            parse_damage("/archive/a/seg003.ts=2").unwrap(),
            ("/archive/a/seg003.ts".to_string(), 2)
        );
        assert!(parse_damage("/archive/a/seg003.ts").is_err());
        assert!(parse_damage("/x=many").is_err());
    }
}
