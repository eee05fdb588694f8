#!/bin/sh
# toolchain_test.sh: the SDK's Solo5 toolchain names in the build tree.
#
# x86_64-solo5-none-static-cc/-ld/-objcopy, solo5-spt-cc and solo5-elftool
# (solo5-spt-mft) on good and bad command lines: which invocations compile,
# preprocess or link, what they write, which bindings and manifests a link
# gets, and the exact text solo5-elftool prints.
#
# Usage: toolchain_test.sh [BUILD_DIR]
set -eu
src=$(cd "$(dirname "$0")" && pwd)
B=$(cd "${1:-build}" && pwd)
bin=$B/sdk/bin
tender=$B/bin/solo5-spt
compat=$B/tests/compat/solo5_compat
T=x86_64-solo5-none-static
work=$(mktemp -d "${TMPDIR:-/tmp}/spt-toolchain.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$src/lib.sh"
cd "$work"

cat >app.c <<'EOF'
#include "solo5.h"
int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    solo5_console_write("app runs\n", 9);
    return 7;
}
EOF
cat >blk_app.c <<'EOF'
#include "solo5.h"
int solo5_app_main(const struct solo5_start_info *si)
{
    struct solo5_block_info info;
    solo5_handle_t h;

    (void)si;
    if (solo5_block_acquire("storage", &h, &info) != SOLO5_R_OK)
        return 3;
    solo5_console_write("storage attached\n", 17);
    return 0;
}
EOF
printf 'int main(void) { return 0; }\n' >conftest.c
# Every link below runs here: a file of this name must not replace the
# SDK's linker script.
echo 'not a linker script' >spt.ld
cat >two.json <<'EOF'
{"type": "solo5.manifest", "version": 1, "devices": [
  {"name": "storage", "type": "BLOCK_BASIC"},
  {"name": "service", "type": "NET_BASIC"}]}
EOF
truncate -s 1M disk.img

# --- solo5-elftool: command lines ---------------------------------------
# A missing or unknown word is named on the first line, the usage follows.
usage_error()
{
    run "$@"
    expect_status 1 "$*"
    first=$(head -n 1 "$work/.err")
    sed -n 2p "$work/.err" | grep -q '^Usage: ' ||
        fail "$*: no usage after the first line"
}
usage_error "$bin/solo5-elftool"
[ "$first" = "solo5-elftool: missing COMMAND" ] || fail "no command: $first"
usage_error "$bin/solo5-elftool" frob x
[ "$first" = "solo5-elftool: unknown command 'frob'" ] || fail "frob: $first"
usage_error "$bin/solo5-elftool" gen-manifest
[ "$first" = "solo5-elftool: gen-manifest: missing MANIFEST.json" ] ||
    fail "gen-manifest alone: $first"
usage_error "$bin/solo5-elftool" gen-manifest two.json
[ "$first" = "solo5-elftool: gen-manifest: missing OUTPUT.c" ] ||
    fail "gen-manifest one argument: $first"
usage_error "$bin/solo5-elftool" query-abi
[ "$first" = "solo5-elftool: query-abi: missing BINARY" ] ||
    fail "query-abi alone: $first"
usage_error "$bin/solo5-elftool" query-manifest a b
[ "$first" = "solo5-elftool: query-manifest: unexpected argument 'b'" ] ||
    fail "query-manifest two arguments: $first"
usage_error "$bin/solo5-spt-mft" "$(printf 'bad\nword')"
[ "$first" = "solo5-spt-mft: unknown command 'bad?word'" ] ||
    fail "solo5-spt-mft, a word with a newline: $first"
run "$bin/solo5-elftool" --help
expect_status 0 "--help"
printf '%s\n' "$out" | grep -q '^Usage: solo5-elftool gen-manifest' ||
    fail "--help: $out"

# --- solo5-elftool gen-manifest: Solo5's C, bad JSON refused -------------
run "$bin/solo5-elftool" gen-manifest two.json manifest.c
expect_status 0 "gen-manifest"
# The same C as Solo5's solo5-elftool writes, but for its first comment.
tail -n +2 manifest.c >ours.body
tail -n +2 "$src/solo5_manifest.c" >solo5.body
cmp -s ours.body solo5.body ||
    fail "gen-manifest's C differs from Solo5's: $(diff ours.body solo5.body)"
