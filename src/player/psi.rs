//! Cached programme tables for multicast zaps.
//!
//! A demuxer joining a multicast group can use nothing until it has read
//! the PAT and then the PMT, which a headend repeats every 100 ms or so; a
//! key frame that arrives before them is lost, and the zap waits a whole
//! GOP more. The player keeps the last PAT and PMT packets each group sent
//! and puts them in front of the first datagram of the next zap to it, so
//! tsdemux knows the programme at once (a set-top box's cached-PSI fast
//! channel change).
//!
//! A cached table that no longer matches what the group sends (the headend
//! changed its PIDs without a new table version) would mislead the demuxer,
//! so the first tables the group sends are compared with what was put in
//! front; on a difference the zap is restarted on the tables just read.

use std::collections::HashMap;
use std::sync::Mutex;

use super::ts::PACKET;

#[derive(Default)]
pub struct Psi {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The group being played (None: not a plain multicast source).
    url: Option<String>,
    /// What went in front this zap (Some(empty): nothing was cached).
    injected: Option<Vec<u8>>,
    /// This zap's tables as the group sends them.
    pat: Option<Vec<u8>>,
    pmt_pid: Option<u16>,
    learned: bool,
    mismatch: bool,
    cache: HashMap<String, Vec<u8>>,
}

impl Psi {
    /// A new stream: `url` when it is a multicast group read by udpsrc.
    pub fn start(&self, url: Option<&str>) {
        if let Ok(mut s) = self.state.lock() {
            let cache = std::mem::take(&mut s.cache);
            *s = State {
                url: url.map(str::to_string),
                cache,
                ..Default::default()
            };
        }
    }

    /// Looks at a buffer from the source; returns the packets to put in
    /// front of it (only the first buffer of a zap, when tables are cached).
    pub fn buffer(&self, ts: &[u8]) -> Option<Vec<u8>> {
        let mut s = self.state.lock().ok()?;
        // Once this zap's tables are in front and learned, every other
        // datagram passes untouched (this runs for each one).
        if s.url.is_none() || (s.injected.is_some() && s.learned) {
            return None;
        }
        let url = s.url.clone()?;
        let prefix = if s.injected.is_none() {
            let cached = s.cache.get(&url).cloned().unwrap_or_default();
            s.injected = Some(cached.clone());
            Some(cached).filter(|c| !c.is_empty())
        } else {
            None
        };
        if !s.learned {
            s.learn(&url, ts);
        }
        prefix
    }

    /// Whether the group's tables differed from the cached ones put in front
    /// (once: the flag is cleared).
    pub fn take_mismatch(&self) -> bool {
        self.state
            .lock()
            .map(|mut s| std::mem::take(&mut s.mismatch))
            .unwrap_or(false)
    }
}

impl State {
    fn learn(&mut self, url: &str, ts: &[u8]) {
        if !ts.len().is_multiple_of(PACKET) {
            return;
        }
        for p in ts.chunks_exact(PACKET).filter(|p| p[0] == 0x47) {
            let pid = (u16::from(p[1] & 0x1f) << 8) | u16::from(p[2]);
            let unit_start = p[1] & 0x40 != 0;
            if !unit_start {
                continue;
            }
            if pid == 0 {
                if let Some(pmt) = single_section(p).and_then(first_pmt_pid) {
                    self.pat = Some(p.to_vec());
                    self.pmt_pid = Some(pmt);
                }
            } else if Some(pid) == self.pmt_pid
                && single_section(p).is_some()
                && let Some(pat) = self.pat.take()
            {
                let tables = [pat, p.to_vec()].concat();
                if let Some(injected) = self.injected.as_ref().filter(|i| !i.is_empty())
                    && !same_tables(injected, &tables)
                {
                    self.mismatch = true;
                }
                self.cache.insert(url.to_string(), tables);
                self.learned = true;
                return;
            }
        }
    }
}

/// The section of a PSI packet when it fits in the packet (no adaptation
/// field tricks): from table_id to the end of its CRC.
fn single_section(p: &[u8]) -> Option<&[u8]> {
    let mut i = 4;
    if p[3] & 0x20 != 0 {
        i += 1 + usize::from(*p.get(4)?);
    }
    if p[3] & 0x10 == 0 {
        return None;
    }
    let pointer = usize::from(*p.get(i)?);
    let start = i + 1 + pointer;
    let header = p.get(start..start + 3)?;
    let length = usize::from(u16::from_be_bytes([header[1], header[2]]) & 0x0fff);
    p.get(start..start + 3 + length)
}

/// The PMT PID of the first programme in a PAT section.
fn first_pmt_pid(section: &[u8]) -> Option<u16> {
    if section.first() != Some(&0x00) || section.len() < 12 {
        return None;
    }
    // Programme loops from byte 8 to the CRC; programme 0 is the network PID.
    section[8..section.len() - 4]
        .chunks_exact(4)
        .find(|e| u16::from_be_bytes([e[0], e[1]]) != 0)
        .map(|e| u16::from_be_bytes([e[2] & 0x1f, e[3]]))
}

