#!/usr/bin/env bash
# mode: hist. Where the kernel has hist triggers, a hist probe counts the
# same drops as a counted probe, exactly; where it has none (this host's
# 6.18), the hist probe reports probe_up 0 with the reason and the counted
# probe on the same event is unaffected. Either way nothing is left behind.
# (tests/vm/guest-hist.sh covers hist triggers on a stock 6.1 kernel.)
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_hist
mount_tracefs
N=${N:-20000}
count='ftrace_count_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
hist='ftrace_hist_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
start_exporter "$ROOT/tests/integration/configs/hist.yaml" || exit 1
c0=$(value "$count") h0=$(value "$hist")
"$UDPFLOOD" 127.0.0.1 9 "$N" >/dev/null
check "counted probe: $N drops" [ "$(wait_delta "$count" "$c0" "$N" 3)" = "$N" ]
if [ -e "$TRACEFS/events/skb/kfree_skb/hist" ]; then
	check "hist probe up" [ "$(value 'ftrace_exporter_probe_up{probe="drops_hist"}')" = 1 ]
	check "hist probe: $N drops" [ "$(( $(value "$hist") - h0 ))" = "$N" ]
else
	check "no hist triggers here: hist probe down" \
		[ "$(value 'ftrace_exporter_probe_up{probe="drops_hist"}')" = 0 ]
	check "the reason is logged" grep -q 'probe down.*drops_hist.*no hist triggers' "$LOG"
	check "no hist family" bash -c "! curl -sf http://127.0.0.1:$PORT/metrics | grep -q '^ftrace_hist_drops_total{'"
fi
check "counted probe up" [ "$(value 'ftrace_exporter_probe_up{probe="drops_count"}')" = 1 ]
check "exit 0 on SIGTERM" stop_exporter
check "instance gone" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
