/* reload: moves the running pipeline to a new config (SIGHUP, POST
 * /-/reload); probes both configs define the same way keep counting.
 *
 * DESIGN: the order (docs/architecture.md, "Reload"), so that no event of
 * a kept probe is lost or counted twice and a scrape sees one generation
 * whole:
 *  1. session_retire(): ring-buffer events no new probe needs go off (by
 *     the way each old probe counts: its generation's probe-state table);
 *  2. generation_stop(): the old ticker stops, the old readers drain the
 *     buffers with the old parser (scrapes still see the old generation);
 *  3. under p->lock: session_switch() and generation_new_after() put the
 *     new config on (kept probes' events wait in the ring buffer meanwhile),
 *     generation_carry() moves kept probes' counters, p->gen changes;
 *  4. generation_start(): readers on the new parser, causes ticker.
 * A bad config or web config, a changed `tracing:` section, or a web config
 * the server cannot start with changes nothing (the web config, read again
 * with the config, is applied before step 1). A failure after step 1 (out
 * of memory) leaves no consistent state to serve: the exporter then stops
 * with status 1 so that its supervisor restarts it.
 */
#include <errno.h>
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
 * returned. NULL when anything failed: p->gen is then the old one,
 * stopped, and the session may be on next, which p->orphan keeps. */
static struct generation *switch_locked(struct pipeline *p,
					struct config *next)
{
	struct generation *old = p->gen, *g;

	g = session_switch(p->session, next, generation_states(old)) ? NULL :
	    generation_new_after(next, &p->env, old);
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

	session_retire(p->session, next, generation_states(p->gen));
	generation_stop(p->gen);
	pthread_mutex_lock(&p->lock);
	old = switch_locked(p, next);
	if (!old)	/* the session may still use old: the exporter stops */
		__atomic_store_n(&p->failed, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&p->lock);
	if (!old)
		return -1;
	generation_free(old);
	if (generation_start(p->gen, &p->lock) == 0)
		return 0;
	__atomic_store_n(&p->failed, true, __ATOMIC_RELEASE);
	return -1;
}

/* Why next and web (web_ok: valid, or no --web.config.file) cannot be
 * applied, or NULL when they can; the web config is then applied (the
 * server copies it). */
static const char *refusal(struct pipeline *p, const struct config *next,
			   const struct webcfg *web, bool web_ok)
{
	if (!next)
		return web_ok ? "invalid config" :
				"invalid config and web config";
	if (!web_ok)
		return "invalid web config";
	if (!config_tracing_same(generation_config(p->gen), next))
		return "the tracing: section changed (it applies at restart)";
	if (web && http_server_set_web(p->http, web))
		return "the web server cannot start with the new web config";
	return NULL;
}

/* Reloads under reload_lock: a SIGHUP and a POST /-/reload at once run one
 * after the other. Both files are read again, the web config applied
 * first, so that whatever refuses the reload changes nothing. */
static int reload(struct pipeline *p, char *msg, size_t len)
{
	const char *path = p->flags->web_config, *why;
	struct config *next = config_load_after(p->flags->config_file,
						generation_config(p->gen), stderr);
	struct webcfg *web = path ? webcfg_load(path, stderr) : NULL;

	why = refusal(p, next, web, web || !path);
	webcfg_free(web);
	if (why) {	/* the running config stays; the metrics say so */
		config_free(next);
		pthread_mutex_lock(&p->lock);
		p->status.reload_ok = false;
		pthread_mutex_unlock(&p->lock);
		snprintf(msg, len, "%s; keeping the running config", why);
		return -1;
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
	int ret = -1;

	pthread_mutex_lock(&p->reload_lock);
	if (pipeline_failed(p))
		snprintf(msg, len, "the exporter is stopping");
	else
		ret = reload(p, msg, len);
	pthread_mutex_unlock(&p->reload_lock);
	return ret;
}

bool pipeline_failed(const struct pipeline *p)
{
	return __atomic_load_n(&p->failed, __ATOMIC_ACQUIRE);
}
