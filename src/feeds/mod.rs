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
//!
//! The lineup's load and the interactive feed still live with their users
//! (`app::feeds`, `interact::cache`).

pub mod archive;
pub mod fetch;
pub mod guide;

pub use archive::refresh as refresh_archive;
pub use fetch::{FeedError, Fresh, fetch_checked};
pub use guide::{
    ImportError, ImportReport, OnBadSource, SavedCopy, SourceOutcome, SourceReport, import_guides,
    import_paths,
};
