/* causes: see causes.h. This file builds the cause list and inputs from the
 * config and runs the ticker; sample.c reads the counters, window.c does the
 * arithmetic. */
#include "causes/causes_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log/log.h"

/* Monotonic seconds; never fails. */
double causes_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Appends name to c->names unless present (names has room for all). */
static void add_name(struct causes *c, const char *name)
{
	for (int i = 0; i < c->ncauses; i++)
		if (!strcmp(c->names[i], name))
			return;
	c->names[c->ncauses++] = name;
}

/* Classes and locations in config order, then heuristics, then other. -1
 * with errno. */
static int build_names(struct causes *c)
{
	const struct config *cfg = c->cfg;
	int max = config_class_count(cfg) + config_location_count(cfg) +
		  config_rule_count(cfg) + 1;

	c->names = calloc(max, sizeof(*c->names));
	if (!c->names)
		return -1;
	for (int i = 0; i < config_class_count(cfg); i++)
		add_name(c, config_class(cfg, i)->cause);
	for (int i = 0; i < config_location_count(cfg); i++)
		add_name(c, config_location(cfg, i)->cause);
	for (int i = 0; i < config_rule_count(cfg); i++)
		add_name(c, config_rule(cfg, i)->cause);
	add_name(c, CAUSES_OTHER);
	for (int i = 0; i < c->ncauses; i++)
		if (!strcmp(c->names[i], CAUSES_OTHER))
			c->other = i;
	return 0;
}

/* Why label `label` of the causes probe (index probe, -1: the probe lacks
 * that label, none_why) cannot be read on this kernel, or NULL. */
static const char *label_unusable(const struct causes *c,
				  const struct pstate *st, int probe,
				  int label, const char *none_why,
				  const char *absent_why)
{
	if (probe < 0)
		return none_why;
	if (!pstate_up(st, probe))
		return "the causes probe is down";
	return parser_label_missing(c->parser, probe, label) ? absent_why : NULL;
}

/* Why the causes probe gives no reasons, or NULL when it does. */
static const char *reasons_missing(const struct causes *c,
				   const struct pstate *st)
{
	if (!config_causes_probe(c->cfg))
		return "no causes probe in the config";
	return label_unusable(c, st, config_reason_probe(c->cfg),
			      config_reason_label(c->cfg),
			      "the causes probe has no reason label",
			      "this kernel's event has no drop reason "
			      "(before Linux 5.17)");
}

/* Why causes.locations cannot classify, or NULL when they can. */
static const char *locations_missing(const struct causes *c,
				     const struct pstate *st)
{
	if (!config_location_count(c->cfg))
		return "no causes.locations in the config";
	return label_unusable(c, st, config_location_probe(c->cfg),
			      config_location_label(c->cfg),
			      "the causes probe has no location label",
			      "this kernel's event has no drop location");
}

/* One line on where drop causes come from (nothing when the reasons
 * classify and no locations are configured). */
static void log_drops(const struct causes *c, const char *no_reasons,
		      const char *no_locations)
{
	const char *probe = config_causes_probe(c->cfg);

	if (c->location_label >= 0 && no_reasons)
		log_msg(LOG_INFO, "drop causes come from drop locations "
			"(causes.locations) and heuristics", "reason",
			no_reasons, "probe", probe, NULL);
	else if (c->location_label >= 0)
		log_msg(LOG_INFO, "drop causes come from drop reasons; "
			"causes.locations classify the drops whose reason is "
			CAUSES_UNSPECIFIED, "probe", probe, NULL);
	else if (no_reasons)
		log_msg(LOG_WARN, "drop causes come from heuristics only",
			"reason", no_reasons, "locations", no_locations,
			"probe", probe, NULL);
	else if (config_location_count(c->cfg))
		log_msg(LOG_WARN, "causes.locations not used", "reason",
			no_locations, "probe", probe, NULL);
}

/* Picks the causes probe and which of its labels classify: the reason
 * where the kernel gives one, the location where causes.locations can
 * use it; logs the outcome once. */
static void setup_drops(struct causes *c, const struct pstate *st)
{
	const char *no_reasons = reasons_missing(c, st);
	const char *no_locations = locations_missing(c, st);

	c->drops_probe = c->reason_label = c->location_label = -1;
	causes_cache_reset(c);
	if (!no_reasons) {
		c->drops_probe = config_reason_probe(c->cfg);
		c->reason_label = config_reason_label(c->cfg);
	}
	if (!no_locations) {
		c->drops_probe = config_location_probe(c->cfg);
		c->location_label = config_location_label(c->cfg);
	}
	log_drops(c, no_reasons, no_locations);
}

/* The first of names[n] that is up, or -1. */
static int first_up(const struct config *cfg, const struct pstate *st,
		    const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		int probe = config_probe_index(cfg, names[i]);

		if (probe >= 0 && pstate_up(st, probe))
			return probe;
	}
	return -1;
}

