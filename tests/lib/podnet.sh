# podnet.sh: network namespaces for tests that need traffic from
# addresses they own, sourced by the integration tests and by
# tests/deploy/live-prometheus.sh --pods. A pod (podnet_add) is a namespace
# on a veth pair to the host, with an IPv4 and an IPv6 address; the host
# runs a TCP listener; an nftables table can drop a share of one pod's
# packets; podnet_pair joins two namespaces for IPv6 datagrams. Functions
# set PODNET_PID to the process they started (the caller kills it and
# removes what it made: podnet_del, nft delete table).

# podnet_add NS HOSTDEV H4 P4 H6 P6: namespace NS, veth HOSTDEV on the host
# with H4/24 and H6/64, its peer "eth0" in NS with P4 and P6.
podnet_add() {
	ip netns add "$1" &&
	ip link add "$2" type veth peer name eth0 netns "$1" &&
	ip addr add "$3/24" dev "$2" && ip addr add "$5/64" dev "$2" nodad &&
	ip -n "$1" addr add "$4/24" dev eth0 &&
	ip -n "$1" addr add "$6/64" dev eth0 nodad &&
	ip link set "$2" up && ip -n "$1" link set eth0 up &&
	ip -n "$1" link set lo up
}

# podnet_del NS HOSTDEV: removes what podnet_add made; quiet when gone.
podnet_del() {
	ip link del "$2" 2>/dev/null	# and its peer in the namespace
	ip netns del "$1" 2>/dev/null
	return 0
}

# podnet_listener PORTFILE: the host's TCP listener on every address (both
# families), reading and discarding; writes its port to PORTFILE.
podnet_listener() {
	python3 -c '
import socket, threading
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
' >"$1" &
	PODNET_PID=$!
}

# podnet_sender NS DEST PORT SECONDS: from NS, TCP to DEST:PORT, 1 KiB every
# 2 ms for SECONDS: slow enough that no queue on the way overflows, so only
# a drop rule makes a pod lose packets.
podnet_sender() {
	ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
end = time.time() + float(sys.argv[3])
while time.time() < end:
    s.sendall(b"x" * 1024); time.sleep(0.002)
' "$2" "$3" "$4" &
	PODNET_PID=$!
}

# podnet_drop TABLE P4 P6 PERCENT: nftables table TABLE drops PERCENT % of
# the packets from P4 and P6 as they reach the host.
podnet_drop() {
	nft -f - <<NFT
table inet $1 {
	chain in {
		type filter hook prerouting priority -300; policy accept;
		ip saddr $2 numgen random mod 100 < $4 drop
		ip6 saddr $3 numgen random mod 100 < $4 drop
	}
}
NFT
}

# podnet_pair NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B MAC_B: two namespaces
# joined by a veth pair, IPv6 without DAD or router solicitations, and A
# knowing B's MAC (a permanent neighbour), so that no datagram from A to
# ADDR_B waits for, or is lost in, neighbour discovery. podnet_del NS_A
# DEV_A and ip netns del NS_B remove it.
podnet_pair() {
	local ns
	ip netns add "$1" && ip netns add "$4" || return 1
	for ns in "$1" "$4"; do
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.default.router_solicitations=0 || return 1
	done
	ip -n "$1" link add "$2" type veth peer name "$5" address "$7" \
		netns "$4" &&
	ip -n "$1" addr add "$3/64" dev "$2" nodad &&
	ip -n "$4" addr add "$6/64" dev "$5" nodad &&
	ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up &&
	ip -n "$1" neigh add "$6" lladdr "$7" dev "$2" nud permanent
}
