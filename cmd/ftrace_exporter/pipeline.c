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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline_int.h"
#include "http/http.h"
#include "log/log.h"
#include "webcfg/webcfg.h"

/* The server's render callback: one scrape of the running generation. */
static int render(void *ctx, char **text, size_t *len)
{
	struct pipeline *p = ctx;

	pthread_mutex_lock(&p->lock);
	*text = NULL;
	if (!pipeline_failed(p))	/* else a reload broke it: stopping */
		*text = generation_scrape(p->gen, p->expo, len);
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

/* The web server with web (NULL: plain HTTP), which the server copies. */
static int start_http(struct pipeline *p, const struct webcfg *web)
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
		.web = web,
	};

	p->http = http_server_start(&o);
	return p->http ? 0 : -1;
}

/* The instance, then the first generation, then tracing. Takes cfg. */
static int start_tracing(struct pipeline *p, struct config *cfg)
{
	p->session = session_open(p->flags->tracefs, cfg);
	if (!p->session) {
		config_free(cfg);
		return -1;
	}
	p->env = (struct generation_env){ p->session, &p->status };
	p->gen = generation_new(cfg, &p->env);
	if (!p->gen) {
		p->orphan = cfg;
		return -1;
	}
	p->status = (struct collect_status){ true, (double)time(NULL) };
	if (generation_start(p->gen, &p->lock))
		return -1;
	return session_start(p->session);
}

static int pipeline_init(struct pipeline *p, const struct flags *f)
{
	p->flags = f;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->reload_lock, NULL);
	p->expo = expo_new();
	return p->expo ? 0 : -1;
}

/* Both configs are loaded, and valid, before tracefs is touched. */
struct pipeline *pipeline_start(const struct flags *f)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct config *cfg = config_load(f->config_file, stderr);
	struct webcfg *web = NULL;
	int ret = -1;

	if (f->web_config)
		web = webcfg_load(f->web_config, stderr);
	if (p && !pipeline_init(p, f) && cfg && (web || !f->web_config)) {
		ret = start_tracing(p, cfg);
		cfg = NULL;	/* taken */
		ret = ret ? ret : start_http(p, web);
	}
	config_free(cfg);
	webcfg_free(web);
	if (ret == 0) {
		__atomic_store_n(&p->ready, true, __ATOMIC_RELEASE);
		return p;
	}
	log_msg(LOG_ERROR, "start failed", "err", errno ? strerror(errno) : "",
		NULL);
	pipeline_stop(p);
	return NULL;
}

/* Takes p down in the reverse order of its start: no scrape, then no
 * tracing, then no tick and no reader (generation_stop: the readers drain
 * what is left), and only then is anything freed; the session before the
 * generation whose config it reads. Also the unwind of a failed start. */
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
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->reload_lock);
	free(p);
}
