# shellcheck shell=sh disable=SC2034
# /lib/vmtest.sh: helpers for guest test scripts (busybox sh). Source it first:
#     . /lib/vmtest.sh
#     check_eq "sends counted" "$n" 1000
#     ...
#     vm_done          # exit status 1 if any check failed
# Output is one line per check, "ok - NAME" or "not ok - NAME: DETAIL", which run-guest.sh shows.
# Busybox's shell runs its own applets before PATH: call iproute2 as $IP / $TC (absolute paths).
T=/sys/kernel/tracing
IP=/usr/sbin/ip
TC=/usr/sbin/tc
vm_failed=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1: $2"; vm_failed=$((vm_failed + 1)); }
note() { echo "# $*"; }
skip() { echo "ok - $1 # SKIP $2"; }   # e.g. skip exporter "no /usr/local/bin/ftrace_exporter"
check() { # check NAME COMMAND...: ok if COMMAND succeeds
    _n=$1; shift
    if "$@"; then ok "$_n"; else not_ok "$_n" "command failed: $*"; fi
}
check_eq() { # check_eq NAME GOT WANT
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi
}
check_gt() { # check_gt NAME GOT MIN: GOT is an integer > MIN
    if [ "$2" -gt "$3" ] 2>/dev/null; then ok "$1 ($2 > $3)"; else not_ok "$1" "got '$2', want > $3"; fi
}
# elapsed time helpers (seconds with centiseconds, from /proc/uptime)
now() { cut -d' ' -f1 /proc/uptime; }
# start_exporter ADDR: runs $X on config $C in the background ($xpid) and
# waits up to 30 s until the calling script's scrape() answers.
start_exporter() {
    "${X:?}" --config.file="${C:?}" --web.listen-address="$1" --log.level=info \
        > /tmp/exporter.log 2>&1 &
    xpid=$!
    _i=0
    while [ $_i -lt 150 ]; do
        scrape 2>/dev/null && return 0
        kill -0 $xpid 2>/dev/null || break
        sleep 0.2
        _i=$((_i + 1))
    done
    note "exporter log: $(tail -n 5 /tmp/exporter.log)"
    return 1
}
# netem_pair NS_A NS_B DEV_A DEV_B NET: veth DEV_A (NET.1/24) in NS_A and
# DEV_B (NET.2/24) in NS_B, all up, netem loss 20% on DEV_A.
netem_pair() {
    $IP netns add "$1" && $IP netns add "$2" &&
    $IP link add "$3" netns "$1" type veth peer name "$4" netns "$2" &&
    $IP -n "$1" addr add "$5.1/24" dev "$3" && $IP -n "$2" addr add "$5.2/24" dev "$4" &&
    $IP -n "$1" link set lo up && $IP -n "$2" link set lo up &&
    $IP -n "$1" link set "$3" up && $IP -n "$2" link set "$4" up &&
    $IP netns exec "$1" "$TC" qdisc add dev "$3" root netem loss 20%
}
vm_done() {
    if [ "$vm_failed" -eq 0 ]; then exit 0; fi
    note "$vm_failed check(s) failed"
    exit 1
}
