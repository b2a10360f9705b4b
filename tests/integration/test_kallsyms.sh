#!/usr/bin/env bash
# Issue 8, item 8: without CAP_SYSLOG /proc/kallsyms shows every address as
# 0. The exporter then says so once, renders kfree_skb `location` as the raw
# address, and still counts every drop exactly, with no parse error: 20,000
# UDP datagrams to a closed port on 127.0.0.1. Run under
# flock /tmp/fte-host.lock (it counts kernel events).
. "$(dirname "$0")/lib.sh"
N=${N:-20000}
INSTANCE=fte_test_kallsyms
KPTR=/proc/sys/kernel/kptr_restrict
NOSYSLOG=(setpriv --inh-caps=-syslog --bounding-set=-syslog)
mount_tracefs

# kptr_restrict 0 shows addresses to anyone when perf_event_paranoid <= 1:
# then the test sets 1 (CAP_SYSLOG needed) and puts it back on exit.
KPTR_WAS=$(cat "$KPTR")
restore_kptr() { echo "$KPTR_WAS" >"$KPTR"; cleanup; }
trap restore_kptr EXIT
first_address() { "${NOSYSLOG[@]}" head -n1 /proc/kallsyms | cut -d' ' -f1; }
[ "$(first_address)" = 0000000000000000 ] || echo 1 >"$KPTR"
check "kallsyms shows 0 addresses without CAP_SYSLOG" \
	[ "$(first_address)" = 0000000000000000 ]

cat >"$TMP/kallsyms.yaml" <<YAML
tracing:
  instance: $INSTANCE
  buffer_size_kb: 4096
probes:
  - name: skb_drops
    tracepoint: skb:kfree_skb
    metric: ftrace_skb_drops_total
    labels: [reason, location]
YAML
# The exporter runs as its own PID (exec) without CAP_SYSLOG.
printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${NOSYSLOG[*]}" "$EXPORTER" \
	>"$TMP/nosyslog.sh"
chmod +x "$TMP/nosyslog.sh"
EXPORTER=$TMP/nosyslog.sh
start_exporter "$TMP/kallsyms.yaml" || exit 1

drops='ftrace_skb_drops_total{reason="NO_SOCKET"'
d0=$(sum_of "$drops")
"$UDPFLOOD" 127.0.0.1 9 "$N" 100 >/dev/null
eventually 5 eval '[ $(( $(sum_of "$drops") - d0 )) -ge "$N" ]'
wait_drained 5
dd=$(( $(sum_of "$drops") - d0 ))
check "NO_SOCKET rose by exactly $N (got $dd)" [ "$dd" -eq "$N" ]
check "no parse errors" [ "$(value ftrace_exporter_parse_errors_total)" -eq 0 ]
check "no events lost" [ "$(sum_of ftrace_exporter_events_lost_total)" -eq 0 ]
check "location is the raw address" \
	grep -qE "^$drops,location=\"0x[0-9a-f]+\"} " <(scrape)
check "the log says once why" \
	[ "$(grep -c 'kallsyms shows every address as 0' "$LOG")" -eq 1 ]
check "exit 0 on SIGTERM" stop_exporter
check "instance removed after SIGTERM" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
