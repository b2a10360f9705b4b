/* Unit tests of pkg/yamldoc: loading good text and files, syntax errors at
 * their exact "FILE:LINE:COL:", the one-document and no-alias rules, the
 * null, mapping, scalar and sequence checks, duplicate, unknown and refused
 * keys, and counting without printing when errs is NULL.
 */
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

#include "yamldoc/yamldoc.h"
#include "capture.h"

#define F "t.yml"
#define TEMP_SIZE 32

/* A loaded document and what it printed so far. */
struct doc {
	struct capture cap;
	struct yamldoc *yd;
	int err;	/* errno after yamldoc_load_text() */
};

/* Loads text as F into d; returns yamldoc_load_text()'s result. */
static int doc_load(struct doc *d, const char *text)
{
	int ret;

	d->yd = yamldoc_new(F, capture_start(&d->cap));
	assert_non_null(d->yd);
	ret = yamldoc_load_text(d->yd, text);
	d->err = errno;
	return ret;
}

/* Frees the document and returns what it printed (the caller frees). */
static char *doc_end(struct doc *d)
{
	yamldoc_free(d->yd);
	return capture_end(&d->cap);
}

/* Frees the document and asserts that it printed exactly want. */
static void doc_end_expect(struct doc *d, const char *want)
{
	char *errs = doc_end(d);

	assert_string_equal(errs, want);
	free(errs);
}

/* Asserts that text fails to load with exactly one line, prefix and
 * fragment included. */
static void expect_load_error(const char *text, const char *prefix,
			      const char *fragment)
{
	struct doc d;
	char *errs;

	assert_int_equal(doc_load(&d, text), -1);
	assert_int_equal(d.err, EINVAL);
	assert_null(yamldoc_root(d.yd));
	assert_int_equal(yamldoc_errors(d.yd), 1);
	errs = doc_end(&d);
	if (!has_line(errs, prefix, fragment))
		print_message("wanted %s...%s, got:\n%s", prefix, fragment,
			      errs);
	assert_true(has_line(errs, prefix, fragment));
	assert_int_equal(count_lines(errs), 1);
	free(errs);
}

/* Value node of key in the root mapping of d. */
static yaml_node_t *value_of(struct doc *d, const char *key)
{
	yaml_node_t *root = yamldoc_root(d->yd);
	yaml_node_pair_t *p;
	yaml_node_t *k;

	for (p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		k = yamldoc_node(d->yd, p->key);
		if (!strcmp((char *)k->data.scalar.value, key))
			return yamldoc_node(d->yd, p->value);
	}
	fail_msg("no key %s", key);
	return NULL;
}

static void test_good(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", NULL };
	struct yamldoc_kv kv[4] = { { 0 } };
	yaml_node_t *b;
	struct doc d;

	(void)state;
	assert_int_equal(doc_load(&d, "a: 1\nb: [x, y]\nc: {k: v}\n"), 0);
	assert_int_equal(yamldoc_fields(d.yd, yamldoc_root(d.yd), "the top",
					names, NULL, kv), 0);
	assert_string_equal(yamldoc_scalar(d.yd, kv[0].val), "1");
	assert_int_equal(kv[0].key->start_mark.line, 0);
	b = kv[1].val;
	assert_int_equal(yamldoc_seq_len(d.yd, b), 2);
	assert_string_equal(yamldoc_scalar(d.yd, yamldoc_item(d.yd, b, 1)),
			    "y");
	assert_int_equal(yamldoc_mapping(d.yd, kv[2].val, "c"), 0);
	assert_null(kv[3].key);
	assert_null(kv[3].val);
	assert_null(yamldoc_node(d.yd, 0));
	assert_null(yamldoc_node(d.yd, 1000));
	assert_int_equal(yamldoc_errors(d.yd), 0);
	doc_end_expect(&d, "");
}

static void test_empty(void **state)
{
	static const char *const texts[] = { "", "# only a comment\n" };
	struct doc d;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		assert_int_equal(doc_load(&d, texts[i]), 0);
		assert_null(yamldoc_root(d.yd));
		doc_end_expect(&d, "");
	}
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_load_error("a: [\n", F ":2:1: ", "YAML syntax error");
	expect_load_error("a:\n\tb: 1\n", F ":2:1: ",
			  "YAML syntax error: found character that cannot "
			  "start any token (while scanning for the next "
			  "token)");
	expect_load_error("a: 'x\n", F ":2:1: ", "unexpected end of stream");
	expect_load_error("a: b\nc: d\xff\n", F ":2:5: ",
			  "invalid leading UTF-8 octet");
	expect_load_error("a: b\n---\n[\n", F ":4:1: ", "YAML syntax error");
}

