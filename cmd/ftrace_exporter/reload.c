/* reload: moves the running pipeline to a new config (SIGHUP, POST
 * /-/reload) while the probes both configs define the same way keep
 * counting: counters belong to probes, not to a config generation.
 *
 * DESIGN: the order, so that no event of a kept probe is lost or counted
 * twice and a scrape always sees one generation whole:
 *  1. session_retire(): ring-buffer events no new probe needs go off;
 *  2. generation_stop(): the old ticker stops, the old readers drain the
 *     buffers with the old parser (scrapes still see the old generation);
 *  3. under p->lock: session_switch() and generation_new() put the new
 *     config on (events of kept probes wait in the ring buffer meanwhile),
 *     generation_carry() moves kept probes' counters, and p->gen changes;
 *  4. generation_start(): readers on the new parser, the causes over the
 *     new counters (their window refills from there).
 * A probe whose definition changed starts from zero; a removed one goes.
 * A bad config, or a changed `tracing:` section, changes nothing. A failure
 * after step 1 (out of memory) leaves no consistent state to serve: the
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
#include <event-parse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline_int.h"
#include "config/config.h"
#include "http/http.h"
#include "log/log.h"
#include "tracefs/tracefs.h"
#include "webcfg/webcfg.h"

/* Step 3 under p->lock: the new generation replaces the old, which is
 * returned with the event formats it was parsed with (*tep). NULL when
 * anything failed: p->gen is then the old one, stopped, and the session
 * may be on next, which p->orphan keeps. */
static struct generation *switch_locked(struct pipeline *p,
					struct config *next,
					struct tep_handle **tep)
{
	struct generation *old = p->gen, *g;

	*tep = session_switch(p->session, next);
	g = *tep ? pipeline_generation(p, next) : NULL;
	if (!g) {
		p->orphan = next;
		return NULL;
	}
	generation_carry(g, old);
	p->gen = g;
	p->status = (struct collect_status){ true, (double)time(NULL) };
	return old;
}

/* Steps 1 to 4 (see above); 0, or -1 when p can no longer be served. */
static int switch_generation(struct pipeline *p, struct config *next)
{
	struct generation *old;
	struct tep_handle *tep;

	session_retire(p->session, next);
	generation_stop(p->gen);
	pthread_mutex_lock(&p->lock);
	old = switch_locked(p, next, &tep);
	if (!old)	/* the session may still use old: the exporter stops */
		__atomic_store_n(&p->failed, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&p->lock);
	if (!old)
		return -1;
	generation_free(old);
	tep_free(tep);
	return generation_start(p->gen, &p->lock);
}

/* Records a refused reload (the running config stays) for the metrics. */
static int refuse(struct pipeline *p, char *msg, size_t len, const char *why)
{
	pthread_mutex_lock(&p->lock);
	p->status.reload_ok = false;
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
	if (!config_tracing_same(generation_config(p->gen), next))
		return "the tracing: section changed (it applies at restart)";
	return NULL;
}

/* Reloads under reload_lock: a SIGHUP and a POST /-/reload at once run one
 * after the other. */
static int reload(struct pipeline *p, char *msg, size_t len)
{
	struct config *next = config_load_after(p->flags->config_file,
						generation_config(p->gen), stderr);
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
	if (switch_generation(p, next) == 0)
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