/// The same tables, whatever the continuity counters say.
fn same_tables(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.chunks(PACKET)
            .zip(b.chunks(PACKET))
            .all(|(x, y)| x[..3] == y[..3] && single_section(x) == single_section(y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player::ts::tests::packet;

    /// A PSI packet for `pid` carrying `section` (table id, length, body, CRC).
    fn psi(pid: u16, cc: u8, section: &[u8]) -> Vec<u8> {
        let mut p = packet(pid, true, false, cc);
        p[4] = 0; // pointer field
        p[5..5 + section.len()].copy_from_slice(section);
        p
    }

    fn pat(pmt_pid: u16) -> Vec<u8> {
        // table 0, length 13: tsid, version, section numbers, programme 1 → pmt_pid, CRC.
        let mut s = vec![0x00, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1];
        s.extend([0xe0 | (pmt_pid >> 8) as u8, pmt_pid as u8, 1, 2, 3, 4]);
        s
    }

    fn pmt(video_pid: u16) -> Vec<u8> {
        // table 2, programme 1, PCR PID, no descriptors, one H.264 stream.
        let mut s = vec![0x02, 0xb0, 18, 0, 1, 0xc1, 0, 0];
        s.extend([0xe0 | (video_pid >> 8) as u8, video_pid as u8, 0xf0, 0]);
        s.extend([
            0x1b,
            0xe0 | (video_pid >> 8) as u8,
            video_pid as u8,
            0xf0,
            0,
        ]);
        s.extend([9, 9, 9, 9]);
        s
    }

    fn stream(pmt_pid: u16, video_pid: u16, cc: u8) -> Vec<u8> {
        [
            packet(video_pid, false, false, cc),
            psi(0, cc, &pat(pmt_pid)),
            psi(pmt_pid, cc, &pmt(video_pid)),
            packet(video_pid, true, true, cc),
        ]
        .concat()
    }

    #[test]
    fn tables_read_on_one_zap_go_in_front_of_the_next() {
        let psi_cache = Psi::default();
        let url = "udp://@239.1.1.1:5000";
        psi_cache.start(Some(url));
        assert_eq!(psi_cache.buffer(&stream(0x1000, 0x100, 1)), None);
        assert_eq!(psi_cache.buffer(&stream(0x1000, 0x100, 2)), None);
        // Another channel, then back.
        psi_cache.start(Some("udp://@239.1.1.2:5000"));
        assert_eq!(psi_cache.buffer(&stream(0x1010, 0x110, 3)), None);
        psi_cache.start(Some(url));
        let front = psi_cache
            .buffer(&packet(0x100, false, false, 5))
            .expect("cached tables");
        assert_eq!(front.len(), 2 * PACKET);
        assert_eq!(single_section(&front[..PACKET]), Some(&pat(0x1000)[..]));
        assert_eq!(single_section(&front[PACKET..]), Some(&pmt(0x100)[..]));
        assert_eq!(psi_cache.buffer(&packet(0x100, false, false, 6)), None);
        // The same tables with other counters: no mismatch.
        psi_cache.buffer(&stream(0x1000, 0x100, 9));
        assert!(!psi_cache.take_mismatch());
    }

    #[test]
    fn changed_tables_are_noticed_and_cached_instead() {
        let psi_cache = Psi::default();
        let url = "udp://@239.1.1.1:5000";
        psi_cache.start(Some(url));
        psi_cache.buffer(&stream(0x1000, 0x100, 1));
        psi_cache.start(Some(url));
        assert!(psi_cache.buffer(&stream(0x1000, 0x200, 2)).is_some());
        assert!(psi_cache.take_mismatch(), "the video PID moved");
        assert!(!psi_cache.take_mismatch(), "reported once");
        psi_cache.start(Some(url));
        let front = psi_cache.buffer(&packet(0x200, false, false, 3)).unwrap();
        assert_eq!(single_section(&front[PACKET..]), Some(&pmt(0x200)[..]));
    }

    #[test]
    fn other_sources_and_odd_data_are_left_alone() {
        let psi_cache = Psi::default();
        psi_cache.start(None);
        assert_eq!(psi_cache.buffer(&stream(0x1000, 0x100, 1)), None);
        psi_cache.start(Some("udp://@239.1.1.1:5000"));
        assert_eq!(psi_cache.buffer(b"not a transport stream"), None);
        // A PAT without programmes teaches nothing.
        let empty_pat = psi(0, 0, &[0x00, 0xb0, 9, 0, 1, 0xc1, 0, 0, 1, 2, 3, 4]);
        assert_eq!(psi_cache.buffer(&empty_pat), None);
        psi_cache.start(Some("udp://@239.1.1.1:5000"));
        assert_eq!(psi_cache.buffer(&packet(0x100, false, false, 1)), None);
    }
}
