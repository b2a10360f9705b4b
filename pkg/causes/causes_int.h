/* causes_int: private to pkg/causes. The state shared by causes.c (building
 * and lifetime) and sample.c (reading the counters into cause inputs). */
#ifndef FTE_CAUSES_INT_H
#define FTE_CAUSES_INT_H

#include "causes/causes.h"
#include "causes/ticker.h"

/* Raw reason codes below this are cached; larger ones are looked up. */
#define CAUSES_CODE_CACHE 1024

/* A heuristic feeding cause: rate(probe) - rate(minus); minus -1: none. */
struct causes_rule {
	int cause, probe, minus;
};

struct causes {
	const struct config *cfg;
	const struct parser *parser;
	const struct metrics *metrics;
	int ncauses;
	const char **names;		/* [ncauses], strings owned by cfg */
	int other;			/* index of "other" */
	int reason_probe, reason_label;	/* -1: no reasons on this kernel */
	struct causes_rule *rules;	/* usable heuristics */
	int nrules;
	int16_t code_cause[CAUSES_CODE_CACHE];	/* -1: not looked up yet */
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
/* Clears the per-code cache. */
void causes_cache_reset(struct causes *c);

#endif
