/* pipeline: wires config -> tracefs -> reader -> parse -> metrics -> expose
 * -> http, and takes it down in the reverse order.
 *
 * DESIGN: after pipeline_start() only reader threads write counters (each its
 * own shard). Scrapes run on the HTTP server's connection threads, reloads
 * on the signal thread or the server's lifecycle thread (POST /-/reload),
 * all serialised by one mutex; they only read the pipeline, except for the
 * reload status fields.
 */
#include <errno.h>
#include <event-parse.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter.h"
#include "pipeline_int.h"
#include "causes/causes.h"
#include "config/config.h"
#include "expose/collectors.h"
#include "http/http.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "parse/parse.h"
#include "reader/reader.h"
#include "tracefs/tracefs.h"
#include "webcfg/webcfg.h"


void page_ready(void *ctx, void *page)
{
	parse_page(ctx, page);
}

static void log_probe(const struct probe_spec *p, const char *why)
{
	log_msg(why ? LOG_WARN : LOG_INFO, why ? "probe down" : "probe up",
		"probe", p->name, "target", p->target, "reason", why, NULL);
}

/* Enables tracepoint and kprobe probes one by one; marks in want[] the
 * function probes the parser could resolve. */
static void enable_events(struct pipeline *p, bool *want)
{
	for (int i = 0; i < config_probe_count(p->cfg); i++) {
		const struct probe_spec *spec = config_probe(p->cfg, i);
		const char *why = parser_probe_error(p->parser, i);

		if (spec->kind == PROBE_FUNCTION && !why) {
			want[i] = true;
			continue;
		}
		if (!why && (spec->hist ?
			     session_hist_enable(p->session, i, &why) :
			     session_enable(p->session, i, &why)) == 0)
			p->probe_up[i] = true;
		log_probe(spec, p->probe_up[i] ? NULL : why);
	}
}

/* Enables the function probes in want[] at once: one instance filter, set
 * before the function tracer. A target the filter refuses is down with
 * its reason, the others go on. -1 only on allocation failure. */
static int enable_functions(struct pipeline *p, const bool *want)
{
	int n = config_probe_count(p->cfg);
	bool *on = calloc(n + 1, sizeof(*on)), any = false, ok;
	const char *why = NULL;

	if (!on)
		return -1;
	for (int i = 0; i < n; i++)
		any |= on[i] = want[i];
	ok = any && session_enable_functions(p->session, on, &why) == 0;
	for (int i = 0; any && i < n; i++) {
		if (!want[i])
			continue;
		p->probe_up[i] = ok && on[i];
		log_probe(config_probe(p->cfg, i), p->probe_up[i] ? NULL :
			  ok ? SESSION_FUNCTION_REFUSED : why);
	}
	free(on);
	return 0;
}

/* Turns every probe on; a refused one stays down, the rest go on. -1 only
 * on allocation failure. */
int enable_probes(struct pipeline *p)
{
	int n = config_probe_count(p->cfg), ret;
	bool *want = calloc(n + 1, sizeof(*want));

	if (!want)
		return -1;
	enable_events(p, want);
	ret = enable_functions(p, want);
	for (int i = 0; i < n; i++)
		parser_probe_enable(p->parser, i, p->probe_up[i]);
	free(want);
	return ret;
}

/* Logs, once, each label whose field this kernel's event does not have. */
void log_missing_labels(const struct pipeline *p)
{
	for (int i = 0; i < config_probe_count(p->cfg); i++) {
		const struct probe_spec *spec = config_probe(p->cfg, i);

		for (int l = 0; l < spec->nlabels; l++)
			if (parser_label_missing(p->parser, i, l))
				log_msg(LOG_WARN, "event has no such field; label "
					"left empty", "probe", spec->name, "label",
					spec->labels[l], NULL);
	}
}

int setup_counters(struct pipeline *p, int ncpus)
{
	int n = config_probe_count(p->cfg);
	unsigned *caps = calloc(n + 1, sizeof(*caps));

	if (!caps)
		return -1;
	for (int i = 0; i < n; i++)
		caps[i] = config_probe(p->cfg, i)->nlabels ?
			  config_probe(p->cfg, i)->max_series : 0;
	p->metrics = metrics_new(n, caps, ncpus);
	free(caps);
	p->threads = calloc(ncpus, sizeof(*p->threads));
	if (!p->metrics || !p->threads)
		return -1;
	for (int c = 0; c < ncpus; c++) {
		if (!p->cpus[c])
			continue;
		p->threads[c] = parse_thread_new(p->parser,
						 metrics_shard(p->metrics, c));
		if (!p->threads[c])
			return -1;
	}
	return 0;
}

