#!/bin/sh
# guest-smoke.sh: proves the VM harness on the guest kernel directly through tracefs (no exporter):
# what the kernel allows is what tests/vm/kernels says (so no other guest check skips where it
# should run); function tracer, kprobe, and where the kernel has them event probe, fprobe and
# BTF-argument counts in a private instance match an exact workload; netem loss across a veth
# pair between two network namespaces produces tcp_retransmit_skb hits.
. /lib/vmtest.sh
I=$T/instances/vmsmoke
W=/usr/local/bin/workload

# Switching current_tracer empties the buffer: stop with tracing_on=0, count, then switch to nop.
stop() { echo 0 > "$I/tracing_on"; }
reset() { echo nop > "$I/current_tracer"; echo > "$I/set_ftrace_filter"; echo > "$I/trace"; echo 1 > "$I/tracing_on"; }
# count_fn FUNC: function-tracer lines for FUNC in the instance buffer ("... FUNC <-caller")
count_fn() { grep -c " $1 <-" "$I/trace"; }

note "kernel $(uname -r)"
check_eq "top-level tracer is nop at start" "$(cat $T/current_tracer)" nop
check "function tracer available" grep -qw function $T/available_tracers
addr=$(awk '$3 == "tcp_sendmsg" { print $1; exit }' /proc/kallsyms)
if [ -n "$addr" ] && [ "$addr" != 0000000000000000 ]; then ok "kallsyms shows real addresses ($addr tcp_sendmsg)"
else not_ok "kallsyms shows real addresses" "tcp_sendmsg at '$addr'"; fi
for f in tcp_sendmsg tcp_recvmsg tcp_retransmit_skb __netif_receive_skb netif_receive_skb; do
    check "$f is traceable" grep -q "^$f\$" $T/available_filter_functions
done

# --- function tracer in an instance -------------------------------------------------------
rmdir "$I" 2>/dev/null
check "create instance" mkdir "$I"
echo 'tcp_sendmsg tcp_recvmsg' > "$I/set_ftrace_filter"   # the filter before the tracer
echo function > "$I/current_tracer"
check_eq "instance tracer is function" "$(cat $I/current_tracer)" function
check_eq "top-level tracer untouched" "$(cat $T/current_tracer)" nop
t0=$(now)
out=$($W tcp-pair 1000)
stop
note "$out (function tracer on, $(echo "$(now) $t0" | awk '{ printf "%.2f", $1 - $2 }') s)"
check_eq "function tcp_sendmsg hits" "$(count_fn tcp_sendmsg)" 1000
check_eq "function tcp_recvmsg hits" "$(count_fn tcp_recvmsg)" 1000
note "sample: $(grep -m1 ' tcp_sendmsg <-' $I/trace)"
reset

# --- kprobe event, private group, enabled only in the instance ------------------------------
if echo 'p:vmsmoke/send tcp_sendmsg' >> $T/kprobe_events; then
    ok "kprobe vmsmoke/send created"
    echo 1 > "$I/events/vmsmoke/send/enable"
    $W tcp-pair 1000 >/dev/null
    echo 0 > "$I/events/vmsmoke/send/enable"
    check_eq "kprobe vmsmoke/send hits" "$(grep -c ' send: (tcp_sendmsg' $I/trace)" 1000
    note "sample: $(grep -m1 ' send: ' $I/trace)"
    check_eq "kprobe not enabled at top level" "$(cat $T/events/vmsmoke/send/enable)" 0
    echo '-:vmsmoke/send' >> $T/kprobe_events
    check_eq "kprobe removed" "$(grep -c vmsmoke $T/kprobe_events)" 0
else
    not_ok "kprobe vmsmoke/send created" "write to kprobe_events failed"
fi
echo > "$I/trace"

# --- what this kernel allows --------------------------------------------------------------
# Every capability detected (lib.sh: has) must be what tests/vm/kernels says of this kernel.
caps_checks() {
    want=$(expected_caps) got=""
    for c in $CAPS; do has "$c" && got="$got $c"; done
    note "kernel allows:$got"
    if [ "$want" = "?" ]; then skip "capabilities" "no vmcaps= on the kernel command line"; return; fi
    for c in $CAPS; do
        case " $want " in *" $c "*) w=yes ;; *) w=no ;; esac
        if has "$c"; then g=yes; else g=no; fi
        check_eq "allows $c: as tests/vm/kernels says" "$g" "$w"
    done
}

