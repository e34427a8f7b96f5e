//! `[transparency] jurisdiction`: whose rules word a sponsor line. The
//! wording itself is `trust::sponsor`'s; the setting lives here so the
//! configuration depends on nothing above it.

use serde::{Deserialize, Serialize};

/// Whose rules word the sponsor line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jurisdiction {
    /// "Paid for by {name}": needs a name. The default: the wording the
    /// issue and most feeds already use, and it refuses no feed that names
    /// its sponsor.
    #[default]
    Us,
    /// "Promoted by {name}, {address}[ on behalf of {behalf}]": needs a
    /// name and an address.
    Uk,
    /// "Political advertisement · Sponsor: {name}[, {address}]": needs a
    /// name.
    Eu,
}

impl Jurisdiction {
    pub fn as_str(self) -> &'static str {
        match self {
            Jurisdiction::Us => "us",
            Jurisdiction::Uk => "uk",
            Jurisdiction::Eu => "eu",
        }
    }
}
