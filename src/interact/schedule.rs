//! Which interactive items are in force for a channel, a programme and a
//! moment. Pure functions over parsed items; no clock, no I/O.

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

/// The items to offer now on this channel and programme, in feed order.
pub fn items_in_force<'a>(
    items: &'a [Item],
    channel_id: Option<&str>,
    programme_id: Option<&str>,
    now: i64,
) -> Vec<&'a Item> {
    items
        .iter()
        .filter(|i| in_window(i, now) && applies_to(i, channel_id, programme_id))
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
}
