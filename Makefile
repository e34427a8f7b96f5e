# Hustings: two commands do all the set-up on a fresh Debian 12 machine (as root):
#   make demo   build and run the demo (a window with a display, else the headless tour into ./demo-out/)
#   make test   build and run the tests
# Both install the Debian packages they need first (idempotently).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Keep the cargo target directory outside the checkout so clean clones (CI) reuse
# an earlier build: a from-scratch release build takes about 8 minutes here.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/hustings-target
CARGO ?= cargo
RELEASE_BIN := $(CARGO_TARGET_DIR)/release/hustings
DEMO_OUT ?= demo-out
DEMO_STATE ?= $(HOME)/.cache/hustings-demo-state

# Build: GStreamer development files (gstreamer-rs), fontconfig/xkbcommon/udev
# (Slint), pkg-config. Run: GStreamer plugins (tsdemux, hlsdemux2, x264enc,
# avdec_h264, hlssink2, ...; textoverlay and clockoverlay come with gstreamer1.0-x), fonts, iproute2/util-linux (the tests' private
# network namespaces), xvfb and xdotool (to run the windowed app without a monitor and
# press its keys), python3-venv
# (oelint-adv for the Yocto layer check) and systemd (systemd-analyze verify);
# meson, ninja, libxml2/libssl headers, curl and xz build the fixed hlsdemux2 (gst-fixes).
DEBIAN_PACKAGES := \
	pkg-config build-essential \
	libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev libgstrtspserver-1.0-dev \
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
	gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-x \
	libfontconfig1-dev libxkbcommon-dev libudev-dev \
	fonts-dejavu-core iproute2 util-linux nftables xvfb xauth xdotool libxml2-utils \
	python3 python3-venv systemd \
	meson ninja-build libxml2-dev libssl-dev curl xz-utils

.PHONY: help deps build release demo test bench soak clean gst-fixes yocto-check box-check vm-setup conformance \
	fuzz fuzz-build fuzz-smoke fuzz-deps

help:
	@echo "make demo   build and run the demo (headless tour into ./$(DEMO_OUT)/ when there is no display)"
	@echo "make test   build and run the tests"
	@echo "make bench  release-build figures: zaps against mpv and gst-play, guide import and queries, UI"
	@echo "make fuzz   each parser's fuzz target for FUZZ_SECONDS (60); make fuzz-smoke: build all, run each briefly"
	@echo "make gst-fixes  build the two GStreamer plugins with fixes (make build/release/test do it)"
	@echo "make soak   release-build soak: 5,000 zaps and 100 guide refreshes in one app process (about 25 minutes)"

# The peers `make bench` compares against.
BENCH_PACKAGES := mpv gstreamer1.0-plugins-base-apps

deps:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES) $(EXTRA_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup, Rust >= 1.95)"; exit 1; }

# GStreamer 1.22's hlsdemux2 leaks on every quick zap away from HLS; this builds the
# fixed plugin (the Yocto layer's patch) from Debian's source into
# /usr/local/lib/hustings/gstreamer-1.0, which the player prefers (src/player/plugins.rs).
gst-fixes: deps
	@SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	$$SUDO env HOME="$$HOME" bash platform/gstreamer/build-fixed-plugins.sh

build: deps gst-fixes
	$(CARGO) build --locked

release: deps gst-fixes
	$(CARGO) build --locked --release

demo: release
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(RELEASE_BIN) --state "$(DEMO_STATE)" demo; \
	else \
		rm -rf "$(DEMO_OUT)"; \
		$(RELEASE_BIN) --state "$(DEMO_STATE)" demo --headless "$(DEMO_OUT)" && \
		echo "Screenshots of the tour are in ./$(DEMO_OUT)/"; \
	fi

test: deps gst-fixes yocto-check box-check vm-setup
	$(CARGO) test --locked

# The box build (`cargo build --no-default-features`, what the Yocto recipe builds) carries no
# demo headend and no window system: none of these crates may be in its dependency tree.
# Only `cargo tree` (about a second, no build); the default tree must have them, so the
# check cannot pass by reading nothing.
BOX_FORBIDDEN := axum gstreamer-rtsp-server rand_pcg \
	i-slint-backend-winit winit x11rb x11-dl wayland-client wayland-sys \
	i-slint-renderer-femtovg glutin accesskit ksni