# dyn_count CAP NAME DEF PATTERN WORKLOAD...: dynamic event DEF (vmsmoke/NAME), enabled only in
# the instance while WORKLOAD runs; exactly 1000 of its records match PATTERN. A kernel without
# CAP skips, and must refuse DEF.
dyn_count() {
    _cap=$1 _n=$2 _def=$3 _pat=$4
    shift 4
    if ! has "$_cap"; then
        if echo "$_def" >> $T/dynamic_events 2>/dev/null; then
            not_ok "no $_cap: $_n refused" "the kernel accepted '$_def'"
            echo "-:vmsmoke/$_n" >> $T/dynamic_events
        else
            skip "$_cap $_n" "no $_cap on $(uname -r)"
        fi
        return
    fi
    echo "$_def" >> $T/dynamic_events || { not_ok "$_cap $_n created" "'$_def' refused"; return; }
    echo 1 > "$I/events/vmsmoke/$_n/enable"
    "$@" > /dev/null
    echo 0 > "$I/events/vmsmoke/$_n/enable"
    note "sample: $(grep -m1 " $_n: " "$I/trace")"
    check_eq "$_cap $_n hits" "$(grep -c " $_n: .*$_pat" "$I/trace")" 1000
    echo "-:vmsmoke/$_n" >> $T/dynamic_events
    check_eq "$_cap $_n removed" "$(grep -c "vmsmoke/$_n " $T/dynamic_events)" 0
    echo > "$I/trace"
}

caps_checks
# an event probe on net:netif_receive_skb reads its len field: 1000 UDP datagrams of 64 bytes to
# a closed port are 1000 packets of 92 bytes on lo (the ICMP errors are longer)
dyn_count eprobe ep 'e:vmsmoke/ep net.netif_receive_skb len=$len:u32' ' len=92$' \
    $W udp-send 127.0.0.1 9 1000
dyn_count fprobe fp 'f:vmsmoke/fp tcp_sendmsg' '(tcp_sendmsg' $W tcp-pair 1000
# BTF: the argument by its name in the source, no register
dyn_count btfargs fpsize 'f:vmsmoke/fpsize tcp_sendmsg size' ' size=\(64\|0x40\)$' $W tcp-pair 1000

# --- netem loss across veth between two namespaces ------------------------------------------
netem_pair vma vmb va vb 10.200.0
check_eq "veth pair between namespaces with netem" "$?" 0
note "$($IP netns exec vma $TC qdisc show dev va)"

echo tcp_retransmit_skb > "$I/set_ftrace_filter"
echo function > "$I/current_tracer"
$IP netns exec vmb $W tcp-sink 5001 > /tmp/sink.out 2>&1 &
sink=$!
t0=$(now)
out=$(timeout 150 $IP netns exec vma $W tcp-stream 10.200.0.2 5001 2000000 2>&1)
check_eq "tcp-stream across veth+netem" "$out" "tcp-stream sent=2000000"
kill $sink 2>/dev/null   # only if the stream failed: the sink exits by itself after EOF
wait $sink
stop
check_eq "tcp-sink received everything" "$(grep received /tmp/sink.out)" "tcp-sink received=2000000"
rtx=$(count_fn tcp_retransmit_skb)
note "sample: $(grep -m1 ' tcp_retransmit_skb <-' $I/trace)"
reset
note "2 MB with 20% loss took $(echo "$(now) $t0" | awk '{ printf "%.2f", $1 - $2 }') s"
check_gt "tcp_retransmit_skb hits under netem loss" "$rtx" 0
note "retransmit stats: $($IP netns exec vma cat /proc/net/snmp | awk '/^Tcp:/ { if (!h) { split($0, k); h=1 } else for (i=1; i<=NF; i++) if (k[i] == "RetransSegs") print "RetransSegs=" $i }')"

# --- cleanup -------------------------------------------------------------------------------
$IP netns del vma; $IP netns del vmb
check "remove instance" rmdir "$I"
check_eq "no vmsmoke kprobes left" "$(grep -c vmsmoke $T/kprobe_events)" 0
check_eq "no vmsmoke dynamic events left" "$(grep -c vmsmoke $T/dynamic_events)" 0
check_eq "top-level tracer is still nop" "$(cat $T/current_tracer)" nop
vm_done
