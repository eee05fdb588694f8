#!/bin/sh
# test_container.sh: the static tender as PID 1 of a minimal OCI bundle,
# run by runc, as the README's "Deploying" section shows it:
#
#   1. a block guest writes its disk image; the bytes are checked on disk;
#   2. an idle guest is ended by `runc kill ID TERM`: status 143;
#   3. on a read-only root file system, --block is refused and --block-ro
#      works: reads verified, the write refused, the image unchanged;
#   4. a tap opened outside the container is handed over as @FD (runc
#      --preserve-fds) and the guest answers pings through it.
#
# Each bundle's config.json is the one the README shows; its root file
# system holds the static tender, the unikernel and its disk images,
# nothing else (runc adds the mount points /proc and /dev). No network:
# every container gets an empty network namespace. The containers live in
# a runc state directory of our own, which is emptied and removed with the
# bundles, and the network namespace, on every exit.
set -u

if [ "$(id -u)" != 0 ]; then
    echo "container: skipped: runc needs root"
    exit 0
fi
if ! command -v runc >/dev/null 2>&1; then
    echo "test_container.sh: runc is not installed (mk/deps.sh test)" >&2
    exit 1
fi

B=${SPT_BUILD:-build}
T=$(realpath "$B/bin/solo5-spt")
G=$(realpath "$B/tests/guests")
NET=$(realpath "$B/examples/net.spt")
TAPFD=$(realpath "$B/tests/net/tapfd")
IMG=$(realpath "$B/tests/container/blk_image")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spt-container.XXXXXX")
STATE=$WORK/runc
ID=spt-test-$$
NS=spt-ct-$$
passed=0
failed=0
bg_pid=

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
rc() { runc --root "$STATE" "$@"; }

