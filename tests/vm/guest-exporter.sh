#!/bin/sh
# guest-exporter.sh: issue 3 checks 1-4 against the real exporter on the guest kernel.
#   1. N send()/recv() on a connected TCP socket raise the tcp_sendmsg/tcp_recvmsg function hits
#      by exactly N.
#   2. netem loss across a veth pair: tcp_retransmit_skb function hits with caller labels, equal
#      to the tcp:tcp_retransmit_skb tracepoint up to failed attempts and calls from elsewhere,
#      which kretprobe witnesses count exactly (see below); receive-path hits (__netif_receive_skb
#      function, net:netif_receive_skb tracepoint per device) agree with each other and with the
#      devices' packet counters; send/recv hits agree with the workload's own call counts.
#   3. kprobe tcp_sendmsg counts exactly like the function probe; a fetcharg label (size) works.
#   4. SIGTERM: exit 0, instance and kprobe group gone, top-level tracer and filter untouched;
#      kill -9 then restart cleans the stale instance and kprobes. --check-config names a
#      function that is not traceable.
#
# Scrapes and exactness: /metrics is fetched with busybox wget over 127.0.0.1, and a scrape
# itself calls tcp_sendmsg/tcp_recvmsg and sends packets through lo (__netif_receive_skb). Worse,
# whether the scrape's own request is already counted in the numbers it returns depends on when
# the exporter's reader thread wakes up (every 200 ms), so "subtract one scrape's cost" is off by
# one now and then. Instead the test pauses the exporter's instance while it scrapes: it writes 0
# to instances/vmexp/tracing_on, waits until the readers drained the buffer, scrapes (the
# scrape's own calls are not recorded at all), and writes 1 again before the next workload.
# Every delta between two such snapshots is then exactly the workload's calls.
. /lib/vmtest.sh
X=/usr/local/bin/ftrace_exporter
W=/usr/local/bin/workload
C=/etc/ftrace_exporter/vm/exporter.yaml
ADDR=127.0.0.1:9101
I=$T/instances/vmexp
G=fte_vmexp
N=1000
M=/tmp/metrics.txt

[ -x "$X" ] || { skip exporter "no $X"; vm_done; }

# --- helpers (scrape, snap, resume, val, sum, fn, ev, keep, d, dsum: /lib/vmtest.sh) ---------------
# veth_rx NETNS DEV: packets the device received (kernel's own counter)
veth_rx() { $IP -n "$1" -s link show "$2" | awk '/RX:/ { getline; print $2; exit }'; }
# kprobes_of_group: our kprobe definitions in the global kprobe_events
kprobes_of_group() { grep -c "^[pr]:$G/" $T/kprobe_events; }

check_probes_up() {
    for p in tcp_sendmsg tcp_recvmsg tcp_retransmit_skb netif_receive_skb tp_retransmit \
             tp_netif_receive kp_send kp_send_size; do
        check_eq "probe_up $p$1" "$(val "ftrace_exporter_probe_up{probe=\"$p\"}")" 1
    done
    grep 'probe down' /tmp/exporter.log | sed 's/^/# /'
}

# --- check-config ------------------------------------------------------------------------------
check_config_checks() {
    out=$("$X" --check-config --config.file="$C" 2>&1)
    check_eq "--check-config accepts the VM config ($out)" "$?" 0
    out=$("$X" --check-config --config.file=/etc/ftrace_exporter/vm/bad-function.yaml 2>&1)
    check_eq "--check-config fails on an untraceable function" "$?" 1
    echo "$out" | sed 's/^/# /'
    case "$out" in
        *tcp_no_such_function*"not traceable"*) ok "--check-config names tcp_no_such_function" ;;
        *) not_ok "--check-config names the function" "$out" ;;
    esac
    # tcp_drop was replaced by kfree_skb_reason() in 5.19: use it where this kernel lacks it
    if grep -q '^tcp_drop$' $T/available_filter_functions; then
        skip "--check-config fails on tcp_drop" "tcp_drop is traceable on $(uname -r)"
        return
    fi
    sed 's/tcp_no_such_function/tcp_drop/' /etc/ftrace_exporter/vm/bad-function.yaml > /tmp/drop.yaml
    out=$("$X" --check-config --config.file=/tmp/drop.yaml 2>&1)
    check_eq "--check-config fails on tcp_drop (not in available_filter_functions)" "$?" 1
    echo "$out" | sed 's/^/# /'
    case "$out" in
        *"function tcp_drop is not traceable"*) ok "--check-config names tcp_drop" ;;
        *) not_ok "--check-config names tcp_drop" "$out" ;;
    esac
}

