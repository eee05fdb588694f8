#!/bin/sh
# deps.sh: make sure the Debian packages that `make`, `make demo` and
# `make check` need are installed. As root it installs what is missing;
# otherwise it prints the exact command to run and fails.
set -eu

packages="gcc make libc6-dev pkg-config libseccomp-dev libjansson-dev
libcmocka-dev iproute2 iputils-ping ethtool strace gdb
clang libclang-rt-14-dev llvm"

missing=
for p in $packages; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
        grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "solo5-spt: missing Debian packages:$missing" >&2
    echo "solo5-spt: install them with: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "solo5-spt: installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing ||
    { apt-get update && apt-get install -y --no-install-recommends $missing; }
