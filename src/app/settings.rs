//! Writes small settings (the last channel watched) off the UI thread.

use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::store::Store;

/// Starts a task that owns a store connection and writes `(key, value)` pairs.
pub fn spawn_settings_writer(
    runtime: &tokio::runtime::Handle,
    state_dir: PathBuf,
) -> mpsc::UnboundedSender<(String, String)> {
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, String)>();
    runtime.spawn_blocking(move || {
        let store = match std::fs::create_dir_all(&state_dir)
            .map_err(|e| e.to_string())
            .and_then(|_| Store::open_in(&state_dir).map_err(|e| e.to_string()))
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("settings will not be saved: {e}");
                return;
            }
        };
        while let Some((key, value)) = rx.blocking_recv() {
            if let Err(e) = store.set_setting(&key, &value) {
                tracing::warn!("saving setting {key}: {e}");
            }
        }
    });
    tx
}
