#!/usr/bin/env bash
# A live scrape of the default config passes `promtool check metrics`, has
# the right content type, gzip works, the web routes answer as documented,
# and probes the kernel refuses report probe_up 0 while the others count.
. "$(dirname "$0")/lib.sh"
INSTANCE=ftrace_exporter
mount_tracefs
start_exporter "$ROOT/config/default.yaml" || exit 1
"$UDPFLOOD" 127.0.0.1 9 100 >/dev/null
eventually 10 eval 'scrape | grep -q "^ftrace_skb_drops_total{reason=\"NO_SOCKET\""'
url=http://127.0.0.1:$PORT
scrape >"$TMP/metrics.txt"
check "promtool check metrics" promtool check metrics <"$TMP/metrics.txt"
check "content type 0.0.4" grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' \
	<(curl -sf -o /dev/null -D - "$url/metrics")
check "gzip when asked" bash -c "curl -sf -H 'Accept-Encoding: gzip' '$url/metrics' | gzip -dc | grep -q ftrace_exporter_build_info"
check "landing page links /metrics" grep -q 'href="/metrics"' <(curl -sf "$url/")
check "/-/healthy 200" curl -sf "$url/-/healthy" -o /dev/null
check "/-/ready 200" curl -sf "$url/-/ready" -o /dev/null
check "unknown path 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/nope")" = 404 ]
check "POST /metrics 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/metrics")" = 405 ]
check "tracepoint probe counts" grep -q '^ftrace_skb_drops_total{reason="NO_SOCKET"' "$TMP/metrics.txt"
check "build_info present" grep -q '^ftrace_exporter_build_info{version=' "$TMP/metrics.txt"
if cat "$TRACEFS/available_filter_functions" >/dev/null 2>&1; then
	echo "# this kernel allows the function tracer; refused-probe check skipped"
else
	check "refused function probe reports probe_up 0" \
		grep -q '^ftrace_exporter_probe_up{probe="tcp_sendmsg"} 0' "$TMP/metrics.txt"
	check "refusal is logged with the reason" grep -q 'probe down.*probe=tcp_sendmsg.*not permitted' "$LOG"
	check "tracepoint probe up beside it" \
		grep -q '^ftrace_exporter_probe_up{probe="skb_drops"} 1' "$TMP/metrics.txt"
fi
finish
