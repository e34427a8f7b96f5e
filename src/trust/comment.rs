//! The trusted comment of a feed signature:
//! `hustings-feed kind=archive version=42 expires=2026-12-31T00:00:00Z`.
//!
//! The comment is covered by the signature's global signature, so whatever
//! it says the publisher said. It is parsed strictly (one space between
//! fields, each field once, nothing unknown): a lenient parser would let two
//! readers disagree about what was signed. It does not check the values
//! against anything (that is `signature.rs` and `policy.rs`).

use chrono::{DateTime, SecondsFormat, Utc};
use thiserror::Error;

use super::FeedKind;

/// The first word of every feed comment.
pub const PREFIX: &str = "hustings-feed";

/// What a publisher signed about a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedComment {
    pub kind: FeedKind,
    /// Increases with every new body of this feed (Unix time of generation works).
    pub version: u64,
    /// Unix seconds after which the feed must not be shown.
    pub expires: i64,
}

/// Why a trusted comment is not a feed comment.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommentError {
    #[error("it does not start with `{PREFIX} `")]
    Prefix,
    #[error("`{0}` is not a key=value field")]
    NotAField(String),
    #[error("unknown field `{0}`")]
    UnknownField(String),
    #[error("field `{0}` appears twice")]
    Duplicate(String),
    #[error("field `{0}` is missing")]
    Missing(&'static str),
    #[error("kind: {0}")]
    Kind(String),
    #[error("version `{0}` is not a whole number")]
    Version(String),
    #[error("expires `{0}` is not an RFC 3339 time")]
    Expires(String),
}

impl FeedComment {
    /// Parses a trusted comment (without minisign's `trusted comment: ` prefix).
    pub fn parse(text: &str) -> Result<FeedComment, CommentError> {
        let rest = text
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(CommentError::Prefix)?;
        let (mut kind, mut version, mut expires) = (None, None, None);
        for field in rest.split(' ') {
            let (key, value) = field
                .split_once('=')
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .ok_or_else(|| CommentError::NotAField(field.to_string()))?;
            let slot_taken = match key {
                "kind" => kind
                    .replace(value.parse::<FeedKind>().map_err(CommentError::Kind)?)
                    .is_some(),
                "version" => version.replace(parse_version(value)?).is_some(),
                "expires" => expires.replace(parse_time(value)?).is_some(),
                other => return Err(CommentError::UnknownField(other.to_string())),
            };
            if slot_taken {
                return Err(CommentError::Duplicate(key.to_string()));
            }
        }
        Ok(FeedComment {
            kind: kind.ok_or(CommentError::Missing("kind"))?,
            version: version.ok_or(CommentError::Missing("version"))?,
            expires: expires.ok_or(CommentError::Missing("expires"))?,
        })
    }

    /// The comment as it is signed.
    pub fn to_text(&self) -> String {
        format!(
            "{PREFIX} kind={} version={} expires={}",
            self.kind,
            self.version,
            format_time(self.expires)
        )
    }
}

/// Unix seconds as RFC 3339 UTC (`2026-12-31T00:00:00Z`).
pub fn format_time(t: i64) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("@{t}"))
}

/// An RFC 3339 time (with its offset) as Unix seconds.
pub fn parse_time(value: &str) -> Result<i64, CommentError> {
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.timestamp())
        .map_err(|_| CommentError::Expires(value.to_string()))
}

fn parse_version(value: &str) -> Result<u64, CommentError> {
    // u64::from_str takes a leading '+'; a signed comment has one spelling only.
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CommentError::Version(value.to_string()));
    }
    value
        .parse()
        .map_err(|_| CommentError::Version(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_round_trips_through_its_text() {
        let c = FeedComment {
            kind: FeedKind::Archive,
            version: 42,
            expires: 1_798_675_200,
        };
        assert_eq!(
            c.to_text(),
            "hustings-feed kind=archive version=42 expires=2026-12-31T00:00:00Z"
        );
        assert_eq!(FeedComment::parse(&c.to_text()), Ok(c));
    }

    #[test]
    fn fields_may_come_in_any_order_and_offsets_are_honoured() {
        let c = FeedComment::parse(
            "hustings-feed expires=2026-12-31T02:00:00+02:00 version=7 kind=guide",
        )
        .unwrap();
        assert_eq!(
            (c.kind, c.version, c.expires),
            (FeedKind::Guide, 7, 1_798_675_200)
        );
    }

    #[test]
    fn malformed_comments_are_rejected_with_the_reason() {
        let ok = "kind=lineup version=1 expires=2026-12-31T00:00:00Z";
        let cases: &[(&str, CommentError)] = &[
            (
                "timestamp:1700000000\tfile:lineup.m3u",
                CommentError::Prefix,
            ),
            (
                &format!("hustings-feed  {ok}"),
                CommentError::NotAField(String::new()),
            ),
            (
                &format!("hustings-feed {ok} "),
                CommentError::NotAField(String::new()),
            ),
            (
                &format!("hustings-feed {ok} channel=1"),
                CommentError::UnknownField("channel".into()),
            ),
            (
                &format!("hustings-feed {ok} version=2"),
                CommentError::Duplicate("version".into()),
            ),
            (
                "hustings-feed kind=lineup version=1",
                CommentError::Missing("expires"),
            ),
            (
                "hustings-feed kind=lineup version=+1 expires=2026-12-31T00:00:00Z",
                CommentError::Version("+1".into()),
            ),
            (
                "hustings-feed kind=lineup version=99999999999999999999 expires=2026-12-31T00:00:00Z",
                CommentError::Version("99999999999999999999".into()),
            ),
            (
                "hustings-feed kind=lineup version=1 expires=2026-12-31",
                CommentError::Expires("2026-12-31".into()),
            ),
            (
                "hustings-feed kind=poll version=1 expires=2026-12-31T00:00:00Z",
                CommentError::Kind(
                    "unknown feed kind \"poll\" (lineup, guide, archive, interact)".into(),
                ),
            ),
            ("hustings-feed", CommentError::Prefix),
        ];
        for (text, want) in cases {
            assert_eq!(FeedComment::parse(text).as_ref(), Err(want), "{text:?}");
        }
    }
}
