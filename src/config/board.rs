//! Board profiles (`platform/boards/*.toml`): what a family of boxes
//! decodes with, where its video goes, how it is recognised, its remote
//! and CEC devices and its cache. Every key of the files is a field here
//! and an unknown key is an error naming the file and line, as in the
//! configuration. Which profile is in force is `platform::board`'s choice.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ConfigError;

/// The profile compiled into the binary (`platform/boards/generic.toml`).
const GENERIC_BOARD: &str = include_str!("../../platform/boards/generic.toml");

/// The board profile (see `platform/boards/`). Every key of the files is a
/// field here and an unknown key is an error, as in the configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BoardProfile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub detect: BoardDetect,
    #[serde(default)]
    pub network: BoardNetwork,
    #[serde(default)]
    pub video: BoardVideo,
    #[serde(default)]
    pub input: BoardInput,
    #[serde(default)]
    pub cache: BoardCache,
}

impl BoardProfile {
    /// Parses a profile's TOML; `path` names it in errors (with the line).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Loads a profile file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// The built-in generic profile.
    pub fn generic() -> Self {
        toml::from_str(GENERIC_BOARD)
            .expect("the built-in board profile is valid TOML (checked by a test)")
    }
}

/// How a profile is recognised (`[detect]`); see `platform::detect`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BoardDetect {
    /// Device-tree `compatible` strings, any of which selects the profile.
    pub compatible: Vec<String>,
    /// DMI system or board vendors (`/sys/class/dmi/id/sys_vendor`,
    /// `board_vendor`), any of which selects it; empty = any vendor.
    pub dmi_vendor: Vec<String>,
    /// The CPU architecture (`x86_64`) for machines without a device tree.
    pub arch: Option<String>,
}

/// The local cache's share of the box's storage.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BoardCache {
    /// Where the cache lives on this kind of box (systemd's
    /// `$CACHE_DIRECTORY` and the configuration win).
    pub dir: Option<PathBuf>,
    /// Disk budget for downloaded speeches (MB).
    pub budget_mb: u64,
}

impl Default for BoardCache {
    fn default() -> Self {
        BoardCache {
            dir: None,
            budget_mb: 2048,
        }
    }
}

/// The DRM device a profile uses unless it names another.
pub const DEFAULT_DRM_DEVICE: &str = "/dev/dri/card0";

/// Video part of a board profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BoardVideo {
    /// H.264 decoder elements, best first.
    pub h264: Vec<String>,
    /// HEVC decoder elements, best first.
    pub hevc: Vec<String>,
    /// Where video goes: "app" (composited by the UI) or "kms" (a plane).
    pub sink: String,
    /// DRM fourcc formats the video plane should take, best first.
    pub plane_formats: Vec<String>,
    /// The output mode's cap (the TV's preferred mode when it fits); 0 = no cap.
    pub max_width: u32,
    pub max_height: u32,
    /// The display controller's card; unset = /dev/dri/card0.
    pub drm_device: Option<PathBuf>,
}

impl BoardVideo {
    /// The DRM card this profile drives.
    pub fn drm_device(&self) -> PathBuf {
        self.drm_device
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DRM_DEVICE))
    }

    /// The GStreamer element the sink setting stands for.
    pub fn sink_element(&self) -> &'static str {
        match self.sink.as_str() {
            "kms" => "kmssink",
            _ => "appsink",
        }
    }
}

/// Remote-control part of a board profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BoardInput {
    /// The HDMI-CEC adapter (`/dev/cec0`); unset = none on this board.
    pub cec_device: Option<PathBuf>,
    /// The key map: "default" (platform/keymaps/default.toml) or a file.
    pub keymap: Option<String>,
}

/// Network part of a board profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BoardNetwork {
    pub multicast_interface: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_board_profile_with_an_unknown_key_names_the_file_and_line() {
        let err = BoardProfile::parse(
            "name = \"box\"\n[video]\nsink = \"kms\"\nplane_format = [\"NV12\"]\n",
            Path::new("boards/box.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("boards/box.toml"), "{err}");
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("plane_format"), "{err}");
    }
}
