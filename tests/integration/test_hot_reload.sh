#!/usr/bin/env bash
# Hot reload applies probe changes while the running probes keep counting:
# a kept probe loses and doubles nothing (exact even with reloads during a
# flood), a changed one starts from zero, a removed one disappears, a new
# one counts from the reload, a changed tracing: section is refused.
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_hot_reload
mount_tracefs
A=$ROOT/tests/integration/configs/reload-a.yaml
B=$ROOT/tests/integration/configs/reload-b.yaml
cfg=$TMP/hot.yaml
drops='ftrace_skb_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
global_before=$(global_state)
cp "$A" "$cfg"
start_exporter "$cfg" --web.enable-lifecycle || exit 1

# reload_to FILE: installs FILE as the config and reloads with SIGHUP; waits
# for the log line of that reload.
reload_to() {
	local n
	n=$(grep -c 'msg="config reloaded"' "$LOG")
	cp "$1" "$cfg"
	kill -HUP "$EXPORTER_PID"
	for _ in $(seq 50); do
		[ "$(grep -c 'msg="config reloaded"' "$LOG")" -gt "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

"$UDPFLOOD" 127.0.0.1 9 1000 1000 >/dev/null
check "before: drops" [ "$(wait_delta "$drops" 0 1000 2)" = 1000 ]
check "before: received 1028-byte packets" \
	[ "$(value 'ftrace_netif_receive_total{name="lo"}')" = 1000 ]
check "before: queued 1028-byte packets" \
	[ "$(value 'ftrace_netif_rx_total{name="lo"}')" = 1000 ]

check "reload to the changed probe list" reload_to "$B"
"$UDPFLOOD" 127.0.0.1 9 500 1001 >/dev/null
"$UDPFLOOD" 127.0.0.1 9 500 1000 >/dev/null
check "kept probe kept counting (1000 + 1000)" [ "$(wait_delta "$drops" 0 2000 2)" = 2000 ]
check "changed probe started from zero" \
	[ "$(value 'ftrace_netif_receive_total{name="lo"}')" = 500 ]
check "new probe counts from the reload" \
	[ "$(value 'ftrace_netif_rx_1001_total{name="lo"}')" = 500 ]
check "removed probe's family is gone" \
	bash -c "! curl -sf http://127.0.0.1:$PORT/metrics | grep -q '^ftrace_netif_rx_total'"
check "removed probe's probe_up is gone" \
	bash -c "! curl -sf http://127.0.0.1:$PORT/metrics | grep -q 'probe_up{probe=\"rx_queue\"}'"
check "new probe is up" [ "$(value 'ftrace_exporter_probe_up{probe="rx_1001"}')" = 1 ]
check "reload successful" [ "$(value ftrace_exporter_config_last_reload_successful)" = 1 ]

# Reloads back and forth during a paced flood: the kept probe is exact.
N=${N:-100000}
v0=$(value "$drops")
"$UDPFLOOD" 127.0.0.1 9 "$N" 1000 40000 >/dev/null &
flood=$!
reloads=0
for i in $(seq 8); do
	sleep 0.25
	if [ $((i % 2)) = 1 ]; then f=$A; else f=$B; fi
	reload_to "$f" && reloads=$((reloads + 1))
done
wait "$flood"
check "8 reloads during the flood" [ "$reloads" = 8 ]
check "kept probe exact across reloads ($N)" [ "$(wait_delta "$drops" "$v0" "$N" 3)" = "$N" ]
check "no events lost" [ "$(sum_of ftrace_exporter_events_lost_total)" = 0 ]
check "no parse errors" [ "$(value ftrace_exporter_parse_errors_total)" = 0 ]

# SIGHUP and POST /-/reload at the same moment run one after the other.
v2=$(value "$drops")
n=$(grep -c 'msg="config reloaded"' "$LOG")
for _ in 1 2 3 4 5; do
	curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/-/reload" &
	kill -HUP "$EXPORTER_PID"
	wait $!
done
for _ in $(seq 50); do
	[ "$(grep -c 'msg="config reloaded"' "$LOG")" -ge $((n + 10)) ] && break
	sleep 0.1
done
check "10 concurrent reloads all applied" [ "$(grep -c 'msg="config reloaded"' "$LOG")" = $((n + 10)) ]
"$UDPFLOOD" 127.0.0.1 9 1000 1000 >/dev/null
check "still exact after concurrent reloads" [ "$(wait_delta "$drops" "$v2" 1000 2)" = 1000 ]

sed 's/buffer_size_kb: 4096/buffer_size_kb: 1024/' "$B" >"$cfg"
v1=$(value "$drops")
kill -HUP "$EXPORTER_PID"
check "a changed tracing: section is refused" \
	value_becomes ftrace_exporter_config_last_reload_successful 0
check "refusal is logged" grep -q "tracing: section changed" "$LOG"
"$UDPFLOOD" 127.0.0.1 9 100 1000 >/dev/null
check "still counting after the refusal" [ "$(wait_delta "$drops" "$v1" 100 2)" = 100 ]
check "exit 0 on SIGTERM" stop_exporter
check "instance gone" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
check "global tracing state unchanged" [ "$(global_state)" = "$global_before" ]
finish
