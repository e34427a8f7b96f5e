//! Which board profile fits this box: the device tree's `compatible`
//! strings (`/proc/device-tree/compatible`, NUL-separated, most specific
//! first) against each profile's `[detect] compatible`, else the CPU
//! architecture (`[detect] arch`, for x86 boxes without a device tree),
//! else the generic profile. The configuration can name a profile instead.

use std::path::Path;

use serde::Deserialize;

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

#[derive(Deserialize, Default)]
struct Detect {
    #[serde(default)]
    compatible: Vec<String>,
    #[serde(default)]
    arch: Option<String>,
}

#[derive(Deserialize)]
struct Profile {
    name: String,
    #[serde(default)]
    detect: Detect,
}

/// What is known about the machine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Machine {
    /// Device-tree `compatible` strings, most specific first.
    pub compatible: Vec<String>,
    /// `std::env::consts::ARCH`.
    pub arch: String,
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
        Machine {
            compatible,
            arch: std::env::consts::ARCH.to_string(),
        }
    }
}

/// The built-in profile for `machine`: the first device-tree string (most
/// specific first) that a profile lists, else one matching the
/// architecture on a machine without a device tree, else "generic".
pub fn detect(machine: &Machine) -> &'static str {
    let profiles: Vec<(&'static str, Profile)> = BUILTIN
        .iter()
        .filter_map(|(name, text)| Some((*name, toml::from_str::<Profile>(text).ok()?)))
        .collect();
    for c in &machine.compatible {
        if let Some((name, _)) = profiles
            .iter()
            .find(|(_, p)| p.detect.compatible.iter().any(|x| x == c))
        {
            return name;
        }
    }
    if machine.compatible.is_empty()
        && let Some((name, _)) = profiles
            .iter()
            .find(|(_, p)| p.detect.arch.as_deref() == Some(machine.arch.as_str()))
    {
        return name;
    }
    "generic"
}

/// The TOML text of a built-in profile.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Whether every built-in profile names itself as its key says.
pub fn names_match() -> bool {
    BUILTIN
        .iter()
        .all(|(n, t)| toml::from_str::<Profile>(t).is_ok_and(|p| p.name == *n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(strings: &[&str]) -> Machine {
        Machine {
            compatible: strings.iter().map(|s| s.to_string()).collect(),
            arch: "aarch64".into(),
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
            assert_eq!(detect(&dt(strings)), want, "{strings:?}");
        }
        let pc = Machine {
            compatible: vec![],
            arch: "x86_64".into(),
        };
        assert_eq!(detect(&pc), "x86-vaapi");
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
        assert_eq!(detect(&m), "rpi5");
        assert!(
            Machine::read(&root.path().join("nothing"))
                .compatible
                .is_empty()
        );
    }
}
