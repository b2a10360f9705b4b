#!/usr/bin/env bash
# Drop-generator rate with and without tracing: udpflood sends UDP datagrams
# to a closed port on 127.0.0.1 (every one a kfree_skb NO_SOCKET drop). Three
# conditions: untraced, the exporter counting skb:kfree_skb by reason and
# location (bench/configs/drops-only.yaml), and bpftrace counting the same
# tracepoint by the same fields (the DESIGN yardstick). The conditions take
# turns for ROUNDS rounds of 3 runs each, so drift on a shared machine hits
# all of them; prints each one's median, range and slowdown.
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
N=${N:-300000}
ROUNDS=${ROUNDS:-3}
INSTANCE=fte_bench_drops
mount_tracefs

rate() { "$UDPFLOOD" 127.0.0.1 9 "$N" | sed -E 's/.*\(([0-9]+)\/s\)/\1/'; }
runs() { for _ in 1 2 3; do rate; done; }
# summary FILE: "median (min-max)"
summary() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%d (%d-%d)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
slower() { awk -v a="$(median "$TMP/base")" -v b="$(median "$1")" \
	'BEGIN { printf "%.1f%% slower", 100 * (a - b) / a }'; }

exporter_runs() {
	start_exporter "$ROOT/bench/configs/drops-only.yaml" >/dev/null || exit 1
	runs
	sleep 1
	lost=$(( ${lost:-0} + $(sum_of ftrace_exporter_events_lost_total) ))
	stop_exporter
}

# bpftrace_runs: runs() while bpftrace counts kfree_skb by reason and location
bpftrace_runs() {
	bpftrace -e 'tracepoint:skb:kfree_skb { @[args->reason, args->location] = count(); }' \
		>"$TMP/bpftrace.out" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	for _ in $(seq 100); do
		grep -q '^Attaching' "$TMP/bpftrace.out" && { sleep 0.5; runs; break; }
		sleep 0.1
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

have_bpf=$(command -v bpftrace)
for _ in $(seq "$ROUNDS"); do
	runs >>"$TMP/base"
	exporter_runs >>"$TMP/exporter"
	[ -n "$have_bpf" ] && bpftrace_runs >>"$TMP/bpftrace"
done
echo "drop generator: $(summary "$TMP/base") drops/s untraced"
echo "drop generator: $(summary "$TMP/exporter") with the exporter ($(slower "$TMP/exporter")), events lost: $lost"
if [ -s "$TMP/bpftrace" ]; then
	echo "drop generator: $(summary "$TMP/bpftrace") with bpftrace ($(slower "$TMP/bpftrace"))"
else
	echo "drop generator: no bpftrace figure (make bench installs it; output: $(head -c 200 "$TMP/bpftrace.out" 2>/dev/null))"
fi
