/* metrics carry: writes that are not the per-event path, made while the
 * shard has no other writer: counters carried across a reload, and the
 * absolute counts of the hist shard (mode: hist). */
#include "metrics/metrics_int.h"

struct shard *metrics_hist_shard(struct metrics *m)
{
	return &m->shards[m->ncpus];
}

#define SET(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

void shard_hits_set(struct shard *s, int probe, uint64_t n)
{
	SET(&s->hits[probe], n);
}

void shard_dropped_set(struct shard *s, int probe, uint64_t n)
{
	SET(&s->dropped[probe], n);
}

bool shard_series_set(struct shard *s, int probe, const struct series_key *k,
		      uint64_t count)
{
	struct entry *e = series_find(s, probe, k);

	if (e)
		SET(&e->count, count);
	return e != NULL;
}

/* What entry i of ss carries to a new generation: a live entry's count, a
 * dead one's events not yet counted anew (shard_sync() did not run), or
 * nothing for a free one. No writer nor expiry runs. */
static uint64_t entry_carried(const struct series_set *set,
			      const struct shard_series *ss, uint32_t i)
{
	const struct entry *e = &ss->entries[i];

	if (!e->tag)
		return 0;
	return entry_live(set, e) ? e->count : entry_pending(ss, i);
}

/* Adds src shard's series of probe sp into dst shard as probe dp, through
 * dst's set: a series in several shards is one series against dst's cap,
 * and one refused there counts as dropped. Walks src's live series only. */
static void shard_carry(struct shard *dst, int dp, const struct shard *src,
			int sp)
{
	const struct shard_series *ss = &src->series[sp];
	const struct series_set *set = &src->m->sets[sp];

	for (uint32_t i = 0; i < ss->n; i++) {
		const struct entry *e = &ss->entries[i];
		uint64_t n = entry_carried(set, ss, i);
		struct entry *d = n ? series_find(dst, dp, &e->key) : NULL;

		if (d)
			BUMP(&d->count, n);
		else
			BUMP(&dst->dropped[dp], n);
	}
	BUMP(&dst->hits[dp], src->hits[sp]);
	BUMP(&dst->dropped[dp], src->dropped[sp]);
	for (int st = 0; st < METRICS_PKT_STATUSES; st++)
		BUMP(&dst->pkt_status[dp * METRICS_PKT_STATUSES + st],
		     src->pkt_status[sp * METRICS_PKT_STATUSES + st]);
}

void metrics_carry(struct metrics *dst, int dst_probe,
		   const struct metrics *src, int src_probe)
{
	for (int c = 0; c < dst->nshards && c < src->nshards; c++)
		shard_carry(&dst->shards[c], dst_probe, &src->shards[c],
			    src_probe);
	BUMP(&dst->sets[dst_probe].expired, src->sets[src_probe].expired);
}

void metrics_carry_totals(struct metrics *dst, const struct metrics *src)
{
	for (int c = 0; c < dst->nshards && c < src->nshards; c++) {
		BUMP(&dst->shards[c].events, src->shards[c].events);
		BUMP(&dst->shards[c].missed, src->shards[c].missed);
		BUMP(&dst->shards[c].parse_errors, src->shards[c].parse_errors);
	}
}
