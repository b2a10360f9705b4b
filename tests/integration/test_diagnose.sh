#!/usr/bin/env bash
# Checks of issue 12 (`ftrace_exporter diagnose`), with real kernel drops
# in a network namespace this test creates (IPv6 on its loopback; an
# nftables table drops UDP to port 9999 there). The scenarios use the
# default config with its drops probe filtered to IPv6 (other traffic on
# the host stays out of the ranking) in instance fte_test_diag; the
# exporter beside runs the default config itself. Run it under the host
# lock (flock /tmp/fte-host.lock): it counts kernel drops.
#  1. Scenarios, each in text and JSON: UDP to a closed port (NO_SOCKET ->
#     no_listener), a never-read socket with a tiny SO_RCVBUF
#     (SOCKET_RCVBUFF -> congestion), an nftables drop (NETFILTER_DROP
#     -> policy), and two at once at different rates (the bigger first).
#  2. Beside an exporter on the default config: its counts stay exact
#     across a diagnosis, and no instance or probe group is left, also
#     after SIGINT mid-run; --from on that exporter gives the same ranking.
#  3. Errors: bad config, bad flags, unreachable URL -> a message, exit != 0.
#  4. A stale diagnose instance of a dead PID is removed, a live one's kept.
#  5. Retransmit peers: a "pod" (tests/lib/podnet.sh) sends TCP to the host
#     while nftables drops 30 % of its packets; the report names the pod's
#     address among the retransmits' peers, in text and JSON.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/lib/podnet.sh"
UDPSINK=${UDPSINK:-$ROOT/build/tools/udpsink}
CFG=$ROOT/config/default.yaml
SCEN_CFG=$TMP/scenarios.yaml
# The config diagnose runs with and its instance name (its own instances
# are BASE_diag_PID).
DCFG=$SCEN_CFG
BASE=fte_test_diag
NS=fte_diag_$$
FAST=20000	# datagrams/s of the bigger scenario
SLOW=5000
SECS=2		# seconds each flood lasts
DUR=4s		# each diagnosis: longer than a flood
STALE=()	# fake stale instances this test made
POD_NS=fte_diag_pod_$$ POD_DEV=fte-diag-pod POD_NFT=fte_diag_pod
HOST4=10.252.9.1 POD4=10.252.9.2 HOST6=fd52:9::1 POD6=fd52:9::2

diag_cleanup() {
	cleanup
	for i in "${STALE[@]}"; do rmdir "$TRACEFS/instances/$i" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	nft delete table inet "$POD_NFT" 2>/dev/null
	podnet_del "$POD_NS" "$POD_DEV"
}
trap diag_cleanup EXIT

make_netns() {
	ip netns add "$NS" && ip -n "$NS" link set lo up &&
	ip netns exec "$NS" nft -f - <<-'NFT'
		table inet fte_diag {
			chain in {
				type filter hook input priority 0; policy accept;
				udp dport 9999 drop
			}
		}
	NFT
}

# diag_instances: the diagnose instances present now.
diag_instances() { ls "$TRACEFS/instances" | grep "^${BASE}_diag_" || true; }
instance_up() { [ -d "$TRACEFS/instances/${BASE}_diag_$1" ]; }
instance_gone() { ! instance_up "$1"; }
# tracing PID: true once PID's diagnose instance traces.
tracing() { [ "$(cat "$TRACEFS/instances/${BASE}_diag_$1/tracing_on" 2>/dev/null)" = 1 ]; }
# probe_groups: kprobe or event-probe groups of diagnose instances.
probe_groups() {
	grep -c "fte_${BASE//_/__}__diag_" "$TRACEFS/dynamic_events" 2>/dev/null ||
		true
}

# start_diag OUT FLAGS...: diagnose in the background; sets DIAG_PID and
# waits (5 s at most) for its instance to trace, unless --from is among
# FLAGS.
start_diag() {
	local out=$1; shift
	"$EXPORTER" diagnose --config.file="$DCFG" "$@" >"$out" 2>"$out.err" &
	DIAG_PID=$!
	PIDS+=("$DIAG_PID")
	case "$*" in *--from=*) return 0 ;; esac
	eventually 5 tracing "$DIAG_PID"
}

# flood NS ADDR PORT RATE: SECS seconds of paced UDP in namespace NS, in
# the background; sets FLOOD_PID.
flood() {
	ip netns exec "$1" "$UDPFLOOD" "$2" "$3" $(($4 * SECS)) 32 "$4" \
		>>"$TMP/flood.out" &
	FLOOD_PID=$!
	PIDS+=("$FLOOD_PID")
}

