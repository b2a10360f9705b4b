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
# has CAP: true when this kernel offers CAP (detected from tracefs, never assumed):
#   function (function tracer), kprobe (kprobe events), hist (hist triggers), reason
#   (skb:kfree_skb has a drop reason field), eprobe (event probes, "e:"), fprobe (fprobe
#   events, "f:"), btfargs (probe arguments by name, from BTF). The README lists the dynamic
#   event syntax this kernel accepts; guest-smoke.sh creates each kind and counts with it.
has() {
    case "$1" in
        function) grep -qw function $T/available_tracers ;;
        kprobe) [ -e $T/kprobe_events ] ;;
        hist) [ -e $T/events/skb/kfree_skb/hist ] ;;
        reason) grep -q 'field:.*[ ]reason;' $T/events/skb/kfree_skb/format ;;
        eprobe) grep -q '^[[:space:]]*e\[:' $T/README ;;
        fprobe) grep -q '^[[:space:]]*f\[:' $T/README ;;
        btfargs) grep -q '<argname>' $T/README ;;
        *) echo "has: unknown capability $1" >&2; return 2 ;;
    esac
}
CAPS="function kprobe hist reason eprobe fprobe btfargs"
# expected_caps: what tests/vm/kernels says this kernel allows (vmcaps=a,b on the kernel
# command line, run.sh passes it), "?" when not given
expected_caps() {
    _e="?"
    for _a in $(cat /proc/cmdline); do
        case "$_a" in vmcaps=*) _e=$(echo "${_a#vmcaps=}" | tr ',' ' ') ;; esac
    done
    echo "$_e"
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
# eventually SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds (0) or SECONDS pass
eventually() {
    _end=$(( ${1%.*} * 10 )); shift
    while ! "$@"; do
        [ "$_end" -gt 0 ] || return 1
        sleep 0.1
        _end=$((_end - 1))
    done
}
# reloads_logged N: true when the exporter's log shows at least N reloads
reloads_logged() { [ "$(grep -c 'msg="config reloaded"' /tmp/exporter.log)" -ge "$1" ]; }
# Scrapes of an exporter at $ADDR tracing into instance $I, saved in $M. A scrape itself calls
# tcp_sendmsg/tcp_recvmsg: snap pauses the instance while it scrapes (see guest-exporter.sh).
scrape() { wget -q -O "${M:?}" "http://${ADDR:?}/metrics"; }
# kstat FIELD: FIELD of instance $I's per-CPU ring-buffer stats, summed over CPUs
kstat() { cat "${I:?}"/per_cpu/cpu*/stats | awk -v f="$1:" 'index($0, f) == 1 { s += $NF } END { print s + 0 }'; }
# parsed_past N: scrapes; true when the exporter has parsed at least N records, its count has
# not moved for longer than a reader's poll period (READER_POLL_MS, 200 ms: a reader with a page
# still to read would have read it) and, while tracing is paused, nothing is left unread in the
# instance's buffer
parsed_past() {
    scrape && _n=$(sum ftrace_exporter_events_total) && _t=$(now) || return 1
    if [ "$_n" != "$_parsed" ]; then _parsed=$_n _since=$_t; return 1; fi
    [ "$_n" -ge "$1" ] && awk -v a="$_since" -v b="$_t" 'BEGIN { exit !(b - a > 0.3) }' &&
        { [ "$(cat "$I/tracing_on")" = 1 ] || [ "$(kstat entries)" = 0 ]; }
}
# drain: scrapes until the readers have read and parsed every record the instance's buffer held
# when called, at most 60 s; the last scrape is in $M. The kernel's "read events" + "entries" of
# that moment bound it from below, but a reload or tracer change resets those counters (seen on
# 6.1), hence also: nothing unread while paused, and a count that stays put past a poll period.
drain() {
    _want=$(( $(kstat "read events") + $(kstat entries) )) _parsed="" _since=0
    eventually 60 parsed_past "$_want" && return 0
    note "not drained: events_total $(sum ftrace_exporter_events_total) < $_want"
    return 1
}
# snap NAME: pause the exporter's instance, wait until the readers drained it, save the scrape
# as /tmp/NAME.txt (tracing stays paused: resume before the next workload)
snap() { echo 0 > "${I:?}/tracing_on"; drain; keep "$1"; }
resume() { echo 1 > "$I/tracing_on"; }
# val SERIES [FILE]: the value of one series ('name{labels}') in a scrape, 0 if absent
val() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "${2:-$M}"; }
# sum FAMILY [FILE]: sum of every series of a family
sum() { awk -v f="$1" 'index($1, f "{") == 1 || $1 == f { s += $2 } END { print s + 0 }' "${2:-$M}"; }
fn() { echo "ftrace_function_hits_total{function=\"$1\"}"; }
ev() { echo "ftrace_event_hits_total{event=\"$1\"}"; }
# keep NAME: save the last scrape as /tmp/NAME.txt
keep() { cp "$M" "/tmp/$1.txt"; }
# d SERIES A B: value in saved scrape B minus value in saved scrape A
d() { echo $(( $(val "$1" "/tmp/$3.txt") - $(val "$1" "/tmp/$2.txt") )); }
dsum() { echo $(( $(sum "$1" "/tmp/$3.txt") - $(sum "$1" "/tmp/$2.txt") )); }
# stop_exporter SIGNAL: send it to $xpid and wait; exit status in $xrc (not in $(...): a
# subshell cannot wait for its parent's children)
stop_exporter() { kill -"$1" "${xpid:?}"; wait "$xpid"; xrc=$?; }
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
# veth_ns NS DEV0 DEV1 NET [NET6]: namespace NS joined to the root namespace
# by veth DEV0 (NET.1/24, NET6::1/64) and its peer DEV1 in NS (NET.2/24,
# NET6::2/64; IPv6 without DAD, only when NET6 is given), all up. veth_ns_del
# NS DEV0 removes them.
veth_ns() {
    $IP netns add "$1" && $IP link add "$2" type veth peer name "$3" netns "$1" &&
    $IP addr add "$4.1/24" dev "$2" && $IP -n "$1" addr add "$4.2/24" dev "$3" &&
    { [ -z "${5:-}" ] || { $IP addr add "$5::1/64" dev "$2" nodad &&
        $IP -n "$1" addr add "$5::2/64" dev "$3" nodad; }; } &&
    $IP link set "$2" up && $IP -n "$1" link set "$3" up && $IP -n "$1" link set lo up
}
veth_ns_del() { $IP netns del "$1" 2>/dev/null; $IP link del "$2" 2>/dev/null; }
vm_done() {
    if [ "$vm_failed" -eq 0 ]; then exit 0; fi
    note "$vm_failed check(s) failed"
    exit 1
}
