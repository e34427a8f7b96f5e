//! `hustings` where the box's display cannot be used: each case gets a
//! message naming the card, and none is a crash loop. What waiting may cure
//! (no card yet: a driver loading late; no TV connected) keeps the process
//! up, tells systemd so through a real NOTIFY_SOCKET and keeps pinging the
//! watchdog; what it cannot (not a DRM card, no window system and no card)
//! ends at once with the reason. The display's own tests on a real DRM
//! device (vkms) are in tests/kms_vm.rs.

use std::io::Read;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn config(dir: &Path, backend: &str, device: &Path) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "state_dir = \"{}\"\n[feeds]\nlineup = []\n[display]\nbackend = \"{backend}\"\ndevice = \"{}\"\n",
            dir.join("state").display(),
            device.display()
        ),
    )
    .unwrap();
    path
}

fn hustings(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hustings"));
    cmd.arg("--config")
        .arg(config)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC");
    cmd
}

#[test]
fn a_missing_card_is_waited_for_with_systemd_told() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card9");
    let cfg = config(dir.path(), "kms", &card);
    let socket_path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut child = hustings(&cfg)
        .env("NOTIFY_SOCKET", &socket_path)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut buf = [0u8; 512];
    // READY=1 with the reason, then at least two watchdog pings from the waiting loop.
    while Instant::now() < deadline
        && said.iter().filter(|m: &&String| *m == "WATCHDOG=1").count() < 2
    {
        if let Ok(n) = socket.recv(&mut buf) {
            said.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(running, "still up, waiting: {stderr}");
    assert!(
        said.iter()
            .any(|m| m.starts_with("STATUS=waiting: no DRM card at") && m.contains("card9")),
        "the reason for systemd: {said:?}"
    );
    assert!(said.iter().any(|m| m == "READY=1"), "{said:?}");
    assert!(
        stderr.contains("card9") && stderr.contains("waiting for it"),
        "said once in the log: {stderr}"
    );
    assert_eq!(
        stderr.matches("waiting for it").count(),
        1,
        "said once, not every try: {stderr}"
    );
}

#[test]
fn a_file_that_is_no_card_ends_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("not-a-card");
    std::fs::write(&card, b"").unwrap();
    let cfg = config(dir.path(), "kms", &card);
    let out = hustings(&cfg).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("not-a-card: not a DRM card"),
        "the card and why: {stderr}"
    );
}

#[test]
fn no_window_system_and_no_card_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("card9");
    let cfg = config(dir.path(), "auto", &card);
    let out = hustings(&cfg).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("DISPLAY and WAYLAND_DISPLAY are unset")
            && stderr.contains("no DRM card at")
            && stderr.contains("card9"),
        "{stderr}"
    );
}
