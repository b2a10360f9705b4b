/* collect_probes: ftrace_function_hits_total, ftrace_event_hits_total and
 * the labelled families, summed over CPU shards.
 *
 * What each family holds is decided once, from the config's derived facts
 * (config_event_first, config_family_first) and the probe-state table: a
 * scrape walks the rows and the families' members and reads the counters,
 * O(probes + live series).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collect_int.h"
#include "expose/merge.h"

/* One row per up function probe, in probe order; -1 on ENOMEM. */
static int build_functions(struct collect *c)
{
	const struct config *cfg = c->src.cfg;
	int n = config_probe_count(cfg);

	c->functions = calloc(n + 1, sizeof(*c->functions));
	if (!c->functions)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct probe_spec *p = config_probe(cfg, i);

		if (p->kind == PROBE_FUNCTION && pstate_up(c->src.states, i))
			c->functions[c->nfunctions++] =
				(struct collect_row){ i, p->target, NULL };
	}
	return 0;
}

/* See collect.h: the one place the hits series of a probe is named. */
int collect_hits_series(const struct probe_spec *p, const char **family,
			const char **label, char *buf, size_t size)
{
	bool function = p->kind == PROBE_FUNCTION;
	int len = function ? snprintf(buf, size, "%s", p->target)
			   : snprintf(buf, size, "%s:%s", p->system, p->event);

	*family = function ? COLLECT_FUNCTION_HITS : COLLECT_EVENT_HITS;
	*label = function ? COLLECT_FUNCTION_LABEL : COLLECT_EVENT_LABEL;
	return len < 0 || (size_t)len >= size ? -1 : 0;
}

/* Row r: probe i reports its event, labelled "system:event"; -1 on
 * ENOMEM. */
static int event_row(struct collect_row *r, const struct probe_spec *p, int i)
{
	const char *family, *label;
	char buf[512];

	r->probe = i;
	if (collect_hits_series(p, &family, &label, buf, sizeof(buf)) ||
	    !(r->owned = strdup(buf)))
		return -1;
	r->label = r->owned;
	return 0;
}

/* One row per kernel event, reported by its first up probe (probes on one
 * event see the same records): seen[] is indexed by the event's first
 * probe. -1 on ENOMEM. */
static int build_events(struct collect *c)
{
	const struct config *cfg = c->src.cfg;
	int n = config_probe_count(cfg), ret = 0;
	bool *seen = calloc(n + 1, sizeof(*seen));

	c->events = calloc(n + 1, sizeof(*c->events));
	for (int i = 0; seen && c->events && !ret && i < n; i++) {
		int first = config_event_first(cfg, i);

		if (first < 0 || seen[first] || !pstate_up(c->src.states, i))
			continue;
		seen[first] = true;
		ret = event_row(&c->events[c->nevents++], config_probe(cfg, i), i);
	}
	ret |= !seen || !c->events;
	free(seen);
	return ret ? -1 : 0;
}

/* Pass 1: a family per first probe, in probe order (fam[first] is its
 * index), and how many up probes feed each. */
static void count_members(struct collect *c, int *fam)
{
	const struct config *cfg = c->src.cfg;

	for (int i = 0; i < config_probe_count(cfg); i++) {
		int first = config_family_first(cfg, i);

		if (first < 0)
			continue;
		if (first == i) {
			fam[i] = c->nfamilies;
			c->families[c->nfamilies++].spec = config_probe(cfg, i);
		}
		if (pstate_up(c->src.states, i))
			c->families[fam[first]].nmembers++;
	}
}

/* Pass 2: each family's slice of c->members, filled in probe order. */
static void place_members(struct collect *c, const int *fam)
{
	const struct config *cfg = c->src.cfg;
	int *next = c->members;

	for (int f = 0; f < c->nfamilies; f++) {
		c->families[f].members = next;
		next += c->families[f].nmembers;
		c->families[f].nmembers = 0;
	}
	for (int i = 0; i < config_probe_count(cfg); i++) {
		int first = config_family_first(cfg, i);
		struct collect_family *f;

		if (first < 0 || !pstate_up(c->src.states, i))
			continue;
		f = &c->families[fam[first]];
		f->members[f->nmembers++] = i;
	}
}

