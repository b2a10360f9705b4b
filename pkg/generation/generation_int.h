/* Private to pkg/generation: the struct shared by its files. */
#ifndef FTE_GENERATION_INT_H
#define FTE_GENERATION_INT_H

#include "generation/generation.h"

#include "causes/causes.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "reader/reader.h"

struct generation {
	struct config *cfg;
	struct generation_env env;
	bool *cpus;			/* [ncpus]: the config's traced CPUs */
	int ncpus;
	struct pstate *states;
	struct parser *parser;
	struct metrics *metrics;
	struct parse_thread **threads;	/* [ncpus], NULL for untraced CPUs */
	struct reader_pool *readers;	/* NULL when not running */
	struct causes *causes;
	struct collect *collect;	/* the families a scrape writes */
};

/* enable.c: turns every probe of g->cfg on in the session and records the
 * outcome and the way each counts in g->states (logged once per probe);
 * prev is the table of the generation g->cfg was loaded after (its kept
 * auto probes keep their way), or NULL. -1 only on ENOMEM. */
int gen_enable(struct generation *g, const struct pstate *prev);

/* True when label l of probe i has no field in this kernel's event and
 * will be empty for that reason. Packet labels are not: they come from the
 * probe's event probe, and without it the fallback says why once. */
static inline bool gen_label_absent(const struct config *cfg,
				    const struct parser *ps, int i, int l)
{
	return parser_label_missing(ps, i, l) &&
	       !(config_packet_labels(cfg, i) & (1u << l));
}

#endif
