#!/usr/bin/env bash
# Checks of issue 4 (drop-cause gauges), each with real kernel drops. All
# traffic is IPv6 inside two network namespaces this test creates (A, and B
# behind a veth pair); the test config counts IPv6 drops only, so IPv4
# floods of other tests on the host do not disturb the rates.
#  1. no_listener: paced UDP to a closed port on A's ::1 -> no_listener
#     dominant, rate within 10 % of the generated rate.
#  5. mapping is data: a second exporter whose config moves NO_SOCKET into
#     policy sees the same drops as policy (and no no_listener).
#  6. every gauge decays to 0 within one window (5 s) after traffic stops.
#  2. policy: ip6tables DROP in B -> NETFILTER_DROP counted, policy dominant.
#  3. congestion: a never-read socket with a tiny SO_RCVBUF in A, flooded ->
#     SOCKET_RCVBUFF counted, congestion dominant.
#  4. routing: frames to a MAC that is not B's -> OTHERHOST, routing dominant.
. "$(dirname "$0")/lib.sh"
UDPSINK=${UDPSINK:-$ROOT/build/tools/udpsink}
CFG=$ROOT/tests/integration/configs/causes.yaml
INSTANCE=fte_test_causes
MOVED_INSTANCE=fte_test_causes_moved
WINDOW=5
RATE=${RATE:-20000}
NS_A=fte_causes_a_$$
NS_B=fte_causes_b_$$
ADDR_A=fd00:fe4::1
ADDR_B=fd00:fe4::2

causes_cleanup() {
	cleanup
	rmdir "$TRACEFS/instances/$MOVED_INSTANCE" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}
trap causes_cleanup EXIT

# Two namespaces joined by a veth pair, IPv6 without DAD delay.
make_netns() {
	local ns
	ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
	for ns in "$NS_A" "$NS_B"; do	# no router solicitations: less noise
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.default.router_solicitations=0 || return 1
	done
	ip -n "$NS_A" link add fte_ca type veth peer name fte_cb netns "$NS_B" &&
	ip -n "$NS_A" addr add "$ADDR_A/64" dev fte_ca nodad &&
	ip -n "$NS_B" addr add "$ADDR_B/64" dev fte_cb nodad &&
	for ns in "$NS_A" "$NS_B"; do
		ip -n "$ns" link set lo up || return 1
	done &&
	ip -n "$NS_A" link set fte_ca up && ip -n "$NS_B" link set fte_cb up
}

