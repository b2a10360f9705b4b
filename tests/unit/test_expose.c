/* Unit tests for pkg/expose: exact text, escaping, numbers, duplicates,
 * collector tables, and promtool's opinion when present. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expose/expose.h"
#include "expose/merge.h"
#include "log/log.h"

static int setup(void **state)
{
	*state = expo_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	expo_free(*state);
	return 0;
}

/* Runs promtool on the text when it is installed; asserts it is happy. */
static void promtool_check(const char *text, size_t len)
{
	char path[] = "/tmp/test_expose_XXXXXX", cmd[128];
	int fd;

	if (system("command -v promtool >/dev/null 2>&1") != 0)
		return;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	assert_int_equal(system(cmd), 0);
	unlink(path);
}

static const char two_families[] =
	"# HELP ftrace_function_hits_total Function tracer hits.\n"
	"# TYPE ftrace_function_hits_total counter\n"
	"ftrace_function_hits_total{function=\"tcp_sendmsg\"} 100000\n"
	"ftrace_function_hits_total{function=\"tcp_recvmsg\"} 0\n"
	"# HELP ftrace_drop_cause_rate Drops per second by cause.\n"
	"# TYPE ftrace_drop_cause_rate gauge\n"
	"ftrace_drop_cause_rate{cause=\"congestion\",window=\"30s\"} 0.5\n"
	"ftrace_drop_cause_rate 1.5\n";

static void write_two(struct expo *w)
{
	const char *names[] = { "cause", "window" };
	const char *values[] = { "congestion", "30s" };

	assert_int_equal(expo_family(w, "ftrace_function_hits_total",
				     EXPO_COUNTER, "Function tracer hits."), 0);
	expo_sample1(w, "function", "tcp_sendmsg", 100000);
	expo_sample1(w, "function", "tcp_recvmsg", 0);
	assert_int_equal(expo_family(w, "ftrace_drop_cause_rate", EXPO_GAUGE,
				     "Drops per second by cause."), 0);
	expo_sample(w, names, values, 2, 0.5);
	expo_sample1(w, NULL, NULL, 1.5);
}

static void test_exact_text(void **state)
{
	struct expo *w = *state;

	write_two(w);
	assert_string_equal(expo_text(w), two_families);
	assert_int_equal(expo_len(w), strlen(two_families));
	promtool_check(expo_text(w), expo_len(w));

	/* reset forgets the families: the same scrape can be written again */
	expo_reset(w);
	assert_string_equal(expo_text(w), "");
	write_two(w);
	assert_string_equal(expo_text(w), two_families);
}

static void test_escaping(void **state)
{
	struct expo *w = *state;

	assert_int_equal(expo_family(w, "esc_total", EXPO_COUNTER,
				     "a \\ back\"slash\nand newline"), 0);
	expo_sample1(w, "v", "q\"uote\\back\nnl", 1);
	expo_sample1(w, "v", "", 2);
	expo_sample1(w, "v", NULL, 3);
	assert_string_equal(expo_text(w),
		"# HELP esc_total a \\\\ back\"slash\\nand newline\n"
		"# TYPE esc_total counter\n"
		"esc_total{v=\"q\\\"uote\\\\back\\nnl\"} 1\n"
		"esc_total{v=\"\"} 2\n"
		"esc_total{v=\"\"} 3\n");
	promtool_check(expo_text(w), expo_len(w));
}

/* The value written for label value in: between the quotes of a fresh
 * family's only sample. */
static const char *written(struct expo *w, const char *in)
{
	static char out[256];
	const char *text, *open;

	expo_reset(w);
	assert_int_equal(expo_family(w, "u_total", EXPO_COUNTER, NULL), 0);
	expo_sample1(w, "v", in, 1);
	text = expo_text(w);
	open = strchr(text, '"');
	assert_non_null(open);
	snprintf(out, sizeof(out), "%.*s",
		 (int)(strrchr(text, '"') - open - 1), open + 1);
	return out;
}

#define FFFD "\xef\xbf\xbd"

/* Label values are written as valid UTF-8, each byte that starts no
 * well-formed sequence as U+FFFD (what Go's utf8.DecodeRune reads). */
