//! The interactive overlay on the TV app, driven by remote keys against the
//! demo headend: the "Press RED" prompt, a poll answered (confirmation,
//! "Saved" only once the outbox committed it, the results from the server),
//! one answer per box, and the red-button lifecycle: an item stays open on
//! a channel where it applies too and closes where it does not.

mod common;

use serde_json::Value;

#[test]
fn a_poll_is_answered_with_the_remote_and_follows_the_channel() {
    let state = common::scratch("overlay-state");
    let out = common::scratch("overlay-out");
    let script = "wait 5000\nshot prompt\nRed\nDown\nOk\nOk\nwait 2500\nAudio\nshot results\nBack\n\
        Red\nDown\nOk\nOk\nwait 1500\nAudio\nBack\n\
        Red\nRight\nRight\nChannelUp\nwait 500\nChannelUp\nwait 500\nInfo\n";
    let run = common::demo_script(&state, &out, script);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let lines: Vec<Value> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    assert!(
        focus(0).starts_with(
            "Have your say: Which issue matters most to you?, Housing and rents, Paid for by"
        ),
        "RED opens the poll with its sponsor line: {}",
        focus(0)
    );
    assert!(
        focus(0).ends_with(", verified by Hustings demo headend"),
        "the demo pins its headend's key, so the poll is verified: {}",
        focus(0)
    );
    assert_eq!(focus(2), "Send this answer? Buses and trains");
    assert_eq!(
        focus(4),
        "Saved, 1 answers so far",
        "recorded, delivered, counted"
    );
    // A second answer from the same box to the same poll is refused.
    assert!(
        focus(9).starts_with("Not saved: poll issue-priority: this box has already answered it"),
        "{}",
        focus(9)
    );
    // The bus-lanes question applies on channels 1 and 2, not 3.
    assert!(focus(14).starts_with("Council question"), "{}", focus(14));
    assert!(
        focus(15).starts_with("Council question"),
        "open on channel 2 too: {}",
        focus(15)
    );
    assert!(
        focus(16).starts_with("3 Campaign News"),
        "closed on channel 3: {}",
        focus(16)
    );
    assert!(out.join("prompt.png").exists() && out.join("results.png").exists());
    // The headend holds exactly the one answer.
    let db = rusqlite::Connection::open(state.join("headend/interact.sqlite3")).unwrap();
    let rows: Vec<(String, String)> = db
        .prepare("SELECT item, payload FROM submissions")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "issue-priority");
    assert!(rows[0].1.contains("transport"), "{}", rows[0].1);
}