# get PORT SERIES: the sample's value (0 if absent), as a float.
get() {
	curl -sf "http://127.0.0.1:$1/metrics" |
		awk -v s="$2" 'index($0, s " ") == 1 { v = $2 } END { print v + 0 }'
}
rate() { get "$1" "ftrace_drop_cause_rate{cause=\"$2\"}"; }
# The one cause whose dominant gauge is 1 ("none" when none, "many" when
# several).
dominant() {
	curl -sf "http://127.0.0.1:$1/metrics" | awk '
		/^ftrace_drop_cause_dominant\{/ && $2 == 1 {
			n++; split($1, a, "\""); c = a[2] }
		END { print n == 1 ? c : (n ? "many" : "none") }'
}
# idle PORT: true when one scrape shows every rate 0 and nothing dominant.
idle() {
	curl -sf "http://127.0.0.1:$1/metrics" | awk '
		/^ftrace_drop_cause_rate\{/ { t += $2; n++ }
		/^ftrace_drop_cause_dominant\{/ { d += $2 }
		END { exit !(n > 0 && t == 0 && d == 0) }'
}
# reason_total REASON: drops of that reason, all locations (an integer).
reason_total() {
	curl -sf "http://127.0.0.1:$PORT_A/metrics" | awk -v r="$1" '
		index($0, "ftrace_skb_drops_total{reason=\"" r "\"") == 1 {
			t += $NF }
		END { printf "%d\n", t }'
}
within() { # within GOT WANT PCT
	awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN { d = g - w; if (d < 0) d = -d;
		exit !(d <= w * p / 100) }'
}
# wait_total REASON N SECONDS: prints REASON's total once it reaches N (or
# when time is up).
wait_total() {
	local n
	for _ in $(seq $(($3 * 10))); do
		n=$(reason_total "$1")
		[ "$n" -ge "$2" ] && break
		sleep 0.1
	done
	echo "$n"
}
# wait_dominant PORT CAUSE SECONDS: true once CAUSE is dominant.
wait_dominant() {
	for _ in $(seq $(($3 * 10))); do
		[ "$(dominant "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# wait_zero PORT SECONDS: prints how long until every rate was 0 and
# nothing dominant (seconds from the call), or "never".
wait_zero() {
	local t0=$(date +%s.%N) t
	for _ in $(seq $(($2 * 20))); do
		if idle "$1"; then
			t=$(date +%s.%N)
			awk -v a="$t0" -v b="$t" 'BEGIN { printf "%.2f\n", b - a }'
			return
		fi
		sleep 0.05
	done
	echo never
	curl -sf "http://127.0.0.1:$1/metrics" | grep -E '^ftrace_(drop_cause_rate|skb_drops_total)' >&2
}
# flood NS ADDR PORT COUNT RATE: paced UDP in namespace NS, in background;
# sets FLOOD_PID.
flood() {
	ip netns exec "$1" "$UDPFLOOD" "$2" "$3" "$4" 32 "$5" >"$TMP/flood.out" &
	FLOOD_PID=$!
	PIDS+=("$FLOOD_PID")
}

mount_tracefs
make_netns || { not_ok "cannot create namespaces"; finish; exit 1; }
sed -e "s/instance: $INSTANCE/instance: $MOVED_INSTANCE/" \
	-e '/no_listener: \[NO_SOCKET\]/d' \
	-e 's/\[SOCKET_FILTER,/[NO_SOCKET, SOCKET_FILTER,/' "$CFG" >"$TMP/moved.yaml"
start_exporter "$TMP/moved.yaml" || exit 1
PORT_B=$PORT PID_B=$EXPORTER_PID
start_exporter "$CFG" || exit 1
PORT_A=$PORT

# 0. Idle: every cause present, 0, nothing dominant.
check "idle: no drops, nothing dominant" idle "$PORT_A"
check "every class cause and other exported" [ "$(curl -sf \
	"http://127.0.0.1:$PORT_A/metrics" | grep -c '^ftrace_drop_cause_rate{')" -eq 7 ]

# 1 and 5: steady no_listener drops for WINDOW + 2 s.
secs=$((WINDOW + 2))
flood "$NS_A" ::1 9 $((RATE * secs)) "$RATE"
# The window fills with the steady flood: both gauges then near RATE.
eventually "$secs" eval 'within "$(rate "$PORT_A" no_listener)" "$RATE" 10 &&
	within "$(rate "$PORT_B" policy)" "$RATE" 10'
got=$(rate "$PORT_A" no_listener) dom=$(dominant "$PORT_A")
moved=$(rate "$PORT_B" policy) moved_dom=$(dominant "$PORT_B")
moved_nl=$(curl -sf "http://127.0.0.1:$PORT_B/metrics" | grep -c 'cause="no_listener"')
wait "$FLOOD_PID"; cat "$TMP/flood.out"
echo "# no_listener: generated $RATE/s, gauge $got/s; moved config: policy $moved/s"
check "no_listener dominant (got $dom)" [ "$dom" = no_listener ]
check "no_listener rate within 10% of $RATE/s (got $got)" within "$got" "$RATE" 10
check "moved mapping: NO_SOCKET counts as policy (got $moved)" within "$moved" "$RATE" 10
check "moved mapping: policy dominant (got $moved_dom)" [ "$moved_dom" = policy ]
check "moved mapping: no no_listener cause left" [ "$moved_nl" -eq 0 ]
kill -TERM "$PID_B"

# 6. Decay within one window after the flood ended.
z=$(wait_zero "$PORT_A" $((WINDOW + 3)))
echo "# all rates 0 after ${z}s (window ${WINDOW}s)"
# Drops become visible when a reader wakes (at most READER_POLL_MS, 200 ms,
# after them): the window counts from then, hence the 0.25 s allowance.
check "gauges decay to 0 within one window (${z}s)" \
	awk -v z="$z" -v w="$WINDOW" 'BEGIN { exit !(z != "never" && z <= w + 0.25) }'

# 2. policy: ip6tables DROP on B's INPUT.
ip netns exec "$NS_B" ip6tables -A INPUT -p udp --dport 9999 -j DROP
d0=$(reason_total NETFILTER_DROP)
flood "$NS_A" "$ADDR_B" 9999 15000 5000
check "policy dominant" wait_dominant "$PORT_A" policy 3
wait "$FLOOD_PID"
d1=$(wait_total NETFILTER_DROP $((d0 + 15000)) 2)
echo "# NETFILTER_DROP +$((d1 - d0)), policy $(rate "$PORT_A" policy)/s"
check "NETFILTER_DROP counted (+$((d1 - d0)) of 15000)" [ $((d1 - d0)) -ge 15000 ]
check "policy decays" [ "$(wait_zero "$PORT_A" $((WINDOW + 3)))" != never ]

# 3. congestion: a socket with SO_RCVBUF 1 (the kernel's minimum) never read.
ip netns exec "$NS_A" "$UDPSINK" ::1 7777 1 20 >"$TMP/sink.out" &
PIDS+=($!); SINK_PID=$!
for _ in $(seq 20); do grep -q ready "$TMP/sink.out" && break; sleep 0.1; done
flood "$NS_A" ::1 7777 15000 5000
check "congestion dominant" wait_dominant "$PORT_A" congestion 3
wait "$FLOOD_PID"
n=$(wait_total SOCKET_RCVBUFF 14000 2)
echo "# SOCKET_RCVBUFF $n, congestion $(rate "$PORT_A" congestion)/s"
check "SOCKET_RCVBUFF counted ($n of 15000 sent)" [ "$n" -gt 10000 ]
kill -TERM "$SINK_PID"
check "congestion decays" [ "$(wait_zero "$PORT_A" $((WINDOW + 3)))" != never ]

# 4. routing: A sends to B's address with a MAC that is not B's, so B sees
# frames for another host (OTHERHOST).
ip -n "$NS_A" -6 neigh replace "$ADDR_B" lladdr 02:00:00:00:fe:04 dev fte_ca \
	nud permanent
flood "$NS_A" "$ADDR_B" 9999 15000 5000
check "routing dominant" wait_dominant "$PORT_A" routing 3
wait "$FLOOD_PID"
o=$(wait_total OTHERHOST 15000 2)
echo "# OTHERHOST $o, routing $(rate "$PORT_A" routing)/s"
check "OTHERHOST counted ($o of 15000 sent)" [ "$o" -ge 15000 ]

check "no events lost" [ "$(sum_of ftrace_exporter_events_lost_total)" -eq 0 ]
check "exit 0 on SIGTERM" stop_exporter
finish
