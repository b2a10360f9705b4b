/* metrics expire: series idle for longer than a probe's idle time leave
 * /metrics and give back their unit of the cap.
 *
 * DESIGN. The per-event path does nothing for expiry: idleness is read
 * from the counts. The expiry side (metrics_expire(), under the caller's
 * lock, once a tick) notes for every live entry of every shard when its
 * count last changed (struct entry_seen, its own), and for every slot the
 * latest of its entries'. A KEPT slot idle for the probe's time is turned
 * EXPIRED by one CAS (set.c): from then on walks skip every entry made for
 * that life of the slot (entry_read() compares the entry's tag with the
 * slot's), so the series leaves /metrics at once on every CPU, and the
 * cap's unit is given back, so a new series fits.
 *
 * Only a shard's writer frees its entries. The expiry side bumps each
 * shard's xreq; the writer, at the end of its next page (shard_events()),
 * runs shard_sync(): it frees its dead entries (their index goes on the
 * shard's free stack, reused by the next new series) and acks. A writer
 * may have counted an event into an entry between the expiry side's last
 * look at the count and the CAS (through its last-hit cache, or a lookup
 * made just before): the count then differs from the one the expiry side
 * saw, and shard_sync() counts the difference into the series anew (its
 * slot revived or taken again), so no event is lost. An idle CPU's
 * writer may not run for long: its dead entries stay, skipped by walks,
 * and its index from slots to entries is checked against the entry's tag
 * before use. The hist shard's writer runs under the same lock as expiry,
 * which syncs it itself. A series that comes back starts from 0 (a counter
 * reset, which Prometheus' rate() handles).
 */
#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/* See metrics_int.h. */
uint64_t entry_pending(const struct shard_series *ss, uint32_t i)
{
	const struct entry *e = &ss->entries[i];
	const struct entry_seen *seen = &ss->seen[i];

	return e->count - (LOAD(&seen->tag) == e->tag ? LOAD(&seen->count) : 0);
}

/* Frees dead entry i of probe's series in s, counting what it holds that
 * no one saw into its series again (dropped when the cap refuses it). */
static void entry_free(struct shard *s, int probe, uint32_t i)
{
	struct shard_series *ss = &s->series[probe];
	struct entry *e = &ss->entries[i];
	uint64_t pending = entry_pending(ss, i);
	struct series_key k = e->key;

	if (ss->pos[e->slot] == i + 1)
		ss->pos[e->slot] = 0;
	STORE(&e->tag, 0);
	ss->free[ss->nfree++] = i;
	if (!pending)
		return;
	e = series_find(s, probe, &k);	/* takes a free entry if new */
	if (e)
		BUMP(&e->count, pending);
	else
		BUMP(&s->dropped[probe], pending);
}

/* See metrics_int.h. */
void shard_sync(struct shard *s)
{
	uint64_t req = __atomic_load_n(&s->xreq, __ATOMIC_ACQUIRE);

	for (int p = 0; p < s->m->nprobes; p++) {
		const struct series_set *set = &s->m->sets[p];
		struct shard_series *ss = &s->series[p];

		s->last[p] = NULL;
		for (uint32_t i = 0; set->cap && i < ss->n; i++)
			if (ss->entries[i].tag &&
			    !entry_live(set, &ss->entries[i]))
				entry_free(s, p, i);
	}
	s->xack = req;
}

/* Notes entry i of ss if it is live: when its count last changed, and the
 * latest such time of its slot. */
static void entry_observe(struct series_set *set, struct shard_series *ss,
			  uint32_t i, double now)
{
	struct entry_seen *seen = &ss->seen[i];
	uint64_t tag = entry_live(set, &ss->entries[i]);
	uint64_t count = LOAD(&ss->entries[i].count);
	uint32_t slot = LOAD(&ss->entries[i].slot);

	if (!tag)
		return;
	if (LOAD(&seen->tag) != tag || LOAD(&seen->count) != count) {
		STORE(&seen->tag, tag);
		STORE(&seen->count, count);
		seen->at = now;
	}
	if (set->act_tag[slot] != tag || set->act[slot] < seen->at) {
		set->act_tag[slot] = tag;
		set->act[slot] = seen->at;
	}
}

/* Expires slot i of set if it is KEPT and was idle for idle seconds; true
 * when it did. A slot no entry was seen for yet was born now. */
static bool slot_expire(struct series_set *set, uint32_t i, double now,
			double idle)
{
	uint64_t tag = __atomic_load_n(&set->slots[i].tag, __ATOMIC_SEQ_CST);

	if (TAG_STATE(tag) != SLOT_KEPT)
		return false;
	if (set->act_tag[i] != tag) {
		set->act_tag[i] = tag;
		set->act[i] = now;
	}
	if (now - set->act[i] < idle ||
	    !__atomic_compare_exchange_n(&set->slots[i].tag, &tag,
					 TAG(TAG_HASH(tag), TAG_LIFE(tag),
					     SLOT_EXPIRED),
					 false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return false;
	__atomic_fetch_sub(&set->kept, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&set->expired, set->expired + 1, __ATOMIC_RELEASE);
	return true;
}

/* Asks every CPU shard's writer to free what expired; syncs the hist
 * shard, whose writer runs under the caller's lock too. */
static void metrics_sync_ask(struct metrics *m)
{
	for (int c = 0; c < m->ncpus; c++)
		__atomic_store_n(&m->shards[c].xreq, m->shards[c].xreq + 1,
				 __ATOMIC_RELEASE);
	shard_sync(metrics_hist_shard(m));
}

void metrics_expire(struct metrics *m, int probe, double now, double idle)
{
	struct series_set *set = &m->sets[probe];
	bool any = false;

	if (!set->cap || idle <= 0)
		return;
	for (int c = 0; c < m->nshards; c++) {
		struct shard_series *ss = &m->shards[c].series[probe];
		uint32_t n = __atomic_load_n(&ss->n, __ATOMIC_ACQUIRE);

		for (uint32_t i = 0; i < n; i++)
			entry_observe(set, ss, i, now);
	}
	for (uint32_t i = 0; i <= set->mask; i++)
		any |= slot_expire(set, i, now, idle);
	if (any)
		metrics_sync_ask(m);
	set_compact(set);
}

unsigned metrics_series_live(const struct metrics *m, int probe)
{
	return __atomic_load_n(&m->sets[probe].kept, __ATOMIC_RELAXED);
}

uint64_t metrics_series_expired(const struct metrics *m, int probe)
{
	return LOAD(&m->sets[probe].expired);
}
