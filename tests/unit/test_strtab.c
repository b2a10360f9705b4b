/* Unit tests for pkg/strtab: ids are stable and unique per string, values
 * are cut at a NUL and before a UTF-8 character past STRTAB_LEN_MAX, a full
 * table refuses only new strings, and threads interning the same strings at
 * once agree on every id and store each string once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "strtab/strtab.h"

/* Interns s (whole) and returns its id; fails the test on refusal. */
static uint64_t id_of(struct strtab *t, const char *s)
{
	uint64_t id = 0;

	assert_int_equal(strtab_intern(t, s, strlen(s), &id), 0);
	return id;
}

static void test_same_string_same_id(void **state)
{
	struct strtab *t = strtab_new(64, 4096);
	uint64_t lo, eth;

	(void)state;
	assert_non_null(t);
	lo = id_of(t, "lo");
	eth = id_of(t, "eth0");
	assert_true(lo != 0 && eth != 0 && lo != eth);
	assert_int_equal(id_of(t, "lo"), lo);
	assert_string_equal(strtab_str(t, lo), "lo");
	assert_string_equal(strtab_str(t, eth), "eth0");
	assert_int_equal(id_of(t, ""), 0);
	assert_string_equal(strtab_str(t, 0), "");
	assert_int_equal(strtab_refused(t), 0);
	strtab_free(t);
}

/* A record's char[16] or __data_loc string ends at its NUL; the bytes of
 * a prefix are no other string's id. */
static void test_nul_ends_value(void **state)
{
	struct strtab *t = strtab_new(64, 4096);
	uint64_t id;

	(void)state;
	assert_int_equal(strtab_intern(t, "lo\0garbage", 10, &id), 0);
	assert_int_equal(id, id_of(t, "lo"));
	assert_int_equal(strtab_intern(t, "eth0", 3, &id), 0);
	assert_string_equal(strtab_str(t, id), "eth");
	assert_true(id != id_of(t, "eth0"));
	strtab_free(t);
}

/* Interns n bytes 'a' then tail, and asserts it reads back as its first
 * want bytes. */
static void assert_cut(struct strtab *t, int n, const char *tail, size_t want)
{
	char s[300];
	uint64_t id;

	memset(s, 'a', n);
	strcpy(s + n, tail);
	assert_int_equal(strtab_intern(t, s, strlen(s), &id), 0);
	assert_int_equal(strlen(strtab_str(t, id)), want);
	assert_memory_equal(strtab_str(t, id), s, want);
}

static void test_cut_before_character(void **state)
{
	struct strtab *t = strtab_new(64, 8192);
	char junk[259];

	(void)state;
	assert_cut(t, 255, "xyz", 255);			/* ASCII */
	assert_cut(t, 254, "\xc3\xa9z", 254);		/* é at 254..255 */
	assert_cut(t, 253, "\xe6\x97\xa5z", 253);	/* 日 at 253..255 */
	assert_cut(t, 252, "\xf0\x9f\x98\x80z", 252);	/* U+1F600 */
	assert_cut(t, 253, "\xc3\xa9z", 255);		/* é fits */
	assert_cut(t, 120, "\xc3\xa9\xe6\x97\xa5", 125); /* short: whole */
	memset(junk, 0x80, 258);		/* no characters at all: */
	junk[258] = '\0';			/* at most 3 bytes back */
	assert_cut(t, 0, junk, 252);
	strtab_free(t);
}

/* Full by entries: new strings refused, known ones still found. */
static void test_full_by_entries(void **state)
{
	struct strtab *t = strtab_new(3, 4096);
	uint64_t id;

	(void)state;
	assert_non_null(t);
	id_of(t, "a");
	id_of(t, "b");
	id_of(t, "c");
	errno = 0;
	assert_int_equal(strtab_intern(t, "d", 1, &id), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(id, 0);
	assert_string_equal(strtab_str(t, id_of(t, "b")), "b");
	assert_int_equal(strtab_refused(t), 1);
	strtab_free(t);
}

/* Full by text: each string takes its length + 2 bytes. */
static void test_full_by_text(void **state)
{
	struct strtab *t = strtab_new(16, 12);
	uint64_t id;

	(void)state;
	assert_non_null(t);
	id_of(t, "abcd");			/* 6 bytes */
	id_of(t, "efgh");			/* 12 */
	assert_int_equal(strtab_intern(t, "i", 1, &id), -1);
	assert_int_equal(errno, ENOSPC);
	assert_string_equal(strtab_str(t, id_of(t, "abcd")), "abcd");
	assert_int_equal(strtab_refused(t), 1);
	assert_null(strtab_new(0, 16));
	assert_int_equal(errno, EINVAL);
	strtab_free(t);
}

#define RACERS 4
#define NAMES 2000

struct racer {
	pthread_t tid;
	struct strtab *t;
	pthread_barrier_t *go;
	uint64_t ids[NAMES];
};

/* Interns every name in order, from the same moment as the others. */
static void *race(void *arg)
{
	struct racer *r = arg;
	char name[32];

	pthread_barrier_wait(r->go);
	for (int n = 0; n < NAMES; n++) {
		snprintf(name, sizeof(name), "dev-%d", n);
		if (strtab_intern(r->t, name, strlen(name), &r->ids[n]))
			r->ids[n] = 0;
	}
	return NULL;
}

/* RACERS threads intern the same NAMES strings at once into a table of
 * exactly NAMES entries (with text to spare for the entries that lose a
 * race): all must agree on each id, and no string may keep two entries (or
 * the table would refuse some). */
static void test_threads_agree(void **state)
{
	static struct racer r[RACERS];
	struct strtab *t = strtab_new(NAMES, NAMES * 16 * RACERS);
	pthread_barrier_t go;
	char name[32];
	uint64_t id;

	(void)state;
	pthread_barrier_init(&go, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ .t = t, .go = &go };
		assert_int_equal(pthread_create(&r[i].tid, NULL, race, &r[i]),
				 0);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(r[i].tid, NULL);
	pthread_barrier_destroy(&go);
	assert_int_equal(strtab_refused(t), 0);
	for (int n = 0; n < NAMES; n++) {
		snprintf(name, sizeof(name), "dev-%d", n);
		assert_string_equal(strtab_str(t, r[0].ids[n]), name);
		for (int i = 1; i < RACERS; i++)
			assert_int_equal(r[i].ids[n], r[0].ids[n]);
	}
	assert_int_equal(strtab_intern(t, "one-more", 8, &id), -1);
	strtab_free(t);
}

static void test_process_table(void **state)
{
	uint64_t id;

	(void)state;
	assert_ptr_equal(strtab_labels(), strtab_labels());
	assert_int_equal(strtab_intern(strtab_labels(), "v\xff", 2, &id), 0);
	assert_string_equal(strtab_str(strtab_labels(), id), "v\xff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_string_same_id),
		cmocka_unit_test(test_nul_ends_value),
		cmocka_unit_test(test_cut_before_character),
		cmocka_unit_test(test_full_by_entries),
		cmocka_unit_test(test_full_by_text),
		cmocka_unit_test(test_threads_agree),
		cmocka_unit_test(test_process_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