static void test_aliases(void **state)
{
	(void)state;
	expect_load_error("a: &x 1\nb: *x\n", F ":1:4: ",
			  "anchors and aliases are not supported");
	expect_load_error("a: &x [1]\nb:\n  c: *x\n", F ":1:4: ",
			  "anchors and aliases are not supported");
}

/* A second document is reported, but the first stays loaded. */
static void test_two_documents(void **state)
{
	struct doc d;

	(void)state;
	assert_int_equal(doc_load(&d, "a: 1\n---\nb: 2\n"), 0);
	assert_non_null(yamldoc_root(d.yd));
	assert_int_equal(yamldoc_errors(d.yd), 1);
	doc_end_expect(&d, F ":3:1: only one YAML document is allowed\n");

	assert_int_equal(doc_load(&d, "a: 1\n...\n# nothing\n"), 0);
	assert_int_equal(yamldoc_errors(d.yd), 0);
	doc_end_expect(&d, "");
}

static void test_null(void **state)
{
	struct doc d;

	(void)state;
	assert_int_equal(doc_load(&d, "a:\nb: ~\nc: null\nd: NULL\n"
				  "e: Null\nf: 'null'\ng: \"\"\nh: nil\n"
				  "i: []\n"), 0);
	assert_true(yamldoc_is_null(value_of(&d, "a")));
	assert_true(yamldoc_is_null(value_of(&d, "b")));
	assert_true(yamldoc_is_null(value_of(&d, "c")));
	assert_true(yamldoc_is_null(value_of(&d, "d")));
	assert_true(yamldoc_is_null(value_of(&d, "e")));
	assert_false(yamldoc_is_null(value_of(&d, "f")));
	assert_false(yamldoc_is_null(value_of(&d, "g")));
	assert_false(yamldoc_is_null(value_of(&d, "h")));
	assert_false(yamldoc_is_null(value_of(&d, "i")));
	doc_end_expect(&d, "");
}

static void test_type_checks(void **state)
{
	struct doc d;

	(void)state;
	assert_int_equal(doc_load(&d, "m: {k: v}\ns: [1]\nq: x\n"
				  "z: \"a\\0b\"\n"), 0);
	assert_int_equal(yamldoc_mapping(d.yd, value_of(&d, "s"), "s"), -1);
	assert_null(yamldoc_scalar(d.yd, value_of(&d, "m")));
	assert_int_equal(yamldoc_seq_len(d.yd, value_of(&d, "q")), -1);
	assert_null(yamldoc_scalar(d.yd, value_of(&d, "z")));
	assert_int_equal(yamldoc_mapping(d.yd, value_of(&d, "q"), "q"), -1);
	assert_null(yamldoc_scalar(d.yd, value_of(&d, "s")));
	assert_int_equal(yamldoc_errors(d.yd), 6);
	doc_end_expect(&d,
		F ":2:4: expected a mapping for s, found a sequence\n"
		F ":1:4: expected a scalar, found a mapping\n"
		F ":3:4: expected a sequence, found a scalar\n"
		F ":4:4: NUL characters are not allowed\n"
		F ":3:4: expected a mapping for q, found a scalar\n"
		F ":2:4: expected a scalar, found a sequence\n");
}

static void test_keys(void **state)
{
	static const char *const names[] = { "a", "b", NULL };
	static const char *const gone[] = { "old", NULL };
	const struct yamldoc_refused refused = { gone, "use b" };
	struct yamldoc_kv kv[2] = { { 0 } };
	struct doc d;

	(void)state;
	assert_int_equal(doc_load(&d, "a: 1\nold: 2\nc: 3\na: 4\n? [l]\n"
				  ": 5\nb: 6\n"), 0);
	assert_int_equal(yamldoc_fields(d.yd, yamldoc_root(d.yd), "the top",
					names, &refused, kv), 0);
	assert_string_equal(yamldoc_scalar(d.yd, kv[0].val), "1");
	assert_string_equal(yamldoc_scalar(d.yd, kv[1].val), "6");
	assert_int_equal(yamldoc_fields(d.yd, kv[1].val, "b", names, NULL,
					kv), -1);
	doc_end_expect(&d,
		F ":2:1: key \"old\" in the top is not supported by "
		"ftrace_exporter (use b)\n"
		F ":3:1: unknown key \"c\" in the top (allowed: a, b)\n"
		F ":4:1: duplicate key \"a\" (first at line 1)\n"
		F ":5:3: expected a scalar, found a sequence\n"
		F ":7:4: expected a mapping for b, found a scalar\n");
}

