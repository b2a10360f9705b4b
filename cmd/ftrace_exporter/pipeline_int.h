/* Private to cmd/ftrace_exporter: the pipeline object shared by
 * pipeline.c (start, stop) and reload.c (hot reload). */
#ifndef FTE_CMD_PIPELINE_INT_H
#define FTE_CMD_PIPELINE_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "exporter.h"
#include "expose/collectors.h"

struct pipeline {
	const struct flags *flags;
	struct config *cfg;
	struct webcfg *web;	/* last applied (the server copies it);
				 * NULL without --web.config.file */
	struct session *session;
	struct parser *parser;
	struct metrics *metrics;
	struct parse_thread **threads;	/* [ncpus] */
	struct reader_pool *readers;
	struct causes *causes;
	struct http_server *http;
	struct expo *expo;
	struct collector table[COLLECTORS_MAX];
	int ncollectors;
	struct scrape_src src;
	bool *probe_up, *cpus;
	pthread_mutex_t lock;
	pthread_mutex_t reload_lock;	/* one reload at a time (reload.c) */
	bool ready;
	bool failed;	/* a reload failed midway: exit 1 */
};

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

struct generation take_generation(struct pipeline *p);
void generation_free(struct generation *g, int ncpus);

/* Reader callback: parses one page with the CPU's parse thread. */
void page_ready(void *ctx, void *page);
/* Turns every probe of p->cfg on (p->probe_up, parser); -1 on ENOMEM. */
int enable_probes(struct pipeline *p);
void log_missing_labels(const struct pipeline *p);
/* p->metrics and p->threads for p->cfg and p->parser; -1 on ENOMEM. */
int setup_counters(struct pipeline *p, int ncpus);
/* Builds and starts the drop-cause ticker over p's counters. */
int start_causes(struct pipeline *p);
/* Reads the hist triggers of p's up hist probes into the metrics' hist
 * shard (hist.c); p->lock held. */
void hist_refresh(void *p);
/* Points the collectors at p's current state. */
void fill_scrape_src(struct pipeline *p, int ncpus);

#endif
