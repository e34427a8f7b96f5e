//! Video planes chosen for the target boards as described by hand in
//! tests/drm/ (from their drivers' documented plane set-up, not recorded): video on a plane below the UI where the hardware allows,
//! one plane with the video composited by the UI where it does not, and the
//! output mode capped by the board profile.

use hustings::platform::planes::{Resources, Wanted, choose};

fn board(name: &str) -> Resources {
    let path = format!("{}/tests/drm/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn wanted(max_width: u32, max_height: u32) -> Wanted {
    Wanted {
        video_formats: vec!["NV12".into(), "YUV420".into()],
        max_width,
        max_height,
    }
}

#[test]
fn a_pi_puts_video_on_an_overlay_with_zpos_below_the_ui() {
    let l = choose(&board("rpi4-vc4"), &wanted(3840, 2160)).unwrap();
    assert_eq!(
        (l.connector, l.crtc),
        (32, 87),
        "HDMI-A-1 on the CRTC it can use"
    );
    assert_eq!(
        (l.mode.width, l.mode.height, l.mode.refresh),
        (1920, 1080, 60)
    );
    let v = l.video.expect("a video plane");
    assert_eq!((v.plane, v.format.as_str()), (61, "NV12"));
    assert_eq!(v.zpos, Some((0, 127)), "video at the bottom, the UI on top");
    assert_eq!(l.ui_plane, 60);
    assert!(l.ui_alpha);
}

#[test]
fn a_4k_tv_on_an_amlogic_box_capped_at_1080p_uses_the_vd1_plane_under_the_osd() {
    let l = choose(&board("amlogic-meson"), &wanted(1920, 1080)).unwrap();
    assert_eq!(
        (l.mode.width, l.mode.height, l.mode.refresh),
        (1920, 1080, 60),
        "capped, same refresh"
    );
    let v = l.video.expect("the video plane");
    assert_eq!(
        (v.plane, v.format.as_str(), v.zpos),
        (35, "NV12", None),
        "fixed zpos already below"
    );
    assert_eq!(l.ui_plane, 33);
    assert!(l.ui_alpha);
    let uncapped = choose(&board("amlogic-meson"), &wanted(3840, 2160)).unwrap();
    assert_eq!(
        (uncapped.mode.width, uncapped.mode.refresh),
        (3840, 60),
        "the TV's preferred mode"
    );
}

#[test]
fn without_a_yuv_plane_the_ui_composites_the_video() {
    let l = choose(&board("simpledrm"), &wanted(3840, 2160)).unwrap();
    assert_eq!(l.video, None);
    assert_eq!(l.ui_plane, 31);
    assert!(!l.ui_alpha);
}

#[test]
fn no_display_or_no_mode_is_said_plainly() {
    let mut r = board("rpi4-vc4");
    r.connectors.iter_mut().for_each(|c| c.connected = false);
    assert_eq!(
        choose(&r, &wanted(1920, 1080)).unwrap_err().to_string(),
        "vc4: no connected display"
    );
    let e = choose(&board("rpi4-vc4"), &wanted(640, 480)).unwrap_err();
    assert_eq!(e.to_string(), "vc4: HDMI-A-1 has no mode within 640x480");
}

mod video_output {
    use super::board;
    use hustings::config::BoardProfile;
    use hustings::platform::detect::builtin;
    use hustings::platform::video_output::{VideoOutput, choose_output};
    use std::path::Path;

    fn profile(name: &str) -> BoardProfile {
        BoardProfile::parse(builtin(name).unwrap(), Path::new(name)).unwrap()
    }

    #[test]
    fn a_pi_gets_kmssink_on_the_overlay_plane_with_its_zpos() {
        let out = choose_output(&profile("rpi4"), Ok(&board("rpi4-vc4")));
        let VideoOutput::Plane { sink, .. } = &out else {
            panic!("{out}")
        };
        assert_eq!(
            sink.properties(),
            [
                ("driver-name", "vc4".to_string()),
                ("connector-id", "32".to_string()),
                ("plane-id", "61".to_string()),
                ("force-modesetting", "false".to_string()),
                ("plane-properties", "s,zpos=(int)0".to_string()),
            ]
        );
        assert_eq!(
            out.to_string(),
            "kmssink on plane 61 (NV12), connector 32, 1920x1080@60; UI on plane 60 with alpha"
        );
    }

    #[test]
    fn the_amlogic_video_plane_needs_no_zpos_and_the_cap_applies() {
        let mut p = profile("amlogic-s905x4");
        p.video.max_width = 1920;
        p.video.max_height = 1080;
        let out = choose_output(&p, Ok(&board("amlogic-meson")));
        let VideoOutput::Plane { sink, layout } = &out else {
            panic!("{out}")
        };
        assert_eq!((sink.plane_id, sink.zpos), (35, None));
        assert!(
            !sink
                .properties()
                .iter()
                .any(|(k, _)| *k == "plane-properties")
        );
        assert_eq!((layout.mode.width, layout.mode.height), (1920, 1080));
    }

    #[test]
    fn the_ui_composites_when_there_is_no_plane_card_or_kms_sink() {
        let cases = [
            (
                choose_output(&profile("rpi4"), Ok(&board("simpledrm"))),
                "composited by the UI (simpledrm: no plane under the UI takes NV12, NV12_128C8, YUV420)",
            ),
            (
                choose_output(&profile("rpi4"), Err("/dev/dri/card0 is missing".into())),
                "composited by the UI (/dev/dri/card0 is missing)",
            ),
            (
                choose_output(&profile("generic"), Ok(&board("rpi4-vc4"))),
                "composited by the UI (the generic profile's video sink is \"app\")",
            ),
        ];
        for (out, said) in cases {
            assert_eq!(out.to_string(), said);
        }
    }
}
