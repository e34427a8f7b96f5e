//! Multicast end to end, inside a private network namespace.
//!
//! As root (CI), the test re-runs itself under `unshare --net` with loopback
//! up, multicast on and a 224.0.0.0/4 route, so nothing it sends can leave the
//! namespace. Elsewhere it fails with a message, unless HUSTINGS_SKIP_NETNS=1.

mod common;

use std::process::Command;
use std::time::Duration;

use hustings::headend::{Headend, HeadendOptions, MulticastMode};
use hustings::player::{PlayerCommand, PlayerEvent};

const INNER: &str = "HUSTINGS_IN_NETNS";

/// Runs `test` in a fresh network namespace (by re-running this test binary there).
fn in_private_netns(test: &str) -> bool {
    if std::env::var_os(INNER).is_some() {
        return true;
    }
    if std::env::var("HUSTINGS_SKIP_NETNS").as_deref() == Ok("1") {
        eprintln!("skipping {test}: HUSTINGS_SKIP_NETNS=1");
        return false;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    assert!(
        root,
        "{test} needs root to make a private network namespace (unshare -n); run as root or set HUSTINGS_SKIP_NETNS=1 to skip it"
    );
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("unshare")
        .args(["--net", "--", "sh", "-c"])
        .arg("ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec \"$0\" \"$@\"")
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(INNER, "1")
        .status()
        .expect("unshare (util-linux) and ip (iproute2) are installed");
    assert!(
        status.success(),
        "{test} failed inside its network namespace"
    );
    false
}

#[test]
fn multicast_channels_play_and_zap_inside_a_private_namespace() {
    if !in_private_netns("multicast_channels_play_and_zap_inside_a_private_namespace") {
        return;
    }
    let rt = common::runtime();
    let headend = rt
        .block_on(Headend::start(HeadendOptions {
            state_dir: Some(common::scratch("netns-headend")),
            multicast: MulticastMode::On,
            ..Default::default()
        }))
        .expect("headend with multicast on");
    let (_, body) = common::get(&format!("{}lineup.m3u", headend.url()));
    let lineup = hustings::lineup::parse_bytes(&body, "lineup.m3u").unwrap();
    let (p, mut events) = common::player(Duration::from_secs(3));
    for ch in lineup.channels.iter().take(2) {
        assert!(ch.url.starts_with("udp://@239.255."), "{}", ch.url);
        let zap = p.tune(ch.name.clone(), ch.urls().map(String::from).collect());
        let e = common::next_event(&mut events, Duration::from_secs(15), |e| {
            matches!(
                e,
                PlayerEvent::FirstFrame { .. }
                    | PlayerEvent::Error { .. }
                    | PlayerEvent::FellBack { .. }
            )
        });
        match e {
            Some(PlayerEvent::FirstFrame { zap: z, url, .. }) => {
                assert_eq!(z, zap);
                assert_eq!(url, ch.url, "played from multicast, not the fallback");
            }
            other => panic!("{}: {other:?}", ch.name),
        }
    }
    p.send(PlayerCommand::Shutdown);
    drop(headend);
}
