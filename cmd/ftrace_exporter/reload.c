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
 *
 * The web config (--web.config.file: TLS material, users, headers) is read
 * again with the config, and is applied before step 1, so that whatever
 * refuses the reload changes nothing: an invalid file (its problems printed
 * as FILE:LINE:COL like the config's), or a web config the web server
 * cannot start with. http_server_set_web() starts a new daemon on the same
 * listening socket and retires the old one once its requests are through
 * (also the POST /-/reload running this); the server keeps its own copy,
 * so the previous p->web is freed at once.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline_int.h"
#include "causes/causes.h"
#include "config/config.h"
#include "http/http.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "reader/reader.h"
#include "tracefs/tracefs.h"
#include "webcfg/webcfg.h"

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

/* Loads --web.config.file again into *web (NULL without the flag), its
 * problems printed to stderr as FILE:LINE:COL. 0, or -1 when invalid. */
static int load_web(const struct pipeline *p, struct webcfg **web)
{
	*web = NULL;
	if (!p->flags->web_config)
		return 0;
	*web = webcfg_load(p->flags->web_config, stderr);
	return *web ? 0 : -1;
}

/* Serves with web from now on and makes it p->web, freeing the previous
 * one (the server has its own copy). Nothing to do without the flag. 0,
 * or -1 with the running web config still serving and web the caller's. */
static int apply_web(struct pipeline *p, struct webcfg *web)
{
	if (!p->flags->web_config)
		return 0;
	if (http_server_set_web(p->http, web))
		return -1;
	webcfg_free(p->web);
	p->web = web;
	log_msg(LOG_INFO, "web config reloaded", "file", p->flags->web_config,
		"tls", webcfg_tls(web) ? "true" : "false", "basic_auth",
		webcfg_user_count(web) ? "true" : "false", NULL);
	return 0;
}

/* Why the loaded next and web (web_ok: valid or not asked for) cannot be
 * applied, or NULL when they can. */
static const char *refusal(const struct pipeline *p, const struct config *next,
			   bool web_ok)
{
	if (!next)
		return web_ok ? "invalid config" :
				"invalid config and web config";
	if (!web_ok)
		return "invalid web config";
	if (!config_tracing_same(p->cfg, next))
		return "the tracing: section changed (it applies at restart)";
	return NULL;
}

/* Reloads under reload_lock: a SIGHUP and a POST /-/reload at once run one
 * after the other. */
static int reload(struct pipeline *p, char *msg, size_t len)
{
	struct config *next = config_load(p->flags->config_file, stderr);
	struct webcfg *web;
	bool web_ok = load_web(p, &web) == 0;
	const char *why = refusal(p, next, web_ok);

	if (!why && apply_web(p, web))
		why = "the web server cannot start with the new web config";
	if (why) {
		config_free(next);
		webcfg_free(web);
		return refuse(p, msg, len, why);
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
