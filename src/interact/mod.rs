//! Interactive overlays' data side: the feed of polls, sign-up forms and
//! notices, which of them apply on screen now, sign-up validation, and the
//! durable exactly-once outbox that carries answers to the headend.
//!
//! Flow: `cache::load` fetches the feeds (conditional GET, last good copy
//! kept) -> `feed::parse` -> `schedule::items_in_force` picks what applies to
//! the channel and programme on screen -> a viewer's answer becomes a
//! `submission::NewSubmission` (a sign-up only with `Consent`) ->
//! `outbox::Outbox::record` commits it -> `Outbox::deliver_pending` sends it
//! until acknowledged, then deletes it.
//!
//! No Slint, no GStreamer, no player: the overlay in `app` drives this.
//! Personal data (form answers) is never logged; ids and keys are.

pub mod backoff;
pub mod cache;
pub mod deliver;
pub mod feed;
pub mod outbox;
pub mod schedule;
pub mod submission;
pub mod validate;

pub use cache::{Loaded, load};
pub use deliver::{Outcome, Submitter};
pub use feed::{Choice, Feed, FeedError, Field, FieldKind, Item, Kind, SponsorRules, Where};
pub use outbox::{Delivery, Outbox, OutboxError, Pending, Recorded, Which};
pub use schedule::{MIN_ON_SCREEN_SECS, OnScreen, items_in_force, items_in_force_holding};
pub use submission::{Consent, NewSubmission, SubmissionError, new_key};
