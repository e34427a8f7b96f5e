//! The peers `hustings bench zap` compares against, driven the way their
//! users drive them: mpv through its JSON IPC (`loadfile`, then wait for
//! `playback-restart`, one long-running mpv as a viewer would keep open), and
//! `gst-play-1.0` started per stream (its time includes starting the process).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running mpv with its IPC socket.
pub struct Mpv {
    child: Child,
    socket: BufReader<UnixStream>,
}

impl Mpv {
    /// Starts `mpv --idle` without video or audio output; None when mpv is missing.
    pub fn start(dir: &Path) -> Option<Mpv> {
        let path = dir.join("mpv.sock");
        let child = Command::new("mpv")
            .args([
                "--idle=yes",
                "--vo=null",
                "--ao=null",
                "--no-terminal",
                "--really-quiet",
            ])
            .arg(format!("--input-ipc-server={}", path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let started = Instant::now();
        let stream = loop {
            match UnixStream::connect(&path) {
                Ok(s) => break s,
                Err(_) if started.elapsed() < Duration::from_secs(10) => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Err(_) => return None,
            }
        };
        Some(Mpv {
            child,
            socket: BufReader::new(stream),
        })
    }

    /// Loads `url` and waits for its first picture (`playback-restart`).
    pub fn first_frame(&mut self, url: &str, timeout: Duration) -> Result<Duration, String> {
        let command = serde_json::json!({ "command": ["loadfile", url, "replace"] });
        self.socket
            .get_ref()
            .set_read_timeout(Some(Duration::from_millis(100)))
            .map_err(|e| e.to_string())?;
        // Events of the previous file are not this one's.
        let mut line = String::new();
        while self.socket.read_line(&mut line).is_ok_and(|n| n > 0) {
            line.clear();
        }
        let started = Instant::now();
        writeln!(self.socket.get_mut(), "{command}").map_err(|e| format!("mpv IPC: {e}"))?;
        loop {
            if started.elapsed() > timeout {
                return Err(format!("mpv: no picture from {url} within {timeout:?}"));
            }
            line.clear();
            match self.socket.read_line(&mut line) {
                Ok(0) => return Err("mpv exited".into()),
                Ok(_) => {
                    let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                    match v["event"].as_str() {
                        Some("playback-restart") => return Ok(started.elapsed()),
                        Some("end-file") if v["reason"] == "error" => {
                            return Err(format!("mpv could not play {url}"));
                        }
                        _ => {}
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(format!("mpv IPC: {e}")),
            }
        }
    }
}

impl Mpv {
    /// Stops playing (mpv stays idle), so nothing of mpv's runs while
    /// another player is measured.
    pub fn stop(&mut self) {
        let _ = writeln!(
            self.socket.get_mut(),
            "{}",
            serde_json::json!({ "command": ["stop"] })
        );
    }
}

impl Drop for Mpv {
    fn drop(&mut self) {
        let _ = writeln!(
            self.socket.get_mut(),
            "{}",
            serde_json::json!({ "command": ["quit"] })
        );
        std::thread::sleep(Duration::from_millis(100));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether gst-play-1.0 is installed.
pub fn gst_play_present() -> bool {
    Command::new("gst-play-1.0")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `gst-play-1.0` on `url` until its first video frame: "Prerolled."
/// on its output (a stream that prerolls, such as HLS), or its exit after the
/// video and audio sinks each took one buffer (a live source, which never
/// prerolls). Multicast URLs are given as GStreamer wants them (`udp://G:P`).
pub fn gst_play_first_frame(url: &str, timeout: Duration) -> Result<Duration, String> {
    let started = Instant::now();
    let mut child = Command::new("gst-play-1.0")
        .args([
            "--no-interactive",
            "--videosink=fakesink num-buffers=1 sync=true",
            "--audiosink=fakesink num-buffers=1 sync=true",
            &url.replacen("://@", "://", 1),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("gst-play-1.0: {e}"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut out = child.stdout.take().ok_or("gst-play-1.0: no stdout")?;
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::Read::read(&mut out, &mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if seen.windows(10).any(|w| w == b"Prerolled.") {
                let _ = tx.send(Instant::now());
                break;
            }
        }
    });
    let result = loop {
        if let Ok(at) = rx.try_recv() {
            break Ok(at.duration_since(started));
        }
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break Ok(started.elapsed()),
            Ok(Some(status)) => break Err(format!("gst-play-1.0 {url}: {status}")),
            Ok(None) if started.elapsed() > timeout => {
                break Err(format!(
                    "gst-play-1.0: no picture from {url} within {timeout:?}"
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => break Err(e.to_string()),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}
