/* Unit tests of pkg/causes: the window arithmetic with synthetic snapshots
 * (steady rate exact, decay to 0 within a window, dominant selection,
 * clamping at 0, counter resets), and the whole module over real kfree_skb
 * formats from tests/fixtures/events (6.18 with drop reasons: unmapped and
 * unknown codes count as other; 5.10 without: heuristics only, or
 * causes.locations by the running kernel's kallsyms), and heuristics that
 * fall back to their next probe. Run from the repo root.
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

/* The causes of yaml (whose probes are all on kfree_skb) over ncpus CPU
 * shards, probe 0 capped at cap; the probes named in down[] are down. */
static struct env *env_new_yaml(const char *kernel, const char *yaml,
				int ncpus, unsigned cap, const char *const *down)
{
	struct env *e = calloc(1, sizeof(*e));
	unsigned caps[8] = { cap };
	int n;

	assert_non_null(e);
	e->cfg = config_parse("t.yaml", yaml, stderr);
	assert_non_null(e->cfg);
	n = config_probe_count(e->cfg);
	e->tep = fixture_tep(kernel);
	e->parser = parser_new(e->tep, e->cfg);
	assert_non_null(e->parser);
	e->m = metrics_new(n, caps, ncpus);
	assert_non_null(e->m);
	e->up = pstate_new(n);
	assert_non_null(e->up);
	for (int i = 0; i < n; i++)
		pstate_set(e->up, i, NULL);
	for (; down && *down; down++)
		pstate_set(e->up, config_probe_index(e->cfg, *down), "refused");
	e->c = causes_new(e->cfg, e->parser, e->m, e->up);
	assert_non_null(e->c);
	return e;
}

