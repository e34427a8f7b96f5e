# A board application: no -native or nativesdk variant makes sense.
# nooelint: oelint.var.bbclassextend
SUMMARY = "Hustings IPTV client for set-top boxes"
DESCRIPTION = "Set-top-box and smart-TV client for campaign and civic television: \
               live channels, programme guide, speech archive and interactive \
               overlays, with a Slint UI and a GStreamer player."
# The project has no public home yet: replace with its real address. The check
# needs the network, which the lint in `make test` does not have.
# nooelint: oelint.vars.homepageping
HOMEPAGE = "https://github.com/hustings-tv/hustings"
BUGTRACKER = "https://github.com/hustings-tv/hustings/issues"
SECTION = "multimedia"
CVE_PRODUCT = "hustings"

# The repository has no LICENSE/COPYING file yet; the licence is declared in
# Cargo.toml (line 7). Point this at the licence text once one is committed.
LICENSE = "GPL-3.0-or-later"
LIC_FILES_CHKSUM = "file://Cargo.toml;beginline=7;endline=7;md5=c8b33124d6b4f3627fd9d18a052058b4"

# Build-time libraries of the box build (see CARGO_BUILD_FLAGS below): GStreamer
# core, base and its app/video libraries (gstreamer-rs links them) and fontconfig
# (Slint's font discovery). No RTSP server (only the demo headend has one) and
# no libxkbcommon, X11 or Wayland (only Slint's desktop window backend needs them).
# cmake-native: aws-lc-sys (rustls' crypto provider) builds AWS-LC with CMake.
DEPENDS = "cmake-native \
    fontconfig \
    gstreamer1.0 \
    gstreamer1.0-plugins-base \
"

# The project's git repository. SRCREV is the commit to build: replace it with
# the commit whose Cargo.lock hustings-crates.inc was generated from (see the
# layer README); a mismatch fails do_compile ("cargo --frozen"), not silently.
PV = "0.1.0+git"
SRC_URI = "git://github.com/hustings-tv/hustings.git;protocol=https;branch=main \
           file://config.toml \
           "
SRCREV = "0000000000000000000000000000000000000000"

# Every crate in Cargo.lock, fetched by bitbake's crate:// fetcher into the
# download directory and vendored by cargo.bbclass: cargo runs --frozen and
# --offline, so nothing is fetched while compiling. Regenerate with
# yocto-layer/scripts/generate-crates-inc.py whenever Cargo.lock changes.
require ${BPN}-crates.inc

# Releases before styhead unpack into WORKDIR and have no UNPACKDIR.
UNPACKDIR ??= "${WORKDIR}"
S = "${UNPACKDIR}/git"

inherit cargo cargo-update-recipe-crates pkgconfig systemd useradd

# The Cargo.toml asks for Rust >= 1.95 (rust-version; edition 2024): the rust,
# cargo and libstd-rs recipes of the build must be that new. oe-core's releases
# up to walnascar ship older ones; the layer README says how to provide them.
# Only the top-level Cargo.lock is the build's; the one under fuzz/ belongs to
# the separate fuzzing workspace.
CARGO_LOCK_SRC_DIR = "${S}"

# The box build: Cargo's default features are the developer's (the demo headend
# with axum, GStreamer's RTSP server and the stream generators; a desktop window
# through Slint's winit backend on X11/Wayland). Without them the binary is the
# TV app alone, drawn on KMS, so `hustings headend`, `hustings demo` and
# `hustings bench` do not exist on the box. oe-core's cargo class has no feature
# variable; its own recipes (rpm-sequoia) add to CARGO_BUILD_FLAGS.
CARGO_BUILD_FLAGS += "--no-default-features"

FILES:${PN} += "${nonarch_base_libdir}/udev/rules.d/70-hustings.rules \
                ${systemd_system_unitdir}/hustings.service"
CONFFILES:${PN} = "${sysconfdir}/hustings/config.toml"

