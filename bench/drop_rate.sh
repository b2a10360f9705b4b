#!/usr/bin/env bash
# Drop-generator rate with and without the exporter: udpflood sends UDP
# datagrams to a closed port on 127.0.0.1 (every one a kfree_skb NO_SOCKET
# drop); the exporter traces config/default.yaml. Prints the median of 5
# runs each, the slowdown, and whether the exporter lost events.
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
N=${N:-300000}
INSTANCE=ftrace_exporter
mount_tracefs

rate() { "$UDPFLOOD" 127.0.0.1 9 "$N" | sed -E 's/.*\(([0-9]+)\/s\)/\1/'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
runs() { for _ in 1 2 3 4 5; do rate; done | median; }

base=$(runs)
start_exporter "$ROOT/config/default.yaml" >/dev/null || exit 1
traced=$(runs)
sleep 1
lost=$(sum_of ftrace_exporter_events_lost_total)
echo "drop generator: $base drops/s without the exporter, $traced drops/s with it" \
	"($(awk -v a="$base" -v b="$traced" 'BEGIN { printf "%.1f", 100 * (a - b) / a }')% slower)," \
	"events lost by the exporter: $lost"
stop_exporter
