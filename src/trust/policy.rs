//! The per-feed policy and the decision the box acts on.
//!
//! `required`: no signature, no feed. `preferred`: an unsigned feed is shown
//! but marked unverified, as long as no publisher key is pinned for its kind;
//! a signature that is there but wrong is a rejection, since that is what
//! tampering looks like. `off`: nothing is checked and nothing is marked
//! verified. Whatever is rejected, the caller keeps the previous verified
//! feed in force; this file only decides.
//!
//! Two rules close the door a mirror could open by deleting the `.minisig`
//! (signature stripping): where a key is pinned, a feed without a signature
//! is refused, whatever the policy says about unsigned feeds; and once a
//! feed (kind + URL) has been verified, as the rollback state records, no
//! unverified body takes its place under `preferred` or `required`. Without
//! these a stripped signature would be "unsigned, shown unverified", and the
//! tampering and rollback checks would never run. `off` stays the operator's
//! explicit way out (a configuration change, not something a server can do).

use super::decision::{Decision, Rejection, Unverified};
use super::rollback::Seen;
use super::signature::{FeedBody, verify_signed_body};
use super::{FeedKind, PinnedKey};

pub use crate::config::FeedPolicy as Policy;

/// Decides on one fetched feed: `signature` is its `.minisig` (None when
/// there was none), `keys` the keys pinned for `kind`, `last` the last
/// verified copy of this feed (same kind and URL), `now` Unix seconds.
pub fn verify_feed(
    body: &[u8],
    signature: Option<&[u8]>,
    kind: FeedKind,
    keys: &[PinnedKey],
    policy: Policy,
    last: Option<&Seen>,
    now: i64,
) -> Decision {
    verify_feed_body(
        FeedBody::Bytes(body),
        signature,
        kind,
        keys,
        policy,
        last,
        now,
    )
}

