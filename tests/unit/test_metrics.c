/* Unit tests for pkg/metrics: per-CPU shards summed at scrape time, series
 * merged by nothing but their key, the series cap counting distinct series,
 * and writers racing each other and a reader (run under TSan by the
 * sanitizer stage too). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

static struct series_key key_num(uint64_t v)
{
	struct series_key k;

	memset(&k, 0, sizeof(k));
	k.v[0].num = v;
	return k;
}

static void test_hits_summed_over_cpus(void **state)
{
	unsigned caps[2] = { 0, 0 };
	struct metrics *m = metrics_new(2, caps, 4);

	(void)state;
	for (int cpu = 0; cpu < 4; cpu++)
		for (int i = 0; i <= cpu; i++)
			shard_hit(metrics_shard(m, cpu), 1);
	shard_hit(metrics_shard(m, 3), 0);
	assert_int_equal(metrics_hits(m, 1), 1 + 2 + 3 + 4);
	assert_int_equal(metrics_hits(m, 0), 1);
	assert_null(metrics_shard(m, 4));
	metrics_free(m);
}

static void test_events_and_missed_per_cpu(void **state)
{
	unsigned caps[1] = { 0 };
	struct metrics *m = metrics_new(1, caps, 2);

	(void)state;
	shard_events(metrics_shard(m, 1), 7);
	shard_missed(metrics_shard(m, 1), 3);
	shard_parse_error(metrics_shard(m, 0));
	assert_int_equal(metrics_cpu_events(m, 0), 0);
	assert_int_equal(metrics_cpu_events(m, 1), 7);
	assert_int_equal(metrics_cpu_missed(m, 1), 3);
	assert_int_equal(metrics_parse_errors(m), 1);
	metrics_free(m);
}

struct tally {
	uint64_t count[8];
	int series;
};

static void tally(const struct series_key *k, uint64_t count, void *arg)
{
	struct tally *t = arg;

	assert_true(k->v[0].num < 8);
	t->count[k->v[0].num] += count;
	t->series++;
}

static void test_series_per_shard_and_probe(void **state)
{
	unsigned caps[2] = { 10, 10 };
	struct metrics *m = metrics_new(2, caps, 2);
	struct series_key k3 = key_num(3), k5 = key_num(5);
	struct tally t = { 0 };

	(void)state;
	shard_series_add(metrics_shard(m, 0), 0, &k3);
	shard_series_add(metrics_shard(m, 0), 0, &k3);
	shard_series_add(metrics_shard(m, 1), 0, &k3);
	shard_series_add(metrics_shard(m, 1), 0, &k5);
	shard_series_add(metrics_shard(m, 1), 1, &k5);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[3], 3);
	assert_int_equal(t.count[5], 1);
	assert_int_equal(t.series, 3);	/* k3 lives in two shards */
	memset(&t, 0, sizeof(t));
	metrics_series_foreach(m, 1, tally, &t);
	assert_int_equal(t.series, 1);
	assert_int_equal(t.count[5], 1);
	metrics_free(m);
}

static void test_series_cap_counts_dropped(void **state)
{
	unsigned caps[1] = { 2 };
	struct metrics *m = metrics_new(1, caps, 1);
	struct tally t = { 0 };

	(void)state;
	for (uint64_t v = 0; v < 5; v++) {
		struct series_key k = key_num(v);

		shard_series_add(metrics_shard(m, 0), 0, &k);
		shard_series_add(metrics_shard(m, 0), 0, &k);
	}
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.series, 2);
	assert_int_equal(t.count[0] + t.count[1], 4);
	assert_int_equal(metrics_series_dropped(m, 0), 6);
	metrics_free(m);
}

/* Item 12 of issue 8: the same series on every shard is one series against
 * the cap. With a cap of 2, series 0 and 1 on all 8 shards are kept with
 * every event; series 2 is the third distinct one: refused everywhere. */
static void test_same_series_every_shard_counts_once(void **state)
{
	unsigned caps[1] = { 2 };
	struct metrics *m = metrics_new(1, caps, 8);
	struct tally t = { 0 };

	(void)state;
	for (int cpu = 0; cpu < 8; cpu++)
		for (uint64_t v = 0; v < 3; v++) {
			struct series_key k = key_num(v);

			shard_series_add(metrics_shard(m, cpu), 0, &k);
		}
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[0], 8);
	assert_int_equal(t.count[1], 8);
	assert_int_equal(t.count[2], 0);
	assert_int_equal(t.series, 2 * 8);	/* one entry per shard */
	assert_int_equal(metrics_series_dropped(m, 0), 8);
	metrics_free(m);
}

