#!/usr/bin/env bash
# Check 4 of issue 2: the global tracer's current_tracer, set_event and
# tracing_on are unchanged by a run; SIGTERM removes the instance; after
# kill -9 the kernel stopped tracing into it, and the next start cleans it.
. "$(dirname "$0")/lib.sh"
INSTANCE=fte_test_life
mount_tracefs
cfg=$TMP/life.yaml
sed 's/instance: fte_test_exact/instance: fte_test_life/' \
	"$ROOT/tests/integration/configs/exact.yaml" >"$cfg"
before=$(global_state)
inst=$TRACEFS/instances/$INSTANCE

start_exporter "$cfg" || exit 1
check "instance exists while running" [ -d "$inst" ]
check "instance traces while running" [ "$(cat "$inst/tracing_on")" = 1 ]
check "disable_on_free armed" [ "$(cat "$inst/options/disable_on_free")" = 1 ]
check "SIGTERM exits 0" stop_exporter
check "instance gone after SIGTERM" [ ! -d "$inst" ]
check "global state unchanged after SIGTERM" [ "$(global_state)" = "$before" ]

start_exporter "$cfg" || exit 1
kill -KILL "$EXPORTER_PID"; wait "$EXPORTER_PID" 2>/dev/null
check "instance left behind by kill -9 is not tracing" [ "$(cat "$inst/tracing_on")" = 0 ]
start_exporter "$cfg" || exit 1
check "next start cleans the stale instance" grep -q 'removed stale instance' "$LOG"
"$UDPFLOOD" 127.0.0.1 9 10 >/dev/null
check "and counts again" eventually 10 eval 'scrape | grep -q NO_SOCKET'
check "SIGTERM exits 0" stop_exporter
check "instance gone" [ ! -d "$inst" ]
check "global state unchanged at the end" [ "$(global_state)" = "$before" ]
finish
