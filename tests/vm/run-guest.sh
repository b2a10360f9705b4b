#!/bin/sh
# run-guest.sh: boot one test guest under QEMU (TCG, never KVM) and report its verdict.
#
# usage: tests/vm/run-guest.sh [options] INITRAMFS.cpio.gz
#   --kernel FILE     kernel image (default $VM_CACHE/vmlinuz, VM_CACHE default <repo>/build/vm)
#   --timeout SEC     hard limit for the whole guest run (default 300)
#   --log FILE        serial console log (default INITRAMFS with .log instead of .cpio.gz)
#   --append ARGS     extra kernel command line, e.g. "vmtest=guest-smoke.sh"
#   --smp N           virtual CPUs (default 1); --mem MB (default 512)
#   --nic SPEC        qemu -nic SPEC (default "none": no network device), e.g.
#                     "user,model=e1000,restrict=on,hostfwd=tcp:127.0.0.1:PORT-:9435"
#   --pidfile FILE    qemu writes its PID there (to stop the guest from outside)
#   --label L         print the guest's checks as "ok - [L] NAME" (run.sh: the kernel, "5.10")
#
# Exit 0 only if the guest reported "vmtest: result pass" through isa-debug-exit (qemu exit 1).
# Prints the guest's "ok"/"not ok"/"#"/"vmtest:" lines; on failure also the tail of the log.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
VM_CACHE=${VM_CACHE:-$repo/build/vm}
kernel=$VM_CACHE/vmlinuz timeout=300 log="" append="" smp=1 mem=512 nic=none pidfile="" label=""
while [ $# -gt 1 ]; do
    case "$1" in
        --kernel) kernel=$2 ;;
        --timeout) timeout=$2 ;;
        --log) log=$2 ;;
        --append) append=$2 ;;
        --smp) smp=$2 ;;
        --mem) mem=$2 ;;
        --nic) nic=$2 ;;
        --pidfile) pidfile=$2 ;;
        --label) label=$2 ;;
        *) echo "run-guest: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
[ $# -eq 1 ] || { echo "usage: $0 [--kernel F] [--timeout S] [--log F] [--append A] [--smp N] [--mem MB] [--nic SPEC] [--pidfile F] [--label L] INITRAMFS" >&2; exit 2; }
initrd=$1
[ -f "$initrd" ] || { echo "run-guest: no initramfs $initrd" >&2; exit 2; }
[ -f "$kernel" ] || { echo "run-guest: no kernel $kernel (run scripts/vm-deps.sh)" >&2; exit 2; }
[ -n "$log" ] || log="${initrd%.cpio.gz}.log"

qerr="$log.qemu"
start=$(date +%s%N)
rc=0
set --
[ -z "$pidfile" ] || set -- -pidfile "$pidfile"
# -accel tcg: KVM hangs the stock kernels on this host. panic=-1 + -no-reboot: a guest panic
# ends qemu (exit 0, i.e. "no verdict") instead of hanging until the timeout.
timeout -k 10 "$timeout" qemu-system-x86_64 -accel tcg -cpu max -smp "$smp" -m "$mem" \
    -display none -monitor none -serial "file:$log" -no-reboot -nic "$nic" "$@" \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 $append" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    </dev/null >"$qerr" 2>&1 || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"

grep -E '^(ok|not ok|#|vmtest:) ' "$log" | sed "s/^\(ok\|not ok\) - /\1 - ${label:+[$label] }/; s/^/  /" || true
verdict=$(sed -n 's/^vmtest: result //p' "$log" | tail -n1)
case "$rc" in
    1) [ "$verdict" = pass ] && why="" || why="exit code says pass but log says '${verdict:-nothing}'" ;;
    3) why="guest reported failure" ;;
    124|137) why="timeout after ${timeout}s" ;;
    0) why="guest stopped without a verdict (panic or poweroff)" ;;
    *) why="qemu exit status $rc: $(head -c 500 "$qerr")" ;;
esac
if [ -z "$why" ]; then
    echo "run-guest: PASS ($(basename "$initrd"), ${ms} ms wall, log $log)"
    rm -f "$qerr"
    exit 0
fi
echo "run-guest: FAIL: $why (${ms} ms wall); last lines of $log:"
tail -n 60 "$log" | sed 's/^/  | /'
exit 1
