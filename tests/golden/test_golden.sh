#!/bin/sh
# test_golden.sh: the allowlist of the example guests, as solo5-spt
# --x-print-policy prints it, must equal the reviewed copies beside this
# script (golden.sh says what is normalised). The network guest's copy is
# checked by tests/net/test_net.sh, which has a tap.
#
#   test_golden.sh [--update-golden]   (make golden-update runs both)
set -u

. "$(dirname "$0")/golden.sh"
golden_args "$@"

B=${SPT_BUILD:-build}
T=$(realpath "$B/bin/solo5-spt")
EX=$(realpath "$B/examples")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spt-golden.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# The image fixes the block rules' bounds: 4 MiB of 512-byte blocks.
truncate -s 4M "$WORK/storage.img" || exit 1
BLK="--block:storage=$WORK/storage.img"

golden() { # file what command...
    gf_file=$1
    gf_what=$2
    shift 2
    if golden_policy "$gf_file" "$@"; then
        passed=$((passed + 1))
        echo "ok   $gf_what"
    else
        failed=$((failed + 1))
        echo "FAIL $gf_what"
    fi
}

golden policy-hello.txt "hello" "$T" --x-print-policy "$EX/hello.spt"
golden policy-hello-supervise.txt "hello under --x-supervise: notify first" \
    "$T" --x-print-policy --x-supervise "$EX/hello.spt"
golden policy-blk.txt "blk: single- and multi-block rules" \
    "$T" --x-print-policy "$BLK" "$EX/blk.spt"
golden policy-blk-no-extensions.txt "blk under --x-no-extensions: one block" \
    "$T" --x-print-policy --x-no-extensions "$BLK" "$EX/blk.spt"
golden policy-blk.json "blk, as JSON" \
    "$T" --x-print-policy=json "$BLK" "$EX/blk.spt"

if [ "$GOLDEN_UPDATE" = yes ]; then
    echo "policy goldens: $passed rewritten, $failed failed"
else
    echo "policy goldens: $passed passed, $failed failed"
fi
[ $failed = 0 ]
