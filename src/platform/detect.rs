//! Which board profile fits this box: the device tree's `compatible`
//! strings (`/proc/device-tree/compatible`, NUL-separated, most specific
//! first) against each profile's `[detect] compatible`, else the CPU
//! architecture (`[detect] arch`, for x86 boxes without a device tree),
//! else the generic profile. The configuration can name a profile instead.
//! Whether a detected profile's hardware is really there is `board.rs`'s
//! business.

use std::path::Path;

use crate::config::BoardProfile;

/// The profiles built into the binary (platform/boards/), by name.
pub const BUILTIN: [(&str, &str); 6] = [
    ("rpi4", include_str!("../../platform/boards/rpi4.toml")),
    ("rpi5", include_str!("../../platform/boards/rpi5.toml")),
    (
        "amlogic-s905x4",
        include_str!("../../platform/boards/amlogic-s905x4.toml"),
    ),
    ("rk3588", include_str!("../../platform/boards/rk3588.toml")),
    (
        "x86-vaapi",
        include_str!("../../platform/boards/x86-vaapi.toml"),
    ),
    (
        "generic",
        include_str!("../../platform/boards/generic.toml"),
    ),
];

/// What is known about the machine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Machine {
    /// Device-tree `compatible` strings, most specific first.
    pub compatible: Vec<String>,
    /// DMI identification (x86 and some ARM servers).
    pub dmi: Dmi,
    /// `std::env::consts::ARCH`.
    pub arch: String,
}

/// `/sys/class/dmi/id/*`: who made the machine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dmi {
    pub sys_vendor: String,
    pub product_name: String,
    pub board_vendor: String,
    pub board_name: String,
}

