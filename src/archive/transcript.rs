//! WebVTT transcripts: the cues of a speech, so its words can be searched
//! and a hit can open the speech at that moment.

/// One cue: when it starts and ends (seconds) and its text (tags removed).
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// Most cues read from one transcript.
pub const MAX_CUES: usize = 50_000;

/// "HH:MM:SS.mmm" or "MM:SS.mmm" as seconds.
fn timestamp(s: &str) -> Option<f64> {
    let (clock, millis) = s.trim().split_once('.')?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<u64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let secs = match parts[..] {
        // An hour count too large for u64 seconds is no time (found by fuzzing).
        [h, m, s] if m < 60 && s < 60 => h.checked_mul(3600)?.checked_add(m * 60 + s)?,
        [m, s] if m < 60 && s < 60 => m * 60 + s,
        _ => return None,
    };
    Some(secs as f64 + millis.parse::<f64>().ok()? / 1000.0)
}

/// Reads the cues of a WebVTT file; lines that are not cues are skipped.
/// Returns None when the text does not start with `WEBVTT`.
pub fn parse(text: &str) -> Option<Vec<Cue>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.starts_with("WEBVTT") {
        return None;
    }
    let mut cues = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((from, rest)) = line.split_once("-->") else {
            continue;
        };
        let to = rest.split_whitespace().next().unwrap_or_default();
        let (Some(start), Some(end)) = (timestamp(from), timestamp(to)) else {
            continue;
        };
        let mut body = String::new();
        while let Some(l) = lines.peek() {
            if l.trim().is_empty() {
                break;
            }
            if !body.is_empty() {
                body.push(' ');
            }
            body.push_str(&strip_tags(l));
            lines.next();
        }
        if end >= start && !body.trim().is_empty() {
            cues.push(Cue {
                start,
                end,
                text: body.trim().to_string(),
            });
            if cues.len() >= MAX_CUES {
                break;
            }
        }
    }
    Some(cues)
}

fn strip_tags(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut tag = false;
    for c in line.chars() {
        match c {
            '<' => tag = true,
            '>' if tag => tag = false,
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_are_read_with_times_and_plain_text() {
        let vtt = "WEBVTT\n\nNOTE a comment\n\n1\n00:00:01.000 --> 00:00:04.500 align:start\n<v Ana>We will build</v>\n&amp; repair homes\n\n00:05.250 --> 00:07.000\nRents first.\n\n00:00:09.000 --> bad\nskipped\n";
        let cues = parse(vtt).unwrap();
        assert_eq!(
            cues,
            [
                Cue {
                    start: 1.0,
                    end: 4.5,
                    text: "We will build & repair homes".into()
                },
                Cue {
                    start: 5.25,
                    end: 7.0,
                    text: "Rents first.".into()
                },
            ]
        );
        assert_eq!(parse("not vtt"), None);
    }

    #[test]
    fn an_hour_count_that_overflows_skips_the_cue() {
        // Found by fuzzing (fuzz/corpus/webvtt/crash-hour-overflow): 16 digits
        // of hours times 3600 overflowed u64 and panicked.
        let vtt = "WEBVTT\n\n000000000018214728011035400:15:00.000 --> 00:00:10.000\nOverflow\n\n\
                   5124095576030431:00:00.000 --> 5124095576030431:00:01.000\nLate but whole\n";
        let cues = parse(vtt).unwrap();
        assert_eq!(cues.len(), 1);
        assert_eq!(cues[0].text, "Late but whole");
        assert_eq!(timestamp("18446744073709551615:00:00.000"), None);
        assert_eq!(parse("WEBVTT\n8472801103540015:1:0.000-->"), Some(vec![]));
    }
}
