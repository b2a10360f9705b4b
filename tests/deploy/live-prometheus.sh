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
    *) echo "usage: $0 [--host | --target HOST:PORT]" >&2; exit 2 ;;
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
else
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
    target=127.0.0.1:${EXP_PORT:-0}
    if wait_http "http://$target/-/ready" 30 $EXP_PID; then
        pass=$((pass + 1)); say_ok "exporter ready on $target"
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
    cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: $1
  scrape_timeout: $1
  evaluation_interval: 1s
rule_files:
  - $TMP/recording_rules.yml
scrape_configs:
  - job_name: ftrace_exporter
    static_configs:
      - targets: ['$target']
        labels:
          node: ${LIVE_NODE:-live-$mode}
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
    allow_empty="ftrace_tcp_retransmits_total|ftrace_exporter_series_dropped_total"
    if [ "$(query 'ftrace_exporter_probe_up == 0')" != "ok 0" ]; then
        say "probes down (kernel refused them): $(curl -sS "$PROM/api/v1/query" --data-urlencode 'query=ftrace_exporter_probe_up == 0' | grep -o '"probe":"[^"]*"' | tr '\n' ' ')"
        allow_empty="$allow_empty|ftrace_function_hits|ftrace_tcp_retransmits"
    fi
    if [ -n "${LIVE_ALLOW_EMPTY:-}" ]; then allow_empty="$allow_empty|$LIVE_ALLOW_EMPTY"; fi
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
    awk '/^[[:space:]]*- record:/ { r = $3 } /^[[:space:]]*expr:/ && r { sub(/^[[:space:]]*expr:[[:space:]]*/, ""); print "rule " r "\t" $0; print "rule output " r "\t" r; r = "" }' \
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
if [ "$mode" = host ]; then
    start_host_exporter
    start_prometheus 1s
    host_drops
    host_allow_empty
else
    start_prometheus 2s
    target_scrapes
fi
list_exprs
wait_for_series
run_queries
[ "$mode" = host ] || target_last_scrape
if [ "$fail" -gt 0 ]; then
    [ "$mode" = host ] && { say "exporter log (tail):"; tail -15 "$TMP/exporter.log"; }
    say "a sample of /metrics:"; curl -sS --max-time 5 "http://$target/metrics" | grep -v '^#' | head -30
fi
finish
