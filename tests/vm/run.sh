#!/bin/sh
# run.sh: `make vm`. Boots the tests/vm/guest-*.sh scripts in each stock Debian kernel of
# tests/vm/kernels (6.1, 5.10, 6.12), one kernel after the other, the same scripts in each.
# Per kernel (its directory VM_CACHE: build/vm, build/vm-5.10, build/vm-6.12):
#   1. scripts/vm-deps.sh: host packages, kernel + modules in $VM_CACHE
#   2. tests/vm/build-workload.sh: tests/vm/workload.c (static) -> $VM_CACHE/workload
#   3. tests/vm/mkinitramfs.sh: busybox, iproute2, workload, ./ftrace_exporter (if built) at
#      /usr/local/bin, config/ at /etc/ftrace_exporter, tests/vm/configs/ at
#      /etc/ftrace_exporter/vm, the kernel's modules, every tests/vm/guest-*.sh (about 1 s)
#   4. tests/vm/run-guest.sh: one boot runs every guest script, console in $VM_CACHE/guest.log;
#      its checks are printed as "ok - [LABEL] NAME" under a "# kernel LABEL ..." line
# The guest scripts find out what the kernel allows (hist triggers, drop reasons, ...) and skip
# with the reason what it does not ("ok - NAME # SKIP why"); the kernel command line carries
# what tests/vm/kernels says it allows (vmcaps=...), which guest-smoke.sh holds the detection to.
# Closing lines: "vm LABEL: N passed, M failed, K skipped" per kernel, then the same over all
# kernels as "vm: ...". Exit 0 only if every boot passed.
#
# Environment: VM_KERNELS (labels of tests/vm/kernels to boot, e.g. "5.10"; default all),
# VM_TESTS ("guest-smoke.sh,guest-x.sh": run only these), VM_TIMEOUT (seconds per boot,
# default 300), VM_SMP (vCPUs, default 1), VM_MEM (MB, default 512).
set -eu

cd "$(dirname "$0")/../.."
t_start=$(date +%s)
kernels=$(awk '$1 !~ /^#/ && NF >= 3 { print $1 }' tests/vm/kernels)
VM_KERNELS=${VM_KERNELS:-$(echo $kernels)}
for k in $VM_KERNELS; do
    echo "$kernels" | grep -qx "$k" || { echo "run.sh: kernel $k not in tests/vm/kernels" >&2; exit 2; }
done

# boot LABEL SUITE CACHE CAPS: prepares and boots one kernel; exit status of run-guest.sh
boot() {
    echo "# kernel $1 (Debian $2, $3)"
    VM_SUITE=$2 VM_CACHE=$3 scripts/vm-deps.sh
    tests/vm/build-workload.sh "$3/workload"
    _label=$1 _cache=$3 _append="vmcaps=$4${VM_TESTS:+ vmtest=$VM_TESTS}"
    set -- --modules "$_cache/modules" --bin "$_cache/workload"
    # nft for guest-locations.sh's drop rule (scripts/vm-deps.sh installs nftables)
    _nft=$(PATH=/usr/sbin:/sbin:$PATH command -v nft) && set -- "$@" --bin "$_nft:/usr/sbin/nft"
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
    tests/vm/mkinitramfs.sh "$_cache/guest.cpio.gz" "$@"
    tests/vm/run-guest.sh --kernel "$_cache/vmlinuz" --label "$_label" \
        --timeout "${VM_TIMEOUT:-300}" --smp "${VM_SMP:-1}" --mem "${VM_MEM:-512}" \
        --log "$_cache/guest.log" --append "$_append" "$_cache/guest.cpio.gz"
}

rc=0 sum=""
for k in $VM_KERNELS; do
    # shellcheck disable=SC2046
    set -- $(awk -v k="$k" '$1 == k { print $1, $2, $3, $4; exit }' tests/vm/kernels)
    t0=$(date +%s)
    rm -f "$3/guest.log"
    krc=0
    boot "$@" || krc=$?
    # counts from the guest's own console ("ok - ...", "not ok - ...", "ok - ... # SKIP ...")
    c=$(scripts/count-checks.sh "$3/guest.log" 2>/dev/null || echo 0 0 0)
    # a boot that failed without a failed check (timeout, panic, no kernel) counts as one
    if [ $krc -ne 0 ] && [ "$(echo "$c" | cut -d' ' -f2)" -eq 0 ]; then
        echo "not ok - [$1] boot: no verdict (see $3/guest.log)"
        c=$(echo "$c" | awk '{ print $1, 1, $3 }')
    fi
    [ $krc -eq 0 ] || rc=1
    sum="$sum$1 $c $(( $(date +%s) - t0 ))
"
done
echo "run.sh: make vm took $(( $(date +%s) - t_start )) s in all"
# Closing lines: per kernel, then over all kernels
echo "$sum" | awk 'NF == 5 { printf "vm %s: %d passed, %d failed, %d skipped (%d s)\n", $1, $2, $3, $4, $5
                             p += $2; f += $3; s += $4 }
                   END { printf "vm: %d passed, %d failed, %d skipped\n", p, f, s }'
exit $rc
