//! Polls, sign-up forms and notices over live TV, driven by the remote alone
//! (the HbbTV red-button lifecycle): a small prompt when an item applies to
//! the channel on screen, RED opens it, Back closes it, zapping away closes
//! it unless the item applies there too.
//!
//! A poll: options with ▲ ▼, OK chooses (toggles, for multiple choice, and
//! Green goes on), a confirmation, then "Saved" once the outbox has
//! committed the answer, and the results when the server offers them. A
//! sign-up: each field typed on the on-screen keyboard (or the number keys),
//! checked, then an explicit consent step showing the privacy notice;
//! nothing is stored or sent without it. The typed values live only here, in
//! memory, until consent; closing the form or the idle reset drops them.
//!
//! Plain state: the controller records what this returns and shows it.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use super::effect::{Effect, TypingFor};
use super::layers::{Ctx, Handled, Layer};
use crate::input::Action;
use crate::interact::validate::FieldProblem;
use crate::interact::{FieldKind, Item, Kind};

/// How long the "Press RED" prompt stays.
pub const PROMPT_TIME: Duration = Duration::from_secs(15);

/// Poll results as the server reports them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    pub total: u64,
    /// (option id, count) in the poll's option order.
    pub counts: Vec<(String, u64)>,
}

/// Where an open item is.
#[derive(Debug, Clone)]
pub enum Stage {
    /// Choosing: the focused option and those chosen (multiple choice).
    Poll { focus: usize, chosen: Vec<usize> },
    /// "Send this answer?"
    Confirm { chosen: Vec<usize> },
    /// Filling the form: the focused row (fields, then "Continue") and
    /// what is wrong. A field is typed on the keyboard layer over it
    /// ([`Overlay::type_field`]).
    Form {
        focus: usize,
        problems: Vec<FieldProblem>,
    },
    /// The privacy notice: Green agrees and sends, Back returns to the form.
    Consent,
    /// Recorded in the outbox? Waiting for the answer.
    Saving,
    /// Safely recorded; results when the server has them.
    Saved { results: Option<Results> },
    /// Could not be recorded (the message says why).
    Failed(String),
    /// A notice: read, then closed.
    Notice,
}

/// The overlay changed: the controller draws it again.
fn redraw() -> Handled {
    Handled::Consumed(vec![Effect::RedrawOverlay])
}

/// Over live TV: Red opens the item in force; an open item takes its keys,
/// and Info on it says why it is there (its publisher's signature and any
/// sponsor).
impl Layer for Overlay {
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Handled {
        if action == Action::Info
            && self.stage.is_some()
            && let Some(item) = self.item()
        {
            let why = super::trust_view::why(&item.badge, item.sponsor.as_ref());
            return Handled::Consumed(vec![Effect::Notice(why)]);
        }
        Overlay::handle(self, action, ctx.now, ctx.country)
    }
}

/// The interactive items in force on this channel, and the one open.
#[derive(Debug, Default)]
pub struct Overlay {
    /// In force for the channel on screen, in feed order.
    pub items: Vec<Item>,
    /// The item shown (prompt or open).
    pub index: usize,
    /// None: closed.
    pub stage: Option<Stage>,
    /// The form's values (personal data: memory only, dropped on close).
    pub values: BTreeMap<String, String>,
    /// The submission's idempotency key, made when the item opened.
    key: Option<String>,
    /// The prompt is on screen until then.
    pub prompt_until: Option<Instant>,
    /// Items already prompted for on this channel (a prompt is not repeated).
    prompted: HashSet<String>,
    /// The item on screen (prompt or open) and since when (Unix seconds):
    /// the schedule holds it there with its sponsor line at least
    /// `interact::MIN_ON_SCREEN_SECS`.
    on_screen: Option<(String, i64)>,
}