static int render(void *ctx, char **text, size_t *len)
{
	struct pipeline *p = ctx;

	pthread_mutex_lock(&p->lock);
	if (pipeline_failed(p)) {	/* a reload broke it: stopping */
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	hist_refresh(p);
	expo_collect(p->expo, p->table, p->ncollectors);
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

void fill_scrape_src(struct pipeline *p, int ncpus)
{
	p->src = (struct scrape_src){
		.cfg = p->cfg, .parser = p->parser, .metrics = p->metrics,
		.session = p->session, .probe_up = p->probe_up,
		.cpus = p->cpus, .ncpus = ncpus, .reload_ok = true,
		.reload_time = (double)time(NULL), .causes = p->causes,
	};
	p->ncollectors = collectors_table(p->table, &p->src);
}

/* Everything after the configs are loaded, in data-flow order. */
static int start_tracing(struct pipeline *p, int ncpus)
{
	void **ctxs;

	p->session = session_open(p->flags->tracefs, p->cfg);
	if (!p->session)
		return -1;
	p->parser = parser_new(session_tep(p->session), p->cfg);
	if (!p->parser)
		return -1;
	if (enable_probes(p))
		return -1;
	log_missing_labels(p);
	if (setup_counters(p, ncpus))
		return -1;
	ctxs = (void **)p->threads;
	p->readers = reader_start(p->session, p->cpus, ncpus,
				  parser_page_size(p->parser), page_ready, ctxs);
	if (!p->readers)
		return -1;
	return session_start(p->session);
}

/* Drop-cause gauges over the counters; the ticker takes p->lock. */
int start_causes(struct pipeline *p)
{
	p->causes = causes_new(p->cfg, p->parser, p->metrics, p->probe_up);
	if (!p->causes)
		return -1;
	return causes_start(p->causes, &p->lock, hist_refresh, p);
}

static int alloc_state(struct pipeline *p, int ncpus)
{
	int n = config_probe_count(p->cfg);

	p->probe_up = calloc(n + 1, sizeof(*p->probe_up));
	p->cpus = calloc(ncpus, sizeof(*p->cpus));
	p->expo = expo_new();
	if (!p->probe_up || !p->cpus || !p->expo)
		return -1;
	for (int c = 0; c < ncpus; c++)
		p->cpus[c] = config_cpu_enabled(p->cfg, c);
	return 0;
}

struct pipeline *pipeline_start(const struct flags *f)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	int ncpus = session_cpu_count();

	if (!p)
		return NULL;
	p->flags = f;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->reload_lock, NULL);
	p->cfg = config_load(f->config_file, stderr);
	if (f->web_config)
		p->web = webcfg_load(f->web_config, stderr);
	if (!p->cfg || (f->web_config && !p->web))
		goto err_stop;
	if (alloc_state(p, ncpus) || start_tracing(p, ncpus) ||
	    start_causes(p))
		goto err_stop;
	fill_scrape_src(p, ncpus);
	if (start_http(p))
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

/* Takes the per-config state out of p (the config stays p's too, until p
 * gets another). */
struct generation take_generation(struct pipeline *p)
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

/* Frees a generation; nothing may use it any more. */
void generation_free(struct generation *g, int ncpus)
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

/* Takes p down in the reverse order of its start: no scrape, then no tick
 * (the ticker's hist refresh reads the session and the probe states),
 * then no tracing and no reader, and only then is anything freed. Also
 * the unwind of a start that failed at any step. */
void pipeline_stop(struct pipeline *p)
{
	int ncpus = session_cpu_count();
	struct generation g;

	if (!p)
		return;
	http_server_stop(p->http);
	if (p->causes)
		causes_stop(p->causes);
	if (p->session)
		session_stop(p->session);
	reader_stop(p->readers);
	g = take_generation(p);
	session_close(p->session);	/* it reads g.cfg */
	generation_free(&g, ncpus);
	expo_free(p->expo);
	webcfg_free(p->web);
	free(p->cpus);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->reload_lock);
	free(p);
}