# urisourcebin before 1.24.11 takes its state lock from a streaming thread
# (setting up parsebin for a source with no caps of its own, such as udpsrc),
# and a stop holds that lock while it waits for the same thread: a set-top box
# stopping a multicast channel as its first packets arrive hangs.
# tests/playback.rs stops a UDP stream 400 times around that moment (stock
# 1.22.0 hangs at the second). Upstream took the lock out in 1.24.11
# (3158c6c71f, "urisourcebin: Avoid deadlock on shutdown"); 0003 is that
# commit, which applies without fuzz to 1.24.0 to 1.24.10 (styhead's 1.24.6
# among them). From 1.24.11 on (walnascar's 1.24.12) nothing is added.
# Only for DISTRO = "hustings", like the layer's other appends.
FILESEXTRAPATHS:prepend:hustings := "${THISDIR}/${PN}:"

SRC_URI:append:hustings = " ${@'file://0003-urisourcebin-Avoid-deadlock-on-shutdown.patch' if bb.utils.vercmp_string_op(d.getVar('PV'), '1.24.11', '<') else ''}"
