//! Set-top-box hardware: how video and the UI reach the screen on a box
//! (planes.rs: a choice over a description of the DRM/KMS resources).
//!
//! Plain Rust over plain data: no GStreamer, no Slint, no DRM device needed
//! to decide; the player and the app apply what is decided.

pub mod planes;
