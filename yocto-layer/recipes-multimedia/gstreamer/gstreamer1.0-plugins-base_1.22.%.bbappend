# urisourcebin in 1.22.11 and 1.22.12 (scarthgap) carries half of upstream's
# fix for a deadlock between a stop and a stream that is starting: it checks
# for the shutdown under its own lock, then takes the state lock, which a
# state change takes the other way round. A set-top box stopping a multicast
# channel as its first packets arrive hangs (the Debian build, with the same
# half, hung at 33 zaps of `hustings bench soak`). 0001 is the other half,
# from 1.24.0. With both, a stop that takes the state lock just after the
# streaming thread's check still deadlocked (the soak hung at about 1,250
# zaps): 0002 takes the lock with a trylock that gives up once a stop began.
# 1.24 before 1.24.11 has the same code as 1.22.12 with 0001; upstream then
# took the state lock out altogether (3158c6c71f), which the 1.24 append
# carries (gstreamer1.0-plugins-base_1.24.%.bbappend).
# Only for DISTRO = "hustings", like the layer's other appends.
FILESEXTRAPATHS:prepend:hustings := "${THISDIR}/${PN}:"

SRC_URI:append:hustings = " \
    file://0001-urisourcebin-Use-atomic-lock-for-detecting-shutdown.patch \
    file://0002-urisourcebin-a-stop-never-waits-for-a-slot-that-waits-for-it.patch \
"
