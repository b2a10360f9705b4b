#!/usr/bin/env bash
# A bad config on reload (POST /-/reload or SIGHUP) keeps the running config
# and every counter, and says so in config_last_reload_successful; a good one
# is accepted again.
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_reload
mount_tracefs
cfg=$TMP/reload.yaml
sed 's/instance: fte_test_exact/instance: fte_test_reload/' \
	"$ROOT/tests/integration/configs/exact.yaml" >"$cfg"
cp "$cfg" "$TMP/good.yaml"
start_exporter "$cfg" --web.enable-lifecycle || exit 1
url=http://127.0.0.1:$PORT
series='ftrace_skb_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
v0=$(value "$series")
"$UDPFLOOD" 127.0.0.1 9 1000 >/dev/null
check "counts before reload" [ "$(wait_delta "$series" "$v0" 1000 2)" -ge 1000 ]

printf 'probes:\n  - name: x\n    tracepoint: nocolon\n' >"$cfg"
v1=$(value "$series")
check "POST /-/reload with a bad config answers 500" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/-/reload")" = 500 ]
check "reload marked unsuccessful" [ "$(value ftrace_exporter_config_last_reload_successful)" = 0 ]
check "counters kept" [ "$(value "$series")" -ge "$v1" ]
"$UDPFLOOD" 127.0.0.1 9 1000 >/dev/null
check "still counting after a bad reload" [ "$(wait_delta "$series" "$v1" 1000 2)" -ge 1000 ]
check "the problem is logged with file:line:col" grep -q "reload.yaml:3:" "$LOG"

cp "$TMP/good.yaml" "$cfg"
kill -HUP "$EXPORTER_PID"
check "SIGHUP with a good config is successful" \
	value_becomes ftrace_exporter_config_last_reload_successful 1
check "exit 0 on SIGTERM" stop_exporter
finish
