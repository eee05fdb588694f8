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
AFL_FDS=$(realpath "$B/tests/golden/afl_fds")
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
golden policy-hello.json "hello, as JSON, with the BPF bytes" \
    "$T" --x-print-policy=json "$EX/hello.spt"
golden policy-blk.json "blk, as JSON, with the BPF bytes" \
    "$T" --x-print-policy=json "$BLK" "$EX/blk.spt"

# Fuzzing: the children of the fork server (descriptors 198 and 199 open,
# as afl-fuzz leaves them) and a one-run replay get the rules of a normal
# run, the same copy; persistent mode adds its two, and nothing else
# (fuzz_rules_added).
printf 'x' >"$WORK/input" || exit 1
golden policy-hello.txt "hello under --x-fuzz, fork server: no rule added" \
    "$AFL_FDS" "$T" --x-print-policy --x-fuzz "$EX/hello.spt"
golden policy-hello.txt "hello under --x-fuzz-input: no rule added" \
    "$T" --x-print-policy --x-fuzz-input="$WORK/input" "$EX/hello.spt"
golden policy-hello-fuzz-persistent.txt \
    "hello under --x-fuzz-persistent, fork server: read and write of 4 bytes" \
    "$AFL_FDS" "$T" --x-print-policy --x-fuzz-persistent "$EX/hello.spt"

# The persistent copy is the normal one with exactly two rules added: a
# read and a write of 4 bytes, each bound to one descriptor of its own.
fuzz_rules_added() {
    fr_diff=$(diff "$GOLDEN_DIR/policy-hello.txt" \
        "$GOLDEN_DIR/policy-hello-fuzz-persistent.txt" | grep '^[<>] ')
    fr_rules=$(printf '%s\n' "$fr_diff" | grep '^[<>] allow')
    fr_lines=$(printf '%s\n' "$fr_diff" | grep -vc '^[<>] seccomp allowlist:')
    printf '%s\n' "$fr_rules" | grep -q \
        '^> allow read(0) if fd == FD_[C-Z] && count == 4 ' &&
        printf '%s\n' "$fr_rules" | grep -q \
            '^> allow write(1) if fd == FD_[C-Z] && count == 4 ' &&
        [ "$fr_lines" = 2 ] &&
        [ "$(printf '%s\n' "$fr_rules" | sed 's/.* fd == \(FD_[A-Z]\).*/\1/' |
            sort -u | wc -l)" = 2 ]
}
if [ "$GOLDEN_UPDATE" = no ]; then
    if fuzz_rules_added; then
        passed=$((passed + 1))
        echo "ok   persistent fuzzing adds exactly two rules to hello's"
    else
        failed=$((failed + 1))
        echo "FAIL persistent fuzzing adds exactly two rules to hello's:"
        diff "$GOLDEN_DIR/policy-hello.txt" \
            "$GOLDEN_DIR/policy-hello-fuzz-persistent.txt"
    fi
fi

if [ "$GOLDEN_UPDATE" = yes ]; then
    echo "policy goldens: $passed rewritten, $failed failed"
else
    echo "policy goldens: $passed passed, $failed failed"
fi
[ $failed = 0 ]
