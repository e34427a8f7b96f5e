//! Zapping away from HLS channels right after their first picture leaves
//! nothing behind: GStreamer 1.22.0's stock hlsdemux2 leaked about 1.4
//! descriptors per such zap (its libsoup session, connections and main
//! contexts), each playbin3 the player rebuilds left its soft-volume
//! element alive, and decodebin3 left two identity elements behind at every
//! start. The player uses the fixed builds (`src/player/plugins.rs`,
//! `platform/gstreamer/build-fixed-plugins.sh`, run by `make test`).
//!
//! Its own test binary: it counts the whole process's descriptors, and the
//! headend runs in a child process so that only the player's are counted.

mod common;

use std::time::Duration;

use common::{headend_process, next_event, player, scratch};
use hustings::player::census::ElementCensus;
use hustings::player::{PlayerEvent, plugins};

const PICTURE: Duration = Duration::from_secs(20);
const CHANNELS: [&str; 3] = ["civic-one", "council-live", "campaign-news"];

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn quick_zaps_away_from_hls_leave_no_descriptors_or_elements_behind() {
    let (headend, url) = headend_process("127.0.0.1:0", &scratch("hls-teardown"), &[]);
    // Killed when the test ends, whatever its end.
    let _headend = common::KillOnDrop(headend);
    hustings::player::init().unwrap();
    let census = ElementCensus::start();
    let (p, mut events) = player(Duration::from_secs(2));
    let hls = |i: usize| format!("{url}hls/{}/index.m3u8", CHANNELS[i % CHANNELS.len()]);
    let mut zap_to_picture = |i: usize| {
        let zap = p.tune(format!("{i}"), vec![hls(i)]);
        match next_event(
            &mut events,
            PICTURE,
            |e| matches!(e, PlayerEvent::FirstFrame { zap: z, .. } | PlayerEvent::Error { zap: z, .. } if *z == zap),
        ) {
            Some(PlayerEvent::FirstFrame { .. }) => {}
            other => panic!("zap {i} to {}: {other:?}", hls(i)),
        }
    };
    // Warm-up: the plugins, the pipeline's sinks and threads are all made.
    for i in 0..4 {
        zap_to_picture(i);
    }
    let before = open_descriptors();
    // 34 starts in all: with decodebin3's stock build, 68 identities left
    // behind (or 4, had the player rebuilt its playbin3 after 32).
    const ZAPS: usize = 30;
    for i in 4..4 + ZAPS {
        // Away again as soon as the picture is there, downloads in flight.
        zap_to_picture(i);
    }
    let after = open_descriptors();
    let alive = census.by_type();
    let volumes = alive.get("GstVolume").copied().unwrap_or(0);
    eprintln!("elements alive: {alive:?}");
    // Shutting down waits for the pipeline's NULL and the actor's end: then
    // nothing of the player is left.
    assert!(
        p.shutdown(Duration::from_secs(10)),
        "the player did not stop"
    );
    let left = census.by_type();
    assert!(
        left.is_empty(),
        "alive after shutdown: {left:?}; playback from {:?}",
        plugins::in_use("playback")
    );
    let demux = plugins::in_use(plugins::ADAPTIVE_DEMUX);
    eprintln!(
        "descriptors {before} -> {after} over {ZAPS} zaps, {volumes} GstVolume alive; hlsdemux2 from {demux:?}"
    );
    // The stock plugin leaves about 40 here; the pipeline's own may vary by a few.
    assert!(
        after <= before + 8,
        "{} more descriptors after {ZAPS} quick zaps between HLS channels ({before} -> {after}); \
         hlsdemux2 from {demux:?} (the fixed build comes from platform/gstreamer/build-fixed-plugins.sh)",
        after as i64 - before as i64,
    );
    // One playbin3 alive, one soft-volume element: the stock playsink leaves
    // a dropped playbin3's behind too. The identities of the stream playing
    // (4 here after 34 starts), not two more per start.
    let playback = plugins::in_use("playback");
    let identities = alive.get("GstIdentity").copied().unwrap_or(0);
    assert!(
        volumes <= 1 && identities <= 4,
        "{volumes} GstVolume and {identities} GstIdentity alive after {} starts; playback from {playback:?}",
        ZAPS + 4
    );
}
