#!/usr/bin/env bash
# Issue 11, item 2 on this host: packet labels on drops want an event probe
# on skb:kfree_skb, which this machine's 6.18 refuses (its README shows the
# "e:" synopsis, dynamic_events answers EINVAL). The probe must still count:
#  - --check-config warns that the labels will be empty, naming them and why;
#  - the exporter logs why once, naming the labels and the errno;
#  - N UDP datagrams to a closed port of a namespace the test makes are
#    counted exactly (reason NO_SOCKET, IPv4, by the probe's filter on the
#    tracepoint), with daddr, dport and device empty, as the namespace's own
#    Udp NoPorts counts them;
#  - nothing is left in the private group, the instance is removed.
# On a kernel that takes event probes the same run checks the other way:
# the note of --check-config, no fallback logged, the labels filled.
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_packet
GROUP=fte_fte__test__packet	# config_kprobe_group(): '_' written "__"
NS=fte_pkt_$$
HOST4=10.253.7.1 POD4=10.253.7.2
N=200

pkt_cleanup() {
	cleanup		# the exporter, the instance, $TMP
	ip link del fte-pkt0 2>/dev/null	# and its peer in the namespace
	ip netns del "$NS" 2>/dev/null
}
trap pkt_cleanup EXIT

# NO_SOCKET's number in this kernel's kfree_skb symbol table
no_socket() {
	grep -o '{ [0-9]*, "NO_SOCKET" }' "$TRACEFS/events/skb/kfree_skb/format" |
		tr -dc 0-9
}

# the probe's config: NO_SOCKET drops of IPv4 (ETH_P_IP) packets only, so
# the host's other drops stay out of the count
config() {
	cat >"$TMP/packet.yaml" <<EOF
tracing:
  instance: $INSTANCE
probes:
  - name: drops
    tracepoint: skb:kfree_skb
    metric: ftrace_test_packet_drops_total
    labels: [reason, daddr, dport, device]
    filter: reason == $(no_socket) && protocol == 2048
EOF
}

# nsport: the namespace's Udp NoPorts counter
noports() {
	ip netns exec "$NS" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "NoPorts") c = i; h = 1 } else print $c }' /proc/net/snmp
}

group_left() { grep -c "^e:$GROUP/" "$TRACEFS/dynamic_events"; }
# available V: /metrics has ftrace_exporter_packet_labels_available V for the probe
available() { scrape | grep -qx "ftrace_exporter_packet_labels_available{probe=\"drops\"} $1"; }
# true when this kernel takes event probes (the exporter's own check: it
# tried, the check-config output says which way)
eprobes() { grep -q "note: probe drops: labels daddr,dport,device come from an event probe" "$TMP/check.txt"; }

mount_tracefs
ip netns add "$NS" && ip link add fte-pkt0 type veth peer name eth0 netns "$NS" &&
	ip addr add "$HOST4/24" dev fte-pkt0 && ip -n "$NS" addr add "$POD4/24" dev eth0 &&
	ip link set fte-pkt0 up && ip -n "$NS" link set eth0 up && ip -n "$NS" link set lo up &&
	[ -x "$UDPFLOOD" ] && [ -n "$(no_socket)" ] ||
	{ not_ok "cannot set up the namespace, udpflood (make tools) or NO_SOCKET"; finish; exit 1; }
config

"$EXPORTER" --config.file="$TMP/packet.yaml" --check-config >"$TMP/check.txt" 2>&1
check "--check-config passes" test $? -eq 0
if eprobes; then
	ok "--check-config: this kernel takes event probes (note)"
else
	check "--check-config lists the labels that stay empty and why" grep -qE \
		"packet.yaml:[0-9]+:[0-9]+: warning: probe drops: no event probe on this kernel \(.*: [A-Za-z ]+\): labels daddr,dport,device will be empty; it counts on skb:kfree_skb" \
		"$TMP/check.txt"
fi
check "--check-config leaves no event probe" test "$(grep -c '^e:fte_check_' "$TRACEFS/dynamic_events")" -eq 0

start_exporter "$TMP/packet.yaml" || { not_ok "exporter starts"; finish; exit 1; }
check "probe up" value_becomes 'ftrace_exporter_probe_up{probe="drops"}' 1
fallback='msg="no event probe; probe counts on its tracepoint" probe=drops reason="labels daddr,dport,device stay empty: the kernel refused the event probe: '
if eprobes; then
	check "event probe made: no fallback logged" test "$(grep -c "$fallback" "$LOG")" -eq 0
	check "event probe made in the private group" test "$(group_left)" -eq 1
	check "packet labels available: 1 on /metrics" available 1
else
	check "the log says why, once, with the errno" test "$(grep -cE "$fallback[A-Za-z ]+\"" "$LOG")" -eq 1
	check "nothing made in the private group" test "$(group_left)" -eq 0
	check "packet labels available: 0 on /metrics" available 0
fi

if eprobes; then
	series="ftrace_test_packet_drops_total{reason=\"NO_SOCKET\",daddr=\"$POD4\",dport=\"9\",device=\"eth0\"}"
else
	series='ftrace_test_packet_drops_total{reason="NO_SOCKET",daddr="",dport="",device=""}'
fi
base=$(value "$series") ports0=$(noports)
"$UDPFLOOD" "$POD4" 9 "$N" >/dev/null
check "the namespace dropped the $N datagrams (Udp NoPorts)" test $(( $(noports) - ports0 )) -eq "$N"
got=$(wait_delta "$series" "$base" "$N" 10)
check "$N drops counted exactly ($got), packet labels as the kernel allows" test "$got" -eq "$N"

check "exit 0 on SIGTERM" stop_exporter
check "private group empty after exit" test "$(group_left)" -eq 0
check "instance removed" test ! -d "$TRACEFS/instances/$INSTANCE"
finish