static void test_utf8_label_values(void **state)
{
	static const char *const cases[][2] = {
		/* well-formed, at each range's edges: unchanged */
		{ "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80",
		  "caf\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80" },
		{ "\x7f\xc2\x80\xdf\xbf", "\x7f\xc2\x80\xdf\xbf" },
		{ "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
		  "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf" },
		{ "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
		  "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf" },
		/* a device named "v\xff" */
		{ "v\xff", "v" FFFD },
		/* overlong forms */
		{ "\xc0\xaf", FFFD FFFD },
		{ "\xc1\xbf", FFFD FFFD },
		{ "\xe0\x80\xaf", FFFD FFFD FFFD },
		{ "\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD },
		/* surrogates U+D800, U+DFFF */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },
		{ "\xed\xbf\xbf", FFFD FFFD FFFD },
		/* above U+10FFFF */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },
		{ "\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD },
		{ "\xfe\xff", FFFD FFFD },
		/* sequences cut short, in the middle and at the end */
		{ "\xe6\x97x", FFFD FFFD "x" },
		{ "a\xf0\x9f\x98", "a" FFFD FFFD FFFD },
		{ "\xc3", FFFD },
		/* lone continuation bytes */
		{ "\x80", FFFD },
		{ "a\xbf\xbf" "b", "a" FFFD FFFD "b" },
		/* with escapes */
		{ "\xff\"\\\n\xc3\xa9", FFFD "\\\"\\\\\\n\xc3\xa9" },
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	const char *names[] = { "i", "v" }, *values[2];
	struct expo *w = *state;
	char i_text[8];

	for (size_t i = 0; i < n; i++)
		assert_string_equal(written(w, cases[i][0]), cases[i][1]);
	expo_reset(w);
	assert_int_equal(expo_family(w, "u_total", EXPO_COUNTER, "Cases."), 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(i_text, sizeof(i_text), "%zu", i);
		values[0] = i_text;
		values[1] = cases[i][0];
		expo_sample(w, names, values, 2, 1);
	}
	promtool_check(expo_text(w), expo_len(w));
}

/* HELP text (from the config) is made valid the same way. */
static void test_utf8_help(void **state)
{
	struct expo *w = *state;

	assert_int_equal(expo_family(w, "h_total", EXPO_COUNTER,
				     "bad \xc3 byte"), 0);
	assert_string_equal(expo_text(w),
		"# HELP h_total bad " FFFD " byte\n# TYPE h_total counter\n");
}

/* Raw values that are written alike are one series: "v\xff" and
 * "v\xfe" are both written "v\uFFFD", so they sum, as one line. */
static void test_merge_as_written(void **state)
{
	struct merge *m = merge_new(2);
	const char *a[] = { "v\xff", "x" }, *b[] = { "v\xfe", "x" };
	const char *c[] = { "v" FFFD, "x" }, *d[] = { "v\xff", "y" };
	const char *const *v;
	uint64_t count;

	(void)state;
	assert_non_null(m);
	assert_int_equal(merge_add(m, a, 1), 0);
	assert_int_equal(merge_add(m, b, 2), 0);
	assert_int_equal(merge_add(m, c, 4), 0);
	assert_int_equal(merge_add(m, d, 8), 0);
	assert_int_equal(merge_count(m), 2);
	v = merge_values(m, 0, &count);
	assert_string_equal(v[0], "v" FFFD);
	assert_string_equal(v[1], "x");
	assert_int_equal(count, 7);
	v = merge_values(m, 1, &count);
	assert_string_equal(v[0], "v" FFFD);
	assert_string_equal(v[1], "y");
	assert_int_equal(count, 8);
	merge_free(m);
}

/* Returns the value printed for v as the last sample of a fresh family. */
static const char *format(struct expo *w, double v)
{
	static char line[64];
	const char *text;

	expo_reset(w);
	assert_int_equal(expo_family(w, "x", EXPO_GAUGE, NULL), 0);
	expo_sample1(w, NULL, NULL, v);
	text = expo_text(w);
	assert_memory_equal(text, "# TYPE x gauge\nx ", 17);
	snprintf(line, sizeof(line), "%s", text + 17);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void test_numbers(void **state)
{
	struct expo *w = *state;

	assert_string_equal(format(w, 0), "0");
	assert_string_equal(format(w, -0.0), "0");
	assert_string_equal(format(w, 1), "1");
	assert_string_equal(format(w, -7), "-7");
	assert_string_equal(format(w, 100000), "100000");
	assert_string_equal(format(w, 1e15), "1000000000000000");
	assert_string_equal(format(w, 0x1p64), "1.8446744073709552e+19");
	assert_string_equal(format(w, 0x1p62), "4611686018427387904");
	assert_string_equal(format(w, 1e21), "1e+21");
	assert_string_equal(format(w, 0.5), "0.5");
	assert_string_equal(format(w, 0.1), "0.1");
	assert_string_equal(format(w, 1.0 / 3), "0.3333333333333333");
	assert_string_equal(format(w, 2.0 / 3), "0.6666666666666666");
	assert_string_equal(format(w, 0.1 + 0.2), "0.30000000000000004");
	assert_string_equal(format(w, 1e-7), "1e-07");
	assert_string_equal(format(w, 123456.789), "123456.789");
	assert_string_equal(format(w, __builtin_nan("")), "NaN");
	assert_string_equal(format(w, __builtin_inf()), "+Inf");
	assert_string_equal(format(w, -__builtin_inf()), "-Inf");
}

static void test_duplicate_and_bad_names(void **state)
{
	struct expo *w = *state;

	assert_int_equal(expo_family(w, "b_total", EXPO_COUNTER, "B."), 0);
	assert_int_equal(expo_family(w, "a_total", EXPO_COUNTER, "A."), 0);
	assert_int_equal(expo_family(w, "c", EXPO_GAUGE, ""), 0);
	errno = 0;
	assert_int_equal(expo_family(w, "a_total", EXPO_GAUGE, "again"), -1);
	assert_int_equal(errno, EEXIST);
	/* a sample after a refused family goes nowhere */
	expo_sample1(w, NULL, NULL, 1);
	assert_int_equal(expo_family(w, "b_total", EXPO_COUNTER, NULL), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(expo_family(w, "a", EXPO_GAUGE, NULL), 0);
	assert_int_equal(expo_family(w, "a_totals", EXPO_GAUGE, NULL), 0);
	assert_int_equal(expo_family(w, "a_total", EXPO_GAUGE, NULL), -1);
	assert_int_equal(expo_family(w, "9lives", EXPO_GAUGE, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(expo_family(w, "has space", EXPO_GAUGE, NULL), -1);
	assert_int_equal(expo_family(w, "", EXPO_GAUGE, NULL), -1);
	assert_string_equal(expo_text(w),
		"# HELP b_total B.\n# TYPE b_total counter\n"
		"# HELP a_total A.\n# TYPE a_total counter\n"
		"# HELP c \n# TYPE c gauge\n"
		"# TYPE a gauge\n# TYPE a_totals gauge\n");
	promtool_check(expo_text(w), expo_len(w));
	expo_reset(w);
	assert_int_equal(expo_family(w, "a_total", EXPO_GAUGE, NULL), 0);
}

static void test_many_families(void **state)
{
	struct expo *w = *state;
	char name[32];

	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "f%d_total", (i * 7919) % 500);
		assert_int_equal(expo_family(w, name, EXPO_COUNTER, "F."), 0);
		expo_sample1(w, "i", name, i);
	}
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "f%d_total", i);
		assert_int_equal(expo_family(w, name, EXPO_COUNTER, "F."), -1);
	}
	promtool_check(expo_text(w), expo_len(w));
}

static int collect_hits(void *ctx, struct expo *w)
{
	int *calls = ctx;

	(*calls)++;
	if (expo_family(w, "hits_total", EXPO_COUNTER, "Hits."))
		return -1;
	expo_sample1(w, "cpu", "0", *calls);
	return 0;
}

/* Writes a whole family and then fails: all of it must be rolled back. */
static int collect_broken(void *ctx, struct expo *w)
{
	(void)ctx;
	if (expo_family(w, "broken_total", EXPO_COUNTER, "Broken."))
		return -1;
	expo_sample1(w, NULL, NULL, 1);
	errno = EIO;
	return -1;
}

static int collect_self(void *ctx, struct expo *w)
{
	(void)ctx;
	if (expo_family(w, "broken_total", EXPO_COUNTER, "Not broken."))
		return -1;
	expo_sample1(w, NULL, NULL, 2);
	return expo_family(w, "up", EXPO_GAUGE, "Up.");
}

static void test_collect(void **state)
{
	struct expo *w = *state;
	int calls = 0;
	const struct collector table[] = {
		{ "hits", collect_hits, &calls },
		{ "broken", collect_broken, NULL },
		{ "hits_again", collect_hits, &calls },	/* duplicate family */
		{ "self", collect_self, NULL },
	};
	const char *expected =
		"# HELP hits_total Hits.\n# TYPE hits_total counter\n"
		"hits_total{cpu=\"0\"} 1\n"
		"# HELP broken_total Not broken.\n"
		"# TYPE broken_total counter\nbroken_total 2\n"
		"# HELP up Up.\n# TYPE up gauge\n";

	expo_family(w, "stale", EXPO_GAUGE, NULL);
	assert_int_equal(expo_collect(w, table, 4), 2);
	assert_int_equal(calls, 2);
	assert_string_equal(expo_text(w), expected);
	promtool_check(expo_text(w), expo_len(w));

	/* the next scrape starts afresh */
	calls = 0;
	assert_int_equal(expo_collect(w, table, 4), 2);
	assert_string_equal(expo_text(w), expected);
	assert_int_equal(expo_collect(w, table, 0), 0);
	assert_string_equal(expo_text(w), "");
}

static void test_detach(void **state)
{
	struct expo *w = *state;
	size_t len;
	char *text;

	text = expo_detach(w, &len);
	assert_non_null(text);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);

	write_two(w);
	text = expo_detach(w, &len);
	assert_string_equal(text, two_families);
	assert_int_equal(len, strlen(two_families));
	free(text);
	assert_string_equal(expo_text(w), "");
	assert_int_equal(expo_len(w), 0);
	write_two(w);
	assert_string_equal(expo_text(w), two_families);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_utf8_label_values, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_utf8_help, setup, teardown),
		cmocka_unit_test(test_merge_as_written),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_and_bad_names,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_families, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_collect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
	};

	log_set_level("error");	/* failing collectors are logged as warnings */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
