#!/usr/bin/env bash
# Hardening issue 8, item 12: the series cap counts distinct series, not
# (series, CPU) pairs. A probe with a cap of 4, labelled by packet length;
# the same 4 lengths are received on every CPU in turn (the sender pinned
# with taskset: veth delivers on the sending CPU's backlog). All 4 series
# are kept with every packet and nothing is dropped; a fifth length is over
# the cap: its packets, and only they, are counted as dropped.
# Traffic is IPv6 over a veth pair between two namespaces this test makes.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lib/podnet.sh"
CFG=$ROOT/tests/integration/configs/series-cap.yaml
INSTANCE=fte_test_metrics_cap
NS_A=fte_mcap_a_$$
NS_B=fte_mcap_b_$$
ADDR_B=fd00:fe5::2
MAC_B=02:00:00:00:fe:5b
PER_CPU=${PER_CPU:-2000}	# datagrams per CPU, spread over the 4 lengths
OVER=${OVER:-300}		# datagrams of the fifth length
FAMILY=ftrace_test_cap_rx_total
DROPPED='ftrace_exporter_series_dropped_total{probe="cap_rx"}'

cap_cleanup() {
	cleanup
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap cap_cleanup EXIT

# send CPU COUNT SIZES: COUNT datagrams from A to a closed port on B, sizes
# cycling through SIZES (MIN-MAX), sent on CPU only.
send() {
	ip netns exec "$NS_A" taskset -c "$1" "$UDPFLOOD" "$ADDR_B" 9 "$2" "$3" \
		>/dev/null
}

# series_count: how many series the family has in a fresh scrape.
series_count() { scrape | grep -c "^$FAMILY{"; }

# wait_sum WANT SECONDS: waits until the family's samples add up to WANT
# and the ring buffer is drained (an overshoot would show too); prints the
# final sum.
wait_sum() {
	local want=$1
	eventually "$2" eval '[ "$(sum_of "$FAMILY{")" -ge "$want" ]'
	wait_drained "$2"
	sum_of "$FAMILY{"
}

mount_tracefs
# A in NS_A, B (fte_mcb, the traced device) in NS_B.
podnet_pair "$NS_A" fte_mca fd00:fe5::1 "$NS_B" fte_mcb "$ADDR_B" "$MAC_B" ||
	{ not_ok "cannot create namespaces"; finish; exit 1; }
start_exporter "$CFG" || exit 1
ncpus=$(nproc)
# IPv6 length = 40 + 8 + payload: payloads 1153..1156 are lengths 1201..1204.
for cpu in $(seq 0 $((ncpus - 1))); do
	events="ftrace_exporter_events_total{cpu=\"$cpu\"}"
	e0=$(value "$events")
	send "$cpu" "$PER_CPU" 1153-1156 ||
		not_ok "udpflood on CPU $cpu failed"
	check "CPU $cpu traced the datagrams sent on it" \
		[ "$(wait_delta "$events" "$e0" "$PER_CPU" 5)" -ge "$PER_CPU" ]
done
want=$((PER_CPU * ncpus))
got=$(wait_sum "$want" 5)
check "every packet of the 4 series counted on $ncpus CPUs ($got of $want)" \
	[ "$got" -eq "$want" ]
check "4 series, each once (got $(series_count))" [ "$(series_count)" -eq 4 ]
for len in 1201 1202 1203 1204; do
	check "len $len counted on every CPU" \
		[ "$(value "$FAMILY{len=\"$len\"}")" -eq $((want / 4)) ]
done
check "nothing dropped within the cap (got $(value "$DROPPED"))" \
	[ "$(value "$DROPPED")" -eq 0 ]

send $((ncpus - 1)) "$OVER" 1157 || not_ok "udpflood of the fifth length failed"
value_becomes "$DROPPED" "$OVER" 5
check "the fifth series is over the cap: its $OVER packets dropped (got $(value "$DROPPED"))" \
	[ "$(value "$DROPPED")" -eq "$OVER" ]
check "still 4 series" [ "$(series_count)" -eq 4 ]
check "no events lost" [ "$(sum_of ftrace_exporter_events_lost_total)" -eq 0 ]
check "exit 0 on SIGTERM" stop_exporter
check "instance removed after SIGTERM" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
