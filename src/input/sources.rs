//! Reader threads for the remote-control sources that are not the window:
//! evdev devices and lircd's socket. Each reconnects with back-off when its
//! device goes away (a USB remote unplugged, lircd restarted) and hands
//! every acting key to `on_action` (on its own thread; send it on).

use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Action, Keymap};

/// Where remote keys come from.
#[derive(Debug, Clone, Default)]
pub struct InputSources {
    /// evdev devices (or recordings, or pipes), e.g. `/dev/input/by-path/platform-ir-event`.
    pub evdev: Vec<PathBuf>,
    /// lircd's socket, e.g. `/run/lirc/lircd`.
    pub lirc: Option<PathBuf>,
}

/// Called with each action, from a reader thread.
pub type OnAction = Arc<dyn Fn(Action) + Send + Sync>;

const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// Starts one thread per source.
pub fn spawn(sources: &InputSources, keymap: Arc<Keymap>, on_action: OnAction) {
    for path in &sources.evdev {
        let (path, keymap, on_action) = (path.clone(), keymap.clone(), on_action.clone());
        spawn_reader(format!("evdev {}", path.display()), move || {
            let file = std::fs::File::open(&path)?;
            super::evdev::read(file, &keymap, |a| on_action(a))
        });
    }
    if let Some(path) = &sources.lirc {
        let (path, keymap, on_action) = (path.clone(), keymap.clone(), on_action.clone());
        spawn_reader(format!("lircd {}", path.display()), move || {
            let stream = std::os::unix::net::UnixStream::connect(&path)?;
            super::lirc::read(BufReader::new(stream), &keymap, |a| on_action(a))
        });
    }
}

/// Runs `read` again whenever it ends, waiting longer after each failure
/// (1 s doubling to 30 s; a clean end resets the wait).
fn spawn_reader(name: String, read: impl Fn() -> std::io::Result<()> + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name(format!("input {name}"))
        .spawn(move || {
            let mut wait = RETRY_FIRST;
            loop {
                match read() {
                    Ok(()) => {
                        tracing::info!(source = %name, "remote input ended; reopening");
                        wait = RETRY_FIRST;
                    }
                    Err(e) => {
                        tracing::warn!(source = %name, "remote input: {e}; retrying in {} s", wait.as_secs());
                        std::thread::sleep(wait);
                        wait = (wait * 2).min(RETRY_MAX);
                        continue;
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the remote input reader: {e}");
    }
}
