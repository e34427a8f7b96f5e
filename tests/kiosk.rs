//! Kiosk mode on a shared screen: the box starts on its configured channel,
//! and after the idle time a half-typed sign-up form is wiped, with no trace
//! of what was typed in any database file, and the screen is back on its
//! start channel for the next viewer.

mod common;

use std::path::Path;

use serde_json::Value;

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
            {
                found.push(p.display().to_string());
            }
        }
    }
    found
}

#[test]
fn an_idle_shared_screen_forgets_the_last_viewer() {
    let state = common::scratch("kiosk-state");
    let out = common::scratch("kiosk-out");
    std::fs::write(
        out.join("config.toml"),
        "[cache]\npinned_window = \"off\"\n\
         [kiosk]\nenabled = true\nstart_channel = \"council-live\"\nidle_seconds = 5\n",
    )
    .unwrap();
    // Red opens the first item in force; ◀ wraps to the last, the sign-up
    // form. The e-mail field is typed on the number keys: a @ b . c o.
    let script = "wait 5000\nInfo\nRed\nLeft\nDown\nOk\n\
        Digit 2\nDigit 1\nDigit 1\nDigit 1\nDigit 1\nDigit 1\nwait 1100\n\
        Digit 2\nDigit 2\nwait 1100\nDigit 1\nwait 1100\nDigit 2\nDigit 2\nDigit 2\nwait 1100\n\
        Digit 6\nDigit 6\nDigit 6\nGreen\nwait 8000\nInfo\n";
    let run = common::demo_script(&state, &out, script);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let lines: Vec<Value> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let focus = |i: usize| lines[i]["focus"].as_str().unwrap().to_string();
    assert!(
        focus(0).starts_with("2 Council Live"),
        "starts on its channel: {}",
        focus(0)
    );
    let typed = lines.len() - 2;
    assert_eq!(focus(typed), "E-mail: a@b.co", "the form was being filled");
    let last = lines.len() - 1;
    assert!(
        focus(last).starts_with("2 Council Live"),
        "back on the start channel, the form gone: {}",
        focus(last)
    );
    assert!(stderr.contains("privacy reset between viewers"), "{stderr}");
    let traces = files_containing(&state, b"a@b.co");
    assert!(traces.is_empty(), "the e-mail is still on disk: {traces:?}");
}
