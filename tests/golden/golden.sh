# golden.sh: the allowlist solo5-spt prints, compared with a reviewed copy
# under tests/golden/, so that every change of policy shows up as a diff.
# Sourced by tests/golden/test_golden.sh and tests/net/test_net.sh: they
# call golden_args "$@" first, then golden_policy for each copy.
#
# Only descriptor numbers are normalised: which number the tender's
# epoll, timer or device descriptor gets is not policy (an @FD is the
# caller's choice). Everything else, sizes, offsets, counts and the BPF
# length, is fixed by the command.

GOLDEN_DIR=$(cd "$(dirname "$0")/../golden" && pwd)
GOLDEN_UPDATE=no

# --update-golden: rewrite the copies from what is printed now, never
# without being asked (make golden-update); then review `git diff`.
golden_args() {
    case "$*" in
    "") ;;
    --update-golden) GOLDEN_UPDATE=yes ;;
    *)
        echo "usage: $0 [--update-golden]" >&2
        exit 2
        ;;
    esac
}

# Rename each descriptor above 2 FD_A, FD_B, ... in order of first
# appearance, so that the copy still shows which rules share one. The
# arguments that hold descriptors are called fd and epfd, in the text
# ("if fd == 4 && ...") as in the JSON ("name": "fd", ..., "value": 4).
golden_normalise() {
    awk '
    BEGIN {
        fdarg = "(fd|epfd)"
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    }
    function label(n) {
        if (n + 0 < 3)
            return n
        if (!(n in seen)) {
            k++
            seen[n] = "FD_" (k <= 26 ? substr(letters, k, 1) : k)
        }
        return seen[n]
    }
    # JSON: one key per line, an argument object closing with "}".
    $0 ~ "\"name\": \"" fdarg "\"" { json_fd = 1 }
    json_fd && match($0, /"value": [0-9]+/) {
        n = substr($0, RSTART + 9, RLENGTH - 9)
        l = label(n)
        if (l != n)
            l = "\"" l "\""
        $0 = substr($0, 1, RSTART + 8) l substr($0, RSTART + RLENGTH)
        json_fd = 0
    }
    /}/ { json_fd = 0 }
    # Text.
    {
        out = ""
        while (match($0, " " fdarg " == [0-9]+")) {
            hit = substr($0, RSTART, RLENGTH)
            n = hit
            sub(/.* == /, "", n)
            sub(/[0-9]+$/, "", hit)
            out = out substr($0, 1, RSTART - 1) hit label(n)
            $0 = substr($0, RSTART + RLENGTH)
        }
        print out $0
    }'
}

# golden_policy NAME COMMAND...: COMMAND prints an allowlist (status 0,
# nothing on stderr); normalised, it must equal tests/golden/NAME, or it
# replaces it when updating. Shows the difference; non-zero if any.
golden_policy() {
    gp_name=$1
    shift
    gp_tmp=$(mktemp -d "${TMPDIR:-/tmp}/spt-golden.XXXXXX") || return 1
    "$@" >"$gp_tmp/out" 2>"$gp_tmp/err"
    gp_status=$?
    if [ $gp_status != 0 ] || [ -s "$gp_tmp/err" ]; then
        echo "$gp_name: status $gp_status, $(cat "$gp_tmp/err")"
        rm -rf "$gp_tmp"
        return 1
    fi
    golden_normalise <"$gp_tmp/out" >"$gp_tmp/$gp_name"
    if [ "$GOLDEN_UPDATE" = yes ]; then
        cp "$gp_tmp/$gp_name" "$GOLDEN_DIR/$gp_name" &&
            echo "wrote tests/golden/$gp_name"
        gp_status=$?
    elif [ ! -f "$GOLDEN_DIR/$gp_name" ]; then
        echo "no tests/golden/$gp_name: make golden-update writes it"
        gp_status=1
    elif ! diff -u --label "tests/golden/$gp_name" --label "printed now" \
        "$GOLDEN_DIR/$gp_name" "$gp_tmp/$gp_name"; then
        echo "tests/golden/$gp_name differs from the policy printed now" \
            "(above). If the change is meant: make golden-update, and" \
            "review git diff tests/golden."
        gp_status=1
    fi
    rm -rf "$gp_tmp"
    return $gp_status
}
