# lib.sh: assertions for the toolchain tests, sourced by them.
#
# run CMD... runs a command and keeps its status, stdout and stderr in
# $status, $out and $err; the expect_* functions check them and stop the
# test with one line saying what differed.

test_name=$(basename "$0" .sh)
checks=0

fail()
{
    echo "$test_name: FAIL: $*" >&2
    exit 1
}

run()
{
    status=0
    "$@" >"$work/.out" 2>"$work/.err" || status=$?
    out=$(cat "$work/.out")
    err=$(cat "$work/.err")
}

# expect_status N WHAT
expect_status()
{
    checks=$((checks + 1))
    [ "$status" = "$1" ] ||
        fail "$2: status $status, expected $1; stderr: $(head -c 600 "$work/.err")"
}

# expect_refused PATTERN WHAT: status 1 and one stderr line matching PATTERN
expect_refused()
{
    expect_status 1 "$2"
    [ "$(wc -l <"$work/.err")" = 1 ] ||
        fail "$2: stderr is not one line: $err"
    printf '%s\n' "$err" | grep -q -- "$1" ||
        fail "$2: stderr '$err' does not match '$1'"
}

# expect_out TEXT WHAT: stdout is exactly TEXT (one final newline aside)
expect_out()
{
    checks=$((checks + 1))
    [ "$out" = "$1" ] || fail "$2: stdout differs:
--- expected
$1
--- got
$out"
}

# expect_file_has FILE PATTERN WHAT / expect_file_lacks FILE PATTERN WHAT
expect_file_has()
{
    checks=$((checks + 1))
    grep -q -- "$2" "$1" || fail "$3: $1 lacks '$2'"
}
expect_file_lacks()
{
    checks=$((checks + 1))
    ! grep -q -- "$2" "$1" || fail "$3: $1 has '$2'"
}

expect_absent()
{
    checks=$((checks + 1))
    [ ! -e "$1" ] || fail "$2: $1 exists"
}

# The number of notes of type $2 (hex) readelf finds in $1; fails on a
# readelf warning.
notes_of_type()
{
    readelf -nW "$1" >"$work/.notes" 2>&1
    ! grep -qi warning "$work/.notes" ||
        fail "readelf -n warns about $1: $(cat "$work/.notes")"
    grep -c "(0x$2)" "$work/.notes" || true
}
