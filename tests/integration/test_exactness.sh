#!/usr/bin/env bash
# Check 2 of issue 2: 100,000 UDP datagrams to a closed port on 127.0.0.1
# raise the NO_SOCKET series and the lo receive series by exactly 100,000
# within 2 s, with no lost events.
. "$(dirname "$0")/lib.sh"
N=${N:-100000}
INSTANCE=fte_test_exact
mount_tracefs
start_exporter "$ROOT/tests/integration/configs/exact.yaml" || exit 1

drop='ftrace_skb_drops_total{reason="NO_SOCKET",location="__udp4_lib_rcv"}'
recv='ftrace_netif_receive_total{name="lo"}'
d0=$(value "$drop"); r0=$(value "$recv")
"$UDPFLOOD" 127.0.0.1 9 "$N" 1000 >/dev/null
dd=$(wait_delta "$drop" "$d0" "$N" 2)
dr=$(wait_delta "$recv" "$r0" "$N" 2)
check "NO_SOCKET rose by exactly $N (got $dd)" [ "$dd" -eq "$N" ]
check "lo receive rose by exactly $N (got $dr)" [ "$dr" -eq "$N" ]
check "no events lost" [ "$(sum_of ftrace_exporter_events_lost_total)" -eq 0 ]
check "no parse errors" [ "$(value ftrace_exporter_parse_errors_total)" -eq 0 ]
check "reason is a kernel name, location a function" \
	grep -q 'reason="NO_SOCKET",location="__udp4_lib_rcv"' <(scrape)
check "exit 0 on SIGTERM" stop_exporter
check "instance removed after SIGTERM" [ ! -d "$TRACEFS/instances/$INSTANCE" ]
finish
