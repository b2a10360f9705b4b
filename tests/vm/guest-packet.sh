#!/bin/sh
# guest-packet.sh: issue 11 item 2, packet labels on drops from an event probe on skb:kfree_skb.
# A veth pair joins the root namespace (fte_pk0, 10.77.0.1, fd77::1) to a namespace pk (fte_pk1,
# 10.77.0.2, fd77::2); the workload sends N UDP datagrams to a closed port of pk's address, which
# pk drops (NO_SOCKET) on fte_pk1. Two probes on skb:kfree_skb, each with its own event probe:
#   drops        [daddr, dport, device, saddr]
#   drops_proto  [daddr, l4proto, netns, reason]  (reason: the tracepoint's field, copied by the
#                event probe as a number and named with the tracepoint's own symbol table)
#   consumed     on skb:consume_skb [saddr, daddr, l4proto]: the ICMP port unreachable that pk
#                answers with (rate-limited by the kernel: some, not N) is consumed in the root
#                namespace, saddr 10.77.0.2, daddr 10.77.0.1, l4proto 1
# Where the kernel takes event probes (6.1, 6.12): the N drops are counted EXACTLY under
# daddr, dport, device and saddr (and daddr, l4proto 17), for IPv4 and IPv6; the event probe
# group is gone after SIGTERM; after kill -9 it is left, and the next start removes the stale
# one, makes its own and counts exactly again. Where it does not (5.10): the probes count on
# the tracepoint, those labels are empty, the log says why once per probe.
# A reload (SIGHUP) keeps the event probe of an unchanged probe and makes a changed one's again.
# With hist triggers (6.1, 6.12): a mode: hist probe keys on device and netns (fields of the
# event probe; its filter on the tracepoint's reason goes on the event probe too), a mode: auto
# one with daddr counts from the ring buffer, a mode: hist one with
# daddr is down with the reason; each counts its N drops exactly.
# Scrapes pause the exporter's instance (snap, /lib/vmtest.sh), so their own traffic is not traced.
. /lib/vmtest.sh
X=/usr/local/bin/ftrace_exporter
W=/usr/local/bin/workload
C=/tmp/packet.yaml
ADDR=127.0.0.1:9120
I=$T/instances/vmpkt
G=fte_vmpkt
M=/tmp/pkt-metrics.txt
N=300
NS=pk

[ -x "$X" ] || { skip packet "no $X"; vm_done; }

cat > "$C" <<EOF
tracing:
  instance: vmpkt
probes:
  - name: drops
    tracepoint: skb:kfree_skb
    labels: [daddr, dport, device, saddr]
  - name: drops_proto
    tracepoint: skb:kfree_skb
    labels: [daddr, l4proto, netns, reason]
  - name: consumed
    tracepoint: skb:consume_skb
    labels: [saddr, daddr, l4proto]
EOF

# group_eprobes: the event probes of our group that the kernel lists
group_eprobes() { grep -c "^e:$G/" $T/dynamic_events; }
drops() { echo "ftrace_drops_total{daddr=\"$1\",dport=\"9999\",device=\"fte_pk1\",saddr=\"$2\"}"; }
proto() { echo "ftrace_drops_proto_total{daddr=\"$1\",l4proto=\"17\",netns=\"$2\",reason=\"NO_SOCKET\"}"; }
# send ADDR NAME: N datagrams to ADDR:9999 between snapshots NAME0 and NAME1
send() { snap "${2}0"; resume; $W udp-send "$1" 9999 $N > /dev/null; snap "${2}1"; resume; }
cleanup() { veth_ns_del $NS fte_pk0; }

veth_ns $NS fte_pk0 fte_pk1 10.77.0 fd77 ||
    { not_ok "veth pair and namespace" "setup failed"; cleanup; vm_done; }
# the namespace's inode as the kernel numbers it (net->ns.inum)
pk_ns=$($IP netns exec $NS readlink /proc/self/ns/net | tr -dc 0-9)
note "kernel $(uname -r), namespace $NS inode $pk_ns"