box-check:
	@box="$$($(CARGO) tree --locked --no-default-features -e normal --prefix none)" && \
	full="$$($(CARGO) tree --locked -e normal --prefix none)" && \
	for c in axum gstreamer-rtsp-server winit; do \
		grep -q "^$$c v" <<<"$$full" || { echo "box-check: the default build has no $$c; update BOX_FORBIDDEN"; exit 1; }; \
	done && \
	bad="" && for c in $(BOX_FORBIDDEN); do grep -q "^$$c v" <<<"$$box" && bad="$$bad $$c"; done; \
	if [ -n "$$bad" ]; then echo "box-check: the box build (--no-default-features) depends on:$$bad"; exit 1; fi; \
	echo "box-check: the box build has no demo headend and no window system ($$(awk '{print $$1, $$2}' <<<"$$box" | sort -u | wc -l) crates, default $$(awk '{print $$1, $$2}' <<<"$$full" | sort -u | wc -l))"

# The Yocto layer: oelint-adv (from PyPI, into a venv) on its recipes, its
# crate list against Cargo.lock, the licence checksum, the systemd unit.
yocto-check: deps
	bash yocto-layer/scripts/check-layer.sh

# The VM for tests that need kernel devices (vkms, uinput, vivid CEC): qemu etc.,
# a Debian guest kernel with vkms.ko, cached in /var/cache/hustings-vm (platform/vm/README.md).
# Other projects' real playlists and guides, in the folder HUSTINGS_TESTDATA names:
# the parsers against the world. Not part of `make test` (a clone alone has no such
# folder); .ci/run runs it, with the variable set, where the shared folder exists.
conformance: deps
	@test -n "$(HUSTINGS_TESTDATA)" || { echo "make conformance: set HUSTINGS_TESTDATA to the shared test data folder" >&2; exit 2; }
	@test -d "$(HUSTINGS_TESTDATA)" || { echo "make conformance: HUSTINGS_TESTDATA=$(HUSTINGS_TESTDATA) is not a folder" >&2; exit 2; }
	HUSTINGS_TESTDATA="$(abspath $(HUSTINGS_TESTDATA))" $(CARGO) test --locked -- --ignored

vm-setup:
	bash platform/vm/hustings-vm setup

bench: EXTRA_PACKAGES = $(BENCH_PACKAGES)
bench: release
	$(RELEASE_BIN) bench zap
	$(RELEASE_BIN) bench guide
	$(RELEASE_BIN) bench guide --scale 4
	$(RELEASE_BIN) bench ui
	$(RELEASE_BIN) bench seek

# Fuzzing (fuzz/, docs/fuzzing.md): cargo-fuzz targets for every parser of untrusted input.
# No sanitizer by default: the parsers are safe Rust, so AddressSanitizer would find nothing
# that the panics, overflow checks, time and memory limits already catch, at half the speed;
# and on stable Rust it needs RUSTC_BOOTSTRAP=1 (-Zsanitizer), set here when asked for:
# `make fuzz FUZZ_SANITIZER=address` (its own target directory: other RUSTFLAGS).
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_RUNS ?= 10000
FUZZ_SANITIZER ?= none
FUZZ_TARGETS ?=
FUZZ_TARGET_DIR ?= $(HOME)/.cache/hustings-fuzz$(if $(filter none,$(FUZZ_SANITIZER)),,-$(FUZZ_SANITIZER))
FUZZ_BIN := $(FUZZ_TARGET_DIR)/x86_64-unknown-linux-gnu/release
FUZZ_ENV := CARGO_TARGET_DIR=$(FUZZ_TARGET_DIR) $(if $(filter none,$(FUZZ_SANITIZER)),,RUSTC_BOOTSTRAP=1)
# Fuzzing shares the machine: lowest priority unless FUZZ_NICE= is given.
FUZZ_NICE ?= nice -n 19

fuzz-deps: deps
	@$(CARGO) fuzz --version 2>/dev/null | grep -q "$(CARGO_FUZZ_VERSION)" || \
		$(CARGO) install --locked cargo-fuzz --version $(CARGO_FUZZ_VERSION)

fuzz-build: fuzz-deps
	$(FUZZ_ENV) $(FUZZ_NICE) $(CARGO) fuzz build --sanitizer $(FUZZ_SANITIZER)

fuzz: fuzz-build
	$(FUZZ_NICE) bash fuzz/run.sh "$(FUZZ_BIN)" seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# CI: every target still builds and survives its seeds plus 10,000 inputs.
fuzz-smoke: fuzz-build
	$(FUZZ_NICE) bash fuzz/run.sh "$(FUZZ_BIN)" smoke $(FUZZ_SMOKE_RUNS) $(FUZZ_TARGETS)

# A box's months in one app process (`hustings bench soak`, README "Soak"):
# memory, descriptors, threads, GStreamer elements and the WAL from warm-up to
# the end. About an hour on this machine, so not part of `make test` (whose
# smoke test runs `bench soak --quick`).
soak: release
	HUSTINGS_LOG=warn nice $(RELEASE_BIN) bench soak

clean:
	rm -rf "$(DEMO_OUT)"