#define RACERS 4
#define RACE_KEYS 8	/* tally's range */
#define RACE_ROUNDS 2000

struct racer {
	struct shard *shard;
	int nkeys, offset;
	pthread_barrier_t *go;
};

/* Adds keys 0..nkeys-1, each once a round, starting at offset: racers
 * reach every key at a different time, and each new key at once. */
static void *racer(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->go);
	for (int n = 0; n < RACE_ROUNDS; n++)
		for (int i = 0; i < r->nkeys; i++) {
			struct series_key k = key_num((i + r->offset) % r->nkeys);

			shard_series_add(r->shard, 0, &k);
		}
	return NULL;
}

/* RACERS threads, one per shard, add nkeys series of a probe capped at cap
 * from a common start; the totals land in *t. */
static struct metrics *race(unsigned cap, int nkeys, struct tally *t)
{
	unsigned caps[1] = { cap };
	struct metrics *m = metrics_new(1, caps, RACERS);
	struct racer r[RACERS];
	pthread_t th[RACERS];
	pthread_barrier_t go;

	pthread_barrier_init(&go, NULL, RACERS);
	for (int c = 0; c < RACERS; c++) {
		r[c] = (struct racer){ metrics_shard(m, c), nkeys, c, &go };
		pthread_create(&th[c], NULL, racer, &r[c]);
	}
	for (int c = 0; c < RACERS; c++)
		pthread_join(th[c], NULL);
	pthread_barrier_destroy(&go);
	metrics_series_foreach(m, 0, tally, t);
	return m;
}

/* Racers creating the same series at once, as many as the cap: all kept,
 * every event counted, nothing dropped. */
static void test_cap_exact_racing_same_series(void **state)
{
	struct tally t = { 0 };
	struct metrics *m = race(RACE_KEYS, RACE_KEYS, &t);

	(void)state;
	for (int v = 0; v < RACE_KEYS; v++)
		assert_int_equal(t.count[v], RACERS * RACE_ROUNDS);
	assert_int_equal(metrics_series_dropped(m, 0), 0);
	metrics_free(m);
}

/* Racers creating more distinct series than the cap: exactly cap of them
 * are kept, each with every one of its events (a series is kept or refused
 * on every shard alike), and the refused ones' events are the dropped. */
static void test_cap_exact_racing_new_series(void **state)
{
	const unsigned cap = 3;
	struct tally t = { 0 };
	struct metrics *m = race(cap, RACE_KEYS, &t);
	unsigned kept = 0;

	(void)state;
	for (int v = 0; v < RACE_KEYS; v++) {
		assert_true(t.count[v] == 0 ||
			    t.count[v] == RACERS * RACE_ROUNDS);
		kept += t.count[v] > 0;
	}
	assert_int_equal(kept, cap);
	assert_int_equal(metrics_series_dropped(m, 0),
			 (RACE_KEYS - cap) * RACERS * RACE_ROUNDS);
	metrics_free(m);
}

static void count_visits(const struct series_key *k, uint64_t count,
			 void *arg)
{
	(void)k;
	(void)count;
	(*(int *)arg)++;
}

/* Minor page faults of this process so far. */
static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Item 13 of issue 8: a walk costs the live series, not the cap times the
 * shards. With a cap of 250,000 on 4 shards and 3 live series, walking the
 * series touches no page of the room left for the rest (a walk over all of
 * it faults in some 200 MiB of zero pages: 50,000 faults). */
static void test_foreach_visits_live_entries_only(void **state)
{
	unsigned caps[2] = { 0, 250000 };
	struct metrics *m = metrics_new(2, caps, 4);
	int visits = 0;
	long faults;

	(void)state;
	assert_non_null(m);
	for (int cpu = 0; cpu < 4; cpu++)
		for (uint64_t v = 0; v < 3; v++) {
			struct series_key k = key_num(v);

			shard_series_add(metrics_shard(m, cpu), 1, &k);
		}
	faults = minor_faults();
	for (int pass = 0; pass < 10; pass++)
		for (int probe = 0; probe < 2; probe++)
			metrics_series_foreach(m, probe, count_visits, &visits);
	assert_true(minor_faults() - faults < 64);
	assert_int_equal(visits, 10 * 4 * 3);
	metrics_free(m);
}

