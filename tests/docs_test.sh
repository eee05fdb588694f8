#!/bin/sh
# docs_test.sh: what the documentation says against what the build does.
#
#   - the man page lists exactly the options of `solo5-spt --help`, and the
#     same exit statuses, and carries the version `--version` prints;
#   - groff renders it without a warning;
#   - the README's sample app ("Build your own unikernel"), built and run
#     with the README's own commands, prints hello and exits 0.
set -u

B=$(realpath "${SPT_BUILD:-build}")
TOP=$(cd "$(dirname "$0")/.." && pwd)
T=$B/bin/solo5-spt
MAN=$B/share/man/man1/solo5-spt.1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spt-docs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# same WHAT FILE1 FILE2: two sorted lists, the same.
same() {
    if [ -s "$2" ] && diff "$2" "$3" >"$WORK/diff"; then
        ok "$1: $(wc -l <"$2") the same in both"
    else
        bad "$1 differ (< --help, > man page):"
        cat "$WORK/diff"
    fi
}

"$T" --help >"$WORK/help" || bad "solo5-spt --help failed"

# The option column of --help: "  --mem=MB   guest memory..." -> --mem=MB.
sed -n 's/^  \(--[^ ]*\).*/\1/p' "$WORK/help" | sort -u >"$WORK/help.opts"
# "--" ends the options: in the usage line, a tag of its own in the page.
grep -q '^Usage: .*\[--\]' "$WORK/help" && echo -- >>"$WORK/help.opts"
sort -o "$WORK/help.opts" "$WORK/help.opts"

# The tag after each .TP of a section of the page, its font macro dropped:
# ".BI \-\-block: NAME = PATH" -> --block:NAME=PATH.
man_tags() { # SECTION
    awk -v sec="$1" '
        /^\.SH / { insec = ($0 == ".SH " sec); next }
        insec && /^\.TP/ { tag = 1; next }
        insec && tag { sub(/^\.[A-Z]+ /, ""); gsub(/[ "]/, "");
                       gsub(/\\-/, "-"); print; tag = 0 }
    ' "$MAN" | sort -u
}
man_tags OPTIONS >"$WORK/man.opts"
same "options of --help and of the man page" "$WORK/help.opts" \
    "$WORK/man.opts"

# Exit statuses: "  129, 130, 143  ended by ..." -> 129,130,143.
sed -n '/^Exit status:/,$s/^  \([0-9][0-9, -]*\)  .*/\1/p' \
    "$WORK/help" | tr -d ' ' | sort -u >"$WORK/help.status"
man_tags "EXIT STATUS" >"$WORK/man.status"
same "exit statuses of --help and of the man page" "$WORK/help.status" \
    "$WORK/man.status"

version=$("$T" --version | sed -n 's/^solo5-spt \([^ ]*\) .*/\1/p')
grep -q "^\.TH SOLO5-SPT 1 .*\"solo5-spt $version\"" "$MAN" &&
    ok "the man page is of version $version" ||
    bad "the man page's version is not '$version': $(grep '^\.TH' "$MAN")"

if groff -man -Tascii -ww -z "$MAN" >"$WORK/groff" 2>&1 &&
    [ ! -s "$WORK/groff" ]; then
    ok "groff renders the man page without a warning"
else
    bad "groff: $(cat "$WORK/groff")"
fi

# The README's sample: app.c, manifest.json, then its commands in order,
# up to the one that runs app.spt, in a directory where build/ is ours.
mkdir "$WORK/readme" "$WORK/app" && ln -s "$B" "$WORK/app/build" &&
    "$TOP/tests/readme_blocks.sh" "$TOP/README.md" \
        "Build your own unikernel" "$WORK/readme" || exit 1
# Blocks in the README's order: N.LANG for N = 1, 2, ...
ran='' status=''
n=1
while f=$(ls "$WORK/readme/$n".* 2>/dev/null) && [ -n "$f" ]; do
    n=$((n + 1))
    case $f in
    *.c) grep -q '^/\* app\.c \*/' "$f" && cp "$f" "$WORK/app/app.c" ;;
    *.json) [ -e "$WORK/app/manifest.json" ] ||
        cp "$f" "$WORK/app/manifest.json" ;;
    *.sh)
        (cd "$WORK/app" && sh -e "$f") >"$WORK/app.out" 2>&1
        status=$?
        if grep -q 'bin/solo5-spt .*app\.spt' "$f"; then
            ran=$f
            break
        fi
        [ $status = 0 ] || break
        ;;
    esac
done
if [ -z "$ran" ]; then
    bad "no README command that runs app.spt${status:+ (one failed:
$(cat "$f" "$WORK/app.out"))}"
elif [ $status = 0 ] && grep -qx hello "$WORK/app.out"; then
    ok "the README's sample app runs as shown: hello, status 0"
else
    bad "the README's sample app: status $status: $(cat "$WORK/app.out")"
fi

echo "docs: $passed passed, $failed failed"
[ $failed = 0 ]