if ! start_exporter "$ADDR"; then
    not_ok "exporter starts" "$(tail -n 5 /tmp/exporter.log)"; cleanup; vm_done
fi

if ! has eprobe; then
    send 10.77.0.2 v4
    check_gt "no event probes: the drops still count" "$(dsum ftrace_drops_total v40 v41)" $((N - 1))
    check_eq "no event probes: packet labels empty" \
        "$(grep -c '^ftrace_drops_total{daddr="",dport="",device="",saddr=""}' /tmp/v41.txt)" 1
    check_eq "no event probes: ftrace_exporter_packet_labels_available 0" \
        "$(grep -c '^ftrace_exporter_packet_labels_available{probe="drops"} 0$' /tmp/v41.txt)" 1
    check_eq "no event probes: the log says why (labels, errno), once per probe" \
        "$(grep -c 'msg="no event probe; probe counts on its tracepoint" probe=[a-z_]* reason="labels [a-z0-9,]* stay empty: .*: [A-Za-z ]*"' /tmp/exporter.log)" 3
    note "$(grep 'no event probe' /tmp/exporter.log | head -n 1)"
    stop_exporter TERM
    check_eq "no event probes: SIGTERM exit 0" "$xrc" 0
    check_eq "no event probes: nothing in group $G" "$(group_eprobes)" 0
    cleanup
    vm_done
fi

check_eq "event probes made in group $G" "$(group_eprobes)" 3
send 10.77.0.2 v4
check_eq "IPv4: $N drops counted by daddr, dport, device, saddr" \
    "$(d "$(drops 10.77.0.2 10.77.0.1)" v40 v41)" $N
check_eq "IPv4: $N drops counted by daddr, l4proto, netns, reason" "$(d "$(proto 10.77.0.2 "$pk_ns")" v40 v41)" $N
check_eq "ftrace_exporter_packet_labels_available 1" \
    "$(grep -c '^ftrace_exporter_packet_labels_available{probe="drops"} 1$' /tmp/v41.txt)" 1
check_gt "consume_skb: the ICMP port unreachable answers consumed, by saddr, daddr, l4proto" \
    "$(d 'ftrace_consumed_total{saddr="10.77.0.2",daddr="10.77.0.1",l4proto="1"}' v40 v41)" 0
send fd77::2 v6
check_eq "IPv6: $N drops counted by daddr, dport, device, saddr" "$(d "$(drops fd77::2 fd77::1)" v60 v61)" $N
check_gt "packet labels: events with ports" \
    "$(d 'ftrace_exporter_packet_labels_total{probe="drops",status="ports"}' v40 v61)" $((2 * N - 1))
grep '^ftrace_exporter_packet_labels_total' /tmp/v61.txt | while read -r l; do note "$l"; done

# reload: drops unchanged keeps its event probe (and its counts), drops_proto without reason
# gets a new one (other fetch arguments)
sed -i 's/labels: \[daddr, l4proto, netns, reason\]/labels: [daddr, l4proto, netns]/' "$C"
kill -HUP "$xpid"
if eventually 30 reloads_logged 1; then
    check_eq "reload: event probes kept or made again" "$(group_eprobes)" 3
    check "reload: drops_proto's event probe without reason" \
        sh -c "! grep -q '^e:$G/drops_proto .*reason=' $T/dynamic_events"
    send 10.77.0.2 l4
    check_eq "reload: kept probe counts on: $N more by daddr, dport, device, saddr" \
        "$(d "$(drops 10.77.0.2 10.77.0.1)" v41 l41)" $N
    check_eq "reload: changed probe counts $N by daddr, l4proto, netns" \
        "$(d "ftrace_drops_proto_total{daddr=\"10.77.0.2\",l4proto=\"17\",netns=\"$pk_ns\"}" l40 l41)" $N
