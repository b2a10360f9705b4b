/* generation: see generation.h. This file builds, starts, carries, stops
 * and frees; enable.c turns probes on, hist.c reads hist triggers.
 *
 * DESIGN: after generation_start() the reader threads are the only writers
 * of the counters, each to its own shard (lock-free). The causes ticker
 * and scrapes run under the caller's lock and only read them, except for
 * the hist shard, which generation_refresh() writes under that lock. The
 * probe-state table, the parser and the families are written while the
 * generation is built and only read afterwards. generation_stop() joins the
 * ticker before the readers, so a last tick never reads a shard that is
 * being drained into, and nothing is freed while a thread runs.
 */
#include "generation/generation_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log/log.h"

/* The series cap of every probe: only labelled probes keep series. */
static unsigned *series_caps(const struct config *cfg)
{
	int n = config_probe_count(cfg);
	unsigned *caps = calloc(n + 1, sizeof(*caps));

	for (int i = 0; caps && i < n; i++)
		caps[i] = config_probe(cfg, i)->nlabels ?
			  config_probe(cfg, i)->max_series : 0;
	return caps;
}

/* The counters and one parse thread per traced CPU; -1 on ENOMEM. */
static int build_counters(struct generation *g)
{
	unsigned *caps = series_caps(g->cfg);
	int ncpus = g->ncpus = session_cpu_count();

	if (caps)
		g->metrics = metrics_new(config_probe_count(g->cfg), caps, ncpus);
	free(caps);
	g->threads = calloc(ncpus, sizeof(*g->threads));
	g->cpus = calloc(ncpus, sizeof(*g->cpus));
	if (!g->metrics || !g->threads || !g->cpus)
		return -1;
	for (int c = 0; c < ncpus; c++) {
		g->cpus[c] = config_cpu_enabled(g->cfg, c);
		if (!g->cpus[c])
			continue;
		g->threads[c] = parse_thread_new(g->parser,
						 metrics_shard(g->metrics, c));
		if (!g->threads[c])
			return -1;
	}
	return 0;
}

/* The metric families of g (pkg/collect), once its probe states are
 * final; -1 on ENOMEM. */
static int build_families(struct generation *g)
{
	struct collect_src src = {
		.cfg = g->cfg, .parser = g->parser, .metrics = g->metrics,
		.session = g->env.session, .states = g->states,
		.cpus = g->cpus, .ncpus = g->ncpus,
		.status = g->env.status, .causes = g->causes,
	};

	g->collect = collect_new(&src);
	return g->collect ? 0 : -1;
}

/* One unwind path: generation_free() takes whatever was built, but not
 * cfg, which stays the caller's. */
struct generation *generation_new_after(struct config *cfg,
					const struct generation_env *env,
					const struct generation *prev)
{
	struct generation *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->env = *env;
	g->states = pstate_new(config_probe_count(cfg));
	g->parser = parser_new(session_tep(env->session), cfg);
	g->cfg = cfg;
	if (!g->states || !g->parser ||
	    gen_enable(g, prev ? prev->states : NULL) || build_counters(g))
		goto err_free;
	g->causes = causes_new(cfg, g->parser, g->metrics, g->states);
	if (!g->causes || build_families(g))
		goto err_free;
	return g;
err_free:
	g->cfg = NULL;
	generation_free(g);
	errno = ENOMEM;
	return NULL;
}

struct generation *generation_new(struct config *cfg,
				  const struct generation_env *env)
{
	return generation_new_after(cfg, env, NULL);
}

void generation_carry(struct generation *g, const struct generation *prev)
{
	int kept = 0, n = config_probe_count(g->cfg);
	char k[12], a[12], r[12];

	for (int j = 0; j < n; j++) {
		int i = config_probe_previous(g->cfg, j);

		if (i < 0)
			continue;
		metrics_carry(g->metrics, j, prev->metrics, i);
		kept++;
	}
	metrics_carry_totals(g->metrics, prev->metrics);
	snprintf(k, sizeof(k), "%d", kept);
	snprintf(a, sizeof(a), "%d", n - kept);
	snprintf(r, sizeof(r), "%d", config_probe_count(prev->cfg) - kept);
	log_msg(LOG_INFO, "config reloaded", "probes_kept", k,
		"probes_started", a, "probes_removed", r, NULL);
}

/* Reader callback: the CPU's parse thread counts one page. */
static void page_ready(void *ctx, void *page)
{
	parse_page(ctx, page);
}

/* Expires the idle series of the probes counted by the ring buffer. A
 * probe counted by a hist trigger keeps its series: they are the kernel's
 * table, which holds every key until the trigger goes, with counts that
 * never restart; expiring them would bring them back at the next read. */
static void expire(struct generation *g)
{
	double now = causes_now();

	for (int i = 0; i < config_probe_count(g->cfg); i++)
		if (pstate_mode(g->states, i) != PSTATE_HIST)
			metrics_expire(g->metrics, i, now,
				       config_probe(g->cfg, i)->idle_seconds);
}

/* The ticker's hook: kernel-held counts first, then expiry, then the
 * snapshot. */
static void refresh(void *ctx)
{
	generation_refresh(ctx);
	expire(ctx);
}

int generation_start(struct generation *g, pthread_mutex_t *lock)
{
	g->readers = reader_start(g->env.session, g->cpus, g->ncpus,
				  parser_page_size(g->parser), page_ready,
				  (void *const *)g->threads);
	if (!g->readers)
		return -1;
	if (causes_start(g->causes, lock, refresh, g) == 0)
		return 0;
	generation_stop(g);
	return -1;
}

char *generation_scrape(struct generation *g, struct expo *w, size_t *len)
{
	generation_refresh(g);
	collect_run(g->collect, w);
	return expo_detach(w, len);
}

void generation_stop(struct generation *g)
{
	if (g->causes)
		causes_stop(g->causes);
	reader_stop(g->readers);
	g->readers = NULL;
}

void generation_free(struct generation *g)
{
	if (!g)
		return;
	generation_stop(g);
	collect_free(g->collect);
	causes_free(g->causes);
	for (int c = 0; g->threads && c < g->ncpus; c++)
		parse_thread_free(g->threads[c]);
	free(g->threads);
	free(g->cpus);
	metrics_free(g->metrics);
	parser_free(g->parser);
	pstate_free(g->states);
	config_free(g->cfg);
	free(g);
}

const struct config *generation_config(const struct generation *g)
{
	return g->cfg;
}

const struct pstate *generation_states(const struct generation *g)
{
	return g->states;
}
