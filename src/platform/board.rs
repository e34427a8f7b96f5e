//! Which board profile is in force, and why: the configuration's `board`
//! ("auto", a built-in name, or a profile file), else the profile
//! `detect.rs` recognises, but only when the hardware it relies on is
//! there (its DRM card and `kmssink` for a KMS sink, one of its hardware
//! decoders); else the generic profile, with the reason logged. An x86 PC
//! without a display controller or VA-API driver (a CI machine, a VM)
//! thus runs the software profile instead of one that cannot show video.
//!
//! Element presence is asked through a function so this stays free of
//! GStreamer (the CLI passes the registry's answer); device paths are
//! looked up under `root` so tests use sample trees.

use std::fmt;
use std::path::{Path, PathBuf};

use super::detect::{self, Machine};
use crate::config::{BoardProfile, Config, ConfigError};

/// How the profile in force was chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum BoardSource {
    /// `board = "<name>"` in the configuration.
    Configured(String),
    /// `board = "<path>"`: a profile file.
    File(PathBuf),
    /// Recognised on the machine (by what).
    Detected(String),
    /// Recognised, but what it relies on is missing: generic instead.
    Fallback {
        detected: String,
        by: String,
        missing: Vec<String>,
    },
    /// Nothing recognised: generic.
    Undetected,
}

impl fmt::Display for BoardSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoardSource::Configured(name) => write!(f, "configured (board = \"{name}\")"),
            BoardSource::File(path) => write!(f, "configured (board = \"{}\")", path.display()),
            BoardSource::Detected(by) => write!(f, "detected ({by})"),
            BoardSource::Fallback {
                detected,
                by,
                missing,
            } => write!(
                f,
                "{detected} detected ({by}) but {}: generic instead",
                missing.join("; ")
            ),
            BoardSource::Undetected => write!(
                f,
                "nothing detected (no known device tree, DMI vendor or architecture): generic"
            ),
        }
    }
}

/// The profile in force and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub profile: BoardProfile,
    pub source: BoardSource,
}

/// `path` (absolute, as on the box) inside `root`.
pub fn under(root: &Path, path: &Path) -> PathBuf {
    root.join(path.strip_prefix("/").unwrap_or(path))
}

/// Decoders a profile prefers before its software fallbacks (libav's `avdec_*`).
pub fn hardware_decoders(profile: &BoardProfile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in profile.video.h264.iter().chain(&profile.video.hevc) {
        if !d.starts_with("avdec_") && !out.contains(d) {
            out.push(d.clone());
        }
    }
    out
}

/// What `profile` relies on that this machine lacks, as plain phrases.
pub fn missing(
    profile: &BoardProfile,
    root: &Path,
    has_element: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if profile.video.sink == "kms" {
        let card = profile.video.drm_device();
        if !under(root, &card).exists() {
            out.push(format!("{} is missing", card.display()));
        }
        if !has_element("kmssink") {
            out.push("the kmssink element is missing".to_string());
        }
    }
    let hardware = hardware_decoders(profile);
    if !hardware.is_empty() && !hardware.iter().any(|d| has_element(d)) {
        out.push(format!(
            "none of its hardware decoders is installed ({})",
            hardware.join(", ")
        ));
    }
    out
}

/// Chooses the profile for the `board` setting (None = "auto") on the
/// machine under `root`. A relative profile path is taken relative to the
/// configuration file's directory (`config_file`), else the working directory.
pub fn choose(
    setting: Option<&str>,
    config_file: Option<&Path>,
    root: &Path,
    has_element: &dyn Fn(&str) -> bool,
) -> Result<Chosen, ConfigError> {
    let builtin = |name: &str| {
        let text = detect::builtin(name)?;
        BoardProfile::parse(text, Path::new(&format!("platform/boards/{name}.toml"))).ok()
    };
    match setting.map(str::trim) {
        None | Some("") | Some("auto") => {}
        Some(name) => {
            if let Some(profile) = builtin(name) {
                return Ok(Chosen {
                    profile,
                    source: BoardSource::Configured(name.to_string()),
                });
            }
            if name.contains('/') || name.ends_with(".toml") {
                let path = match config_file.and_then(Path::parent) {
                    Some(dir) => dir.join(name),
                    None => PathBuf::from(name),
                };
                return Ok(Chosen {
                    profile: BoardProfile::load(&path)?,
                    source: BoardSource::File(path),
                });
            }
            return Err(ConfigError::UnknownBoard {
                setting: name.to_string(),
                known: detect::builtin_names().join(", "),
            });
        }
    }
    let machine = Machine::read(root);
    let Some(found) = detect::detect(&machine) else {
        return Ok(Chosen {
            profile: BoardProfile::generic(),
            source: BoardSource::Undetected,
        });
    };
    let profile = builtin(found.name).unwrap_or_else(BoardProfile::generic);
    let lacking = missing(&profile, root, has_element);
    if lacking.is_empty() {
        return Ok(Chosen {
            profile,
            source: BoardSource::Detected(found.by),
        });
    }
    Ok(Chosen {
        profile: BoardProfile::generic(),
        source: BoardSource::Fallback {
            detected: found.name.to_string(),
            by: found.by,
            missing: lacking,
        },
    })
}

