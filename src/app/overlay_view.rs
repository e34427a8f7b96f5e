//! Puts the interactive overlay (see `overlay`) on screen: the prompt, the
//! open item with its sponsor line, the form, the QR code
//! of the form's web page, and the results as bars.

use std::time::Instant;

use slint::{ComponentHandle, Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, VecModel};

use super::osk::Osk;
use super::overlay::{Overlay, Stage};
use super::ui::{AppWindow, FieldRow, InteractAdapter, OptionRow};

/// `text` as a QR code: black modules on white, a four-module quiet zone,
/// `scale` pixels per module. None when the text does not fit a QR code.
pub fn qr_image(text: &str, scale: u32) -> Option<SharedPixelBuffer<Rgb8Pixel>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let modules = code.width() as u32;
    let side = (modules + 8) * scale;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side, side);
    let colours = code.to_colors();
    for (i, px) in buffer.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i as u32 % side / scale, i as u32 / side / scale);
        let dark = x >= 4
            && y >= 4
            && x < modules + 4
            && y < modules + 4
            && colours[((y - 4) * modules + (x - 4)) as usize] == qrcode::Color::Dark;
        let v = if dark { 0 } else { 255 };
        *px = Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(buffer)
}

/// Fills the overlay's adapter (the keyboard over a form is its own layer).
pub fn update(ui: &AppWindow, o: &Overlay, now: Instant) {
    let a = ui.global::<InteractAdapter>();
    a.set_prompt_visible(o.prompting(now));
    a.set_prompt_title(o.item().map(|i| i.title.clone()).unwrap_or_default().into());
    // The sponsor line goes with the prompt as with the open item.
    a.set_sponsor(super::trust_view::sponsor_text(
        o.item().and_then(|i| i.sponsor.as_ref()),
    ));
    let Some((item, stage)) = o.item().zip(o.stage.as_ref()) else {
        a.set_open(false);
        return;
    };
    a.set_open(true);
    a.set_title(item.title.clone().into());
    a.set_question(item.question.clone().unwrap_or_default().into());
    a.set_verified_by(
        match &item.badge {
            crate::trust::Badge::Verified { publisher, .. } => publisher.clone(),
            crate::trust::Badge::Unverified => String::new(),
        }
        .into(),
    );
    a.set_position(if o.items.len() > 1 {
        format!("{} of {}", o.index + 1, o.items.len()).into()
    } else {
        Default::default()
    });
    a.set_multiple(item.multiple);
    a.set_privacy(item.privacy.clone().unwrap_or_default().into());
    let (code, focus, chosen, problems) = match stage {
        Stage::Poll { focus, chosen } => (0, *focus, chosen.clone(), vec![]),
        Stage::Confirm { chosen } => (1, 0, chosen.clone(), vec![]),
        Stage::Form { focus, problems } => (2, *focus, vec![], problems.clone()),
        Stage::Consent => (3, 0, vec![], vec![]),
        Stage::Saving => (4, 0, vec![], vec![]),
        Stage::Saved { .. } => (5, 0, vec![], vec![]),
        Stage::Failed(_) => (6, 0, vec![], vec![]),
        Stage::Notice => (7, 0, vec![], vec![]),
    };
    a.set_stage(code);
    a.set_focus(focus as i32);
    a.set_message(match stage {
        Stage::Failed(m) => m.clone().into(),
        _ => Default::default(),
    });
    let results = match stage {
        Stage::Saved { results } => results.as_ref(),
        _ => None,
    };
    a.set_has_results(results.is_some());
    if let Some(r) = results {
        a.set_total(r.total.to_string().into());
    }
    let options: Vec<OptionRow> = item
        .options
        .iter()
        .enumerate()
        .map(|(i, opt)| {
            let count = results
                .and_then(|r| r.counts.iter().find(|(id, _)| *id == opt.id))
                .map_or(0, |(_, n)| *n);
            let total = results.map_or(0, |r| r.total).max(1);
            OptionRow {
                label: opt.label.clone().into(),
                chosen: chosen.contains(&i),
                share: count as f32 / total as f32,
                count: count.to_string().into(),
            }
        })
        .collect();
    a.set_options(ModelRc::new(VecModel::from(options)));
    let fields: Vec<FieldRow> = item
        .fields
        .iter()
        .map(|f| {
            let value = o.values.get(&f.id).cloned().unwrap_or_default();
            // A choice shows its label, not its id.
            let shown = f
                .choices
                .iter()
                .find(|c| c.id == value)
                .map_or(value, |c| c.label.clone());
            FieldRow {
                label: f.label.clone().into(),
                value: shown.into(),
                required: f.required,
                problem: problems
                    .iter()
                    .find(|p| p.field == f.id)
                    .map(|p| p.message.clone())
                    .unwrap_or_default()
                    .into(),
            }
        })
        .collect();
    a.set_fields(ModelRc::new(VecModel::from(fields)));
    let qr = item
        .page
        .as_deref()
        .filter(|_| code == 2)
        .and_then(|page| qr_image(page, 4));
    a.set_has_qr(qr.is_some());
    if let Some(buffer) = qr {
        a.set_qr(Image::from_rgb8(buffer));
    }
}

