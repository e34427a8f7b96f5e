//! Making each channel's schedule a sequence without overlaps.
//!
//! Guides from several grabbers, and "clumps" (two items sharing a slot),
//! give programmes that overlap. The rule, applied per channel after a
//! stable sort by start (so ties keep document order):
//!
//! - the earlier-starting programme is kept whole; on equal starts, the one
//!   that came first in the document;
//! - a later programme that starts inside a kept one is trimmed to start when
//!   the kept one stops, or dropped if nothing of it remains (it ends by then);
//! - a kept programme without a stop runs until the next start, so it only
//!   collides with one that starts at the same second, which is dropped;
//! - times are half-open `[start, stop)`: a zero-length programme overlaps
//!   nothing that starts at its own start or after.
//!
//! The result is ordered by channel id, then start.

use super::Programme;

/// What happens to a programme that follows `kept` (the last programme kept
/// on the same channel, in start order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlap {
    /// No overlap: keep it as it is.
    Clear,
    /// It starts inside `kept`: it now starts when `kept` stops.
    StartAt(i64),
    /// Nothing of it remains, or it starts with an open-ended `kept`.
    Drop,
}

/// The rule above, for one programme (`start`, `stop`) after the kept one
/// (`kept_start`, `kept_stop`). The store's import applies the same function.
pub fn overlap(kept_start: i64, kept_stop: Option<i64>, start: i64, stop: Option<i64>) -> Overlap {
    match kept_stop {
        Some(end) if start < end => match stop {
            Some(stop) if stop <= end => Overlap::Drop,
            _ => Overlap::StartAt(end),
        },
        None if start == kept_start => Overlap::Drop,
        _ => Overlap::Clear,
    }
}

/// Resolves overlaps as documented above; returns one warning per trimmed or dropped programme.
pub fn resolve_overlaps(programmes: &mut Vec<Programme>) -> Vec<String> {
    let mut all = std::mem::take(programmes);
    // Stable: equal (channel, start) keep their document order.
    all.sort_by(|a, b| a.channel.cmp(&b.channel).then(a.start.cmp(&b.start)));
    let mut warnings = Vec::new();
    let mut kept: Vec<Programme> = Vec::with_capacity(all.len());
    for mut p in all {
        let Some(last) = kept.last().filter(|k| k.channel == p.channel) else {
            kept.push(p);
            continue;
        };
        match overlap(last.start, last.stop, p.start, p.stop) {
            Overlap::Clear => kept.push(p),
            Overlap::StartAt(end) => {
                warnings.push(format!(
                    "channel {}: \"{}\" at {} overlaps \"{}\" at {}; now starts at {end}",
                    p.channel, p.title, p.start, last.title, last.start
                ));
                p.start = end;
                kept.push(p);
            }
            Overlap::Drop => warnings.push(format!(
                "channel {}: \"{}\" at {} overlaps \"{}\" at {}; dropped",
                p.channel, p.title, p.start, last.title, last.start
            )),
        }
    }
    *programmes = kept;
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(channel: &str, title: &str, start: i64, stop: Option<i64>) -> Programme {
        Programme {
            channel: channel.into(),
            title: title.into(),
            start,
            stop,
            ..Default::default()
        }
    }

    type Slot = (&'static str, i64, Option<i64>);

    #[test]
    fn the_earlier_programme_wins_and_the_later_is_trimmed_or_dropped() {
        let cases: Vec<(&str, Vec<Programme>, Vec<Slot>, usize)> = vec![
            (
                "no overlap",
                vec![p("c", "B", 100, Some(200)), p("c", "A", 0, Some(100))],
                vec![("A", 0, Some(100)), ("B", 100, Some(200))],
                0,
            ),
            (
                "later one trimmed to the end of the earlier",
                vec![p("c", "A", 0, Some(100)), p("c", "B", 50, Some(200))],
                vec![("A", 0, Some(100)), ("B", 100, Some(200))],
                1,
            ),
            (
                "contained one dropped",
                vec![
                    p("c", "Container", 0, Some(100)),
                    p("c", "Inside", 10, Some(20)),
                ],
                vec![("Container", 0, Some(100))],
                1,
            ),
            (
                "equal starts keep document order",
                vec![
                    p("c", "First", 0, Some(100)),
                    p("c", "Second", 0, Some(100)),
                ],
                vec![("First", 0, Some(100))],
                1,
            ),
            (
                "open-ended ones collide only on the same start",
                vec![
                    p("c", "A", 0, None),
                    p("c", "B", 0, None),
                    p("c", "C", 50, None),
                ],
                vec![("A", 0, None), ("C", 50, None)],
                1,
            ),
            (
                "zero length does not overlap what starts with it",
                vec![p("c", "Zero", 0, Some(0)), p("c", "Hour", 0, Some(3600))],
                vec![("Zero", 0, Some(0)), ("Hour", 0, Some(3600))],
                0,
            ),
            (
                "an open-ended later one is trimmed",
                vec![p("c", "A", 0, Some(100)), p("c", "B", 50, None)],
                vec![("A", 0, Some(100)), ("B", 100, None)],
                1,
            ),
        ];
        for (name, mut list, expected, warning_count) in cases {
            let warnings = resolve_overlaps(&mut list);
            let got: Vec<(&str, i64, Option<i64>)> = list
                .iter()
                .map(|p| (p.title.as_str(), p.start, p.stop))
                .collect();
            assert_eq!(got, expected, "{name}");
            assert_eq!(warnings.len(), warning_count, "{name}: {warnings:?}");
        }
    }

    #[test]
    fn channels_are_resolved_independently_and_ordered_by_id() {
        let mut list = vec![
            p("b", "B1", 0, Some(100)),
            p("a", "A1", 0, Some(100)),
            p("b", "B2", 50, Some(150)),
        ];
        resolve_overlaps(&mut list);
        let got: Vec<_> = list.iter().map(|p| (p.title.as_str(), p.start)).collect();
        assert_eq!(got, [("A1", 0), ("B1", 0), ("B2", 100)]);
    }
}
