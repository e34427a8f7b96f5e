//! The trusted comment of a feed signature (`trust::FeedComment::parse`):
//! a comment or an error, never a panic; a comment that parses writes back
//! (`to_text`) to the same comment.
#![no_main]

use hustings::trust::FeedComment;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(comment) = FeedComment::parse(text) {
        assert_eq!(
            FeedComment::parse(&comment.to_text()).as_ref(),
            Ok(&comment)
        );
    }
});
