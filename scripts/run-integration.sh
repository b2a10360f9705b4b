#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh (real binary, real tracefs) in turn.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0
for t in tests/integration/test_*.sh; do
	echo "== $t"
	if bash "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t"; fi
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
