#!/usr/bin/env python3
"""Check that hustings-crates.inc lists exactly the crates.io crates of Cargo.lock.

Compares by content, not by text: every crate://crates.io/NAME/VERSION line and
every SRC_URI[NAME-VERSION.sha256sum] of the .inc against the crates.io packages
(name, version, checksum) of Cargo.lock. Prints each difference, naming the crate,
and exits 1 when there is any, so a Cargo.lock change without a regenerated .inc
fails `make test` instead of a Yocto build hours later (bitbake would fail in
do_compile with cargo --frozen, or fetch a crate nobody reviewed).

Usage: check-crates-inc.py [--lock Cargo.lock] [--inc hustings-crates.inc]
Exit status: 0 in sync, 1 differences (or unusable Cargo.lock), 2 usage or
unreadable .inc.
"""

import argparse
import importlib.util
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("generate_crates_inc", HERE / "generate-crates-inc.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

CRATE_LINE = re.compile(r"^\s*crate://crates\.io/([^/\s]+)/([^\s;/\\]+)(;[^\s\\]*)?\s*\\?\s*$")
SUM_LINE = re.compile(r'^SRC_URI\[([^\]]+)\.sha256sum\]\s*=\s*"([0-9a-f]{64})"\s*$')


def read_inc(path):
    """({(name, version)}, {"name-version": sha256}, [problems]) of a -crates.inc."""
    crates, sums, problems = {}, {}, []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if "crate://" in line:
            m = CRATE_LINE.match(line)
            if not m:
                problems.append(f"{path.name}:{lineno}: unreadable crate line: {line.strip()}")
                continue
            key = (m.group(1), m.group(2))
            if key in crates:
                problems.append(f"{path.name}:{lineno}: {key[0]} {key[1]} listed twice")
            crates[key] = lineno
        elif line.startswith("SRC_URI["):
            m = SUM_LINE.match(line)
            if not m:
                problems.append(f"{path.name}:{lineno}: unreadable checksum line: {line.strip()}")
                continue
            if m.group(1) in sums:
                problems.append(f"{path.name}:{lineno}: checksum of {m.group(1)} given twice")
            sums[m.group(1)] = m.group(2)
    return crates, sums, problems


def compare(lock_crates, inc_crates, inc_sums):
    """Human-readable differences, one per crate, sorted by crate name."""
    diffs = []
    lock_keys = {(n, v) for n, v, _ in lock_crates}
    lock_versions, inc_versions = {}, {}
    for n, v in lock_keys:
        lock_versions.setdefault(n, set()).add(v)
    for n, v in inc_crates:
        inc_versions.setdefault(n, set()).add(v)

    for name in sorted(set(lock_versions) | set(inc_versions)):
        in_lock = lock_versions.get(name, set())
        in_inc = inc_versions.get(name, set())
        missing, extra = sorted(in_lock - in_inc), sorted(in_inc - in_lock)
        if missing and extra and len(missing) == len(extra) == 1:
            diffs.append(f"{name}: Cargo.lock has {missing[0]}, the .inc has {extra[0]}")
            continue
        for v in missing:
            diffs.append(f"{name} {v}: in Cargo.lock, missing from the .inc")
        for v in extra:
            diffs.append(f"{name} {v}: in the .inc, not in Cargo.lock")

    for n, v, checksum in sorted(lock_crates):
        key = f"{n}-{v}"
        if (n, v) not in inc_crates:
            continue
        if checksum is None:
            continue
        if key not in inc_sums:
            diffs.append(f"{n} {v}: no SRC_URI[{key}.sha256sum] in the .inc")
        elif inc_sums[key] != checksum:
            diffs.append(f"{n} {v}: checksum {inc_sums[key]} in the .inc, {checksum} in Cargo.lock")
    listed = {f"{n}-{v}" for n, v in inc_crates}
    for key in sorted(set(inc_sums) - listed):
        diffs.append(f"{key}: checksum in the .inc for a crate it does not list")
    return diffs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lock", type=Path, default=gen.DEFAULT_LOCK)
    ap.add_argument("--inc", type=Path, default=gen.DEFAULT_OUTPUT)
    args = ap.parse_args(argv)
    try:
        lock_crates = gen.crates_io_packages(args.lock)
    except gen.LockError as e:
        print(f"check-crates-inc: {e}", file=sys.stderr)
        return 1
    try:
        inc_crates, inc_sums, problems = read_inc(args.inc)
    except OSError as e:
        print(f"check-crates-inc: {args.inc}: cannot read: {e.strerror}", file=sys.stderr)
        return 2
    diffs = problems + compare(lock_crates, inc_crates, inc_sums)
    if diffs:
        print(f"check-crates-inc: {args.inc} does not match {args.lock}:", file=sys.stderr)
        for d in diffs:
            print(f"  {d}", file=sys.stderr)
        print("Regenerate it: python3 yocto-layer/scripts/generate-crates-inc.py", file=sys.stderr)
        return 1
    print(f"check-crates-inc: {len(inc_crates)} crates, in sync with {args.lock.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
