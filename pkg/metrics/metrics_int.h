/* Private to pkg/metrics: the layout shared by metrics.c (the hot path and
 * the scrape side), set.c (the per-probe sets of distinct series) and
 * carry.c (reload and hist updates). See metrics.h for the design. */
#ifndef FTE_METRICS_INT_H
#define FTE_METRICS_INT_H

#include <stddef.h>

#include "metrics/metrics.h"

/* One series of a probe in the probe's shared set. tag is 0 while the slot
 * is empty, then hash << 32 | life << 8 | state (enum slot_state); key is
 * written by the thread that claimed the empty slot before it publishes a
 * final state, and stays while the slot is dormant (REFUSED or EXPIRED).
 * life counts the slot's revivals, so a KEPT tag names one life of it. */
struct slot {
	uint64_t tag;
	struct series_key key;
};

enum slot_state {
	SLOT_EMPTY, SLOT_BUSY, SLOT_KEPT, SLOT_REFUSED, SLOT_EXPIRED,
	SLOT_FREE,	/* dormant, no key: a claim given back */
};

#define TAG(h, life, state) \
	((uint64_t)(h) << 32 | (uint64_t)((life) & 0xffffffU) << 8 | (state))
#define TAG_HASH(tag) ((uint32_t)((tag) >> 32))
#define TAG_LIFE(tag) ((uint32_t)((tag) >> 8) & 0xffffffU)
#define TAG_STATE(tag) ((enum slot_state)((tag) & 0xffU))

/* A probe's distinct series, shared by every shard. */
struct series_set {
	struct slot *slots;	/* [mask + 1]; NULL when the cap is 0 */
	uint32_t mask;
	unsigned cap, kept;	/* kept: slots KEPT, never above cap */
	/* the expiry side's own (expire.c), under the caller's lock */
	uint64_t *act_tag;	/* [mask + 1]: the life act[] is about */
	double *act;		/* [mask + 1]: last change seen of the slot */
	uint8_t *mark;		/* [mask + 1]: set_compact()'s scratch */
	uint32_t compacts;	/* set_compact() steps: odd while it runs */
	uint64_t expired;	/* series expired so far; release-stored */
};

/* A shard's count of one series, with its own copy of the key so the
 * per-event path reads only the shard's memory. tag is the KEPT tag of the
 * slot it counts for: the entry is live while the slot still has it, dead
 * after the slot expired; 0 when free. slot is the set's slot index. */
struct entry {
	struct series_key key;
	uint64_t count;
	uint64_t tag;
	uint32_t slot;
};

/* What the expiry side last saw of an entry (its own, beside the entry so
 * the per-event path's lines stay as they were): the entry's tag then, its
 * count, and when that count last changed. */
struct entry_seen {
	uint64_t tag, count;
	double at;
};

/* One probe's series in one shard. Entries are appended (the length is
 * release-published) and, once dead, freed and reused by the shard's
 * writer only (shard_sync()), never moved. */
struct shard_series {
	struct entry *entries;	/* [cap] */
	struct entry_seen *seen;	/* [cap] */
	uint32_t *pos;		/* [set slots]: entry index + 1; 0: none */
	uint32_t *free;		/* [cap]: freed entry indices, a stack */
	uint32_t n, nfree;	/* n: entries in use; release-published */
};

/* The last series a shard's writer saw refused, and the set's count of
 * expired series then, plus one (0: none): while that count stands, the
 * cap gave no unit back, so the series is still refused. */
struct refusal {
	struct series_key key;
	uint64_t expired;
};

struct shard {
	uint64_t events, missed, parse_errors;
	uint64_t xreq, xack;	/* expiry rounds asked (expiry side), done */
	uint64_t *hits;		/* [nprobes] */
	uint64_t *dropped;	/* [nprobes] events of refused series */
	uint64_t *pkt_status;	/* [nprobes * METRICS_PKT_STATUSES] */
	struct entry **last;	/* [nprobes] last series hit: bursts repeat */
	struct refusal *refused;	/* [nprobes] last series refused */
	uint64_t walks;		/* set walks made for events (a test's stat) */
	struct shard_series *series;	/* [nprobes] */
	struct metrics *m;
} __attribute__((aligned(64)));

