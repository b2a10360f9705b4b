/* Unit tests of pkg/pstate, the probe-state table of one generation: a
 * probe is up, or down with its reason (a copy); the up column is the one
 * the per-event path indexes; the way each probe counts, and the way a
 * probe of a reloaded config will count before its generation chooses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pstate/pstate.h"

#define CAPTURE_TYPE struct config
#define CAPTURE_PARSE config_parse
#define CAPTURE_FREE config_free
#define CAPTURE_PATH "t.yaml"
#include "capture.h"

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

/* The mode column: the ring buffer until set, each probe its own, kept
 * whatever the probe's state; the names the log and /metrics use. */
static void test_mode_column(void **state)
{
	struct pstate *t = pstate_new(3);

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(pstate_mode(t, i), PSTATE_RING);
	pstate_set_mode(t, 1, PSTATE_HIST);
	pstate_set(t, 1, NULL);
	pstate_set(t, 2, "down");
	assert_int_equal(pstate_mode(t, 0), PSTATE_RING);
	assert_int_equal(pstate_mode(t, 1), PSTATE_HIST);
	assert_int_equal(pstate_mode(t, 2), PSTATE_RING);
	pstate_set(t, 1, "gone");
	assert_int_equal(pstate_mode(t, 1), PSTATE_HIST);
	assert_string_equal(pstate_mode_name(PSTATE_RING), "ring_buffer");
	assert_string_equal(pstate_mode_name(PSTATE_HIST), "hist");
	assert_string_equal(pstate_mode_name(PSTATE_AUTO), "auto");
	pstate_free(t);
}

/* The config a reload loads after prev's (config_load_after). */
static struct config *load_after(const char *yaml, const struct config *prev)
{
	char path[] = "/tmp/test_pstate_XXXXXX";
	int fd = mkstemp(path);
	struct config *cfg;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (int)strlen(yaml));
	close(fd);
	cfg = config_load_after(path, prev, stderr);
	unlink(path);
	assert_non_null(cfg);
	return cfg;
}

#define AUTO(name) "  - name: " name "\n    tracepoint: skb:kfree_skb\n" \
		   "    mode: auto\n"

/* Before a generation turns them on: count and hist probes count their
 * configured way, an auto probe the way of the up probe it continues, and
 * an auto probe that continues none (new, changed, or its previous down,
 * or no previous generation) is not chosen yet. */
static void test_mode_planned(void **state)
{
	struct config *prev = expect_ok("probes:\n" AUTO("kh") AUTO("kr")
		AUTO("down") AUTO("changed"));
	struct config *next = load_after("probes:\n"
		"  - name: c\n    tracepoint: skb:kfree_skb\n"
		"  - name: h\n    tracepoint: skb:kfree_skb\n    mode: hist\n"
		AUTO("kr") AUTO("kh") AUTO("down") AUTO("new")
		AUTO("changed") "    filter: 'protocol == 8'\n", prev);
	struct pstate *t = pstate_new(4);
	static const enum pstate_mode want[] = {
		PSTATE_RING, PSTATE_HIST, PSTATE_RING, PSTATE_HIST,
		PSTATE_AUTO, PSTATE_AUTO, PSTATE_AUTO,
	};

	(void)state;
	pstate_set_mode(t, 0, PSTATE_HIST);	/* kh: up, by hist */
	pstate_set(t, 0, NULL);
	pstate_set(t, 1, NULL);			/* kr: up, ring buffer */
	pstate_set_mode(t, 2, PSTATE_HIST);	/* down: down */
	pstate_set(t, 2, "refused");
	pstate_set_mode(t, 3, PSTATE_HIST);	/* changed: up, by hist */
	pstate_set(t, 3, NULL);
	for (int j = 0; j < 7; j++)
		assert_int_equal(pstate_mode_planned(next, j, t), want[j]);
	assert_int_equal(pstate_mode_planned(next, 3, NULL), PSTATE_AUTO);
	assert_int_equal(pstate_mode_planned(next, 1, NULL), PSTATE_HIST);
	pstate_free(t);
	config_free(next);
	config_free(prev);
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
		cmocka_unit_test(test_mode_column),
		cmocka_unit_test(test_mode_planned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
