#!/usr/bin/env bash
# mode: auto. Where the kernel has hist triggers the auto probe counts by
# one; where it has none (this host's 6.18) by the ring buffer. Either way it
# counts the same drops as a count probe, exactly, with the same labels;
# /metrics (ftrace_exporter_probe_mode) and the log (probe up ... mode=) say
# which way, --check-config says it beforehand, and promtool accepts the
# scrape. A hot reload that keeps the auto probe keeps its way and its
# counts. (tests/vm/guest-auto.sh covers the hist side on stock kernels.)
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_auto
mount_tracefs
N=${N:-20000}
cfg=$TMP/auto.yaml
cp "$ROOT/tests/integration/configs/auto.yaml" "$cfg"
auto='ftrace_auto_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
count='ftrace_count_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
if [ -e "$TRACEFS/events/skb/kfree_skb/hist" ]; then way=hist; else way=ring_buffer; fi
echo "# this kernel: auto counts by $way"

out=$("$EXPORTER" --check-config --config.file="$cfg" 2>&1)
check "check-config: auto probe would count as $way" \
	grep -q "auto.yaml:7:5: note: probe drops_auto: mode auto would count as mode=$way" <<<"$out"
check "check-config: created no instance" [ ! -d "$TRACEFS/instances/$INSTANCE" ]

start_exporter "$cfg" || exit 1
check "auto probe up" [ "$(value 'ftrace_exporter_probe_up{probe="drops_auto"}')" = 1 ]
check "/metrics: mode $way" \
	[ "$(value "ftrace_exporter_probe_mode{probe=\"drops_auto\",mode=\"$way\"}")" = 1 ]
check "/metrics: one mode sample for the auto probe" \
	[ "$(scrape | grep -c '^ftrace_exporter_probe_mode{probe="drops_auto"')" = 1 ]
check "/metrics: count probe on the ring buffer" \
	[ "$(value 'ftrace_exporter_probe_mode{probe="drops_count",mode="ring_buffer"}')" = 1 ]
check "log: probe up with mode=$way" grep -qE "msg=\"probe up\" probe=drops_auto .*mode=$way" "$LOG"
if [ "$way" = ring_buffer ]; then
	check "log: why not hist" grep -qE 'probe=drops_auto .*hist_refused="this kernel has no hist triggers' "$LOG"
else
	echo "ok - log: why not hist # SKIP the kernel took the trigger"
fi
c0=$(value "$count") a0=$(value "$auto")
"$UDPFLOOD" 127.0.0.1 9 "$N" >/dev/null
check "count probe: $N drops" [ "$(wait_delta "$count" "$c0" "$N" 5)" = "$N" ]
check "auto probe: the same $N drops, same labels" [ "$(( $(value "$auto") - a0 ))" = "$N" ]
scrape >"$TMP/metrics.txt"
check "promtool check metrics" promtool check metrics <"$TMP/metrics.txt"

# reload_to FILE: installs FILE and reloads with SIGHUP; waits for its log line.
reload_to() {
	local n
	n=$(grep -c 'msg="config reloaded"' "$LOG")
	cp "$1" "$cfg"
	kill -HUP "$EXPORTER_PID"
	eventually 5 eval '[ "$(grep -c "msg=\"config reloaded\"" "$LOG")" -gt '"$n"' ]'
}
a1=$(value "$auto")
check "reload keeping the auto probe" reload_to "$ROOT/tests/integration/configs/auto-2.yaml"
check "reload: one probe kept" grep -q 'msg="config reloaded" probes_kept=1 ' "$LOG"
check "reload: counts kept" [ "$(value "$auto")" = "$a1" ]
check "reload: still mode $way" \
	[ "$(value "ftrace_exporter_probe_mode{probe=\"drops_auto\",mode=\"$way\"}")" = 1 ]
"$UDPFLOOD" 127.0.0.1 9 "$N" >/dev/null
check "after the reload: $N more drops ($a1 + $N)" \
	[ "$(wait_delta "$auto" "$a1" "$N" 5)" = "$N" ]
check "no parse errors" [ "$(value ftrace_exporter_parse_errors_total)" = 0 ]
check "exit 0 on SIGTERM" stop_exporter
check "instance gone" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
