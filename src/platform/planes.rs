//! Choosing how video and the UI reach the screen on a box, from a plain
//! description of its DRM/KMS resources (what `drm_info` prints, or what the
//! drm crate enumerates): the connector, its mode, the CRTC, a plane that
//! takes the decoder's format for video, below the plane the UI draws on
//! with alpha. Where no plane can carry video under the UI, one plane is
//! used and the UI composites the video.
//!
//! Plain Rust over plain data: tested against descriptions of real boards
//! in `tests/drm/`, without a DRM device.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A display mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mode {
    pub width: u32,
    pub height: u32,
    /// Hz (rounded).
    pub refresh: u32,
    #[serde(default)]
    pub preferred: bool,
}

/// A connector (HDMI-A-1, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connector {
    pub id: u32,
    pub name: String,
    pub connected: bool,
    pub modes: Vec<Mode>,
    /// Bit i set: CRTC with index i can drive it (through its encoders).
    pub possible_crtcs: u32,
}

/// What kind of plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaneKind {
    Primary,
    Overlay,
    Cursor,
}

/// A plane's `zpos` property: its range and whether it can be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zpos {
    pub min: u32,
    pub max: u32,
    pub value: u32,
    /// False when the driver fixes it (an immutable property).
    pub mutable: bool,
}

/// A plane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plane {
    pub id: u32,
    #[serde(rename = "type")]
    pub kind: PlaneKind,
    /// Bit i set: usable on the CRTC with index i.
    pub possible_crtcs: u32,
    /// DRM fourcc names (NV12, XRGB8888, ARGB8888, ...).
    pub formats: Vec<String>,
    #[serde(default)]
    pub zpos: Option<Zpos>,
}

/// A card's resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// The driver (vc4, meson, rockchip, i915, ...).
    pub driver: String,
    pub connectors: Vec<Connector>,
    /// CRTC ids, by index.
    pub crtcs: Vec<u32>,
    pub planes: Vec<Plane>,
}

/// What the board profile asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    /// Formats the decoders hand out, best first (NV12, ...).
    pub video_formats: Vec<String>,
    /// The largest mode to use (the profile's output policy).
    pub max_width: u32,
    pub max_height: u32,
}

/// How video and UI reach the screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    pub connector: u32,
    pub crtc: u32,
    pub mode: Mode,
    /// The plane the UI draws on.
    pub ui_plane: u32,
    /// The UI plane has alpha (ARGB8888): video shows through it.
    pub ui_alpha: bool,
    /// The plane video goes to, with the format and zpos to set; None: the
    /// UI composites the video on its own plane.
    pub video: Option<VideoPlane>,
}

/// The video plane's set-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoPlane {
    pub plane: u32,
    pub format: String,
    /// zpos values to set (video below UI) where the driver lets us.
    pub zpos: Option<(u32, u32)>,
}

#[derive(Debug, Error, PartialEq)]
pub enum PlaneError {
    #[error("{driver}: no connected display")]
    NoDisplay { driver: String },
    #[error("{driver}: {connector} has no mode within {max_width}x{max_height}")]
    NoMode {
        driver: String,
        connector: String,
        max_width: u32,
        max_height: u32,
    },
    #[error("{driver}: no CRTC with a primary plane can drive {connector}")]
    NoCrtc { driver: String, connector: String },
}

/// The mode: the TV's preferred one when it fits the cap; else the largest
/// that fits, at the preferred mode's refresh rate when there is such a mode.
fn choose_mode(modes: &[Mode], wanted: &Wanted) -> Option<Mode> {
    let fits = |m: &&Mode| m.width <= wanted.max_width && m.height <= wanted.max_height;
    if let Some(p) = modes.iter().find(|m| m.preferred).filter(fits) {
        return Some(p.clone());
    }
    let refresh = modes.iter().find(|m| m.preferred).map(|m| m.refresh);
    modes
        .iter()
        .filter(fits)
        .max_by_key(|m| {
            (
                u64::from(m.width) * u64::from(m.height),
                Some(m.refresh) == refresh,
                m.refresh,
            )
        })
        .cloned()
}

