//! What the viewer sees of the feeds' signature checks: the badges on
//! archive items and overlays, "Why am I seeing this?", and Settings >
//! Diagnostics (each feed's state and the box id). Reads the shared
//! [`TrustGate`]; decides nothing.

use slint::{ComponentHandle, ModelRc, VecModel};

use super::messages::Message;
use super::ui::{AppWindow, SettingsAdapter, SponsorText, TrustRow};
use crate::trust::{Badge, Decision, Sponsor, TrustGate};

/// The badge in words, for spoken labels and transcripts.
pub(super) fn badge_label(badge: &Badge) -> String {
    match badge {
        Badge::Verified { publisher, .. } => format!("verified by {publisher}"),
        Badge::Unverified => "unverified".into(),
    }
}

/// The sponsor line for the .slint files (`Sponsors.text`); none is kind
/// 0 with no words.
pub(super) fn sponsor_text(sponsor: Option<&Sponsor>) -> SponsorText {
    let (kind, [a, b, c]) = sponsor.map(Sponsor::parts).unwrap_or_default();
    SponsorText {
        kind,
        a: a.into(),
        b: b.into(),
        c: c.into(),
    }
}

/// "Why am I seeing this?" for an item with this badge and sponsor line.
pub(super) fn why(badge: &Badge, sponsor: Option<&Sponsor>) -> Message {
    let sponsor = sponsor.cloned();
    match badge {
        Badge::Verified { publisher, key_id } => Message::WhySigned {
            publisher: publisher.clone(),
            key_id: key_id.clone(),
            sponsor,
        },
        Badge::Unverified => Message::WhyUnverified { sponsor },
    }
}

/// The Signed feeds row's spoken label: every feed's line.
pub(super) fn diagnostics_label(trust: Option<&TrustGate>) -> String {
    let lines: Vec<String> = trust
        .map(|g| g.statuses().iter().map(|s| s.line()).collect())
        .unwrap_or_default();
    if lines.is_empty() {
        "no feed checked yet".into()
    } else {
        lines.join("; ")
    }
}

/// Fills Settings > Diagnostics.
pub(super) fn update_settings(ui: &AppWindow, trust: Option<&TrustGate>, box_id: &str) {
    let s = ui.global::<SettingsAdapter>();
    let statuses = trust.map(TrustGate::statuses).unwrap_or_default();
    let (mut verified, mut rejected) = (0, 0);
    let rows: Vec<TrustRow> = statuses
        .iter()
        .map(|f| {
            let (state, detail) = match &f.last {
                Decision::Verified { publisher, .. } => {
                    verified += 1;
                    (0, publisher.clone())
                }
                Decision::Unverified { why } => (1, why.to_string()),
                Decision::Rejected { .. } => {
                    rejected += 1;
                    (2, f.rejection().unwrap_or_default())
                }
            };
            TrustRow {
                feed: format!("{} · {}", f.kind, f.url).into(),
                state,
                detail: detail.into(),
            }
        })
        .collect();
    s.set_feeds(ModelRc::new(VecModel::from(rows)));
    s.set_verified_count(verified.to_string().into());
    s.set_rejected_count(rejected.to_string().into());
    // The start is enough to tell a new id from the old one.
    s.set_box_id(box_id.chars().take(8).collect::<String>().into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn why_names_the_publisher_the_key_and_the_sponsor_or_says_unverified() {
        let signed = Badge::Verified {
            publisher: "Civic TV".into(),
            key_id: "D5F0A7B2C4E1A09F".into(),
        };
        assert_eq!(
            why(&signed, Some(&"Paid for by Civic Alliance".into())).to_string(),
            "Why am I seeing this? Published and signed by Civic TV, signing key D5F0A7B2C4E1A09F.\nPaid for by Civic Alliance"
        );
        assert_eq!(
            why(&Badge::Unverified, None).to_string(),
            "Why am I seeing this? No publisher this box trusts has signed it."
        );
        let uk = Sponsor::Worded {
            jurisdiction: crate::trust::Jurisdiction::Uk,
            name: "Civic".into(),
            address: Some("1 High St".into()),
            on_behalf_of: None,
        };
        let t = sponsor_text(why(&Badge::Unverified, Some(&uk)).sponsor());
        assert_eq!(
            (t.kind, t.a.as_str(), t.b.as_str()),
            (2, "Civic", "1 High St")
        );
        assert_eq!(sponsor_text(None).a, "");
        assert_eq!(badge_label(&signed), "verified by Civic TV");
        assert_eq!(badge_label(&Badge::Unverified), "unverified");
    }
}
