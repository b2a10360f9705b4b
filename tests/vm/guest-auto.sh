#!/bin/sh
# guest-auto.sh: probes with mode: auto, on every kernel.
#   1. --check-config says which way each auto probe would count here;
#   2. the auto probes count by a hist trigger where the kernel has them (6.1, 6.12) and by the
#      ring buffer where it has none (5.10); /metrics (ftrace_exporter_probe_mode) and the log
#      (probe up ... mode=) say so; an auto probe whose trigger the kernel refuses (a key the
#      event lacks) counts by the ring buffer, the reason logged;
#   3. N UDP datagrams to a closed port: exactly N drops at __udp4_lib_rcv (reason NO_SOCKET
#      where the event has a reason, empty before 5.17) and N received packets on lo, the same
#      as the count probe on the same packets, whichever way;
#   4. by hist, skb:kfree_skb is only soft-enabled (no ring-buffer records), one trigger each;
#   5. a reload that keeps the auto probes (and removes the count probe on their event) keeps
#      their way and their counts: 2 x N in all after N more;
#   6. SIGTERM removes the triggers with the instance.
# Scrapes pause the instance (snap/resume, as in guest-exporter.sh): by the ring buffer, the
# unfiltered skb:kfree_skb probe also records the drops of the scrapes' own TCP (5.10), which
# would never let the readers settle. Hist counts are live (the kernel counts even while
# tracing_on is 0), so the test reads deltas of series that scrapes themselves never touch (UDP
# drops at __udp4_lib_rcv, 92-byte packets on lo).
. /lib/vmtest.sh
X=/usr/local/bin/ftrace_exporter
W=/usr/local/bin/workload
V=/etc/ftrace_exporter/vm
C=/tmp/auto.yaml
I=$T/instances/vmauto
ADDR=127.0.0.1:9104
M=/tmp/metrics.txt
N=1000
if has reason; then why=NO_SOCKET; else why=""; fi
DROPS="ftrace_vm_auto_drops_total{reason=\"$why\",location=\"__udp4_lib_rcv\"}"
ARX='ftrace_vm_auto_rx_total{name="lo"}'
CRX='ftrace_vm_count_rx_total{name="lo"}'
FRX='ftrace_vm_fallback_rx_total{name="lo",fte_no_such_field=""}'
if has hist; then way=hist; else way=ring_buffer; fi

[ -x "$X" ] || { skip exporter "no $X"; vm_done; }

# traffic NAME: N datagrams between snapshots NAME0 and NAME1 (each once the readers drained)
traffic() { snap "${1}0"; resume; $W udp-send 127.0.0.1 9 $N > /dev/null
            snap "${1}1"; resume; }
mode() { val "ftrace_exporter_probe_mode{probe=\"$1\",mode=\"$2\"}"; }
hist_triggers() { grep -c '^hist:' "$I/events/$1/trigger"; }

note "kernel $(uname -r): auto probes count by $way"
cp "$V/auto.yaml" "$C"
"$X" --check-config --config.file="$C" > /tmp/check.txt 2>&1
check "check-config: drops_auto would count as $way" \
    grep -q "note: probe drops_auto: mode auto would count as mode=$way" /tmp/check.txt
check "check-config: rx_fallback would count by the ring buffer" \
    grep -q "note: probe rx_fallback: mode auto would count as mode=ring_buffer" /tmp/check.txt

start_exporter "$ADDR" || { not_ok "exporter starts" "$(tail -n 5 /tmp/exporter.log)"; vm_done; }
ok "exporter starts"
check_eq "probes up" "$(grep -c '^ftrace_exporter_probe_up{.*} 1$' "$M")" 4
check_eq "/metrics: drops_auto counts by $way" "$(mode drops_auto $way)" 1
check_eq "/metrics: rx_auto counts by $way" "$(mode rx_auto $way)" 1
check_eq "/metrics: rx_count by the ring buffer" "$(mode rx_count ring_buffer)" 1
check_eq "/metrics: rx_fallback by the ring buffer" "$(mode rx_fallback ring_buffer)" 1
check "log: drops_auto up with mode=$way" \
    grep -q "msg=\"probe up\" probe=drops_auto .*mode=$way" /tmp/exporter.log
if [ $way = hist ]; then
    check "log: rx_fallback's trigger refused, on the ring buffer" grep -q \
        'msg="probe up" probe=rx_fallback .*mode=ring_buffer hist_refused="hist trigger refused' \
        /tmp/exporter.log
else
    check "log: no hist triggers, on the ring buffer" grep -q \
        'msg="probe up" probe=drops_auto .*mode=ring_buffer hist_refused="this kernel has no hist triggers' \
        /tmp/exporter.log
fi

traffic a
check_eq "$way: $N drops at __udp4_lib_rcv, reason '$why'" "$(d "$DROPS" a0 a1)" $N
check_eq "$way: $N packets of 92 bytes on lo" "$(d "$ARX" a0 a1)" $N
check_eq "count probe on the same packets agrees" "$(d "$CRX" a0 a1)" $N
check_eq "fallback probe on the same packets agrees" "$(d "$FRX" a0 a1)" $N
if [ $way = hist ]; then
    check_eq "skb:kfree_skb only soft-enabled (no ring-buffer records)" \
        "$(cat $I/events/skb/kfree_skb/enable)" "0*"
    check_eq "one trigger on skb:kfree_skb" "$(hist_triggers skb/kfree_skb)" 1
    check_eq "one trigger on net:netif_receive_skb" "$(hist_triggers net/netif_receive_skb)" 1
else
    skip "soft-enabled event, one trigger each" "no hist triggers on $(uname -r)"
    check_eq "no trigger on skb:kfree_skb" "$(grep -c '^hist:' "$I/events/skb/kfree_skb/trigger")" 0
fi

snap r; cp "$V/auto-2.yaml" "$C"
kill -HUP "$xpid"
check "reload logged" eventually 60 grep -q 'msg="config reloaded" probes_kept=2 ' /tmp/exporter.log
resume
traffic b
check_eq "kept drops_auto: drops go on (2 x $N in all)" "$(d "$DROPS" a0 b1)" $((2 * N))
check_eq "kept rx_auto: packets go on (2 x $N in all)" "$(d "$ARX" a0 b1)" $((2 * N))
check_eq "kept drops_auto still counts by $way" "$(mode drops_auto $way)" 1
check_eq "kept rx_auto still counts by $way" "$(mode rx_auto $way)" 1
check_eq "removed count probe gone" "$(grep -c '^ftrace_vm_count_rx_total' "$M")" 0
if [ $way = hist ]; then
    check_eq "kept triggers: still one on skb:kfree_skb" "$(hist_triggers skb/kfree_skb)" 1
    check_eq "kept triggers: still one on net:netif_receive_skb" \
        "$(hist_triggers net/netif_receive_skb)" 1
else
    skip "kept triggers" "no hist triggers on $(uname -r)"
fi
check_eq "no parse errors" "$(val ftrace_exporter_parse_errors_total)" 0
stop_exporter TERM
check_eq "SIGTERM: exit status" "$xrc" 0
check "instance (and its triggers) removed" test ! -d "$I"
vm_done
