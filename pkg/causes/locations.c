/* locations: the cause of a drop address (the causes probe's `location`
 * label), for kernels without drop reasons. The first time an address is
 * seen, the parser renders it as /metrics shows the label (a function
 * name, through kallsyms) and causes.locations is looked up; the answer is
 * cached per raw address, so a tick does no string work for addresses it
 * has seen. Distinct addresses are bounded by the probe's series cap. */
#include "causes/causes_int.h"

#include <stdlib.h>
#include <string.h>

/* The slot of addr in a table of cap (a power of two) slots: its own, or
 * the empty one where it belongs. */
static size_t slot_of(const uint64_t *addr, const int16_t *cause, size_t cap,
		      uint64_t a)
{
	size_t i = (a * 0x9e3779b97f4a7c15ULL >> 32) & (cap - 1);

	while (cause[i] >= 0 && addr[i] != a)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Doubles the table (64 slots at first), moving every entry. -1 on ENOMEM,
 * the table unchanged. */
static int loc_cache_grow(struct loc_cache *lc)
{
	size_t cap = lc->cap ? 2 * lc->cap : 64, j;
	uint64_t *addr = malloc(cap * sizeof(*addr));
	int16_t *cause = malloc(cap * sizeof(*cause));

	if (!addr || !cause) {
		free(addr);
		free(cause);
		return -1;
	}
	memset(cause, 0xff, cap * sizeof(*cause));
	for (size_t i = 0; i < lc->cap; i++) {
		if (lc->cause[i] < 0)
			continue;
		j = slot_of(addr, cause, cap, lc->addr[i]);
		addr[j] = lc->addr[i];
		cause[j] = lc->cause[i];
	}
	loc_cache_free(lc);
	lc->addr = addr;
	lc->cause = cause;
	lc->cap = cap;
	return 0;
}

/* Frees the table's arrays; the cache is then empty. */
void loc_cache_free(struct loc_cache *lc)
{
	free(lc->addr);
	free(lc->cause);
	lc->addr = NULL;
	lc->cause = NULL;
	lc->cap = lc->used = 0;
}

/* Remembers cause for a; without memory to grow, nothing is cached and
 * the address is looked up again next time. */
static void loc_cache_put(struct loc_cache *lc, uint64_t a, int cause)
{
	size_t i;

	if (2 * (lc->used + 1) > lc->cap && loc_cache_grow(lc))
		return;
	i = slot_of(lc->addr, lc->cause, lc->cap, a);
	lc->addr[i] = a;
	lc->cause[i] = cause;
	lc->used++;
}

/* The function at addr as the location label names it, then its cause. */
static int lookup(const struct causes *c, uint64_t addr)
{
	char name[LABEL_VALUE_MAX];

	parser_render_value(c->parser, c->drops_probe, c->location_label,
			    addr, name, sizeof(name));
	return cause_index(c, causes_location_cause(c->cfg, name));
}

int location_cause(struct causes *c, uint64_t addr)
{
	struct loc_cache *lc = &c->locs;
	size_t i;
	int cause;

	if (lc->cap) {
		i = slot_of(lc->addr, lc->cause, lc->cap, addr);
		if (lc->cause[i] >= 0)
			return lc->cause[i];
	}
	cause = lookup(c, addr);
	loc_cache_put(lc, addr, cause);
	return cause;
}