else
    not_ok "reload" "$(tail -n 5 /tmp/exporter.log)"
fi

stop_exporter TERM
check_eq "SIGTERM: exit 0" "$xrc" 0
check_eq "SIGTERM: event probe group gone" "$(group_eprobes)" 0

start_exporter "$ADDR" || not_ok "exporter starts again" "$(tail -n 5 /tmp/exporter.log)"
stop_exporter KILL
check_eq "kill -9: event probes left" "$(group_eprobes)" 3
if start_exporter "$ADDR"; then
    check_eq "restart: the 3 stale event probes removed" \
        "$(grep -c "msg=\"removed stale dynamic event\" group=$G" /tmp/exporter.log)" 3
    check_eq "restart: own event probes made" "$(group_eprobes)" 3
    send 10.77.0.2 r4
    check_eq "restart: $N drops counted by daddr, dport, device, saddr" \
        "$(d "$(drops 10.77.0.2 10.77.0.1)" r40 r41)" $N
    stop_exporter TERM
    check_eq "restart, SIGTERM: event probe group gone" "$(group_eprobes)" 0
else
    not_ok "exporter starts after kill -9" "$(tail -n 5 /tmp/exporter.log)"
fi

# ---- mode hist and auto on the event probe: device and netns are fields of it a hist trigger
# keys on; daddr is found in the packet's bytes by the exporter, so never by a trigger
if ! has hist; then
    skip "hist on the event probe" "no hist triggers on $(uname -r)"
    cleanup
    vm_done
fi
# NO_SOCKET's number, as this kernel's kfree_skb prints it: the hist probe's filter keeps the
# background drops on the device (IPv6 neighbour and router messages) out of its count
no_socket=$(grep -o '{ [0-9]*, "NO_SOCKET" }' $T/events/skb/kfree_skb/format | tr -dc 0-9)
cat > "$C" <<EOF
tracing:
  instance: vmpkt
probes:
  - name: dev_hist
    tracepoint: skb:kfree_skb
    mode: hist
    labels: [device, netns]
    filter: reason == $no_socket
  - name: addr_auto
    tracepoint: skb:kfree_skb
    mode: auto
    labels: [daddr, device]
  - name: addr_hist
    tracepoint: skb:kfree_skb
    mode: hist
    labels: [daddr]
EOF
up() { val "ftrace_exporter_probe_up{probe=\"$1\"}"; }
mode() { val "ftrace_exporter_probe_mode{probe=\"$1\",mode=\"$2\"}"; }
if start_exporter "$ADDR"; then
    check_eq "hist: device and netns counted by a trigger on the event probe" "$(mode dev_hist hist)" 1
    check_eq "auto with daddr: counted from the ring buffer" "$(mode addr_auto ring_buffer)" 1
    check_eq "hist with daddr: down" "$(up addr_hist)" 0
    check "hist with daddr: the reason logged" grep -q \
        'msg="probe down" probe=addr_hist .*reason=".*packet.s bytes' /tmp/exporter.log
    send 10.77.0.2 h
    check_eq "hist: $N drops by device, netns (filter reason == $no_socket on the event probe)" \
        "$(d "ftrace_dev_hist_total{device=\"fte_pk1\",netns=\"$pk_ns\"}" h0 h1)" $N
    check_eq "auto: $N drops by daddr, device" \
        "$(d 'ftrace_addr_auto_total{daddr="10.77.0.2",device="fte_pk1"}' h0 h1)" $N
    note "trigger: $(grep '^hist:' $I/events/$G/dev_hist/trigger)"
    stop_exporter TERM
    check_eq "hist, SIGTERM: exit 0" "$xrc" 0
    check_eq "hist, SIGTERM: event probe group gone (trigger removed first)" "$(group_eprobes)" 0
else
    not_ok "exporter starts with hist probes" "$(tail -n 5 /tmp/exporter.log)"
fi
cleanup
vm_done
