/* collectors: the one table of collectors, in exposition order. */
#include "expose/collectors.h"

static const struct {
	const char *name;
	int (*collect)(void *src, struct expo *w);
} registry[] = {
	{ "probes", collect_probes },
	{ "causes", collect_causes },
	{ "lost", collect_lost },
	{ "self", collect_self },
};

_Static_assert(sizeof(registry) / sizeof(registry[0]) <= COLLECTORS_MAX,
	       "collectors: raise COLLECTORS_MAX");

int collectors_table(struct collector *table, struct scrape_src *src)
{
	int n = sizeof(registry) / sizeof(registry[0]);

	for (int i = 0; i < n; i++) {
		table[i].name = registry[i].name;
		table[i].collect = registry[i].collect;
		table[i].ctx = src;
	}
	return n;
}