cleanup() {
    [ -n "$bg_pid" ] && kill -9 "$bg_pid" 2>/dev/null
    for c in $(rc list -q 2>/dev/null); do
        rc delete -f "$c" >/dev/null 2>&1
    done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# The bundle's config.json is the README's ("Deploying"): what it shows is
# what runs here, with only the command line and the root's mode changed.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
mkdir "$WORK/readme" && "$TOP/tests/readme_blocks.sh" "$TOP/README.md" \
    Deploying "$WORK/readme" || exit 1
CONFIG=
for f in "$WORK"/readme/*.json; do
    [ -e "$f" ] && CONFIG=$f && break
done
[ -n "$CONFIG" ] || { echo "test_container.sh: no JSON in README's" \
    "\"Deploying\"" >&2; exit 1; }

# bundle NAME READONLY ARG...: $WORK/NAME with that config.json and a
# rootfs holding the tender; ARG... is the container's command line.
bundle() {
    dir=$WORK/$1 readonly=$2
    shift 2
    mkdir -p "$dir/rootfs" || exit 1
    cp "$T" "$dir/rootfs/solo5-spt" || exit 1
    args='' sep=''
    for a in "$@"; do
        case $a in
        *[\"\\\&\|]*) echo "bundle: cannot quote '$a'" >&2 && exit 1 ;;
        esac
        args="$args$sep\"$a\""
        sep=", "
    done
    sed -e "s|^\( *\"args\": \)\[.*\],\$|\1[$args],|" \
        -e "s|\"readonly\": false|\"readonly\": $readonly|" \
        "$CONFIG" >"$dir/config.json" || exit 1
    # The substitutions must have taken: the template is not the test's.
    grep -qF "\"args\": [$args]," "$dir/config.json" &&
        grep -qF "\"readonly\": $readonly" "$dir/config.json" || {
        echo "test_container.sh: README's config.json has no one-line" \
            "\"args\" or \"readonly\": false" >&2
        exit 1
    }
}

# run NAME [RUNC-RUN-OPTION]...: run the bundle in the foreground; its
# output in $WORK/NAME.out and .err, its status in $status.
run() {
    name=$1
    shift
    rc run "$@" --bundle "$WORK/$name" "$ID-$name" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
    status=$?
    return $status
}

# The container's PID 1, once runc has started it.
init_pid() { # ID
    rc state "$1" 2>/dev/null | sed -n 's/^ *"pid": \([0-9]*\),$/\1/p'
}

# Wait until the container ID runs guest code: its PID 1 has the allowlist
# installed, the tender's very last act before the jump. Sets $pid.
wait_guest() { # ID
    for _ in $(seq 300); do
        pid=$(init_pid "$1")
        [ -n "$pid" ] && [ "$pid" != 0 ] &&
            grep -q '^Seccomp:[[:space:]]*2$' "/proc/$pid/status" 2>/dev/null &&
            return 0
        kill -0 "$bg_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

one_line() { # FILE
    [ "$(wc -l <"$1")" = 1 ]
}

# 1. A block guest writes its image: output, status and the bytes on disk.
bundle blk false /solo5-spt --mem=64 --block:storage=/disk.img \
    --block:spare=/spare.img /blk.spt --solo5:quiet fill 7
cp "$G/blk.spt" "$WORK/blk/rootfs/" &&
    truncate -s 1M "$WORK/blk/rootfs/disk.img" &&
    truncate -s 4096 "$WORK/blk/rootfs/spare.img" || exit 1
run blk
if [ "$status" = 0 ] &&
    grep -qx "capacity 1048576 block 512" "$WORK/blk.out"; then
    ok "block guest in a container: status 0, capacity seen"
else
    bad "block guest: status $status: $(cat "$WORK/blk.out" "$WORK/blk.err")"
fi
if "$IMG" check "$WORK/blk/rootfs/disk.img" 7 &&
    [ "$(stat -c %s "$WORK/blk/rootfs/disk.img")" = 1048576 ]; then
    ok "every byte the guest wrote is on disk, the image not grown"
else
    bad "the image does not hold the guest's pattern"
fi
cmp -s -n 4096 "$WORK/blk/rootfs/spare.img" /dev/zero &&
    [ "$(stat -c %s "$WORK/blk/rootfs/spare.img")" = 4096 ] &&
    ok "the device the guest did not use is untouched" ||
    bad "spare.img changed"

# 2. An idle guest, PID 1 of its container, ended by runc kill TERM.
bundle idle false /solo5-spt --mem=16 /sleep.spt --solo5:quiet 30000
cp "$G/sleep.spt" "$WORK/idle/rootfs/" || exit 1
run idle &
bg_pid=$!
if wait_guest "$ID-idle"; then
    grep -q '^NSpid:.*[[:space:]]1$' "/proc/$pid/status" &&
        ok "the tender is PID 1 of the container" ||
        bad "not PID 1: $(grep NSpid "/proc/$pid/status")"
    rc kill "$ID-idle" TERM || bad "runc kill failed"
    wait "$bg_pid"
    status=$?
    bg_pid=
    # A PID 1 without a handler would ignore TERM and sleep on to status 0.
    if [ "$status" = 143 ] && ! grep -q AWAKE "$WORK/idle.out"; then
        ok "runc kill TERM ends the idle guest with status 143"
    else
        bad "after runc kill TERM: status $status: $(cat "$WORK/idle.out")"
    fi
else
    bad "the idle guest did not start: $(cat "$WORK/idle.out" "$WORK/idle.err")"
fi

# 3. A read-only root file system: --block cannot open the image for
# writing; --block-ro reads it, and the guest's write is refused.
"$IMG" make "$WORK/pattern.img" 1048576 9 || exit 1
for mode in block block-ro; do
    bundle "ro-$mode" true /solo5-spt --mem=64 "--$mode:storage=/disk.img" \
        "--$mode:spare=/spare.img" /blk.spt --solo5:quiet ro 9
    root=$WORK/ro-$mode/rootfs
    cp "$G/blk.spt" "$root/" && cp "$WORK/pattern.img" "$root/disk.img" &&
        truncate -s 4096 "$root/spare.img" || exit 1
done
run ro-block
if [ "$status" = 1 ] && one_line "$WORK/ro-block.err" &&
    grep -q "/disk.img.*Read-only file system" "$WORK/ro-block.err"; then
    ok "read-only root: --block refused in one line" \
        "($(cat "$WORK/ro-block.err"))"
else
    bad "read-only root, --block: status $status:" \
        "$(cat "$WORK/ro-block.out" "$WORK/ro-block.err")"
fi
run ro-block-ro
if [ "$status" = 0 ] && grep -qx "WRITE EUNSPEC" "$WORK/ro-block-ro.out"; then
    ok "read-only root, --block-ro: reads verified, the write refused"
else
    bad "read-only root, --block-ro: status $status:" \
        "$(cat "$WORK/ro-block-ro.out" "$WORK/ro-block-ro.err")"
fi
cmp -s "$WORK/pattern.img" "$WORK/ro-block-ro/rootfs/disk.img" &&
    ok "read-only root, --block-ro: the image unchanged" ||
    bad "the read-only image changed"

# 4. A tap opened outside the container (here by tapfd, in a network
# namespace of ours), handed over as @FD: the guest answers through it.
if ip netns add "$NS" && ip -n "$NS" tuntap add tap0 mode tap &&
    ip -n "$NS" addr add 10.0.0.1/24 dev tap0 &&
    ip -n "$NS" link set tap0 up; then
    bundle net false /solo5-spt --mem=64 --net:service=@3 /net.spt \
        service=10.0.0.2
    cp "$NET" "$WORK/net/rootfs/" || exit 1
    # Into the tap's network namespace only: "ip netns exec" would also
    # mount a new /sys, hiding the cgroup mounts runc needs.
    nsenter --net="/run/netns/$NS" "$TAPFD" tap0 3 \
        "$(command -v runc)" --root "$STATE" run --preserve-fds 1 \
        --bundle "$WORK/net" "$ID-net" >"$WORK/net.out" 2>"$WORK/net.err" </dev/null &
    bg_pid=$!
    if wait_guest "$ID-net"; then
        # The container's own network namespace has no interface but lo.
        [ "$(grep -c : "/proc/$pid/net/dev")" = 1 ] &&
            grep -q '^ *lo:' "/proc/$pid/net/dev" &&
            ok "the container has no network interface of its own" ||
            bad "interfaces in the container: $(cat "/proc/$pid/net/dev")"
        ip netns exec "$NS" ping -c 3 -i 0.2 -W 5 10.0.0.2 \
            >"$WORK/ping.out" 2>&1
        grep -q "^3 packets transmitted, 3 received" "$WORK/ping.out" &&
            ok "a tap handed over as @FD: the guest answers pings" ||
            bad "ping through @FD: $(cat "$WORK/ping.out" "$WORK/net.out")"
        rc kill "$ID-net" TERM
        wait "$bg_pid"
        status=$?
        bg_pid=
        [ "$status" = 143 ] && ok "the network guest ended by TERM too" ||
            bad "network guest: status $status"
    else
        bad "the network guest did not start:" \
            "$(cat "$WORK/net.out" "$WORK/net.err")"
    fi
else
    bad "could not make a tap in a network namespace"
fi

[ -z "$(rc list -q)" ] && ok "no container left behind" ||
    bad "containers left: $(rc list -q)"

echo "container: $passed passed, $failed failed"
[ $failed = 0 ]
