/* collect: the exporter's metric families, apart from the text format
 * (pkg/expose), as node_exporter keeps collector/ apart from its client
 * library. One collector per file, registered in one table (collect.c):
 * the probes' hits and labelled families, the drop causes, the lost
 * events, the exporter's own health.
 *
 * collect_new() works out, once per generation, what every scrape writes:
 * which probe reports each traced function and each kernel event, which up
 * probes feed each labelled family, the label of each traced CPU. A scrape
 * (collect_run) walks those and reads the counters: its cost follows the
 * probes and the live series, never the square of the probe count.
 */
#ifndef FTE_COLLECT_H
#define FTE_COLLECT_H

#include <stdbool.h>

#include "expose/expose.h"

struct causes;
struct config;
struct metrics;
struct parser;
struct pstate;
struct session;

/* The outcome of the last config load (start or reload), kept by the
 * caller across generations and read at each scrape. */
struct collect_status {
	bool reload_ok;
	double reload_time;		/* unix seconds of last good load */
};

/* What the collectors read; all of it outlives the struct collect built
 * on it, and none of it is written by a scrape. The probe-state table must
 * be final (every probe up or down) when collect_new() is called. */
struct collect_src {
	const struct config *cfg;
	const struct parser *parser;
	const struct metrics *metrics;
	const struct pstate *states;
	struct session *session;	/* NULL: no per-CPU kernel stats */
	const bool *cpus;		/* [ncpus] traced CPUs */
	int ncpus;
	const struct causes *causes;	/* NULL: no drop-cause gauges */
	const struct collect_status *status;
};

struct collect;
struct probe_spec;

/* Family names that readers of /metrics (`diagnose`) look up. */
#define COLLECT_FUNCTION_HITS "ftrace_function_hits_total"
#define COLLECT_EVENT_HITS "ftrace_event_hits_total"
#define COLLECT_FUNCTION_LABEL "function"	/* the hits families' labels */
#define COLLECT_EVENT_LABEL "event"
#define COLLECT_PROBE_UP "ftrace_exporter_probe_up"
#define COLLECT_EVENTS_LOST "ftrace_exporter_events_lost_total"

/* The series that reports p's hits: its family (COLLECT_FUNCTION_HITS or
 * COLLECT_EVENT_HITS) returned, its one label's name in *label and value
 * (the function, or "system:event") in buf. -1 when buf is too small. */
int collect_hits_series(const struct probe_spec *p, const char **family,
			const char **label, char *buf, size_t size);

/* Builds the families of src (src is copied, what it points to is
 * borrowed). NULL with errno (ENOMEM). */
struct collect *collect_new(const struct collect_src *src);
/* One scrape into w (reset first): every collector in order, a failed one
 * leaving nothing behind (expo_collect). Returns how many failed. Call it
 * holding the lock the hist refresh and the causes ticker take (the
 * scrape lock): it reads the hist shard and the causes window. */
int collect_run(const struct collect *c, struct expo *w);
/* NULL is a no-op. */
void collect_free(struct collect *c);

#endif
