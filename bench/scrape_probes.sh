#!/usr/bin/env bash
# /metrics latency as the probe count grows (50, 100, 200, 400 tracepoint
# probes): the scrape cost should follow the probes and the series, not the
# square of the probe count. Each config (written here, under a temp dir)
# has its probes in pairs on skb:kfree_skb (labelled by protocol) and
# net:netif_receive_skb (labelled by length), each pair feeding a family of
# its own. Datagrams of SIZES distinct sizes to a closed port on 127.0.0.1
# give every probe a few series. SCRAPES sequential scrapes per config,
# timed by curl from connect to last byte; prints p50/p99 and the p50 per
# probe. EXPORTER=path/to/ftrace_exporter times another build (e.g. an
# older one) with the same configs; PROBES="..." other probe counts.
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
PROBES=${PROBES:-50 100 200 400}
SCRAPES=${SCRAPES:-200}
SIZES=${SIZES:-8}
INSTANCE=fte_bench_probes
mount_tracefs

# write_config N FILE: N probes, pair k on event k % 2, family k.
write_config() {
	local n=$1 i k
	printf 'tracing:\n  instance: %s\nprobes:\n' "$INSTANCE" >"$2"
	for ((i = 0; i < n; i++)); do
		k=$((i / 2))
		if ((k % 2)); then
			printf '  - name: p%d\n    tracepoint: net:netif_receive_skb\n    labels: [len]\n' "$i"
		else
			printf '  - name: p%d\n    tracepoint: skb:kfree_skb\n    labels: [protocol]\n' "$i"
		fi
		printf '    metric: ftrace_bench_%d_total\n' "$k"
	done >>"$2"
}

# times: SCRAPES timings in ms, sorted
times() {
	for _ in $(seq "$SCRAPES"); do
		curl -s -o /dev/null -w '%{time_total}\n' \
			"http://127.0.0.1:$PORT/metrics"
	done | awk '{ printf "%.3f\n", $1 * 1000 }' | sort -n
}
pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p + 0.999); print v[i < 1 ? 1 : i] }'; }

# has_series FAMILY: true once a scrape holds a sample of FAMILY.
has_series() { scrape | grep -q "^$1{"; }

# bench_probes N: one config of N probes, started, fed, timed, stopped.
bench_probes() {
	local n=$1 cfg=$TMP/probes-$1.yaml last p50
	write_config "$n" "$cfg"
	start_exporter "$cfg" >/dev/null || return 1
	"$UDPFLOOD" 127.0.0.1 9 $((SIZES * 50)) "1-$SIZES" >/dev/null
	last=ftrace_bench_$(((n - 1) / 2))_total
	eventually 10 has_series "$last" || { echo "no series in $last"; return 1; }
	times >"$TMP/times-$n"
	p50=$(pct 0.5 <"$TMP/times-$n")
	echo "scrape $n probes: p50 $p50 ms, p99 $(pct 0.99 <"$TMP/times-$n") ms" \
		"over $SCRAPES scrapes, $(awk -v t="$p50" -v n="$n" 'BEGIN { printf "%.2f", t * 1000 / n }') us per probe," \
		"$(scrape | grep -vc '^#') samples, body $(scrape | wc -c) bytes"
	stop_exporter
}

echo "scrape probes: exporter $EXPORTER"
for n in $PROBES; do
	bench_probes "$n" || exit 1
done
