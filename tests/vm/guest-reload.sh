#!/bin/sh
# guest-reload.sh: hot reload of function and kprobe probes on the guest kernel (SIGHUP).
#   1. function tcp_sendmsg + kprobe kp_send: N send() are counted by both;
#   2. tcp_sendmsg kept (its count goes on, exactly), tcp_recvmsg added (the instance filter
#      now has both; the tracer never stopped), kp_send replaced by kp_recv (the group holds
#      only kp_recv); both new probes count exactly from the reload;
#   3. no function probe and no kprobe left: the instance's function tracer is muted (its
#      functions also in set_ftrace_notrace: switching it to nop would reset the ring buffer
#      under the probes that stay), no function event arrives, the kprobe group and the
#      function family are gone;
#   4. back to step 1's config: filter tcp_sendmsg, notrace empty, the kprobe back, counting
#      from zero.
# Scrapes pause the instance as in guest-exporter.sh (snap/resume), so counts are exact; the
# readiness scrapes of start_exporter count too, hence deltas from the first snapshot.
. /lib/vmtest.sh
X=/usr/local/bin/ftrace_exporter
W=/usr/local/bin/workload
C=/tmp/reload.yaml
V=/etc/ftrace_exporter/vm
ADDR=127.0.0.1:9102
I=$T/instances/vmrel
G=fte_vmrel
M=/tmp/metrics.txt

[ -x "$X" ] || { skip exporter "no $X"; vm_done; }

kprobes_of_group() { grep -c "^[pr]:$G/" $T/kprobe_events; }
# reload_to N: config reload-N.yaml, SIGHUP, until the log shows that reload
reload_to() {
    _seen=$(grep -c 'msg="config reloaded"' /tmp/exporter.log)
    cp "$V/reload-$1.yaml" "$C"
    kill -HUP "$xpid"
    eventually 10 reloads_logged $((_seen + 1))
}
# pairs N NAME: N send()/recv() pairs between two snapshots NAME0 and NAME1
pairs() { snap "${2}0"; resume; $W tcp-pair "$1" > /dev/null; snap "${2}1"; resume; }

note "kernel $(uname -r)"
top_filter=$(cat $T/set_ftrace_filter)
cp "$V/reload-1.yaml" "$C"
start_exporter "$ADDR" || { not_ok "exporter starts" "$(tail -n 5 /tmp/exporter.log)"; vm_done; }
ok "exporter starts"
pairs 200 a
check_eq "step 1: tcp_sendmsg counts 200 send()" "$(d "$(fn tcp_sendmsg)" a0 a1)" 200
check_eq "step 1: kp_send counts 200" "$(d "$(ev $G:kp_send)" a0 a1)" 200

snap r2; check "reload to step 2" reload_to 2; resume
check_eq "step 2: tracer still function" "$(cat $I/current_tracer)" function
check_eq "step 2: instance filter has 2 functions" "$(grep -c . $I/set_ftrace_filter)" 2
check_eq "step 2: only kp_recv in group $G" "$(grep "^[pr]:$G/" $T/kprobe_events | sed 's/ .*//')" \
    "p:$G/kp_recv"
pairs 300 b
check_eq "step 2: kept tcp_sendmsg went on exactly (200 + 300)" "$(d "$(fn tcp_sendmsg)" a0 b1)" 500
check_eq "step 2: new tcp_recvmsg counts 300 recv()" "$(val "$(fn tcp_recvmsg)")" 300
check_eq "step 2: new kp_recv counts like tcp_recvmsg" "$(val "$(ev $G:kp_recv)")" 300
check_eq "step 2: kp_send is gone" "$(grep -c "kp_send" "$M")" 0
check_eq "step 2: probes up" "$(grep -c '^ftrace_exporter_probe_up{.*} 1$' "$M")" 3

snap r3; check "reload to step 3" reload_to 3; resume
check_eq "step 3: instance tracer stays function" "$(cat $I/current_tracer)" function
check_eq "step 3: muted: notrace = the filter" "$(sort $I/set_ftrace_notrace | tr '\n' ' ')" \
    "$(sort $I/set_ftrace_filter | tr '\n' ' ')"
check_eq "step 3: no kprobe of group $G" "$(kprobes_of_group)" 0
pairs 100 c
check_eq "step 3: no function family" "$(grep -c '^ftrace_function_hits_total' "$M")" 0
check_eq "step 3: no function event arrives while muted" "$(val ftrace_exporter_parse_errors_total)" 0
check_gt "step 3: the tracepoint counts" "$(val "$(ev net:netif_receive_skb)")" 0

snap r4; check "reload back to step 1" reload_to 1; resume
check_eq "step 4: filter is tcp_sendmsg" "$(cat $I/set_ftrace_filter)" tcp_sendmsg
check_eq "step 4: notrace is empty" "$(grep -vc '^#' $I/set_ftrace_notrace)" 0
check_eq "step 4: kp_send is back" "$(kprobes_of_group)" 1
pairs 100 d
check_eq "step 4: tcp_sendmsg counts from zero (100)" "$(val "$(fn tcp_sendmsg)")" 100
check_eq "step 4: kp_send counts from zero (100)" "$(val "$(ev $G:kp_send)")" 100
check_eq "no parse errors in all the reloads" "$(val ftrace_exporter_parse_errors_total)" 0
check_eq "no events lost" "$(sum ftrace_exporter_events_lost_total)" 0

stop_exporter TERM
check_eq "SIGTERM: exit status" "$xrc" 0
check "instance removed" test ! -d "$I"
check_eq "no kprobe of group $G left" "$(kprobes_of_group)" 0
check_eq "top-level tracer is nop" "$(cat $T/current_tracer)" nop
check_eq "top-level set_ftrace_filter untouched" "$(cat $T/set_ftrace_filter)" "$top_filter"
vm_done
