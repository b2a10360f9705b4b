/* Unit tests of pkg/pstate, the probe-state table of one generation: a
 * probe is up, or down with its reason (a copy); the up column is the one
 * the per-event path indexes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pstate/pstate.h"

static void test_new_table_is_all_down(void **state)
{
	struct pstate *t = pstate_new(3);

	(void)state;
	assert_non_null(t);
	assert_int_equal(pstate_count(t), 3);
	for (int i = 0; i < 3; i++) {
		assert_false(pstate_up(t, i));
		assert_string_equal(pstate_why(t, i), "not enabled");
	}
	pstate_free(t);
}

static void test_up_has_no_reason(void **state)
{
	struct pstate *t = pstate_new(2);

	(void)state;
	assert_int_equal(pstate_set(t, 1, NULL), 0);
	assert_true(pstate_up(t, 1));
	assert_null(pstate_why(t, 1));
	assert_false(pstate_up(t, 0));
	pstate_free(t);
}

/* The reason is the table's own copy: the caller's buffer may change. */
static void test_reason_is_copied(void **state)
{
	struct pstate *t = pstate_new(1);
	char why[32] = "filter rejected";

	(void)state;
	assert_int_equal(pstate_set(t, 0, why), 0);
	strcpy(why, "overwritten");
	assert_false(pstate_up(t, 0));
	assert_string_equal(pstate_why(t, 0), "filter rejected");
	pstate_free(t);
}

/* A second set replaces the reason; up then down then up again. */
static void test_reason_is_replaced(void **state)
{
	struct pstate *t = pstate_new(1);

	(void)state;
	assert_int_equal(pstate_set(t, 0, "first"), 0);
	assert_int_equal(pstate_set(t, 0, "second"), 0);
	assert_string_equal(pstate_why(t, 0), "second");
	assert_int_equal(pstate_set(t, 0, NULL), 0);
	assert_true(pstate_up(t, 0));
	assert_null(pstate_why(t, 0));
	assert_int_equal(pstate_set(t, 0, "third"), 0);
	assert_false(pstate_up(t, 0));
	assert_string_equal(pstate_why(t, 0), "third");
	pstate_free(t);
}

/* The up column is live: it follows every set, at the same address. */
static void test_up_flags_column(void **state)
{
	struct pstate *t = pstate_new(3);
	const bool *up = pstate_up_flags(t);

	(void)state;
	pstate_set(t, 0, NULL);
	pstate_set(t, 1, "down");
	pstate_set(t, 2, NULL);
	assert_ptr_equal(pstate_up_flags(t), up);
	assert_true(up[0] && !up[1] && up[2]);
	pstate_set(t, 2, "gone");
	assert_false(up[2]);
	pstate_free(t);
}

static void test_empty_table(void **state)
{
	struct pstate *t = pstate_new(0);

	(void)state;
	assert_non_null(t);
	assert_int_equal(pstate_count(t), 0);
	assert_non_null(pstate_up_flags(t));
	pstate_free(t);
	pstate_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_table_is_all_down),
		cmocka_unit_test(test_up_has_no_reason),
		cmocka_unit_test(test_reason_is_copied),
		cmocka_unit_test(test_reason_is_replaced),
		cmocka_unit_test(test_up_flags_column),
		cmocka_unit_test(test_empty_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
