/* collect_bench: what one scrape (collect_run) costs as the probe count
 * grows, to show it follows the probes and the series, not their square.
 *
 * For 50, 100, 200 and 400 probes: probes in pairs on skb:kfree_skb
 * (labelled by protocol) and net:netif_receive_skb (labelled by length),
 * each pair feeding a family of its own (so half as many families as
 * probes, on two kernel events), each probe with SERIES series on each of
 * SHARDS counter shards. The event formats come from the running kernel's
 * tracefs (read only: no instance is made). Prints the mean time per
 * scrape and per probe; the per-probe figure should stay flat. A
 * benchmark: it prints figures and checks nothing but that each scrape
 * wrote every family.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event-parse.h>

#include "collect/collect.h"
#include "config/config.h"
#include "expose/expose.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "pstate/pstate.h"
#include "tracefs/tracefs.h"

#define SHARDS 2
#define SERIES 8
#define MIN_SECONDS 0.5

struct bench {
	struct config *cfg;
	struct tep_handle *tep;
	struct parser *parser;
	struct metrics *m;
	struct pstate *st;
	struct collect *c;
	struct expo *w;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The YAML of n probes: pair k (probes 2k, 2k+1) on kfree_skb when k is
 * even, netif_receive_skb when odd, feeding ftrace_bench_k_total. malloc'd,
 * NULL on ENOMEM. */
static char *probes_yaml(int n)
{
	size_t cap = 256 + 160 * (size_t)n, len;
	char *y = malloc(cap);

	if (!y)
		return NULL;
	len = snprintf(y, cap, "probes:\n");
	for (int i = 0; i < n; i++) {
		int k = i / 2;

		len += snprintf(y + len, cap - len,
				"  - name: p%d\n    tracepoint: %s\n"
				"    labels: [%s]\n"
				"    metric: ftrace_bench_%d_total\n", i,
				k % 2 ? "net:netif_receive_skb" : "skb:kfree_skb",
				k % 2 ? "len" : "protocol", k);
	}
	return y;
}

/* SERIES series of every probe on every shard, every probe up. */
static int fill(struct bench *b, int n)
{
	for (int c = 0; c < SHARDS; c++)
		for (int i = 0; i < n; i++)
			for (int s = 0; s < SERIES; s++) {
				struct series_key k = { 0 };

				k.v[0].num = 1000 + s;
				shard_hit(metrics_shard(b->m, c), i);
				shard_series_add(metrics_shard(b->m, c), i, &k);
			}
	for (int i = 0; i < n; i++)
		if (pstate_set(b->st, i, NULL))
			return -1;
	return 0;
}

/* The config, parser, counters and families of n probes; -1 on failure. */
static int setup(struct bench *b, int n, const bool *cpus,
		 const struct collect_status *status)
{
	char *yaml = probes_yaml(n);
	unsigned *caps = calloc(n, sizeof(*caps));

	b->cfg = yaml ? config_parse("bench", yaml, stderr) : NULL;
	b->tep = b->cfg ? session_load_tep(NULL, b->cfg) : NULL;
	b->parser = b->tep ? parser_new(b->tep, b->cfg) : NULL;
	for (int i = 0; caps && i < n; i++)
		caps[i] = 1000;
	b->m = b->parser && caps ? metrics_new(n, caps, SHARDS) : NULL;
	b->st = pstate_new(n);
	b->w = expo_new();
	free(caps);
	free(yaml);
	if (!b->m || !b->st || !b->w || fill(b, n))
		return -1;
	b->c = collect_new(&(struct collect_src){
		.cfg = b->cfg, .parser = b->parser, .metrics = b->m,
		.states = b->st, .cpus = cpus, .ncpus = SHARDS,
		.status = status });
	return b->c ? 0 : -1;
}

static void teardown(struct bench *b)
{
	collect_free(b->c);
	expo_free(b->w);
	pstate_free(b->st);
	metrics_free(b->m);
	parser_free(b->parser);
	tep_free(b->tep);
	config_free(b->cfg);
}

/* Scrapes until MIN_SECONDS passed (at least 3 times); the mean time per
 * scrape in seconds, or -1 when a scrape failed or missed a family. */
static double timed(struct bench *b, int n)
{
	char last[64];
	double t0 = now(), dt;
	int runs = 0;

	snprintf(last, sizeof(last), "ftrace_bench_%d_total{", (n - 1) / 2);
	do {
		if (collect_run(b->c, b->w) || !strstr(expo_text(b->w), last))
			return -1;
		runs++;
		dt = now() - t0;
	} while (dt < MIN_SECONDS || runs < 3);
	return dt / runs;
}

static int run(int n)
{
	static const struct collect_status status = { true, 0 };
	bool cpus[SHARDS] = { true, true };
	struct bench b = { 0 };
	double t = setup(&b, n, cpus, &status) ? -1 : timed(&b, n);

	if (t >= 0)
		printf("collect: %3d probes, %3d families, %5d series: "
		       "%8.1f us per scrape, %6.0f ns per probe\n", n, n / 2,
		       n * SERIES * SHARDS, t * 1e6, t * 1e9 / n);
	teardown(&b);
	return t >= 0 ? 0 : -1;
}

int main(void)
{
	static const int counts[] = { 50, 100, 200, 400 };

	for (size_t i = 0; i < sizeof(counts) / sizeof(*counts); i++)
		if (run(counts[i])) {
			fprintf(stderr, "collect_bench: %d probes: setup or "
				"scrape failed (tracefs?)\n", counts[i]);
			return 1;
		}
	return 0;
}
