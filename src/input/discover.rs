//! Finds the box's key devices by itself: on a box there is no window
//! system to hand keys over, so every `/dev/input/event*` node that has
//! keys the key map knows (an IR receiver, a USB remote or keyboard, a
//! virtual remote) is read, including ones plugged in later. The directory
//! is looked at every two seconds (no udev dependency: the box image may
//! have none); a reader ends when its device goes away, and the device is
//! picked up again if it comes back.

use std::collections::HashSet;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Keymap;
use super::sources::OnAction;

/// How often the device directory is looked at.
const RESCAN: Duration = Duration::from_secs(2);

/// EV_KEY's bitmap is KEY_MAX + 1 = 0x300 bits.
const KEY_BYTES: usize = 0x300 / 8;

/// The key codes `file` (an evdev node) can send, from EVIOCGBIT(EV_KEY).
pub fn key_codes(file: &std::fs::File) -> std::io::Result<HashSet<u16>> {
    let mut bits = [0u8; KEY_BYTES];
    // _IOC(_IOC_READ, 'E', 0x20 + EV_KEY, len)
    let request: libc::c_ulong =
        (2 << 30) | ((KEY_BYTES as libc::c_ulong) << 16) | ((b'E' as libc::c_ulong) << 8) | 0x21;
    // SAFETY: the kernel writes at most KEY_BYTES bytes into `bits`.
    let n = unsafe { libc::ioctl(file.as_raw_fd(), request as _, bits.as_mut_ptr()) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(codes_in(&bits))
}

/// The set bits of an evdev bitmap.
fn codes_in(bits: &[u8]) -> HashSet<u16> {
    let mut out = HashSet::new();
    for (i, byte) in bits.iter().enumerate() {
        for b in 0..8 {
            if byte & (1 << b) != 0 {
                out.insert((i * 8 + b) as u16);
            }
        }
    }
    out
}

/// Whether a device with `codes` is worth reading: it sends a key the
/// map acts on (a mouse's buttons or a power button alone are not).
pub fn is_remote(codes: &HashSet<u16>, keymap: &Keymap) -> bool {
    codes
        .iter()
        .filter(|c| keymap.evdev.contains_key(c))
        .take(2)
        .count()
        >= 2
}

/// Starts the watcher over `dir` (normally `/dev/input`), leaving out the
/// nodes in `configured` (read by their own readers).
pub fn spawn(dir: PathBuf, configured: Vec<PathBuf>, keymap: Arc<Keymap>, on_action: OnAction) {
    let active: Arc<Mutex<HashSet<PathBuf>>> = Arc::default();
    let spawned = std::thread::Builder::new()
        .name("input-discover".into())
        .spawn(move || {
            loop {
                for path in event_nodes(&dir) {
                    if configured.contains(&path) {
                        continue;
                    }
                    let fresh = active.lock().is_ok_and(|mut a| a.insert(path.clone()));
                    if fresh {
                        start_reader(path, keymap.clone(), on_action.clone(), active.clone());
                    }
                }
                std::thread::sleep(RESCAN);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("input devices: cannot watch: {e}");
    }
}

fn event_nodes(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut nodes: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("event"))
        })
        .collect();
    nodes.sort();
    nodes
}

/// Reads `path` until it fails; a device that is not a remote stays in
/// `active` (it is not looked at again), one that goes away leaves it.
fn start_reader(
    path: PathBuf,
    keymap: Arc<Keymap>,
    on_action: OnAction,
    active: Arc<Mutex<HashSet<PathBuf>>>,
) {
    let name = format!("evdev {}", path.display());
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!("{}: {e}", path.display());
                // Tried again at the next scan (permissions may come with udev).
                if let Ok(mut a) = active.lock() {
                    a.remove(&path);
                }
                return;
            }
        };
        match key_codes(&file) {
            Ok(codes) if is_remote(&codes, &keymap) => {}
            Ok(_) => {
                tracing::debug!("{}: no remote keys, left alone", path.display());
                return;
            }
            Err(e) => {
                tracing::debug!("{}: not an evdev device ({e}), left alone", path.display());
                return;
            }
        }
        tracing::info!("remote keys from {}", path.display());
        let result = super::evdev::read(file, &keymap, |a| on_action(a));
        tracing::info!(
            "{}: gone ({})",
            path.display(),
            result.err().map_or("end".to_string(), |e| e.to_string())
        );
        if let Ok(mut a) = active.lock() {
            a.remove(&path);
        }
    });
    if let Err(e) = spawned {
        tracing::warn!("input devices: cannot start a reader: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmaps_give_their_codes_and_remotes_need_two_mapped_keys() {
        let mut bits = [0u8; KEY_BYTES];
        bits[103 / 8] |= 1 << (103 % 8); // KEY_UP
        bits[352 / 8] |= 1 << (352 % 8); // KEY_OK
        let codes = codes_in(&bits);
        assert_eq!(codes, HashSet::from([103, 352]));
        let map = Keymap::builtin();
        assert!(is_remote(&codes, &map));
        let power_button = HashSet::from([116u16]);
        assert!(
            !is_remote(&power_button, &map),
            "a power button alone is not a remote"
        );
        let mouse = HashSet::from([0x110u16, 0x111]); // BTN_LEFT, BTN_RIGHT
        assert!(!is_remote(&mouse, &map));
    }

    #[test]
    fn only_event_nodes_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        for n in ["event3", "event10", "mice", "js0"] {
            std::fs::write(dir.path().join(n), b"").unwrap();
        }
        let names: Vec<String> = event_nodes(dir.path())
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["event10", "event3"]);
    }
}
