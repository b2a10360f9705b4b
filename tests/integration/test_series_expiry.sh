#!/usr/bin/env bash
# Issue 11, item 4: cardinality under churn. A probe labelled by packet
# length, capped at 2 series that expire after 3 idle seconds. Two lengths
# fill the cap and a third is dropped; once idle, the two leave /metrics
# (ftrace_exporter_series_expired_total counts them,
# ftrace_exporter_series_live drops to 0), the third then fits under the
# cap, and a length that comes back restarts from 0. promtool accepts the
# scrape. Traffic is IPv6 over a veth pair between two namespaces this test
# makes; run under flock /tmp/fte-host.lock.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lib/podnet.sh"
CFG=$ROOT/tests/integration/configs/series-expiry.yaml
INSTANCE=fte_test_expiry
NS_A=fte_mx_a_$$
NS_B=fte_mx_b_$$
ADDR_B=fd00:fe6::2
MAC_B=02:00:00:00:fe:6b
N=${N:-200}			# datagrams per length and send
FAMILY=ftrace_test_churn_rx_total
SELF='{probe="churn_rx"}'

expiry_cleanup() {
	cleanup
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap expiry_cleanup EXIT

# send PAYLOAD: N datagrams of IPv6 length 48 + PAYLOAD to a closed port.
send() {
	ip netns exec "$NS_A" "$UDPFLOOD" "$ADDR_B" 9 "$N" "$1" >/dev/null ||
		not_ok "udpflood of payload $1 failed"
}

series() { value "$FAMILY{len=\"$1\"}"; }
present() { scrape | grep -q "^$FAMILY{len=\"$1\"}"; }
gone() { ! present "$1"; }

mount_tracefs
# A in NS_A, B (fte_mxb, the traced device) in NS_B.
podnet_pair "$NS_A" fte_mxa fd00:fe6::1 "$NS_B" fte_mxb "$ADDR_B" "$MAC_B" ||
	{ not_ok "cannot create namespaces"; finish; exit 1; }
start_exporter "$CFG" || exit 1
send 1153
send 1154
check "two lengths counted" \
	value_becomes "$FAMILY{len=\"1202\"}" "$N" 5
check "the first one too ($(series 1201))" [ "$(series 1201)" -eq "$N" ]
check "series_live is 2" value_becomes "ftrace_exporter_series_live$SELF" 2
send 1155
check "a third length is over the cap" \
	value_becomes "ftrace_exporter_series_dropped_total$SELF" "$N" 5
check "the idle series leave /metrics" eventually 15 eval 'gone 1201 && gone 1202'
check "series_expired_total counts them" \
	[ "$(value "ftrace_exporter_series_expired_total$SELF")" -eq 2 ]
check "series_live is 0" [ "$(value "ftrace_exporter_series_live$SELF")" -eq 0 ]
send 1155
check "the third length then fits under the cap" \
	value_becomes "$FAMILY{len=\"1203\"}" "$N" 5
send 1153
check "a length that comes back restarts from 0" \
	value_becomes "$FAMILY{len=\"1201\"}" "$N" 5
check "nothing more dropped" \
	[ "$(value "ftrace_exporter_series_dropped_total$SELF")" -eq "$N" ]
check "series_live is 2 again" \
	[ "$(value "ftrace_exporter_series_live$SELF")" -eq 2 ]
scrape >"$TMP/metrics.txt"
check "promtool check metrics" promtool check metrics <"$TMP/metrics.txt"
check "exit 0 on SIGTERM" stop_exporter
check "instance removed after SIGTERM" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
