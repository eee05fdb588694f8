#!/bin/sh
# test_net.sh: network devices end to end (spec sections 3, 4, 6).
#
# Runs as root, inside a network namespace it creates (and deletes), on tap
# interfaces it makes there; no traffic leaves the namespace.
#
#   test_net.sh [--update-golden]   (rewrites tests/golden/policy-net.txt)
set -u

. "$(dirname "$0")/../golden/golden.sh"
golden_args "$@"

B=${SPT_BUILD:-build}
T=$(realpath "$B/bin/solo5-spt")
G=$(realpath "$B/tests/guests")
NET=$(realpath "$B/examples/net.spt")
TAPFD=$(realpath "$B/tests/net/tapfd")
NS=spt-net-$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spt-net.XXXXXX")
passed=0
failed=0
guest_pid=

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
nsx() { ip netns exec "$NS" "$@"; }

cleanup() {
    [ -n "$guest_pid" ] && kill -9 "$guest_pid" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
    echo "test_net.sh: must run as root (network namespaces, taps)" >&2
    exit 1
fi

tap() { # name address [mtu] [down]
    ip -n "$NS" tuntap add "$1" mode tap || exit 1
    [ -n "${3:-}" ] && ip -n "$NS" link set "$1" mtu "$3"
    ip -n "$NS" addr add "$2" dev "$1"
    [ "${4:-}" = down ] || ip -n "$NS" link set "$1" up
}

ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
tap tap0 10.0.0.1/24
tap tap1 10.0.1.1/24
tap tap9k 10.0.9.1/24 9000
tap tapdown 10.0.8.1/24 "" down

# Start a guest in the namespace; wait until it serves (or fails).
start() { # log args...
    log=$1
    shift
    # Not through nsx: $! must be the tender ("ip netns exec" execs it).
    ip netns exec "$NS" "$@" >"$log" 2>&1 &
    guest_pid=$!
    for _ in $(seq 100); do
        grep -q "net: serving" "$log" && return 0
        kill -0 "$guest_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

stop() {
    kill -9 "$guest_pid" 2>/dev/null
    wait "$guest_pid" 2>/dev/null
    guest_pid=
}

# "N packets transmitted, N received" for N = $2 in ping output $1.
all_answered() {
    grep -q "^$2 packets transmitted, $2 received" "$1"
}

# 1. Flood ping: every echo answered; --net-mac seen in guest and host.
MAC=02:53:50:54:00:2a
if start "$WORK/flood.log" "$T" --net:service=tap0 --net-mac:service=$MAC \
    "$NET" service=10.0.0.2; then
    timeout 120 ip netns exec "$NS" ping -f -q -c 100000 10.0.0.2 \
        >"$WORK/ping.out" 2>&1
    if all_answered "$WORK/ping.out" 100000; then
        ok "100000 flood-ping echo requests all answered"
    else
        bad "flood ping: $(grep transmitted "$WORK/ping.out")"
    fi
    grep -q "service mac $MAC mtu 1500" "$WORK/flood.log" &&
        ok "--net-mac seen by the guest" || bad "--net-mac in the guest"
    ip -n "$NS" neigh show 10.0.0.2 | grep -q "lladdr $MAC" &&
        ok "--net-mac in the host's neighbour table" ||
        bad "--net-mac in the neighbour table: $(ip -n "$NS" neigh)"
    nsx ethtool -k tap0 2>/dev/null | grep -q 'generic-receive-offload: off' &&
        ok "GRO off on the tap" || bad "GRO still on"

    # 2. Payload preserved: ping checks every reply's data.
    timeout 120 ip netns exec "$NS" ping -f -q -c 10000 -s 1400 \
        -p a55a0ff0c33c 10.0.0.2 >"$WORK/pattern.out" 2>&1
    if all_answered "$WORK/pattern.out" 10000 &&
        ! grep -q "wrong data" "$WORK/pattern.out"; then
        ok "payload pattern preserved across 10000 echoes of 1400 bytes"
    else
        bad "payload: $(head -3 "$WORK/pattern.out")"
    fi
else
    bad "guest on tap0 did not start: $(cat "$WORK/flood.log")"
fi
stop

# 3. A random MAC is locally administered and unicast.
if start "$WORK/rnd.log" "$T" --net:service=tap0 "$NET"; then
    mac=$(sed -n 's/.*service mac \([0-9a-f:]*\) .*/\1/p' "$WORK/rnd.log")
    first=$((0x$(echo "$mac" | cut -c1-2)))
    [ $((first & 3)) = 2 ] && ok "random MAC $mac is local and unicast" ||
        bad "random MAC $mac"
else
    bad "guest with a random MAC did not start"
fi
stop

# 4. Two interfaces served at once.
if start "$WORK/two.log" "$T" --net:service0=tap0 --net:service1=tap1 \
    "$G/net2.spt" service0=10.0.0.2 service1=10.0.1.2; then
    timeout 60 ip netns exec "$NS" ping -f -q -c 2000 10.0.0.2 \
        >"$WORK/p0.out" 2>&1 &
    p0=$!
    timeout 60 ip netns exec "$NS" ping -f -q -c 2000 10.0.1.2 \
        >"$WORK/p1.out" 2>&1
    wait $p0
    all_answered "$WORK/p0.out" 2000 && all_answered "$WORK/p1.out" 2000 &&
        ok "two interfaces served at once" ||
        bad "two interfaces: $(cat "$WORK/p0.out" "$WORK/p1.out")"
else
    bad "guest with two interfaces did not start: $(cat "$WORK/two.log")"
fi
stop

# 5. MTU 9000, and jumbo frames both ways.
if start "$WORK/jumbo.log" "$T" --net:service=tap9k "$NET" \
    service=10.0.9.2; then
    grep -q "mtu 9000" "$WORK/jumbo.log" && ok "MTU 9000 reported as 9000" ||
        bad "MTU: $(grep mtu "$WORK/jumbo.log")"
    timeout 30 ip netns exec "$NS" ping -c 20 -i 0.01 -s 8972 -M do \
        10.0.9.2 >"$WORK/jumbo.out" 2>&1
    all_answered "$WORK/jumbo.out" 20 && ok "8972-byte pings answered" ||
        bad "jumbo ping: $(tail -3 "$WORK/jumbo.out")"
else
    bad "guest on the MTU 9000 tap did not start: $(cat "$WORK/jumbo.log")"
fi
stop

# 6. --net:NAME=@FD, a tap opened by someone else.
if start "$WORK/fd.log" "$TAPFD" tap0 7 "$T" --net:service=@7 "$NET" \
    service=10.0.0.2; then
    timeout 30 ip netns exec "$NS" ping -c 50 -i 0.01 10.0.0.2 \
        >"$WORK/fd.out" 2>&1
    grep -q "mtu 1500" "$WORK/fd.log" && all_answered "$WORK/fd.out" 50 &&
        ok "attachment by @FD" || bad "@FD: $(tail -3 "$WORK/fd.out")"
else
    bad "guest with @FD did not start: $(cat "$WORK/fd.log")"
fi
stop

# 7. The command shape urunc uses, end to end, with a disk.
truncate -s 1M "$WORK/rootfs.img"
ip netns exec "$NS" "$T" --mem=64 --net:service=tap0 \
    --net-mac:service=02:00:00:00:00:07 --block:rootfs="$WORK/rootfs.img" \
    "$G/urunc.spt" service=10.0.0.2 --disk=rootfs --seconds=3 \
    >"$WORK/urunc.log" 2>&1 &
guest_pid=$!
sleep 0.5
timeout 30 ip netns exec "$NS" ping -c 20 -i 0.05 10.0.0.2 >"$WORK/urunc.out" 2>&1
wait "$guest_pid"
status=$?
guest_pid=
if [ $status = 0 ] && all_answered "$WORK/urunc.out" 20 &&
    head -c 16 "$WORK/rootfs.img" | grep -q "SPT-NET-DISK-OK" &&
    [ "$(stat -c %s "$WORK/rootfs.img")" = 1048576 ]; then
    ok "urunc command shape: --mem --net --net-mac --block KERNEL ARGS"
else
    bad "urunc shape: status $status, $(tail -2 "$WORK/urunc.out")"
fi

# 8. Refusals: status 1 and one line naming the cause.
refused() { # what expected-text command...
    what=$1
    want=$2
    shift 2
    nsx "$@" >"$WORK/ref.out" 2>"$WORK/ref.err"
    status=$?
    if [ $status = 1 ] && [ "$(wc -l <"$WORK/ref.err")" = 1 ] &&
        grep -q -- "$want" "$WORK/ref.err"; then
        ok "refused: $what"
    else
        bad "$what: status $status, $(cat "$WORK/ref.err")"
    fi
}
refused "unknown interface" "no interface named 'nosuch0'" \
    "$T" --net:service=nosuch0 "$NET"
refused "interface down" "interface 'tapdown' is down" \
    "$T" --net:service=tapdown "$NET"
refused "name template" "is a name template" \
    "$T" --net:service=tap%d "$NET"
refused "a non-tap interface" "not a tap interface" \
    "$T" --net:service=lo "$NET"
refused "bad MAC" "is not a MAC address" \
    "$T" --net:service=tap0 --net-mac:service=02:00:00:00:00:zz "$NET"
refused "multicast MAC" "multicast" \
    "$T" --net:service=tap0 --net-mac:service=01:00:5e:00:00:01 "$NET"
refused "descriptor not open" "not an open descriptor" \
    "$T" --net:service=@99 "$NET"
refused "closed descriptor the next open would take" \
    "@3 is not an open descriptor" \
    sh -c "exec 3>&-; exec '$T' --net:service=@3 '$NET'"
refused "descriptor 1" "stdin, stdout or stderr" \
    "$T" --net:service=@1 "$NET"
refused "a file descriptor that is no tap" "is not a tap descriptor" \
    sh -c "exec 9</etc/hostname; exec '$T' --net:service=@9 '$NET'"
refused "a tun descriptor" "IFF_TAP | IFF_NO_PI" \
    "$TAPFD" --tun tunx 7 "$T" --net:service=@7 "$NET"
refused "a tap with a vnet header" "IFF_TAP | IFF_NO_PI" \
    "$TAPFD" --vnet-hdr tap1 7 "$T" --net:service=@7 "$NET"
refused "undeclared name" "declares no NET_BASIC device named 'other'" \
    "$T" --net:other=tap0 "$NET"
refused "missing attachment" "not attached: --net:service=IFACE" \
    "$T" "$NET"
refused "a net name given as block" "is a NET_BASIC device" \
    "$T" --block:service=/dev/null "$NET"
ip -n "$NS" link show tap%d >/dev/null 2>&1 && bad "a tap%d interface appeared" ||
    ok "no interface was created by the tender"

# 9. The allowlist of a network guest equals its reviewed copy.
if golden_policy policy-net.txt nsx "$T" --x-print-policy \
    --net:service=tap0 "$NET"; then
    ok "allowlist of a network guest as in tests/golden"
else
    bad "allowlist of a network guest (diff above)"
fi

echo "network: $passed passed, $failed failed"
[ $failed = 0 ]