/* Reload: a kept probe's hits, series and dropped move to its new index,
 * per CPU, and keep counting there; the new cap applies; totals carry. */
static void test_carry_to_new_index(void **state)
{
	unsigned old_caps[2] = { 0, 10 }, new_caps[3] = { 10, 0, 1 };
	struct metrics *old = metrics_new(2, old_caps, 2);
	struct metrics *m = metrics_new(3, new_caps, 2);
	struct series_key k3 = key_num(3), k5 = key_num(5);
	struct tally t = { 0 };

	(void)state;
	shard_hit(metrics_shard(old, 1), 1);
	shard_series_add(metrics_shard(old, 0), 1, &k3);
	shard_series_add(metrics_shard(old, 1), 1, &k3);
	shard_series_add(metrics_shard(old, 1), 1, &k5);
	shard_events(metrics_shard(old, 1), 4);
	shard_parse_error(metrics_shard(old, 0));
	metrics_carry(m, 0, old, 1);
	metrics_carry(m, 2, old, 1);	/* cap 1: k3 (one series in two
					 * shards) kept, k5's event dropped */
	metrics_carry_totals(m, old);
	shard_series_add(metrics_shard(m, 1), 0, &k5);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[3], 2);
	assert_int_equal(t.count[5], 2);
	assert_int_equal(metrics_hits(m, 0), 1);
	assert_int_equal(metrics_hits(m, 1), 0);
	assert_int_equal(metrics_series_dropped(m, 2), 1);
	memset(&t, 0, sizeof(t));
	metrics_series_foreach(m, 2, tally, &t);
	assert_int_equal(t.count[3], 2);
	assert_int_equal(t.count[5], 0);
	assert_int_equal(metrics_cpu_events(m, 1), 4);
	assert_int_equal(metrics_parse_errors(m), 1);
	metrics_free(old);
	metrics_free(m);
}

/* Reload keeps distinct counting: series 3 and 5, each in both shards of
 * the old metrics, are 2 series against the new cap of 2, not 4; a third
 * series after the reload is over the cap on any shard. */
static void test_carry_counts_distinct(void **state)
{
	unsigned caps[1] = { 2 };
	struct metrics *old = metrics_new(1, caps, 2);
	struct metrics *m = metrics_new(1, caps, 2);
	struct series_key k3 = key_num(3), k5 = key_num(5), k7 = key_num(7);
	struct tally t = { 0 };

	(void)state;
	for (int cpu = 0; cpu < 2; cpu++) {
		shard_series_add(metrics_shard(old, cpu), 0, &k3);
		shard_series_add(metrics_shard(old, cpu), 0, &k5);
	}
	metrics_carry(m, 0, old, 0);
	assert_int_equal(metrics_series_dropped(m, 0), 0);
	shard_series_add(metrics_shard(m, 0), 0, &k5);
	shard_series_add(metrics_shard(m, 1), 0, &k7);
	shard_series_add(metrics_shard(m, 0), 0, &k7);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[3], 2);
	assert_int_equal(t.count[5], 3);
	assert_int_equal(t.count[7], 0);
	assert_int_equal(metrics_series_dropped(m, 0), 2);
	metrics_free(old);
	metrics_free(m);
}

/* The hist shard holds absolute counts (set, not added) and is summed with
 * the CPU shards; a new series over the cap is refused. */
static void test_hist_shard_is_absolute(void **state)
{
	unsigned caps[1] = { 1 };
	struct metrics *m = metrics_new(1, caps, 2);
	struct shard *h = metrics_hist_shard(m);
	struct series_key k3 = key_num(3), k5 = key_num(5);
	struct tally t = { 0 };

	(void)state;
	assert_ptr_not_equal(h, metrics_shard(m, 0));
	assert_ptr_not_equal(h, metrics_shard(m, 1));
	shard_hits_set(h, 0, 10);
	shard_hits_set(h, 0, 12);
	shard_hit(metrics_shard(m, 1), 0);
	assert_true(shard_series_set(h, 0, &k3, 7));
	assert_true(shard_series_set(h, 0, &k3, 9));
	assert_false(shard_series_set(h, 0, &k5, 1));
	shard_dropped_set(h, 0, 1);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[3], 9);
	assert_int_equal(metrics_hits(m, 0), 13);
	assert_int_equal(metrics_series_dropped(m, 0), 1);
	metrics_free(m);
}

