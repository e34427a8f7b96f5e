//! `hustings doctor --root DIR` on sample machine trees: the board profile
//! in force and why, and every expected thing that is missing named.

use std::path::Path;
use std::process::Command;

/// A machine tree with these device-tree strings and (empty) device nodes.
fn machine(compatible: &[u8], devices: &[&str]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dt = root.path().join("proc/device-tree");
    std::fs::create_dir_all(&dt).unwrap();
    std::fs::write(dt.join("compatible"), compatible).unwrap();
    for d in devices {
        let p = root.path().join(d.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"").unwrap();
    }
    root
}

fn doctor(config: &Path, root: &Path, json: bool) -> String {
    let state = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hustings"));
    // As on a box: no window system (the display line depends on it).
    cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    cmd.arg("--config")
        .arg(config)
        .arg("--state")
        .arg(state.path())
        .arg("doctor")
        .arg("--root")
        .arg(root);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn a_detected_pi_without_its_card_and_decoders_runs_generic_and_says_why() {
    let root = machine(b"raspberrypi,4-model-b\0brcm,bcm2711\0", &["/dev/cec0"]);
    let config = root.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let out = doctor(&config, root.path(), false);
    let line = out
        .lines()
        .find(|l| l.starts_with("board profile"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("generic: rpi4 detected"), "{line}");
    assert!(
        line.contains("device tree \"raspberrypi,4-model-b\""),
        "{line}"
    );
    assert!(line.contains("/dev/dri/card0 is missing"), "{line}");
    assert!(line.contains("v4l2h264dec, v4l2slh265dec"), "{line}");
    assert!(
        out.contains(
            "video plane      composited by the UI (the generic profile's video sink is \"app\")"
        ),
        "{out}"
    );
    assert!(
        out.contains("display          no display: DISPLAY and WAYLAND_DISPLAY are unset and there is no DRM card at /dev/dri/card0"),
        "no window system and no card: the app could not start, and doctor says why\n{out}"
    );
}

#[test]
fn a_configured_board_names_each_missing_thing() {
    let root = machine(b"raspberrypi,4-model-b\0", &["/dev/cec0"]);
    let blocker = root.path().join("not-a-directory");
    std::fs::write(&blocker, b"").unwrap();
    let config = root.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "board = \"rpi4\"\nmulticast_interface = \"hustings-none0\"\n\
             [input]\nevdev = [\"/dev/input/by-path/platform-ir-event\"]\n\
             [cache]\ndir = \"{}/cache\"\n",
            blocker.display()
        ),
    )
    .unwrap();
    let text = doctor(&config, root.path(), false);
    assert!(
        text.contains("board profile    rpi4: configured (board = \"rpi4\")"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&doctor(&config, root.path(), true))
        .expect("doctor --json prints JSON");
    let state = |what: &str, name: &str| {
        json["expected"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["what"] == what && e["name"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{what} {name} not reported: {json:#}"))["present"]
            .as_bool()
            .unwrap()
    };
    assert!(
        !state("decoder (h264)", "v4l2h264dec"),
        "no V4L2 codecs here"
    );
    assert!(state("decoder (h264)", "avdec_h264"));
    assert!(!state("decoder (hevc)", "v4l2slh265dec"));
    assert!(state("video sink", "kmssink"));
    assert!(!state("DRM device", "/dev/dri/card0"));
    assert!(
        state("HDMI-CEC device", "/dev/cec0"),
        "present in the sample tree"
    );
    let cec = json["expected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["what"] == "HDMI-CEC device")
        .unwrap();
    assert!(
        cec["note"]
            .as_str()
            .unwrap()
            .starts_with("not usable as a CEC adapter")
            && cec["note"].as_str().unwrap().ends_with("(os error 25)"),
        "a plain file stands in for the adapter: {cec}"
    );
    assert!(!state(
        "input device",
        "/dev/input/by-path/platform-ir-event"
    ));
    assert!(!state("multicast interface", "hustings-none0"));
    assert!(!state(
        "cache directory (writable)",
        "not-a-directory/cache"
    ));
    assert!(state("state directory (writable)", ""));
    // The same verdicts in the text, one line each.
    for missing in [
        "v4l2h264dec",
        "DRM device                   /dev/dri/card0",
        "multicast interface          hustings-none0",
    ] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with("MISSING") && l.contains(missing)),
            "{missing}: {text}"
        );
    }
    assert_eq!(json["board_reason"], "configured (board = \"rpi4\")");
    assert!(
        text.contains("video plane      composited by the UI (/dev/dri/card0 is missing)"),
        "{text}"
    );
}

#[test]
fn systemds_state_and_cache_directories_are_used_under_the_service() {
    let root = machine(b"pine64,rock64\0", &[]);
    let config = root.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let (state, cache) = (root.path().join("lib"), root.path().join("cache-here"));
    let out = Command::new(env!("CARGO_BIN_EXE_hustings"))
        .arg("--config")
        .arg(&config)
        .args(["doctor", "--json", "--root"])
        .arg(root.path())
        .env("STATE_DIRECTORY", &state)
        .env("CACHE_DIRECTORY", &cache)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["state_dir"], state.display().to_string());
    let dir = |what: &str| {
        json["expected"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["what"] == what)
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["present"].as_bool().unwrap(),
                )
            })
            .unwrap_or_else(|| panic!("{what}: {json:#}"))
    };
    assert_eq!(
        dir("state directory (writable)"),
        (state.display().to_string(), true)
    );
    assert_eq!(
        dir("cache directory (writable)"),
        (cache.display().to_string(), true)
    );
    assert!(cache.is_dir(), "the check made the directory");
    assert_eq!(
        json["board_reason"],
        "nothing detected (no known device tree, DMI vendor or architecture): generic"
    );
}
