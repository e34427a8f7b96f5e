# Raspberry Pi (meta-raspberrypi) config.txt for a Hustings box; applied only
# when meta-raspberrypi is in bblayers.conf (BBFILES_DYNAMIC in
# conf/layer.conf) and only for DISTRO = "hustings" (conf/distro/hustings.conf),
# so adding the layer changes no other build.
#
# rpi-config writes "dtoverlay=${VC4DTBO}" only when MACHINE_FEATURES has
# "vc4graphics" (the default of the meta-raspberrypi machines; keep it).

# Full KMS: the display is driven by the kernel's vc4 DRM driver, which the app
# needs for its video and UI planes (kmssink + Slint's linuxkms backend) and which
# brings the kernel's HDMI-CEC adapter (/dev/cec0, vc4-hdmi) with it. The CMA pool
# holds the decoded frames and the scan-out buffers: 512 MiB covers a 4K HEVC
# stream (Pi 4/5) with the UI plane above it.
VC4DTBO:hustings = "vc4-kms-v3d,cma-512"

# With full KMS the buffers come from CMA, so the firmware's own share can stay small.
# nooelint: oelint.vars.mispell.unknown - meta-raspberrypi's rpi-config variable
GPU_MEM:hustings = "128"

# Boot straight to the app: no rainbow splash.
# nooelint: oelint.vars.mispell.unknown - meta-raspberrypi's rpi-config variable
DISABLE_SPLASH:hustings = "1"

# HDMI-CEC belongs to the kernel (and so to the app): the firmware must not claim
# a logical address or switch the TV to this input at power-on before the app
# is ready; the app reports itself as active source once it plays.
# nooelint: oelint.vars.mispell.unknown - meta-raspberrypi's rpi-config variable
RPI_EXTRA_CONFIG:append:hustings = " \n# Hustings: CEC is driven by the kernel and the app\nhdmi_ignore_cec_init=1\n"