/* The hist shard's series and the CPU shards' are one set against the cap:
 * a series the kernel's hist holds and a reader also saw counts once. */
static void test_hist_shard_counts_distinct(void **state)
{
	unsigned caps[1] = { 2 };
	struct metrics *m = metrics_new(1, caps, 2);
	struct shard *h = metrics_hist_shard(m);
	struct series_key k3 = key_num(3), k5 = key_num(5), k7 = key_num(7);
	struct tally t = { 0 };

	(void)state;
	shard_series_add(metrics_shard(m, 0), 0, &k3);
	shard_series_add(metrics_shard(m, 1), 0, &k5);
	assert_true(shard_series_set(h, 0, &k3, 4));
	assert_true(shard_series_set(h, 0, &k5, 6));
	assert_false(shard_series_set(h, 0, &k7, 1));
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[3], 5);
	assert_int_equal(t.count[5], 7);
	assert_int_equal(t.series, 4);
	metrics_free(m);
}

#define RACE_EVENTS 200000

static void *writer(void *arg)
{
	struct shard *s = arg;

	for (int i = 0; i < RACE_EVENTS; i++) {
		struct series_key k = key_num(i % 4);

		shard_hit(s, 0);
		shard_series_add(s, 0, &k);
	}
	return NULL;
}

/* Two writers, one per shard, while this thread keeps scraping: every
 * scrape sees a total that only grows, and the end result is exact. */
static void test_writers_race_scraper(void **state)
{
	unsigned caps[1] = { 16 };
	struct metrics *m = metrics_new(1, caps, 2);
	pthread_t th[2];
	uint64_t last = 0, now;
	struct tally end = { 0 };

	(void)state;
	for (int c = 0; c < 2; c++)
		pthread_create(&th[c], NULL, writer, metrics_shard(m, c));
	do {
		struct tally t = { 0 };

		now = metrics_hits(m, 0);
		assert_true(now >= last);
		last = now;
		metrics_series_foreach(m, 0, tally, &t);
	} while (now < 2 * RACE_EVENTS);
	for (int c = 0; c < 2; c++)
		pthread_join(th[c], NULL);
	metrics_series_foreach(m, 0, tally, &end);
	for (int v = 0; v < 4; v++)
		assert_int_equal(end.count[v], 2 * RACE_EVENTS / 4);
	metrics_free(m);
}

static void add(struct metrics *m, int cpu, uint64_t v)
{
	struct series_key k = key_num(v);

	shard_series_add(metrics_shard(m, cpu), 0, &k);
}

/* Issue 11 item 4: a series idle for the probe's time leaves the walks on
 * every CPU and frees its unit of the cap, so a new series then fits; one
 * hit meanwhile stays. */
static void test_idle_series_expire_and_free_cap(void **state)
{
	unsigned caps[1] = { 2 };
	struct metrics *m = metrics_new(1, caps, 2);
	struct tally t = { 0 };

	(void)state;
	add(m, 0, 0);
	add(m, 1, 0);
	add(m, 0, 1);
	metrics_expire(m, 0, 100, 10);
	add(m, 1, 1);			/* 1 busy at 105, 0 idle */
	metrics_expire(m, 0, 105, 10);
	metrics_expire(m, 0, 110, 10);
	assert_int_equal(metrics_series_live(m, 0), 1);
	assert_int_equal(metrics_series_expired(m, 0), 1);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[0], 0);
	assert_int_equal(t.count[1], 2);
	add(m, 0, 2);			/* fits: the cap counts live series */
	add(m, 1, 3);			/* over the cap */
	memset(&t, 0, sizeof(t));
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[2], 1);
	assert_int_equal(t.count[3], 0);
	assert_int_equal(metrics_series_dropped(m, 0), 1);
	assert_int_equal(metrics_series_live(m, 0), 2);
	metrics_free(m);
}

/* An expired series that comes back starts from 0, on a CPU whose writer
 * had freed its entry and on one whose page did not end since (its dead
 * entry is found stale by the lookup, not reused). idle 0 never expires. */