printf '{"type": "solo5.manifest", "version": 1, "devices": [{"name": "a\\nb", "type": "NET_BASIC"}]}' >newline.json
run "$bin/solo5-elftool" gen-manifest newline.json bad.c
expect_refused 'name "a?b" must be 1 to 67 letters' "a name with a newline"
expect_absent bad.c "a refused manifest"
printf '{"type": "solo5.manifest", "version": 1, "devices": [{"name": "x", "type": "DISK"}]}' >type.json
run "$bin/solo5-elftool" gen-manifest type.json bad.c
expect_refused '"type" must be "BLOCK_BASIC" or "NET_BASIC"' "an unknown type"
run "$bin/solo5-elftool" gen-manifest two.json /nonexistent/m.c
expect_refused '/nonexistent/m.c: cannot create' "an output it cannot create"
run "$bin/solo5-elftool" gen-manifest missing.json bad.c
expect_refused '^solo5-elftool: missing.json: unable to open' "a missing manifest"
# A write that fails leaves no half file: no room past 512 bytes (a file
# size limit; the one line on stderr fits), for more C than that.
{
    printf '{"type": "solo5.manifest", "version": 1, "devices": [\n'
    for i in 1 2 3 4 5 6 7 8 9; do
        printf '{"name": "d%s", "type": "NET_BASIC"},\n' "$i"
    done
    printf '{"name": "d10", "type": "NET_BASIC"}]}\n'
} >ten.json
run sh -c 'trap "" XFSZ; ulimit -f 1; exec "$0" gen-manifest ten.json bad.c' \
    "$bin/solo5-elftool"
expect_refused 'bad.c: write error' "a full disk"
expect_absent bad.c "a failed write"

# --- x86_64-solo5-none-static-cc: what compiles, what links ---------------
run "$bin/$T-cc"
expect_refused "^$T-cc: no input files$" "cc without arguments"
run "$bin/$T-cc" -dumpmachine
expect_status 0 "-dumpmachine"
expect_out "$(gcc -dumpmachine)" "-dumpmachine"

printf '#include <limits.h>\nint max = INT_MAX;\n' >limits.c
run "$bin/$T-cc" -E limits.c
expect_status 0 "-E"
printf '%s\n' "$out" | grep -q '^int max = 0x7fffffff;$' ||
    fail "-E: <limits.h> did not give INT_MAX"
run "$bin/$T-cc" -S app.c
expect_status 0 "-S"
expect_file_has app.s solo5_app_main "-S"
run "$bin/$T-cc" -M app.c
expect_status 0 "-M"
printf '%s\n' "$out" | grep -q '^app.o: app.c .*/include/solo5-spt/solo5.h' ||
    fail "-M: $out"
run "$bin/$T-cc" -MM -MT app.o app.c
expect_status 0 "-MM"
printf '%s\n' "$out" | grep -q '^app.o: app.c .*solo5.h' || fail "-MM: $out"
expect_absent a.out "-E, -S, -M and -MM"
run "$bin/$T-cc" -c -MD app.c
expect_status 0 "-c -MD"
expect_file_has app.d '^app.o: app.c' "-c -MD"

# A link without -z solo5-abi= takes the stub bindings: any program links,
# to a.out, and no tender runs the result.
run "$bin/$T-cc" conftest.c
expect_status 0 "a link without -z"
[ -f a.out ] || fail "a link without -o wrote no a.out"
run "$tender" a.out
expect_refused "a.out" "solo5-spt on a stub-linked a.out"
rm a.out

run "$bin/$T-cc" -z solo5-abi=hvt app.c
expect_refused "solo5-abi=hvt: unsupported" "-z solo5-abi=hvt"
expect_absent a.out "a refused link"
run "$bin/$T-cc" -z solo5-abi=spt conftest.c
checks=$((checks + 1))
[ "$status" != 0 ] || fail "an spt link without solo5_app_main succeeded"

# An spt link: objects without a manifest get an empty one...
"$bin/$T-cc" -c app.c -o app.o
"$bin/$T-cc" -z solo5-abi=spt -o plain.spt app.o
[ "$(notes_of_type plain.spt 3154464d)" = 1 ] || fail "plain.spt: MFT1 notes"
run "$tender" plain.spt --solo5:quiet
expect_status 7 "plain.spt under solo5-spt"
expect_out "app runs" "plain.spt under solo5-spt"
run "$bin/solo5-elftool" query-manifest plain.spt
expect_out '{
  "type": "solo5.manifest",
  "version": 1,
  "devices": [
  ]
}' "query-manifest, no devices"