# --- check 1 and 3: exact counts over loopback --------------------------------------------------
# Two scrapes while paused: the second one must not see the first one's calls.
paused_scrapes() {
    snap q0; snap q1; resume
    check_eq "a scrape while paused adds no tcp_sendmsg hit" "$(d "$(fn tcp_sendmsg)" q0 q1)" 0
    check_eq "a scrape while paused adds no tcp_recvmsg hit" "$(d "$(fn tcp_recvmsg)" q0 q1)" 0
    check_eq "a scrape while paused adds no __netif_receive_skb hit" \
        "$(d "$(fn __netif_receive_skb)" q0 q1)" 0
}

exact_counts() {
    snap p0; resume
    out=$($W tcp-pair $N)
    snap p1; resume
    note "$out"
    check_eq "function tcp_sendmsg: $N send() = $N hits" "$(d "$(fn tcp_sendmsg)" p0 p1)" $N
    check_eq "function tcp_recvmsg: $N recv() = $N hits" "$(d "$(fn tcp_recvmsg)" p0 p1)" $N
    check_eq "kprobe tcp_sendmsg counts exactly like the function probe" \
        "$(d "$(ev $G:kp_send)" p0 p1)" "$(d "$(fn tcp_sendmsg)" p0 p1)"
    check_eq "kprobe with fetcharg size: $N hits with size=\"64\"" \
        "$(d 'ftrace_vm_send_size_total{size="64"}' p0 p1)" $N
    check_eq "kprobe with fetcharg: no other size" "$(dsum ftrace_vm_send_size_total p0 p1)" $N
    check_eq "kprobe with fetcharg: its labelled family counts like its event" \
        "$(dsum ftrace_vm_send_size_total p0 p1)" "$(d "$(ev $G:kp_send_size)" p0 p1)"
    check_eq "both kprobes count the same" \
        "$(d "$(ev $G:kp_send_size)" p0 p1)" "$(d "$(ev $G:kp_send)" p0 p1)"
}

# --- a witness of our own: kretprobes on tcp_retransmit_skb and __tcp_retransmit_skb -----------
# The tcp:tcp_retransmit_skb tracepoint fires inside __tcp_retransmit_skb() when it succeeds, so
# it differs from the calls of tcp_retransmit_skb() by (a) attempts that fail (-EBUSY while the
# original skb is still in a host queue, -EAGAIN under TSQ, ...) and (b) successful calls of
# __tcp_retransmit_skb() from elsewhere (tcp_send_loss_probe). On 6.1 tcp_retransmit_skb()
# inlines __tcp_retransmit_skb(), so a kretprobe on __tcp_retransmit_skb sees only the other
# callers. Two kretprobes in the test's own group and instance record return values and
# callers, which makes the comparison exact:
#     tracepoint = function hits - failed tcp_retransmit_skb() + succeeded from other callers
# They are also another tool's kprobes that the exporter must leave alone.
WI=$T/instances/vmwit
witness_setup() {
    mkdir "$WI" &&
    echo 'r:vmwit/vmwit_rtx tcp_retransmit_skb ret=$retval:s32' >> $T/kprobe_events &&
    echo 'r:vmwit/vmwit_rtx2 __tcp_retransmit_skb ret=$retval:s32' >> $T/kprobe_events &&
    echo 1 > "$WI/events/vmwit/enable"
}
witness_defined() { grep -c '^r[0-9]*:vmwit/vmwit_rtx2* ' $T/kprobe_events; }
witness_remove() {
    echo 0 > "$WI/events/vmwit/enable"
    echo '-:vmwit/vmwit_rtx' >> $T/kprobe_events
    echo '-:vmwit/vmwit_rtx2' >> $T/kprobe_events
    rmdir "$WI"
}
# witness_counts: "CALLS FAILED OTHER_OK": calls of tcp_retransmit_skb, how many of them
# failed, successful calls of __tcp_retransmit_skb not from tcp_retransmit_skb.
# Lines: "EVENT: (CALLER+0x../0x.. <- FUNCTION) ret=N"
witness_counts() {
    sed -n 's/.* \(vmwit_rtx2*\): (\([^+]*\)+.* ret=\(-*[0-9]*\).*/\1 \2 \3/p' "$WI/trace" |
    awk '$1 == "vmwit_rtx" { c++; if ($3 != 0) f++ }
         $1 == "vmwit_rtx2" && $2 != "tcp_retransmit_skb" && $3 == 0 { o++ }
         END { print c + 0, f + 0, o + 0 }'
}
# kprobe_profile: "EVENT HITS MISSED" (the event name without its group)
witness_missed() { awk '$1 ~ /^vmwit_rtx2?$/ { m += $3 } END { print m + 0 }' $T/kprobe_profile; }

