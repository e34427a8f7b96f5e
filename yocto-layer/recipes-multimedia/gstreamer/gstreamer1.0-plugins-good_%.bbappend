# adaptivedemux2 (hlsdemux2, dashdemux2) leaks a libsoup session, its
# connections and two main contexts each time it is stopped with a download in
# flight: about 1.4 descriptors and 75 KB per zap away from an HLS channel
# within a second of tuning it. A box zaps for months, so the image carries the
# fix. The patch applies without fuzz to 1.22.12 (scarthgap) and 1.24.x
# (styhead, walnascar); its cancellable part is upstream from 1.26.3.
# 0003 ends a hang of a stop that comes right after a start (upstream too, to
# 1.26.11); tests/playback.rs starts and stops hlsdemux2 500 times in a row.
# The same patch builds the Debian plugin (platform/gstreamer/build-fixed-plugins.sh),
# and tests/hls_teardown.rs proves it there.
# Only for DISTRO = "hustings", like the layer's other appends.
FILESEXTRAPATHS:prepend:hustings := "${THISDIR}/${PN}:"

SRC_URI:append:hustings = " \
    file://0001-adaptivedemux2-release-everything-a-stopped-download-held.patch \
    file://0002-adaptivedemux2-a-blocking-fetch-cut-short-by-a-stop-is-an-error.patch \
    file://0003-adaptivedemux2-a-loop-stopped-before-its-thread-ran-is-joined.patch \
"

# `hustings doctor` and the player's log say a build is the fixed one by this name.
EXTRA_OEMESON:append:hustings = " -Dpackage-name='GStreamer Good Plug-ins (Hustings fixes)'"
