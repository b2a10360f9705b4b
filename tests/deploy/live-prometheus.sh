#!/usr/bin/env bash
# Live check of the dashboard and recording rules against the real exporter and a real
# Prometheus (Debian's prometheus on 127.0.0.1:<free port>, temp data dir, scraping every 1-2 s
# with a static `node` label and deploy/prometheus/recording_rules.yml loaded, evaluated every
# 2 s): every PromQL expression of dashboards/*.json (template variables substituted) and every
# recording rule (its expression and its recorded series) is run through /api/v1/query; an
# expression that errors or returns no series fails.
#
# Modes:
#   (no argument)       the test suite's mode: tests/deploy/live-vm.sh boots the exporter in the
#                       stock Debian kernel under QEMU (function tracer and kprobes work there),
#                       generates drops, retransmits and TCP traffic in the guest, and runs this
#                       script with --target on the host-forwarded port. Nothing may be empty.
#   --target HOST:PORT  only Prometheus and the queries, against an exporter that runs elsewhere
#                       while something else generates traffic: waits for the first successful
#                       scrape, then polls every expression until each returns data (at most
#                       LIVE_QUERY_DEADLINE s, default 120), then queries each once and checks the
#                       target is still up. No allow-list: every expression must return data.
#   --host              exporter and drops on this host: starts ./ftrace_exporter on
#                       127.0.0.1:<free port>, makes the kernel drop packets for LIVE_DROP_SECONDS
#                       (default 20; UDP datagrams and TCP SYNs to a closed port on 127.0.0.1:
#                       NO_SOCKET drops), then polls and queries as above. Families that can legitimately stay empty
#                       on a host are skipped, not passed: no TCP retransmits happen
#                       (ftrace_tcp_retransmits_total), the cardinality cap is not hit
#                       (ftrace_exporter_series_dropped_total), and kernels that refuse the function
#                       tracer export no function hits (then probe_up is 0 for those probes).
#                       LIVE_ALLOW_EMPTY: extra regex of metric names allowed to be empty. Needs
#                       root and tracefs.
#   --pods              the pod rules (issue 11): Prometheus scrapes tests/deploy/pods-target.mjs,
#                       a static target serving kube_pod_info (as kube-state-metrics would, job
#                       kube-state-metrics) and exporter-shaped counters with saddr/daddr labels at
#                       known rates, loads the shipped recording and alerting rules, and checks
#                       through the HTTP API that the recorded series carry the right namespace and
#                       pod (and rates), that host-network pods' IP gets no pod, that every rule
#                       evaluates without error and that FtracePodDropsHigh is pending for the
#                       dropping pod only. Then the real thing: the exporter on this host (default
#                       config) and two pods (network namespaces on veth pairs, IPv4 and IPv6,
#                       tests/lib/podnet.sh) sending TCP to the host, nftables dropping 30% of pod
#                       A's packets; kube_pod_info and kube_pod_ips name both pods, and the rules must
#                       give pod A's retransmits, by peer, in both families, and none of pod B.
#                       Needs root, tracefs, nftables.
# In the other modes the rules built on kube_pod_info (pod_ip:, pod:, pod_peer:, peer_pod:) are
# skipped, not passed, while nothing serves kube_pod_info: --pods checks them.
# Env: FTRACE_EXPORTER (binary, default ./ftrace_exporter), LIVE_NODE (the `node` label).
# Prints `live-prometheus: N passed, M failed, K skipped`.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
BIN=${FTRACE_EXPORTER:-$ROOT/ftrace_exporter}
DROP_SECONDS=${LIVE_DROP_SECONDS:-20}
QUERY_DEADLINE=${LIVE_QUERY_DEADLINE:-120}
mode="" target=""
case "${1:-}" in
    "") exec "$ROOT/tests/deploy/live-vm.sh" ;;
    --host) mode=host ;;
    --target) mode=target target=${2:-} ;;
    --pods) mode=pods ;;
    *) echo "usage: $0 [--host | --target HOST:PORT | --pods]" >&2; exit 2 ;;
