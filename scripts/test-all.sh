#!/usr/bin/env bash
# `make test`: the whole suite on a fresh Debian 12 machine, as root.
# Installs what is missing, builds, then runs each stage and prints one
# closing line "tests: N passed, M failed" that counts individual checks
# over every stage (scripts/count-checks.sh says what a check is). A stage
# that fails without naming a failed check counts as one failed check.
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1
make -s -j2 all tools unit-bin || exit 1
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
LOGS=$(mktemp -d /tmp/fte-test-all.XXXXXX)
trap 'rm -rf "$LOGS"' EXIT
pass=0 fail=0 skip=0 failed=() t0=$SECONDS
stage() { # stage NAME CMD...
	local name=$1 log=$LOGS/$1.log rc p f k t=$SECONDS; shift
	echo "===== $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	read -r p f k < <(scripts/count-checks.sh "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - stage $name exited with status $rc"
		f=1
	fi
	echo "===== $name: $p passed, $f failed, $k skipped ($((SECONDS - t)) s)"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	[ "$f" -eq 0 ] || failed+=("$name")
}
stage unit make -s unit
stage integration make -s integration
stage sanitize make -s sanitize
stage fuzz make -s fuzz
[ -x tests/deploy/run.sh ] && stage deploy tests/deploy/run.sh
[ -x tests/deploy/container.sh ] && stage container tests/deploy/container.sh
[ -x tests/deploy/live-prometheus.sh ] && stage live-prometheus tests/deploy/live-prometheus.sh
[ -x tests/deploy/live-prometheus.sh ] && stage live-pods tests/deploy/live-prometheus.sh --pods
[ -x tests/vm/run.sh ] && stage vm make -s vm
[ ${#failed[@]} -gt 0 ] && echo "failed stages: ${failed[*]}"
echo "suite took $((SECONDS - t0)) s"
echo "tests: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