# ... and objects that bring one, wherever it is, keep theirs alone.
"$bin/$T-cc" -c manifest.c -o manifest.o
ar rcs libmft.a manifest.o
"$bin/$T-cc" -zsolo5-abi=spt -o first.spt manifest.o app.o
"$bin/$T-cc" -z solo5-abi=spt -o last.spt app.o manifest.o
"$bin/$T-cc" -z solo5-abi=spt -o archive.spt app.o libmft.a
"$bin/$T-cc" -z solo5-abi=spt -o source.spt app.c manifest.c
for f in first last archive source; do
    [ "$(notes_of_type $f.spt 3154464d)" = 1 ] || fail "$f.spt: MFT1 notes"
    run "$bin/solo5-elftool" query-manifest $f.spt
    expect_out '{
  "type": "solo5.manifest",
  "version": 1,
  "devices": [
    { "name": "storage", "type": "BLOCK_BASIC" },
    { "name": "service", "type": "NET_BASIC" }
  ]
}' "query-manifest $f.spt"
done
"$compat" plain.spt first.spt last.spt archive.spt source.spt >/dev/null ||
    fail "a link breaks Solo5's loading rules"
run "$bin/solo5-elftool" query-abi last.spt
expect_out '{
  "type": "solo5.abi",
  "target": "spt",
  "version": 2
}' "query-abi"

# Other targets print by name, unknown ones as Solo5's tool does.
abi_offset=$(readelf -lW last.spt | awk '$1 == "NOTE" { print $2; exit }')
for target in 1:hvt 6:xen 99:unknown; do
    cp last.spt other.spt
    printf '%b' "\\0$(printf %03o "${target%%:*}")" |
        dd of=other.spt bs=1 seek=$((abi_offset + 20)) conv=notrunc 2>/dev/null
    run "$bin/solo5-elftool" query-abi other.spt
    expect_out "{
  \"type\": \"solo5.abi\",
  \"target\": \"${target#*:}\",
  \"version\": 2
}" "query-abi, target ${target%%:*}"
done
run "$bin/solo5-elftool" query-abi app.c
expect_refused "app.c: " "query-abi on a C file"

# --- solo5-spt-cc: the same driver, spt by default -----------------------
run "$bin/solo5-spt-cc" -E limits.c
expect_status 0 "solo5-spt-cc -E"
run "$bin/solo5-spt-cc" -M app.c
expect_status 0 "solo5-spt-cc -M"
expect_absent a.out "solo5-spt-cc -E, -M"
cat >blk.json <<'EOF'
{"type": "solo5.manifest", "version": 1,
 "devices": [{"name": "storage", "type": "BLOCK_BASIC"}]}
EOF
mkdir deps && cd deps
run "$bin/solo5-spt-cc" -MD ../blk_app.c ../blk.json
expect_status 0 "solo5-spt-cc -MD, a manifest, no -o"
[ -f a.out ] || fail "solo5-spt-cc without -o wrote no a.out"
for d in *.d; do
    expect_file_has "$d" blk_app.c "solo5-spt-cc -MD"
    expect_file_lacks "$d" solo5-spt-cc. "solo5-spt-cc -MD"
done
run "$tender" --block:storage=../disk.img a.out --solo5:quiet
expect_status 0 "solo5-spt-cc's a.out under solo5-spt"
expect_out "storage attached" "solo5-spt-cc's a.out under solo5-spt"
# An option's operand ending in .json is a file name, not a manifest.
run "$bin/solo5-spt-cc" -o out.json -MD -MF deps.json ../blk_app.c ../blk.json
expect_status 0 "solo5-spt-cc -o out.json -MF deps.json"
expect_file_has deps.json blk_app.c "solo5-spt-cc -MF deps.json"
run "$tender" --block:storage=../disk.img out.json --solo5:quiet
expect_out "storage attached" "solo5-spt-cc -o out.json under solo5-spt"
cd ..
run "$bin/solo5-spt-cc" -o twice.spt app.o manifest.o blk.json
checks=$((checks + 1))
[ "$status" != 0 ] && printf '%s\n' "$err" | grep -q 'multiple definition' ||
    fail "a JSON manifest and a manifest object: status $status, $err"
