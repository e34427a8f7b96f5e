//! Set-top-box hardware: which board profile is in force (board.rs: the
//! configuration's, or the one detect.rs recognises from the device tree,
//! DMI or architecture, kept only when its hardware is there); how video
//! and the UI reach the screen (planes.rs: a choice over a description of
//! the DRM/KMS resources, which drm_read.rs reads from a card;
//! video_output.rs: kmssink's settings from it; kms_display.rs: the one
//! owner of the card on the box, which lights the screen and commits the
//! UI plane and the video plane together); the box as an HDMI-CEC
//! playback device (cec.rs: the protocol as bytes; cec_linux.rs: the Linux
//! CEC API that carries them); systemd's readiness and watchdog
//! notification (notify.rs); and giving the allocators' free memory back
//! to the system after a zap or a feed load (memory.rs).
//!
//! The decisions are plain Rust over plain data, tested without devices;
//! only drm_read.rs, kms_display.rs and cec_linux.rs touch device nodes
//! (kms_display is tested on vkms in the project's VM, tests/kms_vm.rs). No GStreamer, no
//! Slint: the player and the app apply what is decided.

pub mod board;
pub mod cec;
pub mod cec_linux;
pub mod detect;
pub mod drm_read;
pub mod kms_display;
pub mod kms_import;
pub mod memory;
pub mod notify;
pub mod planes;
pub mod video_output;