/* Logs a heuristic input that counts with a fallback probe: which one, and
 * why the preferred one is down. */
static void log_fallback(const struct config *cfg, const struct pstate *st,
			 const char *cause, const char *preferred, int used)
{
	int want = config_probe_index(cfg, preferred);

	if (used < 0 || used == want)
		return;
	log_msg(LOG_INFO, "drop-cause heuristic uses a fallback probe",
		"cause", cause, "probe", config_probe(cfg, used)->name,
		"preferred", preferred, "preferred_down",
		want < 0 ? "unknown" : pstate_why(st, want), NULL);
}

/* Keeps the heuristics that have an up probe in each list (the first one
 * counts); logs the probes each one uses, its fallbacks, and the
 * heuristics left off, once. */
static int setup_rules(struct causes *c, const struct pstate *st)
{
	const struct config *cfg = c->cfg;

	c->rules = calloc(config_rule_count(cfg) + 1, sizeof(*c->rules));
	if (!c->rules)
		return -1;
	for (int i = 0; i < config_rule_count(cfg); i++) {
		const struct cause_rule *r = config_rule(cfg, i);
		struct causes_rule *rt = &c->rules[c->nrules];

		rt->cause = cause_index(c, r->cause);
		rt->probe = first_up(cfg, st, r->probes, r->nprobes);
		rt->minus = first_up(cfg, st, r->minuses, r->nminus);
		if (rt->probe < 0 || (r->nminus && rt->minus < 0)) {
			log_msg(LOG_WARN, "drop-cause heuristic off: its probe "
				"is down", "cause", r->cause, "probe", r->probe,
				"minus", r->minus, NULL);
			continue;
		}
		log_fallback(cfg, st, r->cause, r->probe, rt->probe);
		log_fallback(cfg, st, r->cause, r->minus, rt->minus);
		log_msg(LOG_INFO, "drop-cause heuristic on", "cause", r->cause,
			"probe", config_probe(cfg, rt->probe)->name, "minus",
			rt->minus < 0 ? NULL : config_probe(cfg, rt->minus)->name,
			NULL);
		c->nrules++;
	}
	return 0;
}

/* See causes.h: borrows cfg, p and m (st is read here only); one unwind
 * path frees whatever was built. NULL with errno ENOMEM. */
struct causes *causes_new(const struct config *cfg, const struct parser *p,
			  const struct metrics *m, const struct pstate *st)
{
	struct causes *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->parser = p;
	c->metrics = m;
	if (build_names(c) || setup_rules(c, st))
		goto err_free;
	setup_drops(c, st);
	c->window = causes_window_new(c->ncauses, config_window_seconds(cfg));
	c->scratch = calloc(c->ncauses, sizeof(*c->scratch));
	if (!c->window || !c->scratch)
		goto err_free;
	return c;
err_free:
	causes_free(c);
	errno = ENOMEM;
	return NULL;
}

/* Joins the ticker first, so nothing uses c while it is freed. */
void causes_free(struct causes *c)
{
	if (!c)
		return;
	causes_stop(c);
	causes_window_free(c->window);
	free(c->scratch);
	free(c->rules);
	free(c->names);
	loc_cache_free(&c->locs);
	free(c);
}

/* Ticker callback: runs with the caller's lock held. */
static void on_tick(void *ctx, double now)
{
	struct causes *c = ctx;

	if (c->refresh)
		c->refresh(c->refresh_ctx);
	causes_tick(c, now);
}

/* Borrows lock (the scrape lock) for the ticker's lifetime; -1 with errno
 * when the thread cannot start. */
int causes_start(struct causes *c, pthread_mutex_t *lock,
		 void (*refresh)(void *ctx), void *refresh_ctx)
{
	c->refresh = refresh;
	c->refresh_ctx = refresh_ctx;
	c->ticker = ticker_start(lock, on_tick, c);
	return c->ticker ? 0 : -1;
}

/* Idempotent: a second call finds no ticker. */
void causes_stop(struct causes *c)
{
	ticker_stop(c->ticker);
	c->ticker = NULL;
}

/* One snapshot of the counters at t into the ring; never fails. */
void causes_tick(struct causes *c, double t)
{
	causes_sample(c);
	causes_window_push(c->window, t, c->scratch);
}

/* Reads only the ring: a scrape costs no counter walk. */
void causes_rates(const struct causes *c, double now, double *rates)
{
	causes_window_rates(c->window, now, rates);
}

/* Number of causes, "other" included. */
int causes_size(const struct causes *c)
{
	return c->ncauses;
}

/* Name of cause i, owned by the config. */
const char *causes_name(const struct causes *c, int i)
{
	return c->names[i];
}

/* False when the kernel's drop reasons feed no cause. */
bool causes_have_reasons(const struct causes *c)
{
	return c->reason_label >= 0;
}

/* True when causes.locations classify drops. */
bool causes_have_locations(const struct causes *c)
{
	return c->location_label >= 0;
}
