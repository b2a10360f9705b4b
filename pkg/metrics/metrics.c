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
	ss->seen = calloc(set->cap, sizeof(*ss->seen));
	ss->pos = calloc(set->mask + 1, sizeof(*ss->pos));
	ss->free = calloc(set->cap, sizeof(*ss->free));
	return ss->entries && ss->seen && ss->pos && ss->free ? 0 : -1;
}

static int shard_init(struct shard *s, struct metrics *m)
{
	s->m = m;
	s->hits = calloc(m->nprobes, sizeof(*s->hits));
	s->dropped = calloc(m->nprobes, sizeof(*s->dropped));
	s->pkt_status = calloc(m->nprobes * METRICS_PKT_STATUSES,
			       sizeof(*s->pkt_status));
	s->last = calloc(m->nprobes, sizeof(*s->last));
	s->refused = calloc(m->nprobes, sizeof(*s->refused));
	s->series = calloc(m->nprobes, sizeof(*s->series));
	if (!s->hits || !s->dropped || !s->pkt_status || !s->last ||
	    !s->refused || !s->series)
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
		free(s->series[i].seen);
		free(s->series[i].pos);
		free(s->series[i].free);
	}
	free(s->series);
	free(s->hits);
	free(s->dropped);
	free(s->pkt_status);
	free(s->last);
	free(s->refused);
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

/* Called once a page: the shard's writer frees what expired meanwhile. */
void shard_events(struct shard *s, uint64_t n)
{
	BUMP(&s->events, n);
	if (__atomic_load_n(&s->xreq, __ATOMIC_ACQUIRE) != s->xack)
		shard_sync(s);
}

void shard_missed(struct shard *s, uint64_t n)
{
	BUMP(&s->missed, n);
}

void shard_parse_error(struct shard *s)
{
	BUMP(&s->parse_errors, 1);
}

/* A free entry: one freed by shard_sync(), else the next never used. Dead
 * entries an idle spell left may fill the room: they are freed first. A
 * shard has at most one live entry per KEPT slot, and the cap bounds
 * those, so this finds room; NULL (the event counted as dropped) guards
 * the array all the same. */
static struct entry *entry_take(struct shard *s, int probe, uint32_t *i)
{
	struct shard_series *ss = &s->series[probe];

	if (!ss->nfree && ss->n == s->m->sets[probe].cap)
		shard_sync(s);
	*i = ss->nfree ? ss->free[--ss->nfree] : ss->n;
	return *i < s->m->sets[probe].cap ? &ss->entries[*i] : NULL;
}

/* The shard's entry for the set's slot (KEPT with tag), made (key copied,
 * count 0) on the shard's first event of this life of the series. A
 * reused entry's tag is 0 while it is written, and set last with a release
 * store, so walks skip it until then (entry_read()); a new one is
 * published by the release store of the length. */
static struct entry *shard_entry(struct shard *s, int probe, int64_t slot,
				 uint64_t tag, const struct series_key *k)
{
	struct shard_series *ss = &s->series[probe];
	struct entry *e;
	uint32_t i;

	if (ss->pos[slot] && ss->entries[ss->pos[slot] - 1].tag == tag)
		return &ss->entries[ss->pos[slot] - 1];
	e = entry_take(s, probe, &i);
	if (!e)
		return NULL;	/* never: no more KEPT slots than the cap */
	key_store_relaxed(&e->key, k);
	__atomic_store_n(&e->count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->slot, (uint32_t)slot, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tag, tag, __ATOMIC_RELEASE);
	ss->pos[slot] = i + 1;
	if (i == ss->n)
		__atomic_store_n(&ss->n, ss->n + 1, __ATOMIC_RELEASE);
	return e;
}

/* See metrics_int.h. */
struct entry *series_find(struct shard *s, int probe,
			  const struct series_key *k)
{
	uint64_t tag;
	int64_t slot = set_admit(&s->m->sets[probe], key_hash(probe, k), k,
				 &tag);

	return slot < 0 ? NULL : shard_entry(s, probe, slot, tag, k);
}

void shard_series_refused(struct shard *s, int probe)
{
	BUMP(&s->dropped[probe], 1);
}

/* The entry of k for an event, or NULL when k is refused: the series the
 * shard last saw refused is refused again at the cost of one compare
 * until the cap gives a unit back (a series expires), so a refused
 * series' events do not walk the set. The count of expired series is read
 * before the walk: a unit given back during it makes the note stale. */
static struct entry *shard_series_event(struct shard *s, int probe,
					const struct series_key *k)
{
	struct refusal *r = &s->refused[probe];
	uint64_t expired = __atomic_load_n(&s->m->sets[probe].expired,
					   __ATOMIC_ACQUIRE) + 1;
	struct entry *e;

	if (r->expired == expired && key_equal(&r->key, k))
		return NULL;
	BUMP(&s->walks, 1);
	e = series_find(s, probe, k);
	if (!e) {
		r->key = *k;
		r->expired = expired;
	}
	return e;
}

void shard_series_add(struct shard *s, int probe, const struct series_key *k)
{
	struct entry *e = s->last[probe];

	if (!e || !key_equal(&e->key, k)) {
		e = shard_series_event(s, probe, k);
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

/* See metrics_int.h. */
uint64_t entry_read(const struct series_set *set, const struct shard_series *ss,
		uint32_t i, struct series_key *k, uint64_t *count)
{
	const struct entry *e = &ss->entries[i];
	uint64_t tag = entry_live(set, e);
	const uint64_t *w = (const uint64_t *)&e->key;
	uint64_t *x = (uint64_t *)k;

	if (!tag)
		return 0;
	for (size_t j = 0; j < sizeof(*k) / sizeof(*w); j++)
		x[j] = LOAD(&w[j]);
	*count = LOAD(&e->count);
	return tag;
}

void metrics_series_foreach(const struct metrics *m, int probe, series_fn fn,
			    void *ctx)
{
	const struct series_set *set = &m->sets[probe];
	struct series_key k;
	uint64_t count;

	for (int c = 0; c < m->nshards; c++) {
		const struct shard_series *ss = &m->shards[c].series[probe];
		uint32_t n = __atomic_load_n(&ss->n, __ATOMIC_ACQUIRE);

		for (uint32_t i = 0; i < n; i++)
			if (entry_read(set, ss, i, &k, &count))
				fn(&k, count, ctx);
	}
}