static void test_expired_series_restarts_from_zero(void **state)
{
	unsigned caps[1] = { 4 };
	struct metrics *m = metrics_new(1, caps, 2);
	struct tally t = { 0 };

	(void)state;
	for (int i = 0; i < 5; i++) {
		add(m, 0, 1);
		add(m, 1, 1);
	}
	metrics_expire(m, 0, 0, 0);
	metrics_expire(m, 0, 1000, 0);
	assert_int_equal(metrics_series_expired(m, 0), 0);
	metrics_expire(m, 0, 1000, 1);
	metrics_expire(m, 0, 1001, 1);
	shard_events(metrics_shard(m, 0), 0);	/* CPU 0's page ends */
	add(m, 0, 1);
	add(m, 1, 2);			/* CPU 1 looks 1 up, not in last[] */
	add(m, 1, 1);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[1], 2);
	assert_int_equal(t.count[2], 1);
	assert_int_equal(t.series, 3);
	assert_int_equal(metrics_series_live(m, 0), 2);
	metrics_free(m);
}

/* An event counted through the writer's last-hit cache after the expiry
 * side's last look and before the writer freed the entry is not lost: the
 * end of the page counts it into the series anew. */
static void test_event_racing_expiry_counted(void **state)
{
	unsigned caps[1] = { 4 };
	struct metrics *m = metrics_new(1, caps, 1);
	struct tally t = { 0 };

	(void)state;
	add(m, 0, 5);
	metrics_expire(m, 0, 0, 1);
	metrics_expire(m, 0, 2, 1);
	add(m, 0, 5);			/* into the dead entry, via last[] */
	add(m, 0, 5);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.series, 0);	/* not shown until the page ends */
	shard_events(metrics_shard(m, 0), 2);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[5], 2);
	assert_int_equal(t.series, 1);
	assert_int_equal(metrics_series_live(m, 0), 1);
	metrics_free(m);
}

/* Churn: a new series every round, each expired a little later. Dormant
 * slots are reused and freed entries taken again, so nothing is refused
 * over 100 times the cap's worth of series, and the cap never overflows. */
static void test_churn_reuses_room(void **state)
{
	unsigned caps[1] = { 4 };
	struct metrics *m = metrics_new(1, caps, 2);

	(void)state;
	for (uint64_t r = 0; r < 400; r++) {
		struct series_key k = key_num(1000 + r);

		shard_series_add(metrics_shard(m, r % 2), 0, &k);
		metrics_expire(m, 0, (double)r, 2);
		shard_events(metrics_shard(m, 0), 0);
		assert_true(metrics_series_live(m, 0) <= 4);
	}
	assert_int_equal(metrics_series_dropped(m, 0), 0);
	assert_true(metrics_series_expired(m, 0) >= 390);
	metrics_free(m);
}

/* The longest run of slots a lookup of a key not in set may walk: from a
 * slot to the next empty one. */
static uint32_t set_longest_walk(const struct series_set *set)
{
	uint32_t longest = 0;

	for (uint32_t h = 0; h <= set->mask; h++) {
		uint32_t n = 0;

		while (n <= set->mask &&
		       TAG_STATE(set->slots[(h + n) & set->mask].tag) !=
		       SLOT_EMPTY)
			n++;
		if (n > longest)
			longest = n;
	}
	return longest;
}

/* Long churn (16000 series through a cap of 64, each idle 3 ticks), then
 * the cap full: dormant slots at the end of chains are emptied again, so
 * a new (refused) key's lookup walks a short run, not the whole table. */
static void test_churn_keeps_chains_short(void **state)
{
	unsigned caps[1] = { 64 };
	struct metrics *m = metrics_new(1, caps, 1);
	struct shard *s = metrics_shard(m, 0);

	(void)state;
	for (uint64_t r = 0; r < 16000; r++) {
		struct series_key k = key_num(7000 + r);

		shard_series_add(s, 0, &k);
		if (r % 16 == 15) {
			metrics_expire(m, 0, (double)(r / 16), 3);
			shard_events(s, 0);
		}
	}
	for (uint64_t r = 0; r < 200; r++) {
		struct series_key k = key_num(900000 + r);

		shard_series_add(s, 0, &k);
	}
	assert_int_equal(metrics_series_live(m, 0), 64);
	assert_true(set_longest_walk(&m->sets[0]) <= 32);
	metrics_free(m);
}

