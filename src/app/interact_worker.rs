//! The interactive items' work on the runtime: the feeds refreshed (last
//! good copy kept), answers recorded in the durable outbox and delivered
//! until acknowledged, poll results fetched. The UI thread hears of it as
//! [`UiMsg`]s; the outbox is only touched here.

use std::time::Duration;

use tokio::sync::mpsc;

use super::UiMsg;
use super::overlay::Results;
use crate::config::Config;
use crate::interact::{NewSubmission, Outbox, Submitter, Which};
use crate::net::HttpClient;

/// How often pending answers whose backoff has run out are tried again.
const DELIVER_EVERY: Duration = Duration::from_secs(3);
/// How often the interactive feeds are refreshed.
const REFRESH_EVERY: Duration = Duration::from_secs(120);

/// A request from the UI thread.
#[derive(Debug)]
pub enum InteractCmd {
    /// Commit this to the outbox, say so, then try to deliver it (and fetch
    /// the poll's results from the URL, when there is one).
    Record(NewSubmission, Option<String>),
    /// Replace the box's random id with a new one (Settings).
    NewBoxId,
}

/// Starts the worker on a thread of its own (the outbox's SQLite connection
/// stays on it); returns where to send it requests. Without an outbox (the
/// state directory cannot hold it) interaction is off, and said so.
pub(super) fn spawn(
    config: &Config,
    trust: crate::trust::TrustGate,
    tx: mpsc::UnboundedSender<UiMsg>,
) -> mpsc::UnboundedSender<InteractCmd> {
    let (cmd_tx, commands) = mpsc::unbounded_channel();
    let setup = WorkerConfig {
        path: Outbox::path_in(&config.state_dir()),
        urls: config.feeds.interact.clone(),
        rules: crate::interact::SponsorRules {
            allow_unsponsored: config.interact.allow_unsponsored,
            jurisdiction: config.transparency.jurisdiction,
        },
        submit_timeout: Duration::from_millis(config.interact.submit_timeout_ms.max(100)),
        transport: config.trust.clone(),
        limits: crate::net::Limits::from_settings(&config.downloads),
        clock: config.clock.clone(),
    };
    let started = std::thread::Builder::new()
        .name("interact".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(work(setup, trust, commands, tx)),
                Err(e) => tracing::error!("interactive items are off: {e}"),
            }
        });
    if let Err(e) = started {
        tracing::error!("interactive items are off: {e}");
    }
    cmd_tx
}

/// What the worker takes from the configuration.
struct WorkerConfig {
    path: std::path::PathBuf,
    urls: Vec<String>,
    rules: crate::interact::SponsorRules,
    /// One delivery attempt's limit.
    submit_timeout: Duration,
    transport: crate::config::TrustSettings,
    /// The `[downloads]` limits the feed client applies.
    limits: crate::net::Limits,
    /// "Now" for the outbox's attempts (the app's clock).
    clock: crate::config::Clock,
}

/// The worker's loop: feeds, deliveries and the UI's requests.
async fn work(
    setup: WorkerConfig,
    trust: crate::trust::TrustGate,
    mut commands: mpsc::UnboundedReceiver<InteractCmd>,
    tx: mpsc::UnboundedSender<UiMsg>,
) {
    let WorkerConfig {
        path,
        urls,
        rules,
        submit_timeout,
        transport,
        limits,
        clock,
    } = setup;
    {
        let mut outbox = match Outbox::open(&path) {
            Ok(o) => o,
            Err(e) => {
                tracing::error!("interactive items are off: {e}");
                return;
            }
        };
        let (Ok(http), Ok(submitter)) = (
            HttpClient::configured(&transport).map(|h| h.with_limits(limits)),
            Submitter::configured(submit_timeout, &transport),
        ) else {
            tracing::error!("interactive items are off: no HTTP client");
            return;
        };
        if tx.send(UiMsg::BoxId(outbox.box_id().to_string())).is_err() {
            return;
        }
        let mut deliver = tokio::time::interval(DELIVER_EVERY);
        let mut refresh = tokio::time::interval(REFRESH_EVERY);
        loop {
            tokio::select! {
                _ = refresh.tick() => {
                    if urls.is_empty() {
                        continue;
                    }
                    let loaded = crate::interact::load(&http, &outbox, &urls, rules, Some(&trust)).await;
                    for p in &loaded.problems {
                        tracing::warn!("interactive feed: {p}");
                    }
                    if tx.send(UiMsg::InteractItems(loaded.items)).is_err() {
                        return;
                    }
                }
                _ = deliver.tick() => {
                    let now = clock.now_millis();
                    if let Err(e) = outbox.deliver_pending(&submitter, now, Which::Due).await {
                        tracing::warn!("outbox: {e}");
                    }
                }
                cmd = commands.recv() => {
                    let (s, results_url) = match cmd {
                        Some(InteractCmd::Record(s, results_url)) => (s, results_url),
                        Some(InteractCmd::NewBoxId) => {
                            match outbox.new_box_id() {
                                Ok(()) => tracing::info!("the box has a new random id"),
                                Err(e) => tracing::error!("the box id could not be renewed: {e}"),
                            }
                            let _ = tx.send(UiMsg::BoxId(outbox.box_id().to_string()));
                            continue;
                        }
                        None => return,
                    };
                    let now = clock.now_millis();
                    let recorded = outbox.record(&s, now).map(|_| ()).map_err(|e| e.to_string());
                    let ok = recorded.is_ok();
                    let _ = tx.send(UiMsg::InteractRecorded(recorded));
                    if !ok {
                        continue;
                    }
                    if let Err(e) = outbox.deliver_pending(&submitter, now, Which::All).await {
                        tracing::warn!("outbox: {e}");
                    }
                    if let Some(url) = results_url.as_deref()
                        && let Some(results) = fetch_results(&http, url).await
                    {
                        let _ = tx.send(UiMsg::PollResults { item: s.item.clone(), results });
                    }
                }
            }
        }
    }
}

/// A poll's results (`{"total": N, "options": {"ID": N, ...}}`), if served.
async fn fetch_results(http: &HttpClient, url: &str) -> Option<Results> {
    let body = http
        .fetch(url)
        .await
        .map_err(|e| tracing::info!("poll results: {e}"))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&body).ok()?;
    let counts = v["options"]
        .as_object()?
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
        .collect();
    Some(Results {
        total: v["total"].as_u64()?,
        counts,
    })
}
