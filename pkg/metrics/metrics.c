/* metrics: see metrics.h for the threading design. */
#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Table size: a power of two at least twice the sum of the caps. */
static uint32_t table_size(const unsigned *caps, int nprobes)
{
	uint64_t want = 0;
	uint32_t size = 16;

	for (int i = 0; i < nprobes; i++)
		want += 2ULL * caps[i];
	while (size < want && size < (1U << 24))
		size <<= 1;
	return size;
}

static int shard_init(struct shard *s, struct metrics *m, uint32_t size)
{
	s->m = m;
	s->hits = calloc(m->nprobes, sizeof(*s->hits));
	s->dropped = calloc(m->nprobes, sizeof(*s->dropped));
	s->last = calloc(m->nprobes, sizeof(*s->last));
	s->table = calloc(size, sizeof(*s->table));
	s->mask = size - 1;
	return s->hits && s->dropped && s->last && s->table ? 0 : -1;
}

static void shard_fini(struct shard *s)
{
	free(s->hits);
	free(s->dropped);
	free(s->last);
	free(s->table);
}

/* Allocates shards for ncpus CPUs. NULL with errno on failure. */
struct metrics *metrics_new(int nprobes, const unsigned *caps, int ncpus)
{
	struct metrics *m = calloc(1, sizeof(*m));
	uint32_t size = table_size(caps, nprobes);

	if (!m)
		return NULL;
	m->nprobes = nprobes;
	m->ncpus = ncpus;
	m->nshards = ncpus + 1;
	m->caps = calloc(nprobes + 1, sizeof(*m->caps));
	m->series = calloc(nprobes + 1, sizeof(*m->series));
	m->shards = aligned_alloc(64, m->nshards * sizeof(*m->shards));
	if (!m->caps || !m->series || !m->shards)
		goto err_free;
	memset(m->shards, 0, m->nshards * sizeof(*m->shards));
	memcpy(m->caps, caps, nprobes * sizeof(*caps));
	for (int i = 0; i < m->nshards; i++)
		if (shard_init(&m->shards[i], m, size))
			goto err_free;
	return m;
err_free:
	metrics_free(m);
	errno = ENOMEM;
	return NULL;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (int i = 0; m->shards && i < m->nshards; i++)
		shard_fini(&m->shards[i]);
	free(m->shards);
	free(m->caps);
	free(m->series);
	free(m);
}

struct shard *metrics_shard(struct metrics *m, int cpu)
{
	return cpu >= 0 && cpu < m->ncpus ? &m->shards[cpu] : NULL;
}

void shard_hit(struct shard *s, int probe)
{
	BUMP(&s->hits[probe], 1);
}

void shard_events(struct shard *s, uint64_t n)
{
	BUMP(&s->events, n);
}

void shard_missed(struct shard *s, uint64_t n)
{
	BUMP(&s->missed, n);
}

void shard_parse_error(struct shard *s)
{
	BUMP(&s->parse_errors, 1);
}

static uint32_t key_hash(int probe, const struct series_key *k)
{
	const uint64_t *w = (const uint64_t *)k;
	uint64_t h = 0x9e3779b97f4a7c15ULL * (probe + 1);

	for (size_t i = 0; i < sizeof(*k) / sizeof(*w); i++)
		h = (h ^ w[i]) * 0xff51afd7ed558ccdULL;
	return (uint32_t)(h ^ (h >> 32));
}

static bool key_equal(const struct series_key *a, const struct series_key *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	uint64_t diff = 0;

	for (size_t i = 0; i < sizeof(*a) / sizeof(*x); i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

/* Takes one slot of the probe's cap; false when the cap is reached. */
static int series_reserve(struct metrics *m, int probe)
{
	if (LOAD(&m->series[probe]) >= m->caps[probe])
		return 0;
	if (__atomic_fetch_add(&m->series[probe], 1, __ATOMIC_RELAXED) <
	    m->caps[probe])
		return 1;
	__atomic_fetch_sub(&m->series[probe], 1, __ATOMIC_RELAXED);
	return 0;
}

/* Fills an empty slot and publishes it; false when over the cap. */
static int entry_claim(struct shard *s, struct entry *e, int probe,
		       uint32_t h, const struct series_key *k)
{
	if (!series_reserve(s->m, probe))
		return 0;
	e->key = *k;
	e->hash = h;
	e->count = 0;
	__atomic_store_n(&e->probe, probe + 1, __ATOMIC_RELEASE);
	return 1;
}

/* See metrics_int.h. */
struct entry *series_find(struct shard *s, int probe,
			  const struct series_key *k)
{
	uint32_t h = key_hash(probe, k);

	for (uint32_t i = h, n = 0; n <= s->mask; i++, n++) {
		struct entry *e = &s->table[i & s->mask];

		if (!e->probe)
			return entry_claim(s, e, probe, h, k) ? e : NULL;
		if (e->hash == h && e->probe == (uint32_t)probe + 1 &&
		    key_equal(&e->key, k))
			return e;
	}
	return NULL;
}

void shard_series_add(struct shard *s, int probe, const struct series_key *k)
{
	struct entry *e = s->last[probe];

	if (!e || !key_equal(&e->key, k)) {
		e = series_find(s, probe, k);
		if (!e) {
			BUMP(&s->dropped[probe], 1);
			return;
		}
		s->last[probe] = e;
	}
	BUMP(&e->count, 1);
}

int metrics_probe_count(const struct metrics *m)
{
	return m->nprobes;
}

int metrics_cpu_count(const struct metrics *m)
{
	return m->ncpus;
}

/* Sums expr (which names the shard as s) over every shard. */
#define SUM_SHARDS(m, expr)                                 \
	({                                                  \
		uint64_t sum_ = 0;                          \
		for (int c_ = 0; c_ < (m)->nshards; c_++) { \
			const struct shard *s = &(m)->shards[c_]; \
			sum_ += LOAD(&(expr));              \
		}                                           \
		sum_;                                       \
	})

uint64_t metrics_hits(const struct metrics *m, int probe)
{
	return SUM_SHARDS(m, s->hits[probe]);
}

uint64_t metrics_series_dropped(const struct metrics *m, int probe)
{
	return SUM_SHARDS(m, s->dropped[probe]);
}

uint64_t metrics_parse_errors(const struct metrics *m)
{
	return SUM_SHARDS(m, s->parse_errors);
}

uint64_t metrics_cpu_events(const struct metrics *m, int cpu)
{
	return LOAD(&m->shards[cpu].events);
}

uint64_t metrics_cpu_missed(const struct metrics *m, int cpu)
{
	return LOAD(&m->shards[cpu].missed);
}

void metrics_series_foreach(const struct metrics *m, int probe, series_fn fn,
			    void *ctx)
{
	for (int c = 0; c < m->nshards; c++) {
		const struct shard *s = &m->shards[c];

		for (uint32_t i = 0; i <= s->mask; i++) {
			const struct entry *e = &s->table[i];

			if (__atomic_load_n(&e->probe, __ATOMIC_ACQUIRE) ==
			    (uint32_t)probe + 1)
				fn(&e->key, LOAD(&e->count), ctx);
		}
	}
}
