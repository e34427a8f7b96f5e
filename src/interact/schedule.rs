//! Which interactive items are in force for a channel, a programme and a
//! moment. Pure functions over parsed items; no clock, no I/O.
//!
//! Campaign material, once on screen, stays there with its sponsor line for
//! at least [`MIN_ON_SCREEN_SECS`] (issue 8, transparency labels: "at least
//! 4 s for short items"), even when its window is shorter or ends sooner:
//! the caller says which item is on screen and since when.

use super::feed::{Item, Where};

/// Whether `item` is in its time window at `now` (Unix seconds): from
/// `start` inclusive to `end` exclusive.
pub fn in_window(item: &Item, now: i64) -> bool {
    item.start <= now && now < item.end
}

/// Whether `item` applies to what is on screen: every channel, or the
/// channel or the programme it names.
pub fn applies_to(item: &Item, channel_id: Option<&str>, programme_id: Option<&str>) -> bool {
    match &item.applies {
        Where::All => true,
        Where::Only {
            channels,
            programmes,
        } => {
            channel_id.is_some_and(|c| channels.iter().any(|x| x == c))
                || programme_id.is_some_and(|p| programmes.iter().any(|x| x == p))
        }
    }
}

/// The shortest time an item stays on screen once shown, in seconds.
pub const MIN_ON_SCREEN_SECS: i64 = 4;

/// The item on screen (prompt or open) and since when (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnScreen<'a> {
    pub id: &'a str,
    pub since: i64,
}

/// The items to offer now on this channel and programme, in feed order.
pub fn items_in_force<'a>(
    items: &'a [Item],
    channel_id: Option<&str>,
    programme_id: Option<&str>,
    now: i64,
) -> Vec<&'a Item> {
    items_in_force_holding(items, channel_id, programme_id, now, None)
}

/// As [`items_in_force`], and the item `on_screen` stays in force until it
/// has been shown [`MIN_ON_SCREEN_SECS`], past the end of its window, as
/// long as it applies to the channel or programme (a zap elsewhere still
/// closes it).
pub fn items_in_force_holding<'a>(
    items: &'a [Item],
    channel_id: Option<&str>,
    programme_id: Option<&str>,
    now: i64,
    on_screen: Option<OnScreen<'_>>,
) -> Vec<&'a Item> {
    let held = |i: &Item| {
        on_screen
            .is_some_and(|s| s.id == i.id && i.start <= now && now < s.since + MIN_ON_SCREEN_SECS)
    };
    items
        .iter()
        .filter(|i| (in_window(i, now) || held(i)) && applies_to(i, channel_id, programme_id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interact::feed::Kind;

    fn item(id: &str, applies: Where, start: i64, end: i64) -> Item {
        Item {
            id: id.into(),
            kind: Kind::Notice,
            applies,
            start,
            end,
            title: id.into(),
            question: None,
            options: vec![],
            multiple: false,
            fields: vec![],
            privacy: None,
            sponsor: Some("Paid for by X".into()),
            results: None,
            submit: None,
            page: None,
            badge: crate::trust::Badge::Unverified,
        }
    }

    fn only(channels: &[&str], programmes: &[&str]) -> Where {
        Where::Only {
            channels: channels.iter().map(|s| s.to_string()).collect(),
            programmes: programmes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn items_apply_by_channel_programme_and_time_window() {
        let items = vec![
            item("everywhere", Where::All, 100, 200),
            item("on-one", only(&["one"], &[]), 100, 200),
            item("in-debate", only(&[], &["debate"]), 100, 200),
            item("later", Where::All, 200, 300),
        ];
        // (channel, programme, now, the items in force)
        type Case<'a> = (Option<&'a str>, Option<&'a str>, i64, &'a [&'a str]);
        let table: &[Case] = &[
            (Some("one"), None, 150, &["everywhere", "on-one"]),
            (Some("two"), None, 150, &["everywhere"]),
            (
                Some("two"),
                Some("debate"),
                150,
                &["everywhere", "in-debate"],
            ),
            (
                Some("one"),
                Some("debate"),
                150,
                &["everywhere", "on-one", "in-debate"],
            ),
            (None, None, 150, &["everywhere"]),
            (Some("one"), None, 99, &[]),
            // start is inclusive, end exclusive: at 200 one ends and the next begins.
            (Some("one"), None, 100, &["everywhere", "on-one"]),
            (Some("one"), None, 200, &["later"]),
            (Some("one"), None, 300, &[]),
        ];
        for (channel, programme, now, want) in table {
            let got: Vec<&str> = items_in_force(&items, *channel, *programme, *now)
                .iter()
                .map(|i| i.id.as_str())
                .collect();
            assert_eq!(&got, want, "{channel:?} {programme:?} at {now}");
        }
    }

    #[test]
    fn a_short_item_stays_on_screen_four_seconds_once_shown() {
        // Scheduled for 2 s, [100, 102), on channel "one".
        let items = vec![item("flash", only(&["one"], &[]), 100, 102)];
        let at = |since: i64| OnScreen { id: "flash", since };
        // (channel, now, on screen, in force)
        type Case<'a> = (&'a str, i64, Option<OnScreen<'a>>, bool);
        let table: &[Case] = &[
            ("one", 101, None, true),
            ("one", 102, None, false),
            // Shown from 100: held to 104, past its end at 102.
            ("one", 102, Some(at(100)), true),
            ("one", 103, Some(at(100)), true),
            ("one", 104, Some(at(100)), false),
            // Shown late, at 101.5 rounded to 101: held to 105.
            ("one", 104, Some(at(101)), true),
            ("one", 105, Some(at(101)), false),
            // A zap to a channel where it does not apply closes it.
            ("two", 103, Some(at(100)), false),
            // Another item on screen holds nothing for this one.
            (
                "one",
                103,
                Some(OnScreen {
                    id: "other",
                    since: 100,
                }),
                false,
            ),
            // Never before its start.
            ("one", 99, Some(at(99)), false),
        ];
        for (channel, now, on_screen, want) in table {
            let got = items_in_force_holding(&items, Some(*channel), None, *now, *on_screen);
            assert_eq!(!got.is_empty(), *want, "{channel} at {now}, {on_screen:?}");
        }
    }
}