# The GStreamer plugins the player loads by name at run time (not seen by the
# shared-library dependency scan, hence listed):
#   base:  playbin3/decodebin3 (playback), typefind, appsink (app), videoconvert
#          (videoconvertscale), audioconvert, audioresample, alsasink (alsa),
#          textoverlay for captions (pango)
#   good:  hlsdemux2 (adaptivedemux2), HTTP (soup), multicast udpsrc (udp), rtspsrc
#          (rtsp, rtp, rtpmanager), qtdemux (isomp4), matroskademux (matroska),
#          aacparse (audioparsers), autoaudiosink (autodetect), v4l2h264dec
#          (video4linux2: stateful hardware decoders, Raspberry Pi 4, Amlogic)
#   bad:   tsdemux (mpegtsdemux), h264parse/h265parse (videoparsersbad), hlsdemux
#          fallback (hls), kmssink (kms), CEA-608/708 captions (closedcaption),
#          v4l2slh264dec/v4l2slh265dec (v4l2codecs: stateless decoders, RK3588, Pi 5)
#   libav: avdec_h264/avdec_aac, the software fallback of every board profile
#          (its recipe carries LICENSE_FLAGS = "commercial": see the README)
RDEPENDS:${PN} = "gstreamer1.0-libav \
    gstreamer1.0-plugins-bad-closedcaption \
    gstreamer1.0-plugins-bad-hls \
    gstreamer1.0-plugins-bad-kms \
    gstreamer1.0-plugins-bad-mpegtsdemux \
    gstreamer1.0-plugins-bad-v4l2codecs \
    gstreamer1.0-plugins-bad-videoparsersbad \
    gstreamer1.0-plugins-base-alsa \
    gstreamer1.0-plugins-base-app \
    gstreamer1.0-plugins-base-audioconvert \
    gstreamer1.0-plugins-base-audioresample \
    gstreamer1.0-plugins-base-pango \
    gstreamer1.0-plugins-base-playback \
    gstreamer1.0-plugins-base-typefindfunctions \
    gstreamer1.0-plugins-base-videoconvertscale \
    gstreamer1.0-plugins-good-adaptivedemux2 \
    gstreamer1.0-plugins-good-audioparsers \
    gstreamer1.0-plugins-good-autodetect \
    gstreamer1.0-plugins-good-isomp4 \
    gstreamer1.0-plugins-good-matroska \
    gstreamer1.0-plugins-good-rtp \
    gstreamer1.0-plugins-good-rtpmanager \
    gstreamer1.0-plugins-good-rtsp \
    gstreamer1.0-plugins-good-soup \
    gstreamer1.0-plugins-good-udp \
    gstreamer1.0-plugins-good-video4linux2 \
"

# The box's user: no login, no home, member of the device groups the udev rules
# assign (video: DRM cards, CEC, V4L2 decoders; input: remotes; render: GPU).
USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --no-create-home --home-dir ${localstatedir}/lib/hustings \
                       --shell /sbin/nologin --user-group --groups video,input,render hustings"

SYSTEMD_SERVICE:${PN} = "hustings.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

do_install:append() {
    # The unit and the udev rules come from the source tree (platform/), so
    # they are versioned with the code that relies on them.
    install -d ${D}${systemd_system_unitdir}
    install -m 0644 ${S}/platform/systemd/hustings.service ${D}${systemd_system_unitdir}/hustings.service
    install -d ${D}${nonarch_base_libdir}/udev/rules.d
    install -m 0644 ${S}/platform/udev/70-hustings.rules ${D}${nonarch_base_libdir}/udev/rules.d/70-hustings.rules

    # The unit starts `hustings --config /etc/hustings/config.toml`.
    install -d ${D}${sysconfdir}/hustings
    install -m 0644 ${UNPACKDIR}/config.toml ${D}${sysconfdir}/hustings/config.toml
}
