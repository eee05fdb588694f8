#!/bin/sh
# afl_test.sh: AFL++'s own tools against solo5-spt --x-fuzz, with the
# guest x.c built by solo5-spt-cc --fuzz (gcc's trace-pc) and --fuzz=clang
# (clang's trace-pc-guard).
#
# - afl-showmap: the edges a guest counts reach AFL++'s map. Inputs that
#   take other paths give other maps, the same input the same map, and
#   the input that faults is reported as a crash.
# - The smoke run: afl-fuzz, from a seed one bit away from the bug, stops
#   at the first crash it saves (AFL_BENCH_UNTIL_CRASH; -V bounds it), and
#   every crash saved replays to status 139 with --x-fuzz-input: the gcc
#   guest under --x-fuzz, the clang one under --x-fuzz-persistent.
#
# What is asserted is what was saved and how it replays, never how long
# anything took.
set -u
B=${SPT_BUILD:-build}
T=$(realpath "$B/bin/solo5-spt")
G=$(realpath "$B/tests/afl")
# The longest an afl-fuzz run may go on without finding the bug.
SECONDS_MAX=${AFL_SMOKE_SECONDS:-120}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spt-afl.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# As make fuzz-demo runs it: quiet, beside other work, in a VM.
export AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 \
    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_QUIET=1

ok()
{
    passed=$((passed + 1))
    echo "ok   $*"
}
fail()
{
    failed=$((failed + 1))
    echo "FAIL $*"
}

command -v afl-fuzz >/dev/null 2>&1 || {
    echo "afl_test.sh: afl-fuzz is not installed (mk/deps.sh test)" >&2
    exit 1
}

printf a >"$WORK/a"
printf b >"$WORK/b"
printf X >"$WORK/X"

# showmap KIND INPUT: the map of one run of x-KIND.spt on INPUT, in
# $WORK/KIND.INPUT[.N]; its status in $status.
showmap()
{
    map=$WORK/$1.$2${3:+.$3}
    status=0
    afl-showmap -q -o "$map" -- "$T" --x-fuzz "$G/x-$1.spt" \
        <"$WORK/$2" >/dev/null 2>&1 || status=$?
}

for kind in gcc clang; do
    what="afl-showmap, $kind"
    showmap $kind a
    sa=$status
    showmap $kind a 2
    sa2=$status
    showmap $kind b
    sb=$status
    if [ "$sa$sa2$sb" != 000 ]; then
        fail "$what: statuses $sa, $sa2, $sb for a normal run"
    elif [ ! -s "$WORK/$kind.a" ]; then
        fail "$what: no edge in the map"
    elif ! cmp -s "$WORK/$kind.a" "$WORK/$kind.a.2"; then
        fail "$what: the same input, other maps:" \
            "$(diff "$WORK/$kind.a" "$WORK/$kind.a.2" | tr '\n' ' ')"
    elif cmp -s "$WORK/$kind.a" "$WORK/$kind.b"; then
        fail "$what: inputs that take other paths, the same map"
    else
        ok "$what: $(wc -l <"$WORK/$kind.a") edges; the same for the" \
            "same input, others for another path"
    fi
    # afl-showmap's status 2: the target crashed.
    showmap $kind X
    if [ "$status" = 2 ]; then
        ok "afl-showmap, $kind: the faulting input is a crash"
    else
        fail "afl-showmap, $kind: the faulting input: status $status, not 2"
    fi
done

# smoke KIND MODE: afl-fuzz on x-KIND.spt through solo5-spt MODE.
smoke()
{
    what="afl-fuzz, $1 guest, solo5-spt $2"
    out=$WORK/out-$1
    mkdir -p "$WORK/seeds-$1"
    printf Y >"$WORK/seeds-$1/Y" # 'X' is one bit away
    status=0
    AFL_BENCH_UNTIL_CRASH=1 afl-fuzz -i "$WORK/seeds-$1" -o "$out" \
        -V "$SECONDS_MAX" -- "$T" "$2" "$G/x-$1.spt" \
        >"$WORK/afl-$1.log" 2>&1 || status=$?
    if [ "$status" != 0 ]; then
        fail "$what: afl-fuzz status $status:" \
            "$(tail -n 5 "$WORK/afl-$1.log" | tr '\n' ' ')"
        return
    fi
    crashes=$(find "$out/default/crashes" -name 'id:*' 2>/dev/null | sort)
    if [ -z "$crashes" ]; then
        fail "$what: no crash saved in $SECONDS_MAX s"
        return
    fi
    n=0
    for crash in $crashes; do
        status=0
        "$T" --x-fuzz-input="$crash" "$G/x-$1.spt" >/dev/null 2>&1 ||
            status=$?
        if [ "$status" != 139 ]; then
            fail "$what: $(basename "$crash") replays to status $status," \
                "not 139"
            return
        fi
        n=$((n + 1))
    done
    ok "$what: $n crash(es) saved, each replaying to 139"
}
smoke gcc --x-fuzz
smoke clang --x-fuzz-persistent

echo "afl_test.sh: $passed passed, $failed failed"
[ "$failed" = 0 ]
