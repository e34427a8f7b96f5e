#!/bin/bash
# Runs inside the project's VM (platform/vm/hustings-vm): the box as systemd
# starts it, on vkms, with a virtual remote (uinput) and the TV on vivid's
# CEC bus. Driven by tests/kms_vm.rs, which prepared WORKDIR (the channels as
# pre-encoded TS files, lineup, configuration) and checks what is left there.
#
#   box.sh WORKDIR plane|composited|import
#
# Steps (each waits for the app, bounded): first picture (READY=1), capture;
# plane: a remote key zaps, capture; the TV's key zaps back, capture; the TV
# goes to standby, capture; then the main loop is hung on purpose and the
# watchdog pings must stop. composited: first picture, capture, and the zap.
# import: the channel is vivid's video capture (a capture card as a channel,
# v4l2://): v4l2src hands out DMA-BUFs exported by the kernel's vb2, as a
# hardware decoder's v4l2 driver does; first picture, capture, and the
# framebuffers' debugfs listing.
set -u
W=$1
MODE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${HUSTINGS_BIN:?}
# SQLite wants a real filesystem: the guest's tmpfs, not the 9p share.
STATE=/run/hustings-state
log() { echo "box.sh: $*" >&2; }

# wait_for FILE PATTERN COUNT SECONDS: until FILE has COUNT lines matching PATTERN.
wait_for() {
    local file=$1 pattern=$2 count=$3 limit=$4 t=0
    while [ "$(grep -c -- "$pattern" "$file" 2>/dev/null || true)" -lt "$count" ]; do
        sleep 0.5
        t=$((t + 1))
        if [ $t -gt $((limit * 2)) ]; then
            log "timed out after ${limit} s waiting for '$pattern' x$count in $file"
            return 1
        fi
    done
}

capture() { # NAME: a writeback capture by the app, kept as WORKDIR/NAME.png
    local n=$1 before
    before=$(ls "$STATE"/screenshots/*.png 2>/dev/null | wc -l)
    kill -USR1 "$APP"
    local t=0
    while [ "$(ls "$STATE"/screenshots/*.png 2>/dev/null | wc -l)" -le "$before" ]; do
        sleep 0.5
        t=$((t + 1))
        [ $t -gt 120 ] && { log "no screenshot for $n"; return 1; }
    done
    cp "$STATE/screenshots/screen-$((before + 1)).png" "$W/$n.png"
    cp /sys/kernel/debug/dri/0/state "$W/$n.state" 2>/dev/null || true
    log "captured $n"
}

finish() {
    kill "$APP" 2>/dev/null
    sleep 1
    kill -9 "$APP" 2>/dev/null
    kill $(jobs -p) 2>/dev/null
    wait 2>/dev/null
}

mkdir -p "$STATE"
# Multicast on the guest's loopback only (the VM has no other network).
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
if [ "$MODE" = import ]; then
    # One HDMI input at the screen's size (VESA's 1024x768@60: vivid takes
    # only standard timings), its format DRM's XRGB8888 (V4L2's XR24).
    modprobe vivid n_devs=1 node_types=0x1 num_inputs=1 input_types=0x3 >"$W/vivid.log" 2>&1
    v4l2-ctl -d /dev/video0 --set-dv-bt-timings width=1024,height=768,interlaced=0,polarities=0,pixelclock=65000000,hfp=24,hs=136,hbp=160,vfp=3,vs=6,vbp=29 >>"$W/vivid.log" 2>&1
    v4l2-ctl -d /dev/video0 --set-fmt-video width=1024,height=768,pixelformat=XR24 >>"$W/vivid.log" 2>&1
    # Plain 75% colour bars: no counters or text drawn over them.
    v4l2-ctl -d /dev/video0 -c test_pattern=0 -c osd_text_mode=2 >>"$W/vivid.log" 2>&1
fi
# The channels, replayed at their own pace (no encoding in the guest).
[ "$MODE" = import ] || for ch in 1 2; do
    gst-launch-1.0 -q multifilesrc location="$W/ch$ch.ts" loop=true ! tsparse set-timestamps=true alignment=7 \
        ! udpsink host=239.255.42.$ch port=$((5002 + 2 * ch)) multicast-iface=lo ttl-mc=0 \
        auto-multicast=true sync=true 2>>"$W/senders.log" &
done
python3 "$HERE/notify_listen.py" /run/hustings-notify "$W/notify.log" &

if [ "$MODE" = plane ]; then
    cec-ctl -d /dev/cec0 --tv >"$W/cec-setup.log" 2>&1
    cec-ctl -d /dev/cec0 --monitor >"$W/cec-tv.log" 2>&1 &
    python3 "$HERE/uinput_remote.py" "$W/remote.cmd" >"$W/remote.log" 2>&1 &
    wait_for "$W/remote.log" "ready" 1 60 || { finish; exit 1; }
fi

# As systemd starts the unit: no DISPLAY, NOTIFY_SOCKET and WATCHDOG_USEC set.
unset DISPLAY WAYLAND_DISPLAY
NOTIFY_SOCKET=/run/hustings-notify WATCHDOG_USEC=2000000 \
    HUSTINGS_FAULT_HANG_FILE="$W/hang" HUSTINGS_LOG=${HUSTINGS_LOG:-hustings=info,warn} \
    "$BIN" --config "$W/config.toml" >"$W/app.out" 2>"$W/app.err" &
APP=$!

# What the app's threads wait on, every 10 s, kept for the evidence when a
# step hangs: a stuck ioctl shows in the kernel stacks, a busy loop does not.
( while sleep 10; do
    { date +%s; for t in /proc/$APP/task/*; do
          printf '%s %s %s\n' "${t##*/}" "$(cat $t/comm)" "$(cat $t/wchan 2>/dev/null)"
          sed 's/^/    /' $t/stack 2>/dev/null
      done; dmesg | tail -n 15; } >/run/threads.log 2>&1
    cp /run/threads.log "$W/threads.log"
