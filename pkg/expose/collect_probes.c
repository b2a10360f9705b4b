/* collect_probes: ftrace_function_hits_total, ftrace_event_hits_total and
 * each probe's labelled family, summed over CPU shards. */
#include <stdio.h>
#include <string.h>

#include "expose/collectors.h"
#include "expose/merge.h"

static bool probe_counts(const struct scrape_src *s, int i)
{
	return pstate_up(s->states, i);
}

static void function_hits(const struct scrape_src *s, struct expo *w)
{
	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		const struct probe_spec *p = config_probe(s->cfg, i);

		if (p->kind == PROBE_FUNCTION && probe_counts(s, i))
			expo_sample1(w, "function", p->target,
				     metrics_hits(s->metrics, i));
	}
}

/* True when an earlier counting probe already reported p's event (probes on
 * one event see the same records). */
static bool event_seen(const struct scrape_src *s, int i)
{
	const struct probe_spec *p = config_probe(s->cfg, i);

	for (int j = 0; j < i; j++) {
		const struct probe_spec *q = config_probe(s->cfg, j);

		if (q->kind != PROBE_FUNCTION && probe_counts(s, j) &&
		    !strcmp(q->system, p->system) && !strcmp(q->event, p->event))
			return true;
	}
	return false;
}

static void event_hits(const struct scrape_src *s, struct expo *w)
{
	char name[256];

	for (int i = 0; i < config_probe_count(s->cfg); i++) {
		const struct probe_spec *p = config_probe(s->cfg, i);

		if (p->kind == PROBE_FUNCTION || !probe_counts(s, i) ||
		    event_seen(s, i))
			continue;
		snprintf(name, sizeof(name), "%s:%s", p->system, p->event);
		expo_sample1(w, "event", name, metrics_hits(s->metrics, i));
	}
}

struct render_ctx {
	const struct scrape_src *src;
	int probe;
	struct merge *merge;
	int failed;
};

static void render_series(const struct series_key *k, uint64_t count,
			  void *arg)
{
	struct render_ctx *c = arg;
	char vals[CONFIG_MAX_LABELS][LABEL_VALUE_MAX];
	const char *v[CONFIG_MAX_LABELS];

	parser_render(c->src->parser, c->probe, k, vals);
	for (int l = 0; l < CONFIG_MAX_LABELS; l++)
		v[l] = vals[l];
	c->failed |= merge_add(c->merge, v, count);
}

/* True when probe i is the first to feed its family. */
static bool family_first(const struct config *cfg, int i)
{
	for (int j = 0; j < i; j++)
		if (config_probe(cfg, j)->metric &&
		    !strcmp(config_probe(cfg, j)->metric,
			    config_probe(cfg, i)->metric))
			return false;
	return true;
}

/* Merges every counting probe feeding family metric into c->merge. */
static void family_series(struct render_ctx *c, const char *metric)
{
	const struct config *cfg = c->src->cfg;

	for (int j = 0; j < config_probe_count(cfg); j++) {
		const struct probe_spec *q = config_probe(cfg, j);

		if (!q->metric || strcmp(q->metric, metric) ||
		    !probe_counts(c->src, j))
			continue;
		c->probe = j;
		metrics_series_foreach(c->src->metrics, j, render_series, c);
	}
}

static int labelled_family(const struct scrape_src *s, int i, struct expo *w)
{
	const struct probe_spec *p = config_probe(s->cfg, i);
	struct render_ctx c = { .src = s, .merge = merge_new(p->nlabels) };
	uint64_t count;

	if (!c.merge || expo_family(w, p->metric, EXPO_COUNTER, p->help)) {
		merge_free(c.merge);
		return -1;
	}
	family_series(&c, p->metric);
	for (int r = 0; r < merge_count(c.merge); r++) {
		const char *const *v = merge_values(c.merge, r, &count);

		expo_sample(w, p->labels, v, p->nlabels, count);
	}
	merge_free(c.merge);
	return c.failed ? -1 : 0;
}

int collect_probes(void *src, struct expo *w)
{
	const struct scrape_src *s = src;
	int ret = 0;

	if (expo_family(w, "ftrace_function_hits_total", EXPO_COUNTER,
			"Function-tracer hits, by traced function."))
		return -1;
	function_hits(s, w);
	if (expo_family(w, "ftrace_event_hits_total", EXPO_COUNTER,
			"Tracepoint and kprobe hits, by event."))
		return -1;
	event_hits(s, w);
	for (int i = 0; i < config_probe_count(s->cfg); i++)
		if (config_probe(s->cfg, i)->metric && family_first(s->cfg, i))
			ret |= labelled_family(s, i, w);
	return ret;
}
