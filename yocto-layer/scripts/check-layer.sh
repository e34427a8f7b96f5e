#!/usr/bin/env bash
# Checks of the meta-hustings layer that run without a Yocto build:
#   1. oelint-adv (PyPI) on every recipe, bbappend and .inc of the layer;
#   2. hustings-crates.inc lists exactly the crates.io crates of Cargo.lock;
#   3. the recipe's LIC_FILES_CHKSUM still matches the source tree;
#   4. systemd-analyze verify on hustings.service (skipped when systemd-analyze
#      is missing), with the binary path pointed at a stub.
# Installs oelint-adv into $HUSTINGS_VENV (default /root/.cache/hustings-venv) on
# first use; needs python3 >= 3.11 (tomllib) with the venv module.
set -euo pipefail

LAYER="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$LAYER/.." && pwd)"
VENV="${HUSTINGS_VENV:-$HOME/.cache/hustings-venv}"
# Pinned so that a new oelint-adv rule cannot turn `make test` red on its own.
OELINT_VERSION="${OELINT_VERSION:-9.11.2}"
PYTHON="${PYTHON:-python3}"

step() { printf '== %s\n' "$*"; }

# --- 1. oelint-adv ------------------------------------------------------------
if [ ! -x "$VENV/bin/oelint-adv" ] || [ "$("$VENV/bin/oelint-adv" --version 2>/dev/null | awk '{print $NF}')" != "$OELINT_VERSION" ]; then
    step "installing oelint-adv $OELINT_VERSION into $VENV"
    [ -x "$VENV/bin/pip" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "oelint-adv==$OELINT_VERSION"
fi
step "oelint-adv $("$VENV/bin/oelint-adv" --version | awk '{print $NF}')"
mapfile -t recipes < <(cd "$LAYER" && find . \( -name '*.bb' -o -name '*.bbappend' \) -not -path './scripts/*' | sort)
# --release: lint against the newest release the layer claims (the rules differ
# per release: variable renames, UNPACKDIR, ...).
# Errors and warnings fail the check; info-level findings (indentation style
# advice) are not shown.
(cd "$LAYER" && "$VENV/bin/oelint-adv" --quiet --hide info --release walnascar "${recipes[@]}")

# --- 2. crates ------------------------------------------------------------------
step "hustings-crates.inc against Cargo.lock"
"$PYTHON" "$LAYER/scripts/check-crates-inc.py" --lock "$REPO/Cargo.lock"

# --- 3. licence checksum ---------------------------------------------------------
step "LIC_FILES_CHKSUM against the source tree"
"$PYTHON" - "$LAYER/recipes-multimedia/hustings/hustings_git.bb" "$REPO" <<'PY'
import hashlib, re, sys
from pathlib import Path
recipe, repo = Path(sys.argv[1]), Path(sys.argv[2])
text = recipe.read_text()
m = re.search(r'^LIC_FILES_CHKSUM = "([^"]+)"', text, re.M)
bad = 0
for uri in m.group(1).split():
    path, *params = uri.removeprefix("file://").split(";")
    p = dict(x.split("=", 1) for x in params)
    begin, end = int(p.get("beginline", 1)), int(p.get("endline", 0))
    # As bitbake's license QA does: md5 over the raw lines begin..end (inclusive).
    md5 = hashlib.md5()
    with open(repo / path, "rb") as f:
        for n, line in enumerate(f, 1):
            if n >= begin and (not end or n <= end):
                md5.update(line)
    if md5.hexdigest() != p["md5"]:
        print(f"{recipe.name}: {uri}: md5 of the source is {md5.hexdigest()}", file=sys.stderr)
        bad = 1
sys.exit(bad)
PY

# --- 4. the systemd unit ---------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
    step "systemd-analyze verify hustings.service"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    printf '#!/bin/sh\nexit 0\n' >"$tmp/hustings"
    chmod +x "$tmp/hustings"
    sed "s#/usr/bin/hustings#$tmp/hustings#" "$REPO/platform/systemd/hustings.service" >"$tmp/hustings.service"
    # verify exits 0 on unknown keys and bad values; any message is a failure.
    out="$(systemd-analyze verify "$tmp/hustings.service" 2>&1 || true)"
    if [ -n "$out" ]; then
        printf '%s\n' "$out" >&2
        exit 1
    fi
else
    step "systemd-analyze not installed: hustings.service not verified"
fi
step "meta-hustings: all checks passed"