# top_json FILE N: "CAUSE REASON" of the Nth ranked cause (0: the first).
top_json() {
	jq -r --argjson n "$2" '.causes[$n] | "\(.cause) \(.reasons[0].reason)"' "$1"
}
# top_text FILE N: the same from the text report (N counted from 1).
top_text() {
	awk -v n="$2" '
		$1 == n "." { c = $2; next }
		c != "" && $1 == "reason" { print c, $2; exit }' "$1"
}

# scenario NAME FORMAT WANT...: a diagnosis while the floods given by the
# caller in FLOODS run (a function), then the ranked causes checked
# against WANT ("cause reason" per rank).
scenario() {
	local name=$1 fmt=$2 out="$TMP/$1.$2" rc i; shift 2
	start_diag "$out" --duration="$DUR" --format="$fmt" ||
		{ not_ok "$name ($fmt): no instance"; return; }
	floods
	wait "$DIAG_PID"; rc=$?
	check "$name ($fmt): exit 0 (got $rc)" [ "$rc" -eq 0 ]
	[ "$fmt" = json ] && check "$name (json): valid JSON" jq -e . "$out" >/dev/null
	for ((i = 0; i < $#; i++)); do
		local want=${*:i+1:1} got
		if [ "$fmt" = json ]; then got=$(top_json "$out" "$i")
		else got=$(top_text "$out" $((i + 1))); fi
		[ "$got" = "$want" ] || sed 's/^/# /' "$out"	# why, in the log
		check "$name ($fmt): rank $((i + 1)) is '$want' (got '$got')" \
			[ "$got" = "$want" ]
	done
	eventually 5 instance_gone "$DIAG_PID"
	check "$name ($fmt): its instance is removed" instance_gone "$DIAG_PID"
}

mount_tracefs
sed -e "s/^  instance: ftrace_exporter /  instance: $BASE /" \
	-e "s/^    mode: auto/&\n    filter: 'protocol == 34525'   # ETH_P_IPV6/" \
	"$CFG" >"$SCEN_CFG"
grep -q "instance: $BASE " "$SCEN_CFG" && grep -q 'protocol == 34525' "$SCEN_CFG" ||
	{ not_ok "scenario config"; finish; exit 1; }
make_netns || { not_ok "cannot create namespaces"; finish; exit 1; }
ip netns exec "$NS" "$UDPSINK" ::1 7777 1 600 >"$TMP/sink.out" &
PIDS+=($!)
eventually 5 grep -qs ready "$TMP/sink.out" || not_ok "udpsink not ready"

# 1. Scenarios.
floods() { flood "$NS" ::1 9 "$FAST"; wait "$FLOOD_PID"; }
for f in text json; do scenario closed_port $f "no_listener NO_SOCKET"; done
floods() { flood "$NS" ::1 7777 "$FAST"; wait "$FLOOD_PID"; }
for f in text json; do scenario rcvbuf $f "congestion SOCKET_RCVBUFF"; done
floods() { flood "$NS" ::1 9999 "$FAST"; wait "$FLOOD_PID"; }
for f in text json; do scenario nftables $f "policy NETFILTER_DROP"; done
floods() {
	flood "$NS" ::1 7777 "$SLOW"; local slow=$FLOOD_PID
	flood "$NS" ::1 9 "$FAST"
	wait "$FLOOD_PID" "$slow"
}
for f in text json; do
	scenario two_at_once $f "no_listener NO_SOCKET" "congestion SOCKET_RCVBUFF"
done
share=$(jq '.causes[0].share' "$TMP/two_at_once.json")
check "two at once: the bigger's share near $FAST/($FAST+$SLOW) (got $share)" \
	awk -v s="$share" 'BEGIN { exit !(s > 0.7 && s < 0.85) }'
sed 's/^/# /' "$TMP/two_at_once.text"	# the report, in the log (README)
check "text: every line fits 80 columns" \
	awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$TMP/two_at_once.text"
check "text in a pipe: no escape codes" \
	eval '! grep -q $'"'"'\033'"'"' "$TMP/two_at_once.text"'
check "probes down shown (the host refuses the function tracer)" \
	[ "$(jq '[.probes_down[].probe] | index("tcp_sendmsg") != null' \
		"$TMP/two_at_once.json")" = true ]

# 2. Beside an exporter on the default config, diagnose on it too.
DCFG=$CFG BASE=ftrace_exporter
INSTANCE=$BASE
start_exporter "$CFG" || { finish; exit 1; }
# NETFILTER_DROP drops the exporter counted (every location: 6.18 drops
# in nft_do_chain, older kernels in nf_hook_slow).
nf_drops() { sum_of 'ftrace_skb_drops_total{reason="NETFILTER_DROP",'; }
# nf_delta BASE WANT: waits (10 s at most) for BASE + WANT, and the ring
# buffer drained; prints the count over BASE.
nf_delta() {
	local base=$1 want=$2
	eventually 10 eval '[ $(( $(nf_drops) - base )) -ge "$want" ]'
	wait_drained 10
	echo $(( $(nf_drops) - base ))
}
N=$((FAST * SECS))
trig0=$(cat "$TRACEFS/instances/$BASE/events/skb/kfree_skb/trigger")
wait_drained
before=$(nf_drops)
start_diag "$TMP/beside.json" --duration="$DUR" --format=json ||
	not_ok "beside: no instance"
BESIDE_PID=$DIAG_PID
start_diag "$TMP/from.json" --duration="$DUR" --format=json \
	--from="http://127.0.0.1:$PORT/metrics"
FROM_PID=$DIAG_PID
flood "$NS" ::1 9999 "$FAST"; nf=$FLOOD_PID
flood "$NS" ::1 7777 "$SLOW"
wait "$FLOOD_PID" "$nf"
wait "$BESIDE_PID"; beside_rc=$?
wait "$FROM_PID"; from_rc=$?
check "beside: diagnose exit 0 (got $beside_rc)" [ "$beside_rc" -eq 0 ]
check "--from: exit 0 (got $from_rc)" [ "$from_rc" -eq 0 ]
got=$(nf_delta "$before" "$N")
check "beside: the exporter counted exactly $N NETFILTER_DROP (got $got)" \
	[ "$got" -eq "$N" ]
seen=$(jq '[.causes[].reasons[] | select(.reason == "NETFILTER_DROP") |
	.drops] | add' "$TMP/beside.json")
check "beside: diagnose counted the same $N drops (got $seen)" [ "$seen" = "$N" ]
for r in 0 1; do
	check "--from ranks like the trace: rank $((r + 1)) is \
'$(top_json "$TMP/beside.json" $r)' (got '$(top_json "$TMP/from.json" $r)')" \
		[ "$(top_json "$TMP/from.json" $r)" = "$(top_json "$TMP/beside.json" $r)" ]
done
check "beside: top cause policy" \
	[ "$(top_json "$TMP/beside.json" 0)" = "policy NETFILTER_DROP" ]
check "--from: source is the URL" \
	[ "$(jq -r .source "$TMP/from.json")" = "http://127.0.0.1:$PORT/metrics" ]
eventually 5 eval '[ -z "$(diag_instances)" ]'
check "no diagnose instance left (got '$(diag_instances)')" [ -z "$(diag_instances)" ]
check "no diagnose probe group left" [ "$(probe_groups)" -eq 0 ]
check "the exporter's trigger unchanged" [ "$(cat \
	"$TRACEFS/instances/$BASE/events/skb/kfree_skb/trigger")" = "$trig0" ]

# SIGINT mid-run: the partial report, exit 130, everything removed, and
# the exporter still counts exactly.
wait_drained
before=$(nf_drops)
start_diag "$TMP/int.txt" --duration=60s || not_ok "sigint: no instance"
flood "$NS" ::1 9999 "$SLOW"; wait "$FLOOD_PID"
kill -INT "$DIAG_PID"
check "sigint: its instance is removed" eventually 10 instance_gone "$DIAG_PID"
wait "$DIAG_PID"; rc=$?
check "sigint: exit 130 (got $rc)" [ "$rc" -eq 130 ]
check "sigint: the partial report says so" grep -q interrupted "$TMP/int.txt"
check "sigint: no probe group left" [ "$(probe_groups)" -eq 0 ]
got=$(nf_delta "$before" $((SLOW * SECS)))
check "sigint: the exporter counted exactly $((SLOW * SECS)) (got $got)" \
	[ "$got" -eq $((SLOW * SECS)) ]
start_diag "$TMP/term.txt" --duration=60s || not_ok "sigterm: no instance"
kill -TERM "$DIAG_PID"
check "sigterm: its instance is removed" eventually 10 instance_gone "$DIAG_PID"
stop_exporter
INSTANCE=

# 3. Errors: a message on stderr, a non-zero exit.
err_case() { # NAME WANT-IN-STDERR FLAGS...
	local name=$1 want=$2 rc; shift 2
	"$EXPORTER" diagnose "$@" >"$TMP/err.out" 2>"$TMP/err.err"; rc=$?
	check "$name: exit non-zero (got $rc)" [ "$rc" -ne 0 ]
	check "$name: says '$want'" grep -q -- "$want" "$TMP/err.err"
	check "$name: prints no report" [ ! -s "$TMP/err.out" ]
}
printf 'probes: [\n' >"$TMP/bad.yaml"
err_case "bad config" "bad.yaml:" --config.file="$TMP/bad.yaml"
err_case "missing config" "nope.yaml" --config.file="$TMP/nope.yaml"
err_case "bad duration" "bad --duration" --duration=soon
err_case "bad format" "bad --format" --format=xml
err_case "bad URL" "bad URL" --config.file="$CFG" --from=ftp://x/
err_case "unreachable URL" "refused" --config.file="$CFG" \
	--from=http://127.0.0.1:1/metrics --duration=1s
err_case "no tracefs" "cannot make tracefs instance" --config.file="$CFG" \
	--tracefs.path="$TMP" --duration=1s
# Not root: as nobody, from the repository (readable by all).
rc=0
(cd "$ROOT" && setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$EXPORTER" diagnose --config.file=config/default.yaml --duration=1s) \
	>"$TMP/err.out" 2>"$TMP/err.err" || rc=$?
check "not root: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "not root: says it needs root" grep -q "tracing needs root" "$TMP/err.err"
check "not root: prints no report" [ ! -s "$TMP/err.out" ]

# 4. Stale instances: of a dead PID removed, of a live one kept.
true & dead=$!; wait "$dead"
sleep 600 & live=$!; PIDS+=("$live")
STALE=("${BASE}_diag_$dead" "${BASE}_diag_$live")
mkdir "$TRACEFS/instances/${STALE[0]}" "$TRACEFS/instances/${STALE[1]}"
"$EXPORTER" diagnose --config.file="$CFG" --duration=100ms >/dev/null
check "a dead PID's diagnose instance is removed" \
	[ ! -d "$TRACEFS/instances/${STALE[0]}" ]
check "a live PID's diagnose instance is kept" \
	[ -d "$TRACEFS/instances/${STALE[1]}" ]

# 5. Retransmit peers: the pod's TCP to the host loses 30 % of its packets,
# so the pod's socket (saddr POD4) retransmits. Both formats at once.
DCFG=$SCEN_CFG BASE=fte_test_diag
if podnet_add "$POD_NS" "$POD_DEV" "$HOST4" "$POD4" "$HOST6" "$POD6" &&
   podnet_drop "$POD_NFT" "$POD4" "$POD6" 30; then
	podnet_listener "$TMP/pod_port"; PIDS+=("$PODNET_PID")
	eventually 5 grep -qs . "$TMP/pod_port" || not_ok "pod listener not ready"
	start_diag "$TMP/rtx.text" --duration=5s || not_ok "rtx: no instance"
	rtx_text=$DIAG_PID
	start_diag "$TMP/rtx.json" --duration=5s --format=json ||
		not_ok "rtx (json): no instance"
	podnet_sender "$POD_NS" "$HOST4" "$(cat "$TMP/pod_port")" 4
	PIDS+=("$PODNET_PID")
	wait "$rtx_text" "$DIAG_PID"
	sed -n '/^Retransmits/,/^$/s/^/# /p' "$TMP/rtx.text"	# in the log
	check "rtx (text): the pod $POD4 is a retransmit peer" \
		eval 'sed -n "/^Retransmits/,/^\$/p" "$TMP/rtx.text" |
			grep -q "^    peer saddr=$POD4 daddr=$HOST4 "'
	check "rtx (json): the pod $POD4 is a retransmit peer" \
		jq -e --arg p "saddr=$POD4 daddr=$HOST4" \
			'.retransmits.peers | map(.peer) | index($p) != null' \
			"$TMP/rtx.json"
	check "rtx (text): every line fits 80 columns" \
		awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$TMP/rtx.text"
else
	not_ok "cannot set up the pod and its nftables rule"
fi
finish