run "$bin/solo5-spt-cc" -c app.c blk.json
expect_refused "blk.json: a manifest is only for links" "-c with a manifest"
run "$bin/solo5-spt-cc" -z solo5-abi=virtio app.c
expect_refused "solo5-abi=virtio: unsupported" "solo5-spt-cc -z virtio"
run "$bin/solo5-spt-cc" --print-cflags
expect_status 0 "--print-cflags"
case "$out" in
*"$(gcc -print-file-name=include)"*) fail "--print-cflags names gcc's" \
    "own directory: $out" ;;
esac

# --- -ld and -objcopy -------------------------------------------------------
"$bin/$T-cc" -c blk_app.c -o blk_app.o
"$bin/solo5-elftool" gen-manifest blk.json blk_mft.c
"$bin/$T-cc" -c blk_mft.c -o blk_mft.o
run "$bin/$T-ld" -z solo5-abi=spt -o ld.spt blk_app.o blk_mft.o
expect_status 0 "-ld -z solo5-abi=spt"
[ "$(notes_of_type ld.spt 3154464d)" = 1 ] || fail "ld.spt: MFT1 notes"
run "$tender" --block:storage=disk.img ld.spt --solo5:quiet
expect_status 0 "ld.spt under solo5-spt"
expect_out "storage attached" "ld.spt under solo5-spt"
run "$bin/$T-ld" -z solo5-abi=spt -o ld-nomft.spt blk_app.o
[ "$(notes_of_type ld-nomft.spt 3154464d)" = 1 ] ||
    fail "ld-nomft.spt: MFT1 notes"
run "$tender" ld-nomft.spt --solo5:quiet
expect_status 3 "ld-nomft.spt, no storage declared"
run "$bin/$T-ld" -z solo5-abi=muen -o x blk_app.o
expect_refused "solo5-abi=muen: unsupported" "-ld -z solo5-abi=muen"
run "$bin/$T-ld" -r -o partial.o blk_app.o manifest.o
expect_status 0 "-ld -r (no bindings)"
run "$bin/$T-objcopy" -O binary -j .note.solo5.manifest last.spt note.bin
expect_status 0 "-objcopy"
# 20-byte header, 4 bytes of padding, 8 + 3 x 104 bytes of manifest
[ "$(wc -c <note.bin)" = 344 ] || fail "-objcopy: $(wc -c <note.bin) bytes"

# --- --fuzz: instrumented, with the coverage runtime, still a guest -------
cat >fz.c <<'EOF'
#include "solo5.h"
#include "solo5_spt.h"
int solo5_app_main(const struct solo5_start_info *si)
{
    const uint8_t *data;
    size_t len;

    (void)si;
    if (!spt_fuzz_input(&data, &len)) {
        spt_printf("no input\n");
        return 0;
    }
    spt_printf("input of %zu bytes, the first '%c'\n", len,
               len ? data[0] : '-');
    return 5;
}
EOF
printf 'fuzz' >fz.in
# expect_instrumented FILE FUNCTION WHAT: FILE's code calls FUNCTION
expect_instrumented()
{
    checks=$((checks + 1))
    objdump -dr "$1" | grep -q "call .*<$2>\|R_X86_64_PLT32[[:space:]]*$2-" ||
        fail "$3: no call to $2"
}
# expect_defines FILE FUNCTION WHAT: FILE has FUNCTION's code
expect_defines()
{
    checks=$((checks + 1))
    nm "$1" | grep -q " T $2\$" || fail "$3: $2 not defined"
}
# expect_guest FILE WHAT: a guest that runs, with an input and without
expect_guest()
{
    run "$tender" "$1" --solo5:quiet
    expect_status 0 "$2, a normal run"
    expect_out "no input" "$2, a normal run"
    # No extension record at all, as under the Solo5 tender.
    run "$tender" --x-no-extensions "$1" --solo5:quiet
    expect_status 0 "$2 without records"
    expect_out "no input" "$2 without records"
    run "$tender" --x-fuzz-input=fz.in "$1" --solo5:quiet
    expect_status 5 "$2 under --x-fuzz-input"
    expect_out "input of 4 bytes, the first 'f'" "$2 under --x-fuzz-input"
    run sh -c 'printf XY | "$1" --x-fuzz "$2" --solo5:quiet' sh "$tender" "$1"
    expect_status 5 "$2 under --x-fuzz, input on stdin"
    expect_out "input of 2 bytes, the first 'X'" "$2 under --x-fuzz"
    "$compat" "$1" >/dev/null || fail "$2 breaks Solo5's loading rules"
}

