#!/bin/bash
# `hustings bench display` where the paths can be compared:
#   platform/vm/bench-display.sh vm   [SECONDS] [ZAPS]   video plane vs composited, on vkms in the project's VM
#   platform/vm/bench-display.sh host [SECONDS] [ZAPS]   the software (window) path on this machine
# Two 1080p25 channels (1 s GOP) are encoded here first; inside, they are replayed to
# multicast groups on loopback (a private network namespace on the host, the VM's own
# loopback there), never on another interface. Uses the release build.
set -euo pipefail
WHERE=${1:-vm}
SECS=${2:-30}
ZAPS=${3:-6}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${HUSTINGS_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/hustings-target}/release/hustings}
[ -x "$BIN" ] || { echo "bench-display: no release build at $BIN (make release)" >&2; exit 1; }
W=$(mktemp -d /tmp/hustings-bench-display.XXXXXX)
trap 'rm -rf "$W"' EXIT
enc() {
    gst-launch-1.0 -q videotestsrc pattern="$2" num-buffers=250 \
        ! video/x-raw,width=1920,height=1080,framerate=25/1 \
        ! x264enc key-int-max=25 tune=zerolatency speed-preset=ultrafast bitrate=6000 \
        ! h264parse ! mpegtsmux ! filesink location="$W/$1.ts"
}
enc ch1 smpte
enc ch2 ball
cat >"$W/lineup.m3u" <<M3U
#EXTM3U
#EXTINF:-1 tvg-chno="1",Civic One
udp://@239.255.42.1:5004
#EXTINF:-1 tvg-chno="2",Council Live
udp://@239.255.42.2:5006
M3U
cat >"$W/config.toml" <<TOML
state_dir = "/run/hustings-bench-state"
multicast_interface = "lo"
[feeds]
lineup = ["$W/lineup.m3u"]
[trust.lineup]
policy = "off"
[player]
join_timeout_ms = 30000
no_picture_timeout_ms = 120000
stall_timeout_ms = 20000
TOML
cat >"$W/inner.sh" <<INNER
set -e
ip link set lo up
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
mkdir -p /run/hustings-bench-state
for ch in 1 2; do
    gst-launch-1.0 -q multifilesrc location="$W/ch\$ch.ts" loop=true ! tsparse set-timestamps=true alignment=7 \\
        ! udpsink host=239.255.42.\$ch port=\$((5002 + 2 * ch)) multicast-iface=lo ttl-mc=0 auto-multicast=true sync=true &
done
HUSTINGS_LOG=warn "$BIN" --config "$W/config.toml" bench display --seconds $SECS --zaps $ZAPS
kill \$(jobs -p)
INNER
case $WHERE in
    vm) bash "$HERE/hustings-vm" run --overlay --writeback --mem 3G --out "$W" --timeout 1800 -- bash "$W/inner.sh" ;;
    host) unshare -n bash "$W/inner.sh" ;;
    *) echo "usage: $0 vm|host [SECONDS] [ZAPS]" >&2; exit 2 ;;
esac
