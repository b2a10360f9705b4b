/* Unit tests of pkg/log: level and format names, the logfmt and JSON line
 * layouts with quoting and escaping, level filtering, and that an overlong
 * line still ends in a newline (and stays valid JSON). stderr is captured
 * by dup2-ing a temporary file onto fd 2 around each call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"

#define TS_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static FILE *cap_file;
static int cap_saved = -1;

/* Points fd 2 at a fresh temporary file. */
static void capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	cap_saved = dup(2);
	assert_true(cap_saved >= 0);
	assert_int_equal(dup2(fileno(cap_file), 2), 2);
}

/* Restores fd 2; returns what was written to it (caller frees). */
static char *capture_end(void)
{
	char *text;
	long len;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	cap_saved = -1;
	len = ftell(cap_file);
	assert_true(len >= 0);
	text = calloc(1, len + 1);
	assert_non_null(text);
	rewind(cap_file);
	assert_int_equal(fread(text, 1, len, cap_file), (size_t)len);
	fclose(cap_file);
	return text;
}

/* Logs one warn line with one key/value pair and returns the output. */
static char *log_one(const char *key, const char *value)
{
	capture_start();
	log_msg(LOG_WARN, "m", key, value, NULL);
	return capture_end();
}

static void assert_matches(const char *text, const char *ere)
{
	regex_t re;
	int ret;

	assert_int_equal(regcomp(&re, ere, REG_EXTENDED | REG_NOSUB), 0);
	ret = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	if (ret)
		print_message("\"%s\" does not match /%s/\n", text, ere);
	assert_int_equal(ret, 0);
}

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Every test starts at the defaults: level info, format logfmt. */
static int reset_log(void **state)
{
	(void)state;
	if (log_set_level("info") || log_set_format("logfmt"))
		return -1;
	return 0;
}

/* ---- a strict parser for the JSON lines: one object of string values ---- */

struct json_pair {
	char key[64];
	char value[4096];
};

