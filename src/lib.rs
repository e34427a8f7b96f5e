//! Hustings: a set-top-box and smart-TV client for campaign and civic television.
//!
//! # Architecture
//!
//! ```text
//!  input ──Action──► app (nav + one controller per screen) ──► ui/*.slint (Slint, main thread)
//!                     │  ▲                     ▲
//!          PlayerCommand  PlayerEvent / frames │ Loaded feeds
//!                     ▼  │                     │
//!                   player (GStreamer actor)   net ─► lineup / guide / archive ─► store (SQLite)
//! ```
//!
//! Imports point down this list only: `app` uses everything; `player` never
//! imports `app` or Slint; the core modules (`lineup`, `guide`, `archive`,
//! `interact`, `trust`, `store`, `net`) never import `player`, `app`, Slint or
//! GStreamer. `headend` is the demo/test headend, compiled only with the
//! `headend` feature (default on; the box build is `--no-default-features`,
//! with no headend and no window system); `cli` is the command-line glue.
//!
//! Threads: Slint's event loop owns the main thread; a tokio runtime runs the
//! network, storage, the player actor and the headend; GStreamer's streaming
//! threads stay inside `player` and hand the UI plain data.

pub mod config;

pub mod archive;
pub mod guide;
pub mod interact;
pub mod lineup;
pub mod net;
pub mod store;
pub mod trust;

// The feed pipeline (fetch, verify, read, store, last good copy), below the app and the CLI.
pub mod feeds;

pub mod platform;

pub mod input;
pub mod player;

// Not in the fuzz build (`--cfg fuzzing`, fuzz/): no parser lives in the UI or the CLI glue,
// and leaving them out spares compiling the generated UI (ui/build.rs skips it too).
#[cfg(not(fuzzing))]
pub mod app;
/// The demo/test headend: only with the `headend` feature (not in the box build).
#[cfg(feature = "headend")]
pub mod headend;

#[cfg(not(fuzzing))]
pub mod cli;

/// The parsers private to their modules, for the fuzz targets in `fuzz/` only: not an API.
#[doc(hidden)]
pub mod fuzzing;
