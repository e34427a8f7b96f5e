//! systemd's service notification (`sd_notify`): READY=1 once the app is
//! up, WATCHDOG=1 from its main loop so systemd restarts a hung box. Speaks
//! the datagram protocol on `$NOTIFY_SOCKET` directly (a path, or an
//! abstract socket when it starts with `@`); does nothing outside systemd.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// Sends `state` (e.g. "READY=1") to systemd; false when not under systemd
/// or the send failed.
pub fn notify(state: &str) -> bool {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return false;
    };
    let Ok(socket) = UnixDatagram::unbound() else {
        return false;
    };
    let path = path.to_string_lossy().to_string();
    let sent = match path.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
                .and_then(|addr| socket.send_to_addr(state.as_bytes(), &addr))
        }
        None => socket.send_to(state.as_bytes(), &path),
    };
    sent.is_ok()
}

/// How often to send WATCHDOG=1: half the unit's `WatchdogSec`, when set.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ready_reaches_a_notify_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        // SAFETY: set_var in a test that runs alone in its own thread; no
        // other test of this binary reads NOTIFY_SOCKET.
        unsafe { std::env::set_var("NOTIFY_SOCKET", &path) };
        assert!(super::notify("READY=1"));
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
        unsafe { std::env::remove_var("NOTIFY_SOCKET") };
        assert!(!super::notify("READY=1"), "outside systemd: nothing sent");
    }
}