impl Overlay {
    /// The items in force changed (a zap, a new feed, the clock): an open
    /// item stays open if it still applies, else it closes; a new item is
    /// prompted for once.
    pub fn set_items(&mut self, items: Vec<Item>, now: Instant) {
        let open = self
            .stage
            .as_ref()
            .and_then(|_| self.items.get(self.index))
            .map(|i| i.id.clone());
        // The item being prompted for, while its prompt is up.
        let prompted = self
            .prompt_until
            .is_some_and(|t| now < t)
            .then(|| self.items.get(self.index).map(|i| i.id.clone()))
            .flatten();
        self.items = items;
        match open.and_then(|id| self.items.iter().position(|i| i.id == id)) {
            Some(i) => self.index = i,
            None => {
                if self.stage.is_some() {
                    self.close();
                }
                // A refresh (the feeds, the lineup) that still has the item
                // being prompted for keeps that prompt: RED opens what the
                // viewer was just offered, not the next item.
                if let Some(i) = prompted.and_then(|id| self.items.iter().position(|i| i.id == id))
                {
                    self.index = i;
                    return;
                }
                self.index = 0;
                if let Some(fresh) = self
                    .items
                    .iter()
                    .position(|i| !self.prompted.contains(&i.id))
                {
                    self.index = fresh;
                    self.prompted.insert(self.items[fresh].id.clone());
                    self.prompt_until = Some(now + PROMPT_TIME);
                }
            }
        }
    }

    /// The item shown, if any.
    pub fn item(&self) -> Option<&Item> {
        self.items.get(self.index)
    }

    /// Notes which item is on screen now (after [`Overlay::set_items`] or
    /// the clock): one newly shown counts from `unix`.
    pub fn note_on_screen(&mut self, now: Instant, unix: i64) {
        let shown = (self.stage.is_some() || self.prompting(now))
            .then(|| self.item().map(|i| i.id.clone()))
            .flatten();
        match shown {
            Some(id) if self.on_screen.as_ref().is_some_and(|(s, _)| *s == id) => {}
            Some(id) => self.on_screen = Some((id, unix)),
            None => self.on_screen = None,
        }
    }

