/* metrics: see metrics.h for the threading design. */
#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Probe i's series arrays in one shard, sized for the cap and the set but
 * zeroed by calloc and filled in order: untouched until used. */
static int shard_series_init(struct shard_series *ss,
			     const struct series_set *set)
{
	if (!set->cap)
		return 0;
	ss->entries = calloc(set->cap, sizeof(*ss->entries));
	ss->pos = calloc(set->mask + 1, sizeof(*ss->pos));
	return ss->entries && ss->pos ? 0 : -1;
}

static int shard_init(struct shard *s, struct metrics *m)
{
	s->m = m;
	s->hits = calloc(m->nprobes, sizeof(*s->hits));
	s->dropped = calloc(m->nprobes, sizeof(*s->dropped));
	s->pkt_status = calloc(m->nprobes * METRICS_PKT_STATUSES,
			       sizeof(*s->pkt_status));
	s->last = calloc(m->nprobes, sizeof(*s->last));
	s->series = calloc(m->nprobes, sizeof(*s->series));
	if (!s->hits || !s->dropped || !s->pkt_status || !s->last ||
	    !s->series)
		return -1;
	for (int i = 0; i < m->nprobes; i++)
		if (shard_series_init(&s->series[i], &m->sets[i]))
			return -1;
	return 0;
}

/* Frees what shard_init made, however far it got. */
static void shard_fini(struct shard *s, int nprobes)
{
	for (int i = 0; s->series && i < nprobes; i++) {
		free(s->series[i].entries);
		free(s->series[i].pos);
	}
	free(s->series);
	free(s->hits);
	free(s->dropped);
	free(s->pkt_status);
	free(s->last);
}

/* One set per probe, then the shards; errno EINVAL for a cap over
 * METRICS_CAP_MAX (its table size would not fit), else ENOMEM. */
static int metrics_init(struct metrics *m, const unsigned *caps)
{
	for (int i = 0; i < m->nprobes; i++) {
		if (caps[i] > METRICS_CAP_MAX) {
			errno = EINVAL;
			return -1;
		}
		if (set_init(&m->sets[i], caps[i]))
			goto err_nomem;
	}
	for (int i = 0; i < m->nshards; i++)
		if (shard_init(&m->shards[i], m))
			goto err_nomem;
	return 0;
err_nomem:
	errno = ENOMEM;
	return -1;
}

/* Allocates shards for ncpus CPUs. NULL with errno on failure. */
struct metrics *metrics_new(int nprobes, const unsigned *caps, int ncpus)
{
	struct metrics *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return NULL;
	m->nprobes = nprobes;
	m->ncpus = ncpus;
	m->nshards = ncpus + 1;
	m->sets = calloc(nprobes + 1, sizeof(*m->sets));
	m->shards = aligned_alloc(64, m->nshards * sizeof(*m->shards));
	if (!m->sets || !m->shards) {
		errno = ENOMEM;
		goto err_free;
	}
	memset(m->shards, 0, m->nshards * sizeof(*m->shards));
	if (metrics_init(m, caps))
		goto err_free;
	return m;
err_free:
	err = errno;
	metrics_free(m);
	errno = err;
	return NULL;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (int i = 0; m->shards && i < m->nshards; i++)
		shard_fini(&m->shards[i], m->nprobes);
	for (int i = 0; m->sets && i < m->nprobes; i++)
		set_fini(&m->sets[i]);
	free(m->shards);
	free(m->sets);
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

void shard_packet_status(struct shard *s, int probe, int status)
{
	BUMP(&s->pkt_status[probe * METRICS_PKT_STATUSES + status], 1);
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

/* The shard's entry for the set's slot, appended (key copied, count 0) on
 * the shard's first event of the series; published with a release store of
 * the length, so walks never see it half-written. */
static struct entry *shard_entry(struct shard_series *ss, int64_t slot,
				 const struct series_key *k)
{
	struct entry *e;

	if (ss->pos[slot])
		return &ss->entries[ss->pos[slot] - 1];
	e = &ss->entries[ss->n];	/* n < cap: one entry per kept slot */
	e->key = *k;
	e->count = 0;
	ss->pos[slot] = ss->n + 1;
	__atomic_store_n(&ss->n, ss->n + 1, __ATOMIC_RELEASE);
	return e;
}

/* See metrics_int.h. */
struct entry *series_find(struct shard *s, int probe,
			  const struct series_key *k)
{
	int64_t slot = set_admit(&s->m->sets[probe], key_hash(probe, k), k);

	return slot < 0 ? NULL : shard_entry(&s->series[probe], slot, k);
}

void shard_series_refused(struct shard *s, int probe)
{
	BUMP(&s->dropped[probe], 1);
}

void shard_series_add(struct shard *s, int probe, const struct series_key *k)
{
	struct entry *e = s->last[probe];

	if (!e || !key_equal(&e->key, k)) {
		e = series_find(s, probe, k);
		if (!e) {
			shard_series_refused(s, probe);
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

uint64_t metrics_packet_status(const struct metrics *m, int probe,
			       int status)
{
	return SUM_SHARDS(m, s->pkt_status[probe * METRICS_PKT_STATUSES +
					   status]);
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
		const struct shard_series *ss = &m->shards[c].series[probe];
		uint32_t n = __atomic_load_n(&ss->n, __ATOMIC_ACQUIRE);

		for (uint32_t i = 0; i < n; i++)
			fn(&ss->entries[i].key, LOAD(&ss->entries[i].count),
			   ctx);
	}
}
