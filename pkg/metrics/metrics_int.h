/* Private to pkg/metrics: the shard layout shared by metrics.c (the hot
 * path and the scrape side) and carry.c (reload and hist updates). */
#ifndef FTE_METRICS_INT_H
#define FTE_METRICS_INT_H

#include "metrics/metrics.h"

struct entry {
	uint32_t probe;		/* probe + 1; 0 = empty. Release-published. */
	uint32_t hash;
	uint64_t count;
	struct series_key key;
};

struct shard {
	uint64_t events, missed, parse_errors;
	uint64_t *hits;		/* [nprobes] */
	uint64_t *dropped;	/* [nprobes] series over the cap */
	struct entry **last;	/* [nprobes] last series hit: bursts repeat */
	struct entry *table;
	uint32_t mask;
	struct metrics *m;
} __attribute__((aligned(64)));

struct metrics {
	int nprobes, ncpus;
	int nshards;		/* ncpus + the hist shard */
	unsigned *caps;
	unsigned *series;	/* [nprobes] series created, all shards */
	struct shard *shards;
};

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define BUMP(p, n) __atomic_store_n((p), *(p) + (n), __ATOMIC_RELAXED)

/* The probe's series with key k, claimed with a count of 0 if new; NULL
 * when it is new and the cap is reached or the table is full. Only the
 * shard's writer calls it. */
struct entry *series_find(struct shard *s, int probe,
			  const struct series_key *k);

#endif
