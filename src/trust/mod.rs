//! Trust: feed signatures and pinned publisher keys.
//!
//! Empty until the trust work (issue 8). It will verify minisign signatures
//! of every feed before `store` accepts it; it must not import the player,
//! the UI or GStreamer.