/* The causes over ncpus CPU shards, the drops probe capped at cap. */
static struct env *env_new_sized(const char *kernel, int ncpus, unsigned cap)
{
	return env_new_yaml(kernel, causes_yaml, ncpus, cap, NULL);
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

/* ---- issue 10: locations and heuristics with fallbacks ---------------- */

/* causes_yaml with locations: where no reason is given, nf_hook_slow is
 * policy and __udp4_lib_rcv no_listener; congestion is new here. */
static const char locations_yaml[] =
	"probes:\n"
	"  - name: drops\n"
	"    tracepoint: skb:kfree_skb\n"
	"    labels: [location, reason]\n"
	"    metric: ftrace_drops_total\n"
	"causes:\n"
	"  window_seconds: 5\n"
	"  classes:\n"
	"    no_listener: [NO_SOCKET]\n"
	"    policy: [NETFILTER_DROP]\n"
	"  locations:\n"
	"    policy: [nf_hook_slow]\n"
	"    no_listener: [__udp4_lib_rcv]\n"
	"    congestion: [enqueue_to_backlog]\n";

/* The address of a kernel text symbol in the running kernel's kallsyms
 * (the parser names addresses from it), 0 when hidden or absent. */
static uint64_t ksym(const char *want)
{
	char line[512], sym[256], type;
	unsigned long long addr, found = 0;
	FILE *f = fopen("/proc/kallsyms", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 &&
		    !strcmp(sym, want) && strchr("tT", type))
			found = addr;
	if (f)
		fclose(f);
	return found;
}

struct sites {
	uint64_t nf, udp, backlog, tcp;	/* tcp_v4_rcv: not listed */
};

/* Skips the test when kallsyms hides the addresses it needs. */
static void sites_get(struct sites *s)
{
	s->nf = ksym("nf_hook_slow");
	s->udp = ksym("__udp4_lib_rcv");
	s->backlog = ksym("enqueue_to_backlog");
	s->tcp = ksym("tcp_v4_rcv");
	if (!s->nf || !s->udp || !s->backlog || !s->tcp)
		skip();
}

/* 5.10: no reason, a %p location. Every drop is classified by the function
 * it was dropped in, whatever the offset; unlisted functions are other.
 * Two ticks: the second is answered from the per-address cache. */
static void test_locations_5_10(void **state)
{
	struct env *e = env_new_yaml("5.10", locations_yaml, 1, 100, NULL);
	struct sites a;
	double r[8];

	(void)state;
	sites_get(&a);
	assert_false(causes_have_reasons(e->c));
	assert_true(causes_have_locations(e->c));
	assert_int_equal(causes_size(e->c), 4);
	assert_string_equal(causes_name(e->c, 2), "congestion");
	causes_tick(e->c, 0);
	drops(e, 0, a.nf + 0x10, 100);
	drops(e, 0, a.nf + 0x20, 20);
	drops(e, 0, a.udp + 0x8, 50);
	drops(e, 0, a.backlog + 0x4, 10);
	drops(e, 0, a.tcp + 0x8, 30);
	causes_tick(e->c, 1);
	causes_rates(e->c, 1, r);
	assert_true(r[cause(e->c, "policy")] == 120);
	assert_true(r[cause(e->c, "no_listener")] == 50);
	assert_true(r[cause(e->c, "congestion")] == 10);
	assert_true(r[cause(e->c, "other")] == 30);
	drops(e, 0, a.nf + 0x10, 80);
	drops(e, 0, a.tcp + 0x8, 10);
	causes_tick(e->c, 2);
	causes_rates(e->c, 2, r);
	assert_true(r[cause(e->c, "policy")] == 100);
	assert_true(r[cause(e->c, "other")] == 20);
	env_free(e);
}

/* Many distinct addresses (the cache grows past its first 64 slots): each
 * still in its function's cause. */
static void test_locations_many(void **state)
{
	struct env *e = env_new_yaml("5.10", locations_yaml, 1, 1000, NULL);
	struct sites a;
	double r[8];

	(void)state;
	sites_get(&a);
	causes_tick(e->c, 0);
	for (int i = 0; i < 40; i++) {
		drops(e, 0, a.nf + i, 1);
		drops(e, 0, a.udp + i, 2);
		drops(e, 0, a.tcp + i, 3);
	}
	causes_tick(e->c, 1);
	causes_tick(e->c, 2);	/* all from the cache: no change */
	causes_rates(e->c, 2, r);
	assert_true(r[cause(e->c, "policy")] == 20);
	assert_true(r[cause(e->c, "no_listener")] == 40);
	assert_true(r[cause(e->c, "other")] == 60);
	env_free(e);
}

/* 6.18: the kernel's reason wins (NO_SOCKET at nf_hook_slow is
 * no_listener); only NOT_SPECIFIED (2) drops are classified by location;
 * an unmapped reason (SOCKET_CLOSE, 4) stays other wherever it was. */
static void test_locations_6_18(void **state)
{
	struct env *e = env_new_yaml("6.18", locations_yaml, 1, 100, NULL);
	struct sites a;
	double r[8];

	(void)state;
	sites_get(&a);
	assert_true(causes_have_reasons(e->c));
	assert_true(causes_have_locations(e->c));
	causes_tick(e->c, 0);
	drops(e, 3, a.nf, 7);
	drops(e, 2, a.nf, 11);
	drops(e, 2, a.backlog, 13);
	drops(e, 2, a.tcp, 17);
	drops(e, 4, a.nf, 19);
	drops(e, 12, a.tcp, 23);
	causes_tick(e->c, 1);
	causes_rates(e->c, 1, r);
	assert_true(r[cause(e->c, "no_listener")] == 7);
	assert_true(r[cause(e->c, "policy")] == 11 + 23);
	assert_true(r[cause(e->c, "congestion")] == 13);
	assert_true(r[cause(e->c, "other")] == 17 + 19);
	env_free(e);
}

/* causes_cause_of(), the rule on label values (`diagnose` reads them from
 * /metrics): the reason's class wins; a drop without a reason or with
 * NOT_SPECIFIED goes by its location when locations are in use (location
 * not NULL); everything else is other. */
static void test_cause_of_labels(void **state)
{
	static const char yaml[] =
		"probes:\n"
		"  - {name: drops, tracepoint: skb:kfree_skb, "
		"labels: [reason, location]}\n"
		"causes:\n"
		"  classes:\n"
		"    no_listener: [NO_SOCKET]\n"
		"  locations:\n"
		"    policy: [nf_hook_slow]\n";
	struct config *cfg = config_parse("t.yaml", yaml, stderr);

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(causes_cause_of(cfg, "NO_SOCKET", "nf_hook_slow"),
			    "no_listener");
	assert_string_equal(causes_cause_of(cfg, "NOT_SPECIFIED",
					    "nf_hook_slow"), "policy");
	assert_string_equal(causes_cause_of(cfg, NULL, "nf_hook_slow"),
			    "policy");
	assert_string_equal(causes_cause_of(cfg, "NOT_SPECIFIED", "foo"),
			    CAUSES_OTHER);
	assert_string_equal(causes_cause_of(cfg, "NOT_SPECIFIED", NULL),
			    CAUSES_OTHER);
	assert_string_equal(causes_cause_of(cfg, "TCP_CLOSE", "nf_hook_slow"),
			    CAUSES_OTHER);
	assert_string_equal(causes_cause_of(cfg, NULL, NULL), CAUSES_OTHER);
	config_free(cfg);
}

/* Probes for the fallback tests: a and b stand for a function probe and
 * its tracepoint fallback, c and d likewise for the minus side. */
static const char fallback_yaml[] =
	"probes:\n"
	"  - {name: drops, tracepoint: skb:kfree_skb, labels: [reason]}\n"
	"  - {name: a, tracepoint: skb:kfree_skb}\n"
	"  - {name: b, tracepoint: skb:kfree_skb}\n"
	"  - {name: c, tracepoint: skb:kfree_skb}\n"
	"  - {name: d, tracepoint: skb:kfree_skb}\n"
	"causes:\n"
	"  heuristics:\n"
	"    - cause: deficit\n"
	"      probe: [a, b]\n"
	"      minus: [c, d]\n"
	"    - cause: retransmits\n"
	"      probe: [a, b]\n";

/* Hits of probes 1..4: a=1000, b=300, c=400, d=100 per tick. */
static void fallback_hits(struct env *e)
{
	static const int hits[] = { 0, 1000, 300, 400, 100 };
	struct shard *s = metrics_shard(e->m, 0);

	for (int p = 1; p < 5; p++)
		for (int i = 0; i < hits[p]; i++)
			shard_hit(s, p);
}

/* The rates of deficit and retransmits with the probes in down[] down. */
static void fallback_rates(const char *const *down, double *deficit,
			   double *retransmits)
{
	struct env *e = env_new_yaml("6.18", fallback_yaml, 1, 100, down);
	double r[8];

	causes_tick(e->c, 0);
	fallback_hits(e);
	causes_tick(e->c, 1);
	causes_rates(e->c, 1, r);
	*deficit = r[cause(e->c, "deficit")];
	*retransmits = r[cause(e->c, "retransmits")];
	env_free(e);
}

/* The first up probe of each list counts, each list on its own; a
 * heuristic whose list has no up probe is off (0). */
static void test_heuristic_fallbacks(void **state)
{
	static const char *const none[] = { NULL }, *const a[] = { "a", NULL },
		*const ac[] = { "a", "c", NULL },
		*const cd[] = { "c", "d", NULL },
		*const ab[] = { "a", "b", NULL };
	double def, rtx;

	(void)state;
	fallback_rates(none, &def, &rtx);
	assert_true(def == 600 && rtx == 1000);		/* a - c */
	fallback_rates(a, &def, &rtx);
	assert_true(def == 0 && rtx == 300);		/* b - c, clamped */
	fallback_rates(ac, &def, &rtx);
	assert_true(def == 200 && rtx == 300);		/* b - d */
	fallback_rates(cd, &def, &rtx);
	assert_true(def == 0 && rtx == 1000);		/* minus all down: off */
	fallback_rates(ab, &def, &rtx);
	assert_true(def == 0 && rtx == 0);		/* probe all down: off */
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
		cmocka_unit_test(test_cause_of_labels),
		cmocka_unit_test(test_same_series_on_every_cpu),
		cmocka_unit_test(test_heuristic),
		cmocka_unit_test(test_no_reason_5_10),
		cmocka_unit_test(test_ticker),
		cmocka_unit_test(test_locations_5_10),
		cmocka_unit_test(test_locations_many),
		cmocka_unit_test(test_locations_6_18),
		cmocka_unit_test(test_heuristic_fallbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
