/* Unit tests for pkg/addrtab: IPv4 and IPv4-mapped addresses are one key
 * without a table entry, :: is 0, IPv6 keys are stable and unique and give
 * their bytes back, a full table refuses only new addresses, threads
 * interning the same addresses at once agree on every key, and the
 * process-wide table's remembered lookups give the same keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "addrtab/addrtab.h"

/* The key of text (IPv6 form) in t; fails the test on refusal. */
static uint64_t key_of(struct addrtab *t, const char *text)
{
	uint8_t b[16];
	uint64_t key = 7;

	assert_int_equal(inet_pton(AF_INET6, text, b), 1);
	assert_int_equal(addrtab_key(t, b, &key), 0);
	return key;
}

/* True when key gives back the bytes of text. */
static bool key_is(struct addrtab *t, uint64_t key, const char *text)
{
	uint8_t want[16], got[16];

	assert_int_equal(inet_pton(AF_INET6, text, want), 1);
	addrtab_bytes(t, key, got);
	return !memcmp(want, got, sizeof(want));
}

static void test_v4_without_table(void **state)
{
	struct addrtab *t = addrtab_new(1);
	uint8_t v4[4] = { 10, 0, 0, 7 };
	uint64_t k;

	(void)state;
	assert_non_null(t);
	k = key_of(t, "::ffff:10.0.0.7");
	assert_true(k & ADDRTAB_V4);
	assert_int_equal(k, addrtab_v4(v4));
	assert_true(key_is(t, k, "::ffff:10.0.0.7"));
	assert_int_equal(key_of(t, "::"), 0);
	assert_true(key_is(t, 0, "::"));
	/* neither took the table's one entry */
	assert_true(key_of(t, "fd00::1") != 0);
	assert_int_equal(addrtab_refused(t), 0);
	addrtab_free(t);
}

static void test_v6_ids(void **state)
{
	struct addrtab *t = addrtab_new(16);
	uint64_t a, b;

	(void)state;
	a = key_of(t, "fd00::1");
	b = key_of(t, "2001:db8::1:0:0:1");
	assert_true(a && b && a != b);
	assert_false((a | b) & ADDRTAB_V4);
	assert_int_equal(key_of(t, "fd00::1"), a);
	assert_true(key_is(t, a, "fd00::1"));
	assert_true(key_is(t, b, "2001:db8::1:0:0:1"));
	addrtab_free(t);
}

static void test_full_refuses_new_only(void **state)
{
	struct addrtab *t = addrtab_new(2);
	uint8_t b[16];
	uint64_t k, a = key_of(t, "fd00::1");

	(void)state;
	key_of(t, "fd00::2");
	inet_pton(AF_INET6, "fd00::3", b);
	assert_int_equal(addrtab_key(t, b, &k), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(k, 0);
	assert_int_equal(addrtab_refused(t), 1);
	assert_int_equal(key_of(t, "fd00::1"), a);
	assert_int_equal(key_of(t, "::ffff:1.2.3.4") & ADDRTAB_V4, ADDRTAB_V4);
	addrtab_free(t);
}

#define RACERS 4
#define ADDRS 500

struct racer {
	pthread_t tid;
	struct addrtab *t;
	pthread_barrier_t *go;
	uint64_t keys[ADDRS];
};

/* Interns fd00::<i> for every i, after the others are ready. */
static void *race(void *arg)
{
	struct racer *r = arg;
	uint8_t b[16] = { 0xfd };

	pthread_barrier_wait(r->go);
	for (int i = 0; i < ADDRS; i++) {
		b[14] = i >> 8;
		b[15] = i & 0xff;
		if (addrtab_key(r->t, b, &r->keys[i]))
			r->keys[i] = UINT64_MAX;
	}
	return NULL;
}

static void test_threads_agree(void **state)
{
	struct addrtab *t = addrtab_new(ADDRS);
	static struct racer r[RACERS];
	pthread_barrier_t go;

	(void)state;
	pthread_barrier_init(&go, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		r[i].t = t;
		r[i].go = &go;
		assert_int_equal(pthread_create(&r[i].tid, NULL, race, &r[i]),
				 0);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(r[i].tid, NULL);
	pthread_barrier_destroy(&go);
	for (int i = 0; i < ADDRS; i++) {
		assert_true(r[0].keys[i] != UINT64_MAX);
		for (int j = 1; j < RACERS; j++)
			assert_int_equal(r[j].keys[i], r[0].keys[i]);
		for (int j = 0; j < i; j++)
			assert_true(r[0].keys[j] != r[0].keys[i]);
	}
	addrtab_free(t);
}

/* The process-wide table (whose lookups each thread remembers by the
 * address's last byte): addresses sharing a last byte keep their own ids,
 * asked again in any order. */
static void test_process_table(void **state)
{
	struct addrtab *t = addrtab_labels();
	uint64_t a = key_of(t, "fd00::1"), b = key_of(t, "fd01::1");

	(void)state;
	assert_true(a && b && a != b);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(key_of(t, "fd01::1"), b);
		assert_int_equal(key_of(t, "fd00::1"), a);
	}
	assert_true(key_is(t, a, "fd00::1"));
	assert_true(key_is(t, b, "fd01::1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_without_table),
		cmocka_unit_test(test_v6_ids),
		cmocka_unit_test(test_full_refuses_new_only),
		cmocka_unit_test(test_threads_agree),
		cmocka_unit_test(test_process_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