esac
pass=0 fail=0 skip=0
say() { echo "live-prometheus: $*"; }
# One line per check, as scripts/count-checks.sh counts them.
say_ok() { echo "ok - live-prometheus: $*"; }
say_bad() { echo "not ok - live-prometheus: $*"; }
say_skip() { echo "ok - live-prometheus: $* # SKIP"; }
finish() { say "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; exit $?; }

if [ "$mode" = target ]; then
    [[ $target =~ ^[^:]+:[0-9]+$ ]] || { say "--target wants HOST:PORT, got '$target'"; fail=1; finish; }
elif [ "$mode" = host ] || [ "$mode" = pods ]; then
    if [ ! -x "$BIN" ]; then say "no exporter binary at $BIN (run make)"; fail=1; finish; fi
    if [ "$(id -u)" != 0 ]; then say "needs root (tracefs)"; fail=1; finish; fi
fi
for t in prometheus curl node; do
    command -v $t >/dev/null && continue
    if [ $t = prometheus ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1
    fi
    command -v $t >/dev/null || { say "missing tool: $t"; fail=1; finish; }
done

TMP=$(mktemp -d /tmp/live-prometheus.XXXXXX)
pids=() mounted_tracefs=0
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    [ $mounted_tracefs = 1 ] && umount /sys/kernel/tracing 2>/dev/null
    [ "$mode" = pods ] && live_pods_del
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { # an unused TCP port on 127.0.0.1
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}
wait_http() { # wait_http URL SECONDS PID: until URL answers 2xx or PID dies
    local i
    for ((i = 0; i < $2 * 5; i++)); do
        curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# ---- host mode: exporter on this host ------------------------------------------------------------
start_host_exporter() {
    if ! mountpoint -q /sys/kernel/tracing; then
        mount -t tracefs nodev /sys/kernel/tracing && mounted_tracefs=1 || { say "cannot mount tracefs"; fail=1; finish; }
    fi
    "$BIN" --config.file="$ROOT/config/default.yaml" --web.listen-address=127.0.0.1:0 \
        --tracefs.path=/sys/kernel/tracing --log.level=info >"$TMP/exporter.log" 2>&1 &
    pids+=($!); EXP_PID=$!
    for _ in $(seq 150); do   # the kernel picks the port; the exporter logs it
        EXP_PORT=$(sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' "$TMP/exporter.log")
        [ -n "$EXP_PORT" ] || ! kill -0 $EXP_PID 2>/dev/null && break
        sleep 0.2
    done
    exporter=127.0.0.1:${EXP_PORT:-0}
    [ "$mode" = pods ] || target=$exporter
    if wait_http "http://$exporter/-/ready" 30 $EXP_PID; then
        pass=$((pass + 1)); say_ok "exporter ready on $exporter"
    else
        fail=$((fail + 1)); say_bad "exporter not ready in 30 s; log:"; tail -20 "$TMP/exporter.log"; finish
    fi
}

# ---- prometheus --------------------------------------------------------------------
# start_prometheus INTERVAL: scrape $target every INTERVAL (also its timeout)
start_prometheus() {
    PROM_PORT=$(free_port)
    PROM=http://127.0.0.1:$PROM_PORT
    sed 's/^\(\s*interval:\s*\).*/\12s/' deploy/prometheus/recording_rules.yml >"$TMP/recording_rules.yml"
    cp deploy/prometheus/alerting_rules.yml "$TMP/alerting_rules.yml"
    cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: $1
  scrape_timeout: $1
  evaluation_interval: 1s
rule_files:
  - $TMP/recording_rules.yml
${PROM_EXTRA_RULES:-}
scrape_configs:
  - job_name: ftrace_exporter
    static_configs:
      - targets: ['$target']
        labels:
          node: ${LIVE_NODE:-live-$mode}
${PROM_EXTRA_SCRAPE:-}
YML
    prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
        --web.listen-address=127.0.0.1:$PROM_PORT --log.level=warn >"$TMP/prometheus.log" 2>&1 &
    pids+=($!); PROM_PID=$!
    if wait_http "$PROM/-/ready" 30 $PROM_PID; then
        pass=$((pass + 1)); say_ok "prometheus ready on 127.0.0.1:$PROM_PORT, scraping $target every $1"
    else
        fail=$((fail + 1)); say_bad "prometheus not ready; log:"; tail -20 "$TMP/prometheus.log"; finish
    fi
}

# ---- host mode: drops on 127.0.0.1 -------------------------------------------------------------
host_drops() {
    local closed
    closed=$(free_port)   # nobody listens there: UDP -> NO_SOCKET, TCP SYN -> reset
    say "generating drops for ${DROP_SECONDS}s (UDP/TCP to closed port 127.0.0.1:$closed)"
    (
        end=$((SECONDS + DROP_SECONDS)) n=0
        while [ $SECONDS -lt $end ] && [ $n -lt 2000000 ]; do
            for _ in 1 2 3 4 5 6 7 8 9 10; do echo drop 2>/dev/null >/dev/udp/127.0.0.1/"$closed"; done
            (exec 3<>/dev/tcp/127.0.0.1/"$closed") 2>/dev/null
            n=$((n + 11))
        done
    ) &
    pids+=($!)
    wait $!
}

# ---- target mode: scrape for a while ----------------------------------------------------------
target_scrapes() {
    local i res
    for ((i = 0; i < 60; i++)); do   # the first successful scrape, at most 60 s
        res=$(query 'up{job="ftrace_exporter"} == 1')
        [ "$res" = "ok 1" ] && break
        sleep 1
    done
    if [ "$res" != "ok 1" ]; then
        fail=$((fail + 1)); say_bad "no successful scrape of $target in 60 s"; finish
    fi
    pass=$((pass + 1)); say_ok "first scrape of $target"
}
target_last_scrape() { # after the queries had their data: is the target still up?
    local res
    res=$(query 'up{job="ftrace_exporter"} == 1')
    if [ "$res" != "ok 1" ]; then
        fail=$((fail + 1)); say_bad "the last scrape of $target failed"; tail -5 "$TMP/prometheus.log"
    fi
}

# ---- pods mode: kube_pod_info and exporter-shaped series from a static target -----------------
# Two pods of this test: A (its packets 30% dropped) and B, in namespace fte-live.
. "$ROOT/tests/lib/podnet.sh"
NS_A=fte_live_a_$$ NS_B=fte_live_b_$$ NFT_TABLE=fte_live_pods_$$
HOST4_A=10.253.1.1 POD4_A=10.253.1.2 HOST6_A=fd53:1::1 POD6_A=fd53:1::2
HOST4_B=10.253.2.1 POD4_B=10.253.2.2 HOST6_B=fd53:2::1 POD6_B=fd53:2::2
export LIVE_PODS="fte-live pod-a false $POD4_A $POD6_A
fte-live pod-b false $POD4_B $POD6_B"

live_pods_del() {
    nft delete table inet "$NFT_TABLE" 2>/dev/null
    podnet_del "$NS_A" fte-live-a
    podnet_del "$NS_B" fte-live-b
}

# live_pods_start: the pods, the drop rule, the host's listener and one sender per pod and
# family (for 10 minutes at most: cleanup ends them).
live_pods_start() {
    local port dest
    podnet_add "$NS_A" fte-live-a "$HOST4_A" "$POD4_A" "$HOST6_A" "$POD6_A" &&
    podnet_add "$NS_B" fte-live-b "$HOST4_B" "$POD4_B" "$HOST6_B" "$POD6_B" &&
    podnet_drop "$NFT_TABLE" "$POD4_A" "$POD6_A" 30 ||
        { fail=$((fail + 1)); say_bad "cannot set up the pods and the drop rule"; finish; }
    podnet_listener "$TMP/listener.port"; pids+=("$PODNET_PID")
    for _ in $(seq 50); do [ -s "$TMP/listener.port" ] && break; sleep 0.1; done
    port=$(cat "$TMP/listener.port")
    for dest in "$NS_A $HOST4_A" "$NS_A $HOST6_A" "$NS_B $HOST4_B" "$NS_B $HOST6_B"; do
        podnet_sender ${dest% *} ${dest#* } "$port" 600; pids+=("$PODNET_PID")
    done
}

start_pods_target() {
    local pid i
    node tests/deploy/pods-target.mjs >"$TMP/pods-target.port" 2>"$TMP/pods-target.log" &
    pids+=($!); pid=$!
    for ((i = 0; i < 50; i++)); do   # it prints its port once listening
        [ -s "$TMP/pods-target.port" ] || ! kill -0 $pid 2>/dev/null && break
        sleep 0.2
    done
    target=127.0.0.1:$(head -1 "$TMP/pods-target.port")
    if ! wait_http "http://$target/ksm/metrics" 10 $pid; then
        fail=$((fail + 1)); say_bad "pods-target.mjs not serving"; cat "$TMP/pods-target.log"; finish
    fi
    PROM_EXTRA_RULES="  - $TMP/alerting_rules.yml"
    PROM_EXTRA_SCRAPE="  - job_name: kube-state-metrics
    honor_labels: true
    metrics_path: /ksm/metrics
    static_configs:
      - targets: ['$target']
  - job_name: ftrace_exporter_host
    static_configs:
      - targets: ['$exporter']
        labels:
          node: live-pods-host"
}

series() { # series EXPR LABEL...: "LABEL=value ... = VALUE" per result (value rounded), sorted
    local expr=$1; shift
    curl -sS --max-time 10 "$PROM/api/v1/query" --data-urlencode "query=$expr" 2>&1 | node -e '
        let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
            let r; try { r = JSON.parse(s); } catch (e) { console.log("error " + s.slice(0, 200)); return; }
            if (r.status !== "success") { console.log("error " + r.error); return; }
            const keys = process.argv.slice(1), line = (x) =>
                keys.map((k) => k + "=" + (x.metric[k] ?? "")).join(" ") + " = " + Math.round(Number(x.value[1]));
            console.log(r.data.result.map(line).sort().join("\n")); });' "$@"
}

# expect_series NAME EXPR EXPECTED LABEL...: polls until EXPR gives exactly EXPECTED (lines
# as series prints them), at most $QUERY_DEADLINE s (rates need a few scrapes).
expect_series() {
    local name=$1 expr=$2 want=$3 got deadline=$((SECONDS + QUERY_DEADLINE))
    shift 3
    while :; do
        got=$(series "$expr" "$@")
        [ "$got" = "$want" ] && { pass=$((pass + 1)); say_ok "$name"; return; }
        [ $SECONDS -lt $deadline ] || break
        sleep 1
    done
    fail=$((fail + 1)); say_bad "$name: $expr"
    printf 'want:\n%s\ngot:\n%s\n' "$want" "$got" | sed 's/^/    /'
}

rules_healthy() { # every loaded rule evaluated without error
    local bad
    bad=$(curl -sS --max-time 10 "$PROM/api/v1/rules" 2>&1 | node -e '
        let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
            try { const r = JSON.parse(s), rules = r.data.groups.flatMap((g) => g.rules);
                  const bad = rules.filter((x) => x.health !== "ok");
                  if (!rules.length) console.log("no rules loaded");
                  for (const x of bad) console.log(x.name + ": " + x.health + " " + (x.lastError || ""));
            } catch (e) { console.log("error " + s.slice(0, 200)); } });')
    if [ -z "$bad" ]; then pass=$((pass + 1)); say_ok "every recording and alerting rule evaluates without error"
    else fail=$((fail + 1)); say_bad "rules with errors:"; sed 's/^/    /' <<<"$bad"; fi
}

pods_checks() {
    local n=node=${LIVE_NODE:-live-pods}
    expect_series "one pod per pod IP; host-network pods (the node's IP) left out" \
        'pod_ip:kube_pod_info:unique{namespace!="fte-live"}' \
        $'namespace=shop pod=db-0 pod_ip=2001:db8::20 = 1\nnamespace=shop pod=web-1 pod_ip=192.0.2.10 = 1' \
        namespace pod pod_ip
    expect_series "drops carry the pod: daddr received (IPv4), saddr sent (IPv6), none for the node IP" \
        'pod:ftrace_skb_drops:rate1m{job="ftrace_exporter"}' \
        "namespace=shop pod=db-0 direction=sent reason=QDISC_DROP $n = 3"$'\n'"namespace=shop pod=web-1 direction=received reason=NO_SOCKET $n = 20" \
        namespace pod direction reason node
    expect_series "retransmits sent by a pod, by peer (daddr)" \
        'pod_peer:ftrace_tcp_retransmits:rate1m{job="ftrace_exporter"}' \
        "namespace=shop pod=web-1 daddr=198.51.100.9 $n = 2" namespace pod daddr node
    expect_series "retransmits towards a pod, by sender (saddr)" \
        'peer_pod:ftrace_tcp_retransmits:rate1m{job="ftrace_exporter"}' \
        "namespace=shop pod=db-0 saddr=2001:db8::99 $n = 1" namespace pod saddr node
    expect_series "FtracePodDropsHigh pending for the pod above 10/s only" \
        'ALERTS{alertname="FtracePodDropsHigh"}' \
        "namespace=shop pod=web-1 alertstate=pending = 1" namespace pod alertstate
    expect_series "the real exporter: pod A's retransmits by peer, IPv4 and IPv6; none of pod B" \
        'count by (namespace, pod, daddr) (pod_peer:ftrace_tcp_retransmits:rate1m{job="ftrace_exporter_host"} > 0)' \
        "namespace=fte-live pod=pod-a daddr=$HOST4_A = 1"$'\n'"namespace=fte-live pod=pod-a daddr=$HOST6_A = 1" \
        namespace pod daddr
    rules_healthy
    # Every dashboard panel and rule on addresses or pods returns data here.
    list_exprs
    grep -E "$addr_exprs_re" "$TMP/exprs.tsv" >"$TMP/exprs.addr" && mv "$TMP/exprs.addr" "$TMP/exprs.tsv"
    wait_for_series
    run_queries
}

# ---- queries ---------------------------------------------------------------------------
query() { # query EXPR -> prints "ok N" or "error MSG"
    curl -sS --max-time 10 "$PROM/api/v1/query" --data-urlencode "query=$1" 2>&1 | node -e '
        let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
            try { const r = JSON.parse(s);
                  if (r.status !== "success") console.log("error " + r.error);
                  else console.log("ok " + (Array.isArray(r.data.result) ? r.data.result.length : 1));
            } catch (e) { console.log("error " + s.slice(0, 200)); } });'
}
host_allow_empty() { # the regex of metric names allowed to return nothing on a host
    allow_empty="ftrace_tcp_retransmits_total|ftrace_tcp_retransmits_by_peer_total|:ftrace_tcp_retransmits:|ftrace_exporter_series_dropped_total"
    # Drops by address need event probes on skb:kfree_skb, which some kernels refuse.
    allow_empty="$allow_empty|ftrace_skb_drops_by_peer_total"
    if [ "$(query 'ftrace_exporter_probe_up == 0')" != "ok 0" ]; then
        say "probes down (kernel refused them): $(curl -sS "$PROM/api/v1/query" --data-urlencode 'query=ftrace_exporter_probe_up == 0' | grep -o '"probe":"[^"]*"' | tr '\n' ' ')"
        allow_empty="$allow_empty|ftrace_function_hits|ftrace_tcp_retransmits"
    fi
    if [ -n "${LIVE_ALLOW_EMPTY:-}" ]; then allow_empty="$allow_empty|$LIVE_ALLOW_EMPTY"; fi
}

# Expressions built on kube_pod_info or on address labels (the pod rules and panels).
pod_exprs_re='kube_pod_info|(^|[^[:alnum:]_:])(pod|pod_peer|peer_pod):ftrace_'
addr_exprs_re="$pod_exprs_re|saddr|daddr|:ftrace_tcp_retransmits:"

# Without kube_pod_info the pod rules and panels are empty: skipped, --pods checks them.
pod_allow_empty() {
    local re=$pod_exprs_re
    [ "$(query 'kube_pod_info')" = "ok 0" ] || return 0
    say "no kube_pod_info: the pod rules and panels are skipped (--pods checks them)"
    allow_empty="${allow_empty:+$allow_empty|}$re"
}

# Dashboard expressions (name<TAB>expr), variables substituted; then recording rules.
list_exprs() {
    node -e '
        const fs = require("fs");
        const sub = (e) => e.replace(/\$\{?(instance|node)(:\w+)?\}?/g, ".*")
            .replace(/\$\{?__rate_interval\}?/g, "30s").replace(/\$\{?__interval\}?/g, "15s")
            .replace(/\$\{?__range\}?/g, "1m").replace(/\$\{?__range_s\}?/g, "60");
        const walk = (ps) => ps.flatMap((p) => [p, ...walk(p.panels || [])]);
        for (const f of process.argv.slice(1)) {
            const d = JSON.parse(fs.readFileSync(f, "utf8"));
            for (const p of walk(d.panels || []))
                for (const t of p.targets || [])
                    if (t.expr) console.log(`panel "${p.title}" ${t.refId}\t${sub(t.expr).replace(/\s+/g, " ")}`);
        }' dashboards/*.json >"$TMP/exprs.tsv"
    # expr: on one line, or a folded block (>-, |) of the lines indented deeper.
    awk 'function out() { print "rule " r "\t" e; print "rule output " r "\t" r; r = ""; blk = 0 }
        blk && (/^[[:space:]]*$/ || match($0, /[^ ]/) > ind) { l = $0; sub(/^[[:space:]]+/, "", l); e = e (e == "" ? "" : " ") l; next }
        blk { out() }
        /^[[:space:]]*- record:/ { r = $3 }
        /^[[:space:]]*expr:/ && r { e = $0; sub(/^[[:space:]]*expr:[[:space:]]*/, "", e)
            if (e ~ /^[>|][-+]?$/) { blk = 1; e = ""; ind = match($0, /[^ ]/) } else out() }
        END { if (blk) out() }' \
        deploy/prometheus/recording_rules.yml >>"$TMP/exprs.tsv"
}

# must_have_series EXPR: true unless EXPR may return nothing ($allow_empty)
must_have_series() { [ -z "$allow_empty" ] || ! grep -Eq "$allow_empty" <<<"$1"; }
# wait_for_series: polls until every expression that must return series
# does, or $QUERY_DEADLINE seconds pass (rates need a few scrapes and rule
# evaluations after the traffic); run_queries then checks each one once.
wait_for_series() {
    local deadline=$((SECONDS + $QUERY_DEADLINE)) name expr missing
    while [ $SECONDS -lt $deadline ]; do
        missing=""
        while IFS=$'\t' read -r name expr; do
            must_have_series "$expr" && [ "$(query "$expr")" = "ok 0" ] &&
                { missing=$name; break; }
        done <"$TMP/exprs.tsv"
        [ -z "$missing" ] && return 0
        sleep 1
    done
    say "still no series for $missing after ${QUERY_DEADLINE}s"
}

run_queries() { # every expression of $TMP/exprs.tsv; empty fails unless it matches $allow_empty
    local name expr res n=0 empty=0
    while IFS=$'\t' read -r name expr; do
        n=$((n + 1))
        res=$(query "$expr")
        case $res in
            "ok 0")
                empty=$((empty + 1))
                if ! must_have_series "$expr"; then
                    skip=$((skip + 1)); say_skip "(empty, allowed) $name: $expr"
                else fail=$((fail + 1)); say_bad "(no series) $name: $expr"; fi ;;
            ok\ *) pass=$((pass + 1)); say_ok "(${res#ok } series) $name" ;;
            *) fail=$((fail + 1)); say_bad "($res) $name: $expr" ;;
        esac
    done <"$TMP/exprs.tsv"
    say "$n expressions checked (dashboard and recording rules), $empty returned no series"
}

# ---- main ------------------------------------------------------------------------------------------
allow_empty=""
if [ "$mode" = pods ]; then
    live_pods_start
    start_host_exporter
    start_pods_target
    start_prometheus 1s
    pods_checks
    finish
elif [ "$mode" = host ]; then
    start_host_exporter
    start_prometheus 1s
    host_drops
    host_allow_empty
else
    start_prometheus 2s
    target_scrapes
fi
pod_allow_empty
list_exprs
wait_for_series
run_queries
[ "$mode" = host ] || target_last_scrape
if [ "$fail" -gt 0 ]; then
    [ "$mode" = host ] && { say "exporter log (tail):"; tail -15 "$TMP/exporter.log"; }
    say "a sample of /metrics:"; curl -sS --max-time 5 "http://$target/metrics" | grep -v '^#' | head -30
fi
finish