/// What a screen reader says for the overlay, if it is open; `typing`: the
/// keyboard over its form.
pub fn label(o: &Overlay, typing: Option<&Osk>) -> Option<String> {
    let (item, stage) = o.item().zip(o.stage.as_ref())?;
    Some(match stage {
        Stage::Poll { focus, chosen } => {
            let opt = item
                .options
                .get(*focus)
                .map(|c| c.label.as_str())
                .unwrap_or_default();
            let ticked = if chosen.contains(focus) {
                ", chosen"
            } else {
                ""
            };
            format!(
                "{}: {}, {opt}{ticked}, {}",
                item.title,
                item.question.as_deref().unwrap_or_default(),
                sponsor(item)
            )
        }
        Stage::Confirm { chosen } => {
            let labels: Vec<&str> = chosen
                .iter()
                .filter_map(|&c| item.options.get(c).map(|o| o.label.as_str()))
                .collect();
            format!("Send this answer? {}", labels.join(", "))
        }
        Stage::Form { focus, problems } => match item.fields.get(*focus) {
            Some(f) => {
                let value = o.values.get(&f.id).cloned().unwrap_or_default();
                let problem = problems
                    .iter()
                    .find(|p| p.field == f.id)
                    .map(|p| format!(", {}", p.message))
                    .unwrap_or_default();
                let typing = typing
                    .map(|k| format!(", key {}", k.focused()))
                    .unwrap_or_default();
                format!("{}: {value}{problem}{typing}", f.label)
            }
            None => {
                let problems: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                if problems.is_empty() {
                    "Continue".into()
                } else {
                    format!("Continue, {}", problems.join("; "))
                }
            }
        },
        Stage::Consent => format!(
            "Before you send: {} Green: I agree, send my details",
            item.privacy.as_deref().unwrap_or_default()
        ),
        Stage::Saving => "Saving".into(),
        Stage::Saved { results: None } => "Saved".into(),
        Stage::Saved { results: Some(r) } => format!("Saved, {} answers so far", r.total),
        Stage::Failed(m) => format!("Not saved: {m}"),
        Stage::Notice => format!(
            "{}: {}, {}",
            item.title,
            item.question.as_deref().unwrap_or_default(),
            sponsor(item)
        ),
    })
}

/// The sponsor line and the badge, as the spoken label ends.
fn sponsor(item: &crate::interact::Item) -> String {
    format!(
        "{}, {}",
        item.sponsor
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unsponsored".into()),
        super::trust_view::badge_label(&item.badge)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_qr_code_has_its_quiet_zone_and_dark_finder_corners() {
        let b = super::qr_image("http://127.0.0.1:8080/interact/volunteer.html", 4).unwrap();
        let side = b.width() as usize;
        assert_eq!(b.width(), b.height());
        let px = |x: usize, y: usize| b.as_slice()[y * side + x].r;
        assert_eq!(px(0, 0), 255, "quiet zone");
        assert_eq!(px(16, 16), 0, "the finder pattern's corner module");
        assert_eq!(px(side - 17, 16), 0, "the top-right finder");
    }
}