/// [`verify_feed`] for a body in memory or in a file.
pub fn verify_feed_body(
    body: FeedBody<'_>,
    signature: Option<&[u8]>,
    kind: FeedKind,
    keys: &[PinnedKey],
    policy: Policy,
    last: Option<&Seen>,
    now: i64,
) -> Decision {
    if policy == Policy::Off {
        return Decision::Unverified {
            why: Unverified::CheckingOff(kind),
        };
    }
    // What an unverified outcome would be, if the rules below allow one.
    let unverified = match signature {
        None if !keys.is_empty() => {
            return Decision::Rejected {
                why: match (policy, last) {
                    (_, Some(seen)) => Rejection::NoLongerVerified {
                        version: seen.version,
                        why: Unverified::Unsigned,
                    },
                    (Policy::Required, None) => Rejection::MissingSignature(kind),
                    (_, None) => Rejection::UnsignedWithPinnedKey(kind),
                },
            };
        }
        None if policy == Policy::Required => {
            return Decision::Rejected {
                why: Rejection::MissingSignature(kind),
            };
        }
        None => Unverified::Unsigned,
        Some(_) if keys.is_empty() && policy == Policy::Required => {
            return Decision::Rejected {
                why: Rejection::NoPinnedKey(kind),
            };
        }
        // A box that pins nothing cannot tell a good signature from a
        // forged one; under `preferred` that is the same as unsigned.
        Some(_) if keys.is_empty() => Unverified::NoPinnedKey(kind),
        Some(s) => {
            return match verify_signed_body(body, s, Some(kind), keys, last, now) {
                Ok(signed) => Decision::Verified {
                    publisher: signed.publisher,
                    key_id: signed.key_id,
                    version: signed.comment.version,
                    expires: signed.comment.expires,
                    unchanged: signed.unchanged,
                },
                Err(why) => Decision::Rejected { why },
            };
        }
    };
    // Verified before (keys since removed from the configuration, say):
    // nothing unverified takes the verified copy's place.
    match last {
        Some(seen) => Decision::Rejected {
            why: Rejection::NoLongerVerified {
                version: seen.version,
                why: unverified,
            },
        },
        None => Decision::Unverified { why: unverified },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::{CommentError, FeedComment, KeyId, SigningKey};

    const NOW: i64 = 1_790_000_000;
    const BODY: &[u8] = b"{\"items\":[{\"id\":\"townhall-schools\"}]}\n";

    struct Fixture {
        key: SigningKey,
        pinned: PinnedKey,
        other: PinnedKey,
    }

    fn fixture() -> Fixture {
        let key = SigningKey::generate().unwrap();
        let pinned =
            PinnedKey::from_base64(&key.public_key_base64(), Some("Civic TV"), "test").unwrap();
        let other_key = SigningKey::generate().unwrap();
        let other = PinnedKey::from_base64(&other_key.public_key_base64(), None, "test").unwrap();
        Fixture { key, pinned, other }
    }

    fn sign(key: &SigningKey, kind: FeedKind, version: u64, expires: i64, body: &[u8]) -> Vec<u8> {
        let comment = FeedComment {
            kind,
            version,
            expires,
        };
        key.sign(body, &comment).unwrap().into_bytes()
    }

    fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
        let mut b = bytes.to_vec();
        b[at] ^= 0x01;
        b
    }

    /// Flips a bit inside the base64 of the signature line (line 2), keeping
    /// it valid base64 so the failure is the signature, not the encoding.
    fn flip_signature_byte(sig: &[u8]) -> Vec<u8> {
        let text = std::str::from_utf8(sig).unwrap();
        let line_start = text.find('\n').unwrap() + 1;
        // Past the algorithm and key id (10 bytes = 13.3 base64 characters).
        let at = line_start + 40;
        let mut b = sig.to_vec();
        b[at] = if b[at] == b'A' { b'B' } else { b'A' };
        b
    }

    fn signature_with_comment(key: &SigningKey, comment: &str, body: &[u8]) -> Vec<u8> {
        key.sign_with_comment(body, comment).unwrap().into_bytes()
    }

    #[test]
    fn signed_feeds_are_decided_by_signature_comment_version_and_expiry() {
        let f = fixture();
        let later = NOW + 86_400;
        let good = sign(&f.key, FeedKind::Archive, 42, later, BODY);
        let seen_41 = Seen::new(41, b"older body");
        let seen_42 = Seen::new(42, BODY);
        let seen_50 = Seen::new(50, b"newer body");
        let id = f.pinned.id();
        let pinned = std::slice::from_ref(&f.pinned);
        let verified = |unchanged| Decision::Verified {
            publisher: "Civic TV".into(),
            key_id: id,
            version: 42,
            expires: later,
            unchanged,
        };
        let rejected = |why| Decision::Rejected { why };
        type Case<'a> = (
            &'a str,
            Vec<u8>,
            Vec<u8>,
            Vec<PinnedKey>,
            Option<&'a Seen>,
            Decision,
        );
        let cases: Vec<Case> = vec![
            (
                "valid",
                BODY.to_vec(),
                good.clone(),
                pinned.to_vec(),
                None,
                verified(false),
            ),
            (
                "valid, newer than the last",
                BODY.to_vec(),
                good.clone(),
                pinned.to_vec(),
                Some(&seen_41),
                verified(false),
            ),
            (
                "same version, same body: unchanged",
                BODY.to_vec(),
                good.clone(),
                pinned.to_vec(),
                Some(&seen_42),
                verified(true),
            ),
            (
                "one flipped byte in the body",
                flip(BODY, 5),
                good.clone(),
                pinned.to_vec(),
                None,
                rejected(Rejection::BadSignature { key_id: id }),
            ),
            (
                "one flipped byte in the signature",
                BODY.to_vec(),
                flip_signature_byte(&good),
                pinned.to_vec(),
                None,
                rejected(Rejection::BadSignature { key_id: id }),
            ),
            (
                "the trusted comment edited (version 42 to 43)",
                BODY.to_vec(),
                String::from_utf8(good.clone())
                    .unwrap()
                    .replace("version=42", "version=43")
                    .into_bytes(),
                pinned.to_vec(),
                None,
                rejected(Rejection::BadSignature { key_id: id }),
            ),
            (
                "wrong key",
                BODY.to_vec(),
                good.clone(),
                vec![f.other.clone()],
                None,
                rejected(Rejection::UnknownKey { key_id: id }),
            ),
            (
                "any of several pinned keys",
                BODY.to_vec(),
                good.clone(),
                vec![f.other.clone(), f.pinned.clone()],
                None,
                verified(false),
            ),
            (
                "wrong feed kind",
                BODY.to_vec(),
                sign(&f.key, FeedKind::Interact, 42, later, BODY),
                pinned.to_vec(),
                None,
                rejected(Rejection::WrongKind {
                    expected: FeedKind::Archive,
                    found: FeedKind::Interact,
                }),
            ),
            (
                "rollback to an older version",
                BODY.to_vec(),
                good.clone(),
                pinned.to_vec(),
                Some(&seen_50),
                rejected(Rejection::Rollback { from: 50, to: 42 }),
            ),
            (
                "same version, different body",
                BODY.to_vec(),
                sign(&f.key, FeedKind::Archive, 41, later, BODY),
                pinned.to_vec(),
                Some(&seen_41),
                rejected(Rejection::VersionReused { version: 41 }),
            ),
            (
                "expired",
                BODY.to_vec(),
                sign(&f.key, FeedKind::Archive, 42, NOW - 1, BODY),
                pinned.to_vec(),
                None,
                rejected(Rejection::Expired {
                    at: "2026-09-21T14:13:19Z".into(),
                }),
            ),
            (
                "expiring this very second",
                BODY.to_vec(),
                sign(&f.key, FeedKind::Archive, 42, NOW, BODY),
                pinned.to_vec(),
                None,
                rejected(Rejection::Expired {
                    at: "2026-09-21T14:13:20Z".into(),
                }),
            ),
            (
                "a malformed trusted comment",
                BODY.to_vec(),
                signature_with_comment(&f.key, "timestamp:1790000000\tfile:catalogue.json", BODY),
                pinned.to_vec(),
                None,
                rejected(Rejection::BadComment {
                    comment: "timestamp:1790000000\tfile:catalogue.json".into(),
                    why: CommentError::Prefix,
                }),
            ),
            (
                "not a signature at all",
                BODY.to_vec(),
                b"<html>404</html>".to_vec(),
                pinned.to_vec(),
                None,
                rejected(Rejection::Malformed(
                    "Invalid encoding in minisign data".into(),
                )),
            ),
            (
                "a huge signature file",
                BODY.to_vec(),
                vec![b'A'; 100_000],
                pinned.to_vec(),
                None,
                rejected(Rejection::Malformed(
                    "100000 bytes, more than a signature".into(),
                )),
            ),
        ];
        for (name, body, sig, keys, last, want) in cases {
            let got = verify_feed(
                &body,
                Some(&sig),
                FeedKind::Archive,
                &keys,
                Policy::Preferred,
                last,
                NOW,
            );
            assert_eq!(got, want, "{name}");
            let required = verify_feed(
                &body,
                Some(&sig),
                FeedKind::Archive,
                &keys,
                Policy::Required,
                last,
                NOW,
            );
            assert_eq!(required, want, "{name} (required)");
        }
    }

    #[test]
    fn missing_or_unpinned_signatures_follow_the_policy() {
        let f = fixture();
        let good = sign(&f.key, FeedKind::Guide, 1, NOW + 60, BODY);
        let pinned = std::slice::from_ref(&f.pinned);
        let g = FeedKind::Guide;
        type Case<'a> = (&'a str, Policy, Option<&'a [u8]>, &'a [PinnedKey], Decision);
        let cases: &[Case] = &[
            (
                "required, unsigned",
                Policy::Required,
                None,
                pinned,
                Decision::Rejected {
                    why: Rejection::MissingSignature(g),
                },
            ),
            (
                "preferred, unsigned, a key pinned: a stripped signature",
                Policy::Preferred,
                None,
                pinned,
                Decision::Rejected {
                    why: Rejection::UnsignedWithPinnedKey(g),
                },
            ),
            (
                "preferred, unsigned, nothing pinned",
                Policy::Preferred,
                None,
                &[],
                Decision::Unverified {
                    why: Unverified::Unsigned,
                },
            ),
            (
                "off, unsigned",
                Policy::Off,
                None,
                pinned,
                Decision::Unverified {
                    why: Unverified::CheckingOff(g),
                },
            ),
            (
                "off, a tampered signature is not even looked at",
                Policy::Off,
                Some(b"garbage"),
                pinned,
                Decision::Unverified {
                    why: Unverified::CheckingOff(g),
                },
            ),
            (
                "required, no key pinned",
                Policy::Required,
                Some(&good),
                &[],
                Decision::Rejected {
                    why: Rejection::NoPinnedKey(g),
                },
            ),
            (
                "preferred, no key pinned",
                Policy::Preferred,
                Some(&good),
                &[],
                Decision::Unverified {
                    why: Unverified::NoPinnedKey(g),
                },
            ),
        ];
        for (name, policy, sig, keys, want) in cases {
            let got = verify_feed(BODY, *sig, g, keys, *policy, None, NOW);
            assert_eq!(&got, want, "{name}");
            assert_eq!(got.accepted(), !matches!(want, Decision::Rejected { .. }));
        }
    }

    #[test]
    fn once_verified_a_feed_is_never_replaced_by_an_unverified_body() {
        let f = fixture();
        let g = FeedKind::Guide;
        let seen = Seen::new(7, BODY);
        let pinned = std::slice::from_ref(&f.pinned);
        let no_longer = |why| Decision::Rejected {
            why: Rejection::NoLongerVerified { version: 7, why },
        };
        let good = sign(&f.key, g, 8, NOW + 60, b"newer");
        type Case<'a> = (&'a str, Policy, Option<&'a [u8]>, &'a [PinnedKey], Decision);
        let cases: &[Case] = &[
            (
                "preferred, signature stripped",
                Policy::Preferred,
                None,
                pinned,
                no_longer(Unverified::Unsigned),
            ),
            (
                "required, signature stripped",
                Policy::Required,
                None,
                pinned,
                no_longer(Unverified::Unsigned),
            ),
            (
                "preferred, the keys since removed from the configuration, unsigned",
                Policy::Preferred,
                None,
                &[],
                no_longer(Unverified::Unsigned),
            ),
            (
                "preferred, the keys since removed, signed",
                Policy::Preferred,
                Some(&good),
                &[],
                no_longer(Unverified::NoPinnedKey(g)),
            ),
            (
                "off: the operator's explicit way out",
                Policy::Off,
                None,
                pinned,
                Decision::Unverified {
                    why: Unverified::CheckingOff(g),
                },
            ),
        ];
        for (name, policy, sig, keys, want) in cases {
            let got = verify_feed(b"newer", *sig, g, keys, *policy, Some(&seen), NOW);
            assert_eq!(&got, want, "{name}");
        }
        // A newer signed version still replaces it.
        let got = verify_feed(
            b"newer",
            Some(&good),
            g,
            pinned,
            Policy::Preferred,
            Some(&seen),
            NOW,
        );
        assert!(
            matches!(got, Decision::Verified { version: 8, .. }),
            "{got:?}"
        );
        let why = Rejection::NoLongerVerified {
            version: 7,
            why: Unverified::Unsigned,
        };
        assert_eq!(
            why.to_string(),
            "the feed is not signed, but version 7 of this feed was verified before: only a verified copy may replace it"
        );
    }

    #[test]
    fn rejections_read_as_sentences_naming_versions_and_times() {
        let id = KeyId([1, 0, 0, 0, 0, 0, 0, 0]);
        let cases = [
            (
                Rejection::Rollback { from: 50, to: 42 },
                "rollback from version 50 to 42",
            ),
            (
                Rejection::Expired {
                    at: "2026-12-31T00:00:00Z".into(),
                },
                "expired at 2026-12-31T00:00:00Z",
            ),
            (
                Rejection::UnknownKey { key_id: id },
                "signed with key 0000000000000001, which is not pinned for this feed",
            ),
            (
                Rejection::MissingSignature(FeedKind::Interact),
                "no signature, and interact feeds must be signed",
            ),
        ];
        for (why, text) in cases {
            assert_eq!(why.to_string(), text);
        }
    }
}
