# Shared helpers for integration tests (sourced). Every test runs the real
# binary against the real tracefs and cleans up what it started, by PID,
# even when it fails.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TRACEFS=${TRACEFS:-/sys/kernel/tracing}
EXPORTER=${EXPORTER:-$ROOT/ftrace_exporter}
UDPFLOOD=${UDPFLOOD:-$ROOT/build/tools/udpflood}
TMP=$(mktemp -d /tmp/fte-test.XXXXXX)
PIDS=()
FAILS=0
PASSES=0

cleanup() {
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	[ -n "${INSTANCE:-}" ] && rmdir "$TRACEFS/instances/$INSTANCE" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
not_ok() { FAILS=$((FAILS + 1)); echo "not ok - $*"; }
check() { # check NAME CMD...: passes when CMD succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
finish() {
	echo "$(basename "$0" .sh): $PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

mount_tracefs() {
	mountpoint -q "$TRACEFS" || mount -t tracefs nodev "$TRACEFS"
}

# listen_port LOG: the port the exporter logged after binding, empty until then.
listen_port() {
	sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' "$1" | tail -n1
}

# start_exporter CONFIG [FLAGS...]: starts it on a port the kernel picks
# (port 0; no race with other sockets), waits for /-/ready; sets PORT,
# EXPORTER_PID, LOG.
start_exporter() {
	local cfg=$1; shift
	LOG=$(mktemp "$TMP/exporter.XXXXXX.log")
	"$EXPORTER" --config.file="$cfg" --web.listen-address=127.0.0.1:0 \
		"$@" >"$LOG" 2>&1 &
	EXPORTER_PID=$!
	PIDS+=("$EXPORTER_PID")
	for _ in $(seq 100); do
		PORT=$(listen_port "$LOG")
		[ -n "$PORT" ] && curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null &&
			return 0
		kill -0 "$EXPORTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "exporter did not become ready:"; cat "$LOG"
	return 1
}

stop_exporter() { # SIGTERM, wait for exit; returns its exit status
	kill -TERM "$EXPORTER_PID"
	wait "$EXPORTER_PID"
}

scrape() { curl -sf "http://127.0.0.1:$PORT/metrics"; }

# value 'NAME{LABELS}': the sample's value from a fresh scrape, 0 if absent.
value() {
	scrape | awk -v s="$1" 'index($0, s " ") == 1 { v = $2 } END { print v + 0 }'
}

# Sum of every sample whose line starts with PREFIX.
sum_of() {
	scrape | awk -v s="$1" 'index($0, s) == 1 { t += $NF } END { print t + 0 }'
}

# value_becomes SERIES WANT [SECONDS]: true once SERIES reads WANT (within
# SECONDS, default 2).
value_becomes() {
	local series=$1 want=$2
	eventually "${3:-2}" eval '[ "$(value "$series")" = "$want" ]'
}

# eventually SECONDS CMD...: polls CMD every 0.1 s until it succeeds (true)
# or SECONDS pass (false).
eventually() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# kstat FIELD: FIELD of the instance's per-CPU stats, summed over CPUs.
kstat() {
	cat "$TRACEFS/instances/$INSTANCE"/per_cpu/cpu*/stats |
		awk -v f="$1:" 'index($0, f) == 1 { s += $NF } END { print s + 0 }'
}

# wait_drained [SECONDS]: true once every event that was in $INSTANCE's ring
# buffer when called has been read and parsed: the exporter's events_total
# (records parsed) reaches the kernel's "read events" plus "entries" (records
# not yet read) of that moment. Later events do not delay it.
wait_drained() {
	local target=$(( $(kstat "read events") + $(kstat entries) ))
	eventually "${1:-10}" eval '[ "$(sum_of ftrace_exporter_events_total)" -ge '"$target"' ]'
}

# wait_delta SERIES BASE WANT SECONDS: waits until SERIES - BASE >= WANT and
# the ring buffer is drained (so an overshoot would show too), then prints
# the final delta.
wait_delta() {
	local series=$1 base=$2 want=$3 secs=$4
	eventually "$secs" eval '[ $(( $(value "$series") - base )) -ge "$want" ]'
	wait_drained "$secs"
	echo $(( $(value "$series") - base ))
}

global_state() { # what a run must never change at the top level
	cat "$TRACEFS/current_tracer" "$TRACEFS/set_event" "$TRACEFS/tracing_on"
}

# wait_grep FILE PATTERN [SECONDS]: true once a line of FILE matches the
# extended regex PATTERN (within SECONDS, default 5).
wait_grep() {
	eventually "${3:-5}" grep -qsE "$2" "$1"
}
