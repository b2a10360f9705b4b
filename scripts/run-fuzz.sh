#!/usr/bin/env bash
# Fuzzes the config and ring-buffer record parsers with libFuzzer (clang,
# ASan+UBSan) for FUZZ_SECONDS each (default 30), starting from the seeds in
# tests/fuzz/corpus/ and the project's own configs. A crash, leak, timeout or
# UB report fails; the input that caused it is printed in hex. New inputs go
# to a temp dir, never into the repo.
set -u
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-30}
B=build-fuzz
TMP=$(mktemp -d /tmp/fte-fuzz.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
SAN="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
make -s CC=clang BUILD=$B OPT="$SAN -fsanitize=fuzzer-no-link" \
	$B/fuzz/fuzz_config $B/fuzz/fuzz_page || { echo "not ok - fuzz build"; exit 1; }

fuzz() { # fuzz TARGET MAX_LEN SEED_DIR...
	local t=$1 len=$2; shift 2
	mkdir -p "$TMP/$t"
	echo "fuzz: $t for $SECS s"
	if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$B/fuzz/$t" -max_total_time="$SECS" -max_len="$len" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$TMP/" \
		"$TMP/$t" "$@" >"$TMP/$t.log" 2>&1; then
		grep -E "^stat::(number_of_executed_units|new_units_added)" "$TMP/$t.log"
		echo "ok - $t: $(awk '/^stat::number_of_executed_units/ { print $2 }' \
			"$TMP/$t.log") inputs in $SECS s, no crash, leak, timeout or UB"
		return 0
	fi
	tail -40 "$TMP/$t.log"
	echo "not ok - $t: libFuzzer found a failing input"
	for a in "$TMP"/crash-* "$TMP"/leak-* "$TMP"/timeout-* "$TMP"/oom-*; do
		[ -f "$a" ] && { echo "input $a:"; od -A x -t x1z "$a" | head -40; }
	done
	return 1
}

fail=0
fuzz fuzz_config 8192 tests/fuzz/corpus/fuzz_config config tests/integration/configs || fail=1
fuzz fuzz_page 4096 tests/fuzz/corpus/fuzz_page || fail=1
echo "fuzz: $((2 - fail)) passed, $fail failed"
exit $fail
