/* reload: moves the running pipeline to a new config (SIGHUP, POST
 * /-/reload) while the probes both configs define the same way keep
 * counting: counters belong to probes, not to a config generation.
 *
 * DESIGN: the switch runs under p->lock, so a scrape sees one generation
 * whole. Order, so that no event of a kept probe is lost or counted twice:
 *  1. session_retire(): events no new probe needs are turned off;
 *  2. reader_stop(): the readers drain the buffers with the old parser;
 *  3. session_switch(), parser_new(), enable_probes(): the new config goes
 *     on; events of kept probes wait in the ring buffer meanwhile;
 *  4. metrics_carry(): kept probes' counters move to the new metrics;
 *  5. the readers restart on the new parser, the causes over the new
 *     counters (their window refills from there).
 * A probe whose definition changed starts from zero; a removed one goes.
 * A bad config, or a changed `tracing:` section, changes nothing. A failure
 * after step 2 (out of memory) leaves no consistent state to serve: the
 * exporter then stops with status 1 so its supervisor restarts it.
 */
#include <errno.h>
#include <event-parse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline_int.h"
#include "causes/causes.h"
#include "config/config.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "reader/reader.h"
#include "tracefs/tracefs.h"

/* The per-config state a reload replaces. */
struct generation {
	struct config *cfg;
	struct parser *parser;
	struct metrics *metrics;
	struct parse_thread **threads;
	bool *probe_up;
	struct causes *causes;
	struct tep_handle *tep;
};

static struct generation take_generation(struct pipeline *p)
{
	struct generation g = {
		p->cfg, p->parser, p->metrics, p->threads, p->probe_up,
		p->causes, NULL,
	};

	p->parser = NULL;
	p->metrics = NULL;
	p->threads = NULL;
	p->probe_up = NULL;
	p->causes = NULL;
	return g;
}

static void generation_free(struct generation *g, int ncpus)
{
	causes_free(g->causes);
	for (int c = 0; g->threads && c < ncpus; c++)
		parse_thread_free(g->threads[c]);
	free(g->threads);
	metrics_free(g->metrics);
	parser_free(g->parser);
	tep_free(g->tep);
	free(g->probe_up);
	config_free(g->cfg);
}

/* The probe of old that next's probe j keeps, or -1. */
static int kept_from(const struct config *old, const struct config *next,
		     int j)
{
	for (int i = 0; i < config_probe_count(old); i++)
		if (config_probe_same(config_probe(old, i),
				      config_probe(next, j)))
			return i;
	return -1;
}

/* Carries the counters of every kept probe, and the per-CPU totals. */
static void carry_counters(struct pipeline *p, const struct generation *old)
{
	int kept = 0, n = config_probe_count(p->cfg);
	char k[12], a[12], r[12];

	for (int j = 0; j < n; j++) {
		int i = kept_from(old->cfg, p->cfg, j);

		if (i < 0)
			continue;
		metrics_carry(p->metrics, j, old->metrics, i);
		kept++;
	}
	metrics_carry_totals(p->metrics, old->metrics);
	snprintf(k, sizeof(k), "%d", kept);
	snprintf(a, sizeof(a), "%d", n - kept);
	snprintf(r, sizeof(r), "%d", config_probe_count(old->cfg) - kept);
	log_msg(LOG_INFO, "config reloaded", "probes_kept", k,
		"probes_started", a, "probes_removed", r, NULL);
}

/* Steps 3 to 5 with the readers stopped. -1 leaves p unusable. */
static int switch_generation(struct pipeline *p, struct generation *old,
			     int ncpus)
{
	old->tep = session_switch(p->session, p->cfg);
	if (!old->tep)
		return -1;
	p->parser = parser_new(session_tep(p->session), p->cfg);
	p->probe_up = calloc(config_probe_count(p->cfg) + 1,
			     sizeof(*p->probe_up));
	if (!p->parser || !p->probe_up || enable_probes(p))
		return -1;
	log_missing_labels(p);
	if (setup_counters(p, ncpus))
		return -1;
	carry_counters(p, old);
	p->readers = reader_start(p->session, p->cpus, ncpus,
				  parser_page_size(p->parser), page_ready,
				  (void **)p->threads);
	return p->readers && start_causes(p) == 0 ? 0 : -1;
}

/* Switches p to next under the scrape lock; 0, or -1 when p can no longer
 * be served. */
static int reload_locked(struct pipeline *p, struct config *next)
{
	int ncpus = session_cpu_count(), ret;
	struct generation old;

	causes_stop(p->causes);	/* its ticker takes p->lock */
	pthread_mutex_lock(&p->lock);
	session_retire(p->session, next);
	reader_stop(p->readers);
	p->readers = NULL;
	old = take_generation(p);
	p->cfg = next;
	ret = switch_generation(p, &old, ncpus);
	if (ret == 0) {
		fill_scrape_src(p, ncpus);
		generation_free(&old, ncpus);
	} else {	/* the session may still use old: the exporter stops */
		__atomic_store_n(&p->failed, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* Records a refused reload (the running config stays) for the metrics. */
static int refuse(struct pipeline *p, char *msg, size_t len, const char *why)
{
	pthread_mutex_lock(&p->lock);
	p->src.reload_ok = false;
	pthread_mutex_unlock(&p->lock);
	snprintf(msg, len, "%s; keeping the running config", why);
	return -1;
}

/* Reloads under reload_lock: a SIGHUP and a POST /-/reload at once run one
 * after the other. */
static int reload(struct pipeline *p, char *msg, size_t len)
{
	struct config *next = config_load(p->flags->config_file, stderr);

	if (!next)
		return refuse(p, msg, len, "invalid config");
	if (!config_tracing_same(p->cfg, next)) {
		config_free(next);
		return refuse(p, msg, len, "the tracing: section changed (it "
			      "applies at restart)");
	}
	if (reload_locked(p, next) == 0)
		return 0;
	log_msg(LOG_ERROR, "reload failed midway; stopping so a restart "
		"applies the new config", "err", strerror(errno ? errno : ENOMEM),
		NULL);
	kill(getpid(), SIGTERM);
	snprintf(msg, len, "reload failed midway; the exporter stops");
	return -1;
}

int pipeline_reload(struct pipeline *p, char *msg, size_t len)
{
	int ret;

	pthread_mutex_lock(&p->reload_lock);
	if (pipeline_failed(p)) {
		snprintf(msg, len, "the exporter is stopping");
		ret = -1;
	} else {
		ret = reload(p, msg, len);
	}
	pthread_mutex_unlock(&p->reload_lock);
	return ret;
}

bool pipeline_failed(const struct pipeline *p)
{
	return __atomic_load_n(&p->failed, __ATOMIC_ACQUIRE);
}
