# shellcheck shell=sh disable=SC2034
# /lib/vmtest.sh: helpers for guest test scripts (busybox sh). Source it first:
#     . /lib/vmtest.sh
#     check_eq "sends counted" "$n" 1000
#     ...
#     vm_done          # exit status 1 if any check failed
# Output is one line per check, "ok - NAME" or "not ok - NAME: DETAIL", which run-guest.sh shows.
# Busybox's shell runs its own applets before PATH: call iproute2 as $IP / $TC (absolute paths).
T=/sys/kernel/tracing
IP=/usr/sbin/ip
TC=/usr/sbin/tc
vm_failed=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1: $2"; vm_failed=$((vm_failed + 1)); }
note() { echo "# $*"; }
skip() { echo "ok - $1 # SKIP $2"; }   # e.g. skip exporter "no /usr/local/bin/ftrace_exporter"
check() { # check NAME COMMAND...: ok if COMMAND succeeds
    _n=$1; shift
    if "$@"; then ok "$_n"; else not_ok "$_n" "command failed: $*"; fi
}
check_eq() { # check_eq NAME GOT WANT
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi
}
check_gt() { # check_gt NAME GOT MIN: GOT is an integer > MIN
    if [ "$2" -gt "$3" ] 2>/dev/null; then ok "$1 ($2 > $3)"; else not_ok "$1" "got '$2', want > $3"; fi
}
# elapsed time helpers (seconds with centiseconds, from /proc/uptime)
now() { cut -d' ' -f1 /proc/uptime; }
vm_done() {
    if [ "$vm_failed" -eq 0 ]; then exit 0; fi
    note "$vm_failed check(s) failed"
    exit 1
}