/* With the cap full, a refused series' events cost no set walk but its
 * first (the shard notes it refused), until an expiry gives a unit of the
 * cap back: its next event then walks once and is counted. */
static void test_refused_series_skips_walks(void **state)
{
	unsigned caps[1] = { 2 };
	struct metrics *m = metrics_new(1, caps, 1);
	struct shard *s = metrics_shard(m, 0);
	struct series_key a = key_num(1), b = key_num(2), c = key_num(3);
	struct tally t = { 0 };

	(void)state;
	shard_series_add(s, 0, &b);
	metrics_expire(m, 0, 0, 5);
	shard_series_add(s, 0, &a);
	for (int n = 0; n < 1000; n++) {
		shard_series_add(s, 0, &a);
		shard_series_add(s, 0, &c);
	}
	assert_int_equal(s->walks, 3);
	assert_int_equal(metrics_series_dropped(m, 0), 1000);
	metrics_expire(m, 0, 6, 5);	/* b expires: a unit of the cap back */
	shard_series_add(s, 0, &c);
	assert_int_equal(s->walks, 4);
	metrics_series_foreach(m, 0, tally, &t);
	assert_int_equal(t.count[3], 1);
	metrics_free(m);
}

/* Two claims of one new key, ordered step by step through the set's claim
 * seam: claimer A's search meets slot 5 kept by x (same hash) and goes for
 * slot 6; x expires; claimer B's search takes over slot 5; A claims 6 and
 * rescans (slot 5 still dormant); B claims 5 and rescans while A's slot is
 * still BUSY. The nearer claim must not pass the further BUSY one: one
 * slot holds the key, and both claimers get it. */
enum { ROLE_NONE, ROLE_A, ROLE_B };
static __thread int race_role;
static int race_at[3], race_go[3], race_b_done;

/* Polls *p for at least v, for at most ms milliseconds; false on timeout. */
static bool race_await(int *p, int v, int ms)
{
	for (int n = 0; n < ms; n++) {
		if (__atomic_load_n(p, __ATOMIC_SEQ_CST) >= v)
			return true;
		usleep(1000);
	}
	return false;
}

static void race_step(enum claim_step step)
{
	int r = race_role, n = step == CLAIM_BEFORE_CAS ? 1 : 2;

	if (r == ROLE_NONE || (r == ROLE_B && n == 2) ||
	    __atomic_load_n(&race_at[r], __ATOMIC_SEQ_CST) >= n)
		return;		/* only the first claim of each pauses */
	__atomic_store_n(&race_at[r], n, __ATOMIC_SEQ_CST);
	race_await(&race_go[r], n, 5000);
}

struct claimer {
	struct series_set *set;
	int role;
	int64_t slot;
};

