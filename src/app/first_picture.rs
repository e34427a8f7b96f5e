//! What follows a picture reaching the screen, whichever way it got there
//! (a window drew it, or a KMS page flip showed it).

use std::time::Instant;

/// A picture reached the screen at `at` (a window drew, or a page flip that
/// carried one completed): finishes the zap's figure (printed for the demo,
/// else logged), and tells systemd the box is up at its first picture.
pub(super) fn picture_on_screen(
    app: &mut super::App,
    at: Instant,
    print: bool,
    ready: &std::cell::Cell<bool>,
) {
    if let Some(record) = app.displayed(at) {
        let line = serde_json::to_string(&record).unwrap_or_default();
        if print {
            println!("{line}");
        } else {
            tracing::info!("zap {line}");
        }
    }
    if !ready.get() && app.has_shown_picture() {
        crate::platform::notify::notify("READY=1");
        ready.set(true);
    }
}
