#!/usr/bin/env bash
# Issue 8, item 3: an instance owned by a live exporter is never touched.
# A second start with the same instance exits 1 naming the owner (its PID
# and comm) and the first keeps counting exactly (it used to take the live
# instance for a stale one: tracing off, events disabled, frozen counters);
# --check-config leaves it alone too. After kill -9 of the owner the next
# start cleans the stale instance and counts.
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_life_owner
N=2000
mount_tracefs
inst=$TRACEFS/instances/$INSTANCE
cfg=$TMP/owner.yaml
sed "s/instance: fte_test_exact/instance: $INSTANCE/" \
	"$ROOT/tests/integration/configs/exact.yaml" >"$cfg"
drop='ftrace_skb_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
up='ftrace_exporter_probe_up{probe="skb_drops"}'

# counts_exactly NAME: N datagrams to a closed port raise the drops by N.
counts_exactly() {
	local d0 got
	d0=$(value "$drop")
	"$UDPFLOOD" 127.0.0.1 9 "$N" 100 >/dev/null
	got=$(wait_delta "$drop" "$d0" "$N" 5)
	check "$1: drops rose by exactly $N (got $got)" [ "$got" -eq "$N" ]
}

start_exporter "$cfg" || exit 1
first=$EXPORTER_PID first_port=$PORT first_log=$LOG
state_before=$(cat "$inst/tracing_on" "$inst/set_event")
counts_exactly "owner"

second_log=$TMP/second.log
timeout 60 "$EXPORTER" --config.file="$cfg" --web.listen-address=127.0.0.1:0 \
	>"$second_log" 2>&1; rc=$?
check "second start exits 1 (rc $rc)" [ "$rc" -eq 1 ]
check "second start names the owner's PID" \
	grep -q "msg=\"instance owned by a running exporter; leaving it alone\" instance=$INSTANCE owner_pid=$first owner_comm=ftrace_exporter" "$second_log"
check "owner's instance untouched (tracing_on, set_event)" \
	[ "$(cat "$inst/tracing_on" "$inst/set_event")" = "$state_before" ]
PORT=$first_port
check "owner still probe_up 1" [ "$(value "$up")" = 1 ]
counts_exactly "owner after the second start"

out=$("$EXPORTER" --check-config --config.file="$cfg" 2>&1); rc=$?
check "check-config beside a live owner: ok (rc $rc)" [ "$rc" -eq 0 ]
check "check-config left the owner's instance alone" \
	[ "$(cat "$inst/tracing_on" "$inst/set_event")" = "$state_before" ]
counts_exactly "owner after check-config"

kill -KILL "$first"; wait "$first" 2>/dev/null
check "kill -9 leaves a stale instance" [ -d "$inst" ]
start_exporter "$cfg" || exit 1
check "next start cleans the stale instance" grep -q 'removed stale instance' "$LOG"
check "and is up" [ "$(value "$up")" = 1 ]
counts_exactly "after kill -9 and restart"
check "SIGTERM exits 0" stop_exporter
check "instance gone" [ ! -d "$inst" ]
check "first exporter logged nothing about a second" \
	[ "$(grep -c 'level=error' "$first_log")" -eq 0 ]
finish
