#!/bin/sh
# acceptance_test.sh: the installed SDK as a drop-in Solo5 toolchain, the
# way ocaml-solo5 and MirageOS use one, and its pkg-config file.
#
# 1. `make install` into a staging DESTDIR; the staged bin/ goes first on
#    PATH. A configure script made by Debian's autoconf from configure.ac
#    probes x86_64-solo5-none-static-cc as ocaml-solo5 and OCaml's
#    configure do (compiler, preprocessor, -dumpmachine, dependencies,
#    links with and without -z solo5-abi=spt, a Solo5-generated manifest.c,
#    a gen-manifest unikernel run under solo5-spt).
# 2. The README's sample app and manifest, taken from README.md unchanged,
#    built by a Solo5-style Makefile (solo5_app.mk) and run.
# 3. pkg-config: the staged install through PKG_CONFIG_SYSROOT_DIR, an
#    install to a real prefix, and that prefix moved elsewhere
#    (--define-prefix), each building a unikernel with plain gcc that runs.
#
# Usage: acceptance_test.sh   (after make; it runs make install itself)
set -eu
src=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$src/../.." && pwd)
T=x86_64-solo5-none-static
work=$(mktemp -d "${TMPDIR:-/tmp}/spt-acceptance.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/lib.sh"
# The makes below are this test's own, not parts of a calling make.
unset MAKEFLAGS MAKELEVEL MFLAGS

stage=$work/stage
make -s -C "$top" install PREFIX=/opt/spt DESTDIR="$stage" >/dev/null
PATH=$stage/opt/spt/bin:$PATH
export PATH

# --- 1. autoconf's configure against the installed toolchain -------------
mkdir "$work/probe"
cp "$src/configure.ac" "$src/solo5_manifest.c" "$work/probe/"
cd "$work/probe"
autoconf 2>"$work/autoconf.err" ||
    fail "autoconf: $(cat "$work/autoconf.err")"
run ./configure --host=$T CC=$T-cc
[ "$status" = 0 ] || fail "configure: status $status: $err
$(tail -n 30 config.log)"
for probe in \
    "checking whether the C compiler works... yes" \
    "checking for C compiler default output file name... a.out" \
    "checking whether we are cross compiling... yes" \
    "checking how to run the C preprocessor... $T-cc -E" \
    "checking what $T-cc -dumpmachine says... $(gcc -dumpmachine)" \
    "checking whether $T-cc generates dependencies... yes" \
    "checking for solo5_block_read... yes" \
    "checking whether $T-cc -z solo5-abi=spt links a unikernel... yes" \
    "checking whether $T-cc -z solo5-abi=spt needs solo5_app_main... yes" \
    "checking whether $T-cc refuses -z solo5-abi=hvt... yes" \
    "checking whether a Solo5-generated manifest.c compiles... yes" \
    "checking whether a unikernel with a gen-manifest manifest runs... yes"; do
    checks=$((checks + 1))
    printf '%s\n' "$out" | grep -qxF "$probe" ||
        fail "configure did not print: $probe"
done

# --- 2. the README's sample, by a Solo5-style Makefile --------------------
mkdir "$work/app" "$work/readme"
cd "$work/app"
"$top/tests/readme_blocks.sh" "$top/README.md" "Build your own unikernel" \
    "$work/readme"
# Blocks in the README's order, N.LANG: app.c, and the first manifest.
n=1
while f=$(ls "$work/readme/$n".* 2>/dev/null) && [ -n "$f" ]; do
    case $f in
    *.c) ! grep -q '^/\* app\.c \*/' "$f" || cp "$f" app.c ;;
    *.json) [ -e manifest.json ] || cp "$f" manifest.json ;;
    esac
    n=$((n + 1))
done
[ -s app.c ] && [ -s manifest.json ] ||
    fail "README.md: no app.c and manifest.json sample"
run make -f "$src/solo5_app.mk" CC=$T-cc
expect_status 0 "make -f solo5_app.mk: $out"
truncate -s 1M disk.img
run solo5-spt --block:storage=disk.img app.spt --solo5:quiet
expect_status 0 "the README's sample under solo5-spt"
expect_out "hello" "the README's sample under solo5-spt"
run make -f "$src/solo5_app.mk" CC=$T-cc
expect_status 0 "make, a second time"
checks=$((checks + 1))
! printf '%s\n' "$out" | grep -q -- "$T-cc" ||
    fail "make, a second time, rebuilt: $out"
touch "$stage/opt/spt/include/solo5-spt/solo5.h"
run make -f "$src/solo5_app.mk" CC=$T-cc
printf '%s\n' "$out" | grep -q -- "-c app.c" ||
    fail "make after solo5.h changed did not recompile app.c: $out"

# --- 3. pkg-config: sysroot, real prefix, moved prefix --------------------
pc=lib/pkgconfig/solo5-bindings-spt.pc
# Every path in the flags lies under ${prefix}: none of the compiler's.
checks=$((checks + 1))
outside=$(awk '/^(Cflags|Libs):/ { for (i = 2; i <= NF; i++)
                  if ($i ~ /\// && $i !~ /\$\{prefix\}\//) print $i }' \
    "$stage/opt/spt/$pc")
[ -z "$outside" ] || fail "the .pc names paths outside \${prefix}: $outside"

# Build app.c + manifest.json with gcc and pkg-config's flags, then run.
# Arguments: what, then pkg-config's environment and options.
pc_build_run()
{
    what=$1
    shift
    cflags=$(env "$@" --cflags solo5-bindings-spt) &&
        libs=$(env "$@" --libs solo5-bindings-spt) ||
        fail "$what: pkg-config failed"
    rm -f pc.spt
    # shellcheck disable=SC2086 # flag lists
    gcc $cflags -c app.c -o pc-app.o &&
        solo5-elftool gen-manifest manifest.json pc-mft.c &&
        gcc $cflags -c pc-mft.c -o pc-mft.o &&
        gcc -o pc.spt pc-app.o pc-mft.o $libs ||
        fail "$what: the build failed (flags: $cflags $libs)"
    run solo5-spt --block:storage=disk.img pc.spt --solo5:quiet
    expect_status 0 "$what: the unikernel"
    expect_out "hello" "$what: the unikernel"
}

pc_build_run "staged, PKG_CONFIG_SYSROOT_DIR" \
    PKG_CONFIG_SYSROOT_DIR="$stage" \
    PKG_CONFIG_LIBDIR="$stage/opt/spt/lib/pkgconfig" pkg-config

real=$work/real
make -s -C "$top" install PREFIX="$real" >/dev/null
pc_build_run "a real prefix" PKG_CONFIG_LIBDIR="$real/lib/pkgconfig" pkg-config

mv "$real" "$work/moved"
pc_build_run "a moved prefix, --define-prefix" \
    PKG_CONFIG_LIBDIR="$work/moved/lib/pkgconfig" pkg-config --define-prefix
run "$work/moved/bin/$T-cc" -z solo5-abi=spt -o moved.spt app.c \
    "$work/app/pc-mft.o"
expect_status 0 "the moved prefix's compiler driver"

echo "acceptance_test: $checks checks passed"
