//! Interactive overlays: polls, volunteer sign-up and the durable outbox.
//!
//! Empty until the interactive work (issue 7). It will own the feed parser,
//! overlay scheduling and the exactly-once outbox; it must not import the
//! player, the UI or GStreamer.
