//! Just enough MPEG-TS (and RTP) reading for the player's own sockets and
//! diagnostics: where a clean start is (PAT, random-access point), continuity
//! errors (lost packets), and the TS payload of an RTP datagram.

pub const PACKET: usize = 188;

/// What a run of TS packets carries that matters for a clean start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub pat: bool,
    pub random_access: bool,
}

/// Looks through TS packets for a PAT and a random-access point (the flag a
/// multiplexer sets on a key frame's first packet).
pub fn scan(ts: &[u8]) -> Flags {
    let mut flags = Flags::default();
    for p in ts.chunks_exact(PACKET).filter(|p| p[0] == 0x47) {
        let pid = (u16::from(p[1] & 0x1f) << 8) | u16::from(p[2]);
        if pid == 0 && p[1] & 0x40 != 0 {
            flags.pat = true;
        }
        // A random-access point counts only where a video PES begins: some
        // multiplexers (ffmpeg's) also flag every audio frame.
        if p[1] & 0x40 != 0 && p[3] & 0x20 != 0 && p[4] > 0 && p[5] & 0x40 != 0 {
            let payload = 5 + usize::from(p[4]);
            if let Some(pes) = p.get(payload..payload + 4)
                && pes[..3] == [0, 0, 1]
                && (0xe0..=0xef).contains(&pes[3])
            {
                flags.random_access = true;
            }
        }
    }
    flags
}

/// Counts continuity-counter errors per PID: each lost TS packet (or run of
/// them) on a PID is one error.
pub struct Continuity {
    /// Last counter per PID; 0xff = not seen yet.
    last: Box<[u8; 8192]>,
    pub errors: u64,
}

impl Default for Continuity {
    fn default() -> Self {
        Continuity {
            last: Box::new([0xff; 8192]),
            errors: 0,
        }
    }
}

impl Continuity {
    /// Checks a run of TS packets; anything that is not TS is ignored.
    pub fn check(&mut self, ts: &[u8]) {
        if !ts.len().is_multiple_of(PACKET) || ts.first() != Some(&0x47) {
            return;
        }
        for p in ts.chunks_exact(PACKET).filter(|p| p[0] == 0x47) {
            let pid = usize::from(p[1] & 0x1f) << 8 | usize::from(p[2]);
            if pid == 0x1fff {
                continue; // null packets carry no counter
            }
            let has_payload = p[3] & 0x10 != 0;
            let discontinuity = p[3] & 0x20 != 0 && p[4] > 0 && p[5] & 0x80 != 0;
            let cc = p[3] & 0x0f;
            let last = self.last[pid];
            if has_payload && last != 0xff && !discontinuity {
                // A repeated counter is an allowed duplicate packet.
                if cc != (last + 1) & 0x0f && cc != last {
                    self.errors += 1;
                }
            }
            if has_payload || last == 0xff {
                self.last[pid] = cc;
            }
        }
    }

    /// Forgets every PID (a new stream).
    pub fn reset(&mut self) {
        self.last.fill(0xff);
    }
}

/// The payload of an RTP datagram (RFC 3550: version 2, CSRCs, extension,
/// padding), or the datagram itself when it is plain TS.
pub fn rtp_payload(datagram: &[u8]) -> Option<&[u8]> {
    if datagram.first() == Some(&0x47) {
        return Some(datagram);
    }
    if datagram.len() < 12 || datagram[0] >> 6 != 2 {
        return None;
    }
    let csrcs = usize::from(datagram[0] & 0x0f);
    let mut start = 12 + 4 * csrcs;
    if datagram[0] & 0x10 != 0 {
        let ext = datagram.get(start + 2..start + 4)?;
        start += 4 + 4 * usize::from(u16::from_be_bytes([ext[0], ext[1]]));
    }
    let mut end = datagram.len();
    if datagram[0] & 0x20 != 0 {
        end = end.checked_sub(usize::from(*datagram.last()?))?;
    }
    datagram.get(start..end)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TS packet: PID, payload-unit start, random access, counter.
    pub(crate) fn packet(pid: u16, unit_start: bool, random_access: bool, cc: u8) -> Vec<u8> {
        let mut p = vec![0xffu8; PACKET];
        p[0] = 0x47;
        p[1] = (if unit_start { 0x40 } else { 0 }) | ((pid >> 8) as u8 & 0x1f);
        p[2] = pid as u8;
        if random_access {
            p[3] = 0x30 | (cc & 0x0f); // adaptation field and payload
            p[4] = 7;
            p[5] = 0x40;
            // A video PES header starts the payload.
            p[12..16].copy_from_slice(&[0, 0, 1, 0xe0]);
        } else {
            p[3] = 0x10 | (cc & 0x0f);
        }
        p
    }

    #[test]
    fn pat_and_random_access_points_are_found() {
        let pat = packet(0, true, false, 0);
        let key = packet(0x100, true, true, 0);
        assert_eq!(
            scan(&pat),
            Flags {
                pat: true,
                random_access: false
            }
        );
        assert_eq!(
            scan(&[pat.clone(), key].concat()),
            Flags {
                pat: true,
                random_access: true
            }
        );
        assert_eq!(scan(b"not ts"), Flags::default());
        let mut audio_key = packet(0x101, true, true, 0);
        audio_key[15] = 0xc0; // an audio stream id
        assert_eq!(
            scan(&audio_key),
            Flags::default(),
            "audio frames are not key frames"
        );
    }

    #[test]
    fn lost_packets_count_as_continuity_errors() {
        let mut c = Continuity::default();
        let run: Vec<u8> = [0u8, 1, 2, 2, 3, 5, 6, 7]
            .iter()
            .flat_map(|cc| packet(0x100, false, false, *cc))
            .collect();
        c.check(&run);
        assert_eq!(c.errors, 1, "2 repeated is a duplicate, 3 to 5 lost one");
        let wrap: Vec<u8> = [15u8, 0, 1]
            .iter()
            .flat_map(|cc| packet(0x101, false, false, *cc))
            .collect();
        c.check(&wrap);
        assert_eq!(c.errors, 1, "15 to 0 wraps");
        c.check(b"#EXTM3U\n");
        assert_eq!(c.errors, 1, "not TS: ignored");
    }

    #[test]
    fn rtp_headers_are_taken_off() {
        let ts = packet(0x100, true, false, 0);
        let mut rtp = vec![0x80, 33, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        rtp.extend_from_slice(&ts);
        assert_eq!(rtp_payload(&rtp), Some(ts.as_slice()));
        let mut with_csrc = vec![0x81, 33, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9];
        with_csrc.extend_from_slice(&ts);
        assert_eq!(rtp_payload(&with_csrc), Some(ts.as_slice()));
        assert_eq!(
            rtp_payload(&ts),
            Some(ts.as_slice()),
            "plain TS passes through"
        );
        assert_eq!(rtp_payload(&[0x80, 33]), None);
    }
}
