#!/bin/sh
# demo.sh: make fuzz-demo. AFL++ fuzzes the examples/fuzz unikernel (built
# with solo5-spt-cc --fuzz) through solo5-spt --x-fuzz, from the seeds in
# examples/fuzz/seeds, until it saves a crash or SECONDS pass; then the
# crash is replayed with --x-fuzz-input, where it must end in SIGSEGV
# (status 139), as it did under the fuzzer.
#
#   demo.sh check                            is afl-fuzz there? (status 1
#                                            and the command to install it
#                                            if not)
#   demo.sh run TENDER GUEST SEEDS WORKDIR SECONDS
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" = check ]; then
    command -v afl-fuzz >/dev/null 2>&1 && exit 0
    echo "make fuzz-demo needs afl-fuzz (AFL++), which is not installed;" \
        "install it with:" >&2
    echo "    $("$top/mk/deps.sh" hint afl)" >&2
    exit 1
fi
if [ $# != 6 ] || [ "$1" != run ]; then
    echo "usage: demo.sh check | run TENDER GUEST SEEDS WORKDIR SECONDS" >&2
    exit 2
fi
tender=$2 guest=$3 seeds=$4 work=$5 seconds=$6
out=$work/out
log=$work/afl-fuzz.log

rm -rf "$out"
mkdir -p "$work"
echo "== afl-fuzz -i $seeds -o $out -V $seconds -- $tender --x-fuzz $guest"
echo "   (until the first crash, at most $seconds s; its output in $log)"
# These keep it quiet and let it run in a VM, beside other work and
# whatever the core pattern is.
status=0
AFL_NO_UI=1 AFL_BENCH_UNTIL_CRASH=1 AFL_SKIP_CPUFREQ=1 \
    AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    afl-fuzz -i "$seeds" -o "$out" -V "$seconds" -- \
    "$tender" --x-fuzz "$guest" >"$log" 2>&1 || status=$?
if [ "$status" != 0 ]; then
    tail -n 20 "$log" >&2
    echo "fuzz-demo: afl-fuzz failed (status $status); see $log" >&2
    exit 1
fi

stats=$out/default/fuzzer_stats
stat()
{
    sed -n "s/^$1 *: //p" "$stats"
}
crash=$(find "$out/default/crashes" -name 'id:*' | sort | head -n 1)
if [ -z "$crash" ]; then
    echo "fuzz-demo: no crash found in $(stat run_time) s" \
        "($(stat execs_done) runs); see $log" >&2
    exit 1
fi
# AFL++ names a crash after when it found it: ...,time:MILLISECONDS,...
found_ms=$(basename "$crash" | sed -n 's/.*,time:\([0-9]*\),.*/\1/p')
echo "   found a crash after $((found_ms / 1000)).$(printf %03d \
    $((found_ms % 1000))) s: $(stat execs_done) runs," \
    "$(stat execs_per_sec) per second, $(stat corpus_count) inputs in" \
    "the queue"
echo "   $crash:"
od -A d -t x1z -v "$crash" | sed 's/^/   /'

echo "== $tender --x-fuzz-input=$crash $guest"
status=0
"$tender" --x-fuzz-input="$crash" "$guest" || status=$?
if [ "$status" != 139 ]; then
    echo "fuzz-demo: the crash replayed with status $status, not 139" >&2
    exit 1
fi
echo "   exit status 139: the guest faulted (SIGSEGV), as under AFL++"
