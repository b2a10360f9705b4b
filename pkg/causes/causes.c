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

/* Classes in config order, then heuristics, then other. -1 with errno. */
static int build_names(struct causes *c)
{
	const struct config *cfg = c->cfg;
	int max = config_class_count(cfg) + config_rule_count(cfg) + 1;

	c->names = calloc(max, sizeof(*c->names));
	if (!c->names)
		return -1;
	for (int i = 0; i < config_class_count(cfg); i++)
		add_name(c, config_class(cfg, i)->cause);
	for (int i = 0; i < config_rule_count(cfg); i++)
		add_name(c, config_rule(cfg, i)->cause);
	add_name(c, CAUSES_OTHER);
	for (int i = 0; i < c->ncauses; i++)
		if (!strcmp(c->names[i], CAUSES_OTHER))
			c->other = i;
	return 0;
}

/* Why the causes probe gives no reasons, or NULL when it does. */
static const char *reasons_missing(const struct causes *c,
				   const struct pstate *st)
{
	int probe = config_reason_probe(c->cfg);

	if (probe < 0)
		return "no causes probe in the config";
	if (!pstate_up(st, probe))
		return "the causes probe is down";
	if (parser_label_missing(c->parser, probe, config_reason_label(c->cfg)))
		return "this kernel's event has no drop reason "
		       "(before Linux 5.17)";
	return NULL;
}

/* Picks the causes probe and its reason label, or logs once why causes
 * come from the heuristics only. */
static void setup_reasons(struct causes *c, const struct pstate *st)
{
	const char *why = reasons_missing(c, st);

	c->reason_probe = -1;
	c->reason_label = -1;
	causes_cache_reset(c);
	if (why) {
		log_msg(LOG_WARN, "drop causes come from heuristics only",
			"reason", why, "probe", config_causes_probe(c->cfg),
			NULL);
		return;
	}
	c->reason_probe = config_reason_probe(c->cfg);
	c->reason_label = config_reason_label(c->cfg);
}

/* Keeps the heuristics whose probes count; logs the others once. */
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
		rt->probe = config_probe_index(cfg, r->probe);
		rt->minus = config_probe_index(cfg, r->minus);
		if (rt->probe < 0 || !pstate_up(st, rt->probe) ||
		    (r->minus && (rt->minus < 0 || !pstate_up(st, rt->minus)))) {
			log_msg(LOG_WARN, "drop-cause heuristic off: its probe "
				"is down", "cause", r->cause, "probe", r->probe,
				"minus", r->minus, NULL);
			continue;
		}
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
	setup_reasons(c, st);
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

/* False when only heuristics feed the causes. */
bool causes_have_reasons(const struct causes *c)
{
	return c->reason_probe >= 0;
}
