//! The feed pipeline below the app: fetch (conditional GET, `[downloads]`
//! limits), check the signature (`trust`), read, store, and keep the last
//! good copy when any step fails. The app and the command line both use it;
//! neither UI nor Slint is reached from here.
//!
//! - [`fetch`]: conditional GET and the trust gate for every small feed
//!   (the lineup, the archive catalogue, the interactive feed), with one
//!   error type.
//! - [`guide`]: XMLTV guides, streamed to disk and through the reader into
//!   one store import.
//! - [`archive`]: the speech archive's catalogue and its transcripts.
//! - [`load`]: the lineups and guides loaded for a session, offline first,
//!   assembled with the archive's items (`archive_sources`: the catalogue,
//!   the lineup's on-demand entries, past programmes with catch-up) into
//!   one [`Loaded`].
//!
//! The interactive feed's cache stays with `interact` (`interact::cache`),
//! over the same [`fetch`].

pub mod archive;
mod archive_sources;
pub mod fetch;
pub mod guide;
pub mod load;

pub use archive::refresh as refresh_archive;
pub use fetch::{FeedError, Fresh, fetch_checked};
pub use guide::{
    ImportError, ImportReport, OnBadSource, SavedCopy, SourceOutcome, SourceReport, import_guides,
    import_paths,
};
pub use load::{Loaded, load, load_cached};