static void *race_claim(void *arg)
{
	struct claimer *r = arg;
	struct series_key k = key_num(42);
	uint64_t tag;

	race_role = r->role;
	r->slot = set_admit(r->set, 5, &k, &tag);
	if (r->role == ROLE_B)
		__atomic_store_n(&race_b_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void race_go_on(int role, int n)
{
	__atomic_store_n(&race_go[role], n, __ATOMIC_SEQ_CST);
}

static void test_racing_claims_take_one_slot(void **state)
{
	struct series_set set;
	struct series_key x = key_num(7);
	struct claimer a = { &set, ROLE_A, -9 }, b = { &set, ROLE_B, -9 };
	uint64_t tag;
	pthread_t ta, tb;
	int kept = 0;

	(void)state;
	assert_int_equal(set_init(&set, 4), 0);
	set_claim_step = race_step;
	assert_int_equal(set_admit(&set, 5, &x, &tag), 5);
	pthread_create(&ta, NULL, race_claim, &a);
	assert_true(race_await(&race_at[ROLE_A], 1, 5000));
	set.slots[5].tag = TAG(5, TAG_LIFE(tag), SLOT_EXPIRED);	/* x expires */
	set.kept--;
	pthread_create(&tb, NULL, race_claim, &b);
	assert_true(race_await(&race_at[ROLE_B], 1, 5000));
	race_go_on(ROLE_A, 1);
	assert_true(race_await(&race_at[ROLE_A], 2, 5000));
	race_go_on(ROLE_B, 1);
	assert_false(race_await(&race_b_done, 1, 300));	/* B awaits A */
	race_go_on(ROLE_A, 2);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	set_claim_step = NULL;
	for (uint32_t i = 0; i <= set.mask; i++)
		kept += TAG_STATE(set.slots[i].tag) == SLOT_KEPT &&
			set.slots[i].key.v[0].num == 42;
	assert_int_equal(kept, 1);
	assert_int_equal(a.slot, 6);
	assert_int_equal(b.slot, 6);
	assert_int_equal(set.kept, 1);
	set_fini(&set);
}

#define CHURN_EVENTS 200000

#define CHURN_STAGES 8
static int churn_ticks;	/* expiry rounds the racing test made */

/* Counts CHURN_EVENTS events into shard arg, 64 for each series, in
 * stages: each awaits three more expiry rounds (at most 5 s), so series
 * go idle and expire while the writers run, however fast they run (and
 * however late the expiry thread gets a CPU). */
static void *churner(void *arg)
{
	struct shard *s = arg;

	for (int n = 0; n < CHURN_EVENTS; n++) {
		struct series_key k = key_num(n / 64 + 100);

		if (n % (CHURN_EVENTS / CHURN_STAGES) == 0)
			race_await(&churn_ticks, __atomic_load_n(&churn_ticks,
							       __ATOMIC_SEQ_CST) + 3,
				   5000);
		shard_hit(s, 0);
		shard_series_add(s, 0, &k);
		if (n % 16 == 15)
			shard_events(s, 16);
	}
	return NULL;
}

struct census {
	unsigned series;
	uint64_t sum;
};

static void census(const struct series_key *k, uint64_t count, void *arg)
{
	struct census *c = arg;

	(void)k;
	c->series++;
	c->sum += count;
}

/* Writers on two shards churn through more series than the cap while this
 * thread expires and walks (run under TSan by the sanitizer stage): the
 * live series never pass the cap, the walks see at most one entry per
 * series and shard, and no event is shown twice. */
static void test_expiry_races_writers(void **state)
{
	unsigned caps[1] = { 8 };
	struct metrics *m = metrics_new(1, caps, 2);
	pthread_t th[2];
	double now = 0;
	struct census c;

	(void)state;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, churner, metrics_shard(m, i));
	while (metrics_hits(m, 0) < 2 * CHURN_EVENTS) {
		metrics_expire(m, 0, now += 1, 1);
		__atomic_store_n(&churn_ticks, churn_ticks + 1,
				 __ATOMIC_SEQ_CST);
		c = (struct census){ 0 };
		metrics_series_foreach(m, 0, census, &c);
		assert_true(metrics_series_live(m, 0) <= 8);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++)
		shard_events(metrics_shard(m, i), 0);
	c = (struct census){ 0 };
	metrics_series_foreach(m, 0, census, &c);
	assert_true(c.series <= 2 * 8);
	assert_true(c.sum + metrics_series_dropped(m, 0) <= 2 * CHURN_EVENTS);
	assert_true(metrics_series_expired(m, 0) > 0);	/* it did churn */
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hits_summed_over_cpus),
		cmocka_unit_test(test_events_and_missed_per_cpu),
		cmocka_unit_test(test_series_per_shard_and_probe),
		cmocka_unit_test(test_series_cap_counts_dropped),
		cmocka_unit_test(test_same_series_every_shard_counts_once),
		cmocka_unit_test(test_cap_exact_racing_same_series),
		cmocka_unit_test(test_cap_exact_racing_new_series),
		cmocka_unit_test(test_foreach_visits_live_entries_only),
		cmocka_unit_test(test_carry_to_new_index),
		cmocka_unit_test(test_carry_counts_distinct),
		cmocka_unit_test(test_hist_shard_is_absolute),
		cmocka_unit_test(test_hist_shard_counts_distinct),
		cmocka_unit_test(test_writers_race_scraper),
		cmocka_unit_test(test_idle_series_expire_and_free_cap),
		cmocka_unit_test(test_expired_series_restarts_from_zero),
		cmocka_unit_test(test_event_racing_expiry_counted),
		cmocka_unit_test(test_churn_reuses_room),
		cmocka_unit_test(test_churn_keeps_chains_short),
		cmocka_unit_test(test_refused_series_skips_walks),
		cmocka_unit_test(test_racing_claims_take_one_slot),
		cmocka_unit_test(test_expiry_races_writers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
