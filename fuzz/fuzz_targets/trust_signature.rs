//! A feed's detached `.minisig` file (`trust::verify_signed`): a verified
//! feed or a rejection, never a panic. The key pinned here made the
//! signatures in the corpus (over the body below), so inputs near them get
//! through decoding and key selection to the signature check.
#![no_main]

use hustings::trust::{FeedKind, PinnedKey, verify_signed};
use libfuzzer_sys::fuzz_target;

/// The public key of the corpus's signatures (its secret key is not kept).
const KEY: &str = "RWSYQx2wIkJMvrOfkXAmxHaLznBxlvY3vLU+7sgn6RFabKZs3maoTBtU";
/// The body the corpus's signatures are over.
const BODY: &[u8] = b"#EXTM3U\n#EXTINF:-1,Fuzz One\nhttp://example.test/1.ts\n";

fuzz_target!(|data: &[u8]| {
    let key = PinnedKey::from_base64(KEY, Some("fuzz"), "fuzz").unwrap();
    let _ = verify_signed(
        BODY,
        data,
        Some(FeedKind::Lineup),
        &[key],
        None,
        1_800_000_000,
    );
});
