/* capture: what a strict YAML reader prints ("FILE:LINE:COL: message", one
 * a line), for the unit tests of pkg/config, pkg/webcfg and pkg/yamldoc.
 * Include it after cmocka.h.
 *
 * capture_start() and capture_end() collect what is printed to a stream;
 * has_line() and count_lines() read it. A test file that defines, before
 * including this header, CAPTURE_TYPE (the parsed object, as in struct
 * config), CAPTURE_PARSE (its parser, called as CAPTURE_PARSE(CAPTURE_PATH,
 * text, errs)), CAPTURE_FREE (its destructor) and CAPTURE_PATH (the file
 * name the parsed texts pretend to come from) also gets parse(),
 * expect_error() and expect_ok() for that parser.
 */
#ifndef FTE_TESTS_CAPTURE_H
#define FTE_TESTS_CAPTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A stream and the text printed to it. */
struct capture {
	FILE *f;
	char *text;
	size_t len;
};

/* Opens c's stream and returns it; fails the test if it cannot. */
static inline FILE *capture_start(struct capture *c)
{
	c->text = NULL;
	c->f = open_memstream(&c->text, &c->len);
	assert_non_null(c->f);
	return c->f;
}

/* Closes c's stream and returns what was printed (the caller frees it). */
static inline char *capture_end(struct capture *c)
{
	fclose(c->f);
	return c->text;
}

/* True if some line of errs starts with prefix and contains fragment. */
static inline int has_line(const char *errs, const char *prefix,
			   const char *fragment)
{
	const char *line, *end;

	for (line = errs; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		if (memmem(line, end - line, fragment, strlen(fragment)))
			return 1;
	}
	return 0;
}

static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#ifdef CAPTURE_TYPE

/* Parses text as CAPTURE_PATH; *errs gets what was printed (the caller
 * frees it). errno is the parser's. */
static inline CAPTURE_TYPE *parse(const char *text, char **errs)
{
	struct capture c;
	CAPTURE_TYPE *obj;
	int err;

	obj = CAPTURE_PARSE(CAPTURE_PATH, text, capture_start(&c));
	err = errno;
	*errs = capture_end(&c);
	errno = err;
	return obj;
}

/* Asserts that text is rejected (NULL, errno EINVAL) with a line
 * "CAPTURE_PATH:where: ...fragment...", where being "LINE:COL". */
static inline void expect_error(const char *text, const char *where,
				const char *fragment)
{
	char prefix[256], *errs;
	CAPTURE_TYPE *obj;
	int ok, err;

	snprintf(prefix, sizeof(prefix), "%s:%s: ", CAPTURE_PATH, where);
	obj = parse(text, &errs);
	err = errno;
	ok = has_line(errs, prefix, fragment);
	if (!ok || obj)
		print_message("wanted %s...%s, got:\n%s", prefix, fragment,
			      errs);
	CAPTURE_FREE(obj);
	free(errs);
	assert_null(obj);
	assert_int_equal(err, EINVAL);
	assert_true(ok);
}

/* Parses text that must be valid; fails the test with the errors if not.
 * The caller frees the result with CAPTURE_FREE. */
static inline CAPTURE_TYPE *expect_ok(const char *text)
{
	CAPTURE_TYPE *obj;
	char *errs;

	obj = parse(text, &errs);
	if (!obj || *errs)
		print_message("unexpected errors:\n%s", errs);
	assert_string_equal(errs, "");
	free(errs);
	assert_non_null(obj);
	return obj;
}

#endif /* CAPTURE_TYPE */
#endif
