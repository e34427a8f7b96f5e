//! Spanish and French ship complete: every `@tr` string of ui/*.slint has a
//! translation in each catalogue, with the same placeholders.

use std::collections::HashMap;
use std::path::Path;

/// The `@tr("...")` strings of a .slint file (no escaped quotes are used).
fn tr_strings(text: &str) -> Vec<String> {
    text.match_indices("@tr(\"")
        .filter_map(|(at, m)| {
            let rest = &text[at + m.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .collect()
}

/// msgid -> msgstr of a .po file (single-line entries, as ours are).
fn catalogue(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let unquote = |l: &str| {
        l.trim()
            .trim_matches('"')
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    };
    let mut out = HashMap::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("msgid ") {
            id = Some(unquote(rest));
        } else if let Some(rest) = line.strip_prefix("msgstr ")
            && let Some(id) = id.take()
        {
            out.insert(id, unquote(rest));
        }
    }
    out
}

#[test]
fn every_interface_string_is_translated() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut wanted = Vec::new();
    for entry in std::fs::read_dir(&ui).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "slint") {
            let text = std::fs::read_to_string(&path).unwrap();
            wanted.extend(tr_strings(&text).into_iter().map(|s| (s, path.clone())));
        }
    }
    assert!(wanted.len() > 20, "the scan found the strings");
    for lang in ["es", "fr"] {
        let po = ui.join(format!("translations/{lang}/LC_MESSAGES/hustings.po"));
        let cat = catalogue(&po);
        for (msgid, file) in &wanted {
            let msgstr = cat.get(msgid).unwrap_or_else(|| {
                panic!(
                    "{}: {msgid:?} ({}) is not translated",
                    po.display(),
                    file.display()
                )
            });
            assert!(!msgstr.is_empty(), "{lang}: {msgid:?} is empty");
            assert_eq!(
                msgid.matches("{}").count(),
                msgstr.matches("{}").count(),
                "{lang}: placeholders of {msgid:?}"
            );
        }
    }
}
