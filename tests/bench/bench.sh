#!/bin/sh
# bench.sh: `make bench`. Runs the runner (runner.c) with a scratch
# directory and, as root, inside a network namespace it creates and deletes,
# with one tap there for the network row; no traffic leaves the namespace.
# Without root the network row is skipped. BENCH_QUICK=1: fewer rounds;
# BENCH_ONLY=startup,clock,block,net,memory,fuzz: only those rows.
set -u

B=${SPT_BUILD:-build}
RUNNER=$(realpath "$B/tests/bench/runner")
BUILD=$(realpath "$B")
NS=spt-bench-$$
# The disk image goes in memory (/dev/shm) where there is one: the block
# rows measure the calls, not a disk's writeback.
WORK=$(mktemp -d /dev/shm/spt-bench.XXXXXX 2>/dev/null ||
    mktemp -d "${TMPDIR:-/tmp}/spt-bench.XXXXXX")
# A fixed, locally administered MAC: the guest and the native responder
# answer with the same one, so the host's neighbour entry stays valid.
MAC=02:53:50:54:be:01

cleanup() {
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then
    echo "bench.sh: not root: the network row is skipped" >&2
    "$RUNNER" "$BUILD" "$WORK"
    exit
fi
ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up &&
    ip -n "$NS" tuntap add tap0 mode tap &&
    ip -n "$NS" addr add 10.0.0.1/24 dev tap0 &&
    ip -n "$NS" link set tap0 up || exit 1
ip netns exec "$NS" "$RUNNER" "$BUILD" "$WORK" tap0 10.0.0.2 "$MAC"