/* Parses a JSON string at *p into out (size bytes); 0 or -1. */
static int json_string(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;
	char c;

	if (*s++ != '"')
		return -1;
	while ((c = *s++) != '"') {
		if ((unsigned char)c < 0x20)
			return -1;	/* raw control char (incl. NUL) */
		if (c == '\\') {
			switch (*s++) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case '/': c = '/'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			default: return -1;	/* \u is never produced */
			}
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	*p = s;
	return 0;
}

/* Parses line as exactly `{"k":"v",...}\n`; returns the pair count or -1. */
static int json_parse(const char *line, struct json_pair *pairs, int max)
{
	const char *p = line;
	int n = 0;

	if (*p++ != '{')
		return -1;
	for (;;) {
		if (n == max ||
		    json_string(&p, pairs[n].key, sizeof(pairs[n].key)) ||
		    *p++ != ':' ||
		    json_string(&p, pairs[n].value, sizeof(pairs[n].value)))
			return -1;
		n++;
		if (*p == ',') {
			p++;
			continue;
		}
		break;
	}
	return strcmp(p, "}\n") == 0 ? n : -1;
}

/* ---- names ---- */

static void test_set_level_accepts_documented_names(void **state)
{
	(void)state;
	assert_int_equal(log_set_level("debug"), 0);
	assert_int_equal(log_set_level("info"), 0);
	assert_int_equal(log_set_level("warn"), 0);
	assert_int_equal(log_set_level("error"), 0);
}

static void test_set_level_rejects_other_names(void **state)
{
	(void)state;
	assert_int_equal(log_set_level("warning"), -1);
	assert_int_equal(log_set_level("INFO"), -1);
	assert_int_equal(log_set_level("trace"), -1);
	assert_int_equal(log_set_level(""), -1);
	assert_int_equal(log_set_level("info "), -1);
}

static void test_bad_level_keeps_previous_level(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(log_set_level("error"), 0);
	assert_int_equal(log_set_level("debug2"), -1);
	capture_start();
	log_msg(LOG_WARN, "hidden", NULL);
	out = capture_end();
	assert_string_equal(out, "");
	free(out);
}

static void test_set_format_accepts_logfmt_and_json(void **state)
{
	(void)state;
	assert_int_equal(log_set_format("json"), 0);
	assert_int_equal(log_set_format("logfmt"), 0);
}

static void test_set_format_rejects_other_names(void **state)
{
	(void)state;
	assert_int_equal(log_set_format("JSON"), -1);
	assert_int_equal(log_set_format("text"), -1);
	assert_int_equal(log_set_format("logfmt2"), -1);
	assert_int_equal(log_set_format(""), -1);
}

static void test_bad_format_keeps_previous_format(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(log_set_format("json"), 0);
	assert_int_equal(log_set_format("yaml"), -1);
	out = log_one("k", "v");
	assert_true(out[0] == '{');
	free(out);
}

/* ---- logfmt ---- */

static void test_logfmt_line_layout(void **state)
{
	char *out;

	(void)state;
	capture_start();
	log_msg(LOG_WARN, "probe refused", "probe", "tcp_sendmsg", "err",
		"Operation not permitted", NULL);
	out = capture_end();
	assert_matches(out, "^ts=" TS_RE " level=warn msg=\"probe refused\" "
		       "probe=tcp_sendmsg err=\"Operation not permitted\"\n$");
	free(out);
}

static void test_logfmt_level_names(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(log_set_level("debug"), 0);
	capture_start();
	log_msg(LOG_DEBUG, "a", NULL);
	log_msg(LOG_INFO, "b", NULL);
	log_msg(LOG_ERROR, "c", NULL);
	out = capture_end();
	assert_matches(out, "^ts=" TS_RE " level=debug msg=a\n"
		       "ts=" TS_RE " level=info msg=b\n"
		       "ts=" TS_RE " level=error msg=c\n$");
	free(out);
}

static void test_logfmt_plain_value_is_unquoted(void **state)
{
	char *out = log_one("cpu", "3");

	(void)state;
	assert_non_null(strstr(out, " msg=m cpu=3\n"));
	free(out);
}

static void test_logfmt_quotes_value_with_space(void **state)
{
	char *out = log_one("k", "a b");

	(void)state;
	assert_non_null(strstr(out, " k=\"a b\"\n"));
	free(out);
}

static void test_logfmt_escapes_quotes(void **state)
{
	char *out = log_one("k", "say \"hi\"");

	(void)state;
	assert_non_null(strstr(out, " k=\"say \\\"hi\\\"\"\n"));
	free(out);
}

static void test_logfmt_escapes_newline(void **state)
{
	char *out = log_one("k", "l1\nl2");

	(void)state;
	assert_non_null(strstr(out, " k=\"l1\\nl2\"\n"));
	assert_int_equal(count_char(out, '\n'), 1);
	free(out);
}

static void test_logfmt_escapes_backslash(void **state)
{
	char *out = log_one("k", "a\\b");

	(void)state;
	assert_non_null(strstr(out, " k=\"a\\\\b\"\n"));
	free(out);
}

static void test_logfmt_quotes_value_with_equals(void **state)
{
	char *out = log_one("k", "a=b");

	(void)state;
	assert_non_null(strstr(out, " k=\"a=b\"\n"));
	free(out);
}

static void test_logfmt_quotes_empty_value(void **state)
{
	char *out = log_one("k", "");

	(void)state;
	assert_non_null(strstr(out, " k=\"\"\n"));
	free(out);
}

static void test_control_chars_never_split_the_line(void **state)
{
	char *out = log_one("k", "a\rb\tc\x01" "d");

	(void)state;
	assert_int_equal(count_char(out, '\n'), 1);
	assert_null(strchr(out, '\r'));
	assert_null(strchr(out, '\x01'));
	free(out);
}

static void test_odd_argument_count_ignores_dangling_key(void **state)
{
	char *out;

	(void)state;
	capture_start();
	log_msg(LOG_WARN, "m", "a", "1", "dangling", NULL);
	out = capture_end();
	assert_non_null(strstr(out, " msg=m a=1\n"));
	assert_null(strstr(out, "dangling"));
	free(out);
}

/* ---- JSON ---- */

static void test_json_line_is_one_object_with_same_keys(void **state)
{
	struct json_pair kv[8];
	char *out;

	(void)state;
	assert_int_equal(log_set_format("json"), 0);
	capture_start();
	log_msg(LOG_WARN, "probe refused", "probe", "tcp_sendmsg", "cpu", "3",
		NULL);
	out = capture_end();
	assert_int_equal(count_char(out, '\n'), 1);
	assert_int_equal(json_parse(out, kv, 8), 5);
	assert_string_equal(kv[0].key, "ts");
	assert_matches(kv[0].value, "^" TS_RE "$");
	assert_string_equal(kv[1].key, "level");
	assert_string_equal(kv[1].value, "warn");
	assert_string_equal(kv[2].key, "msg");
	assert_string_equal(kv[2].value, "probe refused");
	assert_string_equal(kv[3].key, "probe");
	assert_string_equal(kv[3].value, "tcp_sendmsg");
	assert_string_equal(kv[4].key, "cpu");
	assert_string_equal(kv[4].value, "3");	/* always a string */
	free(out);
}

static void test_json_escapes_round_trip(void **state)
{
	static const char value[] = "say \"hi\"\\ then\nmore = x";
	struct json_pair kv[8];
	char *out;

	(void)state;
	assert_int_equal(log_set_format("json"), 0);
	out = log_one("err", value);
	assert_int_equal(count_char(out, '\n'), 1);
	assert_int_equal(json_parse(out, kv, 8), 4);
	assert_string_equal(kv[3].key, "err");
	assert_string_equal(kv[3].value, value);
	free(out);
}

static void test_json_control_chars_stay_valid(void **state)
{
	struct json_pair kv[8];
	char *out;

	(void)state;
	assert_int_equal(log_set_format("json"), 0);
	out = log_one("k", "a\tb\rc\x1f");
	assert_int_equal(json_parse(out, kv, 8), 4);
	free(out);
}

static void test_json_empty_value(void **state)
{
	struct json_pair kv[8];
	char *out;

	(void)state;
	assert_int_equal(log_set_format("json"), 0);
	out = log_one("k", "");
	assert_int_equal(json_parse(out, kv, 8), 4);
	assert_string_equal(kv[3].value, "");
	free(out);
}

/* ---- overlong lines ---- */

static char *long_string(size_t n, char c)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_logfmt_long_value_still_ends_line(void **state)
{
	char *big = long_string(5000, 'x'), *out;

	(void)state;
	capture_start();
	log_msg(LOG_WARN, "first", "k", big, "after", "1", NULL);
	log_msg(LOG_WARN, "second", NULL);
	out = capture_end();
	assert_int_equal(count_char(out, '\n'), 2);
	assert_matches(out, "\nts=" TS_RE " level=warn msg=second\n$");
	free(out);
	free(big);
}

static void test_json_long_value_stays_valid(void **state)
{
	char *big = long_string(5000, '"'), *out;
	struct json_pair kv[8];
	int n;

	(void)state;
	assert_int_equal(log_set_format("json"), 0);
	out = log_one("k", big);
	n = json_parse(out, kv, 8);
	if (n < 0)
		print_message("invalid JSON line: %s\n", out);
	assert_true(n >= 3);
	free(out);
	out = log_one("after", "1");	/* the next line is its own line */
	assert_int_equal(json_parse(out, kv, 8), 4);
	free(out);
	free(big);
}

static void test_json_long_value_then_more_pairs_stays_valid(void **state)
{
	char *big = long_string(2030, 'y'), *out;
	struct json_pair kv[8];
	int n;

	(void)state;
	assert_int_equal(log_set_format("json"), 0);
	capture_start();
	log_msg(LOG_WARN, "m", "k", big, "some_longer_key", "v", "z", "w",
		NULL);
	out = capture_end();
	n = json_parse(out, kv, 8);
	if (n < 0)
		print_message("invalid JSON line: %s\n", out);
	assert_true(n >= 3);
	free(out);
	free(big);
}

/* ---- filtering ---- */

static void test_debug_not_printed_at_info(void **state)
{
	char *out;

	(void)state;
	capture_start();
	log_msg(LOG_DEBUG, "quiet", NULL);
	out = capture_end();
	assert_string_equal(out, "");
	free(out);
}

static void test_info_printed_at_info(void **state)
{
	char *out;

	(void)state;
	capture_start();
	log_msg(LOG_INFO, "loud", NULL);
	out = capture_end();
	assert_non_null(strstr(out, " level=info msg=loud\n"));
	free(out);
}

static void test_debug_printed_at_debug(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(log_set_level("debug"), 0);
	capture_start();
	log_msg(LOG_DEBUG, "chatty", NULL);
	out = capture_end();
	assert_non_null(strstr(out, " level=debug msg=chatty\n"));
	free(out);
}

static void test_error_level_prints_only_errors(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(log_set_level("error"), 0);
	capture_start();
	log_msg(LOG_INFO, "i", NULL);
	log_msg(LOG_WARN, "w", NULL);
	log_msg(LOG_ERROR, "e", NULL);
	out = capture_end();
	assert_int_equal(count_char(out, '\n'), 1);
	assert_non_null(strstr(out, " level=error msg=e\n"));
	free(out);
}

#define T(f) cmocka_unit_test_setup(f, reset_log)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_set_level_accepts_documented_names),
		T(test_set_level_rejects_other_names),
		T(test_bad_level_keeps_previous_level),
		T(test_set_format_accepts_logfmt_and_json),
		T(test_set_format_rejects_other_names),
		T(test_bad_format_keeps_previous_format),
		T(test_logfmt_line_layout),
		T(test_logfmt_level_names),
		T(test_logfmt_plain_value_is_unquoted),
		T(test_logfmt_quotes_value_with_space),
		T(test_logfmt_escapes_quotes),
		T(test_logfmt_escapes_newline),
		T(test_logfmt_escapes_backslash),
		T(test_logfmt_quotes_value_with_equals),
		T(test_logfmt_quotes_empty_value),
		T(test_control_chars_never_split_the_line),
		T(test_odd_argument_count_ignores_dangling_key),
		T(test_json_line_is_one_object_with_same_keys),
		T(test_json_escapes_round_trip),
		T(test_json_control_chars_stay_valid),
		T(test_json_empty_value),
		T(test_logfmt_long_value_still_ends_line),
		T(test_json_long_value_stays_valid),
		T(test_json_long_value_then_more_pairs_stays_valid),
		T(test_debug_not_printed_at_info),
		T(test_info_printed_at_info),
		T(test_debug_printed_at_debug),
		T(test_error_level_prints_only_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
