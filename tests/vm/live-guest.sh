#!/bin/sh
# live-guest.sh: the guest half of tests/deploy/live-vm.sh (not part of `make vm`: run.sh boots
# only tests/vm/guest-*.sh). Runs the exporter on config/default.yaml, reachable from the host's
# Prometheus through QEMU user-mode networking (host 127.0.0.1:PORT -> guest 10.0.2.15:9435), and
# keeps the kernel busy until the host says stop:
#   - TCP across a veth pair between two namespaces with netem loss 20% (retransmits, with the
#     caller of tcp_retransmit_skb; tcp_sendmsg/tcp_recvmsg; receive path per device),
#   - TCP send()/recv() pairs over the guest's own loopback,
#   - UDP datagrams to a closed port across the veth (skb:kfree_skb reason NO_SOCKET).
# Kernel command line: live_seconds=N (generate for at most N s, default 120), live_ctl=PORT
# (default 9436): a connection to that port (host-forwarded too) ends the generation early.
# The guest's NIC gets 10.0.2.15/24 (slirp's default) and no default route: nothing it sends can
# leave QEMU, and it only ever answers connections the host forwards to it.
. /lib/vmtest.sh
X=/usr/local/bin/ftrace_exporter
W=/usr/local/bin/workload
C=/etc/ftrace_exporter/default.yaml
M=/tmp/metrics.txt
ADDR=127.0.0.1:9435	# scrape, val, sum: /lib/vmtest.sh
STOP=/tmp/stop
secs=120 ctl=9436
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        live_seconds=*) secs=${arg#live_seconds=} ;;
        live_ctl=*) ctl=${arg#live_ctl=} ;;
    esac
done

[ -x "$X" ] || { not_ok exporter "no $X"; vm_done; }
[ -f "$C" ] || { not_ok config "no $C"; vm_done; }

# --- the NIC QEMU forwards to: static address, no IPv6, no default route -----------------------
nic_setup() {
    dev=""
    for d in /sys/class/net/*; do
        d=${d##*/}
        [ "$d" = lo ] || { dev=$d; break; }
    done
    [ -n "$dev" ] || { note "no network device (e1000 module loaded?)"; return 1; }
    echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
    echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
    echo 1 > "/proc/sys/net/ipv6/conf/$dev/disable_ipv6"
    $IP addr add 10.0.2.15/24 dev "$dev" && $IP link set "$dev" up || return 1
    note "NIC $dev: $($IP -4 -o addr show dev "$dev" | awk '{ print $4 }'); routes: $($IP route | tr '\n' ';')"
}


# --- generators: loops that end when $STOP exists ----------------------------------------------
gen_stream() { # TCP through netem loss: one connection of 200 kB after another
    while [ ! -e $STOP ]; do
        $IP netns exec vxb $W tcp-sink 5002 > /dev/null 2>&1 &
        _s=$!
        timeout 30 $IP netns exec vxa $W tcp-stream 10.201.0.2 5002 200000 > /dev/null 2>&1 ||
            echo x >> /tmp/stream.failed
        kill $_s 2>/dev/null
        wait $_s 2>/dev/null
        echo x >> /tmp/stream.done
    done
}
gen_udp() { # 20 datagrams to closed port 9 every 0.5 s: NO_SOCKET drops in vxb
    while [ ! -e $STOP ]; do
        $IP netns exec vxa $W udp-send 10.201.0.2 9 20 > /dev/null || echo x >> /tmp/udp.failed
        sleep 0.5
    done
}
gen_pairs() { # tcp_sendmsg/tcp_recvmsg over the guest's loopback
    while [ ! -e $STOP ]; do
        $W tcp-pair 200 > /dev/null || echo x >> /tmp/pair.failed
        sleep 1
    done
}
count() { if [ -f "$1" ]; then grep -c . "$1"; else echo 0; fi; }

# --- main --------------------------------------------------------------------------------------
note "kernel $(uname -r); generating for at most ${secs}s or until a connection to port $ctl"
check "NIC up as 10.0.2.15/24" nic_setup
check "veth pair between namespaces with netem loss 20%" netem_pair vxa vxb xa xb 10.201.0
# listen for the host's stop before the exporter answers: the host connects only after that
timeout "$secs" nc -l -p "$ctl" < /dev/null > /tmp/ctl.out 2>&1 &
ctlpid=$!
t0=$(now)
if ! start_exporter :9435; then
    not_ok "exporter starts on :9435" "$(tail -n 3 /tmp/exporter.log)"
    vm_done
fi
ok "exporter starts on :9435 with $C"
down=$(grep '^ftrace_exporter_probe_up{' "$M" | awk '$2 != 1 { print $1 }' | tr '\n' ' ')
# the sock tracepoints, fallbacks of the send/receive heuristic, exist from Linux 6.3 on
want=""
[ -d $T/events/sock/sock_send_length ] ||
    want='ftrace_exporter_probe_up{probe="sock_send"} ftrace_exporter_probe_up{probe="sock_recv"} '
check_eq "every probe of the default config is up (function tracer works here) but the events this kernel lacks" "$down" "$want"
grep 'probe down' /tmp/exporter.log | sed 's/^/# /'

gen_stream & p1=$!
gen_udp & p2=$!
gen_pairs & p3=$!
echo "vmtest: live generating"     # the host may watch the serial log for this line
wait $ctlpid
ctlrc=$?
note "generated for $(echo "$(now) $t0" | awk '{ printf "%.1f", $1 - $2 }') s; stop: rc $ctlrc, '$(head -c 40 /tmp/ctl.out)'"
check_eq "the host said stop before live_seconds=$secs ran out" "$ctlrc" 0
touch $STOP
kill $p1 $p2 $p3 2>/dev/null    # the loops; a workload still running is harmless now
wait $p1 $p2 $p3 2>/dev/null

scrape
note "streams $(count /tmp/stream.done) (failed $(count /tmp/stream.failed)); udp-send failed $(count /tmp/udp.failed); tcp-pair failed $(count /tmp/pair.failed)"
check_gt "NO_SOCKET drops counted" \
    "$(grep '^ftrace_skb_drops_total{' "$M" | grep 'reason="NO_SOCKET"' | awk '{ s += $2 } END { print s + 0 }')" 0
check_gt "tcp_retransmit_skb caller series" "$(grep -c '^ftrace_tcp_retransmits_total{caller="[A-Za-z_]' "$M")" 0
grep '^ftrace_tcp_retransmits_total{' "$M" | sed 's/^/# /'
check_gt "tcp_sendmsg function hits" "$(val 'ftrace_function_hits_total{function="tcp_sendmsg"}')" 0
check_gt "tcp_recvmsg function hits" "$(val 'ftrace_function_hits_total{function="tcp_recvmsg"}')" 0
note "events lost: $(sum ftrace_exporter_events_lost_total); parse errors: $(sum ftrace_exporter_parse_errors_total)"
kill -TERM "${xpid:?}"
wait $xpid
check_eq "exporter exits 0 on SIGTERM" "$?" 0
grep -i 'level=warn\|level=error' /tmp/exporter.log | head -n 5 | sed 's/^/# /'
vm_done
