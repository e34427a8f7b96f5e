//! Set-top-box hardware: how video and the UI reach the screen on a box
//! (planes.rs: a choice over a description of the DRM/KMS resources), and
//! the box as an HDMI-CEC playback device (cec.rs: the protocol as bytes),
//! which board profile fits the machine (detect.rs), and systemd's
//! readiness and watchdog notification (notify.rs).
//!
//! Plain Rust over plain data: no GStreamer, no Slint, no DRM device needed
//! to decide; the player and the app apply what is decided.

pub mod board;
pub mod cec;
pub mod cec_linux;
pub mod detect;
pub mod drm_read;
pub mod notify;
pub mod planes;
pub mod video_output;
