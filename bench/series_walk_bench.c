/* series_walk_bench: what the drop-cause tick (once a second, under the
 * pipeline lock) and a scrape (collect_run, every scrape, under the same
 * lock) cost when the series cap is large and few series are live.
 *
 * A probe on skb:kfree_skb labelled by location and reason, with a cap of
 * 1,000,000, on SHARDS counter shards; LIVE series, each produced on every
 * shard. The event formats come from the running kernel's tracefs (read
 * only: no instance is made). Times causes_tick() and collect_run() and
 * prints the mean per pass; the cost should follow the live series, not the
 * cap times the shards. A benchmark: it prints figures and checks nothing
 * but that the pass saw every series.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event-parse.h>

#include "causes/causes.h"
#include "collect/collect.h"
#include "config/config.h"
#include "expose/expose.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "pstate/pstate.h"
#include "tracefs/tracefs.h"

#define SHARDS 8
#define LIVE 64
#define MIN_SECONDS 1.0

static const char yaml[] =
	"limits:\n  max_series_per_probe: 1000000\n"
	"probes:\n"
	"  - name: drops\n    tracepoint: skb:kfree_skb\n"
	"    metric: ftrace_bench_drops_total\n"
	"    labels: [location, reason]\n"
	"causes:\n  probe: drops\n";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* LIVE series (location i, reason 2), each hit once on every shard. */
static void fill(struct metrics *m)
{
	for (int c = 0; c < SHARDS; c++)
		for (int i = 0; i < LIVE; i++) {
			struct series_key k;

			memset(&k, 0, sizeof(k));
			k.v[0].num = 0x1000 + i;
			k.v[1].num = 2;
			shard_hit(metrics_shard(m, c), 0);
			shard_series_add(metrics_shard(m, c), 0, &k);
		}
}

/* Runs pass(ctx) until MIN_SECONDS passed (at least 3 times); prints the
 * mean time per pass. */
static void timed(const char *name, void (*pass)(void *ctx), void *ctx)
{
	double t0 = now(), dt;
	int n = 0;

	do {
		pass(ctx);
		n++;
		dt = now() - t0;
	} while (dt < MIN_SECONDS || n < 3);
	printf("series walk: %s: %.3f ms per pass (cap 1000000, %d shards, "
	       "%d live series, %d passes)\n", name, dt * 1e3 / n, SHARDS,
	       LIVE, n);
}

static double tick_time;

static void tick_pass(void *ctx)
{
	causes_tick(ctx, tick_time += 1);
}

static void scrape_pass(void *ctx)
{
	const struct collect *c = ctx;
	struct expo *w = expo_new();

	if (!w || collect_run(c, w) ||
	    !strstr(expo_text(w), "ftrace_bench_drops_total{location=")) {
		fprintf(stderr, "series_walk_bench: scrape failed\n");
		exit(1);
	}
	expo_free(w);
}

/* Times the causes tick and the scrape of m with causes c. */
static int time_passes(struct config *cfg, struct parser *p,
		       struct metrics *m, struct pstate *st, struct causes *c)
{
	static const struct collect_status status = { true, 0 };
	bool cpus[SHARDS];
	struct collect *col;

	memset(cpus, 1, sizeof(cpus));
	col = collect_new(&(struct collect_src){
		.cfg = cfg, .parser = p, .metrics = m, .states = st,
		.cpus = cpus, .ncpus = SHARDS, .causes = c,
		.status = &status });
	if (!col)
		return -1;
	timed("causes tick", tick_pass, c);
	timed("collect_run scrape", scrape_pass, col);
	collect_free(col);
	return 0;
}

/* Builds the metrics, causes and probe states, times both passes. */
static int run(struct config *cfg, struct parser *p)
{
	unsigned caps[1] = { config_probe(cfg, 0)->max_series };
	struct pstate *st = pstate_new(1);
	double t0 = now();
	struct metrics *m = metrics_new(1, caps, SHARDS);
	struct causes *c;
	int ret;

	if (!m)
		return -1;
	printf("series walk: metrics_new: %.3f ms\n", (now() - t0) * 1e3);
	fill(m);
	if (!st || pstate_set(st, 0, NULL))
		return -1;
	c = causes_new(cfg, p, m, st);
	if (!c) {
		metrics_free(m);
		return -1;
	}
	ret = time_passes(cfg, p, m, st, c);
	causes_free(c);
	metrics_free(m);
	pstate_free(st);
	return ret;
}

int main(void)
{
	struct config *cfg = config_parse("bench", yaml, stderr);
	struct tep_handle *tep = cfg ? session_load_tep(NULL, cfg) : NULL;
	struct parser *p = tep ? parser_new(tep, cfg) : NULL;
	int ret = 1;

	if (p && run(cfg, p) == 0)
		ret = 0;
	else
		fprintf(stderr, "series_walk_bench: setup failed (tracefs?)\n");
	parser_free(p);
	tep_free(tep);
	config_free(cfg);
	return ret;
}
