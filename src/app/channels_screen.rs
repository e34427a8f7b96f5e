//! The Channels screen: the lineup by group (all, favourites, each group of
//! the playlist), searched by name or number, favourites toggled with Green.
//!
//! Pure state over the lineup ([`ChannelBrowser::handle`] returns effects);
//! [`update`] fills `ChannelsAdapter` with the rows on screen only.

use std::collections::HashSet;

use slint::{ComponentHandle, ModelRc, VecModel};

use super::effect::{Effect, TypingFor};
use super::layers::{Ctx, Handled, Layer};
use super::ui::{AppWindow, ChannelsAdapter, ListedChannel};
use crate::input::Action;
use crate::lineup::Channel;

/// Rows the list shows at once.
pub const LIST_ROWS: usize = 8;

/// What the Channels screen shows and where its focus is.
#[derive(Debug, Clone, Default)]
pub struct ChannelBrowser {
    /// 0 all, 1 favourites, then the lineup's groups in order.
    pub group: usize,
    /// Focus within the filtered list.
    pub focus: usize,
    pub top: usize,
    /// Name or number the list is narrowed to (typed on the keyboard
    /// layer, Yellow, or with the number keys).
    pub search: String,
}

/// Group names of the lineup, in first-seen order.
pub fn groups(channels: &[Channel]) -> Vec<String> {
    let mut seen = Vec::<String>::new();
    for g in channels.iter().flat_map(|c| c.groups.iter()) {
        if !seen.contains(g) {
            seen.push(g.clone());
        }
    }
    seen
}

impl Layer for ChannelBrowser {
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Handled {
        ChannelBrowser::handle(self, action, ctx.channels, ctx.favourites)
    }
}

