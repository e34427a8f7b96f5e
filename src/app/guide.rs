//! Guide screen controller: fills `GuideAdapter` with a three-hour window.
//!
//! The skeleton builds every row; the virtualised grid for 1,000 channels and
//! 7 days comes with the UI work (issue 5).

use chrono::Local;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::live::{guide_id, hm, span};
use super::nav::Nav;
use super::ui::{AppWindow, GuideAdapter, GuideCell, GuideRow};
use crate::guide::Guide;
use crate::lineup::Channel;

/// Width of the visible time window.
const WINDOW: i64 = 3 * 3600;
const HALF_HOUR: i64 = 1800;

fn window_start(now: i64) -> i64 {
    now / HALF_HOUR * HALF_HOUR
}

/// Programme cells each row shows (for focus clamping).
pub(super) fn cell_counts(channels: &[Channel], guide: &Guide, now: i64) -> Vec<usize> {
    let from = window_start(now);
    channels
        .iter()
        .map(|ch| guide.window(guide_id(ch), from, from + WINDOW).len())
        .collect()
}

/// The programme at a focused guide cell, if the cell has one.
pub(super) fn programme_at<'a>(
    channels: &[Channel],
    guide: &'a Guide,
    row: usize,
    cell: usize,
    now: i64,
) -> Option<&'a crate::guide::Programme> {
    let from = window_start(now);
    let ch = channels.get(row)?;
    guide
        .window(guide_id(ch), from, from + WINDOW)
        .get(cell)
        .copied()
}

/// Replaces the .slint preview data.
pub(super) fn clear_preview(ui: &AppWindow) {
    ui.global::<GuideAdapter>()
        .set_rows(ModelRc::new(VecModel::from(Vec::<GuideRow>::new())));
}

/// Pushes the grid, ruler, now line and focused programme's details.
pub(super) fn update(ui: &AppWindow, nav: &Nav, channels: &[Channel], guide: &Guide, now: i64) {
    let a = ui.global::<GuideAdapter>();
    let from = window_start(now);
    let to = from + WINDOW;
    let rows: Vec<GuideRow> = channels
        .iter()
        .map(|ch| {
            let cells: Vec<GuideCell> = guide
                .window(guide_id(ch), from, to)
                .into_iter()
                .map(|p| {
                    let start = p.start.max(from);
                    let stop = p.stop.unwrap_or(to).min(to);
                    GuideCell {
                        title: p.title.clone().into(),
                        time: span(p).into(),
                        category: p.categories.first().cloned().unwrap_or_default().into(),
                        start: (start - from) as f32 / WINDOW as f32,
                        width: (stop - start).max(0) as f32 / WINDOW as f32,
                        on_now: p.start <= now && now < p.stop.unwrap_or(i64::MAX),
                    }
                })
                .collect();
            GuideRow {
                number: ch.number.to_string().into(),
                name: ch.name.clone().into(),
                cells: ModelRc::new(VecModel::from(cells)),
            }
        })
        .collect();
    let ruler: Vec<slint::SharedString> = (0..WINDOW / HALF_HOUR)
        .map(|i| hm(from + i * HALF_HOUR).into())
        .collect();
    a.set_rows(ModelRc::new(VecModel::from(rows)));
    a.set_ruler(ModelRc::new(VecModel::from(ruler)));
    a.set_now_position((now - from) as f32 / WINDOW as f32);
    a.set_focus_row(nav.guide_row as i32);
    a.set_focus_cell(nav.guide_cell as i32);
    a.set_day(Local::now().format("%A %e %B").to_string().into());
    let focused = channels.get(nav.guide_row).and_then(|ch| {
        guide
            .window(guide_id(ch), from, to)
            .get(nav.guide_cell)
            .map(|p| ((*p).clone(), ch.name.clone()))
    });
    match focused {
        Some((p, channel)) => {
            a.set_detail_time(format!("{} · {}", span(&p), channel).into());
            a.set_detail_title(p.title.into());
            a.set_detail_description(p.description.unwrap_or_default().into());
        }
        None => {
            let name = channels
                .get(nav.guide_row)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            a.set_detail_title(name.into());
            a.set_detail_time("".into());
            a.set_detail_description("No programme information".into());
        }
    }
}