# --- check 2: netem loss across veth between two namespaces -----------------------------------
# No traffic but the test's: IPv6 off (no DAD, router solicitations, MLD reports) and permanent
# neighbour entries (no ARP), so the veth counters and the probes see the same packets.
netem_setup() {
    $IP netns add vxa && $IP netns add vxb &&
    no_ipv6 vxa && no_ipv6 vxb &&
    $IP link add xa netns vxa address 02:00:00:00:20:01 type veth \
        peer name xb netns vxb address 02:00:00:00:20:02 &&
    $IP -n vxa neigh add 10.201.0.2 lladdr 02:00:00:00:20:02 dev xa nud permanent &&
    $IP -n vxb neigh add 10.201.0.1 lladdr 02:00:00:00:20:01 dev xb nud permanent &&
    $IP -n vxa addr add 10.201.0.1/24 dev xa && $IP -n vxb addr add 10.201.0.2/24 dev xb &&
    $IP -n vxa link set lo up && $IP -n vxb link set lo up &&
    $IP -n vxa link set xa up && $IP -n vxb link set xb up &&
    $IP netns exec vxa $TC qdisc add dev xa root netem loss 20%
}

no_ipv6() {
    $IP netns exec "$1" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 &&
        echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
}

# Checks that every caller label is a function name and prints them.
callers() {
    _c=$(grep '^ftrace_vm_retransmit_callers_total{' "$M" | sed 's/.*caller="\([^"]*\)".*} \(.*\)/\1=\2/')
    note "tcp_retransmit_skb callers: $(echo "$_c" | tr '\n' ' ')"
    check_gt "caller series of tcp_retransmit_skb" "$(echo "$_c" | grep -c .)" 0
    check_eq "every caller label is a function name" \
        "$(echo "$_c" | grep -cv '^[A-Za-z_][A-Za-z0-9_.]*=')" 0
    check_eq "caller series sum to the function hits" \
        "$(sum ftrace_vm_retransmit_callers_total)" "$(val "$(fn tcp_retransmit_skb)")"
}

netem_transfer() {
    check "veth pair between namespaces with netem loss 20%" netem_setup || return
    echo > "$WI/trace"
    rxb0=$(veth_rx vxb xb) rxa0=$(veth_rx vxa xa)
    snap n0; resume
    WORKLOAD_CALLS=1 $IP netns exec vxb $W tcp-sink 5002 > /tmp/xsink.out 2>&1 &
    sink=$!
    t0=$(now)
    WORKLOAD_CALLS=1 timeout 150 $IP netns exec vxa $W tcp-stream 10.201.0.2 5002 2000000 \
        > /tmp/xstream.out 2>&1
    check_eq "tcp-stream across veth+netem" "$(head -n1 /tmp/xstream.out)" "tcp-stream sent=2000000"
    wait $sink
    # The sink's FIN may still be retransmitted (its ACK lost to netem): wait until its socket
    # is gone, then no packet moves any more and every counter can be read.
    quiet_wait
    rxb=$(( $(veth_rx vxb xb) - rxb0 )) rxa=$(( $(veth_rx vxa xa) - rxa0 ))
    snap n1; resume
    note "2 MB at 20% loss took $(echo "$(now) $t0" | awk '{ printf "%.2f", $1 - $2 }') s"
    check_eq "tcp-sink received everything" "$(grep received /tmp/xsink.out)" "tcp-sink received=2000000"
    netem_checks
    $IP netns del vxa; $IP netns del vxb
}

