#!/usr/bin/env bash
# run-checked.sh CMD...: runs one test program and passes its output and exit
# status through; when it fails without reporting a failed check (a crash, a
# set-up step that exits early), adds the line "not ok - CMD exited with
# status N" so that scripts/count-checks.sh counts the failure.
set -u
out=$(mktemp /tmp/fte-run-checked.XXXXXX)
trap 'rm -f "$out"' EXIT
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
	read -r _ failed _ < <("$(dirname "$0")/count-checks.sh" "$out")
	[ "$failed" -eq 0 ] && echo "not ok - $* exited with status $rc"
fi
exit "$rc"