impl Machine {
    /// Reads this machine (`root` is `/`, or a test's stand-in directory).
    pub fn read(root: &Path) -> Machine {
        let compatible = std::fs::read(root.join("proc/device-tree/compatible"))
            .or_else(|_| std::fs::read(root.join("sys/firmware/devicetree/base/compatible")))
            .map(|b| {
                b.split(|c| *c == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).trim().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let dmi = |name: &str| {
            std::fs::read_to_string(root.join("sys/class/dmi/id").join(name))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        Machine {
            compatible,
            dmi: Dmi {
                sys_vendor: dmi("sys_vendor"),
                product_name: dmi("product_name"),
                board_vendor: dmi("board_vendor"),
                board_name: dmi("board_name"),
            },
            arch: std::env::consts::ARCH.to_string(),
        }
    }
}

/// A profile recognised on the machine, and by what.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub name: &'static str,
    /// e.g. `device tree "raspberrypi,4-model-b"`, `architecture x86_64 (DMI: Intel NUC7i3BNH)`.
    pub by: String,
}

/// The built-in profiles, parsed.
fn profiles() -> Vec<(&'static str, BoardProfile)> {
    BUILTIN
        .iter()
        .filter_map(|(name, text)| Some((*name, toml::from_str::<BoardProfile>(text).ok()?)))
        .collect()
}

/// The built-in profile for `machine`: the first device-tree string (most
/// specific first) that a profile lists; else, on a machine without a
/// device tree, a profile naming the DMI vendor, then one naming the
/// architecture (whose `dmi_vendor`, if any, must match too). None: the
/// generic profile.
pub fn detect(machine: &Machine) -> Option<Detection> {
    detect_among(machine, &profiles())
}

fn detect_among(machine: &Machine, profiles: &[(&'static str, BoardProfile)]) -> Option<Detection> {
    for c in &machine.compatible {
        if let Some((name, _)) = profiles
            .iter()
            .find(|(_, p)| p.detect.compatible.iter().any(|x| x == c))
        {
            return Some(Detection {
                name,
                by: format!("device tree \"{c}\""),
            });
        }
    }
    if !machine.compatible.is_empty() {
        return None;
    }
    let dmi = &machine.dmi;
    let vendor_of = |p: &BoardProfile| -> Option<String> {
        p.detect
            .dmi_vendor
            .iter()
            .find(|v| {
                [&dmi.sys_vendor, &dmi.board_vendor].iter().any(|have| {
                    !have.is_empty() && have.to_lowercase().starts_with(&v.to_lowercase())
                })
            })
            .cloned()
    };
    let product = [&dmi.sys_vendor, &dmi.product_name]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let arch_ok = |p: &BoardProfile| p.detect.arch.as_deref().is_none_or(|a| a == machine.arch);
    if let Some((name, p)) = profiles
        .iter()
        .find(|(_, p)| arch_ok(p) && vendor_of(p).is_some())
    {
        let vendor = vendor_of(p).unwrap_or_default();
        return Some(Detection {
            name,
            by: format!("DMI vendor \"{vendor}\""),
        });
    }
    profiles
        .iter()
        .find(|(_, p)| {
            p.detect.arch.as_deref() == Some(machine.arch.as_str())
                && p.detect.dmi_vendor.is_empty()
        })
        .map(|(name, _)| Detection {
            name,
            by: if product.is_empty() {
                format!("architecture {}", machine.arch)
            } else {
                format!("architecture {} (DMI: {product})", machine.arch)
            },
        })
}

/// The TOML text of a built-in profile.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The names of the built-in profiles.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Whether every built-in profile parses and names itself as its key says.
pub fn names_match() -> bool {
    BUILTIN
        .iter()
        .all(|(n, t)| toml::from_str::<BoardProfile>(t).is_ok_and(|p| p.name == *n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(strings: &[&str]) -> Machine {
        Machine {
            compatible: strings.iter().map(|s| s.to_string()).collect(),
            arch: "aarch64".into(),
            ..Default::default()
        }
    }

    #[test]
    fn boards_are_known_by_their_device_tree() {
        // Strings as the boards' device trees give them, most specific first.
        let cases: [(&[&str], &str); 7] = [
            (&["raspberrypi,4-model-b", "brcm,bcm2711"], "rpi4"),
            (&["raspberrypi,400", "brcm,bcm2711"], "rpi4"),
            (&["raspberrypi,5-model-b", "brcm,bcm2712"], "rpi5"),
            (&["radxa,rock-5b", "rockchip,rk3588"], "rk3588"),
            (&["xunlong,orangepi-5", "rockchip,rk3588s"], "rk3588"),
            (
                &["amediatech,x96-max-plus-sc2", "amlogic,sc2"],
                "amlogic-s905x4",
            ),
            (&["pine64,rock64", "rockchip,rk3328"], "generic"),
        ];
        for (strings, want) in cases {
            let got = detect(&dt(strings)).map_or("generic", |d| d.name);
            assert_eq!(got, want, "{strings:?}");
        }
        assert_eq!(
            detect(&dt(&["raspberrypi,400", "brcm,bcm2711"]))
                .unwrap()
                .by,
            "device tree \"raspberrypi,400\"",
            "the most specific string that a profile lists"
        );
        let pc = Machine {
            arch: "x86_64".into(),
            ..Default::default()
        };
        assert_eq!(
            detect(&pc),
            Some(Detection {
                name: "x86-vaapi",
                by: "architecture x86_64".into()
            })
        );
        let arm_server = Machine {
            arch: "aarch64".into(),
            ..Default::default()
        };
        assert_eq!(detect(&arm_server), None, "no device tree, no arch profile");
        assert!(names_match());
    }

    #[test]
    fn the_device_tree_is_read_from_proc_as_nul_separated_strings() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("proc/device-tree");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("compatible"),
            b"raspberrypi,5-model-b\0brcm,bcm2712\0",
        )
        .unwrap();
        let m = Machine::read(root.path());
        assert_eq!(m.compatible, ["raspberrypi,5-model-b", "brcm,bcm2712"]);
        assert_eq!(detect(&m).unwrap().name, "rpi5");
        assert!(
            Machine::read(&root.path().join("nothing"))
                .compatible
                .is_empty()
        );
    }

    #[test]
    fn dmi_is_read_from_sys_and_named_in_the_reason() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("sys/class/dmi/id");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("sys_vendor"), "Intel Corporation\n").unwrap();
        std::fs::write(dir.join("product_name"), "NUC7i3BNH\n").unwrap();
        let mut m = Machine::read(root.path());
        assert_eq!(m.dmi.sys_vendor, "Intel Corporation");
        assert_eq!(m.dmi.product_name, "NUC7i3BNH");
        m.arch = "x86_64".into();
        assert_eq!(
            detect(&m).unwrap().by,
            "architecture x86_64 (DMI: Intel Corporation NUC7i3BNH)"
        );
    }

    #[test]
    fn a_dmi_vendor_profile_comes_before_the_architecture_one() {
        let nuc: BoardProfile = toml::from_str(
            "name = \"nuc\"\n[detect]\ndmi_vendor = [\"Intel\"]\narch = \"x86_64\"\n",
        )
        .unwrap();
        let mut all = profiles();
        all.insert(0, ("nuc", nuc));
        let mut m = Machine {
            arch: "x86_64".into(),
            ..Default::default()
        };
        m.dmi.board_vendor = "Intel Corporation".into();
        let d = detect_among(&m, &all).unwrap();
        assert_eq!((d.name, d.by.as_str()), ("nuc", "DMI vendor \"Intel\""));
        m.dmi.board_vendor = "ASUSTeK COMPUTER INC.".into();
        assert_eq!(detect_among(&m, &all).unwrap().name, "x86-vaapi");
        m.arch = "aarch64".into();
        m.dmi.board_vendor = "Intel Corporation".into();
        assert_eq!(
            detect_among(&m, &all),
            None,
            "the vendor on another architecture"
        );
    }
}
