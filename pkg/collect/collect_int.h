/* Private to pkg/collect: the families built by collect_new() and the
 * collectors that write them. Built once, then only read: a scrape writes
 * nothing here. */
#ifndef FTE_COLLECT_INT_H
#define FTE_COLLECT_INT_H

#include "collect/collect.h"

#include "causes/causes.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "pstate/pstate.h"
#include "tracefs/tracefs.h"

#define COLLECT_MAX 8		/* room in the table of collectors */

/* One sample of a hits family: the probe whose hits it reports and its
 * label value (a function's name, borrowed from the config, or an event's
 * "system:event", owned). */
struct collect_row {
	int probe;
	const char *label;
	char *owned;
};

/* One labelled family: named, helped and labelled as its first probe
 * says, summing the series of its up probes (members[0..nmembers)). */
struct collect_family {
	const struct probe_spec *spec;
	int *members;
	int nmembers;
};

/* A traced CPU and its label value. */
struct collect_cpu {
	int cpu;
	char label[12];
};

struct collect {
	struct collect_src src;
	struct collect_row *functions;	/* one per up function probe */
	int nfunctions;
	struct collect_row *events;	/* one per kernel event with an up probe */
	int nevents;
	struct collect_family *families;	/* in the order of their first probe */
	int nfamilies;
	int *members;			/* the families' members, back to back */
	struct collect_cpu *cpus;	/* the traced CPUs, in order */
	int ncpus;
	struct collector table[COLLECT_MAX];
	int ncollectors;
};

/* collect_probes.c: builds the hits rows and the labelled families of c;
 * -1 on ENOMEM (collect_free() takes what was built). */
int collect_probes_build(struct collect *c);
void collect_probes_free(struct collect *c);

/* The collectors: ctx is the const struct collect; 0, or -1 with errno. */
int collect_probes(void *ctx, struct expo *w);
int collect_causes(void *ctx, struct expo *w);
int collect_lost(void *ctx, struct expo *w);
int collect_self(void *ctx, struct expo *w);

#endif