done ) &

status=0
step() { "$@" || { status=1; finish; exit 1; }; }

step wait_for "$W/app.err" "zap {" 1 240
step wait_for "$W/notify.log" "READY=1" 1 30
if [ "$MODE" = plane ]; then
    # OK opens the channel list over the picture (it stays until Back).
    echo KEY_OK >>"$W/remote.cmd"
    step wait_for "$W/remote.log" "pressed KEY_OK" 1 30
    sleep 3
fi
step capture first
if [ "$MODE" = import ]; then
    cp /sys/kernel/debug/dri/0/framebuffer "$W/first.fbs" 2>/dev/null
    finish
    exit $status
fi
if [ "$MODE" = plane ]; then
    echo KEY_BACK >>"$W/remote.cmd"
    echo KEY_CHANNELUP >>"$W/remote.cmd"
    step wait_for "$W/app.err" "zap {" 2 180
    sleep 2
    step capture remote
    cec-ctl -d /dev/cec0 -t 4 --user-control-pressed ui-cmd=channel-down >>"$W/cec-setup.log" 2>&1
    cec-ctl -d /dev/cec0 -t 4 --user-control-released >>"$W/cec-setup.log" 2>&1
    step wait_for "$W/app.err" "zap {" 3 180
    sleep 2
    step capture cec
    cec-ctl -d /dev/cec0 -t 4 --standby >>"$W/cec-setup.log" 2>&1
    step wait_for "$W/app.err" "TV went to standby" 1 60
    sleep 3
    step capture standby
    # The watchdog: pings while the loop runs, none once it hangs.
    touch "$W/hang"
    step wait_for "$W/app.err" "main loop hangs now" 1 30
    # Marked on the listener's clock (CLOCK_MONOTONIC).
    python3 -c 'import time; print(f"{time.monotonic():.3f} HUNG")' >>"$W/notify.log"
    sleep 8
else
    # The scripted runner on the box path: its shots are writeback captures.
    kill "$APP"
    wait "$APP" 2>/dev/null
    printf 'shot live\nOk\nwait 1500\nshot list\n' >"$W/tour.txt"
    HUSTINGS_LOG=hustings=info,warn "$BIN" --config "$W/config.toml" script "$W/tour.txt" \
        --out "$W/tour" >"$W/tour.out" 2>"$W/tour.err" || { log "the script failed"; status=1; }
fi
finish
exit $status
