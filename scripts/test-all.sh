#!/usr/bin/env bash
# `make test`: the whole suite on a fresh Debian 12 machine, as root.
# Installs what is missing, builds, then runs each stage and prints one
# closing line "tests: N passed, M failed" (a stage counts once).
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1
make -s -j2 all tools unit-bin || exit 1
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
pass=0 fail=0 failed=()
stage() { # stage NAME CMD...
	local name=$1; shift
	echo "===== $name"
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$name"); fi
}
stage unit make -s unit
stage integration make -s integration
stage sanitize make -s sanitize
stage fuzz make -s fuzz
[ -x tests/deploy/run.sh ] && stage deploy tests/deploy/run.sh
[ -x tests/deploy/live-prometheus.sh ] && stage live-prometheus tests/deploy/live-prometheus.sh
[ -x tests/vm/run.sh ] && stage vm make -s vm
[ $fail -gt 0 ] && echo "failed stages: ${failed[*]}"
echo "tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