/// Chooses the layout for `res` under `wanted`.
pub fn choose(res: &Resources, wanted: &Wanted) -> Result<Layout, PlaneError> {
    let driver = res.driver.clone();
    // HDMI first (the TV), then anything connected.
    let connector = res
        .connectors
        .iter()
        .filter(|c| c.connected && !c.modes.is_empty())
        .min_by_key(|c| (!c.name.starts_with("HDMI"), c.id))
        .ok_or(PlaneError::NoDisplay {
            driver: driver.clone(),
        })?;
    let mode = choose_mode(&connector.modes, wanted).ok_or_else(|| PlaneError::NoMode {
        driver: driver.clone(),
        connector: connector.name.clone(),
        max_width: wanted.max_width,
        max_height: wanted.max_height,
    })?;
    let on = |p: &Plane, index: usize| p.possible_crtcs & (1 << index) != 0;
    // The first CRTC the connector can use that has a primary plane.
    let (index, crtc) = res
        .crtcs
        .iter()
        .enumerate()
        .filter(|(i, _)| connector.possible_crtcs & (1 << i) != 0)
        .find(|(i, _)| {
            res.planes
                .iter()
                .any(|p| p.kind == PlaneKind::Primary && on(p, *i))
        })
        .ok_or_else(|| PlaneError::NoCrtc {
            driver: driver.clone(),
            connector: connector.name.clone(),
        })?;
    let has = |p: &Plane, f: &str| p.formats.iter().any(|x| x == f);
    let video_format = |p: &Plane| wanted.video_formats.iter().find(|f| has(p, f)).cloned();
    let planes: Vec<&Plane> = res.planes.iter().filter(|p| on(p, index)).collect();
    let primary = planes
        .iter()
        .find(|p| p.kind == PlaneKind::Primary)
        .copied()
        .ok_or_else(|| PlaneError::NoCrtc {
            driver: driver.clone(),
            connector: connector.name.clone(),
        })?;
    let overlays: Vec<&Plane> = planes
        .iter()
        .filter(|p| p.kind == PlaneKind::Overlay)
        .copied()
        .collect();
    let z = |p: &Plane| p.zpos.map_or(0, |z| z.value);

    // 1. An overlay below the primary already (meson's video plane, VOP2's
    //    cluster planes on some set-ups): video there, UI on the primary.
    // 2. An overlay that takes the format and whose zpos can go below the
    //    UI's (mutable zpos): set video lowest, UI above.
    // 3. The primary takes the format and an ARGB overlay can sit above it:
    //    video on the primary, UI on that overlay (vc4 style).
    // 4. Otherwise one plane: the UI composites the video.
    let ui_alpha_on = |p: &Plane| has(p, "ARGB8888");
    for o in &overlays {
        if let Some(format) = video_format(o)
            && z(o) < z(primary)
        {
            return Ok(Layout {
                connector: connector.id,
                crtc: *crtc,
                mode,
                ui_plane: primary.id,
                ui_alpha: ui_alpha_on(primary),
                video: Some(VideoPlane {
                    plane: o.id,
                    format,
                    zpos: None,
                }),
            });
        }
    }
    for o in &overlays {
        let (Some(format), Some(oz), Some(pz)) = (video_format(o), o.zpos, primary.zpos) else {
            continue;
        };
        if !ui_alpha_on(primary) {
            continue;
        }
        // Both mutable: video at the bottom of its range, UI at the top of its own.
        if oz.mutable && pz.mutable && oz.min < pz.max {
            return Ok(Layout {
                connector: connector.id,
                crtc: *crtc,
                mode,
                ui_plane: primary.id,
                ui_alpha: true,
                video: Some(VideoPlane {
                    plane: o.id,
                    format,
                    zpos: Some((oz.min, pz.max)),
                }),
            });
        }
    }
    if let Some(format) = video_format(primary)
        && let Some(ui) = overlays
            .iter()
            .find(|o| ui_alpha_on(o) && (o.zpos.is_none() || z(o) > z(primary)))
    {
        return Ok(Layout {
            connector: connector.id,
            crtc: *crtc,
            mode,
            ui_plane: ui.id,
            ui_alpha: true,
            video: Some(VideoPlane {
                plane: primary.id,
                format,
                zpos: None,
            }),
        });
    }
    Ok(Layout {
        connector: connector.id,
        crtc: *crtc,
        mode,
        ui_plane: primary.id,
        ui_alpha: false,
        video: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preferred_mode_is_used_unless_over_the_cap() {
        let modes = vec![
            Mode {
                width: 3840,
                height: 2160,
                refresh: 60,
                preferred: true,
            },
            Mode {
                width: 1920,
                height: 1080,
                refresh: 50,
                preferred: false,
            },
            Mode {
                width: 1920,
                height: 1080,
                refresh: 60,
                preferred: false,
            },
            Mode {
                width: 1280,
                height: 720,
                refresh: 60,
                preferred: false,
            },
        ];
        let cap = |w, h| Wanted {
            video_formats: vec![],
            max_width: w,
            max_height: h,
        };
        assert_eq!(choose_mode(&modes, &cap(3840, 2160)).unwrap().width, 3840);
        let m = choose_mode(&modes, &cap(1920, 1080)).unwrap();
        assert_eq!(
            (m.width, m.height, m.refresh),
            (1920, 1080, 60),
            "the preferred mode's refresh"
        );
        assert!(choose_mode(&modes, &cap(640, 480)).is_none());
    }
}
