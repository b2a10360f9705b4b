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
INSTANCE=fte_test_addr
NS_A=fte_addr_a_$$
NS_B=fte_addr_b_$$
NFT_TABLE=fte_test_addr_$$
HOST4_A=10.252.1.1 POD4_A=10.252.1.2 HOST6_A=fd52:1::1 POD6_A=fd52:1::2
HOST4_B=10.252.2.1 POD4_B=10.252.2.2 HOST6_B=fd52:2::1 POD6_B=fd52:2::2

addr_cleanup() {
	cleanup		# processes (listener, senders), the instance, $TMP
	nft delete table inet "$NFT_TABLE" 2>/dev/null
	ip link del fte-addr-a 2>/dev/null	# and the peer in the namespace
	ip link del fte-addr-b 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap addr_cleanup EXIT

# pod NS HOSTDEV H4 P4 H6 P6: namespace NS, veth HOSTDEV on the host with
# H4/H6, its peer "eth0" in NS with P4/P6.
pod() {
	ip netns add "$1" &&
	ip link add "$2" type veth peer name eth0 netns "$1" &&
	ip addr add "$3/24" dev "$2" && ip addr add "$5/64" dev "$2" nodad &&
	ip -n "$1" addr add "$4/24" dev eth0 &&
	ip -n "$1" addr add "$6/64" dev eth0 nodad &&
	ip link set "$2" up && ip -n "$1" link set eth0 up &&
	ip -n "$1" link set lo up
}

# The host's listener: accepts on every address, reads and discards.
listener() {
	python3 -c '
import socket, sys, threading
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 0)); s.listen(64)
print(s.getsockname()[1], flush=True)
def drain(c):
    while c.recv(65536): pass
while True:
    c, _ = s.accept()
    threading.Thread(target=drain, args=(c,), daemon=True).start()
' >"$TMP/port" &
	PIDS+=($!)
	eventually 5 test -s "$TMP/port"
}

# sender NS DEST: from NS, TCP to DEST:PORT, 1 KiB every 2 ms for 30 s
# (the test kills it sooner): slow enough that no queue on the way
# overflows, so only the rule makes a pod lose packets.
sender() {
	ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
end = time.time() + 30
while time.time() < end:
    s.sendall(b"x" * 1024); time.sleep(0.002)
' "$2" "$(cat "$TMP/port")" &
	PIDS+=($!)
}

# 30% of A's packets, either family, dropped as they reach the host.
drop_rule() {
	nft -f - <<NFT
table inet $NFT_TABLE {
	chain in {
		type filter hook prerouting priority -300; policy accept;
		ip saddr $POD4_A numgen random mod 10 < 3 drop
		ip6 saddr $POD6_A numgen random mod 10 < 3 drop
	}
}
NFT
}

rtx() { printf 'ftrace_test_addr_retransmits_total{saddr="%s",daddr="%s"}' "$1" "$2"; }
some() { [ "$(value "$1")" -gt 0 ]; }
none_from() { ! scrape | grep -q "saddr=\"$1\""; }

mount_tracefs
pod "$NS_A" fte-addr-a "$HOST4_A" "$POD4_A" "$HOST6_A" "$POD6_A" &&
pod "$NS_B" fte-addr-b "$HOST4_B" "$POD4_B" "$HOST6_B" "$POD6_B" &&
drop_rule && listener ||
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