    /// The item on screen and since when, for the schedule's hold.
    pub fn on_screen(&self) -> Option<crate::interact::OnScreen<'_>> {
        self.on_screen
            .as_ref()
            .map(|(id, since)| crate::interact::OnScreen { id, since: *since })
    }

    /// A sign-up form is open (a field may be typed on the keyboard).
    pub fn form_open(&self) -> bool {
        matches!(self.stage, Some(Stage::Form { .. }))
    }

    /// The keyboard's text for the form's focused field.
    pub fn type_field(&mut self, text: String) {
        let Some(Stage::Form { focus, .. }) = &self.stage else {
            return;
        };
        if let Some(f) = self
            .items
            .get(self.index)
            .and_then(|i| i.fields.get(*focus))
        {
            self.values.insert(f.id.clone(), text);
        }
    }

    /// The prompt is showing.
    pub fn prompting(&self, now: Instant) -> bool {
        self.stage.is_none() && self.item().is_some() && self.prompt_until.is_some_and(|t| now < t)
    }

    /// Closes the open item, dropping whatever was typed.
    pub fn close(&mut self) {
        self.stage = None;
        self.values.clear();
        self.key = None;
    }

    /// The privacy reset between viewers: everything typed, and the prompts
    /// seen, are forgotten.
    pub fn wipe(&mut self) {
        self.close();
        self.prompted.clear();
        self.prompt_until = None;
        self.on_screen = None;
    }

    fn open(&mut self, index: usize) {
        self.close();
        self.index = index;
        self.prompt_until = None;
        self.key = Some(crate::interact::new_key());
        self.stage = self.items.get(index).map(|i| match i.kind {
            Kind::Poll => Stage::Poll {
                focus: 0,
                chosen: vec![],
            },
            Kind::Signup => Stage::Form {
                focus: 0,
                problems: vec![],
            },
            Kind::Notice => Stage::Notice,
        });
    }

    /// Handles a key; `now` is the Unix time for the submission, `country`
    /// the one phone numbers and postcodes are checked for.
    pub fn handle(&mut self, action: Action, now: i64, country: &str) -> Handled {
        let Some(stage) = self.stage.take() else {
            if action == Action::Red && !self.items.is_empty() {
                let index = if self.prompt_until.is_some() {
                    self.index
                } else {
                    0
                };
                self.open(index.min(self.items.len() - 1));
                return redraw();
            }
            return Handled::pass();
        };
        let Some(item) = self.items.get(self.index).cloned() else {
            return Handled::pass();
        };
        let (next, outcome) = self.step(stage, &item, action, now, country);
        self.stage = next;
        if self.stage.is_none() {
            self.close();
        }
        outcome
    }

    /// One key in one stage: the next stage (None closes) and the outcome.
    fn step(
        &mut self,
        stage: Stage,
        item: &Item,
        action: Action,
        now: i64,
        country: &str,
    ) -> (Option<Stage>, Handled) {
        // Other items in force: ◀ ▶ while choosing or reading.
        let browsing = matches!(
            stage,
            Stage::Poll { .. } | Stage::Notice | Stage::Saved { .. }
        ) || matches!(stage, Stage::Form { .. });
        if browsing && matches!(action, Action::Left | Action::Right) && self.items.len() > 1 {
            let n = self.items.len();
            let delta = if action == Action::Right { 1 } else { n - 1 };
            let index = (self.index + delta) % n;
            self.open(index);
            return (self.stage.take(), redraw());
        }
        match stage {
            Stage::Poll {
                mut focus,
                mut chosen,
            } => {
                let n = item.options.len();
                match action {
                    Action::Up => focus = focus.saturating_sub(1),
                    Action::Down => focus = (focus + 1).min(n.saturating_sub(1)),
                    Action::Ok if item.multiple => match chosen.iter().position(|&c| c == focus) {
                        Some(i) => {
                            chosen.remove(i);
                        }
                        None => chosen.push(focus),
                    },
                    Action::Ok if n > 0 => {
                        return (
                            Some(Stage::Confirm {
                                chosen: vec![focus],
                            }),
                            redraw(),
                        );
                    }
                    Action::Green if !chosen.is_empty() => {
                        chosen.sort_unstable();
                        return (Some(Stage::Confirm { chosen }), redraw());
                    }
                    Action::Back | Action::Red => return (None, redraw()),
                    _ => return (Some(Stage::Poll { focus, chosen }), Handled::pass()),
                }
                (Some(Stage::Poll { focus, chosen }), redraw())
            }
            Stage::Confirm { chosen } => match action {
                Action::Ok | Action::Green => {
                    let ids: Vec<String> = chosen
                        .iter()
                        .filter_map(|&c| item.options.get(c).map(|o| o.id.clone()))
                        .collect();
                    let key = self.key.clone().unwrap_or_else(crate::interact::new_key);
                    match crate::interact::submission::poll_answer(item, &ids, key, now) {
                        Ok(s) => (
                            Some(Stage::Saving),
                            Handled::Consumed(vec![Effect::Record(s)]),
                        ),
                        Err(e) => (Some(Stage::Failed(e.to_string())), redraw()),
                    }
                }
                Action::Back => (
                    Some(Stage::Poll {
                        focus: chosen.first().copied().unwrap_or(0),
                        chosen: if item.multiple { chosen } else { vec![] },
                    }),
                    redraw(),
                ),
                _ => (Some(Stage::Confirm { chosen }), Handled::pass()),
            },
            Stage::Form {
                mut focus,
                problems,
            } => {
                // Rows: the fields, then "Continue".
                let last = item.fields.len();
                match action {
                    Action::Up => focus = focus.saturating_sub(1),
                    Action::Down => focus = (focus + 1).min(last),
                    Action::Ok if focus == last => {
                        return match crate::interact::validate::form(
                            &item.fields,
                            &self.values,
                            country,
                        ) {
                            Ok(_) => (Some(Stage::Consent), redraw()),
                            Err(problems) => (Some(Stage::Form { focus, problems }), redraw()),
                        };
                    }
                    Action::Ok => {
                        let f = &item.fields[focus];
                        if f.kind == FieldKind::Choice {
                            // OK steps through the choices (then none, for an optional field).
                            let current = self.values.get(&f.id).cloned().unwrap_or_default();
                            let at_ = f.choices.iter().position(|c| c.id == current);
                            let next = match at_ {
                                None => f.choices.first(),
                                Some(i) => f.choices.get(i + 1),
                            };
                            match next {
                                Some(c) => self.values.insert(f.id.clone(), c.id.clone()),
                                None => self.values.remove(&f.id),
                            };
                        } else {
                            let current = self.values.get(&f.id).cloned().unwrap_or_default();
                            return (
                                Some(Stage::Form { focus, problems }),
                                Handled::Consumed(vec![
                                    Effect::OpenKeyboard(TypingFor::FormField, current),
                                    Effect::RedrawOverlay,
                                ]),
                            );
                        }
                    }
                    Action::Back | Action::Red => return (None, redraw()),
                    _ => {
                        return (Some(Stage::Form { focus, problems }), Handled::pass());
                    }
                }
                (Some(Stage::Form { focus, problems }), redraw())
            }
            Stage::Consent => match action {
                Action::Green => {
                    let key = self.key.clone().unwrap_or_else(crate::interact::new_key);
                    let consent = crate::interact::Consent::given(item, now);
                    match crate::interact::submission::signup(
                        item,
                        &self.values,
                        country,
                        consent,
                        key,
                        now,
                    ) {
                        Ok(s) => {
                            // The values now live in the outbox until acknowledged.
                            self.values.clear();
                            (
                                Some(Stage::Saving),
                                Handled::Consumed(vec![Effect::Record(s)]),
                            )
                        }
                        Err(e) => (Some(Stage::Failed(e.to_string())), redraw()),
                    }
                }
                Action::Back => (
                    Some(Stage::Form {
                        focus: item.fields.len(),
                        problems: vec![],
                    }),
                    redraw(),
                ),
                // Red: "no, do not send" — closes and forgets the form.
                Action::Red => (None, redraw()),
                _ => (Some(Stage::Consent), Handled::pass()),
            },
            Stage::Saving => (
                Some(Stage::Saving),
                if action == Action::Back {
                    redraw()
                } else {
                    Handled::pass()
                },
            ),
            s @ (Stage::Saved { .. } | Stage::Failed(_) | Stage::Notice) => match action {
                Action::Back | Action::Ok | Action::Red => (None, redraw()),
                _ => (Some(s), Handled::pass()),
            },
        }
    }

    /// The outbox's answer for the submission made: saved, or why not.
    pub fn recorded(&mut self, result: Result<(), String>) {
        if matches!(self.stage, Some(Stage::Saving)) {
            self.stage = Some(match result {
                Ok(()) => Stage::Saved { results: None },
                Err(e) => Stage::Failed(e),
            });
        }
    }

    /// Results arrived for `item`.
    pub fn results(&mut self, item: &str, results: Results) {
        if self.item().is_some_and(|i| i.id == item)
            && let Some(Stage::Saved { results: r }) = self.stage.as_mut()
        {
            *r = Some(results);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests' "now" (2026-09-21 14:13:20 UTC): a fixed time, not the wall clock's.
    const NOW: i64 = 1_790_000_000;

    fn feed() -> Vec<Item> {
        let base = url::Url::parse("http://h/interact/feed.json").unwrap();
        let json = crate::headend::interact::demo_feed(NOW).to_string();
        crate::interact::feed::parse(json.as_bytes(), &base, Default::default())
            .unwrap()
            .items
    }

    fn key(o: &mut Overlay, a: Action) -> Handled {
        o.handle(a, NOW, "GB")
    }

    #[test]
    fn red_opens_a_poll_ok_chooses_a_confirmation_then_it_is_recorded() {
        let mut o = Overlay::default();
        o.set_items(feed(), Instant::now());
        assert!(o.prompting(Instant::now()));
        assert_eq!(
            key(&mut o, Action::Ok),
            Handled::pass(),
            "closed: keys go to live TV"
        );
        assert_eq!(key(&mut o, Action::Red), redraw());
        assert_eq!(o.item().unwrap().kind, Kind::Poll);
        key(&mut o, Action::Down);
        key(&mut o, Action::Ok);
        assert!(matches!(o.stage, Some(Stage::Confirm { .. })));
        let Handled::Consumed(fx) = key(&mut o, Action::Ok) else {
            panic!("no submission");
        };
        let [Effect::Record(s)] = &fx[..] else {
            panic!("no submission: {fx:?}");
        };
        assert_eq!(s.payload["options"][0], "transport");
        assert!(matches!(o.stage, Some(Stage::Saving)));
        o.recorded(Ok(()));
        assert!(matches!(o.stage, Some(Stage::Saved { results: None })));
        assert_eq!(key(&mut o, Action::Back), redraw());
        assert!(o.stage.is_none());
    }

    #[test]
    fn a_refresh_with_the_same_items_keeps_the_prompt_on_its_item() {
        let mut o = Overlay::default();
        let t0 = Instant::now();
        o.set_items(feed(), t0);
        let first = o.item().unwrap().id.clone();
        // The lineup or the guide refreshed meanwhile: same items.
        o.set_items(feed(), t0 + Duration::from_secs(2));
        assert_eq!(o.item().unwrap().id, first);
        assert!(o.prompting(t0 + Duration::from_secs(2)));
        // Once the prompt is over, a refresh offers the next item.
        o.set_items(feed(), t0 + PROMPT_TIME + Duration::from_secs(1));
        assert_ne!(o.item().unwrap().id, first);
    }

    #[test]
    fn a_form_is_checked_and_nothing_leaves_without_consent() {
        let mut o = Overlay::default();
        let items = feed();
        let signup = items.iter().position(|i| i.kind == Kind::Signup).unwrap();
        o.set_items(items, Instant::now());
        key(&mut o, Action::Red);
        while o.index != signup {
            key(&mut o, Action::Right);
        }
        // Continue with nothing filled: every required field is named.
        for _ in 0..10 {
            key(&mut o, Action::Down);
        }
        key(&mut o, Action::Ok);
        let Some(Stage::Form { problems, .. }) = &o.stage else {
            panic!()
        };
        let named: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert!(
            named.contains(&"email") && named.contains(&"name"),
            "{named:?}"
        );
        o.values.insert("name".into(), "Ada Lovelace".into());
        o.values.insert("email".into(), "ada@example.org".into());
        o.values.insert("postcode".into(), "SW1A 1AA".into());
        key(&mut o, Action::Ok);
        assert!(matches!(o.stage, Some(Stage::Consent)), "{:?}", o.stage);
        // Refused: closed, the values forgotten, nothing to record.
        assert_eq!(key(&mut o, Action::Red), redraw());
        assert!(o.stage.is_none() && o.values.is_empty());
    }

    #[test]
    fn ok_on_a_text_field_opens_the_keyboard_and_its_text_fills_that_field() {
        let mut o = Overlay::default();
        let items = feed();
        let signup = items.iter().position(|i| i.kind == Kind::Signup).unwrap();
        let field = items[signup].fields[0].clone();
        assert_ne!(
            field.kind,
            FieldKind::Choice,
            "the demo's first field is typed"
        );
        o.set_items(items, Instant::now());
        key(&mut o, Action::Red);
        while o.index != signup {
            key(&mut o, Action::Right);
        }
        o.type_field("Ada".into());
        assert_eq!(
            key(&mut o, Action::Ok),
            Handled::Consumed(vec![
                Effect::OpenKeyboard(TypingFor::FormField, "Ada".into()),
                Effect::RedrawOverlay,
            ]),
            "the keyboard starts from what the field holds"
        );
        assert!(o.form_open());
        o.type_field("Ada Lovelace".into());
        assert_eq!(
            o.values.get(&field.id).map(String::as_str),
            Some("Ada Lovelace")
        );
        key(&mut o, Action::Back);
        assert!(!o.form_open() && o.values.is_empty(), "closed, forgotten");
        o.type_field("late".into());
        assert!(o.values.is_empty(), "no form: nothing typed lands");
    }

    #[test]
    fn zapping_away_closes_an_item_unless_it_applies_there_too() {
        let mut o = Overlay::default();
        let items = feed();
        o.set_items(items.clone(), Instant::now());
        key(&mut o, Action::Red);
        let open = o.item().unwrap().id.clone();
        o.set_items(items.clone(), Instant::now());
        assert_eq!(o.item().unwrap().id, open, "still applies: stays open");
        assert!(o.stage.is_some());
        let elsewhere: Vec<Item> = items.into_iter().filter(|i| i.id != open).collect();
        o.set_items(elsewhere, Instant::now());
        assert!(o.stage.is_none(), "does not apply: closed");
    }

    #[test]
    fn a_short_item_prompted_is_held_on_screen_for_four_seconds() {
        let mut items = feed();
        items.truncate(1);
        let (start, id) = (items[0].start, items[0].id.clone());
        // Scheduled for 2 s only, everywhere.
        items[0].end = start + 2;
        items[0].applies = crate::interact::Where::All;
        let mut o = Overlay::default();
        let t0 = Instant::now();
        let in_force = |o: &Overlay, unix: i64| -> Vec<Item> {
            crate::interact::items_in_force_holding(&items, None, None, unix, o.on_screen())
                .into_iter()
                .cloned()
                .collect()
        };
        let first = in_force(&o, start);
        o.set_items(first, t0);
        o.note_on_screen(t0, start);
        // (seconds after the start, the prompt still up)
        for (after, up) in [(1, true), (2, true), (3, true), (4, false)] {
            let t = t0 + Duration::from_secs(after as u64);
            let now_in_force = in_force(&o, start + after);
            o.set_items(now_in_force, t);
            o.note_on_screen(t, start + after);
            assert_eq!(o.prompting(t), up, "{after} s after the start");
            if up {
                assert_eq!(o.item().unwrap().id, id);
            }
        }
        assert!(o.on_screen().is_none(), "nothing on screen any more");
    }
}
