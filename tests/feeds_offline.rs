//! Offline-first feeds: a good body is cached; a dead or broken feed falls
//! back to the cached copy and says so; nothing cached is an error naming the URL.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use hustings::config::Config;
use hustings::net::HttpClient;

/// A tiny server whose lineup body can be swapped, on an ephemeral port.
fn serve(body: Arc<Mutex<String>>) -> (String, tokio::task::JoinHandle<()>) {
    let rt = common::runtime();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/lineup.m3u", listener.local_addr().unwrap());
    let app = Router::new().route(
        "/lineup.m3u",
        get(move || {
            let b = body.lock().unwrap().clone();
            async move { b }
        }),
    );
    let task = rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[test]
fn a_feed_that_dies_or_breaks_is_served_from_the_cache() {
    let rt = common::runtime();
    let http = HttpClient::new().unwrap();
    let body = Arc::new(Mutex::new(
        "#EXTM3U\n#EXTINF:-1,Alpha\nhttp://127.0.0.1:1/a.m3u8\n".to_string(),
    ));
    let (url, server) = serve(body.clone());
    let mut config = Config::default();
    config.feeds.lineup = vec![url.clone()];
    config.feeds.guide = vec![];
    config.state_dir = Some(common::scratch("offline-state"));

    let fresh = rt.block_on(hustings::app::load(&config, &http, None));
    assert_eq!(fresh.channels.len(), 1);
    assert!(fresh.notices.is_empty(), "{:?}", fresh.notices);
    assert!(!fresh.from_cache && fresh.refresh_in.is_some());

    // Offline-first start: the next boot shows the lineup before asking the network.
    let cached = rt.block_on(hustings::app::load_cached(&config));
    assert!(cached.from_cache);
    assert_eq!(cached.channels.len(), 1);

    *body.lock().unwrap() = "<html>maintenance</html>".into();
    let broken = rt.block_on(hustings::app::load(&config, &http, None));
    assert_eq!(
        broken.channels[0].name, "Alpha",
        "the last good lineup stays"
    );
    assert!(
        broken.notices[0].contains(&url) && broken.notices[0].contains("not an M3U"),
        "{:?}",
        broken.notices
    );

    server.abort();
    let _ = rt.block_on(server);
    let offline = rt.block_on(hustings::app::load(&config, &http, None));
    assert_eq!(offline.channels.len(), 1);
    assert!(
        offline.notices[0].contains(&url) && offline.notices[0].contains("copy saved"),
        "{:?}",
        offline.notices
    );
}

#[test]
fn an_unreachable_feed_with_nothing_cached_is_an_error_naming_it() {
    let rt = common::runtime();
    let mut config = Config::default();
    config.feeds.lineup = vec!["http://127.0.0.1:9/lineup.m3u".into()];
    config.state_dir = Some(common::scratch("offline-empty"));
    let loaded = rt.block_on(hustings::app::load(
        &config,
        &HttpClient::new().unwrap(),
        None,
    ));
    assert!(loaded.channels.is_empty());
    let error = loaded.error.expect("an error");
    assert!(error.contains("http://127.0.0.1:9/lineup.m3u"), "{error}");
}

#[test]
fn the_guide_is_imported_matched_and_shown_from_the_cache_on_the_next_start() {
    let rt = common::runtime();
    let mut config = Config::default();
    config.use_server(common::headend().url());
    config.state_dir = Some(common::scratch("offline-guide"));
    // The box on the headend's clock, and "now" from it.
    config.clock = common::clock().clone();
    let http = HttpClient::new().unwrap();
    let now = config.clock.now();
    let fresh = rt.block_on(hustings::app::load(&config, &http, None));
    assert!(fresh.notices.is_empty(), "{:?}", fresh.notices);
    let cached = rt.block_on(hustings::app::load_cached(&config));
    for loaded in [&fresh, &cached] {
        assert_eq!(loaded.channels.len(), 3);
        for ch in &loaded.channels {
            let (on_air, next) = loaded.guide.now_next(&ch.key.0, now);
            assert!(
                on_air.is_some() && next.is_some(),
                "{} (from cache: {})",
                ch.name,
                loaded.from_cache
            );
        }
    }
}

#[test]
fn a_lineup_url_that_streams_endlessly_is_refused_not_buffered() {
    // 20 MB of "stream" where a playlist was expected.
    let (url, server) = serve(Arc::new(Mutex::new("#".repeat(20 << 20))));
    let err = common::runtime()
        .block_on(HttpClient::new().unwrap().fetch(&url))
        .unwrap_err();
    assert!(
        err.to_string().contains(&url) && err.to_string().contains("larger than 16 MB"),
        "{err}"
    );
    server.abort();
}
