//! Writes viewer state (last channel, favourites, preferences) off the UI
//! thread. The viewer's preferences go in as one set, in one transaction:
//! a power cut while they are saved leaves the old set or the new one,
//! never half of each (a kiosk's reset, say, with the language changed and
//! the large text not yet).

use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::store::Store;

/// One write for the settings task.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsWrite {
    /// A small key/value setting.
    Set(String, String),
    /// Several settings written together (all or none).
    SetMany(Vec<(String, String)>),
    /// Mark or unmark a channel (by its stable key) as a favourite.
    Favourite(String, bool),
    /// Where the viewer is in an archive item (seconds), to resume there.
    ArchivePosition(String, f64),
}

/// Queues the viewer's preferences for saving, as one set.
pub fn save_preferences(
    tx: &mpsc::UnboundedSender<SettingsWrite>,
    prefs: &super::preferences::Preferences,
) {
    let pairs = prefs
        .to_settings()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let _ = tx.send(SettingsWrite::SetMany(pairs));
}

/// Starts a task that owns a store connection and carries out writes in order.
pub fn spawn_settings_writer(
    runtime: &tokio::runtime::Handle,
    state_dir: PathBuf,
) -> mpsc::UnboundedSender<SettingsWrite> {
    let (tx, mut rx) = mpsc::unbounded_channel::<SettingsWrite>();
    runtime.spawn_blocking(move || {
        let mut store = match std::fs::create_dir_all(&state_dir)
            .map_err(|e| e.to_string())
            .and_then(|_| Store::open_in(&state_dir).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("settings will not be saved: {e}");
                return;
            }
        };
        while let Some(write) = rx.blocking_recv() {
            let result = match &write {
                SettingsWrite::Set(key, value) => store.set_setting(key, value),
                SettingsWrite::SetMany(pairs) => store.set_settings(pairs),
                SettingsWrite::Favourite(key, on) => store.set_favourite(key, *on),
                SettingsWrite::ArchivePosition(id, at) => {
                    store.set_archive_position(id, *at, chrono::Utc::now().timestamp())
                }
            };
            if let Err(e) = result {
                tracing::warn!("saving {write:?}: {e}");
            }
        }
    });
    tx
}
