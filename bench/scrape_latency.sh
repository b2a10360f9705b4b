#!/usr/bin/env bash
# /metrics latency at about 10,000 series (DESIGN target: p99 under 10 ms):
# datagrams of SERIES distinct sizes to a closed port on 127.0.0.1 make one
# series per packet length, then SCRAPES sequential scrapes, plain and gzip,
# timed by curl from connect to last byte. Prints p50/p99/max, body sizes
# and the exporter's RSS.
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
SERIES=${SERIES:-10000}
SCRAPES=${SCRAPES:-300}
INSTANCE=fte_bench_scrape
mount_tracefs

# times ARGS...: SCRAPES timings in ms, sorted
times() {
	for _ in $(seq "$SCRAPES"); do
		curl -s -o /dev/null -w '%{time_total}\n' "$@" \
			"http://127.0.0.1:$PORT/metrics"
	done | awk '{ printf "%.3f\n", $1 * 1000 }' | sort -n
}
pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p + 0.999); print v[i < 1 ? 1 : i] }'; }
report() { # report NAME TIMINGS_FILE BYTES
	echo "scrape $1: p50 $(pct 0.5 <"$2") ms, p99 $(pct 0.99 <"$2") ms," \
		"max $(tail -1 "$2") ms over $SCRAPES scrapes, body $3 bytes"
}

start_exporter "$ROOT/bench/configs/scrape-10k.yaml" >/dev/null || exit 1
"$UDPFLOOD" 127.0.0.1 9 "$SERIES" "1-$SERIES" >/dev/null
for _ in $(seq 50); do
	n=$(scrape | grep -c '^ftrace_bench_rx_total{')
	[ "$n" -ge "$SERIES" ] && break
	sleep 0.1
done
echo "scrape: $(scrape | grep -vc '^#') samples, $n of them ftrace_bench_rx_total"
times >"$TMP/plain"
times -H 'Accept-Encoding: gzip' >"$TMP/gzip"
report plain "$TMP/plain" "$(scrape | wc -c)"
report gzip "$TMP/gzip" \
	"$(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/metrics" | wc -c)"
echo "scrape: exporter RSS $(awk '/VmRSS/ { print $2 }' "/proc/$EXPORTER_PID/status") KiB" \
	"with these series"
stop_exporter
