#!/usr/bin/env bash
# Runs built fuzz targets and prints one summary line per target (make fuzz,
# make fuzz-smoke; docs/fuzzing.md). Usage:
#   fuzz/run.sh BIN_DIR seconds N [TARGET...]   each target for N seconds
#   fuzz/run.sh BIN_DIR smoke N [TARGET...]      each target over its seeds, then N inputs
# Targets default to every fuzz/fuzz_targets/*.rs. Each run starts from the
# committed seeds (fuzz/corpus/<target>, never written to) and the working
# corpus this machine has grown ($FUZZ_WORK/<target>, outside the tree; the
# smoke run uses a throwaway one). A crash, hang or OOM leaves its input in
# fuzz/artifacts/<target>/ and makes the script exit non-zero after all
# targets have run.
set -uo pipefail
cd "$(dirname "$0")"

bin_dir=$1 mode=$2 amount=$3
shift 3
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in fuzz_targets/*.rs; do targets+=("$(basename "$f" .rs)"); done
fi
work_root=${FUZZ_WORK:-$HOME/.cache/hustings-fuzz-corpus}
# A parser that takes more than 10 s on one input hangs the box's feed worker;
# a box has 1-2 GB of memory, so an input of a few KB must never need 1 GB.
limits=(-timeout=10 -rss_limit_mb=1024 -print_final_stats=1)

summary=()
failed=0
start_all=$(date +%s)
# The commit the run starts on (the binaries are built from it by make fuzz);
# read now, as the tree may move on while a long run goes.
commit=$(git rev-parse --short HEAD 2>/dev/null)
for t in "${targets[@]}"; do
    exe="$bin_dir/$t"
    if [ ! -x "$exe" ]; then
        summary+=("$(printf '%-18s %s' "$t" "NOT BUILT ($exe)")")
        failed=1
        continue
    fi
    seeds="corpus/$t"
    mkdir -p "$seeds" "artifacts/$t"
    if [ "$mode" = smoke ]; then
        work=$(mktemp -d)
        run=(-runs="$amount" -seed=1)
    else
        work="$work_root/$t"
        mkdir -p "$work"
        run=(-max_total_time="$amount")
    fi
    log=$(mktemp)
    t0=$(date +%s)
    "$exe" "$work" "$seeds" "${limits[@]}" "${run[@]}" \
        -artifact_prefix="artifacts/$t/" >"$log" 2>&1
    status=$?
    secs=$(($(date +%s) - t0))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
    if [ "$status" = 0 ]; then
        result=ok
    else
        failed=1
        artifact=$(grep -Eo "artifacts/$t/[a-z-]+-[0-9a-f]+" "$log" | tail -1)
        kind=$(grep -Eo 'ERROR: libFuzzer: [a-z-]+|panicked at [^ ]+' "$log" | head -1)
        result="FAILED (${kind:-exit $status}) ${artifact:-see log}"
        cp "$log" "artifacts/$t/last-failure.log"
    fi
    line=$(printf '%-18s %4ss %10s runs %7s/s  %-32s %s' "$t" "$secs" "${execs:-?}" "${speed:-?}" "${cov:-}" "$result")
    echo "$line"
    summary+=("$line")
    rm -f "$log"
    [ "$mode" = smoke ] && rm -rf "$work"
done
echo
echo "fuzz summary ($mode $amount, $(($(date +%s) - start_all)) s wall, $commit):"
printf '%s\n' "${summary[@]}"
exit $failed
