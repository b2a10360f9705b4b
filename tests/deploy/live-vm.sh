#!/usr/bin/env bash
# live-vm.sh: the live Prometheus check (issue 5, check 1) with the exporter in the stock Debian
# kernel under QEMU, where the function tracer and kprobes work, so that every dashboard
# expression and every recording rule must return data (no allow-list). Run by
# tests/deploy/live-prometheus.sh without arguments (the test suite's stage).
#
#   1. scripts/vm-deps.sh with VM_MODULES="veth sch_netem e1000" into $VM_CACHE/modules-live
#      (same kernel as `make vm`), tests/vm/build-workload.sh, and an initramfs with
#      ./ftrace_exporter, config/ at /etc/ftrace_exporter and tests/vm/live-guest.sh;
#   2. boots it (tests/vm/run-guest.sh, 2 vCPUs) with QEMU user-mode networking: an e1000 NIC,
#      restrict=on (the guest reaches nothing outside QEMU) and two host forwards bound to
#      127.0.0.1: <free port> -> guest :9435 (the exporter), <free port> -> guest :9436 (stop);
#   3. the guest runs the exporter on config/default.yaml and generates TCP through netem loss
#      across a veth pair, TCP over its loopback and UDP to a closed port (see live-guest.sh);
#   4. once the exporter answers /-/ready through the forward, runs
#      `live-prometheus.sh --target 127.0.0.1:<port>` (Prometheus scrapes until every expression
#      returns data, at most LIVE_QUERY_DEADLINE s, then each is checked);
#   5. connects to the stop port: the guest stops generating, SIGTERMs the exporter, checks its
#      own results and powers off; qemu is killed by PID if it does not end in 30 s.
# Exit 0 only if the queries and the guest's checks passed. Cleans up qemu, Prometheus and the
# temp dir on any exit. Env: FTRACE_EXPORTER (binary, default ./ftrace_exporter), VM_CACHE
# (default build/vm), LIVE_GUEST_SECONDS (the guest's upper bound on generating, default 150),
# LIVE_QUERY_DEADLINE, VM_SMP (default 2), VM_MEM (default 512).
set -u
cd "$(dirname "$0")/../.." || exit 1
export VM_CACHE=${VM_CACHE:-build/vm}
GUEST_SECONDS=${LIVE_GUEST_SECONDS:-150}
t_start=$SECONDS
say() { echo "live-vm: $*"; }
die() { echo "not ok - live-vm: $*"; exit 1; }

BIN=${FTRACE_EXPORTER:-./ftrace_exporter}
[ -x "$BIN" ] || die "no exporter binary at $BIN (run make)"
for t in curl node; do   # qemu comes with scripts/vm-deps.sh, prometheus with live-prometheus.sh
    command -v $t >/dev/null || die "missing tool: $t"
done

TMP=$(mktemp -d /tmp/live-vm.XXXXXX)
guest_pid="" qemu_pid="" prom_pid=""
cleanup() {
    if [ -n "$prom_pid" ]; then kill "$prom_pid" 2>/dev/null; wait "$prom_pid" 2>/dev/null; fi
    [ -f "$TMP/qemu.pid" ] && qemu_pid=$(cat "$TMP/qemu.pid" 2>/dev/null)
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then kill "$qemu_pid" 2>/dev/null; fi
    if [ -n "$guest_pid" ]; then kill "$guest_pid" 2>/dev/null; wait "$guest_pid" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- guest image -----------------------------------------------------------------------------
VM_MODULES="veth sch_netem e1000" VM_MODULES_DIR="$VM_CACHE/modules-live" scripts/vm-deps.sh ||
    die "scripts/vm-deps.sh"
tests/vm/build-workload.sh "$TMP/workload" || die "building tests/vm/workload.c"
tests/vm/mkinitramfs.sh "$TMP/live.cpio.gz" --modules "$VM_CACHE/modules-live" \
    --bin "$TMP/workload" --bin "$BIN:/usr/local/bin/ftrace_exporter" --file config:/etc/ftrace_exporter \
    --script tests/vm/live-guest.sh || die "tests/vm/mkinitramfs.sh"

# ---- boot ----------------------------------------------------------------------------------------
free_port() { # an unused TCP port on 127.0.0.1
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}
EXP_PORT=$(free_port)
CTL_PORT=$(free_port)
[ "$EXP_PORT" != "$CTL_PORT" ] || CTL_PORT=$(free_port)
nic="user,model=e1000,restrict=on,ipv6=off"
nic="$nic,hostfwd=tcp:127.0.0.1:$EXP_PORT-:9435,hostfwd=tcp:127.0.0.1:$CTL_PORT-:9436"
say "booting the guest: exporter at 127.0.0.1:$EXP_PORT, stop port 127.0.0.1:$CTL_PORT"
tests/vm/run-guest.sh --timeout $((GUEST_SECONDS + 90)) --smp "${VM_SMP:-2}" --mem "${VM_MEM:-512}" \
    --log "$TMP/guest.log" --pidfile "$TMP/qemu.pid" --nic "$nic" \
    --append "vmtest=live-guest.sh live_seconds=$GUEST_SECONDS live_ctl=9436" \
    "$TMP/live.cpio.gz" >"$TMP/run-guest.out" 2>&1 &
guest_pid=$!

guest_fail() { # guest_fail WHY: print the guest's log and fail
    echo "not ok - live-vm: $1; guest log:"
    sed 's/^/  | /' "$TMP/guest.log" 2>/dev/null | tail -n 40
    sed 's/^/  | /' "$TMP/run-guest.out" | tail -n 5
    exit 1
}
ready=0
for ((i = 0; i < 120 * 5; i++)); do   # boot + exporter start under TCG: well under 120 s
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$EXP_PORT/-/ready" 2>/dev/null; then
        ready=1; break
    fi
    kill -0 "$guest_pid" 2>/dev/null || break
    sleep 0.2
done
[ $ready = 1 ] || guest_fail "the guest's exporter never answered /-/ready on 127.0.0.1:$EXP_PORT"
say "guest exporter ready after $((SECONDS - t_start)) s"

# ---- Prometheus and the queries -------------------------------------------------------------------
LIVE_NODE=live-vm tests/deploy/live-prometheus.sh --target "127.0.0.1:$EXP_PORT" &
prom_pid=$!
wait $prom_pid   # in the background: a signal to this script interrupts the wait and cleans up
qrc=$?
prom_pid=""

# ---- stop the guest --------------------------------------------------------------------------------
if ! (exec 3<>"/dev/tcp/127.0.0.1/$CTL_PORT" && echo stop >&3) 2>/dev/null; then
    say "cannot connect to the stop port: killing qemu"
fi
grc=""
for ((i = 0; i < 30 * 5; i++)); do
    if ! kill -0 "$guest_pid" 2>/dev/null; then wait "$guest_pid"; grc=$?; break; fi
    sleep 0.2
done
if [ -z "$grc" ]; then
    qemu_pid=$(cat "$TMP/qemu.pid" 2>/dev/null)
    [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
    wait "$guest_pid"; grc=$?
    say "the guest did not power off 30 s after the stop: killed qemu"
fi
guest_pid=""
sed 's/^/  /' "$TMP/run-guest.out"
[ "$grc" -eq 0 ] || { say "guest log (tail):"; tail -n 40 "$TMP/guest.log" | sed 's/^/  | /'; }

say "queries: $([ $qrc -eq 0 ] && echo pass || echo FAIL); guest: $([ "$grc" -eq 0 ] && echo pass || echo FAIL); $((SECONDS - t_start)) s in all"
[ $qrc -eq 0 ] && [ "$grc" -eq 0 ]
