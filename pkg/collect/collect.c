/* collect: see collect.h. This file builds, runs and frees, and holds the
 * one table of collectors, in exposition order; each collector is a file
 * of its own (collect_probes.c, collect_causes.c, collect_lost.c,
 * collect_self.c). */
#include "collect/collect_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const struct {
	const char *name;
	int (*collect)(void *ctx, struct expo *w);
} registry[] = {
	{ "probes", collect_probes },
	{ "causes", collect_causes },
	{ "lost", collect_lost },
	{ "self", collect_self },
};

_Static_assert(sizeof(registry) / sizeof(registry[0]) <= COLLECT_MAX,
	       "collect: raise COLLECT_MAX");

/* The traced CPUs and their label values; -1 on ENOMEM. */
static int build_cpus(struct collect *c)
{
	c->cpus = calloc(c->src.ncpus + 1, sizeof(*c->cpus));
	if (!c->cpus)
		return -1;
	for (int cpu = 0; cpu < c->src.ncpus; cpu++) {
		if (!c->src.cpus[cpu])
			continue;
		c->cpus[c->ncpus].cpu = cpu;
		snprintf(c->cpus[c->ncpus].label,
			 sizeof(c->cpus[c->ncpus].label), "%d", cpu);
		c->ncpus++;
	}
	return 0;
}

/* Every collector of the registry, reading c. */
static void build_table(struct collect *c)
{
	c->ncollectors = sizeof(registry) / sizeof(registry[0]);
	for (int i = 0; i < c->ncollectors; i++) {
		c->table[i].name = registry[i].name;
		c->table[i].collect = registry[i].collect;
		c->table[i].ctx = c;
	}
}

/* One unwind path: collect_free() takes whatever was built. */
struct collect *collect_new(const struct collect_src *src)
{
	struct collect *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->src = *src;
	if (build_cpus(c) || collect_probes_build(c)) {
		collect_free(c);
		errno = ENOMEM;
		return NULL;
	}
	build_table(c);
	return c;
}

/* The table in order, through expo_collect(). */
int collect_run(const struct collect *c, struct expo *w)
{
	return expo_collect(w, c->table, c->ncollectors);
}

/* The families, then c; what src pointed to stays the caller's. */
void collect_free(struct collect *c)
{
	if (!c)
		return;
	collect_probes_free(c);
	free(c->cpus);
	free(c);
}
