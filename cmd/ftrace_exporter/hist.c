/* hist: reads the kernel's hist triggers (probes with mode: hist) into the
 * metrics' hist shard, so the collectors and the drop causes read them like
 * any counter. Runs with p->lock held, before each scrape and each causes
 * tick: the only writer of the hist shard.
 */
#include <stdlib.h>

#include "pipeline_int.h"
#include "config/config.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "tracefs/tracefs.h"

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
static void hist_read(struct pipeline *p, int i)
{
	struct hist_ctx c = { metrics_hist_shard(p->metrics), i, 0 };
	char *text = session_hist_read(p->session, i);
	struct hist_totals t;

	if (text && parser_hist_parse(p->parser, i, config_probe(p->cfg, i),
				      text, store, &c, &t) >= 0) {
		shard_hits_set(c.shard, i, t.hits);
		shard_dropped_set(c.shard, i, t.dropped + c.over);
	} else {
		shard_parse_error(c.shard);
	}
	free(text);
}

void hist_refresh(void *ctx)
{
	struct pipeline *p = ctx;

	for (int i = 0; i < config_probe_count(p->cfg); i++)
		if (config_probe(p->cfg, i)->hist && p->probe_up[i])
			hist_read(p, i);
}
