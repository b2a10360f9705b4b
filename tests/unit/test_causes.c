/* Unit tests of pkg/causes: the window arithmetic with synthetic snapshots
 * (steady rate exact, decay to 0 within a window, dominant selection,
 * clamping at 0, counter resets), and the whole module over real kfree_skb
 * formats from tests/fixtures/events (6.18 with drop reasons: unmapped and
 * unknown codes count as other; 5.10 without: heuristics only). Run from
 * the repo root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event-parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "causes/causes.h"
#include "fixture_tep.h"

#define EPS 1e-9

/* ---- window ---------------------------------------------------------- */

/* Pushes snapshots at times t[0..n) with counts rate * t (cause 0) and
 * 2 * rate * t (cause 1). */
static void push_steady(struct causes_window *w, const double *t, int n,
			double rate)
{
	struct causes_input in[2] = { { 0 } };

	for (int i = 0; i < n; i++) {
		in[0].plus = (uint64_t)(rate * t[i] + 0.5);
		in[1].plus = (uint64_t)(2 * rate * t[i] + 0.5);
		causes_window_push(w, t[i], in);
	}
}

static void test_steady_exact(void **state)
{
	/* Ticks are late by varying amounts: the real times make it exact. */
	double t[] = { 0, 1.01, 2.03, 3.0, 4.2, 5.05, 6.001, 7.5, 8.02, 9.1 };
	struct causes_window *w = causes_window_new(2, 5);
	double rates[2];

	(void)state;
	assert_non_null(w);
	push_steady(w, t, 10, 1000);
	causes_window_rates(w, 9.5, rates);
	assert_true(rates[0] > 1000 - EPS && rates[0] < 1000 + EPS);
	assert_true(rates[1] > 2000 - EPS && rates[1] < 2000 + EPS);
	causes_window_free(w);
}

static void test_empty_is_zero(void **state)
{
	struct causes_window *w = causes_window_new(1, 3);
	struct causes_input in = { 500, 0 };
	double r = -1;

	(void)state;
	causes_window_rates(w, 1.0, &r);
	assert_true(r == 0);
	causes_window_push(w, 1.0, &in);
	causes_window_rates(w, 1.5, &r);	/* one snapshot: no rate yet */
	assert_true(r == 0);
	causes_window_push(w, 1.0, &in);
	causes_window_rates(w, 1.5, &r);	/* no time passed */
	assert_true(r == 0);
	causes_window_free(w);
}

/* Drops at 100/s until t = 10, none after: non-zero just before a window
 * has passed, exactly 0 once it has. */
static void test_decay(void **state)
{
	struct causes_window *w = causes_window_new(1, 5);
	struct causes_input in = { 0, 0 };
	double r;

	(void)state;
	for (int s = 0; s <= 20; s++) {
		in.plus = 100ULL * (s < 10 ? s : 10);
		causes_window_push(w, s, &in);
		if (s == 14) {
			causes_window_rates(w, 14.0, &r);
			assert_true(r > 0);
		}
		if (s == 15) {
			causes_window_rates(w, 15.0, &r);
			assert_true(r == 0);
		}
	}
	causes_window_rates(w, 20.7, &r);
	assert_true(r == 0);
	causes_window_free(w);
}

/* rate(probe) - rate(minus), clamped at 0; a counter that goes back (a
 * reset) counts as no growth, never as a negative rate. */
static void test_clamp(void **state)
{
	struct causes_window *w = causes_window_new(3, 2);
	struct causes_input a[3] = { { 0, 0 }, { 0, 0 }, { 1000, 0 } };
	struct causes_input b[3] = { { 100, 300 }, { 300, 100 }, { 10, 0 } };
	double r[3];

	(void)state;
	causes_window_push(w, 0, a);
	causes_window_push(w, 1, b);
	causes_window_rates(w, 1.0, r);
	assert_true(r[0] == 0);
	assert_true(r[1] > 200 - EPS && r[1] < 200 + EPS);
	assert_true(r[2] == 0);
	causes_window_free(w);
}

static void test_dominant(void **state)
{
	double none[] = { 0, 0, 0 }, two[] = { 0, 5, 7, 7 }, one[] = { 3 };

	(void)state;
	assert_int_equal(causes_dominant(none, 3), -1);
	assert_int_equal(causes_dominant(two, 4), 2);
	assert_int_equal(causes_dominant(one, 1), 0);
	assert_int_equal(causes_dominant(one, 0), -1);
	assert_null(causes_window_new(0, 5));
	assert_null(causes_window_new(1, 0));
}

