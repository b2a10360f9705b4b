#!/usr/bin/env bash
# Sanitizer builds: the unit tests under ASan+UBSan, and the exactness test
# (reader threads racing the scrape thread) against a ThreadSanitizer build.
set -u
cd "$(dirname "$0")/.."
fail=0
SAN="-O1 -g -fno-omit-frame-pointer"
make -s BUILD=build-asan BIN=build-asan/ftrace_exporter \
	OPT="$SAN -fsanitize=address,undefined -fno-sanitize-recover=all" unit-bin || fail=1
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	scripts/run-unit.sh build-asan/tests/test_* || fail=1
make -s BUILD=build-tsan BIN=build-tsan/ftrace_exporter OPT="$SAN -fsanitize=thread" \
	build-tsan/ftrace_exporter build-tsan/tests/test_metrics build-tsan/tests/test_http tools || fail=1
TSAN_OPTIONS="halt_on_error=1" scripts/run-unit.sh build-tsan/tests/test_metrics \
	build-tsan/tests/test_http || fail=1
TSAN_OPTIONS="halt_on_error=1 exitcode=66" EXPORTER=build-tsan/ftrace_exporter \
	N=20000 bash tests/integration/test_exactness.sh || fail=1
echo "sanitize: $((1 - fail)) passed, $fail failed"
exit $fail