/* Without an errs stream problems are counted, never printed. */
static void test_null_errs(void **state)
{
	struct yamldoc *yd = yamldoc_new(F, NULL);

	(void)state;
	assert_non_null(yd);
	assert_int_equal(yamldoc_load_text(yd, "a: [\n"), -1);
	assert_int_equal(yamldoc_errors(yd), 1);
	yamldoc_err_at(yd, 3, 4, "extra %d", 1);
	assert_int_equal(yamldoc_errors(yd), 2);
	assert_null(yamldoc_root(yd));
	yamldoc_free(yd);

	yd = yamldoc_new(F, NULL);
	assert_int_equal(yamldoc_load_text(yd, "a: [1]\n"), 0);
	assert_null(yamldoc_scalar(yd, yamldoc_root(yd)));
	yamldoc_err(yd, yamldoc_root(yd), "and %s", "this");
	assert_int_equal(yamldoc_errors(yd), 2);
	assert_int_equal(yamldoc_load_file(yd, 100, ""), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(yamldoc_errors(yd), 3);
	yamldoc_free(yd);
	yamldoc_free(NULL);
}

/* What walk() works on: the document, and how often it was walked. */
struct walked {
	struct yamldoc *yd;
	int walks;
};

/* A yamldoc_walk_fn on a struct walked: counts its calls and reports a
 * mapping root. */
static void walk(void *arg, yaml_node_t *root)
{
	struct walked *w = arg;

	w->walks++;
	if (root && root->type == YAML_MAPPING_NODE)
		yamldoc_err(w->yd, root, "walked");
}

/* Parses with yamldoc_parse(); returns its result, with its errno in *err
 * and the number of walks in *walks. */
static int parse_with(const char *path, const char *text, int *err,
		      int *walks)
{
	struct walked w = { yamldoc_new(path, NULL), 0 };
	int ret;

	assert_non_null(w.yd);
	ret = yamldoc_parse(w.yd, text, 100, "", walk, &w);
	*err = errno;
	*walks = w.walks;
	yamldoc_free(w.yd);
	return ret;
}

/* yamldoc_parse() walks only a loaded document, and fails on any problem. */
static void test_parse(void **state)
{
	int err, walks;

	(void)state;
	assert_int_equal(parse_with(F, "- a\n", &err, &walks), 0);
	assert_int_equal(walks, 1);
	assert_int_equal(parse_with(F, "", &err, &walks), 0);
	assert_int_equal(walks, 1);
	assert_int_equal(parse_with(F, "a: 1\n", &err, &walks), -1);
	assert_int_equal(err, EINVAL);
	assert_int_equal(walks, 1);
	assert_int_equal(parse_with(F, "a: [\n", &err, &walks), -1);
	assert_int_equal(err, EINVAL);
	assert_int_equal(walks, 0);
	assert_int_equal(parse_with("/nonexistent/t.yml", NULL, &err, &walks),
			 -1);
	assert_int_equal(err, ENOENT);
	assert_int_equal(walks, 0);
}

/* Writes n bytes of text to a new temporary file whose name goes to path
 * (TEMP_SIZE bytes). */
static void write_temp(char *path, const char *text, size_t n)
{
	int fd;

	strcpy(path, "/tmp/test_yamldoc.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

/* Loads the file at path (at most max bytes); returns the load's result,
 * its errno in *err and what was printed in *errs. */
static int load_file(const char *path, size_t max, int *err, char **errs)
{
	struct capture cap;
	struct yamldoc *yd = yamldoc_new(path, capture_start(&cap));
	int ret;

	assert_non_null(yd);
	ret = yamldoc_load_file(yd, max, "cannot read: ");
	*err = errno;
	if (!ret)
		assert_non_null(yamldoc_root(yd));
	yamldoc_free(yd);
	*errs = capture_end(&cap);
	return ret;
}

static void test_load_file(void **state)
{
	char path[TEMP_SIZE], *errs, *want;
	int err;

	(void)state;
	write_temp(path, "a: 1\nb: [\n", 10);
	assert_int_equal(load_file(path, 100, &err, &errs), -1);
	assert_int_equal(err, EINVAL);
	assert_true(asprintf(&want, "%s:3:1: YAML syntax error: did not find "
			     "expected node content (while parsing a flow "
			     "node)\n", path) > 0);
	assert_string_equal(errs, want);
	free(want);
	free(errs);
	assert_int_equal(load_file(path, 9, &err, &errs), -1);
	assert_int_equal(err, EFBIG);
	assert_true(asprintf(&want, "%s:2:5: larger than 9 bytes, the most "
			     "ftrace_exporter reads\n", path) > 0);
	assert_string_equal(errs, want);
	free(want);
	free(errs);
	unlink(path);

	write_temp(path, "a: 1\n\0", 6);
	assert_int_equal(load_file(path, 100, &err, &errs), -1);
	assert_int_equal(err, EILSEQ);
	assert_true(asprintf(&want, "%s: cannot read: contains a NUL byte\n",
			     path) > 0);
	assert_string_equal(errs, want);
	free(want);
	free(errs);
	unlink(path);

	assert_int_equal(load_file("/nonexistent/t.yml", 100, &err, &errs), -1);
	assert_int_equal(err, ENOENT);
	assert_string_equal(errs, "/nonexistent/t.yml: cannot read: No such "
			    "file or directory\n");
	free(errs);
}

/* yamldoc_read_file() reads any size up to max, and no more. */
static void test_read_file(void **state)
{
	char path[TEMP_SIZE], *text, *buf;
	size_t n = 20000, len = 0;

	(void)state;
	buf = malloc(n);
	assert_non_null(buf);
	memset(buf, 'x', n);
	write_temp(path, buf, n);
	text = yamldoc_read_file(path, n, &len);
	assert_non_null(text);
	assert_int_equal(len, n);
	assert_int_equal(strlen(text), n);
	assert_memory_equal(text, buf, n);
	free(text);
	errno = 0;
	assert_null(yamldoc_read_file(path, n - 1, &len));
	assert_int_equal(errno, EFBIG);
	unlink(path);
	free(buf);

	write_temp(path, "", 0);
	text = yamldoc_read_file(path, 0, &len);
	assert_non_null(text);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);
	unlink(path);
}

static void walk_nothing(void *arg, yaml_node_t *root)
{
	(void)arg;
	(void)root;
}

/* Text longer than the reader's max is refused at its first byte past it,
 * before libyaml sees it; text of exactly max bytes is read. */
static void test_size_limit(void **state)
{
	char text[128], *errs;
	struct capture cap;
	struct yamldoc *yd;

	(void)state;
	for (int i = 0; i < 20; i++)
		memcpy(text + 5 * i, "- a\n\n", 5);
	strcpy(text + 100, "- b\n");
	yd = yamldoc_new(F, capture_start(&cap));
	assert_int_equal(yamldoc_parse(yd, text, 100, "", walk_nothing, NULL),
			 -1);
	assert_int_equal(errno, EFBIG);
	assert_null(yamldoc_root(yd));
	yamldoc_free(yd);
	errs = capture_end(&cap);
	assert_string_equal(errs, F ":41:1: larger than 100 bytes, the most "
			    "ftrace_exporter reads\n");
	free(errs);
	text[100] = '\0';
	yd = yamldoc_new(F, NULL);
	assert_int_equal(yamldoc_parse(yd, text, 100, "", walk_nothing, NULL),
			 0);
	yamldoc_free(yd);
}

/* Text of depth "[" nested flow sequences, closed. */
static char *nested(int depth)
{
	char *text = malloc(2 * depth + 2);

	assert_non_null(text);
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	strcpy(text + 2 * depth, "\n");
	return text;
}

/* YAMLDOC_MAX_DEPTH levels load; one more is refused where it starts, and
 * 50,000 unclosed "[" (seconds in libyaml) are refused the same way. */
static void test_depth_limit(void **state)
{
	char *text = nested(YAMLDOC_MAX_DEPTH);
	struct doc d;

	(void)state;
	assert_int_equal(doc_load(&d, text), 0);
	doc_end_expect(&d, "");
	free(text);
	text = nested(YAMLDOC_MAX_DEPTH + 1);
	expect_load_error(text, F ":1:65: ", "nested deeper than 64 levels");
	free(text);
	text = malloc(50001);
	assert_non_null(text);
	memset(text, '[', 50000);
	text[50000] = '\0';
	expect_load_error(text, F ":1:65: ", "nested deeper than 64 levels");
	free(text);
	expect_load_error("a:\n - b:\n    - [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
			  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]\n", F ":3:67: ",
			  "nested deeper than 64 levels");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_two_documents),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_type_checks),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_null_errs),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_depth_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