# quiet_wait: until vxb has no TCP socket left (LAST_ACK ends with the final ACK), at most 20 s
quiet_wait() {
    _i=0
    while [ $_i -lt 100 ] && [ "$($IP netns exec vxb cat /proc/net/tcp | wc -l)" -gt 1 ]; do
        sleep 0.2
        _i=$((_i + 1))
    done
    check_eq "connection fully closed on the sink side" "$($IP netns exec vxb cat /proc/net/tcp | wc -l)" 1
}

# Workload call counts from "calls send=S recv=R" lines.
calls() { sed -n "s/^calls .*$1=\([0-9]*\).*/\1/p" "$2"; }

netem_checks() {
    rtx=$(d "$(fn tcp_retransmit_skb)" n0 n1)
    check_gt "function tcp_retransmit_skb hits under netem loss" "$rtx" 0
    tp=$(d "$(ev tcp:tcp_retransmit_skb)" n0 n1)
    # shellcheck disable=SC2046
    set -- $(witness_counts)
    note "function $rtx, tracepoint $tp; witnessed tcp_retransmit_skb calls $1 (failed $2)," \
        "__tcp_retransmit_skb succeeded from other callers $3; kretprobes missed $(witness_missed)"
    note "witness sample: $(grep -m1 vmwit_rtx: "$WI/trace")"
    check_eq "kretprobe witnesses: no missed returns" "$(witness_missed)" 0
    check_eq "function tcp_retransmit_skb = kretprobe-witnessed calls" "$rtx" "$1"
    check_eq "tracepoint tcp:tcp_retransmit_skb = function - failed + other callers" \
        "$tp" $((rtx - $2 + $3))
    if [ "$tp" = "$rtx" ]; then ok "tracepoint = function tcp_retransmit_skb ($tp)"
    else note "tracepoint ($tp) != function ($rtx): $2 failed attempts, $3 from other callers"; fi
    callers
    sends=$(calls send /tmp/xstream.out) reads=$(( $(calls recv /tmp/xstream.out) + $(calls recv /tmp/xsink.out) ))
    check_eq "tcp_sendmsg hits = the stream's $sends send() calls" \
        "$(d "$(fn tcp_sendmsg)" n0 n1)" "$sends"
    check_eq "tcp_recvmsg hits = the sink's and stream's $reads read() calls" \
        "$(d "$(fn tcp_recvmsg)" n0 n1)" "$reads"
    check_eq "kprobe tcp_sendmsg = function tcp_sendmsg across the transfer" \
        "$(d "$(ev $G:kp_send)" n0 n1)" "$(d "$(fn tcp_sendmsg)" n0 n1)"
    # Receive path: per device, the tracepoint must see every packet the device counted
    # (veth counts a packet received when its peer hands it to netif_rx).
    check_eq "net:netif_receive_skb on xb = xb rx_packets ($rxb)" \
        "$(d 'ftrace_vm_netif_receive_total{name="xb"}' n0 n1)" "$rxb"
    check_eq "net:netif_receive_skb on xa = xa rx_packets ($rxa)" \
        "$(d 'ftrace_vm_netif_receive_total{name="xa"}' n0 n1)" "$rxa"
    check_gt "receive-path packets on xb" "$rxb" 0
    # Every __netif_receive_skb call fires the tracepoint once, on any device (lo included).
    check_eq "function __netif_receive_skb = tracepoint net:netif_receive_skb (all devices)" \
        "$(d "$(fn __netif_receive_skb)" n0 n1)" "$(d "$(ev net:netif_receive_skb)" n0 n1)"
    check_eq "labelled netif_receive family = its event count" \
        "$(dsum ftrace_vm_netif_receive_total n0 n1)" "$(d "$(ev net:netif_receive_skb)" n0 n1)"
    check_eq "no receive-path packet on lo during the transfer" \
        "$(d 'ftrace_vm_netif_receive_total{name="lo"}' n0 n1)" 0
    note "retransmits $rtx; RetransSegs $(snmp_retrans); xb rx $rxb, xa rx $rxa packets"
}
snmp_retrans() {
    $IP netns exec vxa cat /proc/net/snmp | awk '/^Tcp:/ { if (!h) { split($0, k); h = 1 }
        else for (i = 1; i <= NF; i++) if (k[i] == "RetransSegs") print $i }'
}

