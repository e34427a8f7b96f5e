//! The video sink for a box whose video goes to a DRM plane of its own:
//! `kmssink` set up as `platform::video_output` decided (plane, connector,
//! zpos; no mode setting). Not used by the actor: on a box the app's own
//! display owner (`platform::kms_display`) puts frames on the plane in the
//! UI's commit; this stays for players that own no UI (a kmssink-only
//! pipeline on a board, checked by its unit test).

use gstreamer as gst;
use gstreamer::prelude::*;

use super::PlayerInitError;

/// A `kmssink` with `properties` (names and values as `gst-launch-1.0`
/// takes them); an unknown property or a bad value is an error naming it.
pub fn kms_sink(properties: &[(&str, String)]) -> Result<gst::Element, PlayerInitError> {
    let sink = gst::ElementFactory::make("kmssink")
        .build()
        .map_err(|_| PlayerInitError::MissingElement("kmssink".into()))?;
    for (name, value) in properties {
        let Some(spec) = sink.find_property(name) else {
            return Err(PlayerInitError::Build(format!(
                "kmssink has no property {name}"
            )));
        };
        let parsed = glib::Value::deserialize(value, spec.value_type()).map_err(|_| {
            PlayerInitError::Build(format!("kmssink {name}: cannot use \"{value}\""))
        })?;
        sink.set_property_from_value(name, &parsed);
    }
    Ok(sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmssink_takes_the_plane_the_platform_chose() {
        gst::init().unwrap();
        let chosen = crate::platform::video_output::KmsSink {
            driver: "vc4".into(),
            connector_id: 32,
            plane_id: 61,
            zpos: Some(0),
        };
        let sink = kms_sink(&chosen.properties()).expect("kmssink is installed here");
        assert_eq!(sink.property::<i32>("plane-id"), 61);
        assert_eq!(sink.property::<i32>("connector-id"), 32);
        assert_eq!(
            sink.property::<Option<String>>("driver-name").as_deref(),
            Some("vc4")
        );
        assert!(!sink.property::<bool>("force-modesetting"));
        let props = sink
            .property::<Option<gst::Structure>>("plane-properties")
            .unwrap();
        assert_eq!(props.get::<i32>("zpos").unwrap(), 0);
        let err = kms_sink(&[("plane-number", "61".into())]).unwrap_err();
        assert!(
            err.to_string()
                .contains("kmssink has no property plane-number"),
            "{err}"
        );
        assert!(kms_sink(&[("plane-id", "sixty".into())]).is_err());
    }
}