/* ---- the whole module over real event formats ------------------------- */

struct env {
	struct config *cfg;
	struct tep_handle *tep;
	struct parser *parser;
	struct metrics *m;
	struct pstate *up;
	struct causes *c;
};

/* A tep holding the fixture kernel's header page and kfree_skb format. */
static struct tep_handle *fixture_tep(const char *kernel)
{
	struct tep_handle *tep = fixture_tep_new(kernel);

	fixture_load_event(tep, kernel, "skb_kfree_skb", "skb");
	return tep;
}

/* Probe 0: drops by reason; 1 and 2: plain counts for a heuristic. */
static const char causes_yaml[] =
	"probes:\n"
	"  - name: drops\n"
	"    tracepoint: skb:kfree_skb\n"
	"    labels: [location, reason]\n"
	"    metric: ftrace_drops_total\n"
	"  - name: sent\n"
	"    tracepoint: skb:kfree_skb\n"
	"  - name: seen\n"
	"    tracepoint: skb:kfree_skb\n"
	"causes:\n"
	"  window_seconds: 5\n"
	"  classes:\n"
	"    no_listener: [NO_SOCKET]\n"
	"    policy: [NETFILTER_DROP]\n"
	"  heuristics:\n"
	"    - cause: deficit\n"
	"      probe: sent\n"
	"      minus: seen\n";

/* The causes over ncpus CPU shards, the drops probe capped at cap. */
static struct env *env_new_sized(const char *kernel, int ncpus, unsigned cap)
{
	struct env *e = calloc(1, sizeof(*e));
	unsigned caps[3] = { cap, 0, 0 };

	assert_non_null(e);
	e->cfg = config_parse("t.yaml", causes_yaml, stderr);
	assert_non_null(e->cfg);
	e->tep = fixture_tep(kernel);
	e->parser = parser_new(e->tep, e->cfg);
	assert_non_null(e->parser);
	e->m = metrics_new(3, caps, ncpus);
	assert_non_null(e->m);
	e->up = pstate_new(3);
	assert_non_null(e->up);
	for (int i = 0; i < 3; i++)
		pstate_set(e->up, i, NULL);
	e->c = causes_new(e->cfg, e->parser, e->m, e->up);
	assert_non_null(e->c);
	return e;
}

static struct env *env_new(const char *kernel)
{
	return env_new_sized(kernel, 1, 100);
}

static void env_free(struct env *e)
{
	causes_free(e->c);
	pstate_free(e->up);
	metrics_free(e->m);
	parser_free(e->parser);
	tep_free(e->tep);
	config_free(e->cfg);
	free(e);
}

/* Adds n drops of raw reason code at location loc on CPU cpu. */
static void drops_on(struct env *e, int cpu, uint64_t code, uint64_t loc,
		     int n)
{
	struct series_key k = { 0 };
	struct shard *s = metrics_shard(e->m, cpu);

	k.v[0].num = loc;
	k.v[1].num = code;
	for (int i = 0; i < n; i++) {
		shard_hit(s, 0);
		shard_series_add(s, 0, &k);
	}
}

/* Adds n drops of raw reason code at location loc on CPU 0. */
static void drops(struct env *e, uint64_t code, uint64_t loc, int n)
{
	drops_on(e, 0, code, loc, n);
}

static int cause(const struct causes *c, const char *name)
{
	for (int i = 0; i < causes_size(c); i++)
		if (!strcmp(causes_name(c, i), name))
			return i;
	fail_msg("no cause %s", name);
	return -1;
}

/* On 6.18 NO_SOCKET is 3, NETFILTER_DROP 12 and NOT_SPECIFIED 2 (unmapped
 * here); 9999 is no reason at all. Both of the last two count as other. */
