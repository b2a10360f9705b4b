#!/usr/bin/env bash
# Sanitizer builds: the unit tests under ASan+UBSan, those with threads
# (test_generation: readers, ticker and a reload on the real tracefs) under
# ThreadSanitizer too; the exactness test (reader threads racing the scrape
# thread) and the hot-reload test (readers, ticker and scrapes while the
# pipeline is swapped) against ThreadSanitizer and ASan+UBSan builds of the
# exporter (a leak or race fails its exit code).
set -u
cd "$(dirname "$0")/.."
fail=0
SAN="-O1 -g -fno-omit-frame-pointer"
make -s BUILD=build-asan BIN=build-asan/ftrace_exporter \
	OPT="$SAN -fsanitize=address,undefined -fno-sanitize-recover=all" \
	unit-bin build-asan/ftrace_exporter || { echo "not ok - ASan+UBSan build"; fail=1; }
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	scripts/run-unit.sh build-asan/tests/test_* || fail=1
make -s BUILD=build-tsan BIN=build-tsan/ftrace_exporter OPT="$SAN -fsanitize=thread" \
	build-tsan/ftrace_exporter build-tsan/tests/test_metrics build-tsan/tests/test_http \
	build-tsan/tests/test_strtab build-tsan/tests/test_generation tools ||
	{ echo "not ok - TSan build"; fail=1; }
TSAN_OPTIONS="halt_on_error=1" scripts/run-unit.sh build-tsan/tests/test_metrics \
	build-tsan/tests/test_strtab build-tsan/tests/test_generation \
	build-tsan/tests/test_http || fail=1
for t in test_exactness test_hot_reload; do
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" EXPORTER=build-tsan/ftrace_exporter \
		N=20000 scripts/run-checked.sh bash tests/integration/$t.sh || fail=1
done
ASAN_OPTIONS=detect_leaks=1 EXPORTER=build-asan/ftrace_exporter N=20000 \
	scripts/run-checked.sh bash tests/integration/test_hot_reload.sh || fail=1
echo "sanitize: $([ $fail -eq 0 ] && echo passed || echo failed)"
exit $fail
