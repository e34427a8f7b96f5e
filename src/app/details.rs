//! Programme details (Info on a guide programme): description, credits,
//! episode, rating, badges, and what can be done with it — watch it live,
//! play it from the start through catch-up, or set a reminder.

use slint::{ComponentHandle, ModelRc, VecModel};

use super::effect::Effect;
use super::layers::{Ctx, Handled, Layer};
use super::live::span;
use super::screen::Screen;
use super::ui::{AppWindow, DetailsAdapter};
use crate::guide::Programme;
use crate::input::Action;

/// What the viewer can do with the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailAction {
    Watch,
    FromStart,
    Remind,
    Unremind,
}

impl DetailAction {
    /// The number the .slint file names it by (translated there).
    fn code(self) -> i32 {
        match self {
            DetailAction::Watch => 0,
            DetailAction::FromStart => 1,
            DetailAction::Remind => 2,
            DetailAction::Unremind => 3,
        }
    }
}

/// The open details screen.
#[derive(Debug, Clone)]
pub struct Details {
    /// The channel's index in the lineup.
    pub channel: usize,
    pub programme: Programme,
    pub actions: Vec<DetailAction>,
    pub focus: usize,
}

impl Layer for Details {
    fn handle(&mut self, action: Action, _: &Ctx) -> Handled {
        Details::handle(self, action)
    }
}

impl Details {
    /// The actions a programme offers now: live now can be watched (and
    /// restarted with catch-up), an ended one played from catch-up, a future
    /// one reminded.
    pub fn new(
        channel: usize,
        programme: Programme,
        now: i64,
        catchup: bool,
        reminded: bool,
    ) -> Details {
        let on_now = programme.start <= now && programme.stop.is_none_or(|s| now < s);
        let actions = if programme.start > now {
            vec![if reminded {
                DetailAction::Unremind
            } else {
                DetailAction::Remind
            }]
        } else if on_now {
            let mut a = vec![DetailAction::Watch];
            if catchup {
                a.push(DetailAction::FromStart);
            }
            a
        } else if catchup {
            vec![DetailAction::FromStart]
        } else {
            vec![]
        };
        Details {
            channel,
            programme,
            actions,
            focus: 0,
        }
    }

    /// One key: ◀ ▶ move between the actions, OK does the focused one,
    /// Back (or Info, or Guide) returns to the guide.
    pub fn handle(&mut self, action: Action) -> Handled {
        match action {
            Action::Left => self.focus = self.focus.saturating_sub(1),
            Action::Right => {
                self.focus = (self.focus + 1).min(self.actions.len().saturating_sub(1))
            }
            Action::Ok => {
                let (index, p) = (self.channel, self.programme.clone());
                let effect = match self.actions.get(self.focus) {
                    None => return Handled::done(),
                    Some(DetailAction::Watch) => Effect::Watch(index),
                    Some(DetailAction::FromStart) => Effect::PlayCatchup(index, p),
                    Some(DetailAction::Remind | DetailAction::Unremind) => {
                        Effect::ToggleReminder(index, p)
                    }
                };
                return Handled::Consumed(vec![effect]);
            }
            Action::Back | Action::Info | Action::Guide => {
                return Handled::Consumed(vec![Effect::Show(Screen::Guide)]);
            }
            _ => return Handled::pass(),
        }
        Handled::done()
    }

    /// After a reminder was set or taken off: the action offered is the other one.
    pub fn reminded(&mut self, on: bool) {
        self.actions = vec![if on {
            DetailAction::Unremind
        } else {
            DetailAction::Remind
        }];
    }

    /// The spoken label of the focused action (or the programme).
    pub fn focus_label(&self) -> String {
        let action = match self.actions.get(self.focus) {
            Some(DetailAction::Watch) => "Watch",
            Some(DetailAction::FromStart) => "From the start",
            Some(DetailAction::Remind) => "Remind me",
            Some(DetailAction::Unremind) => "Remove the reminder",
            None => "No action",
        };
        format!("{}: {action}", self.programme.title)
    }
}

/// Fills the details screen.
pub(super) fn update(ui: &AppWindow, d: &Details, channel_name: &str) {
    let a = ui.global::<DetailsAdapter>();
    let p = &d.programme;
    a.set_title(p.title.clone().into());
    a.set_subtitle(p.sub_title.clone().unwrap_or_default().into());
    a.set_when(format!("{} · {}", span(p), channel_name).into());
    a.set_description(p.description.clone().unwrap_or_default().into());
    let credits: Vec<String> = p
        .credits
        .iter()
        .take(8)
        .map(|c| format!("{} ({})", c.name, c.role))
        .collect();
    a.set_credits(credits.join(", ").into());
    a.set_episode(p.episode_num.clone().unwrap_or_default().into());
    a.set_rating(p.rating.clone().unwrap_or_default().into());
    a.set_genre(p.categories.join(", ").into());
    a.set_subtitled(p.subtitles);
    a.set_audio_described(p.audio_described);
    a.set_live(p.live);
    a.set_premiere(p.premiere);
    a.set_repeat(p.previously_shown);
    let actions: Vec<i32> = d.actions.iter().map(|x| x.code()).collect();
    a.set_actions(ModelRc::new(VecModel::from(actions)));
    a.set_focus(d.focus as i32);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programme(start: i64, stop: i64) -> Programme {
        Programme {
            title: "Leaders' Debate".into(),
            start,
            stop: Some(stop),
            ..Default::default()
        }
    }

    #[test]
    fn the_actions_follow_the_time_and_catch_up() {
        let now = 10_000;
        let on = Details::new(0, programme(9_000, 12_000), now, true, false);
        assert_eq!(on.actions, [DetailAction::Watch, DetailAction::FromStart]);
        let past = Details::new(0, programme(5_000, 9_000), now, true, false);
        assert_eq!(past.actions, [DetailAction::FromStart]);
        let lost = Details::new(0, programme(5_000, 9_000), now, false, false);
        assert!(lost.actions.is_empty());
        let later = Details::new(0, programme(12_000, 13_000), now, true, true);
        assert_eq!(later.actions, [DetailAction::Unremind]);
    }

    #[test]
    fn keys_move_between_actions_and_ok_does_one() {
        let p = programme(9_000, 12_000);
        let mut d = Details::new(3, p.clone(), 10_000, true, false);
        assert_eq!(d.handle(Action::Right), Handled::done());
        assert_eq!(d.handle(Action::Right), Handled::done());
        assert_eq!(d.focus, 1, "stays on the last action");
        assert_eq!(
            d.handle(Action::Ok),
            Handled::Consumed(vec![Effect::PlayCatchup(3, p.clone())])
        );
        assert_eq!(d.focus_label(), "Leaders' Debate: From the start");
        d.focus = 0;
        assert_eq!(
            d.handle(Action::Ok),
            Handled::Consumed(vec![Effect::Watch(3)])
        );
        assert_eq!(
            d.handle(Action::Back),
            Handled::Consumed(vec![Effect::Show(Screen::Guide)])
        );
        assert_eq!(
            d.handle(Action::Red),
            Handled::pass(),
            "not the screen's key"
        );
        let mut later = Details::new(3, programme(12_000, 13_000), 10_000, true, false);
        assert_eq!(
            later.handle(Action::Ok),
            Handled::Consumed(vec![Effect::ToggleReminder(3, programme(12_000, 13_000))])
        );
        later.reminded(true);
        assert_eq!(later.actions, [DetailAction::Unremind]);
    }
}
