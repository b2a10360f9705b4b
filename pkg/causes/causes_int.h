/* causes_int: private to pkg/causes. The state shared by causes.c (building
 * and lifetime) and sample.c (reading the counters into cause inputs). */
#ifndef FTE_CAUSES_INT_H
#define FTE_CAUSES_INT_H

#include "causes/causes.h"
#include "causes/ticker.h"

/* Raw reason codes below this are cached; larger ones are looked up. */
#define CAUSES_CODE_CACHE 1024

/* A heuristic feeding cause: rate(probe) - rate(minus); minus -1: none.
 * probe and minus are the first up probes of the config's lists. */
struct causes_rule {
	int cause, probe, minus;
};

/* Entries of code_cause besides cause indices: not looked up yet (every
 * byte 0xff), and "classify by location" (NOT_SPECIFIED, when locations
 * are in use). */
#define CAUSE_UNKNOWN (-1)
#define CAUSE_BY_LOCATION (-2)

/* The cause of each drop address seen: open addressing, power-of-two
 * size, grown at half full (locations.c). Written by the ticker only. */
struct loc_cache {
	uint64_t *addr;
	int16_t *cause;		/* -1: empty slot */
	size_t cap, used;
};

struct causes {
	const struct config *cfg;
	const struct parser *parser;
	const struct metrics *metrics;
	int ncauses;
	const char **names;		/* [ncauses], strings owned by cfg */
	int other;			/* index of "other" */
	int drops_probe;		/* the causes probe in use, or -1 */
	int reason_label;		/* -1: no reasons on this kernel */
	int location_label;		/* -1: locations not in use */
	struct loc_cache locs;
	struct causes_rule *rules;	/* usable heuristics */
	int nrules;
	int16_t code_cause[CAUSES_CODE_CACHE];	/* or CAUSE_UNKNOWN, ..._BY_LOCATION */
	struct causes_window *window;
	struct causes_input *scratch;	/* [ncauses] */
	struct ticker *ticker;
	void (*refresh)(void *ctx);	/* before each tick, lock held */
	void *refresh_ctx;
};

/* Fills c->scratch with the current cumulative inputs of every cause. */
void causes_sample(struct causes *c);
/* Index of the cause named name, or c->other (sample.c). */
int cause_index(const struct causes *c, const char *name);
/* The steps of causes_cause_of() (sample.c): a reason's cause or the
 * marker causes_by_location, and a location's cause. */
extern const char causes_by_location[];
const char *causes_reason_cause(const struct config *cfg, const char *reason,
				bool locations);
const char *causes_location_cause(const struct config *cfg,
				  const char *function);
/* Clears the per-code cache. */
void causes_cache_reset(struct causes *c);
/* The cause of drop address addr: causes.locations names the function the
 * label renders, else other. Cached per address (locations.c). */
int location_cause(struct causes *c, uint64_t addr);
void loc_cache_free(struct loc_cache *lc);

#endif
