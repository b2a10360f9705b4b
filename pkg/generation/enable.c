/* generation enable: the one place where probes are turned on. A probe is
 * up when the parser resolved it and the kernel accepted it; otherwise it
 * is down with the first reason met. Either way one log line says so, and
 * the probe-state table records it, with the way the probe counts, for the
 * parser, the hist refresh, the collectors, the drop causes and the next
 * reload.
 *
 * The way is chosen here, once per generation: count, function and kprobe
 * probes read the ring buffer, hist probes a trigger. A `mode: auto` probe
 * gets a hist trigger where the kernel takes one, the ring buffer
 * otherwise (no hist triggers, as on 5.10, or the trigger refused); it is
 * down, with both reasons, only when the ring buffer refuses it too. An
 * auto probe that continues an up probe of the previous generation keeps
 * that probe's way (pstate_mode_planned()): its trigger or its event, and
 * so its counts, go on, and the reload steps of pkg/tracefs, which ran
 * before this, relied on it. */
#include <stdio.h>
#include <stdlib.h>

#include "generation/generation_int.h"
#include "log/log.h"

/* Records probe i's state and logs it, with the way it counts when it is
 * up (and, for an auto probe on the ring buffer, why not by hist); -1 on
 * ENOMEM. */
static int set_state(struct generation *g, int i, const char *why,
		     const char *hist_refused)
{
	const struct probe_spec *p = config_probe(g->cfg, i);
	enum pstate_mode m = pstate_mode(g->states, i);

	if (why)
		log_msg(LOG_WARN, "probe down", "probe", p->name, "target",
			p->target, "reason", why, NULL);
	else
		log_msg(LOG_INFO, "probe up", "probe", p->name, "target",
			p->target, "mode", pstate_mode_name(m), "hist_refused",
			hist_refused, NULL);
	return pstate_set(g->states, i, why);
}

/* Turns tracepoint or kprobe probe i on the way mode says; NULL, or why
 * the kernel refused (valid until the next call into pkg/tracefs). */
static const char *enable_as(struct generation *g, int i,
			     enum pstate_mode mode)
{
	struct session *s = g->env.session;
	const char *why = mode == PSTATE_HIST ?
			  parser_hist_refused(g->parser, i) : NULL;
	int ret;

	if (why)
		return why;
	ret = mode == PSTATE_HIST ? session_hist_enable(s, i, &why) :
				    session_enable(s, i, &why);

	return ret && !why ? "refused by the kernel" : why;
}

/* Probe i counted the way mode says (not PSTATE_AUTO). */
static int enable_fixed(struct generation *g, int i, enum pstate_mode mode)
{
	pstate_set_mode(g->states, i, mode);
	return set_state(g, i, enable_as(g, i, mode), NULL);
}

/* An auto probe with no way yet: a hist trigger, else the ring buffer. */
static int enable_auto(struct generation *g, int i)
{
	char hist_why[256], both[512];
	const char *why = enable_as(g, i, PSTATE_HIST);

	if (!why) {
		pstate_set_mode(g->states, i, PSTATE_HIST);
		return set_state(g, i, NULL, NULL);
	}
	snprintf(hist_why, sizeof(hist_why), "%s", why);
	pstate_set_mode(g->states, i, PSTATE_RING);
	why = enable_as(g, i, PSTATE_RING);
	if (!why)
		return set_state(g, i, NULL, hist_why);
	snprintf(both, sizeof(both), "hist trigger: %s; ring buffer: %s",
		 hist_why, why);
	return set_state(g, i, both, NULL);
}

/* Tracepoint, kprobe, hist and auto probes, one by one; marks in want[]
 * the function probes the parser resolved (they go on together). prev:
 * the previous generation's table, or NULL. */
static int enable_events(struct generation *g, const struct pstate *prev,
			 bool *want)
{
	int ret = 0;

	for (int i = 0; i < config_probe_count(g->cfg); i++) {
		enum pstate_mode m = pstate_mode_planned(g->cfg, i, prev);
		const char *why = parser_probe_error(g->parser, i);

		if (config_probe(g->cfg, i)->kind == PROBE_FUNCTION && !why) {
			want[i] = true;
			continue;
		}
		if (why) {	/* an auto probe left untried: no trigger */
			pstate_set_mode(g->states, i,
					m == PSTATE_AUTO ? PSTATE_RING : m);
			ret |= set_state(g, i, why, NULL);
		} else {
			ret |= m == PSTATE_AUTO ? enable_auto(g, i) :
						  enable_fixed(g, i, m);
		}
	}
	return ret;
}

/* The function probes in want[] at once: one instance filter, set before
 * the function tracer. A target the filter refuses is down with its
 * reason, the others go on. */
static int enable_functions(struct generation *g, const bool *want)
{
	int n = config_probe_count(g->cfg), ret = 0;
	bool *on = calloc(n + 1, sizeof(*on)), any = false, ok;
	const char *why = NULL;

	if (!on)
		return -1;
	for (int i = 0; i < n; i++)
		any |= on[i] = want[i];
	ok = any && session_enable_functions(g->env.session, on, &why) == 0;
	for (int i = 0; any && i < n; i++)
		if (want[i])
			ret |= set_state(g, i, ok && on[i] ? NULL :
					 ok ? SESSION_FUNCTION_REFUSED : why,
					 NULL);
	free(on);
	return ret;
}

/* Records and logs, once, why probe i counts on its tracepoint without
 * the event probe its packet labels want (pkg/tracefs tried to make it:
 * refused, as on 5.10 or this host's 6.18, or no BTF). */
static int note_fallback(struct generation *g, int i)
{
	const char *why = session_eprobe_why(g->env.session, i);

	if (why)
		log_msg(LOG_WARN, "no event probe; probe counts on its "
			"tracepoint", "probe", config_probe(g->cfg, i)->name,
			"reason", why, NULL);
	return pstate_set_fallback(g->states, i, why);
}

/* Logs, once, each label whose field this kernel's event does not have
 * (packet labels without their event probe: note_fallback() said why). */
static void log_missing_labels(const struct generation *g)
{
	for (int i = 0; i < config_probe_count(g->cfg); i++) {
		const struct probe_spec *p = config_probe(g->cfg, i);

		for (int l = 0; l < p->nlabels; l++)
			if (gen_label_absent(g->cfg, g->parser, i, l))
				log_msg(LOG_WARN, "event has no such field; label "
					"left empty", "probe", p->name, "label",
					p->labels[l], NULL);
	}
}

int gen_enable(struct generation *g, const struct pstate *prev)
{
	bool *want = calloc(config_probe_count(g->cfg) + 1, sizeof(*want));
	int ret;

	if (!want)
		return -1;
	ret = enable_events(g, prev, want) | enable_functions(g, want);
	for (int i = 0; i < config_probe_count(g->cfg); i++)
		ret |= note_fallback(g, i);
	free(want);
	parser_count_up(g->parser, g->states);
	log_missing_labels(g);
	return ret ? -1 : 0;
}
