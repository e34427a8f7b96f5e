//! Every board profile in platform/boards/ reads as a profile, names itself
//! after its file, and (but for the generic one) prefers a decoder that is
//! not the software fallback for at least one codec.

use hustings::config::BoardProfile;

#[test]
fn every_board_profile_reads_and_prefers_its_hardware() {
    let dir = format!("{}/platform/boards", env!("CARGO_MANIFEST_DIR"));
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        let text = std::fs::read_to_string(&path).unwrap();
        let p: BoardProfile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        assert_eq!(p.name, stem, "{}", path.display());
        if p.name != "generic" {
            let hardware = p
                .video
                .h264
                .iter()
                .chain(&p.video.hevc)
                .any(|d| !d.starts_with("avdec_"));
            assert!(hardware, "{}: no hardware decoder preferred", p.name);
            assert_eq!(p.video.sink, "kms", "{}", p.name);
        }
        names.push(p.name);
    }
    names.sort();
    assert_eq!(
        names,
        [
            "amlogic-s905x4",
            "generic",
            "rk3588",
            "rpi4",
            "rpi5",
            "x86-vaapi"
        ]
    );
}
