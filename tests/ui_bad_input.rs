//! Bad input on screen: a dead lineup URL next to a good one, a channel that
//! never yields a picture. The app says what is wrong and keeps running.

mod common;

use std::time::Duration;

use hustings::app::HeadlessSession;
use hustings::config::Config;
use hustings::input::Action;

#[test]
fn a_dead_feed_and_a_dead_channel_are_reported_and_the_app_keeps_working() {
    let dir = common::scratch("ui-bad-input");
    let lineup = dir.join("lineup.m3u");
    std::fs::write(
        &lineup,
        format!(
            "#EXTM3U\n#EXTINF:-1 tvg-chno=\"1\",Silent Channel\nudp://@239.255.254.3:5997\n#EXTINF:-1 tvg-chno=\"2\",Civic One\n{}\n",
            common::hls_url("civic-one")
        ),
    )
    .unwrap();
    let dead = "http://127.0.0.1:9/lineup.m3u".to_string();
    let not_m3u = dir.join("index.html");
    std::fs::write(&not_m3u, "<html><body>Service unavailable</body></html>").unwrap();
    let not_m3u = not_m3u.display().to_string();
    let mut config = Config::default();
    config.feeds.lineup = vec![dead.clone(), not_m3u.clone(), lineup.display().to_string()];
    config.feeds.guide = vec![format!("{}guide.xml.gz", common::headend().url())];
    config.state_dir = Some(dir.join("state"));
    config.player.join_timeout_ms = 800;
    // The session on the headend's clock, as its guide is.
    config.clock = common::clock().clone();

    let rt = common::runtime();
    let mut s = HeadlessSession::start(rt.handle(), &config, 1280, 720, &dir).unwrap();
    let t = Duration::from_secs(20);
    s.wait_until("load", t, |app| app.channels().len() == 2)
        .unwrap();
    // The dead URL and the file that is not a playlist are named on screen
    // while the good playlist's channels load.
    let (status, error) = s.status();
    assert!(
        status.contains(&dead) && status.contains(&format!("{not_m3u}: not an M3U playlist")),
        "{status}"
    );
    assert!(!error);

    let failed = s
        .await_zap("silent channel", t)
        .expect_err("a silent channel shows no picture");
    assert!(failed.to_string().contains("no packets"), "{failed}");
    let (status, error) = s.status();
    assert!(error && status.contains("Silent Channel"), "{status}");
    s.screenshot("silent-channel").unwrap();

    s.press(Action::ChannelUp);
    let record = s
        .await_zap("zap to a good channel", t)
        .expect("picture after the failure");
    assert_eq!(record.channel, "Civic One");
    // The old channel's error is gone (a "Buffering" notice may still show).
    let (status, error) = s.status();
    assert!(!error && !status.contains("Silent Channel"), "{status}");

    // The zap freed the silent channel's pipeline: within a second of the
    // new picture plus the releases' shortest gap, it goes back to the system.
    let released = s.app().memory_releases();
    s.watch(hustings::platform::memory::MIN_GAP + Duration::from_secs(2));
    assert!(
        s.app().memory_releases() > released,
        "no memory given back after a zap ({released} releases before)"
    );
}
