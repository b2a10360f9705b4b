/* pipeline: wires the configs, the tracefs session, the running generation
 * (pkg/generation) and the web server, and takes them down in the reverse
 * order.
 *
 * DESIGN: scrapes run on the HTTP server's connection threads, reloads on
 * the signal thread or the server's lifecycle thread (POST /-/reload), the
 * causes tick on its own thread; all of them hold p->lock, so a scrape sees
 * one generation whole. Only a reload writes p->gen and p->status.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter.h"
#include "pipeline_int.h"
#include "config/config.h"
#include "http/http.h"
#include "log/log.h"
#include "tracefs/tracefs.h"
#include "webcfg/webcfg.h"


struct generation *pipeline_generation(struct pipeline *p, struct config *cfg)
{
	struct generation_env env = {
		.session = p->session, .cpus = p->cpus, .ncpus = p->ncpus,
		.status = &p->status,
	};

	return generation_new(cfg, &env);
}

static int render(void *ctx, char **text, size_t *len)
{
	struct pipeline *p = ctx;

	pthread_mutex_lock(&p->lock);
	if (pipeline_failed(p)) {	/* a reload broke it: stopping */
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	generation_refresh(p->gen);
	generation_collect(p->gen, p->expo);
	*text = expo_detach(p->expo, len);
	pthread_mutex_unlock(&p->lock);
	return *text ? 0 : -1;
}

static int http_reload(void *ctx, char *msg, size_t len)
{
	return pipeline_reload(ctx, msg, len);
}

static bool is_ready(void *ctx)
{
	return __atomic_load_n(&((struct pipeline *)ctx)->ready,
			       __ATOMIC_ACQUIRE);
}

static int start_http(struct pipeline *p)
{
	struct http_opts o = {
		.listen = p->flags->listen,
		.telemetry_path = p->flags->telemetry_path,
		.content_type = EXPO_CONTENT_TYPE,
		.render = render, .render_ctx = p,
		/* without the flag POST /-/reload answers 403 */
		.reload = p->flags->enable_lifecycle ? http_reload : NULL,
		.reload_ctx = p,
		.ready = is_ready, .ready_ctx = p,
		.web = p->web,
	};

	p->http = http_server_start(&o);
	return p->http ? 0 : -1;
}

/* Logs where the server listens, with the bound port (tests and operators
 * that pass port 0 read it here). */
static void log_listening(const struct pipeline *p)
{
	char port[8];

	snprintf(port, sizeof(port), "%d", http_server_port(p->http));
	log_msg(LOG_INFO, "listening", "address", p->flags->listen, "port",
		port, "path", p->flags->telemetry_path, "tls",
		p->web && webcfg_tls(p->web) ? "true" : "false", "basic_auth",
		p->web && webcfg_user_count(p->web) ? "true" : "false", NULL);
}

/* The instance, then the first generation, then tracing. Takes cfg. */
static int start_tracing(struct pipeline *p, struct config *cfg)
{
	p->session = session_open(p->flags->tracefs, cfg);
	if (!p->session) {
		config_free(cfg);
		return -1;
	}
	p->gen = pipeline_generation(p, cfg);
	if (!p->gen) {
		p->orphan = cfg;
		return -1;
	}
	if (generation_start(p->gen, &p->lock))
		return -1;
	p->status = (struct collect_status){ true, (double)time(NULL) };
	return session_start(p->session);
}

static int alloc_state(struct pipeline *p, const struct config *cfg)
{
	p->ncpus = session_cpu_count();
	p->cpus = calloc(p->ncpus, sizeof(*p->cpus));
	p->expo = expo_new();
	if (!p->cpus || !p->expo)
		return -1;
	for (int c = 0; c < p->ncpus; c++)
		p->cpus[c] = config_cpu_enabled(cfg, c);
	return 0;
}

struct pipeline *pipeline_start(const struct flags *f)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct config *cfg;

	if (!p)
		return NULL;
	p->flags = f;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->reload_lock, NULL);
	cfg = config_load(f->config_file, stderr);
	if (f->web_config)
		p->web = webcfg_load(f->web_config, stderr);
	if (!cfg || (f->web_config && !p->web) || alloc_state(p, cfg)) {
		config_free(cfg);
		goto err_stop;
	}
	if (start_tracing(p, cfg) || start_http(p))
		goto err_stop;
	__atomic_store_n(&p->ready, true, __ATOMIC_RELEASE);
	log_listening(p);
	return p;
err_stop:
	log_msg(LOG_ERROR, "start failed", "err", errno ? strerror(errno) : "",
		NULL);
	pipeline_stop(p);
	return NULL;
}

/* Takes p down in the reverse order of its start: no scrape, then no
 * tracing, then no tick and no reader (generation_stop: the readers drain
 * what is left), and only then is
 * anything freed; the session before the generation whose config it
 * reads. Also the unwind of a start that failed at any step. */
void pipeline_stop(struct pipeline *p)
{
	if (!p)
		return;
	http_server_stop(p->http);
	if (p->session)
		session_stop(p->session);
	if (p->gen)
		generation_stop(p->gen);
	session_close(p->session);
	generation_free(p->gen);
	config_free(p->orphan);
	expo_free(p->expo);
	webcfg_free(p->web);
	free(p->cpus);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->reload_lock);
	free(p);
}