static void test_reasons_6_18(void **state)
{
	struct env *e = env_new("6.18");
	double r[8];

	(void)state;
	assert_true(causes_have_reasons(e->c));
	assert_int_equal(causes_size(e->c), 4);
	assert_string_equal(causes_name(e->c, 3), "other");
	causes_tick(e->c, 0);
	drops(e, 3, 0x1000, 300);
	drops(e, 3, 0x2000, 100);	/* another location, same reason */
	drops(e, 12, 0x1000, 50);
	drops(e, 2, 0x1000, 20);
	drops(e, 9999, 0x1000, 10);
	causes_tick(e->c, 1);
	drops(e, 3, 0x1000, 400);
	causes_tick(e->c, 2);
	causes_rates(e->c, 2.5, r);
	assert_true(r[cause(e->c, "no_listener")] == 400);
	assert_true(r[cause(e->c, "policy")] == 25);
	assert_true(r[cause(e->c, "other")] == 15);
	assert_true(r[cause(e->c, "deficit")] == 0);
	assert_int_equal(causes_dominant(r, 4), cause(e->c, "no_listener"));
	env_free(e);
}

/* Item 12 of issue 8: drops of one reason at one location on both CPUs are
 * one series against the cap, so with a cap of 1 they all count in their
 * cause and none in "other" (which takes the drops over the cap). */
static void test_same_series_on_every_cpu(void **state)
{
	struct env *e = env_new_sized("6.18", 2, 1);
	double r[8];

	(void)state;
	causes_tick(e->c, 0);
	drops_on(e, 0, 3, 0x1000, 30);
	drops_on(e, 1, 3, 0x1000, 70);
	causes_tick(e->c, 1);
	causes_rates(e->c, 1.5, r);
	assert_true(r[cause(e->c, "no_listener")] == 100);
	assert_true(r[cause(e->c, "other")] == 0);
	env_free(e);
}

/* Heuristic: rate(sent) - rate(seen), clamped at 0. */
static void test_heuristic(void **state)
{
	struct env *e = env_new("6.18");
	struct shard *s = metrics_shard(e->m, 0);
	double r[8];

	(void)state;
	causes_tick(e->c, 0);
	for (int i = 0; i < 500; i++)
		shard_hit(s, 1);
	for (int i = 0; i < 200; i++)
		shard_hit(s, 2);
	causes_tick(e->c, 2);
	causes_rates(e->c, 2, r);
	assert_true(r[cause(e->c, "deficit")] == 150);
	for (int i = 0; i < 600; i++)
		shard_hit(s, 2);
	causes_tick(e->c, 4);
	causes_rates(e->c, 4, r);
	assert_true(r[cause(e->c, "deficit")] == 0);
	env_free(e);
}

/* Linux 5.10 has no `reason`: drops feed no class, heuristics still work. */
static void test_no_reason_5_10(void **state)
{
	struct env *e = env_new("5.10");
	struct shard *s = metrics_shard(e->m, 0);
	double r[8];

	(void)state;
	assert_false(causes_have_reasons(e->c));
	assert_int_equal(causes_size(e->c), 4);	/* every cause still exported */
	causes_tick(e->c, 0);
	drops(e, 0, 0x1000, 100);
	for (int i = 0; i < 100; i++)
		shard_hit(s, 1);
	causes_tick(e->c, 1);
	causes_rates(e->c, 1, r);
	assert_true(r[cause(e->c, "other")] == 0);
	assert_true(r[cause(e->c, "no_listener")] == 0);
	assert_true(r[cause(e->c, "deficit")] == 100);
	env_free(e);
}

/* The ticker snapshots on its own: rates appear without any causes_tick. */
static void test_ticker(void **state)
{
	struct env *e = env_new("6.18");
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	double r[8];

	(void)state;
	assert_int_equal(causes_start(e->c, &lock, NULL, NULL), 0);
	usleep(100 * 1000);
	pthread_mutex_lock(&lock);
	drops(e, 3, 0x1000, 1000);
	pthread_mutex_unlock(&lock);
	usleep(1100 * 1000);	/* the second tick has seen them */
	pthread_mutex_lock(&lock);
	causes_rates(e->c, causes_now(), r);
	pthread_mutex_unlock(&lock);
	assert_true(r[cause(e->c, "no_listener")] > 900);
	assert_true(r[cause(e->c, "no_listener")] < 1100);
	causes_stop(e->c);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_exact),
		cmocka_unit_test(test_empty_is_zero),
		cmocka_unit_test(test_decay),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_dominant),
		cmocka_unit_test(test_reasons_6_18),
		cmocka_unit_test(test_same_series_on_every_cpu),
		cmocka_unit_test(test_heuristic),
		cmocka_unit_test(test_no_reason_5_10),
		cmocka_unit_test(test_ticker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
