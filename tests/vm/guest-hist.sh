#!/bin/sh
# guest-hist.sh: drops and probes with mode: hist, on every kernel.
#   0. a counted skb:kfree_skb probe labelled [reason, location]: N UDP datagrams to a closed
#      port are N drops at __udp4_lib_rcv (the exporter names the location from kallsyms,
#      printed %p before 6.8), reason NO_SOCKET where the event has a reason (5.17+), else an
#      empty reason label and a warning;
# On a kernel with hist triggers (6.1+):
#   1. N UDP datagrams to a closed port: the hist probes count exactly N drops
#      (reason NO_SOCKET at __udp4_lib_rcv, names from the kernel's enum and kallsyms) and N
#      received packets on lo, equal to the counted probe on the same packets;
#   2. the hist-only event skb:kfree_skb is only soft-enabled: nothing of it reaches the ring
#      buffer;
#   3. a reload keeps the unchanged trigger (its count goes on) and replaces the changed one;
#   4. kill -9 leaves the triggers in a stale instance; the next start removes them with it;
#      SIGTERM removes triggers and instance.
# On a kernel without (5.10): the same config starts, its hist probes are down (probe_up 0, the
# reason logged), the counted probe beside them counts exactly; the hist checks skip.
# Hist counts are live (the kernel counts even while tracing_on is 0), so the test reads
# deltas of series that scrapes themselves never touch (UDP drops, 92-byte packets on lo).
. /lib/vmtest.sh
X=/usr/local/bin/ftrace_exporter
W=/usr/local/bin/workload
V=/etc/ftrace_exporter/vm
ADDR=127.0.0.1:9103
M=/tmp/metrics.txt
N=1000
DROPS='ftrace_vm_hist_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
HRX='ftrace_vm_hist_rx_total{name="lo"}'
CRX='ftrace_vm_count_rx_total{name="lo"}'

[ -x "$X" ] || { skip exporter "no $X"; vm_done; }

# traffic NAME: N datagrams between scrapes NAME0 and NAME1 (each once the readers drained)
traffic() { drain; keep "${1}0"; $W udp-send 127.0.0.1 9 $N > /dev/null
            drain; keep "${1}1"; }
hist_triggers() { grep -c '^hist:' "$I/events/$1/trigger"; }
up() { val "ftrace_exporter_probe_up{probe=\"$1\"}"; }

# ---- 0. counted drops, every kernel (scrapes pause the instance: snap/resume)
counted_drops() {
    C=$V/drops.yaml I=$T/instances/vmdrops
    start_exporter "$ADDR" || { not_ok "drops: exporter starts" "$(tail -n 5 /tmp/exporter.log)"; return; }
    snap c0; resume; $W udp-send 127.0.0.1 9 $N > /dev/null; snap c1; resume
    if has reason; then why=NO_SOCKET; else why=""; fi
    check_eq "counted drops: $N at __udp4_lib_rcv, reason '$why'" \
        "$(d "ftrace_vm_drops_total{reason=\"$why\",location=\"__udp4_lib_rcv\"}" c0 c1)" $N
    check_eq "counted drops: no location left an address" \
        "$(grep -c '^ftrace_vm_drops_total{.*location="0x' /tmp/c1.txt)" 0
    if has reason; then
        check_eq "counted drops: no missing-field warning" "$(grep -c 'no such field' /tmp/exporter.log)" 0
    else
        check "counted drops: no reason field on $(uname -r): warned, label empty" \
            grep -q 'msg="event has no such field; label left empty" probe=drops .*label=reason' \
            /tmp/exporter.log
    fi
    stop_exporter TERM
    check_eq "counted drops: SIGTERM exit 0" "$xrc" 0
    check "counted drops: instance removed" test ! -d "$I"
}

