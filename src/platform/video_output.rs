//! Where video goes on this box, from the board profile and the card's
//! resources: on a DRM plane of its own through `kmssink` (the plane and
//! connector ids, and the plane's zpos below the UI), or composited by the
//! UI (the appsink path) with the reason why not a plane: the board
//! profile's view, which `hustings doctor` reports for the boards described in tests/drm/.
//! The app itself does not use kmssink: on a box `kms_display` owns the
//! card and commits the video plane with the UI (its overview says why).

use std::fmt;
use std::path::Path;

use super::planes::{Layout, Resources, Wanted, choose};
use crate::config::BoardProfile;

/// `kmssink`'s settings for a video plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsSink {
    /// The DRM driver, so kmssink opens the same card (`driver-name`).
    pub driver: String,
    pub connector_id: u32,
    pub plane_id: u32,
    /// The video plane's zpos to set, where the driver lets it change.
    pub zpos: Option<u32>,
}

impl KmsSink {
    /// The element's properties, as `gst-inspect-1.0 kmssink` names them
    /// (values in the form `gst_util_set_object_arg` reads).
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("driver-name", self.driver.clone()),
            ("connector-id", self.connector_id.to_string()),
            ("plane-id", self.plane_id.to_string()),
            ("force-modesetting", "false".to_string()),
        ];
        if let Some(z) = self.zpos {
            out.push(("plane-properties", format!("s,zpos=(int){z}")));
        }
        out
    }
}

/// How video reaches the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoOutput {
    /// Decoded frames go to the UI, which draws them (why not a plane).
    Composited { reason: String },
    /// Decoded frames go to a plane of their own.
    Plane { sink: KmsSink, layout: Layout },
}

impl fmt::Display for VideoOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VideoOutput::Composited { reason } => write!(f, "composited by the UI ({reason})"),
            VideoOutput::Plane { sink, layout } => write!(
                f,
                "kmssink on plane {} ({}), connector {}, {}x{}@{}; UI on plane {}{}",
                sink.plane_id,
                layout.video.as_ref().map_or("", |v| v.format.as_str()),
                sink.connector_id,
                layout.mode.width,
                layout.mode.height,
                layout.mode.refresh,
                layout.ui_plane,
                if layout.ui_alpha { " with alpha" } else { "" }
            ),
        }
    }
}

/// What the profile asks of the planes: its formats (NV12 when it names
/// none) and output cap (none when 0).
pub fn wanted(profile: &BoardProfile) -> Wanted {
    let v = &profile.video;
    let cap = |n: u32| if n == 0 { u32::MAX } else { n };
    Wanted {
        video_formats: if v.plane_formats.is_empty() {
            vec!["NV12".into()]
        } else {
            v.plane_formats.clone()
        },
        max_width: cap(v.max_width),
        max_height: cap(v.max_height),
    }
}

/// The output for `profile` on the card described by `card` (or why the
/// card could not be read).
pub fn choose_output(profile: &BoardProfile, card: Result<&Resources, String>) -> VideoOutput {
    let composited = |reason: String| VideoOutput::Composited { reason };
    if profile.video.sink != "kms" {
        return composited(format!(
            "the {} profile's video sink is \"{}\"",
            profile.name, profile.video.sink
        ));
    }
    let res = match card {
        Ok(res) => res,
        Err(why) => return composited(why),
    };
    let wanted = wanted(profile);
    match choose(res, &wanted) {
        Err(e) => composited(e.to_string()),
        Ok(layout) => match layout.video.clone() {
            None => composited(format!(
                "{}: no plane under the UI takes {}",
                res.driver,
                wanted.video_formats.join(", ")
            )),
            Some(video) => VideoOutput::Plane {
                sink: KmsSink {
                    driver: res.driver.clone(),
                    connector_id: layout.connector,
                    plane_id: video.plane,
                    zpos: video.zpos.map(|(video_z, _ui_z)| video_z),
                },
                layout,
            },
        },
    }
}

/// The output for `profile` on this machine (`root` is `/`, or a sample
/// tree): its DRM card read when the profile's sink is kms.
pub fn on_machine(profile: &BoardProfile, root: &Path) -> VideoOutput {
    let card_path = profile.video.drm_device();
    let on_disk = super::board::under(root, &card_path);
    let card = if profile.video.sink != "kms" {
        Err(String::new())
    } else if !on_disk.exists() {
        Err(format!("{} is missing", card_path.display()))
    } else {
        super::drm_read::read_card(&on_disk)
    };
    choose_output(profile, card.as_ref().map_err(Clone::clone))
}
