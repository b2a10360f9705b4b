#!/bin/sh
# guest-diagpeers.sh: `ftrace_exporter diagnose` names whose drops they are (issue 12, peers).
# A veth pair joins the root namespace (fte_dp0, 10.78.0.1) to a namespace dp (fte_dp1,
# 10.78.0.2); while `diagnose --format=json` runs on the shipped default config, the workload
# sends N UDP datagrams to a closed port of dp's address, which dp drops (NO_SOCKET). The
# default config's skb_drops_by_peer probe (skb:kfree_skb by reason, saddr, daddr, dport, from
# an event probe) gives the peers: the NO_SOCKET reason lists saddr=10.78.0.1 daddr=10.78.0.2
# dport=9999, at the reason's whole rate. Kernels without event probes (5.10) leave those labels empty: skipped there.
. /lib/vmtest.sh
X=/usr/local/bin/ftrace_exporter
W=/usr/local/bin/workload
C=/etc/ftrace_exporter/default.yaml
OUT=/tmp/diagpeers.json
N=300
NS=dp
PEER="saddr=10.78.0.1 daddr=10.78.0.2 dport=9999"

[ -x "$X" ] || { skip diagpeers "no $X"; vm_done; }
has eprobe || { skip "diagnose drop peers" "no event probes on $(uname -r): no addresses"; vm_done; }

cleanup() { veth_ns_del $NS fte_dp0; }
# tracing PID: true once diagnose PID's own instance traces
tracing() { [ "$(cat $T/instances/ftrace_exporter_diag_$1/tracing_on 2>/dev/null)" = 1 ]; }

veth_ns $NS fte_dp0 fte_dp1 10.78.0 ||
    { not_ok "veth pair and namespace" "setup failed"; cleanup; vm_done; }

$X diagnose --config.file=$C --duration=20s --format=json > $OUT 2> /tmp/diagpeers.err &
dpid=$!
if eventually 60 tracing $dpid; then
    $W udp-send 10.78.0.2 9999 $N > /dev/null
else
    not_ok "diagnose traces" "$(tail -n 3 /tmp/diagpeers.err)"
fi
wait $dpid
check_eq "diagnose: exit 0" "$?" 0
# the NO_SOCKET reason's locations and peers (a location holds no ']')
reason=$(grep -o '"reason":"NO_SOCKET",[^]]*\],"peers":\[[^]]*\]' $OUT)
note "$reason"
check "diagnose: NO_SOCKET lists the peer $PEER" \
    sh -c "echo '$reason' | grep -q '\"peer\":\"$PEER\"'"
# every drop has its peer: the peer's rate is the reason's
rate=$(echo "$reason" | sed -n 's/^"reason":"NO_SOCKET","rate":\([0-9.]*\),.*/\1/p')
peer_rate=$(echo "$reason" | sed -n "s/.*\"peer\":\"$PEER\",\"rate\":\([0-9.]*\)}.*/\1/p")
check_eq "diagnose: the peer's rate is NO_SOCKET's" "${peer_rate:-none}" "${rate:-no reason}"
check "diagnose: no diagnose instance left" \
    sh -c "! ls $T/instances | grep -q _diag_"
cleanup
vm_done
