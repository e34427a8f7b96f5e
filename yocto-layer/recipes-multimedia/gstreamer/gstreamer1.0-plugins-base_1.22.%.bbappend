# urisourcebin in 1.22.11 and 1.22.12 (scarthgap) carries half of upstream's
# fix for a deadlock between a stop and a stream that is starting: it checks
# for the shutdown under its own lock, then takes the state lock, which a
# state change takes the other way round. A set-top box stopping a multicast
# channel as its first packets arrive hangs (the Debian build, with the same
# half, hung at 33 zaps of `hustings bench soak`). This is the other half,
# from 1.24.0; 1.24 and later need nothing.
# Only for DISTRO = "hustings", like the layer's other appends.
FILESEXTRAPATHS:prepend:hustings := "${THISDIR}/${PN}:"

SRC_URI:append:hustings = " \
    file://0001-urisourcebin-Use-atomic-lock-for-detecting-shutdown.patch \
"