# ---- without hist triggers: the hist probes are down with the reason, the rest counts
no_hist() {
    check_eq "no hist triggers: drops_hist down" "$(up drops_hist)" 0
    check_eq "no hist triggers: rx_hist down" "$(up rx_hist)" 0
    check_eq "no hist triggers: the counted probe beside them up" "$(up rx_count)" 1
    check "no hist triggers: the reason logged" grep -q \
        'msg="probe down" probe=drops_hist .*reason="this kernel has no hist triggers' /tmp/exporter.log
    traffic a
    check_eq "no hist triggers: the counted probe counts $N packets" "$(d "$CRX" a0 a1)" $N
    check_eq "no hist triggers: no hist series" "$(grep -c '^ftrace_vm_hist_' "$M")" 0
    skip "hist counts, reload and stale triggers" "no hist triggers on $(uname -r)"
    stop_exporter TERM
    check_eq "no hist triggers: SIGTERM exit 0" "$xrc" 0
    check "no hist triggers: instance removed" test ! -d "$I"
}

note "kernel $(uname -r)"
counted_drops
C=/tmp/hist.yaml I=$T/instances/vmhist
cp "$V/hist.yaml" "$C"
if ! has hist; then
    start_exporter "$ADDR" || { not_ok "exporter starts" "$(tail -n 5 /tmp/exporter.log)"; vm_done; }
    ok "exporter starts without hist triggers"
    no_hist
    vm_done
fi
start_exporter "$ADDR" || { not_ok "exporter starts" "$(tail -n 5 /tmp/exporter.log)"; vm_done; }
ok "exporter starts"
check_eq "probes up" "$(grep -c '^ftrace_exporter_probe_up{.*} 1$' "$M")" 3
traffic a
check_eq "hist: $N drops NO_SOCKET at __udp4_lib_rcv" "$(d "$DROPS" a0 a1)" $N
check_eq "hist: $N packets of 92 bytes on lo" "$(d "$HRX" a0 a1)" $N
check_eq "counted probe on the same packets agrees" "$(d "$CRX" a0 a1)" $N
check_eq "hist event hits = its family" "$(d 'ftrace_event_hits_total{event="skb:kfree_skb"}' a0 a1)" \
    "$(dsum ftrace_vm_hist_drops_total a0 a1)"
check_eq "skb:kfree_skb only soft-enabled (no ring-buffer records)" \
    "$(cat $I/events/skb/kfree_skb/enable)" "0*"
check_eq "one trigger on skb:kfree_skb" "$(hist_triggers skb/kfree_skb)" 1
note "trigger: $(cat $I/events/net/netif_receive_skb/trigger | grep '^hist:')"

cp "$V/hist-2.yaml" "$C"
kill -HUP "$xpid"
check "reload logged" eventually 60 grep -q 'msg="config reloaded"' /tmp/exporter.log
traffic b
check_eq "kept trigger: drops go on (2 x $N in all)" "$(val "$DROPS" /tmp/b1.txt)" $((2 * N))
check_eq "changed trigger: no 93-byte packet counted" "$(val "$HRX" /tmp/b1.txt)" 0
check_eq "counted probe beside a hist trigger with another filter: $N" "$(d "$CRX" b0 b1)" $N
check_eq "changed trigger replaced the old one" "$(hist_triggers net/netif_receive_skb)" 1
check "the new trigger has the new filter" grep -q 'len == 93' "$I/events/net/netif_receive_skb/trigger"
check_eq "no parse errors" "$(val ftrace_exporter_parse_errors_total)" 0

stop_exporter KILL
check_eq "kill -9 leaves the triggers" "$(hist_triggers skb/kfree_skb)" 1
start_exporter "$ADDR" || { not_ok "restart over the stale instance" "$(tail -n 5 /tmp/exporter.log)"; vm_done; }
ok "restart over the stale instance"
check_eq "after restart: one trigger per hist probe" "$(hist_triggers skb/kfree_skb)" 1
check_eq "after restart: counts start from zero" "$(val "$DROPS")" 0
stop_exporter TERM
check_eq "SIGTERM: exit status" "$xrc" 0
check "instance (and its triggers) removed" test ! -d "$I"
vm_done
