/* generation hist: reads the kernel's hist triggers (the probes the
 * probe-state table says count by one: mode hist, or auto where the
 * kernel took the trigger) into the metrics' hist shard, so that the
 * collectors and the drop causes read them like any counter. The only
 * writer of the hist shard: it runs under the scrape lock, before each
 * scrape and each causes tick.
 */
#include <stdlib.h>

#include "generation/generation_int.h"

struct hist_ctx {
	struct shard *shard;
	int probe;
	uint64_t over;		/* hits of entries over the series cap */
};

static void store(const struct series_key *k, uint64_t count, void *arg)
{
	struct hist_ctx *c = arg;

	if (!shard_series_set(c->shard, c->probe, k, count))
		c->over += count;
}

/* One probe's hist file into the shard; a file that cannot be read or
 * parsed counts as a parse error and leaves the last values. */
static void hist_read(struct generation *g, int i)
{
	struct hist_ctx c = { metrics_hist_shard(g->metrics), i, 0 };
	char *text = session_hist_read(g->env.session, i);
	struct hist_totals t;

	if (text && parser_hist_parse(g->parser, i, config_probe(g->cfg, i),
				      text, store, &c, &t) >= 0) {
		shard_hits_set(c.shard, i, t.hits);
		shard_dropped_set(c.shard, i, t.dropped + c.over);
	} else {
		shard_parse_error(c.shard);
	}
	free(text);
}

void generation_refresh(struct generation *g)
{
	for (int i = 0; i < config_probe_count(g->cfg); i++)
		if (pstate_mode(g->states, i) == PSTATE_HIST &&
		    pstate_up(g->states, i))
			hist_read(g, i);
}
