//! Reads a DRM card's resources into the plain description the plane
//! choice works on (`planes::Resources`): connectors with their modes and
//! the CRTCs their encoders can use, CRTCs by index, and every plane
//! (universal planes: primary and cursor too) with its type, formats and
//! zpos. Read-only: nothing is set on the card. Connectors are not
//! force-probed (the kernel's last probe is used; probing takes seconds).

use std::path::Path;

use drm::control::{Device as _, ResourceHandles, property};

use super::planes::{Connector, Mode, Plane, PlaneKind, Resources, Zpos};

/// An open DRM card (for enumeration here; `kms_display` drives it).
pub(crate) struct Card(pub(crate) std::fs::File);

impl std::os::fd::AsFd for Card {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.0.as_fd()
    }
}
impl drm::Device for Card {}
impl drm::control::Device for Card {}

/// The DRM name of a fourcc code: "NV12", "ARGB8888" (the codes whose
/// name is not their four characters are listed), else its characters.
pub fn fourcc_name(code: u32) -> String {
    let chars: String = code
        .to_le_bytes()
        .iter()
        .map(|b| {
            if b.is_ascii_graphic() {
                *b as char
            } else {
                '?'
            }
        })
        .collect();
    let name = match chars.trim_end() {
        "AR24" => "ARGB8888",
        "XR24" => "XRGB8888",
        "AB24" => "ABGR8888",
        "XB24" => "XBGR8888",
        "RA24" => "RGBA8888",
        "RX24" => "RGBX8888",
        "BA24" => "BGRA8888",
        "BX24" => "BGRX8888",
        "RG24" => "RGB888",
        "BG24" => "BGR888",
        "YU24" => "YUV444",
        "RG16" => "RGB565",
        "AR30" => "ARGB2101010",
        "XR30" => "XRGB2101010",
        "YU12" => "YUV420",
        "YV12" => "YVU420",
        "YU16" => "YUV422",
        "YUYV" => "YUYV",
        other => other,
    };
    name.to_string()
}

/// The bit mask of CRTC indices in `handles` (as the kernel's `possible_crtcs`).
fn crtc_mask(res: &ResourceHandles, chosen: &[drm::control::crtc::Handle]) -> u32 {
    res.crtcs()
        .iter()
        .enumerate()
        .filter(|(_, h)| chosen.contains(h))
        .fold(0, |m, (i, _)| m | (1 << i))
}

/// Reads the card at `path`; the error says which step failed.
pub fn read_card(path: &Path) -> Result<Resources, String> {
    let fail = |what: &str, e: std::io::Error| format!("{}: {what}: {e}", path.display());
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| fail("cannot open", e))?;
    let card = Card(file);
    read_resources(&card, path)
}

/// Reads the resources of an open card (`path` names it in errors).
pub(crate) fn read_resources(card: &Card, path: &Path) -> Result<Resources, String> {
    let fail = |what: &str, e: std::io::Error| format!("{}: {what}: {e}", path.display());
    use drm::Device as _;
    card.set_client_capability(drm::ClientCapability::UniversalPlanes, true)
        .map_err(|e| fail("universal planes", e))?;
    let driver = card
        .get_driver()
        .map(|d| d.name().to_string_lossy().to_string())
        .map_err(|e| fail("driver", e))?;
    let res = card.resource_handles().map_err(|e| fail("resources", e))?;
    let mut connectors = Vec::new();
    for &h in res.connectors() {
        let info = card
            .get_connector(h, false)
            .map_err(|e| fail("connector", e))?;
        let mut possible = 0;
        for &e in info.encoders() {
            if let Ok(enc) = card.get_encoder(e) {
                possible |= crtc_mask(&res, &res.filter_crtcs(enc.possible_crtcs()));
            }
        }
        connectors.push(Connector {
            id: h.into(),
            name: format!("{}-{}", info.interface().as_str(), info.interface_id()),
            connected: info.state() == drm::control::connector::State::Connected,
            modes: info
                .modes()
                .iter()
                .map(|m| Mode {
                    width: u32::from(m.size().0),
                    height: u32::from(m.size().1),
                    refresh: m.vrefresh(),
                    preferred: m
                        .mode_type()
                        .contains(drm::control::ModeTypeFlags::PREFERRED),
                })
                .collect(),
            possible_crtcs: possible,
        });
    }
    let mut planes = Vec::new();
    for h in card.plane_handles().map_err(|e| fail("planes", e))? {
        let info = card.get_plane(h).map_err(|e| fail("plane", e))?;
        let mut kind = PlaneKind::Overlay;
        let mut zpos = None;
        let props = card
            .get_properties(h)
            .map_err(|e| fail("plane properties", e))?;
        for (&ph, &raw) in props.iter() {
            let Ok(p) = card.get_property(ph) else {
                continue;
            };
            match (p.name().to_str(), p.value_type()) {
                (Ok("type"), t) => {
                    if let property::Value::Enum(Some(v)) = t.convert_value(raw) {
                        kind = match v.name().to_str() {
                            Ok("Primary") => PlaneKind::Primary,
                            Ok("Cursor") => PlaneKind::Cursor,
                            _ => PlaneKind::Overlay,
                        };
                    }
                }
                (Ok("zpos"), property::ValueType::UnsignedRange(min, max)) => {
                    zpos = Some(Zpos {
                        min: *min as u32,
                        max: *max as u32,
                        value: raw as u32,
                        mutable: p.mutable(),
                    });
                }
                _ => {}
            }
        }
        planes.push(Plane {
            id: h.into(),
            kind,
            possible_crtcs: crtc_mask(&res, &res.filter_crtcs(info.possible_crtcs())),
            formats: info.formats().iter().map(|f| fourcc_name(*f)).collect(),
            zpos,
        });
    }
    Ok(Resources {
        driver,
        connectors,
        crtcs: res.crtcs().iter().map(|&c| c.into()).collect(),
        planes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &[u8; 4]) -> u32 {
        u32::from_le_bytes(*s)
    }

    #[test]
    fn fourcc_codes_get_their_drm_names() {
        assert_eq!(fourcc_name(code(b"NV12")), "NV12");
        assert_eq!(fourcc_name(code(b"AR24")), "ARGB8888");
        assert_eq!(fourcc_name(code(b"XR24")), "XRGB8888");
        assert_eq!(fourcc_name(code(b"YU12")), "YUV420");
        assert_eq!(fourcc_name(code(b"P010")), "P010");
        assert_eq!(
            fourcc_name(0x0000_0041),
            "A???",
            "unprintable bytes stay visible"
        );
    }

    #[test]
    fn a_missing_card_is_an_error_naming_it() {
        let err = read_card(Path::new("/nonexistent/card0")).unwrap_err();
        assert!(err.starts_with("/nonexistent/card0: cannot open"), "{err}");
    }
}
