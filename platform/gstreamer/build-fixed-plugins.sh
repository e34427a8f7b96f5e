#!/usr/bin/env bash
# Builds the GStreamer 1.22.0 plugins Hustings carries fixes for, on Debian 12,
# into a directory the player prefers to the stock plugins (src/player/plugins.rs):
#   adaptivedemux2 (hlsdemux2, dashdemux2), gst-plugins-good: a quick zap away
#     from HLS leaked a libsoup session, its connections and two main
#     contexts. The box image is built with 0001 of
#     yocto-layer/recipes-multimedia/gstreamer/gstreamer1.0-plugins-good/ and
#     that folder's 0002 for 1.22.12 and 1.24, and 0003 (a stop right after
#     a start hung); here 0001, the 1.22.0 form of 0002 in
#     platform/gstreamer/patches/gst-plugins-good/, and 0003. That folder's
#     0004 is ours too: a request cancelled while still queued was sent
#     anyway and called back into a stream that could be freed (a rare
#     SIGSEGV in the soak); 1.22.10 fixed it upstream, so the image's
#     1.22.12 does not need it;
#   playback (playbin3, playsink), gst-plugins-base, with the upstream
#     backports in platform/gstreamer/patches/gst-plugins-base/: each
#     playbin3 left its soft-volume element behind (fixed in 1.22.3), and
#     urisourcebin took its state lock from a streaming thread, which
#     deadlocked a zap's stop against a stream starting (the soak hung at
#     about 1,000 zaps). Upstream's fix is two commits: 1.22.11 took the
#     first alone, which deadlocks the other way round (the soak hung at 33
#     zaps), and 1.24.0 both, which still left a window (the soak hung at
#     about 1,250 zaps); 0004 is ours and closes it. The image on 1.22.12
#     carries the second commit and 0004
#     (yocto-layer/recipes-multimedia/gstreamer/gstreamer1.0-plugins-base/).
#     0005 is upstream's fix (1.22.10) for decodebin3 leaving an identity
#     element behind at every start (the image's 1.22.12 has it): the soak
#     that first hung with it in, at 2,759 zaps, hung in the urisourcebin
#     deadlock above, not in decodebin3.
# Sources: Debian's own orig tarballs of the installed version (Debian patches
# neither plugin), checked against pinned SHA-256s.
#
# Usage: build-fixed-plugins.sh [DEST]   (default /usr/local/lib/hustings/gstreamer-1.0)
# Idempotent: does nothing when DEST holds builds of these sources and patches.
# Needs meson, ninja-build, libxml2-dev, libssl-dev, curl and xz-utils (the
# Makefile installs them) besides the GStreamer development files.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${1:-/usr/local/lib/hustings/gstreamer-1.0}"
WORK="${HUSTINGS_GST_BUILD:-$HOME/.cache/hustings-gst-build}"
VERSION=1.22.0
POOL=http://deb.debian.org/debian/pool/main/g

installed="$(pkg-config --modversion gstreamer-1.0)"
if [ "$installed" != "$VERSION" ]; then
    echo "build-fixed-plugins: GStreamer $installed is installed, the pinned sources are $VERSION; nothing built" >&2
    exit 0
fi

# build MODULE SHA256 "PATCH_FILES" PLUGIN_FILE MESON_OPTIONS...
build() {
    local module="$1" sha="$2" plugin="$4"
    local -a patches
    read -r -a patches <<<"$3"
    shift 4
    local tarball="${module}1.0_${VERSION}.orig.tar.xz"
    local url="$POOL/${module}1.0/$tarball"
    local name="GStreamer $module $VERSION (Hustings fixes)"
    local stamp
    stamp="$({ echo "$sha $name $*"; cat "${patches[@]}"; } | sha256sum | cut -d' ' -f1)"
    if [ -f "$DEST/$plugin" ] && [ "$(cat "$DEST/.$plugin.stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi

    mkdir -p "$WORK"
    if ! echo "$sha  $WORK/$tarball" | sha256sum -c --status 2>/dev/null; then
        echo "build-fixed-plugins: downloading $url"
        curl -fsSL --retry 3 -o "$WORK/$tarball.part" "$url"
        echo "$sha  $WORK/$tarball.part" | sha256sum -c --status || {
            echo "build-fixed-plugins: $url does not match the pinned SHA-256" >&2
            exit 1
        }
        mv "$WORK/$tarball.part" "$WORK/$tarball"
    fi

    local src="$WORK/$module-$VERSION" out="$WORK/build-$module" stage="$WORK/stage-$module"
    rm -rf "$src" "$out" "$stage"
    tar -xf "$WORK/$tarball" -C "$WORK"
    for p in "${patches[@]}"; do
        patch -p1 --quiet --forward --fuzz=0 -d "$src" <"$p" || {
            echo "build-fixed-plugins: $p does not apply to $module $VERSION" >&2
            exit 1
        }
    done
    # Only the one plugin (and the libraries of its own tree that it needs to build).
    meson setup "$out" "$src" --buildtype=release -Dauto_features=disabled \
        -Dnls=disabled -Ddoc=disabled -Dexamples=disabled -Dtests=disabled -Dorc=disabled \
        -Dpackage-name="$name" "$@" >"$WORK/$module-meson.log" 2>&1 || {
        tail -30 "$WORK/$module-meson.log" >&2
        exit 1
    }
    # `meson install` drops the build tree's rpath: the plugin links the system's libraries.
    { ninja -C "$out" && meson install -C "$out" --no-rebuild --destdir "$stage"; } \
        >"$WORK/$module-ninja.log" 2>&1 || {
        tail -30 "$WORK/$module-ninja.log" >&2
        exit 1
    }
    local built
    built="$(find "$stage" -name "$plugin" -path '*gstreamer-1.0*' | head -1)"
    [ -n "$built" ] || { echo "build-fixed-plugins: $module built no $plugin" >&2; exit 1; }
    mkdir -p "$DEST"
    install -m 0644 "$built" "$DEST/$plugin"
    echo "$stamp" >"$DEST/.$plugin.stamp"
    echo "build-fixed-plugins: $DEST/$plugin (patched)"
}

GOOD="$REPO/yocto-layer/recipes-multimedia/gstreamer/gstreamer1.0-plugins-good"
build gst-plugins-good 582e617271e7f314d1a2211e3e3856ae2e4303c8c0d6114e9c4a5ea5719294b0 \
    "$GOOD/0001-adaptivedemux2-release-everything-a-stopped-download-held.patch $(echo "$REPO"/platform/gstreamer/patches/gst-plugins-good/*.patch) $GOOD/0003-adaptivedemux2-a-loop-stopped-before-its-thread-ran-is-joined.patch" \
    libgstadaptivedemux2.so -Dadaptivedemux2=enabled -Dhls-crypto=openssl
build gst-plugins-base f53672294f3985d56355c8b1df8f6b49c8c8721106563e19f53be3507ff2229d \
    "$(echo "$REPO"/platform/gstreamer/patches/gst-plugins-base/*.patch)" \
    libgstplayback.so -Dplayback=enabled -Dtools=disabled -Dintrospection=disabled
