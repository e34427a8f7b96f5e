//! Instant zap to neighbours: the channels above and below the current one
//! stay joined on sockets of our own, each keeping its most recent GOP, so a
//! zap to one of them starts decoding at once instead of waiting for the next
//! key frame.
//!
//! ```text
//!  group ─► socket thread ─► recent datagrams (≤ RECENT_BYTES)
//!                                   │ zap to this channel
//!                                   ▼
//!          playbin3 (uri appsrc://) ◄─ from the last PAT before the last
//!                                      random-access point, then live
//! ```
//!
//! The recent datagrams start at a PAT sent before a random-access point
//! (the key frame a TS multiplexer flags), so the demuxer learns the
//! programme and the decoder gets a key frame at once. Playback then runs up
//! to one GOP behind the live edge, as with any instant-zap burst.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer_app as gst_app;

use super::ts::{Flags, rtp_payload, scan};

/// Most bytes kept per neighbour (a GOP of a 20 Mbit/s stream with 1 s GOPs fits).
const RECENT_BYTES: usize = 6 * 1024 * 1024;

/// The recent datagrams of one group.
#[derive(Default)]
pub struct Recent {
    datagrams: VecDeque<(Vec<u8>, Flags)>,
    bytes: usize,
}

impl Recent {
    pub fn push(&mut self, datagram: Vec<u8>) {
        let flags = scan(&datagram);
        self.bytes += datagram.len();
        self.datagrams.push_back((datagram, flags));
        while self.bytes > RECENT_BYTES {
            match self.datagrams.pop_front() {
                Some((d, _)) => self.bytes -= d.len(),
                None => break,
            }
        }
    }

    /// From the last PAT before the last random-access point (everything
    /// kept when there is no such pair yet).
    pub fn start(&self) -> impl Iterator<Item = &[u8]> {
        let rai = self.datagrams.iter().rposition(|(_, m)| m.random_access);
        let from = rai
            .and_then(|r| self.datagrams.iter().take(r + 1).rposition(|(_, m)| m.pat))
            .unwrap_or(0);
        self.datagrams.iter().skip(from).map(|(d, _)| d.as_slice())
    }
}

/// One joined neighbour.
struct Branch {
    recent: Arc<Mutex<Recent>>,
    /// Where live datagrams go once a zap has picked this channel.
    attached: Arc<Mutex<Option<gst_app::AppSrc>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Branch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// The joined neighbours (and the RTP or source-specific stream being
/// watched, which also comes through a socket of ours), by URL.
pub(crate) struct Prejoin {
    branches: Mutex<HashMap<String, Branch>>,
}

impl Prejoin {
    pub(crate) fn new() -> Self {
        Prejoin {
            branches: Mutex::new(HashMap::new()),
        }
    }

    /// Joins `url` if it is not joined yet (a stream GStreamer cannot join
    /// itself: RTP, or source-specific multicast).
    pub(crate) fn ensure(&self, url: &str, iface: Option<&str>) -> std::io::Result<()> {
        let mut branches = self
            .branches
            .lock()
            .map_err(|_| std::io::Error::other("prejoin lock"))?;
        if !branches.contains_key(url) {
            branches.insert(url.to_string(), start_branch(url, iface)?);
        }
        Ok(())
    }

    /// Keeps exactly `urls` joined (multicast ones; others are ignored).
    pub(crate) fn keep(&self, urls: &[String], iface: Option<&str>) {
        let Ok(mut branches) = self.branches.lock() else {
            return;
        };
        // The channel being watched through its branch stays joined too.
        branches
            .retain(|url, b| urls.contains(url) || b.attached.lock().is_ok_and(|a| a.is_some()));
        for url in urls {
            if branches.contains_key(url) {
                continue;
            }
            match start_branch(url, iface) {
                Ok(b) => {
                    tracing::debug!(%url, "neighbour joined");
                    branches.insert(url.clone(), b);
                }
                Err(e) => tracing::warn!(%url, "cannot join the neighbour: {e}"),
            }
        }
    }

    pub(crate) fn has(&self, url: &str) -> bool {
        self.branches.lock().is_ok_and(|b| b.contains_key(url))
    }

