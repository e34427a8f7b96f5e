//! Multicast datagrams through everything the player reads of them: the RTP
//! header (`rtp_payload`), the TS scan for a PAT and a random-access point
//! and the neighbours' recent GOP (`Recent`), continuity counting
//! (`Continuity`) and the cached PAT/PMT put in front of a zap (`Psi`),
//! with zaps between: never a panic, and what goes in front of a zap is
//! whole TS packets.
//!
//! Input: datagrams, each a 2-byte big-endian length and that many bytes
//! (the last one takes what is left). A length with the top bit set starts
//! a new zap to group `length & 3` first.
#![no_main]

use hustings::fuzzing::{Continuity, PACKET, Psi, Recent, rtp_payload, scan};
use libfuzzer_sys::fuzz_target;

const GROUPS: [&str; 4] = [
    "udp://@239.1.1.1:5000",
    "udp://@239.1.1.2:5000",
    "rtp://@239.1.1.3:5000",
    "udp://@239.1.1.4:5000",
];

fuzz_target!(|data: &[u8]| {
    let psi = Psi::default();
    let mut continuity = Continuity::default();
    let mut recent = Recent::default();
    psi.start(Some(GROUPS[0]));
    let mut rest = data;
    while let Some((head, tail)) = rest.split_at_checked(2) {
        let word = u16::from_be_bytes([head[0], head[1]]);
        if word & 0x8000 != 0 {
            psi.start(Some(GROUPS[usize::from(word & 3)]));
            continuity.reset();
        }
        let len = usize::from(word & 0x7fff).min(tail.len());
        let (datagram, next) = tail.split_at(len);
        rest = next;
        let Some(ts) = rtp_payload(datagram) else {
            continue;
        };
        let _ = scan(ts);
        recent.push(ts.to_vec());
        continuity.check(ts);
        if let Some(front) = psi.buffer(ts) {
            assert!(!front.is_empty() && front.len() % PACKET == 0);
        }
        let _ = psi.take_mismatch();
    }
    for d in recent.start() {
        let _ = d.len();
    }
});
