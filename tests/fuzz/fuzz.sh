#!/bin/bash
# fuzz.sh: run the libFuzzer harnesses (elf, notes, cmdline).
#
#   fuzz.sh check FUZZDIR SECONDS   make check: replay every regression
#                                   case and seed once, then fuzz each
#                                   harness SECONDS from a fresh corpus,
#                                   all three at once; quiet unless one
#                                   fails
#   fuzz.sh fuzz FUZZDIR SECONDS    make fuzz: fuzz each harness SECONDS in
#                                   turn, growing FUZZDIR/corpus/NAME
#                                   across runs, and report executions
#                                   and CPU seconds
#
# FUZZDIR holds the harnesses (fuzz_NAME) and the seeds (seeds/NAME, made
# from the build's guests). Regression cases, one file per crash ever
# found, are in tests/fuzz/regress/NAME. A crash leaves its input in
# FUZZDIR/artifacts/NAME/; once the bug is fixed, that file goes into
# tests/fuzz/regress/NAME/ so that make check replays it for good.
set -eu
mode=$1 dir=$2 seconds=$3
names="elf notes cmdline"
regress_root=$(dirname "$0")/regress
failed=0

# Options every run shares: stop at the time limit, report an input that
# runs a second (a hang) as a failure, print the totals at the end.
common_opts() {
    local name=$1
    echo "-max_total_time=$seconds -timeout=10 -rss_limit_mb=2048" \
        "-print_final_stats=1 -artifact_prefix=$dir/artifacts/$name/"
    # Option names help; room for 63 devices and an 8 KiB guest line.
    if [ "$name" = cmdline ]; then
        echo "-dict=$dir/seeds/cmdline.dict -max_len=16384"
    fi
}

# The regression cases and seeds of a harness, one path a line.
inputs() {
    local name=$1
    find "$regress_root/$name" "$dir/seeds/$name" -type f \
        ! -name README 2>/dev/null | sort
}

stat_of() {
    sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

report_crash() {
    local name=$1 log=$2
    tail -n 40 "$log" >&2
    echo "fuzz_$name: FAILED; log $log; crashing input in" \
        "$dir/artifacts/$name/ (fix the bug, then copy the input to" \
        "tests/fuzz/regress/$name/)" >&2
}

check_one() {
    local name=$1 bin=$dir/fuzz_$1 log=$dir/check-$1.log
    local corpus=$dir/check-corpus/$name
    rm -rf "$corpus" && mkdir -p "$corpus" "$dir/artifacts/$name"
    local replayed
    replayed=$(inputs "$name" | wc -l)
    if [ "$replayed" -eq 0 ]; then
        echo "fuzz_$name: no seeds in $dir/seeds/$name" >&2
        return 1
    fi
    # Each file as an argument runs once, whole, however long it is.
    # shellcheck disable=SC2046
    if ! "$bin" $(inputs "$name") >"$log" 2>&1; then
        report_crash "$name" "$log"
        return 1
    fi
    # shellcheck disable=SC2046
    if ! "$bin" $(common_opts "$name") -runs=2000000 "$corpus" \
        "$dir/seeds/$name" $(find "$regress_root/$name" -maxdepth 0 \
        2>/dev/null) >>"$log" 2>&1; then
        report_crash "$name" "$log"
        return 1
    fi
    echo "ok   fuzz_$name: $replayed regression cases and seeds replayed;" \
        "$(stat_of number_of_executed_units "$log") executions in" \
        "${seconds}s, no crash"
}

fuzz_one() {
    local name=$1 bin=$dir/fuzz_$1 log=$dir/fuzz-$1.log
    local corpus=$dir/corpus/$name times
    mkdir -p "$corpus" "$dir/artifacts/$name"
    TIMEFORMAT='%U %S'
    # shellcheck disable=SC2046
    if ! times=$({ time "$bin" $(common_opts "$name") "$corpus" \
        "$dir/seeds/$name" $(find "$regress_root/$name" -maxdepth 0 \
        2>/dev/null) >"$log" 2>&1; } 2>&1); then
        report_crash "$name" "$log"
        return 1
    fi
    local cpu
    cpu=$(echo "$times" | awk '{ printf "%.1f", $1 + $2 }')
    echo "fuzz_$name: $(stat_of number_of_executed_units "$log") executions," \
        "$cpu CPU-seconds, $(stat_of peak_rss_mb "$log") MB peak," \
        "corpus $(find "$corpus" -type f | wc -l) inputs, no crash"
}

case $mode in
check)
    pids=
    for name in $names; do
        check_one "$name" &
        pids="$pids $!"
    done
    for pid in $pids; do
        wait "$pid" || failed=1
    done
    ;;
fuzz)
    for name in $names; do
        fuzz_one "$name" || failed=1
    done
    ;;
*)
    echo "usage: fuzz.sh check|fuzz FUZZDIR SECONDS" >&2
    exit 2
    ;;
esac
exit $failed