/// Chooses the profile for `config` and puts it in force (logged).
pub fn apply(
    config: &mut Config,
    root: &Path,
    has_element: &dyn Fn(&str) -> bool,
) -> Result<(), ConfigError> {
    let chosen = choose(
        config.board.as_deref(),
        config.file.as_deref(),
        root,
        has_element,
    )?;
    // Debug only: every command chooses, and the commands that print must
    // stay quiet; the app logs the choice once (cli::demo), `doctor` reports it.
    tracing::debug!("board profile {}: {}", chosen.profile.name, chosen.source);
    config.profile_reason = chosen.source.to_string();
    config.profile = Some(chosen.profile);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(compatible: &[u8], devices: &[&str]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let dt = root.path().join("proc/device-tree");
        std::fs::create_dir_all(&dt).unwrap();
        std::fs::write(dt.join("compatible"), compatible).unwrap();
        for d in devices {
            let p = under(root.path(), Path::new(d));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"").unwrap();
        }
        root
    }

    fn with(elements: &'static [&'static str]) -> impl Fn(&str) -> bool {
        move |name| elements.contains(&name)
    }

    #[test]
    fn a_detected_board_with_its_hardware_is_used() {
        let root = tree(
            b"raspberrypi,4-model-b\0brcm,bcm2711\0",
            &["/dev/dri/card0"],
        );
        let c = choose(None, None, root.path(), &with(&["kmssink", "v4l2h264dec"])).unwrap();
        assert_eq!(c.profile.name, "rpi4");
        assert_eq!(
            c.source.to_string(),
            "detected (device tree \"raspberrypi,4-model-b\")"
        );
    }

    #[test]
    fn a_detected_board_without_its_card_or_decoders_falls_back_to_generic() {
        let root = tree(b"raspberrypi,4-model-b\0brcm,bcm2711\0", &[]);
        let c = choose(Some("auto"), None, root.path(), &with(&["avdec_h264"])).unwrap();
        assert_eq!(c.profile.name, "generic");
        assert_eq!(
            c.source.to_string(),
            "rpi4 detected (device tree \"raspberrypi,4-model-b\") but /dev/dri/card0 is \
             missing; the kmssink element is missing; none of its hardware decoders is \
             installed (v4l2h264dec, v4l2slh265dec): generic instead"
        );
        // The card alone is not enough either.
        let root = tree(b"raspberrypi,4-model-b\0", &["/dev/dri/card0"]);
        let c = choose(None, None, root.path(), &with(&["kmssink"])).unwrap();
        assert!(
            matches!(&c.source, BoardSource::Fallback { missing, .. } if missing.len() == 1),
            "{:?}",
            c.source
        );
    }

    #[test]
    fn a_configured_board_is_used_as_named_and_an_unknown_one_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        let none = |_: &str| false;
        let c = choose(Some("rk3588"), None, root.path(), &none).unwrap();
        assert_eq!(
            (c.profile.name.as_str(), c.source.to_string()),
            ("rk3588", "configured (board = \"rk3588\")".to_string())
        );
        let file = root.path().join("mybox.toml");
        std::fs::write(&file, "name = \"mybox\"\n[video]\nsink = \"app\"\n").unwrap();
        let c = choose(file.to_str(), None, root.path(), &none).unwrap();
        assert_eq!(c.profile.name, "mybox");
        assert!(matches!(c.source, BoardSource::File(_)));
        let c = choose(
            Some("mybox.toml"),
            Some(&root.path().join("config.toml")),
            root.path(),
            &none,
        )
        .unwrap();
        assert_eq!(
            c.source,
            BoardSource::File(file.clone()),
            "relative to the configuration's directory"
        );
        let err = choose(Some("rpi9"), None, root.path(), &none).unwrap_err();
        assert_eq!(
            err.to_string(),
            "board = \"rpi9\": neither a built-in profile (rpi4, rpi5, amlogic-s905x4, \
             rk3588, x86-vaapi, generic) nor a profile file"
        );
        std::fs::write(&file, "name = \"mybox\"\nsinks = 1\n").unwrap();
        let err = choose(file.to_str(), None, root.path(), &none)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mybox.toml") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_device_tree_is_generic() {
        let root = tree(b"pine64,rock64\0rockchip,rk3328\0", &[]);
        let c = choose(None, None, root.path(), &|_| true).unwrap();
        assert_eq!(c.profile.name, "generic");
        assert_eq!(c.source, BoardSource::Undetected);
    }

    /// This CI machine's case: an x86 PC with no DRM card and no VA-API
    /// decoders must not get the x86-vaapi profile (whose sink is kms).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn an_x86_machine_without_a_card_or_va_decoders_runs_generic() {
        let root = tempfile::tempdir().unwrap();
        let c = choose(None, None, root.path(), &with(&["kmssink", "avdec_h264"])).unwrap();
        assert_eq!(c.profile.name, "generic");
        assert!(
            matches!(&c.source, BoardSource::Fallback { detected, .. } if detected == "x86-vaapi"),
            "{:?}",
            c.source
        );
        let card = under(root.path(), Path::new("/dev/dri/card0"));
        std::fs::create_dir_all(card.parent().unwrap()).unwrap();
        std::fs::write(&card, b"").unwrap();
        let c = choose(None, None, root.path(), &with(&["kmssink", "vah264dec"])).unwrap();
        assert_eq!(c.profile.name, "x86-vaapi");
        assert_eq!(c.source.to_string(), "detected (architecture x86_64)");
    }
}
