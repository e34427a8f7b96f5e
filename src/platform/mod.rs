//! Set-top-box hardware: which board profile is in force (board.rs: the
//! configuration's, or the one detect.rs recognises from the device tree,
//! DMI or architecture, kept only when its hardware is there); how video
//! and the UI reach the screen (planes.rs: a choice over a description of
//! the DRM/KMS resources, which drm_read.rs reads from a card;
//! video_output.rs: kmssink's settings from it); the box as an HDMI-CEC
//! playback device (cec.rs: the protocol as bytes; cec_linux.rs: the Linux
//! CEC API that carries them); and systemd's readiness and watchdog
//! notification (notify.rs).
//!
//! The decisions are plain Rust over plain data, tested without devices;
//! only drm_read.rs and cec_linux.rs touch device nodes. No GStreamer, no
//! Slint: the player and the app apply what is decided.

pub mod board;
pub mod cec;
pub mod cec_linux;
pub mod detect;
pub mod drm_read;
pub mod notify;
pub mod planes;
pub mod video_output;
