#!/usr/bin/env bash
# Issue 10 item 3: the classic picture without the function tracer. On a
# kernel that refuses it (this host: EPERM) the retransmits heuristic falls
# back from the tcp_retransmit_skb function probe to the
# tcp:tcp_retransmit_skb tracepoint, and the send/receive heuristic to
# sock:sock_send_length/sock_recv_length (Linux 6.3 and later). Proof with
# induced loss: in a network namespace this test creates, an nftables rule
# drops 20 % of a TCP flow's packets at random; the retransmits cause was 0
# before the flow and rises above 0 with it.
#  1. probes: the function probes down, the tracepoint probes up
#  2. the log names the fallback probe of each heuristic and why
#  3. retransmits 0 before the flow; above 0 during it, with nft drops and
#     tracepoint hits to show for it
#  4. sock_send/sock_recv count at least the flow's send()/read() calls
. "$(dirname "$0")/lib.sh"
CFG=$ROOT/tests/integration/configs/fallback.yaml
INSTANCE=fte_test_fallback
NS=fte_fallback_$$
FLOW_PORT=45871		# the port of the filter in $CFG
WINDOW=5
WL=$TMP/workload

fallback_cleanup() {
	cleanup
	ip netns del "$NS" 2>/dev/null	# its nft table goes with it
}
trap fallback_cleanup EXIT

# One namespace with lo up and a rule dropping 20 % of the packets to PORT.
make_netns() {
	ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip netns exec "$NS" nft -f - <<NFT
table inet fte_fallback {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $FLOW_PORT numgen random mod 100 < 20 counter drop
	}
}
NFT
}
nft_dropped() {
	ip netns exec "$NS" nft list table inet fte_fallback |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
rate() { value "ftrace_drop_cause_rate{cause=\"$1\"}"; }
positive() { awk -v v="$1" 'BEGIN { exit !(v > 0) }'; }
up() { value "ftrace_exporter_probe_up{probe=\"$1\"}"; }
logged() { # logged CAUSE PROBE PREFERRED: the fallback line of one heuristic
	grep 'msg="drop-cause heuristic uses a fallback probe"' "$LOG" |
		grep "cause=$1 " | grep "probe=$2 " | grep -q "preferred=$3 "
}

mount_tracefs
command -v nft >/dev/null || { not_ok "nft installed (scripts/deps.sh)"; finish; exit 1; }
"$ROOT/tests/vm/build-workload.sh" "$WL" >/dev/null ||
	{ not_ok "build the TCP workload"; finish; exit 1; }
make_netns || { not_ok "namespace with an nftables drop rule"; finish; exit 1; }
start_exporter "$CFG" || exit 1

# 1 and 2.
fn_up=$(up tcp_retransmit_skb)
check "tracepoint tcp:tcp_retransmit_skb probe up" [ "$(up tcp_retransmit)" = 1 ]
if [ "$fn_up" = 1 ]; then
	echo "ok - log: retransmits falls back to the tracepoint # SKIP this kernel allows the function tracer"
else
	check "log: retransmits uses tcp_retransmit, its function probe being down" \
		logged retransmits tcp_retransmit tcp_retransmit_skb
	grep 'fallback probe' "$LOG" | sed 's/^/# /'
fi
if [ "$(up sock_send)" != 1 ]; then
	echo "ok - sock_send/sock_recv fallbacks # SKIP no sock:sock_send_length here (before Linux 6.3)"
elif [ "$fn_up" = 1 ]; then
	echo "ok - log: send_receive_deficit falls back # SKIP this kernel allows the function tracer"
else
	check "log: send_receive_deficit uses sock_send" \
		logged send_receive_deficit sock_send tcp_sendmsg
	check "log: send_receive_deficit subtracts sock_recv" \
		logged send_receive_deficit sock_recv tcp_recvmsg
fi

# 3. Nothing before the flow (its port is new to the filter: no other
# traffic counts), then the flow through 20 % loss.
eventually 3 eval '[ "$(rate retransmits)" = 0 ]'
check "retransmits 0 before the flow (got $(rate retransmits))" [ "$(rate retransmits)" = 0 ]
hits0=$(value 'ftrace_event_hits_total{event="tcp:tcp_retransmit_skb"}')
sends0=$(value 'ftrace_event_hits_total{event="sock:sock_send_length"}')
recvs0=$(value 'ftrace_event_hits_total{event="sock:sock_recv_length"}')
WORKLOAD_CALLS=1 ip netns exec "$NS" "$WL" tcp-sink "$FLOW_PORT" >"$TMP/sink.out" 2>&1 &
SINK=$!; PIDS+=("$SINK")
WORKLOAD_CALLS=1 timeout 60 ip netns exec "$NS" "$WL" tcp-stream 127.0.0.1 "$FLOW_PORT" 4000000 \
	>"$TMP/stream.out" 2>&1 &
STREAM=$!; PIDS+=("$STREAM")
check "retransmits rises above 0 under 20% loss" eventually 30 eval 'positive "$(rate retransmits)"'
got=$(rate retransmits)
wait "$STREAM"; wait "$SINK"
cat "$TMP/stream.out" "$TMP/sink.out" | sed 's/^/# /'
hits=$(( $(value 'ftrace_event_hits_total{event="tcp:tcp_retransmit_skb"}') - hits0 ))
echo "# retransmits $got/s; nft dropped $(nft_dropped) packets; tracepoint hits +$hits"
check "nft dropped packets of the flow" positive "$(nft_dropped)"
check "tracepoint tcp:tcp_retransmit_skb counted the retransmits (+$hits)" [ "$hits" -gt 0 ]
check "the stream completed" grep -q 'tcp-stream sent=4000000' "$TMP/stream.out"

# 4. The flow's own calls are among the sock tracepoints' hits.
if [ "$(up sock_send)" = 1 ]; then
	calls() { sed -n "s/^calls .*$1=\([0-9]*\).*/\1/p" "$TMP/stream.out" "$TMP/sink.out" |
		awk '{ s += $1 } END { print s + 0 }'; }
	wait_drained 10
	s=$(( $(value 'ftrace_event_hits_total{event="sock:sock_send_length"}') - sends0 ))
	r=$(( $(value 'ftrace_event_hits_total{event="sock:sock_recv_length"}') - recvs0 ))
	echo "# sock_send +$s (flow's send() $(calls send)), sock_recv +$r (flow's read() $(calls recv))"
	check "sock_send counts the flow's send() calls" [ "$s" -ge "$(calls send)" ]
	check "sock_recv counts the flow's read() calls" [ "$r" -ge "$(calls recv)" ]
else
	echo "ok - sock tracepoints count the flow # SKIP no sock:sock_send_length here"
fi
check "exit 0 on SIGTERM" stop_exporter
finish
