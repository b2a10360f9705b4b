#!/bin/sh
# run.sh: `make vm`. Boots the tests/vm/guest-*.sh scripts in a stock Debian kernel under QEMU.
#
#   1. scripts/vm-deps.sh: host packages, kernel + modules in $VM_CACHE (default build/vm)
#   2. tests/vm/build-workload.sh: tests/vm/workload.c (static) -> $VM_CACHE/workload
#   3. tests/vm/mkinitramfs.sh: busybox, iproute2, workload, ./ftrace_exporter (if built) at
#      /usr/local/bin, config/ at /etc/ftrace_exporter, tests/vm/configs/ at
#      /etc/ftrace_exporter/vm, the modules, every tests/vm/guest-*.sh
#   4. tests/vm/run-guest.sh: one boot runs every guest script; exit 0 only if all passed
#
# Environment: VM_CACHE, VM_TESTS ("guest-smoke.sh,guest-x.sh": run only these), VM_TIMEOUT
# (seconds, default 240), VM_SMP (vCPUs, default 1), VM_MEM (MB, default 512).
set -eu

cd "$(dirname "$0")/../.."
export VM_CACHE=${VM_CACHE:-build/vm}
t_start=$(date +%s)

scripts/vm-deps.sh

tests/vm/build-workload.sh "$VM_CACHE/workload"

set -- --modules "$VM_CACHE/modules" --bin "$VM_CACHE/workload"
# nft for guest-locations.sh's drop rule (scripts/vm-deps.sh installs nftables)
nft=$(PATH=/usr/sbin:/sbin:$PATH command -v nft) && set -- "$@" --bin "$nft:/usr/sbin/nft"
if [ -x ./ftrace_exporter ]; then
    set -- "$@" --bin ./ftrace_exporter
else
    echo "run.sh: no ./ftrace_exporter: guest tests that need it will skip"
fi
[ -d config ] && set -- "$@" --file config:/etc/ftrace_exporter
# guest-exporter.sh's configs: /etc/ftrace_exporter/vm/*.yaml
set -- "$@" --file tests/vm/configs:/etc/ftrace_exporter/vm
for s in tests/vm/guest-*.sh; do
    [ -f "$s" ] && set -- "$@" --script "$s"
done
tests/vm/mkinitramfs.sh "$VM_CACHE/guest.cpio.gz" "$@"

append=""
[ -z "${VM_TESTS:-}" ] || append="vmtest=$VM_TESTS"
rc=0
tests/vm/run-guest.sh --timeout "${VM_TIMEOUT:-240}" --smp "${VM_SMP:-1}" --mem "${VM_MEM:-512}" \
    --log "$VM_CACHE/guest.log" --append "$append" "$VM_CACHE/guest.cpio.gz" || rc=$?
echo "run.sh: make vm took $(( $(date +%s) - t_start )) s in all"
# Closing line: the guest's checks ("ok - ..." / "not ok - ..." on its serial console).
passed=$(grep -c '^ok - ' "$VM_CACHE/guest.log" || true)
failed=$(grep -c '^not ok - ' "$VM_CACHE/guest.log" || true)
echo "vm: ${passed:-0} passed, ${failed:-0} failed"
[ "${failed:-0}" -eq 0 ] || rc=1
exit $rc