struct metrics {
	int nprobes, ncpus;
	int nshards;		/* ncpus + the hist shard */
	struct series_set *sets;	/* [nprobes] */
	struct shard *shards;
};

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define BUMP(p, n) __atomic_store_n((p), *(p) + (n), __ATOMIC_RELAXED)

/* Hash of probe's key k: keys are compared and hashed as opaque words. */
static inline uint32_t key_hash(int probe, const struct series_key *k)
{
	const uint64_t *w = (const uint64_t *)k;
	uint64_t h = 0x9e3779b97f4a7c15ULL * (probe + 1);

	for (size_t i = 0; i < sizeof(*k) / sizeof(*w); i++)
		h = (h ^ w[i]) * 0xff51afd7ed558ccdULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* Word by word: the per-event key was just written by 8-byte stores, and
 * a wider (vector) load of it would wait for them to retire instead of
 * being forwarded from them. */
static inline bool key_equal(const struct series_key *a,
			     const struct series_key *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;

	for (size_t i = 0; i < sizeof(*a) / sizeof(*x); i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/* Entry e's tag while its series lives (its slot still has that KEPT
 * tag), 0 when e is free or dead (its series expired). Any thread. */
static inline uint64_t entry_live(const struct series_set *set,
				  const struct entry *e)
{
	uint64_t tag = __atomic_load_n(&e->tag, __ATOMIC_ACQUIRE);

	return tag && tag == __atomic_load_n(&set->slots[LOAD(&e->slot)].tag,
					     __ATOMIC_ACQUIRE) ? tag : 0;
}

/* set.c: allocates set for cap series (no slots when cap is 0); -1 with
 * errno ENOMEM. set_fini frees what set_init made. */
int set_init(struct series_set *set, unsigned cap);
void set_fini(struct series_set *set);
/* The slot of k (hash h) in set, claiming one if k is new: its index, or
 * -1 when k is refused (new when the cap was reached, or no room), and
 * its KEPT tag in *tag. A dormant slot of k is revived when the cap has
 * room. Any thread; lock-free but for a same-hash claim in flight, which
 * it awaits, and a claim's wait for a running set_compact(). */
int64_t set_admit(struct series_set *set, uint32_t h,
		  const struct series_key *k, uint64_t *tag);
/* Called, when set, at two steps of every claim of a slot: a unit test's
 * seam to order racing claims. NULL in the exporter. */
enum claim_step { CLAIM_BEFORE_CAS, CLAIM_AFTER_RESCAN };
extern void (*set_claim_step)(enum claim_step step);
/* Empties the dormant slots no live series' chain passes (see set.c), so
 * that lookups stay short under churn. The expiry side only, under its
 * lock; any thread may search meanwhile (a claim waits for it to end). */
void set_compact(struct series_set *set);
/* Entry i of ss as a walk sees it: its tag, key and count, or 0 when it is
 * free or dead (its series expired). Walks and expiry hold one lock, and
 * only expiry ends a series' life, so an entry read live is not freed nor
 * reused by its writer while it is read. */
uint64_t entry_read(const struct series_set *set, const struct shard_series *ss,
		uint32_t i, struct series_key *k, uint64_t *count);

/* Copies key k into dst word by word: readers may read dst meanwhile (a
 * walk an entry being filled, a search a dormant slot changing hands) and
 * tell by its tag, read before and after, that it was not theirs. */
static inline void key_store_relaxed(struct series_key *dst,
				     const struct series_key *k)
{
	uint64_t *w = (uint64_t *)dst;
	const uint64_t *x = (const uint64_t *)k;

	for (size_t i = 0; i < sizeof(*k) / sizeof(*w); i++)
		__atomic_store_n(&w[i], x[i], __ATOMIC_RELAXED);
}

/* The probe's series with key k in this shard, made with a count of 0 if
 * new here; NULL when the probe's set refuses k. Only the shard's writer
 * calls it. */
struct entry *series_find(struct shard *s, int probe,
			  const struct series_key *k);
/* The events entry i holds that no live series shows: a dead entry's
 * since the expiry side last saw its count (all of them if it never did).
 * Called with no walk or expiry running, by the entry's writer or with no
 * writer. */
uint64_t entry_pending(const struct shard_series *ss, uint32_t i);
/* The shard's writer: frees its dead entries, counting what they hold
 * into their series anew; see expire.c. */
void shard_sync(struct shard *s);

#endif
