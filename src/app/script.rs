//! Scripted remote-control sessions for the headless app (`hustings demo
//! --headless DIR --script FILE`): one step per line.
//!
//! ```text
//! # comments and blank lines are skipped
//! Guide            an Action by name (as in `input::Action`)
//! Digit 3          a number key
//! wait 500         let the app run for 500 ms (feeds, player, timeouts)
//! busy 1500        the box is busy for 1500 ms (a slow frame, a slow disk):
//!                  the keys either side of it were still pressed together
//! shot guide-day   save DIR/guide-day.png
//! ```
//!
//! After each action one JSON line is printed:
//! `{"action": "Guide", "screen": "Guide", "focus": "..."}`, where focus is
//! the accessible label of the focused item.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

use crate::input::Action;

/// One step of a script.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Press(Action),
    Wait(Duration),
    /// The UI thread is held up; no time passes between the keys around it.
    Busy(Duration),
    Shot(String),
}

/// A script line that is not a step.
#[derive(Debug, Error, PartialEq)]
#[error("{file}:{line}: {message}")]
pub struct ScriptError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Parses a script; the first bad line is an error naming it.
pub fn parse(text: &str, file: &Path) -> Result<Vec<Step>, ScriptError> {
    let mut steps = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |message: String| ScriptError {
            file: file.display().to_string(),
            line: i + 1,
            message,
        };
        let mut words = line.split_whitespace();
        let head = words.next().unwrap_or_default();
        let arg = words.next();
        if words.next().is_some() {
            return Err(err(format!("too many words in {line:?}")));
        }
        let step = match (head, arg) {
            ("wait", Some(ms)) => {
                Step::Wait(Duration::from_millis(ms.parse().map_err(|_| {
                    err(format!("wait wants milliseconds, not {ms:?}"))
                })?))
            }
            ("busy", Some(ms)) => {
                Step::Busy(Duration::from_millis(ms.parse().map_err(|_| {
                    err(format!("busy wants milliseconds, not {ms:?}"))
                })?))
            }
            ("shot", Some(name)) => {
                let safe = name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !safe {
                    return Err(err(format!(
                        "a shot name is letters, digits, - and _: {name:?}"
                    )));
                }
                Step::Shot(name.to_string())
            }
            ("Digit", Some(d)) => match d.parse::<u8>() {
                Ok(d) if d <= 9 => Step::Press(Action::Digit(d)),
                _ => return Err(err(format!("Digit wants 0 to 9, not {d:?}"))),
            },
            (name, None) => Step::Press(
                serde_json::from_value(serde_json::Value::String(name.to_string()))
                    .map_err(|_| err(format!("unknown action {name:?}")))?,
            ),
            (name, Some(_)) => return Err(err(format!("{name} takes no argument"))),
        };
        steps.push(step);
    }
    Ok(steps)
}

/// What is printed after each action.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepReport {
    pub action: String,
    pub screen: String,
    pub focus: String,
    /// The notice on screen after the step (English), or "".
    pub notice: String,
}

/// The name of an action as a script writes it.
pub fn action_name(action: Action) -> String {
    match action {
        Action::Digit(d) => format!("Digit {d}"),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_and_bad_lines_name_their_line() {
        let text = "# tour\nGuide\n\nDigit 3\nwait 250\nbusy 900\nshot guide-1\nChannelUp\n";
        let steps = parse(text, Path::new("t.txt")).unwrap();
        assert_eq!(
            steps,
            [
                Step::Press(Action::Guide),
                Step::Press(Action::Digit(3)),
                Step::Wait(Duration::from_millis(250)),
                Step::Busy(Duration::from_millis(900)),
                Step::Shot("guide-1".into()),
                Step::Press(Action::ChannelUp),
            ]
        );
        for (bad, line, says) in [
            ("Ok\nJump\n", 2, "unknown action"),
            ("Digit 12", 1, "0 to 9"),
            ("wait soon", 1, "milliseconds"),
            ("busy 1s", 1, "milliseconds"),
            ("shot ../etc", 1, "shot name"),
            ("Ok now", 1, "no argument"),
        ] {
            let e = parse(bad, Path::new("s.txt")).unwrap_err();
            assert_eq!(e.line, line, "{bad:?}");
            assert!(e.to_string().contains(says), "{e}");
            assert!(e.to_string().starts_with(&format!("s.txt:{line}:")), "{e}");
        }
        assert_eq!(action_name(Action::Digit(4)), "Digit 4");
        assert_eq!(action_name(Action::ChannelUp), "ChannelUp");
    }
}
