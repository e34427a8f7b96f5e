SUMMARY = "Set-top-box image that boots straight into Hustings"
DESCRIPTION = "A minimal systemd image whose only user-facing program is the \
Hustings TV app, started by hustings.service on the display at boot: no login \
console, no window system (Slint draws on KMS)."
# nooelint: oelint.vars.homepageping - no network where the layer is linted
HOMEPAGE = "https://github.com/hustings-tv/hustings"
LICENSE = "MIT"

inherit core-image

# hustings pulls its GStreamer plugins, unit and udev rules; the rest is what a
# box needs around it: DRM and HDMI-CEC drivers as modules, fonts for the UI,
# ALSA's HDMI audio configuration, and time sync for the guide and catch-up.
IMAGE_INSTALL = " \
    packagegroup-core-boot \
    hustings \
    kernel-modules \
    alsa-utils-alsactl \
    ttf-dejavu-sans \
    ttf-dejavu-sans-mono \
    tzdata \
    ${CORE_IMAGE_EXTRA_INSTALL} \
"

# systemd: the app is a Type=notify unit with a watchdog. No window system: the
# app is built without one (the recipe's --no-default-features) and draws on KMS,
# so a distro with x11 or wayland (poky's default) is refused rather than
# building X or Wayland libraries into a box that never runs them.
REQUIRED_DISTRO_FEATURES = "systemd"
CONFLICT_DISTRO_FEATURES = "x11 wayland"
inherit features_check

# A read-only-friendly, debuggable-over-ssh box; no local login: the console
# shows the app. Add "debug-tweaks" / "allow-empty-password" in local.conf to log in.
IMAGE_FEATURES += "ssh-server-dropbear"

# No getty on the screen's virtual terminal: the app owns the display.
# (The unit also has Conflicts=getty@tty1.service.)
SYSTEMD_DEFAULT_TARGET = "multi-user.target"
