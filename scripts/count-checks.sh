#!/usr/bin/env bash
# count-checks.sh LOG: prints "PASSED FAILED SKIPPED", the checks a stage's
# output reports. A check is a TAP-style line "ok - NAME" or "not ok - NAME"
# (indented when it comes from a QEMU guest's console; "ok - NAME # SKIP why"
# is a skip), or a cmocka summary "[  PASSED  ] N test(s)." /
# "[  FAILED  ] N test(s), listed below:" (N checks each).
set -u
tr -d '\r' <"$1" | awk '
	/^[[:space:]]*ok - .*# SKIP/ { s++; next }
	/^[[:space:]]*ok - / { p++; next }
	/^[[:space:]]*not ok - / { f++; next }
	/^\[  PASSED  \] [0-9]+ test\(s\)\.$/ { p += $4; next }
	/^\[  FAILED  \] [0-9]+ test\(s\), listed below:$/ { f += $4; next }
	END { print p + 0, f + 0, s + 0 }'
