//! Guide screen controller: fills `GuideAdapter` with the page on screen —
//! `GUIDE_ROWS` channels × three hours from the window the navigation chose
//! (see `guide_page` for where the programmes come from).

use chrono::TimeZone;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::guide_page::PageRow;
use super::live::{hm, span};
use super::nav::Nav;
use super::ui::{AppWindow, GuideAdapter, GuideCell, GuideRow};
use crate::guide::Programme;
use crate::lineup::Channel;

/// Width of the visible time window.
pub(super) const WINDOW: i64 = 3 * 3600;
const HALF_HOUR: i64 = 1800;

/// The start of the guide's time window for the navigation's shift.
pub(super) fn window_start(nav: &Nav, now: i64) -> i64 {
    now / HALF_HOUR * HALF_HOUR + nav.guide_shift
}

/// The programme at a focused guide cell, if the cell has one.
pub(super) fn programme_at<'a>(page: &'a [PageRow], nav: &Nav) -> Option<&'a Programme> {
    page.iter()
        .find(|r| r.channel == nav.guide_row)?
        .programmes
        .get(nav.guide_cell)
}

/// Replaces the .slint preview data.
pub(super) fn clear_preview(ui: &AppWindow) {
    ui.global::<GuideAdapter>()
        .set_rows(ModelRc::new(VecModel::from(Vec::<GuideRow>::new())));
}

/// What a cell is, for its looks and its spoken label.
pub(super) struct CellState {
    pub past: bool,
    pub catchup: bool,
    pub reminder: bool,
}

/// Pushes the page, ruler, now line and focused programme's details.
pub(super) fn update(
    ui: &AppWindow,
    nav: &Nav,
    channels: &[Channel],
    page: &[PageRow],
    now: i64,
    state: impl Fn(&Channel, &Programme) -> CellState,
    language: &str,
    rebuild: bool,
) {
    let a = ui.global::<GuideAdapter>();
    let from = window_start(nav, now);
    let to = from + WINDOW;
    a.set_focus_row(nav.guide_row.saturating_sub(nav.guide_top) as i32);
    a.set_focus_cell(nav.guide_cell as i32);
    a.set_position(format!("{} / {}", nav.guide_row + 1, channels.len()).into());
    details(&a, nav, channels, page);
    if !rebuild {
        // Focus moved within the same page: the rows stay as drawn.
        return;
    }
    let rows: Vec<GuideRow> = page
        .iter()
        .filter_map(|row| {
            let ch = channels.get(row.channel)?;
            let cells: Vec<GuideCell> = row
                .programmes
                .iter()
                .map(|p| {
                    let start = p.start.max(from);
                    let stop = p.stop.unwrap_or(to).min(to);
                    let s = state(ch, p);
                    GuideCell {
                        title: p.title.clone().into(),
                        time: span(p).into(),
                        category: p.categories.first().cloned().unwrap_or_default().into(),
                        start: (start - from) as f32 / WINDOW as f32,
                        width: (stop - start).max(0) as f32 / WINDOW as f32,
                        on_now: p.start <= now && now < p.stop.unwrap_or(i64::MAX),
                        past: s.past,
                        catchup: s.catchup,
                        reminder: s.reminder,
                    }
                })
                .collect();
            Some(GuideRow {
                number: ch.number.to_string().into(),
                name: ch.name.clone().into(),
                cells: ModelRc::new(VecModel::from(cells)),
            })
        })
        .collect();
    let ruler: Vec<slint::SharedString> = (0..WINDOW / HALF_HOUR)
        .map(|i| hm(from + i * HALF_HOUR).into())
        .collect();
    a.set_rows(ModelRc::new(VecModel::from(rows)));
    a.set_ruler(ModelRc::new(VecModel::from(ruler)));
    a.set_now_position((now - from) as f32 / WINDOW as f32);
    a.set_day(day_label(from, language).into());
}

/// The focused programme's details above the grid.
fn details(a: &GuideAdapter<'_>, nav: &Nav, channels: &[Channel], page: &[PageRow]) {
    match (programme_at(page, nav), channels.get(nav.guide_row)) {
        (Some(p), Some(ch)) => {
            a.set_detail_time(format!("{} · {}", span(p), ch.name).into());
            a.set_detail_title(p.title.clone().into());
            a.set_detail_description(p.description.clone().unwrap_or_default().into());
        }
        (_, ch) => {
            a.set_detail_title(ch.map(|c| c.name.clone()).unwrap_or_default().into());
            a.set_detail_time("".into());
            a.set_detail_description("".into());
        }
    }
}

/// "Wednesday 25 November" in the interface language.
pub(super) fn day_label(ts: i64, language: &str) -> String {
    let locale = match language {
        "es" => chrono::Locale::es_ES,
        "fr" => chrono::Locale::fr_FR,
        _ => chrono::Locale::en_GB,
    };
    chrono::Local
        .timestamp_opt(ts, 0)
        .single()
        .map(|t| t.format_localized("%A %-d %B", locale).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_named_in_the_interface_language() {
        // Noon UTC, so every time zone gives the same day.
        let ts = 1_764_072_000; // Tuesday 25 November 2025
        assert_eq!(day_label(ts, "en"), "Tuesday 25 November");
        assert_eq!(day_label(ts, "es"), "martes 25 noviembre");
        assert_eq!(day_label(ts, "fr"), "mardi 25 novembre");
    }
}