run "$bin/solo5-spt-cc" --fuzz -c fz.c -o fz.o
expect_status 0 "--fuzz -c"
expect_instrumented fz.o __sanitizer_cov_trace_pc "--fuzz -c"
run "$bin/solo5-spt-cc" --fuzz -o fz.spt fz.c
expect_status 0 "--fuzz"
expect_instrumented fz.spt __sanitizer_cov_trace_pc "--fuzz"
expect_defines fz.spt __sanitizer_cov_trace_pc "--fuzz"
expect_guest fz.spt "--fuzz"
# Objects compiled with --fuzz, linked with it too.
run "$bin/solo5-spt-cc" -o fz-objects.spt --fuzz fz.o
expect_status 0 "--fuzz, a link of objects"
expect_guest fz-objects.spt "--fuzz, a link of objects"
# Without --fuzz, neither the instrumentation nor the runtime.
"$bin/solo5-spt-cc" -o fz-plain.spt fz.c
checks=$((checks + 1))
! nm fz-plain.spt | grep -q __sanitizer_cov ||
    fail "a link without --fuzz has coverage: $(nm fz-plain.spt | grep cov)"
expect_guest fz-plain.spt "fz.c without --fuzz"

run "$bin/solo5-spt-cc" --fuzz=clang -Wall -Werror -o fzc.spt fz.c
expect_status 0 "--fuzz=clang"
expect_instrumented fzc.spt __sanitizer_cov_trace_pc_guard "--fuzz=clang"
expect_defines fzc.spt __sanitizer_cov_trace_pc_guard "--fuzz=clang"
# The guards the runtime numbers are kept, between the linker's bounds.
checks=$((checks + 1))
guards=$(nm fzc.spt | awk '$3 == "__start___sancov_guards" { s = $1 }
    $3 == "__stop___sancov_guards" { e = $1 }
    END { print (s != "" && e != "" && e > s) ? "kept" : "lost" }')
[ "$guards" = kept ] || fail "--fuzz=clang: no guards between the bounds"
expect_guest fzc.spt "--fuzz=clang"

# Solo5's name takes it too; the stub bindings link with it.
run "$bin/$T-cc" --fuzz -z solo5-abi=spt -o fz-solo5.spt fz.c
expect_status 0 "$T-cc --fuzz"
expect_instrumented fz-solo5.spt __sanitizer_cov_trace_pc "$T-cc --fuzz"
expect_guest fz-solo5.spt "$T-cc --fuzz"
run "$bin/$T-cc" --fuzz conftest.c
expect_status 0 "$T-cc --fuzz, a stub link"
rm -f a.out

run "$bin/solo5-spt-cc" --fuzz=icc -o bad.spt fz.c
expect_refused "^solo5-spt-cc: --fuzz=icc: unknown" "--fuzz=icc"
expect_absent bad.spt "--fuzz=icc"
# Other build systems get the same flags: the instrumentation added to the
# compiler's, the runtime to the linker's.
run "$bin/solo5-spt-cc" --print-cflags
plain_cflags=$out
run "$bin/solo5-spt-cc" --fuzz --print-cflags
expect_status 0 "--fuzz --print-cflags"
checks=$((checks + 1))
[ "$(printf '%s\n' "$out" | sed 's/ -fsanitize-coverage=trace-pc / /')" = \
    "$plain_cflags" ] || fail "--fuzz --print-cflags: $out"
run "$bin/solo5-spt-cc" --fuzz --print-ldflags
expect_status 0 "--fuzz --print-ldflags"
expect_out "$("$bin/solo5-spt-cc" --print-ldflags |
    sed 's/ -l:solo5_spt\.o/ -l:solo5_spt_cov.o&/')" "--fuzz --print-ldflags"

echo "toolchain_test: $checks checks passed"
