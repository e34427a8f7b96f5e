//! Every board profile in platform/boards/ reads as a profile with every
//! key known (unknown keys are errors), names itself after its file, and
//! (but for the generic one) prefers a decoder that is not the software
//! fallback for at least one codec, and says how it is detected, what its
//! video plane takes, its output cap, its CEC device and its cache's place.

use hustings::config::BoardProfile;

#[test]
fn every_board_profile_reads_and_prefers_its_hardware() {
    let dir = format!("{}/platform/boards", env!("CARGO_MANIFEST_DIR"));
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        let text = std::fs::read_to_string(&path).unwrap();
        let p = BoardProfile::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            hustings::platform::detect::builtin(&p.name),
            Some(text.as_str()),
            "{}: the built-in copy is this file",
            p.name
        );
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
            assert!(
                !p.detect.compatible.is_empty() || p.detect.arch.is_some(),
                "{}: not detectable",
                p.name
            );
            assert!(
                p.video.plane_formats.iter().any(|f| f == "NV12"),
                "{}",
                p.name
            );
            assert_eq!(
                (p.video.max_width, p.video.max_height),
                (3840, 2160),
                "{}",
                p.name
            );
            assert_eq!(
                p.input.cec_device.as_deref(),
                Some(std::path::Path::new("/dev/cec0"))
            );
            assert_eq!(p.input.keymap.as_deref(), Some("default"), "{}", p.name);
            assert_eq!(
                p.cache.dir.as_deref(),
                Some(std::path::Path::new("/var/cache/hustings")),
                "{}",
                p.name
            );
            assert!(p.cache.budget_mb >= 2048, "{}", p.name);
        } else {
            assert_eq!(p.video.sink, "app");
            assert_eq!(p.input.cec_device, None, "generic: no CEC device assumed");
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

#[test]
fn a_misspelt_key_in_a_board_file_is_an_error_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mybox.toml");
    let good = std::fs::read_to_string(format!(
        "{}/platform/boards/rpi4.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let bad = good.replace("cec_device =", "cec_devise =");
    let line = bad
        .lines()
        .position(|l| l.starts_with("cec_devise"))
        .unwrap()
        + 1;
    std::fs::write(&path, bad).unwrap();
    let err = BoardProfile::load(&path).unwrap_err().to_string();
    assert!(err.starts_with(&path.display().to_string()), "{err}");
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("cec_devise"), "{err}");
}
