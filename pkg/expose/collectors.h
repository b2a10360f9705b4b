/* collectors: the exporter's metric families, one collector per file,
 * registered in one table (collectors.c). They read the scrape source below
 * and never write to it. */
#ifndef FTE_EXPOSE_COLLECTORS_H
#define FTE_EXPOSE_COLLECTORS_H

#include <stdbool.h>

#include "causes/causes.h"
#include "config/config.h"
#include "expose/expose.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "pstate/pstate.h"
#include "tracefs/tracefs.h"

/* The outcome of the last config load (start or reload), kept by the
 * caller across generations. */
struct scrape_status {
	bool reload_ok;
	double reload_time;		/* unix seconds of last good load */
};

/* Everything a scrape reads; owned by the caller. */
struct scrape_src {
	const struct config *cfg;
	const struct parser *parser;
	const struct metrics *metrics;
	struct session *session;	/* NULL: no per-CPU kernel stats */
	const struct pstate *states;
	const bool *cpus;		/* [ncpus] traced CPUs */
	int ncpus;
	const struct scrape_status *status;
	const struct causes *causes;	/* NULL: no drop-cause gauges */
};

int collect_probes(void *src, struct expo *w);
int collect_self(void *src, struct expo *w);
int collect_lost(void *src, struct expo *w);
int collect_causes(void *src, struct expo *w);

/* Fills table (room for COLLECTORS_MAX) with every collector reading src;
 * returns how many. */
#define COLLECTORS_MAX 8
int collectors_table(struct collector *table, struct scrape_src *src);

#endif
