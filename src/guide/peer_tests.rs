//! The XMLTV project's own test guides (`shared/testdata/xmltv-peer`) must all import.
//!
//! Every `<programme` in those files is valid under our rules (the `BST`
//! zone names are understood), so the count read must equal the count written.

use std::path::PathBuf;

use super::{Guide, Programme, parse_xmltv_bytes, parse_xmltv_time, resolve_overlaps};

/// The peer files: `$HUSTINGS_TESTDATA/xmltv-peer`, else beside the checkout.
fn peer_dir() -> PathBuf {
    crate::lineup::testdata_dir().join("xmltv-peer")
}

fn peer_files() -> Vec<PathBuf> {
    let dir = peer_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
}

fn load(name: &str) -> Guide {
    let path = peer_dir().join(name);
    let bytes = std::fs::read(&path).expect("peer file readable");
    parse_xmltv_bytes(&bytes, name).expect("peer file parses")
}

/// `<programme` start tags in the raw text (not `<programmes` or the like).
fn programme_tags(bytes: &[u8]) -> usize {
    let tag = b"<programme";
    bytes
        .windows(tag.len() + 1)
        .filter(|w| {
            w.starts_with(tag) && matches!(w[tag.len()], b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
        })
        .count()
}

fn all_programmes<'g>(g: &'g Guide, ids: &[&str]) -> Vec<&'g Programme> {
    ids.iter().flat_map(|id| g.programmes(id)).collect()
}

#[test]
#[ignore = "conformance over $HUSTINGS_TESTDATA (other projects' data): `make conformance`, run by .ci/run where it exists"]
fn every_peer_file_imports_every_programme_without_warnings() {
    let files = peer_files();
    assert!(files.len() >= 21, "peer files missing: {files:?}");
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let bytes = std::fs::read(&path).expect("peer file readable");
        let guide = parse_xmltv_bytes(&bytes, &name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(guide.programme_count(), programme_tags(&bytes), "{name}");
        assert!(guide.warnings.is_empty(), "{name}: {:?}", guide.warnings);
    }
}

#[test]
#[ignore = "conformance over $HUSTINGS_TESTDATA (other projects' data): `make conformance`, run by .ci/run where it exists"]
fn the_latin1_peer_file_decodes_the_pound_sign() {
    let g = load("test_livre.xml");
    assert_eq!(g.programmes("south-east.bbc1.bbc.co.uk")[0].title, "\u{a3}");
}

#[test]
#[ignore = "conformance over $HUSTINGS_TESTDATA (other projects' data): `make conformance`, run by .ci/run where it exists"]
fn the_full_peer_programme_has_every_field() {
    let g = load("test.xml");
    let names: Vec<_> = g
        .channels
        .iter()
        .map(|c| (c.id.as_str(), c.display_names.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("3sat.de", vec!["3SAT".to_string()]),
            (
                "das-erste.de",
                vec!["ARD".to_string(), "Das Erste".to_string()]
            )
        ]
    );
    let p = &g.programmes("3sat.de")[0];
    assert_eq!(p.start, parse_xmltv_time("200006031633").unwrap());
    assert_eq!(p.title, "blah");
    assert_eq!(p.titles.len(), 2);
    assert_eq!(p.description.as_deref(), Some("Blah Blah Blah."));
    assert_eq!(p.categories, ["Comedy"]);
    assert_eq!(p.episode_num.as_deref(), Some("2 . 9 . 0/1"));
    assert_eq!(p.rating.as_deref(), Some("MPAA: PG"));
    assert_eq!(
        p.icon.as_deref(),
        Some("http://image.example.com/dgXPhzNJH8H.jpg")
    );
    let credits: Vec<_> = p
        .credits
        .iter()
        .map(|c| format!("{}={}", c.role, c.name))
        .collect();
    assert_eq!(
        credits,
        [
            "director=blah",
            "actor=a",
            "actor=b",
            "actor=c",
            "actor=d",
            "actor=e"
        ]
    );
    assert!(p.subtitles && !p.previously_shown && !p.premiere && !p.live && !p.audio_described);
}

#[test]
#[ignore = "conformance over $HUSTINGS_TESTDATA (other projects' data): `make conformance`, run by .ci/run where it exists"]
fn peer_entities_whitespace_and_zone_names_are_read_as_the_xmltv_tools_do() {
    let amp = load("amp.xml");
    let p = &amp.programmes("bbc2.bbc.co.uk")[0];
    assert_eq!(
        p.titles.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
        ["Ampersand Land", "&"]
    );
    assert_eq!(
        p.description.as_deref(),
        Some("& hello && there &amp; everyone < &< <amp;")
    );
    // 00:05 BST is 23:05 UTC the day before.
    assert_eq!(p.start, parse_xmltv_time("20010828230500 +0000").unwrap());

    let ws = load("whitespace.xml");
    for p in ws.programmes("foo.tv") {
        assert_eq!(
            (p.title.as_str(), p.description.as_deref()),
            ("T", Some("Blah."))
        );
    }

    let simple = load("simple.xml");
    let p = &simple.programmes("channel4.com")[0];
    assert_eq!(p.sub_title.as_deref(), Some("Meet the Propaniacs"));
    assert!(p.previously_shown);
    assert_eq!(p.credits.len(), 2);
    assert_eq!(
        all_programmes(&simple, &["bbc2.bbc.co.uk", "channel4.com"]).len(),
        2
    );
}

#[test]
#[ignore = "conformance over $HUSTINGS_TESTDATA (other projects' data): `make conformance`, run by .ci/run where it exists"]
fn peer_overlap_files_resolve_to_the_documented_survivors() {
    // Channel 3: each container keeps its slot; contained and duplicate items
    // go; "Container B" starts with the shorter "Contained B 0", which came
    // first in the file, so it is trimmed to start when that one stops.
    let g = load("test_remove_some_overlapping.xml");
    let mut list = g.programmes("3").to_vec();
    let warnings = resolve_overlaps(&mut list);
    let titles: Vec<_> = list.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Container A",
            "Contained B 0",
            "Container B",
            "Overlap 0",
            "Container C"
        ]
    );
    // Seven dropped, one trimmed.
    assert_eq!(warnings.len(), 8);
    assert_eq!(list[2].start, parse_xmltv_time("20031025080500").unwrap());
}
