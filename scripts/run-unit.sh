#!/usr/bin/env bash
# Runs each cmocka unit-test binary given as an argument; fails if any fails.
set -u
pass=0 fail=0
for t in "$@"; do
	if "$(dirname "$0")/run-checked.sh" "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "unit: $pass binaries passed, $fail failed"
[ "$fail" -eq 0 ]