/* The labelled families and their up members; -1 on ENOMEM. */
static int build_families(struct collect *c)
{
	int n = config_probe_count(c->src.cfg);
	int *fam = calloc(n + 1, sizeof(*fam));

	c->families = calloc(n + 1, sizeof(*c->families));
	c->members = calloc(n + 1, sizeof(*c->members));
	if (fam && c->families && c->members) {
		count_members(c, fam);
		place_members(c, fam);
	}
	free(fam);
	return c->families && c->members && fam ? 0 : -1;
}

/* The rows and families, from the config and the final probe states. */
int collect_probes_build(struct collect *c)
{
	if (build_functions(c) || build_events(c) || build_families(c))
		return -1;
	return 0;
}

/* What collect_probes_build() allocated; c itself stays. */
void collect_probes_free(struct collect *c)
{
	for (int r = 0; r < c->nevents; r++)
		free(c->events[r].owned);
	free(c->events);
	free(c->functions);
	free(c->families);
	free(c->members);
}

/* One sample per row: its label value and its probe's hits. */
static void write_hits(const struct collect *c, const struct collect_row *rows,
		       int n, const char *label, struct expo *w)
{
	for (int r = 0; r < n; r++)
		expo_sample1(w, label, rows[r].label,
			     metrics_hits(c->src.metrics, rows[r].probe));
}

struct render_ctx {
	const struct parser *parser;
	int probe;
	struct merge *merge;
	int failed;
};

/* metrics_series_foreach() callback: one series of r->probe, its label
 * values rendered, added to the family's merge. */
static void render_series(const struct series_key *k, uint64_t count,
			  void *arg)
{
	struct render_ctx *r = arg;
	char vals[CONFIG_MAX_LABELS][LABEL_VALUE_MAX];
	const char *v[CONFIG_MAX_LABELS];

	parser_render(r->parser, r->probe, k, vals);
	for (int l = 0; l < CONFIG_MAX_LABELS; l++)
		v[l] = vals[l];
	r->failed |= merge_add(r->merge, v, count);
}

/* Family f: the series of its members, merged as they are written. */
static int write_family(const struct collect *c,
			const struct collect_family *f, struct expo *w)
{
	const struct probe_spec *p = f->spec;
	struct render_ctx r = { c->src.parser, -1, merge_new(p->nlabels), 0 };
	uint64_t count;

	if (!r.merge || expo_family(w, p->metric, EXPO_COUNTER, p->help)) {
		merge_free(r.merge);
		return -1;
	}
	for (int m = 0; m < f->nmembers; m++) {
		r.probe = f->members[m];
		metrics_series_foreach(c->src.metrics, r.probe, render_series, &r);
	}
	for (int s = 0; s < merge_count(r.merge); s++) {
		const char *const *v = merge_values(r.merge, s, &count);

		expo_sample(w, p->labels, v, p->nlabels, count);
	}
	merge_free(r.merge);
	return r.failed ? -1 : 0;
}

/* The two hits families, then every labelled family; -1 when one failed
 * (the others are written). */
int collect_probes(void *ctx, struct expo *w)
{
	const struct collect *c = ctx;
	int ret = 0;

	if (expo_family(w, COLLECT_FUNCTION_HITS, EXPO_COUNTER,
			"Function-tracer hits, by traced function."))
		return -1;
	write_hits(c, c->functions, c->nfunctions, COLLECT_FUNCTION_LABEL,
		   w);
	if (expo_family(w, COLLECT_EVENT_HITS, EXPO_COUNTER,
			"Tracepoint and kprobe hits, by event."))
		return -1;
	write_hits(c, c->events, c->nevents, COLLECT_EVENT_LABEL, w);
	for (int f = 0; f < c->nfamilies; f++)
		ret |= write_family(c, &c->families[f], w);
	return ret;
}
