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
    // form. The e-mail field is typed on the keyboard grid (row by row:
    // a-j, k-t, u-@): a @ b . c o.
    let script = format!(
        "wait 5000\nInfo\nRed\nLeft\nDown\nOk\n{}Green\nwait 8000\nInfo\n",
        [
            "Ok",                                                                 // a
            "Down Down Right Right Right Right Right Right Right Right Right Ok", // @
            "Up Up Left Left Left Left Left Left Left Left Ok",                   // b
            "Down Down Right Right Right Right Right Right Right Ok",             // .
            "Up Up Left Left Left Left Left Left Ok",                             // c
            "Down Right Right Ok",                                                // o
        ]
        .join(" ")
        .split(' ')
        .map(|k| format!("{k}\n"))
        .collect::<String>()
    );
    let run = common::demo_script(&state, &out, &script);
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

#[test]
fn a_shared_screens_channel_list_needs_the_pin() {
    let state = common::scratch("kiosk-pin-state");
    let out = common::scratch("kiosk-pin-out");
    // A PIN set in Settings (as the installer would), on a plain box first.
    let set = "Menu\nDown\nDown\nDown\nDown\nOk\nDown\nDown\nDown\nDown\nDown\nDown\nOk\n\
               Digit 1\nDigit 9\nDigit 4\nDigit 7\nBack\n";
    assert!(common::demo_script(&state, &out, set).status.success());
    std::fs::write(
        out.join("config.toml"),
        "[cache]\npinned_window = \"off\"\n[kiosk]\nenabled = true\nstart_channel = \"3\"\n",
    )
    .unwrap();
    let script = "wait 3000\nOk\nDigit 0\nDigit 0\nDigit 0\nDigit 0\nOk\nDigit 1\nDigit 9\nDigit 4\nDigit 7\n\
                  Down\nBack\nMenu\nDown\nDown\nOk\nDigit 1\nDigit 9\nDigit 4\nDigit 7\n";
    let run = common::demo_script(&state, &out, script);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = |i: usize| {
        format!(
            "{} | {}",
            lines[i]["screen"].as_str().unwrap(),
            lines[i]["focus"].as_str().unwrap()
        )
    };
    assert_eq!(
        at(0),
        "Live | PIN pad: 0 of 4 digits",
        "OK on live TV asks for the PIN"
    );
    assert!(
        at(4).starts_with("Live | 3 Campaign News"),
        "a wrong PIN: {}",
        at(4)
    );
    assert_eq!(
        at(5),
        "Live | PIN pad: 0 of 4 digits",
        "no list: OK asks again"
    );
    // The right PIN opens the list: ▼ moves in it (wrapping to channel 1)
    // instead of zapping down to channel 2.
    assert!(at(10).starts_with("Live | 1 Civic One"), "{}", at(10));
    assert_eq!(
        at(15),
        "Menu | PIN pad: 0 of 4 digits",
        "the Channels screen asks too"
    );
    assert!(at(19).starts_with("Channels | "), "{}", at(19));
}
