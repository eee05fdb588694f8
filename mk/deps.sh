#!/bin/sh
# deps.sh: the Debian packages this project needs, written once.
#
#   mk/deps.sh build    what `make`, `make demo` and `make install` need
#   mk/deps.sh test     that, and what `make check`, `make bench` and
#                       `make fuzz` need on top
#   mk/deps.sh list build|test    print the packages, one per line
#   mk/deps.sh hint afl     print the command that installs AFL++, which
#                           `make fuzz-demo` needs (and installs nothing)
#
# As root, missing packages are installed; otherwise the exact command to
# run is printed and the script fails, so the build stops there.
set -eu

# Building: the compiler, the C library (its static archives too: the
# tender is static-pie), libseccomp (the tender's allowlist) and jansson
# (solo5-spt-mft reads JSON manifests; it is installed with the SDK).
# binutils (ld -r, ar) comes with gcc.
build_packages="gcc make libc6-dev libseccomp-dev libjansson-dev"

# Testing only: cmocka (unit and end-to-end tests); iproute2, iputils-ping
# and ethtool (network tests); strace and gdb (guest and process tests);
# clang, its sanitizer and libFuzzer runtimes and llvm (fuzz harnesses,
# symbolized reports); runc (the container test); autoconf (configure
# probes of the toolchain); afl++ (fuzzing the tender, and unikernels
# through it: also `make fuzz-demo` and the fuzz row of `make bench`);
# pkg-config (the installed .pc file); groff-base (checking the man page).
afl_packages="afl++"
test_packages="libcmocka-dev iproute2 iputils-ping ethtool strace gdb
clang libclang-rt-14-dev llvm runc autoconf $afl_packages pkg-config
groff-base"

usage() {
    echo "usage: mk/deps.sh build|test|list build|test|hint afl" >&2
    exit 1
}

install_command() { # PACKAGE...
    echo "sudo apt-get install -y --no-install-recommends $*"
}

wanted() { # build|test
    case $1 in
    build) echo $build_packages ;;
    test) echo $build_packages $test_packages ;;
    *) usage ;;
    esac
}

[ $# -ge 1 ] || usage
if [ "$1" = list ]; then
    [ $# = 2 ] || usage
    packages=$(wanted "$2") # not in a pipeline: usage's status stays
    # shellcheck disable=SC2086 # a list of words
    printf '%s\n' $packages
    exit 0
fi
if [ "$1" = hint ]; then
    if [ $# != 2 ] || [ "$2" != afl ]; then
        usage
    fi
    # shellcheck disable=SC2086 # a list of words
    install_command $afl_packages
    exit 0
fi
[ $# = 1 ] || usage
packages=$(wanted "$1")

missing=
for p in $packages; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
        grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "solo5-spt: missing Debian packages ($1):$missing" >&2
    # shellcheck disable=SC2086 # a list of words
    echo "solo5-spt: install them with: $(install_command $missing)" >&2
    exit 1
fi
echo "solo5-spt: installing missing Debian packages ($1):$missing"
export DEBIAN_FRONTEND=noninteractive
# Another apt (a second build, unattended upgrades) may hold the lock:
# wait for it rather than fail. A stale package list is refreshed once.
apt="apt-get -o DPkg::Lock::Timeout=120"
# shellcheck disable=SC2086
$apt install -y --no-install-recommends $missing ||
    { $apt update && $apt install -y --no-install-recommends $missing; }
