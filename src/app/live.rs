//! Live screen controller: fills `LiveAdapter` (banner, channel list, clock).

use chrono::{Local, TimeZone};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::nav::Nav;
use super::session::Session;
use super::ui::{AppWindow, ChannelRow, LiveAdapter};
use crate::guide::{Guide, Programme};
use crate::lineup::Channel;

/// Local "HH:MM" for Unix seconds.
pub(super) fn hm(ts: i64) -> String {
    Local
        .timestamp_opt(ts, 0)
        .single()
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

/// "18:00 – 19:00" for a programme.
pub(super) fn span(p: &Programme) -> String {
    match p.stop {
        Some(stop) => format!("{} – {}", hm(p.start), hm(stop)),
        None => hm(p.start),
    }
}

fn progress(p: &Programme, now: i64) -> f32 {
    match p.stop {
        Some(stop) if stop > p.start => {
            ((now - p.start) as f32 / (stop - p.start) as f32).clamp(0.0, 1.0)
        }
        _ => 0.0,
    }
}

/// The logo of the channel on the banner (or browsed in the mini-guide), once loaded.
pub(super) fn update_logo(ui: &AppWindow, logo: Option<slint::Image>) {
    let live = ui.global::<LiveAdapter>();
    live.set_has_logo(logo.is_some());
    live.set_logo(logo.unwrap_or_default());
}

/// A channel as a screen reader names it: number, name, favourite, what is on now.
fn channel_label(session: &Session, index: usize, now: i64) -> Option<String> {
    let ch = session.channels.get(index)?;
    let on_now = session
        .guide
        .now_next(guide_id(ch), now)
        .0
        .map(|p| format!(", now: {}", p.title))
        .unwrap_or_default();
    let fav = if session.favourites.contains(&ch.key.0) {
        ", favourite"
    } else {
        ""
    };
    Some(format!("{} {}{fav}{on_now}", ch.number, ch.name))
}

/// What a screen reader says on live TV: the channel list's focus, the
/// mini-guide's channel, the number being typed, what is on top of the
/// picture (`on_top`: an interactive item, a speech's bar), else the channel.
pub(super) fn focus_label(
    nav: &Nav,
    session: &Session,
    now: i64,
    on_top: Option<String>,
) -> String {
    let label = if nav.list_open {
        channel_label(session, nav.list_focus, now)
    } else if let Some(i) = nav.browse {
        channel_label(session, i, now).map(|c| format!("Mini-guide: {c}"))
    } else if !nav.digits.is_empty() {
        Some(format!("Channel number {}", nav.digits))
    } else if on_top.is_some() {
        on_top
    } else {
        nav.current.and_then(|i| channel_label(session, i, now))
    };
    label.unwrap_or_default()
}

/// The key of a channel's programmes in the loaded guide (see `feeds::assemble`).
pub(super) fn guide_id(ch: &Channel) -> &str {
    &ch.key.0
}

/// Replaces the .slint preview data with an empty screen.
pub(super) fn clear_preview(ui: &AppWindow, clock: &crate::config::Clock) {
    let a = ui.global::<LiveAdapter>();
    a.set_banner_visible(false);
    a.set_has_picture(false);
    a.set_has_catchup(false);
    a.set_has_captions(false);
    a.set_channels(ModelRc::new(VecModel::from(Vec::<ChannelRow>::new())));
    for set in [
        LiveAdapter::set_channel_number,
        LiveAdapter::set_channel_name,
        LiveAdapter::set_now_title,
        LiveAdapter::set_now_time,
        LiveAdapter::set_next_title,
        LiveAdapter::set_next_time,
    ] {
        set(&a, "".into());
    }
    update_clock(ui, clock);
}

/// Rows of the live channel list panel.
const LIST_ROWS: usize = 7;

/// Updates the clock text.
pub(super) fn update_clock(ui: &AppWindow, clock: &crate::config::Clock) {
    ui.global::<LiveAdapter>()
        .set_clock(clock.local().format("%H:%M").to_string().into());
}

/// Pushes the banner and list state.
pub(super) fn update(
    ui: &AppWindow,
    nav: &Nav,
    channels: &[Channel],
    favourites: &std::collections::HashSet<String>,
    guide: &Guide,
    now: i64,
) {
    let a = ui.global::<LiveAdapter>();
    a.set_browsing(nav.browse.is_some() && nav.browse != nav.current);
    if let Some(ch) = nav.browse.or(nav.current).and_then(|i| channels.get(i)) {
        a.set_has_catchup(ch.catchup.is_enabled());
        let (on_now, next) = guide.now_next(guide_id(ch), now);
        a.set_channel_number(ch.number.to_string().into());
        a.set_channel_name(ch.name.clone().into());
        a.set_now_title(
            on_now
                .map(|p| p.title.clone())
                .unwrap_or_else(|| "No programme information".into())
                .into(),
        );
        a.set_now_time(on_now.map(span).unwrap_or_default().into());
        a.set_now_progress(on_now.map(|p| progress(p, now)).unwrap_or(0.0));
        a.set_next_title(next.map(|p| p.title.clone()).unwrap_or_default().into());
        a.set_next_time(next.map(span).unwrap_or_default().into());
    }
    a.set_banner_visible(nav.banner);
    a.set_list_visible(nav.list_open);
    // Only the rows the panel shows (a lineup can have a thousand channels).
    let top = nav
        .list_focus
        .saturating_sub(LIST_ROWS / 2)
        .min(channels.len().saturating_sub(LIST_ROWS));
    a.set_list_focus(nav.list_focus.saturating_sub(top) as i32);
    if nav.list_open {
        let rows: Vec<ChannelRow> = channels
            .iter()
            .enumerate()
            .skip(top)
            .take(LIST_ROWS)
            .map(|(i, ch)| {
                let on_now = guide.now_next(guide_id(ch), now).0;
                ChannelRow {
                    number: ch.number.to_string().into(),
                    name: ch.name.clone().into(),
                    now_title: on_now.map(|p| p.title.clone()).unwrap_or_default().into(),
                    now_time: on_now.map(span).unwrap_or_default().into(),
                    progress: on_now.map(|p| progress(p, now)).unwrap_or(0.0),
                    playing: nav.current == Some(i),
                    favourite: favourites.contains(&ch.key.0),
                }
            })
            .collect();
        a.set_channels(ModelRc::new(VecModel::from(rows)));
    }
}

#[cfg(test)]
mod focus_tests {
    use super::*;
    use crate::lineup::ChannelKey;

    #[test]
    fn live_tv_says_the_list_the_mini_guide_the_number_what_is_on_top_or_the_channel() {
        let mut session = Session::default();
        for (n, key, name) in [(1, "council", "Council Live"), (2, "debates", "Debates")] {
            session.channels.push(Channel {
                key: ChannelKey(key.into()),
                name: name.into(),
                number: n,
                ..Default::default()
            });
        }
        session.favourites.insert("debates".into());
        let on_air = Programme {
            channel: "council".into(),
            start: 0,
            stop: Some(3600),
            title: "Budget".into(),
            ..Default::default()
        };
        session.guide = Guide::new(vec![], vec![on_air], vec![]);
        let mut nav = Nav::new(vec![1, 2]);
        nav.current = Some(0);
        let label = |nav: &Nav, on_top: Option<&str>| {
            focus_label(nav, &session, 600, on_top.map(String::from))
        };
        assert_eq!(label(&nav, None), "1 Council Live, now: Budget");
        assert_eq!(
            label(&nav, Some("Poll: Which issue?")),
            "Poll: Which issue?"
        );
        nav.digits = "2".into();
        assert_eq!(label(&nav, Some("Poll")), "Channel number 2");
        nav.browse = Some(1);
        assert_eq!(label(&nav, None), "Mini-guide: 2 Debates, favourite");
        nav.list_open = true;
        nav.list_focus = 0;
        assert_eq!(label(&nav, None), "1 Council Live, now: Budget");
    }
}