impl ChannelBrowser {
    /// Indices of the channels the group and search let through.
    pub fn filtered(&self, channels: &[Channel], favourites: &HashSet<String>) -> Vec<usize> {
        let groups = groups(channels);
        let search = self.search.trim().to_lowercase();
        channels
            .iter()
            .enumerate()
            .filter(|(_, c)| match self.group {
                0 => true,
                1 => favourites.contains(&c.key.0),
                g => groups
                    .get(g - 2)
                    .is_some_and(|name| c.groups.contains(name)),
            })
            .filter(|(_, c)| {
                search.is_empty()
                    || c.number.to_string().starts_with(&search)
                    || c.name.to_lowercase().contains(&search)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Opens the screen on the channel playing.
    pub fn open(
        &mut self,
        current: Option<usize>,
        channels: &[Channel],
        favourites: &HashSet<String>,
    ) {
        let list = self.filtered(channels, favourites);
        self.focus = current
            .and_then(|c| list.iter().position(|&i| i == c))
            .unwrap_or(0);
        self.scroll(list.len());
    }

    fn scroll(&mut self, len: usize) {
        self.focus = self.focus.min(len.saturating_sub(1));
        if self.focus < self.top {
            self.top = self.focus;
        } else if self.focus >= self.top + LIST_ROWS {
            self.top = self.focus + 1 - LIST_ROWS;
        }
        self.top = self.top.min(len.saturating_sub(LIST_ROWS));
    }

    /// One key on this screen: OK watches the focused channel, Green makes
    /// it a favourite, Back (with no search) returns to the menu.
    pub fn handle(
        &mut self,
        action: Action,
        channels: &[Channel],
        favourites: &HashSet<String>,
    ) -> Handled {
        let list = self.filtered(channels, favourites);
        let group_count = 2 + groups(channels).len();
        match action {
            Action::Up => self.focus = self.focus.saturating_sub(1),
            Action::Down => self.focus += 1,
            Action::ChannelUp => self.focus = self.focus.saturating_sub(LIST_ROWS),
            Action::ChannelDown => self.focus += LIST_ROWS,
            Action::Left | Action::Right => {
                let step = if action == Action::Left {
                    group_count - 1
                } else {
                    1
                };
                self.group = (self.group + step) % group_count;
                self.focus = 0;
                self.top = 0;
            }
            Action::Ok => {
                let Some(&index) = list.get(self.focus) else {
                    return Handled::done();
                };
                return Handled::Consumed(vec![Effect::Watch(index)]);
            }
            Action::Green => {
                let Some(&index) = list.get(self.focus) else {
                    return Handled::done();
                };
                return Handled::Consumed(vec![Effect::ToggleFavourite(index)]);
            }
            Action::Yellow => {
                return Handled::Consumed(vec![Effect::OpenKeyboard(
                    TypingFor::ChannelSearch,
                    self.search.clone(),
                )]);
            }
            Action::Digit(d) => {
                // Numbers search straight from the remote.
                self.search.push(char::from(b'0' + d.min(9)));
                self.focus = 0;
                self.top = 0;
            }
            Action::Back if !self.search.is_empty() => {
                self.search.clear();
                self.focus = 0;
                self.top = 0;
            }
            Action::Back | Action::Menu => return Handled::Consumed(vec![Effect::BackToMenu]),
            _ => return Handled::pass(),
        }
        let len = self.filtered(channels, favourites).len();
        self.scroll(len);
        Handled::done()
    }

    /// The search typed on the keyboard: the list from its top.
    pub fn set_search(&mut self, text: String) {
        self.search = text;
        self.focus = 0;
        self.top = 0;
    }

    /// The focused channel's spoken label.
    pub fn focus_label(&self, channels: &[Channel], favourites: &HashSet<String>) -> String {
        let list = self.filtered(channels, favourites);
        match list.get(self.focus).map(|&i| &channels[i]) {
            Some(c) => format!(
                "{} {}{}",
                c.number,
                c.name,
                if favourites.contains(&c.key.0) {
                    ", favourite"
                } else {
                    ""
                }
            ),
            None => "No channels".into(),
        }
    }
}

/// Fills the Channels screen and its keyboard.
pub(super) fn update(
    ui: &AppWindow,
    b: &ChannelBrowser,
    channels: &[Channel],
    favourites: &HashSet<String>,
    playing: Option<usize>,
) {
    let a = ui.global::<ChannelsAdapter>();
    let list = b.filtered(channels, favourites);
    let rows: Vec<ListedChannel> = list
        .iter()
        .skip(b.top)
        .take(LIST_ROWS)
        .map(|&i| {
            let c = &channels[i];
            ListedChannel {
                number: c.number.to_string().into(),
                name: c.name.clone().into(),
                group: c.groups.join(", ").into(),
                favourite: favourites.contains(&c.key.0),
                playing: playing == Some(i),
                catchup: c.catchup.is_enabled(),
            }
        })
        .collect();
    a.set_rows(ModelRc::new(VecModel::from(rows)));
    a.set_focus(b.focus.saturating_sub(b.top) as i32);
    a.set_count(list.len() as i32);
    let all_groups = groups(channels);
    a.set_group(b.group as i32);
    a.set_group_name(
        b.group
            .checked_sub(2)
            .and_then(|g| all_groups.get(g))
            .cloned()
            .unwrap_or_default()
            .into(),
    );
    a.set_search(b.search.clone().into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    fn lineup() -> Vec<Channel> {
        let text = "#EXTM3U\n\
            #EXTINF:-1 group-title=\"Civic\",Civic One\nhttp://a/1\n\
            #EXTINF:-1 group-title=\"Civic\",Council Live\nhttp://a/2\n\
            #EXTINF:-1 group-title=\"Campaign\",Campaign News\nhttp://a/3\n\
            #EXTINF:-1 tvg-chno=\"12\" group-title=\"Campaign\",Rally TV\nhttp://a/4\n";
        crate::lineup::parse(text, "test.m3u").unwrap().channels
    }

    #[test]
    fn groups_search_and_favourites_narrow_the_list() {
        let ch = lineup();
        let favs: HashSet<String> = [ch[2].key.0.clone()].into();
        let mut b = ChannelBrowser::default();
        assert_eq!(b.filtered(&ch, &favs), [0, 1, 2, 3]);
        b.handle(Right, &ch, &favs);
        assert_eq!(b.filtered(&ch, &favs), [2], "favourites");
        b.handle(Right, &ch, &favs);
        assert_eq!(b.filtered(&ch, &favs), [0, 1], "Civic");
        b.handle(Left, &ch, &favs);
        b.handle(Left, &ch, &favs);
        b.handle(Left, &ch, &favs);
        assert_eq!(b.group, 3, "Left wraps to the last group");
        assert_eq!(b.filtered(&ch, &favs), [2, 3], "Campaign");
        b.handle(Digit(1), &ch, &favs);
        assert_eq!(b.filtered(&ch, &favs), [3], "number 12 starts with 1");
        b.handle(Back, &ch, &favs);
        assert_eq!(b.search, "", "Back clears the search first");
        assert_eq!(
            b.handle(Ok, &ch, &favs),
            Handled::Consumed(vec![Effect::Watch(2)])
        );
        assert_eq!(
            b.handle(Green, &ch, &favs),
            Handled::Consumed(vec![Effect::ToggleFavourite(2)])
        );
        assert_eq!(b.handle(Red, &ch, &favs), Handled::pass());
        assert_eq!(
            b.handle(Back, &ch, &favs),
            Handled::Consumed(vec![Effect::BackToMenu]),
            "Back leaves"
        );
    }

    #[test]
    fn yellow_opens_the_keyboard_on_the_search_and_its_text_narrows_the_list() {
        let ch = lineup();
        let favs = HashSet::new();
        let mut b = ChannelBrowser::default();
        b.handle(Digit(1), &ch, &favs);
        assert_eq!(
            b.handle(Yellow, &ch, &favs),
            Handled::Consumed(vec![Effect::OpenKeyboard(
                TypingFor::ChannelSearch,
                "1".into()
            )])
        );
        b.focus = 1;
        b.set_search("co".into());
        assert_eq!(b.filtered(&ch, &favs), [1], "Council Live");
        assert_eq!(b.focus, 0, "from the top");
        assert_eq!(b.focus_label(&ch, &favs), "2 Council Live");
    }
}
