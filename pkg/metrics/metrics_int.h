/* Private to pkg/metrics: the layout shared by metrics.c (the hot path and
 * the scrape side), set.c (the per-probe sets of distinct series) and
 * carry.c (reload and hist updates). See metrics.h for the design. */
#ifndef FTE_METRICS_INT_H
#define FTE_METRICS_INT_H

#include <stddef.h>

#include "metrics/metrics.h"

/* One series of a probe in the probe's shared set. tag is 0 while the slot
 * is empty, then hash << 32 | state (enum slot_state); key is written by the
 * thread that claimed the slot before it publishes a final state. */
struct slot {
	uint64_t tag;
	struct series_key key;
};

enum slot_state { SLOT_BUSY = 1, SLOT_KEPT, SLOT_REFUSED };

/* A probe's distinct series, shared by every shard. */
struct series_set {
	struct slot *slots;	/* [mask + 1]; NULL when the cap is 0 */
	uint32_t mask;
	unsigned cap, kept;	/* kept: slots KEPT, never above cap */
};

/* A shard's count of one series, with its own copy of the key so the
 * per-event path reads only the shard's memory. */
struct entry {
	struct series_key key;
	uint64_t count;
};

/* One probe's series in one shard: appended, never moved nor removed. */
struct shard_series {
	struct entry *entries;	/* [cap] */
	uint32_t *pos;		/* [set slots]: entry index + 1; 0: none */
	uint32_t n;		/* entries in use; release-published */
};

struct shard {
	uint64_t events, missed, parse_errors;
	uint64_t *hits;		/* [nprobes] */
	uint64_t *dropped;	/* [nprobes] events of refused series */
	uint64_t *pkt_status;	/* [nprobes * METRICS_PKT_STATUSES] */
	struct entry **last;	/* [nprobes] last series hit: bursts repeat */
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

/* set.c: allocates set for cap series (no slots when cap is 0); -1 with
 * errno ENOMEM. set_fini frees what set_init made. */
int set_init(struct series_set *set, unsigned cap);
void set_fini(struct series_set *set);
/* The slot of k (hash h) in set, claiming one if k is new: its index, or
 * -1 when k is refused (new when the cap was reached, or no room). Any
 * thread; lock-free but for a same-hash claim in flight, which it awaits. */
int64_t set_admit(struct series_set *set, uint32_t h,
		  const struct series_key *k);

/* The probe's series with key k in this shard, made with a count of 0 if
 * new here; NULL when the probe's set refuses k. Only the shard's writer
 * calls it. */
struct entry *series_find(struct shard *s, int probe,
			  const struct series_key *k);

#endif
