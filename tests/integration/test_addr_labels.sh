#!/usr/bin/env bash
# Issue 11, item 1: address fields become address labels, either family.
# Two network namespaces ("pods") A and B, each on a veth pair to the host
# with an IPv4 and an IPv6 address, send TCP to a listener on the host; an
# nftables rule on the host drops 30% of A's packets (both families).
#  - A's retransmits count under saddr = A's address and daddr = the
#    host's, for IPv4 and for IPv6 (RFC 5952 text);
#  - B, which loses nothing, has no retransmit series: nothing of A's is
#    attributed to B.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lib/podnet.sh"
INSTANCE=fte_test_addr
NS_A=fte_addr_a_$$
NS_B=fte_addr_b_$$
NFT_TABLE=fte_test_addr_$$
HOST4_A=10.252.1.1 POD4_A=10.252.1.2 HOST6_A=fd52:1::1 POD6_A=fd52:1::2
HOST4_B=10.252.2.1 POD4_B=10.252.2.2 HOST6_B=fd52:2::1 POD6_B=fd52:2::2

addr_cleanup() {
	cleanup		# processes (listener, senders), the instance, $TMP
	nft delete table inet "$NFT_TABLE" 2>/dev/null
	podnet_del "$NS_A" fte-addr-a
	podnet_del "$NS_B" fte-addr-b
}
trap addr_cleanup EXIT

listener() {
	podnet_listener "$TMP/port"
	PIDS+=("$PODNET_PID")
	eventually 5 test -s "$TMP/port"
}

# sender NS DEST: for 30 s at most (the test ends it sooner).
sender() {
	podnet_sender "$1" "$2" "$(cat "$TMP/port")" 30
	PIDS+=("$PODNET_PID")
}

rtx() { printf 'ftrace_test_addr_retransmits_total{saddr="%s",daddr="%s"}' "$1" "$2"; }
some() { [ "$(value "$1")" -gt 0 ]; }
none_from() { ! scrape | grep -q "saddr=\"$1\""; }

mount_tracefs
podnet_add "$NS_A" fte-addr-a "$HOST4_A" "$POD4_A" "$HOST6_A" "$POD6_A" &&
podnet_add "$NS_B" fte-addr-b "$HOST4_B" "$POD4_B" "$HOST6_B" "$POD6_B" &&
podnet_drop "$NFT_TABLE" "$POD4_A" "$POD6_A" 30 && listener ||
	{ not_ok "cannot set up pods, nftables rule and listener"; finish; exit 1; }
start_exporter "$ROOT/tests/integration/configs/addr-labels.yaml" || exit 1
for dest in "$HOST4_A" "$HOST6_A"; do sender "$NS_A" "$dest"; done
for dest in "$HOST4_B" "$HOST6_B"; do sender "$NS_B" "$dest"; done
b_sends() { [ "$(ip netns exec "$NS_B" ss -Htn state established | wc -l)" -eq 2 ]; }
check "pod B sends over both families" eventually 5 b_sends
check "pod A's IPv4 retransmits: saddr=$POD4_A daddr=$HOST4_A" \
	eventually 20 some "$(rtx "$POD4_A" "$HOST4_A")"
check "pod A's IPv6 retransmits: saddr=$POD6_A daddr=$HOST6_A" \
	eventually 20 some "$(rtx "$POD6_A" "$HOST6_A")"
check "nothing attributed to pod B (IPv4)" none_from "$POD4_B"
check "nothing attributed to pod B (IPv6)" none_from "$POD6_B"
check "no address rendered as raw bytes" eval \
	'! scrape | grep "^ftrace_test_addr_retransmits_total" | grep -qv "saddr=\"[0-9a-f.:]*\",daddr=\"[0-9a-f.:]*\""'
check "exit 0 on SIGTERM" stop_exporter
finish