    /// Feeds `appsrc` from `url`'s branch: its recent GOP, then live.
    pub(crate) fn attach(&self, url: &str, appsrc: gst_app::AppSrc) -> bool {
        let Ok(branches) = self.branches.lock() else {
            return false;
        };
        let Some(b) = branches.get(url) else {
            return false;
        };
        appsrc.set_caps(Some(
            &gst::Caps::builder("video/mpegts")
                .field("systemstream", true)
                .field("packetsize", 188i32)
                .build(),
        ));
        appsrc.set_is_live(true);
        appsrc.set_format(gst::Format::Time);
        appsrc.set_do_timestamp(true);
        // Hold the recent buffer's lock across the burst and the attach: the
        // socket thread pushes and looks for the appsrc under it too.
        let recent = b.recent.lock();
        if let Ok(recent) = &recent {
            for d in recent.start() {
                let _ = appsrc.push_buffer(gst::Buffer::from_slice(d.to_vec()));
            }
        }
        for other in branches.values() {
            if let Ok(mut a) = other.attached.lock() {
                a.take();
            }
        }
        if let Ok(mut a) = b.attached.lock() {
            *a = Some(appsrc);
        }
        drop(recent);
        true
    }

    /// Stops feeding any pipeline (the branches keep their recent GOP).
    pub(crate) fn detach_all(&self) {
        if let Ok(branches) = self.branches.lock() {
            for b in branches.values() {
                if let Ok(mut a) = b.attached.lock() {
                    a.take();
                }
            }
        }
    }
}

fn start_branch(url: &str, iface: Option<&str>) -> std::io::Result<Branch> {
    let socket = super::source::join_socket(url, iface)?;
    socket.set_read_timeout(Some(Duration::from_millis(200)))?;
    let recent = Arc::new(Mutex::new(Recent::default()));
    let attached: Arc<Mutex<Option<gst_app::AppSrc>>> = Arc::new(Mutex::new(None));
    let stop = Arc::new(AtomicBool::new(false));
    let (r, a, s) = (recent.clone(), attached.clone(), stop.clone());
    let name = format!("prejoin {url}");
    std::thread::Builder::new().name(name).spawn(move || {
        let socket: std::net::UdpSocket = socket.into();
        let mut buf = vec![0u8; 65536];
        while !s.load(Ordering::Acquire) {
            let Ok(n) = socket.recv(&mut buf) else {
                continue;
            };
            // RTP carries the TS after its header; plain UDP is TS already.
            let Some(ts) = rtp_payload(&buf[..n]) else {
                continue;
            };
            let datagram = ts.to_vec();
            // Into the recent buffer (kept while attached too, for the next
            // zap back) and, under the same lock, where it goes live: a zap
            // that attaches meanwhile either finds it in its burst or gets it
            // here, never neither. (Counted by the appsrc's pad probe.)
            let attached = match r.lock() {
                Ok(mut recent) => {
                    recent.push(datagram.clone());
                    a.lock().ok().and_then(|a| a.clone())
                }
                Err(_) => None,
            };
            if let Some(appsrc) = attached {
                let _ = appsrc.push_buffer(gst::Buffer::from_slice(datagram));
            }
        }
        // Dropping the socket leaves the group.
    })?;
    Ok(Branch {
        recent,
        attached,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::ts::tests::packet;

    #[test]
    fn a_zap_starts_at_the_pat_before_the_last_key_frame() {
        let mut r = Recent::default();
        let pat = packet(0, true, false, 0);
        let video = packet(0x100, false, false, 0);
        let key = packet(0x100, true, true, 0);
        let sequence = [
            [pat.clone(), video.clone()].concat(), // 0: PAT
            [key.clone(), video.clone()].concat(), // 1: old key frame
            video.clone(),                         // 2
            [pat.clone(), video.clone()].concat(), // 3: PAT
            video.clone(),                         // 4
            key.clone(),                           // 5: newest key frame
            [video.clone(), video].concat(),       // 6
        ];
        for d in &sequence {
            r.push(d.clone());
        }
        let start: Vec<&[u8]> = r.start().collect();
        assert_eq!(start.len(), 4, "datagrams 3..=6");
        assert_eq!(start[0], sequence[3].as_slice());
    }

    #[test]
    fn the_recent_buffer_is_bounded() {
        let mut r = Recent::default();
        let d = vec![0u8; 1316];
        for _ in 0..(RECENT_BYTES / 1316 + 100) {
            r.push(d.clone());
        }
        assert!(r.bytes <= RECENT_BYTES);
        assert_eq!(
            r.start().count(),
            r.datagrams.len(),
            "no key frame yet: everything"
        );
    }
}
