#!/bin/sh
# install_test.sh: `make install` into a staging DESTDIR, then build and
# run a unikernel with nothing but the installed files; then `make
# uninstall`, which must remove every file install put there and nothing
# else.
set -eu
B=${1:-build}
top=$(pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/spt-install.XXXXXX")
trap 'rm -rf "$stage" "$stage".*' EXIT

# Someone else's files in the directories we share: uninstall keeps them.
mkdir -p "$stage/opt/spt/bin" "$stage/opt/spt/share/man/man1"
echo other >"$stage/opt/spt/bin/other-tool"
echo other >"$stage/opt/spt/share/man/man1/other-tool.1"
find "$stage" ! -type d | sort >"$stage.before"

make -s B="$B" install PREFIX=/opt/spt DESTDIR="$stage" >/dev/null
find "$stage" ! -type d | sort >"$stage.installed"
bin=$stage/opt/spt/bin
test -x "$bin/solo5-spt" && test -x "$bin/solo5-spt-cc" &&
    test -x "$bin/solo5-spt-mft"
cmp "$B/share/man/man1/solo5-spt.1" \
    "$stage/opt/spt/share/man/man1/solo5-spt.1"
PKG_CONFIG_LIBDIR=$stage/opt/spt/lib/pkgconfig pkg-config --cflags \
    solo5-bindings-spt | grep -q -- '-I/opt/spt/include/solo5-spt'
if grep -q "$stage" "$stage/opt/spt/lib/pkgconfig/solo5-bindings-spt.pc"; then
    echo "install_test: the .pc file names the staging directory" >&2
    exit 1
fi

cd "$stage"
cat >app.c <<'APP'
#include "solo5.h"
int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    solo5_console_write("installed SDK works\n", 20);
    return 3;
}
APP
cat >manifest.json <<'JSON'
{"type": "solo5.manifest", "version": 1,
 "devices": [{"name": "storage", "type": "BLOCK_BASIC"}]}
JSON
"$bin/solo5-spt-cc" -O2 -o app.spt app.c manifest.json
"$bin/solo5-spt-mft" query-manifest app.spt | grep -q '"storage"'
"$bin/solo5-spt-mft" query-abi app.spt | grep -q '"spt"'
truncate -s 1M disk.img
status=0
out=$("$bin/solo5-spt" --block:storage=disk.img app.spt --solo5:quiet) ||
    status=$?
[ "$status" = 3 ] || { echo "install_test: status $status, expected 3" >&2; exit 1; }
[ "$out" = "installed SDK works" ] ||
    { echo "install_test: output '$out'" >&2; exit 1; }
echo "install_test: installed tender and SDK build and run a unikernel"

# Uninstall, twice (the second finds nothing to do): what is left must be
# the other files and directories only, none of them ours.
cd "$top"
rm -f "$stage/app.c" "$stage/manifest.json" "$stage/app.spt" \
    "$stage/disk.img"
make -s B="$B" uninstall PREFIX=/opt/spt DESTDIR="$stage" >/dev/null
make -s B="$B" uninstall PREFIX=/opt/spt DESTDIR="$stage" >/dev/null
find "$stage" ! -type d | sort >"$stage.after"
if ! cmp -s "$stage.before" "$stage.after"; then
    echo "install_test: after make uninstall, files differ from before" \
        "make install:" >&2
    diff "$stage.before" "$stage.after" >&2
    exit 1
fi
for d in include/solo5-spt lib/solo5-spt; do
    if [ -e "$stage/opt/spt/$d" ]; then
        echo "install_test: $d is left after make uninstall" >&2
        exit 1
    fi
done
echo "install_test: make uninstall removed the" \
    "$(comm -13 "$stage.before" "$stage.installed" | wc -l) installed files" \
    "and nothing else"