# --- check 4: exit leaves nothing behind -------------------------------------------------------
while_running() {
    check_eq "instance tracer is function" "$(cat $I/current_tracer)" function
    note "instance set_ftrace_filter: $(tr '\n' ' ' < $I/set_ftrace_filter)"
    check_eq "instance filter has the 4 functions" "$(grep -c . $I/set_ftrace_filter)" 4
    check_eq "2 kprobes in group $G" "$(kprobes_of_group)" 2
    check_eq "top-level tracer is nop while the exporter runs" "$(cat $T/current_tracer)" nop
}

after_exit() { # after_exit WHAT
    check "$1: instance removed" test ! -d "$I"
    check_eq "$1: no kprobe of group $G left" "$(kprobes_of_group)" 0
    check "$1: no event directory of group $G" test ! -d "$T/events/$G"
    check_eq "$1: top-level tracer is nop" "$(cat $T/current_tracer)" nop
    check_eq "$1: top-level set_ftrace_filter untouched" "$(cat $T/set_ftrace_filter)" "$top_filter"
    check_eq "$1: other tool's kprobes vmwit/* still there" "$(witness_defined)" 2
    check "$1: other tool's instance vmwit still there" test -d "$WI"
}

kill9_restart() {
    start_exporter "$ADDR" || { not_ok "exporter starts (kill -9 run)" "$(tail -n 3 /tmp/exporter.log)"; return; }
    stop_exporter KILL
    note "kill -9: exit status $xrc"
    check "kill -9 leaves a stale instance" test -d "$I"
    check_eq "kill -9: disable_on_free stopped tracing into the stale instance" "$(cat $I/tracing_on)" 0
    check_eq "kill -9 leaves the stale kprobes" "$(kprobes_of_group)" 2
    start_exporter "$ADDR" || { not_ok "exporter restarts over the stale instance" "$(tail -n 3 /tmp/exporter.log)"; return; }
    ok "exporter restarts over the stale instance"
    check_probes_up " after restart"
    while_running
    snap k0; resume
    $W tcp-pair 100 > /dev/null
    snap k1; resume
    check_eq "after restart: tcp_sendmsg counts 100 send()" "$(d "$(fn tcp_sendmsg)" k0 k1)" 100
    check_eq "after restart: kprobe = function" \
        "$(d "$(ev $G:kp_send)" k0 k1)" "$(d "$(fn tcp_sendmsg)" k0 k1)"
    stop_exporter TERM
    check_eq "after restart: SIGTERM exit status" "$xrc" 0
    after_exit "after restart"
}

# --- main ----------------------------------------------------------------------------------------
note "kernel $(uname -r)"
top_filter=$(cat $T/set_ftrace_filter)
check_eq "top-level tracer is nop at start" "$(cat $T/current_tracer)" nop
check_config_checks
check "another tool's kretprobes vmwit/* and instance vmwit" witness_setup
if ! start_exporter "$ADDR"; then
    not_ok "exporter starts" "$(tail -n 5 /tmp/exporter.log)"
    vm_done
fi
ok "exporter starts"
check_probes_up ""
while_running
paused_scrapes
exact_counts
netem_transfer
stop_exporter TERM
check_eq "SIGTERM: exit status" "$xrc" 0
note "exporter log: $(grep -ci 'level=warn\|level=error' /tmp/exporter.log) warnings/errors"
grep -i 'level=warn\|level=error' /tmp/exporter.log | head -n 5 | sed 's/^/# /'
after_exit "SIGTERM"
kill9_restart
check "remove the witness kretprobes and instance" witness_remove
vm_done
