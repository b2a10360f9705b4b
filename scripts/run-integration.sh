#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh (real binary, real tracefs) in turn.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0
for t in tests/integration/test_*.sh; do
	echo "== $t"
	if scripts/run-checked.sh bash "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "integration: $pass scripts passed, $fail failed"
[ "$fail" -eq 0 ]
